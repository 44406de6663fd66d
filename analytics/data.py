"""Read-only access to the database for the pages: every query comes from queries/*.sql."""

from __future__ import annotations

import contextlib
import contextvars
import shutil
from dataclasses import dataclass
from datetime import date
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


def ensure_current() -> None:
    """Bring the database the pages show up to this version (views, judged denials) before they
    read it: a short read-write connection, skipped when a load holds the database."""
    try:
        database.connect(database_path()).close()
    except duckdb.IOException:
        pass  # another process writes to it now; it ran the same upgrade when it opened


def is_demo(path: Path | None = None) -> bool:
    return record("app/dataset", path=path)["dataset"] == "demo"


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters; empty means everything."""

    date_basis: str = "service"  # 'service' or 'payment'
    date_from: date | None = None
    date_to: date | None = None
    payers: tuple = ()
    categories: tuple = ()
    codes: tuple = ()
    modifiers: tuple = ()
    sites: tuple = ()

    def params(self) -> dict:
        """Bound parameters of every dashboard query (queries/dashboard/*.sql)."""
        return {
            "date_basis": self.date_basis, "date_from": self.date_from, "date_to": self.date_to,
            "payers": list(self.payers), "categories": list(self.categories), "codes": list(self.codes),
            "modifiers": list(self.modifiers), "sites": list(self.sites),
        }


def dashboard(name: str, filters: Filters, path: Path | None = None, **extra) -> pd.DataFrame:
    """queries/dashboard/<name>.sql (or queries/<folder/name>.sql) under the filters, plus any extra
    parameters the query takes."""
    return query(name if "/" in name else f"dashboard/{name}", {**filters.params(), **extra}, path)


def query(name: str, params=None, path: Path | None = None) -> pd.DataFrame:
    """queries/<name>.sql as a table to show."""
    return _run(name, params, path, lambda result: result.df())


def record(name: str, params=None, path: Path | None = None) -> dict:
    """The single row of queries/<name>.sql, with exact types (Decimal for money)."""
    def first(result):
        names = [d[0] for d in result.description]
        return dict(zip(names, result.fetchall()[0]))
    return _run(name, params, path, first)


# Within session(): one read-only connection, opened at the first query, shared by the queries of
# one page run (opening one costs ~20 ms); outside it, a connection per query.
_session: contextvars.ContextVar = contextvars.ContextVar("database_session", default=None)


@contextlib.contextmanager
def session():
    """Share one short-lived read-only connection among the queries of one page run, so that a load
    from the command line is never locked out for longer than a page takes to draw."""
    opened: dict = {}
    token = _session.set(opened)
    try:
        yield
    finally:
        _session.reset(token)
        for con in opened.values():
            con.close()


def _run(name: str, params, path: Path | None, take):
    path = Path(path or database_path())
    text = sql(name)
    if isinstance(params, dict):  # the filters every page passes, less those this query does not use
        params = {key: value for key, value in params.items() if f"${key}" in text}
    opened = _session.get()
    if opened is None:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return take(con.execute(text, params or []))
        finally:
            con.close()
    if path not in opened:
        opened[path] = duckdb.connect(str(path), read_only=True)
    return take(opened[path].cursor().execute(text, params or []))


def load_uploads(files: list[tuple[str, bytes]]) -> list:
    """Load uploaded files into the user's own database (created on first upload, replacing the demo
    in the dashboard) with the same loader as the command line."""
    from analytics import loader

    con = _own_database()
    try:
        return loader.load_contents(con, [(Path(name), content) for name, content in files])
    finally:
        con.close()


def load_csv_uploads(layout: str, files: list[tuple[str, bytes]], mapping: tuple[str, bytes] | None = None) -> list:
    """Load uploaded CSV exports of one layout ('claims' or 'remittances', docs/csv.md), read with an
    uploaded mapping file when given, into the user's own database, as `load-csv` does. A mapping that
    cannot be used raises csv_import.MappingError before the database is touched."""
    from analytics import csv_import

    rules = csv_import.read_mapping(mapping[1], layout, name=mapping[0]) if mapping else None
    con = _own_database()
    try:
        return csv_import.load(con, layout, [(Path(name), content) for name, content in files], rules)
    finally:
        con.close()


def _own_database() -> duckdb.DuckDBPyConnection:
    # In one process a read-only and a read-write connection to the same file conflict: let go of
    # the page's read-only one (the next query opens it again).
    opened = _session.get()
    for path in list(opened or {}):
        opened.pop(path).close()
    return database.connect(database.default_path())


def export_parquet() -> bytes:
    """A zip of every documented view as Parquet, for analysts and other tools."""
    import io
    import tempfile
    import zipfile

    buffer = io.BytesIO()
    con = duckdb.connect(str(database_path()), read_only=True)
    try:
        with tempfile.TemporaryDirectory() as where, zipfile.ZipFile(buffer, "w") as archive:
            for view in database.PUBLIC_VIEWS:
                target = Path(where) / f"{view}.parquet"
                con.execute("COPY (SELECT * FROM query_table(?)) TO ? (FORMAT parquet)", [view, str(target)])
                archive.write(target, target.name)
    finally:
        con.close()
    return buffer.getvalue()
