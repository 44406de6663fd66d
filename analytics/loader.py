"""Load 835 and 837 files into the database: each file whole or not at all, each file once.

A file may hold 835 remittances, 837 claims or both: the 835 reader reads every file, and the 837
reader (`claims`) reads it too when it holds 837 transaction sets.

A file is registered by the SHA-256 of its bytes, so loading it again (under any name) changes
nothing. Files are read and parsed before the database is touched (in worker processes when there are
many), then written in batches: one transaction per batch holds every row, diagnostic and registration
of its files, so a failure at any point leaves the database as it was. If a batch cannot be written,
its files are retried one by one, so one bad file never keeps the others out.

A file larger than _STREAM_BYTES is not read whole: it is read in pieces cut after an SE segment or at
the end of an interchange (x12.stream), each piece parsed and inserted as it comes, with the readers'
state carried from piece to piece; all its pieces go into one transaction, so it too loads whole or
not at all, and memory holds about one piece, not the file.
"""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import ctypes
import errno
import functools
import gc
import hashlib
import os
import re
import signal
import threading
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from queue import Full, Queue

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analytics import claims, database, privacy, recovery, remittance
from analytics.database import sql
from analytics.x12 import NotX12Error, decode, stream

# Reader output -> internal table: (name of the rows, also their count in FileResult.counts; table; columns).
# 835 rows are the 835 reader's attribute of that name; 837 rows are named in _BILLED.
_TABLES = (
    ("payments", "remit_payments", remittance.PAYMENT_COLUMNS),
    ("claims", "remit_claims", remittance.CLAIM_COLUMNS),
    ("lines", "remit_service_lines", remittance.LINE_COLUMNS),
    ("adjustments", "remit_adjustments", remittance.ADJUSTMENT_COLUMNS),
    ("remarks", "remit_remarks", remittance.REMARK_COLUMNS),
    ("references", "remit_references", remittance.REFERENCE_COLUMNS),
    ("amounts", "remit_amounts", remittance.AMOUNT_COLUMNS),
    ("provider_adjustments", "remit_provider_adjustments", remittance.PROVIDER_ADJUSTMENT_COLUMNS),
    ("billed_claims", "bill_claims", claims.CLAIM_COLUMNS),
    ("billed_lines", "bill_lines", claims.LINE_COLUMNS),
    ("diagnostics", "load_diagnostics", remittance.DIAGNOSTIC_COLUMNS),  # both readers'
)
_BILLED = {"billed_claims": "claims", "billed_lines": "lines"}  # row name -> the 837 reader's attribute


@dataclass(frozen=True)
class _Key:
    """A key unique across the database: the reader's per-file sequence number plus the file's offset,
    which starts after the largest key in `table` and grows by the file's `rows`."""

    seq: str
    table: str
    rows: str


_KEYS = {
    "payment_key": _Key("payment_seq", "remit_payments", "payments"),
    "claim_key": _Key("claim_seq", "remit_claims", "claims"),
    "line_key": _Key("line_seq", "remit_service_lines", "lines"),
    "submission_key": _Key("submission_seq", "bill_claims", "billed_claims"),
    "bill_line_key": _Key("bill_line_seq", "bill_lines", "billed_lines"),
}
_INTEGER_COLUMNS = {key.seq for key in _KEYS.values()} | {"segment_position", "triple_index", "pair_index"}
_CHECKS = ("checks/unbalanced_lines", "checks/unbalanced_claims", "checks/unbalanced_payments", "checks/incomplete_claims")
# Files are parsed in chunks of about _CHUNK_BYTES (the unit of work of a worker process) and written
# in transactions of about _WRITE_BYTES of input (fewer, larger transactions write much faster).
_CHUNK_BYTES = 2 * 1024 * 1024
_WRITE_BYTES = 16 * 1024 * 1024
# At most this much input is parsed, or being parsed, ahead of the writer: parsed rows take several
# times their input in memory (about 10x, 60x for claims of a single segment), so this, not the
# number of files or cores, bounds the memory of the rows waiting and of the workers.
_AHEAD_BYTES = 32 * 1024 * 1024
# Files above _STREAM_BYTES are streamed: read _READ_BYTES at a time, parsed and inserted in pieces of
# about _PIECE_CHARS characters (a piece's rows take about ten times its size in memory, sixty times
# for claims of a single segment). A file at or under it is parsed whole, by a worker: its rows, up to
# sixty times _STREAM_BYTES, are the largest unit of memory the load holds, so it is kept small.
_STREAM_BYTES = 8 * 1024 * 1024
_PIECE_CHARS = 4 * 1024 * 1024
_READ_BYTES = 1024 * 1024
# DuckDB's memory during a load: at most this (it spills the rest to disk), unless a streamed piece
# needs more (about _UNIT_MEMORY_PER_CHAR bytes per character to derive its adjudication units).
_STREAM_MEMORY = 512 * 1024 * 1024
_UNIT_MEMORY_PER_CHAR = 12
# The views and tables the adjudication units of a file are read from (queries/marts/adjudication_units.sql);
# a streamed file's units are derived piece by piece from these, narrowed to the piece's claims.
_UNIT_SOURCES = ("claims", "service_lines", "adjustments", "remarks", "remit_references", "remit_claims")


