"""Reference tables: code lists and the denial rule set, shipped in data/ and replaceable by the user.

Each table is a CSV in data/ that is copied into the database (`ref_<name>`). A user can load their own
version of any of them (a newer CARC list, their own CARC -> category map) with
`python -m analytics reference load NAME FILE`; it stays in force until `reference reset NAME`. A shipped
table that changed in a new release is reloaded automatically unless the user replaced it. When the rule
set changes, the denials are judged again (`refresh_facts`, then the after-load step).

About 530 lines, past the ~400 the house keeps to: some 170 of them declare the tables (`TABLES`, one
entry per CSV: columns, checks, what it judges); the code that loads and checks them is the rest.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics import derived, models
from analytics.sql_files import sql
from analytics.transaction import transaction

DATA = Path(__file__).resolve().parent.parent / "data"

CATEGORIES = (
    "eligibility",
    "authorization",
    "medical_necessity",
    "documentation",
    "coding",
    "bundling",
    "site_of_care",
    "network",
    "non_covered",
    "duplicate",
    "timely_filing",
    "coordination_of_benefits",
    "other",
)
# upheld: the payer keeps an earlier decision (193 original decision maintained; 138, 285, 286 an appeal
# refused because its procedure or time limit was not met): never a new denial, and the recovery model
# reads it as the earlier denial upheld
CLASSES = ("denial", "non_denial", "pended", "upheld")
# how far front- or mid-cycle work usually prevents a category's denials (ref_denial_categories); a
# CARC's preventable flag must say true for 'yes' and false for 'partly' and 'no'
PREVENTABILITY = ("yes", "partly", "no")
# the CAQH CORE business scenarios of the Uniform Use of CARCs and RARCs rule (ref_caqh_scenarios)
SCENARIOS = ("additional_documentation", "missing_invalid_data", "not_covered", "not_separately_payable")
WINDOW_SCOPES = ("payer_id", "payer_name", "filing_indicator", "default")
RESOLUTIONS = ("appeal", "corrected_claim", "no_rework")
# the checks a prevention rule can run (queries/marts/flagged_lines.sql), with the name the Prevention page shows
PREVENTION_CHECKS = {
    "waste_modifier": "no JW or JZ, single-dose drug",
    "max_units": "more units than allowed",
    "site_not_allowed": "site of care not allowed",
    "prior_authorization": "no prior authorisation",
    "unlisted_code": "unlisted code for a coded drug",
}


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict  # column -> DuckDB type; the CSV must have these headers (order free)
    key: tuple  # columns that must be unique and present
    about: str
    required: tuple = ()  # further columns that must not be empty
    judges: bool = True  # the denial judgement depends on it: replacing it judges every denial again
    blank_any: tuple = ()  # key columns that may be left blank, meaning any value

    @property
    def table(self) -> str:
        return f"ref_{self.name.replace('-', '_')}"

    @property
    def shipped(self) -> Path:
        return DATA / f"{self.name.replace('-', '_')}.csv"


TABLES = {
    t.name: t
    for t in (
        Table(
            "carc",
            {
                "code": "VARCHAR",
                "description": "VARCHAR",
                "start_date": "DATE",
                "last_modified": "DATE",
                "stop_date": "DATE",
            },
            ("code",),
            "Claim adjustment reason codes (CAS reasons) with the dates they were valid",
        ),
        Table(
            "rarc",
            {
                "code": "VARCHAR",
                "description": "VARCHAR",
                "start_date": "DATE",
                "last_modified": "DATE",
                "stop_date": "DATE",
                "kind": "VARCHAR",
            },
            ("code",),
            "Remittance advice remark codes (LQ, MOA, MIA)",
        ),
        Table(
            "carc-categories",
            {
                "carc": "VARCHAR",
                "category": "VARCHAR",
                "class": "VARCHAR",
                "preventable": "BOOLEAN",
                "appealable": "BOOLEAN",
            },
            ("carc",),
            "The denial rule set: CARC -> category, class (denial / non_denial / pended / upheld) and flags;"
            " preventable must agree with the category's preventability",
            ("category", "class"),
        ),
        Table(
            "rarc-refinements",
            {"carc": "VARCHAR", "rarc": "VARCHAR", "category": "VARCHAR", "subcategory": "VARCHAR", "note": "VARCHAR"},
            ("carc", "rarc"),
            "CARC + RARC pairs that pin a denial to a more precise category",
            ("category",),
        ),
        Table(
            "denial-categories",
            {
                "category": "VARCHAR",
                "label": "VARCHAR",
                "usual_path": "VARCHAR",
                "preventability": "VARCHAR",
                "resolved_by": "VARCHAR",
            },
            ("category",),
            "Denial categories, their labels, the usual way to resolve them, whether front- or "
            "mid-cycle work prevents them (preventability: yes / partly / no) and how the money is won back "
            "(resolved_by: appeal, against the appeal window; corrected_claim, against timely filing; no_rework)",
            ("preventability",),
        ),
        Table(
            "caqh-scenarios",
            {"carc": "VARCHAR", "rarc": "VARCHAR", "group_code": "VARCHAR", "scenario": "VARCHAR", "rule": "VARCHAR"},
            ("carc", "rarc", "group_code"),
            "CARC (+ RARC, + group code; blank = any) -> CAQH CORE business scenario of a denial: "
            "additional_documentation, missing_invalid_data, not_covered, not_separately_payable",
            ("scenario",),
            blank_any=("rarc", "group_code"),
        ),
        Table(
            "adjustment-groups",
            {"group_code": "VARCHAR", "name": "VARCHAR", "liability": "VARCHAR", "description": "VARCHAR"},
            ("group_code",),
            "CAS group codes",
        ),
        Table(
            "claim-statuses",
            {"status_code": "VARCHAR", "description": "VARCHAR", "kind": "VARCHAR"},
            ("status_code",),
            "CLP02 claim status codes",
        ),
        Table(
            "place-of-service",
            {"code": "VARCHAR", "name": "VARCHAR", "setting": "VARCHAR"},
            ("code",),
            "Place of service codes (site of care on professional claims)",
        ),
        Table(
            "bill-type-facilities",
            {"facility_code": "VARCHAR", "name": "VARCHAR", "setting": "VARCHAR"},
            ("facility_code",),
            "First two digits of the type of bill (site of care on institutional claims)",
        ),
        Table(
            "modifiers",
            {"modifier": "VARCHAR", "description": "VARCHAR", "topic": "VARCHAR"},
            ("modifier",),
            "Modifiers that matter for denials",
        ),
        Table(
            "procedure-codes",
            {"code": "VARCHAR", "description": "VARCHAR", "billing_unit": "VARCHAR"},
            ("code",),
            "Procedure and drug codes with their billing unit; load the full HCPCS list in this layout",
        ),
        Table(
            "appeal-windows",
            {"scope": "VARCHAR", "value": "VARCHAR", "days": "INTEGER", "description": "VARCHAR"},
            ("scope", "value"),
            "Days a payer allows to appeal a denial: by payer id, payer name or filing "
            "indicator (CLP06), else the default row; a denial with nothing back by then is written off",
            judges=False,
        ),
        Table(
            "timely-filing",
            {"scope": "VARCHAR", "value": "VARCHAR", "days": "INTEGER", "description": "VARCHAR"},
            ("scope", "value"),
            "Days a payer allows to file a claim, from the date of service: the deadline of a "
            "denial fixed by a corrected claim (category resolved_by corrected_claim); by payer id, payer name or "
            "filing indicator (CLP06), else the default row",
            judges=False,
        ),
        Table(
            "settings",
            {"setting": "VARCHAR", "value": "VARCHAR", "description": "VARCHAR"},
            ("setting",),
            "Settings: no_answer_days (a billed claim with no remittance after this many days has no answer), "
            "stale_data_days (the Worklist warns when the latest payment loaded is older than this many days), "
            "hash_patient_data (true: store patient names, member ids and birth dates hashed at load)",
            ("value",),
            judges=False,
        ),
        Table(
            "prevention-rules",
            {
                "rule_id": "VARCHAR",
                "check": "VARCHAR",
                "payer": "VARCHAR",
                "filing_indicator": "VARCHAR",
                "code": "VARCHAR",
                "site": "VARCHAR",
                "max_units": "DECIMAL(18,3)",
                "effective_from": "DATE",
                "effective_to": "DATE",
                "category": "VARCHAR",
                "description": "VARCHAR",
            },
            ("rule_id",),
            "Checks run on billed claims before the payer answers: waste_modifier (JW/JZ on "
            "single-dose drugs), max_units, site_not_allowed, prior_authorization, unlisted_code; payer (name or "
            "id), filing indicator (SBR09, e.g. MB) and site blank mean any, a code ending in * is a prefix",
            ("check", "category"),
            judges=False,
        ),
        Table(
            "ndc-crosswalk",
            {"ndc": "VARCHAR", "hcpcs": "VARCHAR", "description": "VARCHAR"},
            ("ndc",),
            "NDC (11 digits) -> HCPCS code, for the unlisted_code check: load the CMS NDC-HCPCS crosswalk",
            ("hcpcs",),
            judges=False,
        ),
    )
}


class ReferenceTableError(ValueError):
    """A reference CSV the user supplied cannot replace the table; nothing was changed."""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing reference tables from data/, refresh shipped ones that changed in a release."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS ref_sources (name VARCHAR PRIMARY KEY, origin VARCHAR NOT NULL,"
        " path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, rows INTEGER NOT NULL, loaded_at TIMESTAMP NOT NULL)"
    )
    current = dict(con.execute("SELECT name, origin || ':' || sha256 FROM ref_sources").fetchall())
    stale = [
        spec
        for spec in TABLES.values()
        if current.get(spec.name) != f"shipped:{_digest(spec.shipped)}"
        and not str(current.get(spec.name, "")).startswith("user:")
    ]
    # shipped tables that changed together are replaced together (they are checked against each other);
    # a user's table from an older release gets the columns added since, empty
    _replace(con, [(spec, spec.shipped, "shipped") for spec in stale], check=False)
    for spec in TABLES.values():
        if str(current.get(spec.name, "")).startswith("user:"):
            have = {
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [spec.table]
                ).fetchall()
            }
            for column, kind in spec.columns.items():
                if column not in have:
                    con.execute(f'ALTER TABLE {spec.table} ADD COLUMN "{column}" {kind}')


def load(con: duckdb.DuckDBPyConnection, name: str, path: str | Path, *more: tuple) -> int:
    """Replace reference table `name` with the user's CSV; returns its row count. Further (name, path)
    pairs are loaded in the same step, checked together (a category's preventability and its CARCs'
    preventable flags change together). Denials judged under the old tables are judged again."""
    pairs = [(name, path), *more]
    rows = _replace(con, [(_spec(n), Path(p), "user") for n, p in pairs])
    _rejudge(con)
    return rows[0]


def reset(con: duckdb.DuckDBPyConnection, name: str) -> int:
    spec = _spec(name)
    [rows] = _replace(con, [(spec, spec.shipped, "shipped")])
    _rejudge(con)
    return rows


def _rejudge(con: duckdb.DuckDBPyConnection) -> None:
    refresh_facts(con)
    derived.refresh(con)  # a no-op unless what it derives from changed


def refresh_facts(con: duckdb.DuckDBPyConnection) -> bool:
    """Rebuild fact_units when the rules that made them changed (the rule set in force or the unit
    query itself); returns whether it did. Each load adds its own files' units as it goes."""
    judging = [t.name for t in TABLES.values() if t.judges]
    rules = con.execute(
        "SELECT string_agg(name || ':' || sha256, ',' ORDER BY name) FROM ref_sources WHERE name IN ?", [judging]
    ).fetchall()[0][0]
    # the units query, the table it fills and everything it reads (views, macros), transitively
    units_sql = models.closure([models.graph()["fact_units"], models.graph()["adjudication_units"]])
    text = models.without_comments("".join(model.text() for model in units_sql))
    fingerprint = hashlib.sha256((rules + text).encode()).hexdigest()
    current = con.execute("SELECT value FROM meta WHERE key = 'facts_fingerprint'").fetchall()
    if current and current[0][0] == fingerprint:
        return False
    with transaction(con) as cur:
        cur.execute(sql("marts/fact_units"))
        # in the order of the files, as loads add them: a file's units sit together with its payment dates, so
        # the newest denials (the Claims page) are read from the last row groups, not from all of them
        for first_id, last_id in _passes(cur):
            cur.execute(
                f"INSERT INTO fact_units BY NAME SELECT * FROM ({sql('marts/adjudication_units')}) ORDER BY file_id",
                {"first_id": first_id, "last_id": last_id},
            )
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('facts_fingerprint', ?)", [fingerprint])
    return True


