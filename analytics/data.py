"""Read-only access to the database for the pages: every query comes from queries/*.sql.

The pages read the copy of the database published after each load (analytics/publishing.py), never the
database the loads write: they never wait for a load and never see one half done.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from analytics import database, findings, publishing
from analytics.filters import Filters  # noqa: F401  (data.Filters: what every page passes)
from analytics.spark import duckdb_lake  # no pyspark: DuckDB views over the lake's Parquet
from analytics.sql_files import sql


def database_path() -> Path:
    """The file the pages read: the copy published of the user's own database ($DENIALS_DB, else
    var/denials.duckdb), else of the demo database; the database itself only when neither has a copy
    (nor can be published now). Within session(), one copy for the whole page run, held so that no
    load removes it meanwhile."""
    run = _session.get()
    if run is None:
        path, held = _pick()
        if held is not None:
            held.release()
        return path
    if "path" not in run:
        run["path"], run["held"] = _pick()
    return run["path"]


def source(path: Path) -> Path:
    """The database a file the pages read stands for: the database a copy was made of, else itself."""
    return publishing.database_of(path) or path


def _pick() -> tuple[Path, publishing.Held | None]:
    if os.environ.get("DENIALS_LAKE"):  # the lake's Parquet, built on Spark (docs/scale.md)
        return duckdb_lake.database_for(os.environ["DENIALS_LAKE"]), None
    own, demo = database.default_path(), database.demo_path()
    for db in (own, demo):
        if db.exists() and publishing.stale(db):
            publishing.refresh(db)  # never waits: a load that holds the database publishes when it is done
        held = publishing.hold(db)
        if held is not None:
            return held.path, held
    return (own if own.exists() else demo), None


def is_demo(path: Path | None = None) -> bool:
    return record("app/dataset", path=path)["dataset"] == "demo"


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
        return dict(zip(names, result.fetchall()[0], strict=True))

    return _run(name, params, path, first)


def records(name: str, params=None, path: Path | None = None) -> list[dict]:
    """Every row of queries/<name>.sql as a dict, with exact types (Decimal for money)."""

    def every(result):
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    return _run(name, params, path, every)


def change_findings(path: Path, kind: str = "default", month: date | None = None) -> findings.Result | None:
    """The change findings (analytics/findings/) of the latest period of a kind in this database, or of the
    period ending with `month` (None when the data hold no such period), computed from what the pages read."""

    def fetch(name: str, params: dict) -> list:
        return records(name, params, path)

    _, usable = findings.payment_months(fetch)
    period = findings.latest_period(usable, kind) if month is None else findings.period_for(month, usable, kind)
    return findings.compute(fetch, period) if period is not None else None


def no_comparison_reason(path: Path, month: date | None, kind: str = "default") -> str:
    """Why `month`, or with None the latest period of a kind, has no change findings (change_findings gave
    None), in words."""

    def fetch(name: str, params: dict) -> list:
        return records(name, params, path)

    return findings.no_period_reason(month, fetch) if month else findings.no_latest_period_reason(kind, fetch)


# Within session(), one page run: one copy of the database, held until the run ends. A copy never
# changes, so the process keeps one read-only connection per copy for every session (each query takes
# a cursor of its own: opening a connection costs ~40 ms and loses DuckDB's cache), and closes it once
# the copy is superseded and no page run uses it. Any other file (the database itself, when it has no
# copy; a path a caller names) gets a connection per page run; outside session(), one per query.
_session: contextvars.ContextVar = contextvars.ContextVar("database_session", default=None)
_shared: dict = {}  # copy -> [connection, page runs using it, its database]
_shared_lock = threading.Lock()


@contextlib.contextmanager
def session() -> Iterator[None]:
    """One page run: its queries read one copy of the database, and share connections."""
    run: dict = {}
    token = _session.set(run)
    try:
        yield
    finally:
        _session.reset(token)
        _let_go(run)


def _let_go(run: dict) -> None:
    """Close this run's connections and let go of its copy; the next query of the run (after an upload)
    picks the current copy again."""
    for con in run.pop("connections", {}).values():
        con.close()
    with _shared_lock:
        for path in run.pop("shared", ()):
            _shared[path][1] -= 1
        for path, (con, users, db) in list(_shared.items()):
            if not users and publishing.current(db) != path:  # superseded and idle
                con.close()
                del _shared[path]
    held = run.pop("held", None)
    run.pop("path", None)
    if held is not None:
        held.release()  # the last page run out removes a superseded copy


def _cursor(run: dict, path: Path) -> duckdb.DuckDBPyConnection:
    held = run.get("held")
    if held is not None and path == held.path:
        with _shared_lock:
            entry = _shared.get(path)
            if entry is None:
                entry = _shared[path] = [duckdb.connect(str(path), read_only=True), 0, held.db]
            if path not in run.setdefault("shared", set()):
                run["shared"].add(path)
                entry[1] += 1
            return entry[0].cursor()
    opened = run.setdefault("connections", {})
    if path not in opened:
        opened[path] = duckdb.connect(str(path), read_only=True)
    return opened[path].cursor()


def _run(name: str, params, path: Path | None, take):
    path = Path(path or database_path())
    text = sql(name)
    if isinstance(params, dict):  # the filters every page passes, less those this query does not use
        params = {key: value for key, value in params.items() if f"${key}" in text}
    run = _session.get()
    if run is None:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return take(con.execute(text, params or []))
        finally:
            con.close()
    cursor = _cursor(run, path)
    try:
        return take(cursor.execute(text, params or []))
    finally:
        cursor.close()


def release() -> None:
    """Let go of what this page run reads, before it writes the database (an upload): in one process a
    read-only and a read-write connection to the same file conflict. The run reads the new copy after."""
    run = _session.get()
    if run is not None:
        _let_go(run)


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