@dataclass
class FileResult:
    path: Path
    status: str  # 'loaded', 'already loaded', 'skipped' or 'failed'
    message: str = ""
    counts: dict = field(default_factory=dict)
    diagnostics: int = 0
    kind: str = ""  # '835', '837', '835+837', 'csv remittances' or 'csv claims' for a loaded file
    problems: list = field(default_factory=list)  # (line, column, message) of a refused CSV file's bad rows

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def line(self) -> str:
        """One line whatever the file's name holds (a newline, a tab: escaped as \\n, \\t)."""
        return _one_line(self._text())

    def _text(self) -> str:
        name = str(self.path)
        if self.status == "loaded":
            c = self.counts
            parts = []
            if "835" in self.kind or self.kind == "csv remittances" or not self.kind:
                parts.append(f"{c['payments']} payment(s), {c['claims']} claim(s), {c['lines']} line(s), "
                             f"{c['adjustments']} adjustment(s)")
            if "837" in self.kind or self.kind == "csv claims":
                parts.append(f"{c['billed_claims']} claim(s) billed, {c['billed_lines']} line(s) billed")
            text = ", ".join(parts) + f", {self.diagnostics} diagnostic(s)"
            if self.message:
                text += f"; {self.message}"
            return f"loaded          {name}: {text}"
        return f"{self.status:<15} {name}: {self.message}"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(text: str) -> str:
    """Control characters (from file names: a newline would split the one line per file) escaped."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass
class _File:
    """A file read and parsed, waiting to be stored."""

    path: Path
    size: int
    digest: str
    kind: str  # '835', '837', '835+837', 'csv remittances' or 'csv claims'
    interchanges: int
    transaction_sets: int
    segments: int
    skipped_sets: str | None
    counts: dict
    keys: list = field(default_factory=list)  # its interchanges: remittance.Remittance.interchange_keys


@dataclass
class _Chunk:
    """Files parsed together: their rows as one Arrow table per database table, tagged by file_index
    (the file's position in `files`), and the files that could not be parsed."""

    files: list
    tables: dict
    results: list


def expand(paths: list[str | Path]) -> tuple[list[Path], list[FileResult]]:
    """Files named, and files under folders named (recursively, sorted); unreadable paths as failures."""
    files: list[Path] = []
    problems: list[FileResult] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files.extend(Path(root) / n for n in sorted(names) if not n.startswith("."))
        elif path.is_file():
            files.append(path)
        elif path.exists():
            problems.append(FileResult(path, "failed", "not a regular file or folder"))
        else:
            problems.append(FileResult(path, "failed", _missing(path)))
    return files, problems


def _missing(path: Path) -> str:
    """Why a path that does not exist (to Path.exists) cannot be read."""
    try:
        os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "a symbolic link loop (the link leads back to itself)"
        if e.errno not in (errno.ENOENT, errno.ENOTDIR):
            return f"cannot be read ({e.strerror or e})"
    return "no such file or folder"


def load_paths(con: duckdb.DuckDBPyConnection, paths: list[str | Path], on_result=None, on_bytes=None) -> list[FileResult]:
    """Load every file named or under a folder named; report each file through on_result, and the
    progress of a large (streamed) file through on_bytes(path, characters read) as its pieces go in."""
    files, results = expand(paths)
    if on_result:
        for problem in results:
            on_result(problem)

    def report(result: FileResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    known = dict(con.execute("SELECT sha256, file_name FROM source_files").fetchall())
    groups = _group(files)
    workers = os.cpu_count() or 1
    with _unwritten(files, results), _capped_memory(con):
        if sum(isinstance(g, list) for g in groups) > 1 and workers > 1:
            # Parse in worker processes while this one writes what is ready. pyarrow imports pandas on its
            # first conversion of Python values (about 0.25 s); done here, the forked workers inherit it
            # instead of each paying for it.
            pa.array([0])
            with _Workers(workers, known) as pool:
                _store_in_batches(con, _in_order(pool, groups), report, on_bytes)
        else:
            _store_in_batches(con, (_prepare(g, known) if isinstance(g, list) else g for g in groups), report, on_bytes)
        # follow the denials across everything now loaded
        _refresh(con)
    return results


@contextlib.contextmanager
def _unwritten(files: list[Path], results: list[FileResult]):
    """When the database cannot be written any more (a full disk), the error goes on, carrying in
    `pending` the bytes of the files without a result yet: their rows need room too."""
    try:
        yield
    except duckdb.Error as e:
        if database.cannot_write(e):
            done = {r.path for r in results}
            e.pending = sum(_size(f) for f in files if f not in done)
        raise


def _refresh(con) -> None:
    """recovery.refresh within the memory DuckDB is given for a load (it spills to disk; slower), unless
    that is not enough."""
    with _capped_memory(con) as limit:
        try:
            recovery.refresh(con)
        except duckdb.OutOfMemoryException:
            if _bytes(limit) <= _STREAM_MEMORY:
                raise  # it was not capped: more is not to be had
            _set_memory(con, limit)
            recovery.refresh(con)


# The memory limit in force before the load lowered it (_capped_memory), within the load.
_uncapped: contextvars.ContextVar = contextvars.ContextVar("uncapped_memory", default=None)


@contextlib.contextmanager
def _capped_memory(cur):
    """DuckDB's memory limit lowered to _STREAM_MEMORY for the block if it is higher (DuckDB keeps what
    it wrote in memory until it needs the room: with a limit it spills instead), put back after;
    yields the limit in force before the outermost such block (what a step that needs more may take)."""
    outer = _uncapped.get()
    if outer is not None:
        yield outer
        return
    limit = _memory_limit(cur)
    token = _uncapped.set(limit)
    try:
        if _bytes(limit) <= _STREAM_MEMORY:
            yield limit
            return
        cur.execute(f"SET memory_limit = '{_STREAM_MEMORY // 1024 // 1024}MiB'")
        try:
            yield limit
        finally:
            _set_memory(cur, limit)
    finally:
        _uncapped.reset(token)


def _memory_limit(cur) -> str:
    return cur.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def _set_memory(cur, setting: str) -> None:
    """Put back a memory limit read with current_setting: DuckDB's default by RESET (its text is
    rounded, and setting it again would lower it a little each time), another by its text."""
    if setting == _default_memory():
        cur.execute("RESET memory_limit")
    else:
        cur.execute(f"SET memory_limit = '{setting}'")


@functools.cache
def _default_memory() -> str:
    probe = duckdb.connect()
    try:
        return _memory_limit(probe)
    finally:
        probe.close()


def _in_order(pool: _Workers, groups: list):
    """The groups parsed by the pool, in order, with at most _AHEAD_BYTES of input parsed or being
    parsed ahead of the writer (at least one group): the memory of parsed rows waiting to be written
    and of the workers parsing follows the bytes in flight, not the number of files or cores. A file
    to stream is passed on as its path (streamed by the writer: nothing in flight)."""
    ahead: deque = deque()  # (group, its future or path, its bytes)
    in_flight = 0
    for group in groups:
        size = sum(map(_size, group)) if isinstance(group, list) else 0
        while ahead and in_flight + size > _AHEAD_BYTES:
            done, item, length = ahead.popleft()
            in_flight -= length
            yield pool.result(done, item)
        ahead.append((group, pool.submit(group) if isinstance(group, list) else group, size))
        in_flight += size
    while ahead:
        done, item, _ = ahead.popleft()
        yield pool.result(done, item)


class _Workers:
    """The parsing worker processes. They die with this process (Linux), so a killed load leaves no
    worker behind holding the writer's lock (they inherit its file descriptor). A worker that dies
    (killed, out of memory) breaks the pool: the groups it was running and those waiting are parsed
    again, each alone in a fresh worker, so a worker killed from outside costs nothing and a group that
    kills its worker again fails, its files named; a new pool takes the groups after them."""

    def __init__(self, size: int, known: dict):
        self.size, self.known = size, known
        self.pool = _pool(size)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, group: list) -> Future:
        try:
            return self.pool.submit(_prepare, group, self.known)
        except BrokenProcessPool:
            self.pool.shutdown(wait=True)
            self.pool = _pool(self.size)
            return self.pool.submit(_prepare, group, self.known)

    def result(self, group, item):
        """The chunk parsed from `group` (a path to stream passes through)."""
        if not isinstance(item, Future):
            return item
        try:
            return item.result()
        except BrokenProcessPool:
            pass
        alone = _pool(1)
        try:
            future = alone.submit(_prepare, group, self.known)
            # the executor's one process (started by submit; no public accessor): its exit code says why it stopped
            worker = next(iter(alone._processes.values()))
            try:
                return future.result()
            except BrokenProcessPool:
                worker.join()
                why = _stopped(worker.exitcode)
                return _Chunk([], {}, [FileResult(path, "failed", f"the parsing worker stopped: {why}; nothing of this file"
                                                                 " loaded") for path in group])
        finally:
            alone.shutdown(wait=True)


def _pool(size: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=size, initializer=_die_with_parent, initargs=(os.getpid(),))


def _die_with_parent(parent: int) -> None:
    """In a worker: be killed when the loader ends, however it ends (Linux's parent-death signal; a
    worker elsewhere ends when it finds its pool gone, after the group at hand)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux
    if os.getppid() != parent:  # the loader died before the signal was set
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _stopped(code: int | None) -> str:
    """Why a worker process ended, from its exit code, in words (None: the pool reaped it before its
    code could be read, which happens on a busy machine)."""
    if code is None:
        return "it stopped without finishing (killed, or out of memory)"
    if code < 0:
        name = signal.Signals(-code).name
        cause = " (out of memory, or stopped by hand)" if -code == signal.SIGKILL else ""
        return f"it was killed by {name}{cause}"
    return f"it exited with status {code}"


def _store_in_batches(con, chunks, report, on_bytes=None) -> None:
    """Write parsed chunks a few at a time: one transaction for about _WRITE_BYTES of input costs far
    less than one per chunk, while small chunks keep the workers' results flowing. A path among them
    is a large file, streamed in its own transaction."""
    pending, size = [], 0
    for chunk in chunks:
        if isinstance(chunk, Path):
            if pending:
                _store(con, _merge(pending), report)
                pending, size = [], 0
            _stream(con, chunk, report, on_bytes)
            continue
        pending.append(chunk)
        size += sum(f.size for f in chunk.files)
        if size >= _WRITE_BYTES:
            _store(con, _merge(pending), report)
            pending, size = [], 0
    if pending:
        _store(con, _merge(pending), report)


def _merge(chunks: list[_Chunk]) -> _Chunk:
    if len(chunks) == 1:
        return chunks[0]
    files, results, parts = [], [], {}
    for chunk in chunks:
        offset = len(files)
        files += chunk.files
        results += chunk.results
        for name, table in chunk.tables.items():
            index = table.column("file_index")
            table = table.set_column(table.column_names.index("file_index"), "file_index", pc.add(index, offset))
            parts.setdefault(name, []).append(table)
    return _Chunk(files, {name: pa.concat_tables(tables) for name, tables in parts.items()}, results)


def load_file(con: duckdb.DuckDBPyConnection, path: str | Path, data: bytes | None = None) -> FileResult:
    """Load one file (its bytes may be given, e.g. from an upload); never raises for bad content."""
    return load_contents(con, [(Path(path), data)])[0]


def load_contents(con: duckdb.DuckDBPyConnection, items: list[tuple[Path, bytes | None]], on_result=None) -> list[FileResult]:
    """Load files one by one, each whole or not at all (bytes given, e.g. uploads, or read from the
    path when None), then follow the denials across everything loaded once; each file's result also
    goes to on_result as it comes (a progress bar)."""
    results: list[FileResult] = []

    def report(result: FileResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    with _unwritten([Path(path) for path, _ in items], results), _capped_memory(con):
        for path, data in items:
            if data is None and _size(Path(path)) > _STREAM_BYTES:
                _stream(con, Path(path), report)
                continue
            known = dict(con.execute("SELECT sha256, file_name FROM source_files").fetchall())
            _store(con, _prepare([Path(path)], known, [data] if data is not None else None), report)
        _refresh(con)
    return results


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it will say what is wrong


def _group(files: list[Path]) -> list:
    """Files in runs of about _CHUNK_BYTES, the unit of work of one parsing worker; a file larger than
    _STREAM_BYTES stands alone, as its path (it is streamed)."""
    groups, current, size = [], [], 0
    for path in files:
        length = _size(path)
        if length > _STREAM_BYTES:
            if current:
                groups.append(current)
                current, size = [], 0
            groups.append(path)
            continue
        current.append(path)
        size += length
        if size >= _CHUNK_BYTES:
            groups.append(current)
            current, size = [], 0
    if current:
        groups.append(current)
    return groups


def _prepare(paths: list[Path], known: dict, contents: list[bytes] | None = None) -> _Chunk:
    """Read, hash and parse files into one chunk; runs in a worker process when loading many files."""
    # Parsing makes millions of small lists and tuples that live until the chunk is stored; the
    # cyclic garbage collector would scan them over and over (it doubled the time), and they hold
    # no cycles, so it is paused while they are built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parse_chunk(paths, known, contents)
    finally:
        if collecting:
            gc.enable()


def _parse_chunk(paths: list[Path], known: dict, contents: list[bytes] | None) -> _Chunk:
    files, results, seen = [], [], {}
    rows = {name: [] for name, _, _ in _TABLES}
    owners = {name: [] for name, _, _ in _TABLES}
    for n, path in enumerate(paths):
        try:
            data = contents[n] if contents is not None else path.read_bytes()
        except OSError as e:
            results.append(FileResult(path, "failed", f"cannot be read ({e.strerror or e})"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest in known or digest in seen:
            original = known.get(digest) or seen[digest]
            results.append(FileResult(path, "already loaded", f"same content as {original}; nothing changed"))
            continue
        text = billed = None
        try:
            text = decode(data)
            parsed = remittance.parse_text(text)
            if "837" in parsed.skipped_sets:
                billed = claims.parse_text(text)
        except remittance.TruncatedError as e:
            kind, problem = _truncated(text, e)
            results.append(FileResult(path, "failed", f"truncated {kind}: {problem}; nothing loaded"))
            continue
        except NotX12Error as e:
            results.append(FileResult(path, "failed", f"{e}; nothing loaded"))
            continue
        kind, skipped = _holds(parsed.transaction_sets, billed.transaction_sets if billed else 0,
                               Counter(parsed.skipped_sets))
        if not kind:
            results.append(FileResult(path, "skipped", f"no 835 or 837 transaction set in the file (found: {skipped or 'none'}); nothing loaded"))
            continue
        if billed is not None:  # one list of diagnostics in file order
            parsed.diagnostics = sorted(parsed.diagnostics + billed.diagnostics, key=lambda d: d[0])
        seen[digest] = path.name
        index = len(files)
        counts = {}
        for name in rows:
            found = getattr(parsed, name) if name not in _BILLED else getattr(billed, _BILLED[name]) if billed else []
            counts[name] = len(found)
            rows[name] += found
            owners[name] += [index] * len(found)
        files.append(_File(path, len(data), digest, kind, parsed.interchanges, parsed.transaction_sets,
                           parsed.segments, skipped, counts, parsed.interchange_keys))
    return _Chunk(files, _arrow_tables(rows, owners), results)


def _holds(remittances: int, billed: int, skipped: Counter) -> tuple[str, str | None]:
    """What a file holds ('835', '837', '835+837', or '' for neither) and the transaction sets it skipped
    ('999 x2, 277 x1'), from the 835 reader's sets skipped: its 837 sets are the 837 reader's, and
    count only when it read them (billed, how many)."""
    billed = billed if skipped.pop("837", None) is not None else 0
    kind = "+".join(k for k, n in (("835", remittances), ("837", billed)) if n)
    return kind, ", ".join(f"{k} x{v}" for k, v in sorted(skipped.items())) or None


def _arrow_tables(rows: dict, owners: dict) -> dict:
    """Reader rows (tuples or lists in the column order of _TABLES, keyed by row name) as one Arrow
    table per row name, each row tagged with the file_index in `owners`."""
    tables = {}
    for name, _, columns in _TABLES:
        found = rows.get(name)
        if found:
            # Arrow reads tuples as structs in C++, about twice as fast as a column at a time from
            # Python (the readers' rows still filled in later are lists: tuple() of a tuple is itself)
            table = pa.Table.from_struct_array(pa.array(list(map(tuple, found)), type=_ROW_TYPES[name]))
            tables[name] = table.append_column("file_index", pa.array(owners[name], pa.int64()))
    return tables


_ROW_TYPES = {
    name: pa.struct([(column, pa.int64() if column in _INTEGER_COLUMNS else pa.string()) for column in columns])
    for name, _, columns in _TABLES
}


def _truncated(text: str | None, error: remittance.TruncatedError) -> tuple[str, str]:
    """Which kind of file was cut off, and where. The 835 reader refuses every cut-off file, an 837 set
    included (it skips the set and never finds its SE); the 837 reader says whether an 837 is the one."""
    if text is not None:
        try:
            billed = claims.parse_text(text)
        except remittance.TruncatedError as cut:
            return "837", str(cut)
        except NotX12Error:
            pass
        else:
            if billed.transaction_sets and "835" not in billed.skipped_sets:
                return "837", str(error)  # an 837 file whose envelope is cut off
    return "835", str(error)


def _store(con: duckdb.DuckDBPyConnection, chunk: _Chunk, report, only: list[int] | None = None) -> None:
    for result in chunk.results if only is None else []:
        report(result)
    indexes = list(range(len(chunk.files))) if only is None else only
    if not indexes:
        return
    cur = con.cursor()
    try:
        stored = _write(cur, chunk, indexes)
    except duckdb.Error as e:
        if database.cannot_write(e):
            raise  # no file can be written now: the load stops (updates.writing says why)
        if len(indexes) > 1:  # find the file that cannot be written; store the others
            for i in indexes:
                _store(con, chunk, report, [i])
            return
        message = f"database error, nothing loaded: {str(e).splitlines()[0]}"
        report(FileResult(chunk.files[indexes[0]].path, "failed", message))
        return
    finally:
        cur.close()
    for i, (status, message, diagnostics) in zip(indexes, stored):
        item = chunk.files[i]
        report(FileResult(item.path, status, message, item.counts, diagnostics, item.kind))


def _stream(con: duckdb.DuckDBPyConnection, path: Path, report, on_bytes=None) -> None:
    """Load a large file in pieces, in one transaction: whole or not at all, as any other file."""
    try:
        size, digest, encoding = _survey(path)
    except OSError as e:
        report(FileResult(path, "failed", f"cannot be read ({e.strerror or e})"))
        return
    except NotX12Error as e:
        report(FileResult(path, "failed", f"{e}; nothing loaded"))
        return
    collecting = gc.isenabled()
    gc.disable()  # as in _prepare: the readers' rows hold no cycles
    cur = con.cursor()
    try:
        with _capped_memory(cur) as limit:
            report(_write_streamed(cur, path, size, digest, encoding, _bytes(limit), on_bytes))
    except duckdb.Error as e:
        if database.cannot_write(e):
            raise
        report(FileResult(path, "failed", f"database error, nothing loaded: {str(e).splitlines()[0]}"))
    finally:
        cur.close()
        if collecting:
            gc.enable()


def _allow_memory(cur, needed: float, ceiling: float) -> None:
    """Raise DuckDB's memory limit to `needed` bytes if it is lower, never above `ceiling` (the limit
    in force before streaming began)."""
    current = _bytes(_memory_limit(cur))
    target = min(needed, ceiling)
    if target > current * 1.05:
        cur.execute(f"SET memory_limit = '{int(target) // 1024 // 1024}MiB'")


def _bytes(setting: str) -> float:
    """A DuckDB memory setting ('18.8 GiB', '500.0 MiB', '1000 bytes') in bytes."""
    number, _, unit = setting.strip().partition(" ")
    scale = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
             "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}.get(unit.strip(), 1)
    try:
        return float(number) * scale
    except ValueError:
        return float("inf")


def _survey(path: Path) -> tuple[int, str, str]:
    """Size, SHA-256 and text encoding of a file, read once in blocks; refuses what `decode` refuses
    (nothing but white space, NUL bytes). UTF-8 unless some byte sequence is not, then
    Latin-1 for the whole file, as `decode` does."""
    digest, size, blank, utf8 = hashlib.sha256(), 0, True, True
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as f:
        while block := f.read(_READ_BYTES):
            if b"\x00" in block:  # as `decode`: anywhere in the file
                raise NotX12Error("the file is binary (it contains NUL bytes), not X12 text")
            text = block[3:] if size == 0 and block.startswith(b"\xef\xbb\xbf") else block
            digest.update(block)
            size += len(block)
            blank = blank and not block.strip()
            if utf8:
                try:
                    decoder.decode(text)
                except UnicodeDecodeError:
                    utf8 = False
    if blank:
        raise NotX12Error("the file is empty")
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return size, digest.hexdigest(), "utf-8" if utf8 else "latin-1"


class _Changed(Exception):
    """The file is not what _survey read: it changed while it was being loaded."""


def _text_blocks(path: Path, encoding: str, digest: str):
    """The file's text, block by block (what `decode` makes of the whole); checks at the end that the
    bytes read are those _survey hashed."""
    check = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)()
    first = True
    with open(path, "rb") as f:
        while block := f.read(_READ_BYTES):
            check.update(block)
            if first and block.startswith(b"\xef\xbb\xbf"):
                block = block[3:]
            first = False
            try:
                yield decoder.decode(block)
            except UnicodeDecodeError:
                raise _Changed() from None
    try:
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _Changed() from None
    if check.hexdigest() != digest:
        raise _Changed()


class _NotWritten(Exception):
    """A file refused inside its transaction: rolled back, reported with this result."""

    def __init__(self, result: FileResult):
        super().__init__(result.message)
        self.result = result


@contextlib.contextmanager
def _transaction(cur):
    """One batch's transaction: committed when the block ends, rolled back on any exception; the batch's
    registered tables dropped either way."""
    cur.execute("BEGIN TRANSACTION")
    try:
        yield
        cur.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.TransactionException):  # a COMMIT that failed (a full disk) ended it
            cur.execute("ROLLBACK")
        raise
    finally:
        for name in ("batch_files", "batch_sources"):
            cur.unregister(name)


def _write_streamed(cur, path: Path, size: int, digest: str, encoding: str, memory: float, on_bytes=None) -> FileResult:
    """Parse and insert a file piece by piece in one transaction. The readers carry their state (segment
    positions, sequence numbers, open envelopes) from piece to piece, so rows, keys and diagnostics are
    those loading the file whole gives. A refusal rolls the transaction back."""
    try:
        with _transaction(cur):
            known = cur.execute("SELECT file_name FROM source_files WHERE sha256 = ?", [digest]).fetchall()
            if known:
                raise _NotWritten(FileResult(path, "already loaded", f"same content as {known[0][0]}; nothing changed"))
            first_id, offsets = _first_keys(cur)
            cur.register("batch_files", pa.table({"file_index": [0], "file_id": [first_id], **{k: [v] for k, v in offsets.items()}},
                                                 schema=_FILES_SCHEMA))
            # registered first (the views the units are derived from read it), completed at the end
            _register_sources(cur, [0], [_File(path, size, digest, "", 0, 0, 0, None, {})])
            try:
                item, problems, units = _insert_pieces(cur, path, size, digest, encoding, first_id, offsets, memory,
                                                       on_bytes)
            except NotX12Error as e:  # not X12 after all, or cut off (_Refused says which kind)
                raise _NotWritten(FileResult(path, "failed", f"{e}; nothing loaded")) from None
            except _Changed:
                raise _NotWritten(FileResult(path, "failed", "the file changed while it was being loaded; nothing loaded")) from None
            if not item.kind:
                raise _NotWritten(FileResult(path, "skipped", "no 835 or 837 transaction set in the file (found: "
                                                              f"{item.skipped_sets or 'none'}); nothing loaded"))
            [(verdict, notes)] = _against_loaded(cur, [item])
            if verdict is not None:
                raise _NotWritten(FileResult(path, *verdict, item.counts, 0, item.kind))
            problems += [(first_id, *note) for note in notes]
            _register_interchanges(cur, {first_id: item})
            cur.execute("UPDATE source_files SET kind = ?, interchanges = ?, transaction_sets = ?, segments = ?, skipped_sets = ?"
                        " WHERE file_id = ?", [item.kind, item.interchanges, item.transaction_sets, item.segments,
                                               item.skipped_sets, first_id])
            counted = _finish(cur, first_id, first_id, problems, units=not units)
    except _NotWritten as refusal:
        return refusal.result
    note = f"skipped transaction sets: {item.skipped_sets}" if item.skipped_sets else ""
    return FileResult(path, "loaded", note, item.counts, counted.get(first_id, 0), item.kind)


class _Refused(NotX12Error):
    """A streamed file refused as cut off, its message already saying which kind (like _truncated)."""


def _insert_pieces(cur, path: Path, size: int, digest: str, encoding: str, file_id: int, offsets: dict,
                   memory: float, on_bytes=None) -> tuple[_File, list, bool]:
    """Insert the file's pieces as they are parsed (batch_files holds its keys); returns the file as it
    is registered (an empty kind: neither 835 nor 837), its unreadable values, and whether its
    adjudication units were stored too (piece by piece). `memory`: the most DuckDB may be allowed.
    Pieces are parsed in a thread one piece ahead, while DuckDB (which lets go of the GIL) stores the
    one before."""
    units = _units_by_piece()
    problems: list = []
    tally: dict = {}
    for tables, length, claims_before, claims_after in _ahead(_parsed_pieces(path, size, digest, encoding, tally)):
        for name, table, _ in _TABLES:
            if name in tables:
                problems += _insert(cur, table, tables.pop(name))
        if units and claims_after > claims_before:
            # the piece's units: its claims are whole (a piece ends after an SE), and a unit depends
            # only on its claim's rows. A piece larger than planned (one huge transaction set) may
            # need more memory than DuckDB was given for streaming.
            _allow_memory(cur, _UNIT_MEMORY_PER_CHAR * length, memory)
            base = offsets["claim_key"]
            _piece_units(cur, file_id, base + claims_before + 1, base + claims_after)
        if on_bytes:
            on_bytes(path, length)
    return tally["file"], problems, units


def _parsed_pieces(path: Path, size: int, digest: str, encoding: str, tally: dict):
    """The file's pieces parsed: per piece its rows as Arrow tables (file_index 0), its length in
    characters, and the claims before and after it (the reader's claim_seq). The readers carry their
    state from piece to piece. When done, tally['file'] is the file as it is to be registered."""
    counts = {name: 0 for name, _, _ in _TABLES}
    remit, bill = remittance.ReadState(), claims.ReadState()
    sets = {"835": 0, "837": 0, "interchanges": 0}
    skipped: Counter = Counter()  # the 835 reader's: every set not 835
    billed_skipped: Counter = Counter()  # the 837 reader's: every set not 837
    keys: list = []
    pieces = stream(_text_blocks(path, encoding, digest), _PIECE_CHARS)
    while True:
        piece = next(pieces, None)
        final = piece is None  # the last call: only the checks of an envelope left open
        length = sum(sum(map(len, chunk.segments)) for chunk in piece or ())
        parsed, billed = remittance.Remittance(), claims.ClaimFile()
        claims_before = remit.claim_seq
        try:
            remittance.read(piece or (), parsed, remit, final)
        except remittance.TruncatedError as e:
            kind, problem = _truncated_stream(e, piece, pieces, bill, sets["837"], billed_skipped)
            raise _Refused(f"truncated {kind}: {problem}") from None
        try:
            claims.read(piece or (), billed, bill, final)
        except remittance.TruncatedError as e:
            raise _Refused(f"truncated 837: {e}") from None
        piece = None
        sets["835"] += parsed.transaction_sets
        sets["837"] += billed.transaction_sets
        sets["interchanges"] += parsed.interchanges
        keys += parsed.interchange_keys
        skipped.update(parsed.skipped_sets)
        billed_skipped.update(billed.skipped_sets)
        if billed.diagnostics:  # one list of diagnostics in file order
            parsed.diagnostics = sorted(parsed.diagnostics + billed.diagnostics, key=lambda d: d[0])
        rows, owners = {}, {}
        for name in counts:
            rows[name] = getattr(parsed, name) if name not in _BILLED else getattr(billed, _BILLED[name])
            owners[name] = [0] * len(rows[name])
            counts[name] += len(rows[name])
        parsed = billed = None
        tables = _arrow_tables(rows, owners)
        rows = owners = None
        yield tables, length, claims_before, remit.claim_seq
        tables = None
        if final:
            break
    kind, skipped_sets = _holds(sets["835"], sets["837"], skipped)
    tally["file"] = _File(path, size, digest, kind, sets["interchanges"], sets["835"], remit.position, skipped_sets, counts,
                          keys)


def _ahead(items, depth: int = 1):
    """Iterate `items` in a background thread, at most `depth` items ahead of the caller; an exception
    it raises is raised here. When the caller stops early, the thread stops after the item at hand."""
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.05)
                return True
            except Full:
                pass
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as e:  # noqa: BLE001 - handed to the caller, who raises it
            put(("error", e))
        finally:
            items.close()

    thread = threading.Thread(target=produce, name="parse-pieces", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
            value = None
    finally:
        stop.set()
        thread.join()


def _units_by_piece() -> bool:
    """Whether the units query reads a file's rows only through _UNIT_SOURCES (each narrowed to a
    piece's claims by _piece_units); if it ever reads more, a streamed file's units are derived once
    for the whole file instead (right, but with memory for the whole file)."""
    sources = re.findall(r"from\s+(\w+)\s+where\s+file_id\s+between\s+\$first_id", sql("marts/adjudication_units"), re.I)
    return bool(sources) and set(sources) <= set(_UNIT_SOURCES)


def _piece_units(cur, file_id: int, first_claim: int, last_claim: int) -> None:
    """Store the adjudication units of claims first_claim..last_claim of the file: the units query
    reads the views of _UNIT_SOURCES, shadowed for this cursor alone by temporary views of the same
    names narrowed to those claims. Memory follows the piece, not the file."""
    catalog = cur.execute("SELECT current_database()").fetchall()[0][0].replace('"', '""')
    try:
        for name in _UNIT_SOURCES:
            cur.execute(f'CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM "{catalog}".main.{name}'
                        f" WHERE claim_key BETWEEN {int(first_claim)} AND {int(last_claim)}")
        cur.execute(f"INSERT INTO fact_units BY NAME {sql('marts/adjudication_units')}", {"first_id": file_id, "last_id": file_id})
    finally:
        for name in _UNIT_SOURCES:
            cur.execute(f"DROP VIEW IF EXISTS temp.main.{name}")


def _truncated_stream(error, piece, pieces, bill, billed_sets: int, billed_skipped: Counter) -> tuple[str, str]:
    """_truncated for a streamed file: the 835 reader stopped in `piece`; the 837 reader, where it
    stands, reads on through it and the rest of the file to say whether an 837 is the one cut off."""
    skipped = Counter(billed_skipped)
    try:
        while True:
            out = claims.ClaimFile()
            claims.read(piece or (), out, bill, piece is None)
            billed_sets += out.transaction_sets
            skipped.update(out.skipped_sets)
            if piece is None:
                break
            piece = next(pieces, None)
    except remittance.TruncatedError as cut:
        return "837", str(cut)
    except (NotX12Error, _Changed):
        return "835", str(error)
    if billed_sets and "835" not in skipped:
        return "837", str(error)  # an 837 file whose envelope is cut off
    return "835", str(error)


def _write(cur, chunk: _Chunk, indexes: list[int]) -> list[tuple]:
    """Write the chunk's files `indexes` in one transaction; returns (status, message, diagnostics)
    per file. Rows of files not written are left out by the join with batch_files."""
    items = [chunk.files[i] for i in indexes]
    with _transaction(cur):
        # A file loaded since this load started (by this load or another process) is not loaded twice.
        known = dict(cur.execute(
            "SELECT sha256, file_name FROM source_files WHERE sha256 IN ?", [[f.digest for f in items]]
        ).fetchall())
        fresh = [i for i in indexes if chunk.files[i].digest not in known]
        # ... nor an interchange loaded already from other bytes (other delimiters, line endings)
        verdicts = dict(zip(fresh, _against_loaded(cur, [chunk.files[i] for i in fresh])))
        refused = {i: verdict for i, (verdict, _) in verdicts.items() if verdict is not None}
        fresh = [i for i in fresh if i not in refused]
        first_id, offsets = _first_keys(cur)
        # Per file: its id, and the offsets its sequence numbers are added to to make each key.
        files = {"file_index": [], "file_id": [], **{name: [] for name in _KEYS}}
        for n, i in enumerate(fresh):
            files["file_index"].append(i)
            files["file_id"].append(first_id + n)
            for name, key in _KEYS.items():
                files[name].append(offsets[name])
                offsets[name] += chunk.files[i].counts[key.rows]
        cur.register("batch_files", pa.table(files, schema=_FILES_SCHEMA))
        problems = [(first_id + n, *note) for n, i in enumerate(fresh) for note in verdicts[i][1]]
        for name, table, _ in _TABLES:
            if name in chunk.tables:
                problems += _insert(cur, table, chunk.tables[name])
        _register_sources(cur, fresh, [chunk.files[i] for i in fresh])
        _register_interchanges(cur, {first_id + n: chunk.files[i] for n, i in enumerate(fresh)})
        last_id = first_id + len(fresh) - 1
        counted = _finish(cur, first_id, last_id, problems)
    ids = {i: first_id + n for n, i in enumerate(fresh)}
    out = []
    for i in indexes:
        item = chunk.files[i]
        if i in refused:
            out.append((*refused[i], 0))
        elif i not in ids:
            out.append(("already loaded", f"same content as {known[item.digest]}; nothing changed", 0))
        else:
            note = f"skipped transaction sets: {item.skipped_sets}" if item.skipped_sets else ""
            out.append(("loaded", note, counted.get(ids[i], 0)))
    return out


def _against_loaded(cur, items: list[_File]) -> list[tuple]:
    """Per file, its interchanges against those loaded (and those of the files before it in `items`), by
    fingerprint (remittance._fingerprint: ISA06, ISA13 and the segments, whatever the delimiters): a
    verdict and diagnostics. Verdict None: load it, with a warning per control number its sender used
    before for other content (a sender's counter that started again: a new interchange). Otherwise
    (status, message): 'already loaded' when every interchange is; 'failed' when some are and others
    not, since loading the file whole would count those twice."""
    controls = sorted({key[1] for item in items for key in item.keys})
    loaded = cur.execute(
        "SELECT i.fingerprint, i.sender, i.control_number, f.file_name FROM source_interchanges i"
        " JOIN source_files f USING (file_id) WHERE i.control_number IN ?", [controls]).fetchall() if controls else []
    by_print = {fingerprint: name for fingerprint, _, _, name in loaded}
    by_control = {(sender, control): name for _, sender, control, name in loaded}
    out = []
    for item in items:
        same = [(key, by_print[key[3]]) for key in item.keys if key[3] in by_print]
        if same and len(same) == len(item.keys):
            names = ", ".join(sorted({name for _, name in same}))
            pairs = list(dict.fromkeys((sender, control) for (sender, control, _, _), _ in same))
            which = "; ".join(f"sender {sender}, control number {control}" for sender, control in pairs[:3])
            which += f"; and {len(pairs) - 3} more" if len(pairs) > 3 else ""
            out.append((("already loaded", f"already loaded as {names}: the same interchange{'s' if len(same) > 1 else ''}"
                                           f" ({which}) with other bytes (delimiters, line endings); nothing changed"), []))
            continue
        if same:
            (sender, control, position, _), name = same[0]
            out.append((("failed", f"the interchange at segment {position} (sender {sender}, control number {control})"
                                   f" is already loaded as {name}, the others in the file are not: nothing loaded, as"
                                   " it would count twice; load the others in a file of their own"), []))
            continue
        notes = [(position, "warning", "ISA", f"ISA13 control number {control} of sender {sender} was used before by "
                                              f"{by_control[(sender, control)]} for other content: loaded as another interchange")
                 for sender, control, position, _ in item.keys if (sender, control) in by_control]
        out.append((None, notes))
        for sender, control, _, fingerprint in item.keys:
            by_print[fingerprint] = by_control[(sender, control)] = item.path.name
    return out


def _register_interchanges(cur, files: dict) -> None:
    """Register the interchanges of files (by file id) in source_interchanges."""
    found = [(file_id, position, sender, control, fingerprint)
             for file_id, item in files.items() for sender, control, position, fingerprint in item.keys]
    if found:
        rows = pa.table(dict(zip(("file_id", "segment_position", "sender", "control_number", "fingerprint"),
                                 map(list, zip(*found)))))  # noqa: F841 - read by its name below
        cur.execute("INSERT INTO source_interchanges BY NAME SELECT * FROM rows")


def _first_keys(cur) -> tuple[int, dict]:
    """The next file id, and per key the largest in use: a file's keys are its reader's sequence
    numbers plus an offset that starts there."""
    largest = ", ".join(f"(SELECT coalesce(max({name}), 0) FROM {key.table})" for name, key in _KEYS.items())
    first_id, *bases = cur.execute(
        f"SELECT (SELECT coalesce(max(file_id), 0) + 1 FROM source_files), {largest}"
    ).fetchall()[0]
    return first_id, dict(zip(_KEYS, bases))


def _register_sources(cur, indexes: list[int], sources: list[_File]) -> None:
    """Register the files (at `indexes` in batch_files) in source_files."""
    cur.register("batch_sources", pa.table({
        "file_index": pa.array(indexes, pa.int64()),
        "file_name": pa.array([f.path.name for f in sources], pa.string()),
        "file_path": pa.array([str(f.path.resolve()) for f in sources], pa.string()),
        "sha256": pa.array([f.digest for f in sources], pa.string()),
        "kind": pa.array([f.kind for f in sources], pa.string()),
        "size_bytes": pa.array([f.size for f in sources], pa.int64()),
        "interchanges": pa.array([f.interchanges for f in sources], pa.int64()),
        "transaction_sets": pa.array([f.transaction_sets for f in sources], pa.int64()),
        "segments": pa.array([f.segments for f in sources], pa.int64()),
        "skipped_sets": pa.array([f.skipped_sets for f in sources], pa.string()),
    }))
    cur.execute(
        "INSERT INTO source_files SELECT f.file_id, s.file_name, s.file_path, s.sha256, s.size_bytes, s.kind,"
        " now()::TIMESTAMP, s.interchanges, s.transaction_sets, s.segments, s.skipped_sets"
        " FROM batch_sources s JOIN batch_files f USING (file_index)"
    )


def _finish(cur, first_id: int, last_id: int, problems: list, units: bool = True) -> dict:
    """After the rows of files first_id..last_id: their unreadable values and balance checks as
    diagnostics, their adjudication units (unless stored already); returns the count of diagnostics
    per file id."""
    if problems:
        cur.register("problems", pa.table(dict(zip(
            ("file_id", "segment_position", "severity", "segment_id", "message"),
            (pa.array(column) for column in zip(*problems)),
        ))))
        cur.execute("INSERT INTO load_diagnostics SELECT * FROM problems")
        cur.unregister("problems")
    privacy.protect(cur, first_id, last_id)  # patient data stored hashed when asked (analytics/privacy.py)
    for check in _CHECKS:
        cur.execute("INSERT INTO load_diagnostics SELECT file_id, segment_position, severity, segment_id,"
                    f" message FROM ({sql(check)})", {"first_id": first_id, "last_id": last_id})
    # the files' adjudication units and denials, in the same transaction as their rows
    if units:
        cur.execute(f"INSERT INTO fact_units BY NAME {sql('marts/adjudication_units')}",
                    {"first_id": first_id, "last_id": last_id})
    return dict(cur.execute(
        "SELECT file_id, count(*) FROM load_diagnostics WHERE file_id BETWEEN ? AND ? GROUP BY file_id",
        [first_id, last_id],
    ).fetchall())


_FILES_SCHEMA = pa.schema([(name, pa.int64()) for name in ("file_index", "file_id", *_KEYS)])
_COLUMN_TYPES: dict = {}


def _insert(cur, table: str, incoming: pa.Table) -> list:
    """Insert parser rows into `table`, casting text to the column types; return unreadable values.
    The queries read `incoming` by its name in this function (DuckDB's scan of a Python variable): a
    table registered with cur.register stays in memory until the transaction ends, which would keep
    every piece of a streamed file."""
    if table not in _COLUMN_TYPES:
        _COLUMN_TYPES[table] = cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?"
            " ORDER BY ordinal_position", [table],
        ).fetchall()
    names = set(incoming.column_names)
    select, checks = [], []
    for name, kind in _COLUMN_TYPES[table]:
        if name == "file_id" or (name in _KEYS and _KEYS[name].seq in names):
            # database-wide keys: the file's offset plus the reader's sequence number
            select.append("f.file_id" if name == "file_id" else f"f.{name} + i.{_KEYS[name].seq}")
        elif name not in names:
            select.append("NULL")
        elif kind.startswith("DECIMAL"):
            select.append(f"TRY_CAST(i.{name} AS {kind})")
            checks.append((name, f"TRY_CAST(i.{name} AS {kind})", "a number"))
        elif kind == "DATE":
            select.append(f"TRY_CAST(try_strptime(i.{name}, '%Y%m%d') AS DATE)")
            checks.append((name, f"try_strptime(i.{name}, '%Y%m%d')", "a date (CCYYMMDD)"))
        else:
            select.append(f"i.{name}")
    source = "FROM incoming i JOIN batch_files f USING (file_index)"
    cur.execute(f"INSERT INTO {table} SELECT {', '.join(select)} {source}")
    if not checks:
        return []
    # Unreadable values are rare: count them in one pass, and list them only when there are some.
    bad = " OR ".join(f"(i.{name} IS NOT NULL AND {cast} IS NULL)" for name, cast, _ in checks)
    if not cur.execute(f"SELECT count(*) {source} WHERE {bad}").fetchall()[0][0]:
        return []
    union = " UNION ALL ".join(
        f"SELECT f.file_id, i.segment_position, i.{name} AS value, '{name}' AS name, '{what}' AS what {source}"
        f" WHERE i.{name} IS NOT NULL AND {cast} IS NULL"
        for name, cast, what in checks
    )
    return [
        (file_id, position, "warning", None, f"{name} {value!r} is not {what}; stored as empty")
        for file_id, position, value, name, what in cur.execute(union).fetchall()
    ]
