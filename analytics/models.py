"""The SQL graph: what each file of queries/staging and queries/marts builds and what it needs, read
from the file's own header, so the build order lives beside the SQL and not in Python tuples.

Every such file opens with two header lines:

    -- builds: view denials
    -- needs: fact_units, ref_denial_categories

`builds` is one of
- `view NAME` (created as CREATE OR REPLACE VIEW NAME AS <the file>), `view NAME (internal)` for a view
  the dashboard uses that docs/views.md does not document;
- `table NAME`: derived from everything loaded, rebuilt in one transaction after each load
  (analytics/derived.py) as CREATE OR REPLACE TABLE NAME AS <the file>; `table NAME (documented)` for
  one docs/views.md documents (exported with the views);
- `update TABLE`: statements run as they are in that same step (the file's own name is its node);
- `macros NAME, NAME`: CREATE MACRO statements, run as they are;
- `units table NAME` / `units query NAME`: the table of adjudication units and the query that fills it
  as each file loads (analytics/reference.refresh_facts and the ingest store run them, not this graph).

`needs` names what the SQL reads: other files' builds (or their file names), the loaded tables of
queries/schema.sql, reference tables (ref_*), and tables written in Python (PYTHON_TABLES). Views and
macros are created as soon as what they need exists: before the after-load step when they need none of
its tables; else macros within it, views after it (and the macros that read those views).
tests/test_models.py checks every header against the SQL it heads.

A table whose every row belongs to one claim, and depends only on the claims of the claim ids tied to it
(rebuild_scope.sql says which ties), says so on a third line: the key of the claim its rows belong to
(claim_key, unit_id, submission_key or bill_line_key), and the table's column that holds it when named
otherwise:

    -- partition: claim_key
    -- partition: unit_id as denial_id

When files were only added, analytics/derived.py rebuilds such a table for the claims they touch alone:
its rows of those claims are deleted and its own SQL, reading its inputs narrowed to those claims (by
claim_key and submission_key), inserts them again. An update may say the same (`-- partition: claim_key`):
its statements then run with what they read, but the table they change, narrowed the same way, so they
must keep to the claims those inputs hold.

A table of sums over units (a row per group of units, not per claim) names the columns that key its groups:

    -- regroup: basis, basis_date

When files were only added, the groups the touched claims' units fall in, before the step and after it (its
own SQL run on its inputs narrowed to those claims, twice), are deleted and summed again from all units of
those groups (its SQL with the groups as constants, which DuckDB pushes down to the scan). A table of sums
over fact_units columns that never change once a unit is loaded (not readjudication) says `-- accumulate:
KEYS` instead: its SQL runs on the new files' units alone, and their sums are added to the table's (every
column but the keys is a sum or a count). Every other after-load table is rebuilt whole.
"""

from __future__ import annotations

import functools
import graphlib
import re
from dataclasses import dataclass
from pathlib import Path

QUERIES = Path(__file__).resolve().parent.parent / "queries"
FOLDERS = ("staging", "marts")
KINDS = ("view", "table", "update", "macros", "units table", "units query")
# Tables Python writes in the after-load step, after the SQL tables (name -> the module that writes it).
PYTHON_TABLES = {
    "slice_months": "analytics/findings/store.py",
    "driver_months": "analytics/findings/store.py",
    "change_findings_rows": "analytics/findings/store.py",
}
# Built after every load, in the order of the graph.
AFTER_LOAD = ("table", "update")

_BUILDS = re.compile(
    r"^-- builds: (units table|units query|view|table|update|macros) ([\w, ]+?)( \((?:internal|documented)\))?$"
)
_NEEDS = re.compile(r"^-- needs: ([\w, ]*)$")
_PARTITION = re.compile(r"^-- partition: (claim_key|unit_id|submission_key|bill_line_key)(?: as (\w+))?$")
_REGROUP = re.compile(r"^-- (regroup|accumulate): (\w+(?:, \w+)*)$")


