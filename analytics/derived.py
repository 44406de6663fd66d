"""What is derived from all loaded files, rebuilt after each load in one transaction: the tables and
updates of the SQL graph (analytics/models.py, in the order their headers give: the recovery model
that follows every denial to its outcome, the match of billed claims (837) to the remittances that
answer them, the claim facts behind the denial rates, the deadlines and recovery rates), then the
change findings (analytics/findings/).

A file's own units are judged as it loads (queries/marts/adjudication_units.sql), but whether a denial
came back depends on files loaded before or after it, so these tables are derived from all of them:
rebuilt after every load, and on opening a database whose files, rules or SQL changed since (for
instance when a load was interrupted between committing its files and this step). When the only change
is files added, the tables whose rows each belong to one claim ('-- partition:' in their header) are
rebuilt for the claims those files touch, the tables of sums ('-- regroup:') for the groups those claims'
units fall in, the change findings only when a month they count changed, and the rest (small) whole
(docs/architecture.md).
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from analytics import findings, models
from analytics.sql_files import QUERIES
from analytics.transaction import transaction

# The tables this step writes: the SQL graph's after-load tables, then the change findings.
TABLES = (*(m.names[0] for m in models.after_load() if m.kind == "table"), *models.PYTHON_TABLES)
# Reference tables these read besides the rule set that judged fact_units.
RULES = ("prevention-rules", "ndc-crosswalk", "appeal-windows", "timely-filing", "settings")


def fingerprint(con: duckdb.DuckDBPyConnection, basis: str | None = None) -> str:
    """A hash of everything the derived tables are built from (the loaded files, the rules, the SQL and
    the findings code; `basis`: _basis(con) when the caller has it): stored in meta as recovery_fingerprint
    when they are rebuilt."""
    files = con.execute(
        "SELECT count(*), coalesce(max(file_id), 0), coalesce(sum(file_id), 0) FROM source_files"
    ).fetchall()[0]
    return hashlib.sha256(f"{files}|{basis or _basis(con)}".encode()).hexdigest()


def _basis(con: duckdb.DuckDBPyConnection) -> str:
    """What the derived tables are built from but the files: the facts, the rules, the SQL and the findings
    code (a change to any of them rebuilds everything)."""
    facts = con.execute("SELECT coalesce(max(value), '') FROM meta WHERE key = 'facts_fingerprint'").fetchall()[0][0]
    rules = con.execute(
        "SELECT string_agg(name || ':' || sha256, ',' ORDER BY name) FROM ref_sources WHERE name IN ?", [list(RULES)]
    ).fetchall()[0][0]
    # the after-load tables, everything they read, and the scope of a rebuild per claim (analytics/models.py)
    scope = models.owner("rebuild_scope")
    text = "".join(model.text() for model in models.closure([*models.after_load(), *([scope] if scope else [])]))
    # the change findings of the default period (analytics/findings/) are rebuilt in the same step
    text += "".join(p.read_text() for p in sorted((QUERIES / "findings").glob("*.sql")))
    text = models.without_comments(text) + "".join(
        p.read_text() for p in sorted(Path(findings.__file__).parent.glob("*.py"))
    )
    return hashlib.sha256(f"{facts}|{rules}|{text}".encode()).hexdigest()


def _files(con: duckdb.DuckDBPyConnection, upto: int | None = None) -> str:
    """The loaded files (up to file_id `upto`) as 'latest file_id:hash of every file_id'."""
    latest, ids = con.execute(
        "SELECT coalesce(max(file_id), 0), md5(coalesce(string_agg(file_id::varchar, ',' ORDER BY file_id), '')) "
        "FROM source_files WHERE ? IS NULL OR file_id <= ?",
        [upto, upto],
    ).fetchall()[0]
    return f"{latest}:{ids}"


def _appended_since(con: duckdb.DuckDBPyConnection, seen: dict, basis: str) -> int | None:
    """The latest file_id the last rebuild saw, when the only change since is files added after it (same
    facts, rules and SQL, no file removed); else None, as after a rebuild that saw no file."""
    if "recovery_files" not in seen or seen.get("recovery_basis") != basis:
        return None
    latest = int(seen["recovery_files"].split(":")[0])
    return latest if latest and _files(con, latest) == seen["recovery_files"] else None


def refresh(con: duckdb.DuckDBPyConnection, force: bool = False, steps: dict[str, float] | None = None) -> bool:
    """Rebuild the links and recovery tables when the loaded files or the rules changed; returns
    whether it did. When files were only added, the tables partitioned by claim are rebuilt for the
    claims those files touch, the others whole. One transaction: a reader sees the old tables or the new
    ones. `steps`, when given, receives the seconds each step took (bench/pages.py prints them)."""
    timer = _Timer(steps)
    basis = _basis(con)  # reads and hashes the SQL and findings code: once per refresh
    inputs = fingerprint(con, basis)
    seen = dict(
        con.execute(
            "SELECT key, value FROM meta WHERE key IN ('recovery_fingerprint', 'recovery_basis', 'recovery_files')"
        ).fetchall()
    )
    if not force and seen.get("recovery_fingerprint") == inputs:
        return False
    since = None if force else _appended_since(con, seen, basis)
    with transaction(con) as cur:
        if since is None:
            # the tables, updates and macros of the SQL graph, in the order of what they need (analytics/models.py)
            for model in models.after_load():
                with timer(_step(model)):
                    models.build(cur, model)
            changed = None
        else:
            changed = _rebuild_touched(cur, since, timer)
        # the change findings read the claim facts (initial_claims, built above): after them; after a load
        # that only added files, kept when their period is the same and no claim they count changed
        with timer("change findings"):
            findings.refresh(cur, changed)
        cur.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [("recovery_fingerprint", inputs), ("recovery_basis", basis), ("recovery_files", _files(cur))],
        )
    return True


def build_missing(con: duckdb.DuckDBPyConnection, built: set) -> None:
    """The after-load tables not in `built`, made by their own SQL in the graph's order, then the change
    findings, as refresh makes them: for a DuckDB file over a Spark lake, whose build makes the others
    (analytics/spark/duckdb_lake.py)."""
    for model in models.after_load():
        if model.kind == "table" and model.names[0] not in built:
            models.build(con, model)
    findings.refresh(con)


class _Timer:
    """Seconds per step, summed into `steps` when given."""

    def __init__(self, steps: dict[str, float] | None) -> None:
        self.steps = steps

    @contextmanager
    def __call__(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.steps is not None:
                self.steps[name] = self.steps.get(name, 0.0) + time.perf_counter() - start


def _rebuild_touched(cur: duckdb.DuckDBPyConnection, since: int, timer: _Timer | None = None) -> list:
    """The after-load step when files after `since` were only added: the partitioned tables for the
    claims those files touch (rebuild_scope), the regrouped tables for the groups their units fall in,
    every other step whole, in the graph's order. Returns the payment months of the claim facts that
    changed (a claim's row of claim_facts added, removed or different), for the change findings."""
    timer = timer or _Timer(None)
    database = cur.execute("SELECT current_database()").fetchall()[0][0]
    with timer("rebuild_scope"):
        cur.execute("CREATE TEMP TABLE rebuild_keys AS SELECT * FROM rebuild_scope(?)", [since])
    regrouped = [model for model in models.after_load() if model.regroup]
    cur.execute(
        f"CREATE TEMP TABLE claim_facts_before AS SELECT * FROM claim_facts WHERE claim_key IN ({_scope('claim_key')})"
    )
    try:
        for model in regrouped:  # the groups the touched claims' units fall in before the step
            with timer(_step(model)):
                _touched_groups(cur, model, database, first=True)
        for model in models.after_load():
            with timer(_step(model)):
                if model.partition is not None:
                    _rebuild_partition(cur, model, database)
                elif model.regroup is not None:
                    _rebuild_groups(cur, model, database)
                elif model.accumulate is not None:
                    _accumulate(cur, model, database, since)
                else:
                    models.build(cur, model)
        with timer("claim facts changed"):
            return _changed_months(cur)
    finally:
        cur.execute("DROP TABLE temp.main.rebuild_keys")
        cur.execute("DROP TABLE temp.main.claim_facts_before")
        for model in regrouped:
            cur.execute(f"DROP TABLE IF EXISTS temp.main.{_groups(model)}")


def _changed_months(cur: duckdb.DuckDBPyConnection) -> list:
    """The payment months (claim_facts.month, and the month of its payment date) of the touched claims'
    rows of claim_facts that are not what they were before the step: a claim's facts are its own, so no
    other claim's changed."""
    changed = cur.execute(
        f"""
        WITH after AS (SELECT * FROM claim_facts WHERE claim_key IN ({_scope("claim_key")})),
        changed AS (
            (SELECT * FROM after EXCEPT SELECT * FROM temp.main.claim_facts_before)
            UNION ALL
            (SELECT * FROM temp.main.claim_facts_before EXCEPT SELECT * FROM after)
        )
        SELECT DISTINCT month FROM (
            SELECT month::date AS month FROM changed
            UNION ALL SELECT date_trunc('month', payment_date)::date FROM changed
        )
        """
    ).fetchall()
    return [month for (month,) in changed]


@contextmanager
def _narrowed(cur: duckdb.DuckDBPyConnection, model: models.Model, database: str):
    """Within: every input of the model that has a claim_key or submission_key (but the tables it changes)
    read through a temporary view of the same name narrowed to the touched claims (the database's own
    relations are named in full; the temporary ones come first in name lookup)."""
    reads = _reads(model) - set(model.names)
    narrowed = {name: keys for name in sorted(reads) if (keys := _keys(cur, database, name))}
    for name, keys in narrowed.items():
        where = " AND ".join(f"{k} IN ({_scope(k)})" for k in keys)
        cur.execute(f'CREATE TEMP VIEW {name} AS SELECT * FROM "{database}".main.{name} WHERE {where}')
    try:
        yield
    finally:
        for name in narrowed:
            cur.execute(f"DROP VIEW temp.main.{name}")


def _rebuild_partition(cur: duckdb.DuckDBPyConnection, model: models.Model, database: str) -> None:
    """A partitioned table's rows of the touched claims: deleted, then inserted by its own SQL reading its
    inputs narrowed to those claims (_narrowed). A partitioned update runs its statements on its inputs
    narrowed the same way."""
    table = f'"{database}".main.{model.names[0]}'
    if model.kind == "table":
        key, column = model.partition or ("", "")
        cur.execute(f"DELETE FROM {table} WHERE {column} IN ({_scope(key)})")
    with _narrowed(cur, model, database):
        cur.execute(f"INSERT INTO {table}\n{model.text()}" if model.kind == "table" else model.statement())


def _groups(model: models.Model) -> str:
    return f"touched_groups_{model.names[0]}"


def _touched_groups(cur: duckdb.DuckDBPyConnection, model: models.Model, database: str, first: bool) -> None:
    """The groups (model.regroup) of the model's own SQL run on its inputs narrowed to the touched claims,
    into a temporary table: before the step (first) and after what it needs was rebuilt. A unit that
    enters a group is in the second, one that leaves it (a claim now a readjudication) in the first."""
    columns = ", ".join(model.regroup or ())
    query = f"SELECT DISTINCT {columns} FROM (\n{model.text()}\n) AS grouped"
    with _narrowed(cur, model, database):
        if first:
            cur.execute(f"CREATE TEMP TABLE {_groups(model)} AS {query}")
        else:
            cur.execute(f"INSERT INTO temp.main.{_groups(model)} {query}")


def _rebuild_groups(cur: duckdb.DuckDBPyConnection, model: models.Model, database: str) -> None:
    """A regrouped table's groups that the touched claims' units fall in, before or after: deleted, then
    summed again by its own SQL from all units, the groups given as constants (DuckDB pushes those through
    the sums down to the scan; a semi join it would not)."""
    _touched_groups(cur, model, database, first=False)
    groups = cur.execute(f"SELECT DISTINCT * FROM temp.main.{_groups(model)}").fetchall()
    if not groups:
        return
    where = _group_filter(model.regroup or (), groups)
    table = f'"{database}".main.{model.names[0]}'
    cur.execute(f"DELETE FROM {table} WHERE {where}")
    cur.execute(f"INSERT INTO {table}\nSELECT * FROM (\n{model.text()}\n) AS regrouped WHERE {where}")


def _accumulate(cur: duckdb.DuckDBPyConnection, model: models.Model, database: str, since: int) -> None:
    """An accumulated table: its own SQL on its inputs narrowed to the files after `since` (file_id), and
    those sums added to the table's, group by group (keys compared NULL-safe); groups it had not, inserted."""
    table = f'"{database}".main.{model.names[0]}'
    keys = model.accumulate or ()
    reads = _reads(model) - set(model.names)
    narrowed = [name for name in sorted(reads) if _has_column(cur, database, name, "file_id")]
    for name in narrowed:
        cur.execute(f'CREATE TEMP VIEW {name} AS SELECT * FROM "{database}".main.{name} WHERE file_id > {int(since)}')
    try:
        cur.execute(f"CREATE TEMP TABLE accumulated AS\n{model.text()}")
    finally:
        for name in narrowed:
            cur.execute(f"DROP VIEW temp.main.{name}")
    try:
        columns = [d[0] for d in cur.execute("SELECT * FROM temp.main.accumulated LIMIT 0").description]
        same = " AND ".join(f"{table}.{k} IS NOT DISTINCT FROM added.{k}" for k in keys)
        sums = ", ".join(
            f"{c} = coalesce({table}.{c} + added.{c}, {table}.{c}, added.{c})" for c in columns if c not in keys
        )
        cur.execute(f"UPDATE {table} SET {sums} FROM temp.main.accumulated AS added WHERE {same}")
        cur.execute(
            f"INSERT INTO {table} SELECT * FROM temp.main.accumulated AS added "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {same})"
        )
    finally:
        cur.execute("DROP TABLE temp.main.accumulated")


