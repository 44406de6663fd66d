"""Read-only access to the database for the pages: every query comes from queries/*.sql."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from analytics.database import default_path, sql


def database_path() -> Path:
    return default_path()


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
