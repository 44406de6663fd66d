"""Read-only access to the database for the pages: every query comes from queries/*.sql.

The pages read the copy of the database published after each load (analytics/updates.py), never the
database the loads write: they never wait for a load and never see one half done.
"""

from __future__ import annotations

import contextlib
import contextvars
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd

from analytics import database, updates
from analytics.database import sql
from analytics.filters import Filters  # noqa: F401  (data.Filters: what every page passes)

UPLOAD_WAIT = 600.0  # seconds an upload waits for a load in progress before it gives up


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
    return updates.database_of(path) or path


def _pick() -> tuple[Path, updates.Held | None]:
    own, demo = database.default_path(), database.demo_path()
    for db in (own, demo):
        if db.exists() and updates.stale(db):
            updates.refresh(db)  # never waits: a load that holds the database publishes when it is done
        held = updates.hold(db)
        if held is not None:
            return held.path, held
    return (own if own.exists() else demo), None


def ensure_demo() -> None:
    """Build the demo database on first start, when the user's own database has no copy for the
    pages (none yet, or its first load is still running)."""
    own, final = database.default_path(), database.demo_path()
    if own.exists() and updates.refresh(own, wait=5):  # published now if it had no copy yet
        return
    if updates.current(final) is not None:
        return
    if final.exists() and updates.busy(final):  # another server builds it now: wait for it
        if updates.refresh(final, wait=600):
            return
    from analytics import demo

    # A demo database without a copy was never finished (its build publishes it last): start over.
    for leftover in (final, final.with_name(final.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(database.demo_files(), ignore_errors=True)
    demo.build(final, database.demo_files())


def ensure_current() -> None:
    """Bring the copies the pages read up to this version (views, judged denials) and up to their
    databases: published again when missing, older than the database or made by another version;
    skipped when a load holds the database (it publishes when it is done)."""
    for db in (database.default_path(), database.demo_path()):
        if db.exists():
            updates.refresh(db)


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
            if not users and updates.current(db) != path:  # superseded and idle
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


def load_uploads(files: list[tuple[str, bytes]], on_result=None) -> list:
    """Load uploaded files into the user's own database (created on first upload, replacing the demo
    in the dashboard) with the same loader as the command line; each file's result also goes to
    on_result as it comes (a progress bar). Waits for a load in progress (up to UPLOAD_WAIT seconds,
    then updates.Busy); the rest of the page run reads the copy published after it."""
    from analytics import loader

    results: list = []
    try:
        with _own_database() as con:
            results = loader.load_contents(con, [(Path(name), content) for name, content in files], on_result)
    except updates.Unwritable as e:
        return _unwritable(files, results, e)
    return results


def load_csv_uploads(layout: str, files: list[tuple[str, bytes]], mapping: tuple[str, bytes] | None = None,
                     on_result=None) -> list:
    """Load uploaded CSV exports of one layout ('claims' or 'remittances', docs/csv.md), read with an
    uploaded mapping file when given, into the user's own database, as `load-csv` does. A mapping that
    cannot be used raises csv_import.MappingError before the database is touched."""
    from analytics import csv_import

    rules = csv_import.read_mapping(mapping[1], layout, name=mapping[0]) if mapping else None
    results: list = []
    try:
        with _own_database() as con:
            results = csv_import.load(con, layout, [(Path(name), content) for name, content in files], rules,
                                      on_result=on_result)
    except updates.Unwritable as e:
        return _unwritable(files, results, e)
    return results


def _unwritable(files: list[tuple[str, bytes]], results: list, error: updates.Unwritable) -> list:
    """The results of uploads when the database could not be written (a full disk, a read-only folder),
    in the page's one message per file: a file without a result failed, saying why; a file loaded before
    the dashboard's copy could not be made says that the dashboard does not show it yet."""
    from analytics import loader

    if results:  # all were stored: only the copy failed
        for result in results:
            result.message = "; ".join(filter(None, [result.message, str(error)]))
        return results
    return [loader.FileResult(Path(name), "failed", str(error)) for name, _ in files]


def _own_database():
    """The one writer (analytics/updates.py) on the user's own database, for an upload. The page run
    lets go of what it read (in one process a read-only and a read-write connection to the same file
    conflict, should it have read the database itself), and reads the new copy afterwards."""
    run = _session.get()
    if run is not None:
        _let_go(run)
    return updates.writing(database.default_path(), UPLOAD_WAIT, what="an upload on the Data page")


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