# Service lines judged in one pass when every unit is judged again (_passes): a 10M-line history peaked at
# 15.6 GB judged in one pass, at 3.5 GB in passes of a million lines, in the same time.
LINES_PER_PASS = 1_000_000


def _passes(cur: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """Ranges of file ids (first, last), in order, that together cover every file id, each with about
    LINES_PER_PASS service lines (a larger file is a pass of its own): a file's units depend only on its own
    rows, so judging them a range at a time gives the same units in the same order, in a pass's memory."""
    ends = cur.execute(
        "SELECT max(file_id) FROM ("
        "    SELECT file_id, sum(count(*)) OVER (ORDER BY file_id) // ? AS pass"
        "    FROM remit_service_lines GROUP BY file_id"
        ") GROUP BY pass ORDER BY 1",
        [LINES_PER_PASS],
    ).fetchall()
    firsts = [0] + [end + 1 for (end,) in ends[:-1]]
    lasts = [end for (end,) in ends[:-1]] + [2**31 - 1]
    return list(zip(firsts, lasts, strict=True))


def export(con: duckdb.DuckDBPyConnection, name: str, path: str | Path) -> int:
    """Write the table in force to a CSV the user can edit and load back."""
    spec = _spec(name)
    columns = ", ".join(spec.columns)
    con.execute(f"COPY (SELECT {columns} FROM {spec.table} ORDER BY ALL) TO ? (HEADER, DELIMITER ',')", [str(path)])
    return con.execute(f"SELECT count(*) FROM {spec.table}").fetchall()[0][0]


def _spec(name: str) -> Table:
    if name not in TABLES:
        raise ReferenceTableError(f"unknown reference table {name!r}; choose one of: {', '.join(TABLES)}")
    return TABLES[name]


def _replace(con: duckdb.DuckDBPyConnection, items: list, check: bool = True) -> list[int]:
    """Replace each (spec, path, origin) table in one transaction; nothing changes if one is refused.
    check: also refuse a rule set whose tables disagree with each other (see _check_rule_set)."""
    if not items:
        return []
    with transaction(con) as cur:
        counts = [_replace_one(cur, spec, path, origin) for spec, path, origin in items]
        if check:
            _check_rule_set(cur, {spec.name: path for spec, path, _ in items})
    return counts


def _replace_one(cur: duckdb.DuckDBPyConnection, spec: Table, path: Path, origin: str) -> int:
    if not path.is_file():
        raise ReferenceTableError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f), [])
    missing = [c for c in spec.columns if c not in header]
    if missing:
        raise ReferenceTableError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(spec.columns)}")
    select = ", ".join(f'"{c}"' for c in spec.columns)
    try:
        cur.execute(
            f"CREATE OR REPLACE TABLE {spec.table} AS SELECT {select} FROM read_csv(?, header = true,"
            " auto_detect = false, columns = "
            f"{{{', '.join(f'{c!r}: {t!r}' for c, t in _all_columns(header, spec).items())}}},"
            f" dateformat = '%Y-%m-%d', quote = '\"', escape = '\"')",
            [str(path)],
        )
        _validate(cur, spec, path)
        rows = cur.execute(f"SELECT count(*) FROM {spec.table}").fetchall()[0][0]
        cur.execute(
            "INSERT OR REPLACE INTO ref_sources VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [spec.name, origin, str(path), _digest(path), rows],
        )
    except duckdb.Error as e:
        raise ReferenceTableError(f"{path}: {_explain(e)}") from None
    return rows


