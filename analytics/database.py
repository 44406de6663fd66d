"""Open the DuckDB database, create its tables and (re)create the documented views from queries/."""

from __future__ import annotations

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
    "marts/denials",
)


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
    create_views(con)


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    for name in VIEWS:
        view = name.rsplit("/", 1)[-1]
        con.execute(f"CREATE OR REPLACE VIEW {view} AS\n{sql(name)}")
