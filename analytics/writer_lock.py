"""The writer's lock: one process changes a database at a time.

DuckDB lets one process write a database file and keeps every other process out meanwhile, readers included,
for as long as the writer has it open (a big load: minutes). Every writer (`python -m analytics load`,
`load-csv`, `demo`, `reference load/reset`, the Data page's uploads, a publication of the dashboard's copy)
first takes the lock file beside the database, `denials.duckdb.lock`: a second writer waits for the first,
saying who holds it, and gives up after a timeout (Busy) with a message naming the database. The file names
its holder (what it does, its process id and start time), so a lock left by a writer that no longer runs is
taken over. What a writer does under the lock, and the copy it publishes, is analytics/publishing.py.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from datetime import datetime
from pathlib import Path

from analytics import database

WAIT = 1800.0  # seconds a command waits for another writer before giving up
POLL = 0.2  # seconds between two tries at a lock or a file another program holds


class Busy(RuntimeError):
    """Another writer kept the database past the time this one was willing to wait."""


class Unwritable(RuntimeError):
    """A change could not be written: the disk is full, the folder read-only. The message names the
    path, the room free and the room needed; what was committed before stays, the dashboard keeps
    the copy it had."""


def lock_file(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def busy(db: Path) -> bool:
    """Whether a writer holds the database now."""
    try:
        with held(Path(db), 0.0, None, "a check"):
            return False
    except Busy:
        return True


@contextlib.contextmanager
def held(db: Path, deadline: float, on_wait, what: str):
    """Hold the writer's lock on `db` for the block: waits until `deadline` (time.monotonic()) for another
    writer, calling on_wait(message) once when it has to (and when it takes over a dead writer's lock), then
    raises Busy; `what` says in the lock file what the holder does. Unwritable when the lock file cannot
    be made."""
    path = lock_file(db)
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:  # a read-only folder, a full disk
        raise Unwritable(f"cannot write database {db}: {database.reason(e)} ({path}); nothing was changed") from None
    try:
        told = False
        while True:
            outcome, holder = _try_lock(fd, path, what)
            if outcome == "held":
                break
            if outcome == "busy":
                if time.monotonic() >= deadline:
                    raise Busy(
                        f"database {db} is busy: {holder} has held it for longer than this one could "
                        f"wait; nothing was changed. Try again when it has finished."
                    ) from None
                if on_wait and not told:
                    on_wait(f"waiting for {holder} to finish with {db}...")
                    told = True
                time.sleep(POLL)
                continue
            if outcome == "taken over" and on_wait:
                on_wait(f"{holder} is no longer running; its lock on {db} is taken over")
            os.close(fd)  # the lock file was replaced: try the one there now
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _try_lock(fd: int, path: Path, what: str) -> tuple[str, str]:
    """One try at the writer's lock on `path` (open as fd): ('held', ''), having written who holds it;
    ('busy', holder); ('taken over', holder) when the holder is no longer running: its lock file is
    removed, and those still holding it (worker processes a killed writer left behind, which inherited
    its file descriptor) keep a lock nobody asks for; or ('replaced', '') when `path` names another file
    now. Under a lock on the folder, so that taking the lock and writing who holds it, and taking over a
    dead holder's, never interleave."""
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        if not _same_file(fd, path):
            return "replaced", ""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 500, 0).decode(errors="replace")
            holder = text.strip().splitlines()[0] if text.strip() else "another writer"
            if _alive(text):
                return "busy", holder
            path.unlink()
            return "taken over", holder
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            f"{what} (process {os.getpid()}, since {datetime.now():%Y-%m-%d %H:%M:%S})\n"
            f"{os.getpid()} {_started(os.getpid())}\n".encode(),
            0,
        )
        return "held", ""
    finally:
        os.close(folder)  # releases the folder's lock


def _alive(text: str) -> bool:
    """Whether the writer the lock file names (its last line: process id and start time) still runs;
    a file without them (written by an older version, or being written) counts as alive."""
    try:
        number, started = text.strip().splitlines()[-1].split()
        pid = int(number)
    except (IndexError, ValueError):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    now = _started(pid)
    # a zombie (killed, not yet reaped) has ended; another process under the same id started later
    return now != "zombie" and (now == "?" or started == "?" or now == started)


def _started(pid: int) -> str:
    """When the process started (Linux: clock ticks since boot, /proc/<pid>/stat field 22), "zombie" for a
    process that has ended but was not reaped, "?" where unknown."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return "?"
    return "zombie" if fields[0] in ("Z", "X") else fields[19]


def _same_file(fd: int, path: Path) -> bool:
    """Whether `path` still names the file open as fd."""
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False