def _has_column(cur: duckdb.DuckDBPyConnection, database: str, name: str, column: str) -> bool:
    found = cur.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_catalog = ? AND table_schema = 'main' "
        "AND table_name = ? AND column_name = ?",
        [database, name, column],
    ).fetchall()
    return found[0][0] > 0


def _group_filter(columns: tuple[str, ...], groups: list[tuple]) -> str:
    """A WHERE condition that holds for the rows of these groups: per value of the leading columns, the
    last one IN a list of constants."""
    *heads, last = columns
    by_head: dict[tuple, list] = {}
    for group in groups:
        by_head.setdefault(tuple(group[:-1]), []).append(group[-1])
    parts = []
    for head, values in by_head.items():
        present = [v for v in values if v is not None]
        choices = [f"{last} IN ({', '.join(_literal(v) for v in present)})"] if present else []
        choices += [f"{last} IS NULL"] if len(present) < len(values) else []
        terms = [f"{c} IS NULL" if v is None else f"{c} = {_literal(v)}" for c, v in zip(heads, head, strict=True)]
        parts.append("(" + " AND ".join([*terms, "(" + " OR ".join(choices) + ")"]) + ")")
    return " OR ".join(parts)


def _literal(value: object) -> str:
    """A group key value as a SQL constant."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, datetime.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int | float | decimal.Decimal):
        return (
            repr(value)
            if isinstance(value, int)
            else f"'{value}'::{'DOUBLE' if isinstance(value, float) else 'DECIMAL(38, 10)'}"
        )
    return "'" + str(value).replace("'", "''") + "'"


def _step(model: models.Model) -> str:
    return model.names[0] if model.kind == "table" else f"{model.kind} {model.names[0]}"


def _scope(key: str) -> str:
    return f"SELECT value FROM temp.main.rebuild_keys WHERE key = '{key}'"


def _reads(model: models.Model) -> set[str]:
    """The relations a model reads, through the macros it calls."""
    found: set[str] = set()
    for name in model.needs:
        needed = models.owner(name)
        found |= _reads(needed) if needed is not None and needed.kind == "macros" else {name}
    return found


def _keys(cur: duckdb.DuckDBPyConnection, database: str, name: str) -> list[str]:
    """The claim keys a relation of the database has (claim_key, submission_key)."""
    found = cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? AND table_schema = 'main' "
        "AND table_name = ? AND column_name IN ('claim_key', 'submission_key') ORDER BY column_name",
        [database, name],
    ).fetchall()
    return [column for (column,) in found]
