"""How much a load holds in memory: the sizes of its units of work, and DuckDB's memory limit while it runs.

Tests and benchmarks change these sizes (monkeypatch the module's names): every user reads them from
here when it runs, never copies them at import.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gc
import os

import duckdb

# Files are parsed in groups of about CHUNK_BYTES (the unit of work of a worker process) and written
# in transactions of about WRITE_BYTES of input: fewer, larger transactions write much faster (each
# commit compresses the tables' last row groups again; a 1M-line load took 20% less time in 32 MB
# transactions than in 16 MB ones, and no less in 64 MB ones). A transaction is written sooner when the
# parsed rows waiting for it reach WRITE_HELD_BYTES in memory (claims of a single segment: 60x their input).
CHUNK_BYTES = 2 * 1024 * 1024
WRITE_BYTES = 32 * 1024 * 1024
WRITE_HELD_BYTES = 64 * 1024 * 1024
# At most this much input is parsed, or being parsed, ahead of the writer: parsed rows take several
# times their input in memory (about 10x, 60x for claims of a single segment), so this, not the
# number of files or cores, bounds the memory of the rows waiting and of the workers. 24 MB since the
# transactions grew to 32 MB: twelve 8 MB files peaked at 1,094 MB with 32 MB ahead, 1,000 MB with 24 (994
# before, with 16 MB transactions), and a 1M-line load was no slower.
AHEAD_BYTES = 24 * 1024 * 1024
# Files above STREAM_BYTES are streamed: read READ_BYTES at a time, parsed and inserted in pieces of
# about PIECE_CHARS characters (a piece's rows take about ten times its size in memory, sixty times
# for claims of a single segment). A file at or under it is parsed whole, by a worker: its rows, up to
# sixty times STREAM_BYTES, are the largest unit of memory the load holds, so it is kept small.
STREAM_BYTES = 8 * 1024 * 1024
PIECE_CHARS = 4 * 1024 * 1024
READ_BYTES = 1024 * 1024
# DuckDB's memory during a load: at most this (it spills the rest to disk), unless a streamed piece
# needs more (about UNIT_MEMORY_PER_CHAR bytes per character to derive its adjudication units).
STREAM_MEMORY = 512 * 1024 * 1024
UNIT_MEMORY_PER_CHAR = 12
# The rebuild after a load (analytics/derived.py) joins whole tables, whose size grows with the database, not
# with the files loaded: held to 512 MB on a large database, DuckDB spilled most of them to disk (the full
# rebuild of the 10M-line demo, 2.1 GB on disk: 127-133 s at 512 MB with a 0.73 GB peak, 95 s at 1 GB, 76-77 s
# at 2 GB with a 2.3 GB peak). So it may hold as much as the database takes on disk, at least STREAM_MEMORY and
# at most REBUILD_MEMORY or a quarter of the machine's memory. A small database keeps the load's limit, and with
# it the load's peak (a 500 MB file: 0.9 GB peak at 512 MB, 2.5 GB at 2 GB, for 5% less time).
REBUILD_MEMORY = 2 * 1024 * 1024 * 1024


@contextlib.contextmanager
def no_cycle_collection():
    """Python's cyclic garbage collector paused for the block: it builds millions of small objects (parsed
    rows, a demo history's claims) that hold no cycles, and the collector would scan them over and over as
    they pile up (parsing took twice as long; writing a 1M-line demo 2.0x, the more the longer it runs).
    Reference counting frees them as ever."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


# The memory limit in force before the load lowered it (capped), within the load.
_uncapped: contextvars.ContextVar = contextvars.ContextVar("uncapped_memory", default=None)


@contextlib.contextmanager
def capped(cur):
    """DuckDB's memory limit lowered to STREAM_MEMORY for the block if it is higher (DuckDB keeps what
    it wrote in memory until it needs the room: with a limit it spills instead), put back after;
    yields the limit in force before the outermost such block (what a step that needs more may take)."""
    outer = _uncapped.get()
    if outer is not None:
        yield outer
        return
    limit = limit_of(cur)
    token = _uncapped.set(limit)
    try:
        if to_bytes(limit) <= STREAM_MEMORY:
            yield limit
            return
        cur.execute(f"SET memory_limit = '{STREAM_MEMORY // 1024 // 1024}MiB'")
        try:
            yield limit
        finally:
            restore(cur, limit)
    finally:
        _uncapped.reset(token)


def rebuild_memory(cur) -> int:
    """What DuckDB may hold during the rebuild after a load into cur's database: as much as the database takes
    on disk, at least STREAM_MEMORY, at most REBUILD_MEMORY or a quarter of the machine's memory."""
    try:
        machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not told (Windows): REBUILD_MEMORY at most
        machine = 4 * REBUILD_MEMORY
    return max(STREAM_MEMORY, min(on_disk(cur), REBUILD_MEMORY, machine // 4))


def on_disk(cur) -> int:
    """The bytes cur's database takes on disk: the blocks it uses (free blocks left by a rebuild not counted)."""
    [(used,)] = cur.execute(
        "SELECT coalesce(max(block_size * used_blocks), 0) FROM pragma_database_size() "
        "WHERE database_name = current_database()"
    ).fetchall()
    return int(used)


def limit_of(cur) -> str:
    """DuckDB's memory limit now, as it words it ('18.8 GiB')."""
    return cur.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def restore(cur, setting: str) -> None:
    """Put back a memory limit read with current_setting: DuckDB's default by RESET (its text is
    rounded, and setting it again would lower it a little each time), another by its text."""
    if setting == _default():
        cur.execute("RESET memory_limit")
    else:
        cur.execute(f"SET memory_limit = '{setting}'")


@functools.cache
def _default() -> str:
    probe = duckdb.connect()
    try:
        return limit_of(probe)
    finally:
        probe.close()


def allow(cur, needed: float, ceiling: float) -> None:
    """Raise DuckDB's memory limit to `needed` bytes if it is lower, never above `ceiling` (the limit
    in force before streaming began)."""
    current = to_bytes(limit_of(cur))
    target = min(needed, ceiling)
    if target > current * 1.05:
        cur.execute(f"SET memory_limit = '{int(target) // 1024 // 1024}MiB'")


def to_bytes(setting: str) -> float:
    """A DuckDB memory setting ('18.8 GiB', '500.0 MiB', '1000 bytes') in bytes."""
    number, _, unit = setting.strip().partition(" ")
    scale = {
        "bytes": 1,
        "KiB": 2**10,
        "MiB": 2**20,
        "GiB": 2**30,
        "TiB": 2**40,
        "KB": 1e3,
        "MB": 1e6,
        "GB": 1e9,
        "TB": 1e12,
    }.get(unit.strip(), 1)
    try:
        return float(number) * scale
    except ValueError:
        return float("inf")