def _check_rule_set(cur: duckdb.DuckDBPyConnection, paths: dict) -> None:
    """Refuse tables that disagree with the others in force: a CARC's preventable flag must match its
    category's preventability (yes: true; partly, no: false)."""
    if not paths.keys() & {"carc-categories", "denial-categories"}:
        return
    columns = {
        r[0]
        for r in cur.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'ref_denial_categories'"
        ).fetchall()
    }
    if "preventability" not in columns:
        return
    bad = cur.execute("""
        SELECT c.carc, c.category, coalesce(c.preventable, false), d.preventability
        FROM ref_carc_categories c JOIN ref_denial_categories d USING (category)
        WHERE d.preventability IS NOT NULL AND coalesce(c.preventable, false) <> (d.preventability = 'yes')
        ORDER BY c.carc LIMIT 3""").fetchall()
    if bad:
        path = paths.get("carc-categories", paths.get("denial-categories"))
        listed = "; ".join(
            f"CARC {carc} ({category}) has preventable = {str(flag).lower()} but {category} is preventable '{state}'"
            for carc, category, flag, state in bad
        )
        raise ReferenceTableError(
            f"{path}: {listed}. A category's preventability and its CARCs' preventable flags agree "
            "(yes: true; partly, no: false); load carc-categories and denial-categories together "
            "to change both"
        )


