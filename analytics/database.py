"""Open the DuckDB database, create its tables and (re)create the documented views from queries/."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb

from analytics import reference

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES = PROJECT_ROOT / "queries"
DEFAULT_DB = PROJECT_ROOT / "var" / "denials.duckdb"
DEMO_DB = PROJECT_ROOT / "var" / "demo.duckdb"
SCHEMA_VERSION = "1"

# Views in dependency order: staging views rename and type what the loaders wrote; marts add meaning.
VIEWS = (
    "staging/payments",
    "staging/claims",
    "staging/service_lines",
    "staging/adjustments",
    "staging/remarks",
    "staging/provider_adjustments",
    "staging/submitted_claims",
    "staging/submitted_lines",
    "marts/denials",
    "marts/recoupments",
)
# Built after the tables derived from all loaded files (analytics.recovery), which they read; a file
# that starts with CREATE defines macros and runs as it is.
DERIVED_VIEWS = (
    "marts/recovery_status",
    "marts/filtered_recoveries",
    "marts/recoveries",
    "marts/claim_status",
    "marts/prevention_flags",
)
# Every documented view (docs/views.md).
PUBLIC_VIEWS = tuple(v.rsplit("/", 1)[-1] for v in (*VIEWS, "marts/recoveries", "marts/claim_status",
                                                     "marts/prevention_flags"))



def default_path() -> Path:
    """The database the commands use: $DENIALS_DB when set, else var/denials.duckdb in the project."""
    return Path(os.environ.get("DENIALS_DB") or DEFAULT_DB)


def demo_path() -> Path:
    """The demo database: $DENIALS_DEMO_DB when set, else var/demo.duckdb in the project."""
    return Path(os.environ.get("DENIALS_DEMO_DB") or DEMO_DB)


def demo_files() -> Path:
    """Where the demo's 835 files are kept: a folder beside the demo database."""
    path = demo_path()
    return path.with_name(path.stem + "-835")


def sql(name: str) -> str:
    """The text of queries/<name>.sql."""
    return (QUERIES / f"{name}.sql").read_text()


def connect(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-write connection to a database that has every table, reference table and view."""
    path = Path(path) if path is not None else default_path()
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    ensure_schema(con)
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(sql("schema"))
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION],
    )
    reference.ensure_tables(con)
    create_views(con, "staging/")
    refresh_facts(con)  # from the staging views; the marts read it
    create_views(con, "marts/")
    from analytics import recovery  # it imports this module

    recovery.refresh(con)
    create_views(con, views=DERIVED_VIEWS)


def refresh_facts(con: duckdb.DuckDBPyConnection) -> bool:
    """Rebuild fact_units when the rules that made them changed (the rule set in force or the unit
    query itself); returns whether it did. Each load adds its own files' units as it goes."""
    judging = [t.name for t in reference.TABLES.values() if t.judges]
    rules = con.execute("SELECT string_agg(name || ':' || sha256, ',' ORDER BY name) FROM ref_sources WHERE name IN ?",
                        [judging]).fetchall()[0][0]
    fingerprint = hashlib.sha256((rules + sql("marts/fact_units") + sql("marts/adjudication_units")).encode()).hexdigest()
    current = con.execute("SELECT value FROM meta WHERE key = 'facts_fingerprint'").fetchall()
    if current and current[0][0] == fingerprint:
        return False
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute(sql("marts/fact_units"))
        cur.execute(f"INSERT INTO fact_units BY NAME {sql('marts/adjudication_units')}", {"first_id": 0, "last_id": 2**31 - 1})
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('facts_fingerprint', ?)", [fingerprint])
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    finally:
        cur.close()
    return True


def create_views(con: duckdb.DuckDBPyConnection, folder: str = "", views: tuple = VIEWS) -> None:
    for name in (v for v in views if v.startswith(folder)):
        text = sql(name)
        if any(line.startswith("CREATE ") for line in text.splitlines()):
            con.execute(text)
        else:
            con.execute(f"CREATE OR REPLACE VIEW {name.rsplit('/', 1)[-1]} AS\n{text}")
