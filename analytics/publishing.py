"""Every change to a database goes through `writing()`, and is then published for the dashboard.

DuckDB lets one process write a database file and keeps every other process out meanwhile, readers
included, for as long as the writer has it open (a big load: minutes). So the dashboard never reads
the database that loads write. It reads a copy, published after each successful change:

- Writers (`python -m analytics load`, `load-csv`, `demo`, `reference load/reset`, the Data page's
  uploads) take the database's lock file in turn (analytics/writer_lock.py): a second writer waits for
  the first, saying who holds it, and gives up after a timeout with a message naming the database. Under
  the lock it opens the database read-write, does its work, checkpoints, and copies the file into the
  folder of copies (copied under a temporary name, flushed to disk, then renamed: a copy is complete or
  absent), then points `current` at it. A change that fails is not published.
- Readers (the dashboard's page runs) read `current` and open that copy read-only, holding a shared
  lock on it while the page runs. They never wait for a load and never see one half done: a page
  shows the database as it was before a load or after it. A new copy has a new name, so the next
  page run opens it (DuckDB keeps one instance per file name open in a process while any connection
  uses it: replacing a file under the same name would go unseen). Copies no page holds any more are
  removed, so at rest the database takes twice its size on disk.
- A copy older than its database (a change made outside these commands, or a crash between a load's
  commit and its publication) or made by another version of this program is published again the
  next time a writer runs, or the dashboard starts or notices it while no load runs.

Beside the database `denials.duckdb`: `denials.duckdb.lock` (who writes now) and the folder
`denials.duckdb.dashboard/` (`copy-000012.duckdb`, and `current` naming it).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import time
from datetime import datetime
from pathlib import Path

import duckdb

from analytics import database
from analytics.writer_lock import POLL, WAIT, Busy, Unwritable, held

_FOLDER = ".dashboard"


def copies(db: Path) -> Path:
    """The folder of the copies the dashboard reads."""
    return db.with_name(db.name + _FOLDER)


def database_of(path: Path) -> Path | None:
    """The database `path` is a copy of; None when it is not a copy."""
    folder = Path(path).parent
    if folder.name.endswith(_FOLDER) and Path(path).name.startswith("copy-"):
        return folder.with_name(folder.name[: -len(_FOLDER)])
    return None


# ---- writing -------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def writing(db: str | Path | None = None, wait: float = WAIT, on_wait=None, what: str = "a change"):
    """A read-write connection to `db` (default: the user's database) for one writer at a time.

    Waits up to `wait` seconds for another writer (calling on_wait(message) once when it has to),
    then raises Busy. When the block ends without an exception the database is checkpointed and
    published for the dashboard; otherwise nothing is published."""
    db = Path(db) if db is not None else database.default_path()
    deadline = time.monotonic() + wait
    with held(db, deadline, on_wait, what):
        _remove_partials(db)  # a dead writer's unfinished copy would hold the room this change needs
        try:
            con = _connect(db, deadline, on_wait)
        except (duckdb.Error, OSError) as e:
            if not database.cannot_write(e):
                raise
            raise Unwritable(f"cannot write database {db}: {database.reason(e)}; nothing was changed") from None
        try:
            try:
                yield con
                con.execute("CHECKPOINT")
            except (duckdb.Error, OSError) as e:
                if not database.cannot_write(e):
                    raise
                raise Unwritable(_no_room(db, e, getattr(e, "pending", 0))) from None
            copy = _copy(db)  # while the connection is open, no other process can change the file
        finally:
            with contextlib.suppress(duckdb.Error):  # a database DuckDB invalidated after a failed write
                con.close()
        _point(db, copy)
    tidy(db)


def _no_room(db: Path, error: BaseException, pending: int) -> str:
    """The message of a change that stopped because the database could not be written: where, why, the
    room free, and the room needed (the rows of the files not loaded, about twice their size, and the
    dashboard's copy, as big as the database will be)."""
    rows = 2 * pending
    size = _size(db) + _size(db.with_name(db.name + ".wal"))
    return (
        f"cannot write database {db}: {database.reason(error)}. {_mb(_free(db.parent))} free in {db.parent}; about "
        f"{_mb(rows + size + rows)} needed (the rows still to load, about {_mb(rows)}, and the dashboard's copy, "
        f"as big as the database). Files reported loaded are kept, the others are not loaded: make room and "
        f"load them again (those loaded are skipped). The dashboard shows the data as it was before."
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _free(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0


def _mb(size: float) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 1e6 else f"{size / 1e6:.1f} MB"


def _remove_partials(db: Path) -> None:
    """Remove unfinished copies (`*.partial`) left by a writer that died or failed while copying: under the
    writer's lock, no living process is making one."""
    for leftover in copies(db).glob("*.partial"):
        leftover.unlink(missing_ok=True)


def refresh(db: str | Path, wait: float = 0.0) -> bool:
    """Publish `db` again if its copy is missing, older than the database or made by another version
    (opening it brings it up to date first); returns whether a current copy exists afterwards. With
    wait=0 it never waits: a running load will publish when it ends."""
    db = Path(db)
    if not stale(db):
        return True
    if not db.exists():
        return False
    try:
        with held(db, time.monotonic() + wait, None, "a publication"):
            _remove_partials(db)
            if stale(db):  # another writer may have published while this one waited
                con = _connect(db, time.monotonic() + wait, None)
                try:
                    con.execute("CHECKPOINT")
                    copy = _copy(db)
                finally:
                    con.close()
                _point(db, copy)
    except (Busy, Unwritable, duckdb.Error, OSError):
        return False  # busy, or a database this process cannot write: the copy stays as it is
    tidy(db)
    return True


def stale(db: Path) -> bool:
    """Whether the copy the dashboard reads is missing or differs from the database as it stands."""
    pointer = _pointer(db)
    if pointer is None or not (copies(db) / pointer["copy"]).exists():
        return True
    return pointer["source"] != _state(db) or pointer["version"] != _version()


def _connect(db: Path, deadline: float, on_wait) -> duckdb.DuckDBPyConnection:
    """database.connect, retried while a process outside these commands (an analyst's DuckDB client)
    holds the file."""
    told = False
    while True:
        try:
            return database.connect(db)
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise
            if time.monotonic() >= deadline:
                raise Busy(
                    f"database {db} is busy: another program has it open "
                    f"({str(e).splitlines()[0]}); nothing was changed. Close it and try again."
                ) from None
            if on_wait and not told:
                on_wait(f"waiting for another program to close {db}...")
                told = True
            time.sleep(POLL)


def _copy(db: Path) -> Path:
    """Copy the checkpointed database into a new file of the copies folder, complete on disk. When it
    cannot be (a full disk), nothing of it is left behind and the dashboard keeps the copy it has."""
    folder = copies(db)
    pointer = _pointer(db)
    try:
        folder.mkdir(exist_ok=True)
        numbers = [_number(p) for p in folder.glob("copy-*.duckdb")] + [
            _number(Path(pointer["copy"])) if pointer else 0
        ]
        target = folder / f"copy-{max(numbers, default=0) + 1:06d}.duckdb"
        partial = target.with_name(target.name + ".partial")
        try:
            shutil.copyfile(db, partial)
            _fsync(partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        _fsync(folder)
    except OSError as e:
        raise Unwritable(
            f"the change is saved in {db}, but the dashboard's copy of it cannot be written in {folder}: "
            f"{database.reason(e)}. "
            f"It needs {_mb(_size(db))}, {_mb(_free(folder.parent))} free. The dashboard keeps showing the data as it "
            "was before; make room, and the next load, or the dashboard when no load runs, publishes it."
        ) from None
    return target


def _point(db: Path, copy: Path) -> None:
    """Make `copy` the one the dashboard reads (after the database was closed: its state is final)."""
    folder = copies(db)
    text = json.dumps(
        {
            "copy": copy.name,
            "source": _state(db),
            "version": _version(),
            "published": datetime.now().isoformat(timespec="seconds"),
        }
    )
    partial = folder / "current.partial"
    partial.write_text(text)
    _fsync(partial)
    os.replace(partial, folder / "current")
    _fsync(folder)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _state(db: Path) -> list:
    """What changes when the database file does (it has no write-ahead log once closed)."""
    try:
        info = db.stat()
    except FileNotFoundError:
        return []
    # the log can go between a check and a stat (a checkpoint): _size counts a missing one as 0
    return [info.st_size, info.st_mtime_ns, _size(db.with_name(db.name + ".wal"))]


@functools.cache
def _version() -> str:
    """The schema, views, queries and shipped reference tables of this version: a copy made by another
    version is made again (opening the database brings it up to date)."""
    digest = hashlib.sha256(database.SCHEMA_VERSION.encode())
    for folder in (database.QUERIES, database.PROJECT_ROOT / "data"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _pointer(db: Path) -> dict | None:
    try:
        return json.loads((copies(db) / "current").read_text())
    except (FileNotFoundError, ValueError):
        return None


def _number(path: Path) -> int:
    try:
        return int(path.name.split("-", 1)[1].split(".", 1)[0])
    except (IndexError, ValueError):
        return 0


# ---- reading -------------------------------------------------------------------------------------------------


def current(db: Path) -> Path | None:
    """The copy of `db` the dashboard reads now, if one was published."""
    pointer = _pointer(db)
    if pointer is None:
        return None
    copy = copies(db) / pointer["copy"]
    return copy if copy.exists() else None


class Held:
    """The current copy of a database, held by a shared lock until release(): no writer removes it
    meanwhile."""

    def __init__(self, db: Path, path: Path, fd: int):
        self.db, self.path = db, path
        self._fd: int | None = fd  # None once released

    def release(self) -> None:
        if self._fd is None:
            return
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
        pointer = _pointer(self.db)
        if pointer and pointer["copy"] != self.path.name:  # superseded: the last page out removes it
            _remove_unused(self.path.parent, pointer["copy"])


def hold(db: Path) -> Held | None:
    """Hold the current copy of `db` for one page run; None when none is published."""
    for _ in range(20):
        copy = current(db)
        if copy is None:
            return None
        try:
            fd = os.open(copy, os.O_RDONLY)
        except FileNotFoundError:
            continue  # superseded and removed between reading `current` and opening it: read it again
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            same = os.fstat(fd).st_ino == os.stat(copy).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return Held(db, copy, fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return None


def tidy(db: Path) -> None:
    """Remove the copies older than the current one that no page holds."""
    pointer = _pointer(db)
    if pointer:
        _remove_unused(copies(db), pointer["copy"])


def _remove_unused(folder: Path, keep: str) -> None:
    newest = _number(Path(keep))
    for path in folder.glob("copy-*.duckdb"):
        if _number(path) >= newest:  # the current copy, or one being published right now
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            path.unlink(missing_ok=True)
        except (BlockingIOError, OSError):
            pass  # a page still reads it: removed when that page is done, or by the next publication
        finally:
            os.close(fd)