@dataclass(frozen=True)
class Model:
    """One SQL file of the graph."""

    path: str  # 'marts/denials', as analytics.sql_files.sql() takes it
    kind: str
    names: tuple  # what it builds (for an update, the table it changes)
    needs: tuple
    documented: bool = False  # in docs/views.md, and exported with the views (data.py)
    # (the key of rebuild_scope, the table's column that holds it): rebuilt per claim (a table or an update)
    partition: tuple[str, str] | None = None
    # the columns that key its groups: a table of sums rebuilt for the groups the touched claims fall in
    regroup: tuple[str, ...] | None = None
    # the same for a table of sums over units that never change once loaded: the new files' sums added
    accumulate: tuple[str, ...] | None = None

    @property
    def node(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def text(self) -> str:
        return (QUERIES / f"{self.path}.sql").read_text()

    def statement(self) -> str:
        """The SQL that builds it."""
        if self.kind == "view":
            return f"CREATE OR REPLACE VIEW {self.names[0]} AS\n{self.text()}"
        if self.kind == "table":
            return f"CREATE OR REPLACE TABLE {self.names[0]} AS\n{self.text()}"
        return self.text()


def without_comments(text: str) -> str:
    """SQL less its comment lines: what a fingerprint of the SQL hashes, so that editing a comment does
    not rebuild a database's derived tables."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def build(cur, model: Model) -> None:
    """Run a model's statements. A relation that changed kind in a release (a view that became a table,
    or back) is dropped first: DuckDB replaces a view only with a view."""
    if model.kind in ("view", "table"):
        found = cur.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()",
            [model.names[0]],
        ).fetchall()
        if found and found[0][0] != ("VIEW" if model.kind == "view" else "BASE TABLE"):
            cur.execute(f"DROP {'TABLE' if model.kind == 'view' else 'VIEW'} {model.names[0]}")
    cur.execute(model.statement())


def parse(path: str, text: str) -> Model:
    """A file's header as a Model; a file without one is refused with what is missing."""
    lines = text.splitlines()
    built = next((_BUILDS.match(line) for line in lines[:2] if _BUILDS.match(line)), None)
    needed = next((_NEEDS.match(line) for line in lines[:2] if _NEEDS.match(line)), None)
    if built is None or needed is None:
        raise ValueError(
            f"queries/{path}.sql: the first two lines must be '-- builds: KIND NAME' and "
            f"'-- needs: NAME, ...' (see analytics/models.py)"
        )
    names = tuple(n.strip() for n in built.group(2).split(",") if n.strip())
    needs = tuple(n.strip() for n in needed.group(1).split(",") if n.strip())
    # views are documented unless marked internal; tables are internal unless marked documented
    documented = built.group(3) == " (documented)" if built.group(1) == "table" else built.group(3) is None
    split = next((_PARTITION.match(line) for line in lines[2:3] if _PARTITION.match(line)), None)
    if split is not None and built.group(1) not in ("table", "update"):
        raise ValueError(f"queries/{path}.sql: only a table or an update has a partition")
    partition = (split.group(1), split.group(2) or split.group(1)) if split else None
    grouped = next((_REGROUP.match(line) for line in lines[2:3] if _REGROUP.match(line)), None)
    if grouped is not None and built.group(1) != "table":
        raise ValueError(f"queries/{path}.sql: only a table is regrouped or accumulated")
    keys = tuple(grouped.group(2).split(", ")) if grouped else None
    regroup, accumulate = (keys, None) if grouped is None or grouped.group(1) == "regroup" else (None, keys)
    return Model(path, built.group(1), names, needs, documented, partition, regroup, accumulate)


@functools.cache
def graph() -> dict[str, Model]:
    """Every model by node (its file name), in the topological order of what they need."""
    models = {}
    for folder in FOLDERS:
        for file in sorted((QUERIES / folder).glob("*.sql")):
            model = parse(f"{folder}/{file.stem}", file.read_text())
            models[model.node] = model
    owner = {name: m.node for m in models.values() if m.kind != "update" for name in m.names}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for model in models.values():
        sorter.add(model.node, *(owner.get(n, n) for n in model.needs if owner.get(n, n) in models))
    return {node: models[node] for node in sorter.static_order()}


def owner(name: str) -> Model | None:
    """The model that builds a relation or macro, or whose file has that name."""
    models = graph()
    return models.get(name) or next((m for m in models.values() if name in m.names and m.kind != "update"), None)


def _depends_on_after_load(model: Model, seen: frozenset = frozenset()) -> bool:
    if model.kind in AFTER_LOAD:
        return True
    for name in model.needs:
        if name in PYTHON_TABLES:
            return True
        needed = owner(name)
        if needed is not None and needed.node not in seen and _depends_on_after_load(needed, seen | {model.node}):
            return True
    return False


def _reads_a_derived_view(model: Model) -> bool:
    """Whether a model reads a view that reads what the after-load step builds (claim_status)."""
    return any(
        (needed := owner(name)) is not None and needed.kind == "view" and _depends_on_after_load(needed)
        for name in model.needs
    )


def before_load(folder: str) -> list[Model]:
    """The views and macros of a folder that need nothing built after a load, in order."""
    return [
        m
        for m in graph().values()
        if m.path.startswith(f"{folder}/") and m.kind in ("view", "macros") and not _depends_on_after_load(m)
    ]


def after_load() -> list[Model]:
    """The steps rebuilt after each load, in order: its tables and updates, and the macros that read
    them (a table may call one: claim_status calls data_date()), but for those that read its views."""
    return [
        m
        for m in graph().values()
        if m.kind in AFTER_LOAD or (m.kind == "macros" and _depends_on_after_load(m) and not _reads_a_derived_view(m))
    ]


def derived() -> list[Model]:
    """The views that read what the after-load step builds, and the macros that read those views (DuckDB
    binds a macro's query when it is created): created after it, in order."""
    return [
        m
        for m in graph().values()
        if _depends_on_after_load(m) and (m.kind == "view" or (m.kind == "macros" and _reads_a_derived_view(m)))
    ]


def documented() -> tuple[str, ...]:
    """Every documented view and table (docs/views.md), in build order."""
    return tuple(m.names[0] for m in graph().values() if m.kind in ("view", "table") and m.documented)


def closure(models: list[Model]) -> list[Model]:
    """These models and every model they need, transitively, in build order."""
    wanted: set[str] = set()
    todo = [m.node for m in models]
    while todo:
        node = todo.pop()
        if node in wanted:
            continue
        wanted.add(node)
        todo.extend(o.node for o in map(owner, graph()[node].needs) if o is not None)
    return [m for m in graph().values() if m.node in wanted]