def _explain(error: duckdb.Error) -> str:
    """DuckDB's CSV errors run to a page; keep the line number and what could not be converted."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    wanted = [
        line.split("Error: ", 1)[-1]
        for line in lines
        if "CSV Error on Line" in line or line.startswith("Error when converting")
    ]
    return "; ".join(wanted) if wanted else lines[0]


def _all_columns(header: list[str], spec: Table) -> dict:
    # Extra columns a user keeps in their file are read as text and ignored.
    return {c: spec.columns.get(c, "VARCHAR") for c in header}


def _validate(cur: duckdb.DuckDBPyConnection, spec: Table, path: Path) -> None:
    """ReferenceTableError naming the file and its first problem: an empty key or required column, a repeated
    key, a category or class not in the lists, then the table's own rules (_TABLE_RULES)."""
    keys = ", ".join(spec.key)
    for column in tuple(c for c in spec.key if c not in spec.blank_any) + spec.required:
        empty = cur.execute(
            f'SELECT count(*) FROM {spec.table} WHERE "{column}" IS NULL OR trim("{column}") = \'\''
        ).fetchall()[0][0]
        if empty:
            raise ReferenceTableError(f"{path}: {empty} row(s) have no {column}")
    dupes = cur.execute(f"SELECT {keys} FROM {spec.table} GROUP BY ALL HAVING count(*) > 1 LIMIT 3").fetchall()
    if dupes:
        raise ReferenceTableError(f"{path}: {keys} repeated: {', '.join(str(d) for d in dupes)}")
    if "category" in spec.columns and spec.name != "denial-categories":
        bad = cur.execute(
            f"SELECT DISTINCT category FROM {spec.table} WHERE category NOT IN ? AND category <> 'none'",
            [list(CATEGORIES)],
        ).fetchall()
        if bad:
            raise ReferenceTableError(f"{path}: unknown category {bad[0][0]!r}; use one of {', '.join(CATEGORIES)}")
    if "class" in spec.columns:
        bad = cur.execute(
            f'SELECT DISTINCT "class" FROM {spec.table} WHERE "class" NOT IN ?', [list(CLASSES)]
        ).fetchall()
        if bad:
            raise ReferenceTableError(f"{path}: unknown class {bad[0][0]!r}; use one of {', '.join(CLASSES)}")
    for rule in _TABLE_RULES.get(spec.name, ()):
        rule(cur, spec.table, path)


