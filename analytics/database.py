"""Open the DuckDB database, create its tables and (re)create the documented views from queries/."""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import shutil
from pathlib import Path

import duckdb

from analytics import derived, models, reference
from analytics.sql_files import PROJECT_ROOT, QUERIES, sql

DEFAULT_DB = PROJECT_ROOT / "var" / "denials.duckdb"
DEMO_DB = PROJECT_ROOT / "var" / "demo.duckdb"
# Empty databases to copy from (see from_template): no patient data, only what the project ships.
TEMPLATES = PROJECT_ROOT / "var" / "templates"
SCHEMA_VERSION = "1"

# Every documented view (docs/views.md), and the tables it documents; what each SQL file builds and needs is in
# its header (analytics/models.py).
PUBLIC_VIEWS = models.documented()


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


def cannot_write(error: BaseException) -> bool:
    """Whether an error says the database or its folder cannot be written (a full disk, a read-only
    folder): after it DuckDB refuses every statement, so it is not a problem of one file, and
    waiting does not cure it."""
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM)
    if isinstance(error, duckdb.FatalException):
        return True  # DuckDB invalidated the database after a failed write
    # a failed write of the database or its log, whatever the statement ("Failed to commit: Could not write ...")
    return isinstance(error, duckdb.Error) and any(reason in str(error) for reason in _REASONS)


# What the system says when a file cannot be written, as DuckDB quotes it.
_REASONS = (
    "No space left on device",
    "Disk quota exceeded",
    "File too large",
    "Read-only file system",
    "Permission denied",
    "Operation not permitted",
)


def reason(error: BaseException) -> str:
    """Why a file could not be written, in the system's words ("No space left on device"), found in
    DuckDB's longer message."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error)
    return next((r for r in _REASONS if r in text), text.splitlines()[0] if text else type(error).__name__)


def connect(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-write connection to a database that has every table, reference table and view."""
    path = Path(path) if path is not None else default_path()
    copied = False
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
        copied = not path.exists() and from_template(path)
    con = duckdb.connect(str(path))
    if copied:  # the template's reference tables came into this database now
        con.execute("UPDATE ref_sources SET loaded_at = now()::TIMESTAMP")
    ensure_schema(con)
    return con


def from_template(path: Path) -> bool:
    """Start a new database as a copy of an empty one made earlier by this release: creating the tables,
    reference tables, views and empty derived tables costs about 0.3 s, a copy about 0.01 s, and every
    new database pays it (each test, the demo, a benchmark run). `ensure_schema` runs on the copy as on
    any existing database. Returns whether it did; where no template can be made or placed, DuckDB
    creates the database as before."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        shutil.copyfile(template(), part)  # with the permissions DuckDB would give a new file
        os.link(part, path)  # never over a database another process has just made
        return True
    except (OSError, duckdb.Error):  # FileExistsError included: that process's database is used as it is
        return False
    finally:
        part.unlink(missing_ok=True)


@functools.cache
def template() -> Path:
    """The empty database for this release: named by a hash of DuckDB's version and of everything that
    shapes a new database (the schema, queries, reference data and this package's code), made once."""
    digest = hashlib.sha256(duckdb.__version__.encode())
    for folder, pattern in ((QUERIES, "**/*.sql"), (reference.DATA, "*.csv"), (Path(__file__).parent, "**/*.py")):
        for file in sorted(folder.glob(pattern)):
            digest.update(file.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + file.read_bytes())
    empty = TEMPLATES / f"empty-{digest.hexdigest()[:16]}.duckdb"
    if not empty.exists():
        TEMPLATES.mkdir(parents=True, exist_ok=True)
        building = empty.with_name(f".{empty.stem}.{os.getpid()}.duckdb")
        try:
            con = duckdb.connect(str(building))
            try:
                ensure_schema(con)
            finally:
                con.close()
            os.replace(building, empty)  # whole or not at all; a concurrent builder writes the same
        finally:
            building.unlink(missing_ok=True)
            building.with_name(building.name + ".wal").unlink(missing_ok=True)
    return empty


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(sql("schema"))
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION],
    )
    reference.ensure_tables(con)
    build(con, models.before_load("staging"))
    reference.refresh_facts(con)  # from the staging views; the marts read it
    build(con, models.before_load("marts"))
    derived.refresh(con)
    build(con, models.derived())  # the views that read the after-load tables


def build(con: duckdb.DuckDBPyConnection, built: list) -> None:
    """Create these views or macros (analytics.models), in order."""
    for model in built:
        models.build(con, model)
