"""Read-only access to the database for the pages: every query comes from queries/*.sql."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd

from analytics import database
from analytics.database import sql


def database_path() -> Path:
    """The database the pages show: the user's own ($DENIALS_DB, else var/denials.duckdb) once it
    exists, the demo database until then."""
    own = database.default_path()
    return own if own.exists() else database.demo_path()


def ensure_demo() -> None:
    """Build the demo database on first start, when there is no database of the user's own yet."""
    final = database.demo_path()
    if database.default_path().exists() or final.exists():
        return
    from analytics import demo

    target = final.with_suffix(".building")
    target.unlink(missing_ok=True)
    shutil.rmtree(database.demo_files(), ignore_errors=True)
    demo.build(target, database.demo_files())
    target.rename(final)  # only a complete demo database ever appears under its name


def is_demo(path: Path | None = None) -> bool:
    return record("app/dataset", path=path)["dataset"] == "demo"


def query(name: str, params=None, path: Path | None = None) -> pd.DataFrame:
    """queries/<name>.sql as a table to show."""
    return _run(name, params, path, lambda result: result.df())


def record(name: str, params=None, path: Path | None = None) -> dict:
    """The single row of queries/<name>.sql, with exact types (Decimal for money)."""
    def first(result):
        names = [d[0] for d in result.description]
        return dict(zip(names, result.fetchall()[0]))
    return _run(name, params, path, first)


def _run(name: str, params, path: Path | None, take):
    # A short read-only connection per query: a load from the command line is never locked out
    # for longer than a query takes.
    con = duckdb.connect(str(path or database_path()), read_only=True)
    try:
        return take(con.execute(sql(name), params or []))
    finally:
        con.close()