def _windows(cur: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """Appeal windows and timely-filing limits: a known scope and days >= 0 on every row, one default."""
    bad = cur.execute(
        f"SELECT scope, value FROM {table} WHERE scope NOT IN ? OR days IS NULL OR days < 0 LIMIT 1",
        [list(WINDOW_SCOPES)],
    ).fetchall()
    if bad:
        raise ReferenceTableError(
            f"{path}: row {bad[0]!r} needs a scope among {', '.join(WINDOW_SCOPES)} and days >= 0"
        )
    if cur.execute(f"SELECT count(*) FROM {table} WHERE scope = 'default'").fetchall()[0][0] != 1:
        raise ReferenceTableError(f"{path}: needs exactly one row with scope 'default' (value '*')")


def _prevention_rules(cur: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """A known check, with what the check needs: a code, max_units, a site."""
    bad = cur.execute(
        f"""SELECT rule_id FROM {table} WHERE "check" NOT IN ?
        OR ("check" = 'max_units' AND max_units IS NULL) OR ("check" = 'site_not_allowed' AND site IS NULL)
        OR ("check" IN ('waste_modifier', 'max_units', 'unlisted_code') AND code IS NULL) LIMIT 1""",
        [list(PREVENTION_CHECKS)],
    ).fetchall()
    if bad:
        raise ReferenceTableError(
            f"{path}: rule {bad[0][0]!r} needs a check among {', '.join(PREVENTION_CHECKS)}, "
            "a code (waste_modifier, max_units, unlisted_code), max_units (max_units) and a site "
            "(site_not_allowed)"
        )


def _denial_categories(cur: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """A known preventability and way of resolution for every category."""
    bad = cur.execute(
        f"SELECT category, preventability FROM {table} WHERE preventability NOT IN ? LIMIT 1",
        [list(PREVENTABILITY)],
    ).fetchall()
    if bad:
        raise ReferenceTableError(
            f"{path}: category {bad[0][0]!r} has preventability {bad[0][1]!r}; use one of {', '.join(PREVENTABILITY)}"
        )
    bad = cur.execute(
        f"SELECT category, resolved_by FROM {table} WHERE resolved_by NOT IN ? LIMIT 1", [list(RESOLUTIONS)]
    ).fetchall()
    if bad:
        raise ReferenceTableError(
            f"{path}: category {bad[0][0]!r} is resolved_by {bad[0][1]!r}; use one of "
            f"{', '.join(RESOLUTIONS)} (blank: appeal)"
        )


def _caqh_scenarios(cur: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    bad = cur.execute(f"SELECT DISTINCT scenario FROM {table} WHERE scenario NOT IN ?", [list(SCENARIOS)]).fetchall()
    if bad:
        raise ReferenceTableError(f"{path}: unknown scenario {bad[0][0]!r}; use one of {', '.join(SCENARIOS)}")


# the rules of one table beyond those every table keeps (_validate)
_TABLE_RULES = {
    "appeal-windows": (_windows,),
    "timely-filing": (_windows,),
    "prevention-rules": (_prevention_rules,),
    "denial-categories": (_denial_categories,),
    "caqh-scenarios": (_caqh_scenarios,),
}
