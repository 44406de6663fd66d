"""Reading and parsing groups of files, in worker processes when there are many.

A group (files.group) is read, hashed and parsed into one store.Batch by `parse_group`, in this process
or in a worker. The workers die with the loading process (Linux), so a killed load leaves no worker
behind holding the writer's lock (they inherit its file descriptor). A worker that dies (killed, out of
memory) breaks the pool: the groups it was running and those waiting are parsed again, each alone in a
fresh worker, so a worker killed from outside costs nothing and a group that kills its worker again
fails, its files named; a new pool takes the groups after them.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from analytics.ingest import files as found_files, formats, memory
from analytics.ingest.contract import ParsedFile, ReadError, ReadOptions
from analytics.ingest.store import Batch, FileResult, batch_of, nothing_to_load

# Worker processes of a load: 0 for one per core the machine has (os.cpu_count); 1 parses in the
# loading process itself (no pool). Benchmarks set it to measure how the load scales with cores.
PROCESSES = 0


def processes() -> int:
    """The number of parsing processes a load uses (PROCESSES, else one per core)."""
    return PROCESSES or os.cpu_count() or 1


def parse_group(
    paths: list[Path],
    known: dict,
    contents: list[bytes] | None = None,
    fmt: str | None = None,
    options: ReadOptions | None = None,
) -> Batch:
    """Read, hash and parse files into one batch (bytes given in `contents`, else read from the paths)
    with the format named `fmt`, else the one each file is recognised as (ingest/formats.py); files
    whose digest is in `known` (digest -> file name) are reported as loaded already."""
    # millions of small lists and tuples that live until the batch is stored, and hold no cycles
    with memory.no_cycle_collection():
        return parse_files(paths, known, contents, fmt, options)


def parse_files(
    paths: list[Path],
    known: dict,
    contents: list[bytes] | None,
    fmt: str | None = None,
    options: ReadOptions | None = None,
) -> Batch:
    """parse_group's work, with the garbage collector as it is."""
    parsed: list[ParsedFile] = []
    results: list[FileResult] = []
    seen: dict[str, str] = {}  # digest -> name of the file read with it
    for n, path in enumerate(paths):
        try:
            data = contents[n] if contents is not None else path.read_bytes()
        except OSError as e:
            results.append(FileResult(path, "failed", formats.unreadable(e, fmt)))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest in known or digest in seen:
            original = known.get(digest) or seen[digest]
            results.append(FileResult(path, "already loaded", f"same content as {original}; nothing changed"))
            continue
        try:  # the one dispatch point of every input format
            item = formats.chosen(fmt, data).read(data, options or ReadOptions())
        except ReadError as e:  # not X12, cut off ('truncated 835: ...'), CSV rows refused
            results.append(FileResult(path, "failed", formats.refusal(e), problems=list(e.problems)))
            continue
        item.path, item.size, item.digest = path, len(data), digest
        if not item.kind:
            results.append(nothing_to_load(item))
            continue
        seen[digest] = path.name
        parsed.append(item)
    return batch_of(parsed, results)


def in_order(pool: Workers, groups: list):
    """The groups parsed by the pool, in order, with at most memory.AHEAD_BYTES of input parsed or being
    parsed ahead of the writer (at least one group): the memory of parsed rows waiting to be written
    and of the workers parsing follows the bytes in flight, not the number of files or cores. A file
    to stream is passed on as its path (streamed by the writer: nothing in flight)."""
    ahead: deque = deque()  # (group, its future or path, its bytes)
    in_flight = 0
    for group in groups:
        size = sum(map(found_files.size_of, group)) if isinstance(group, list) else 0
        while ahead and in_flight + size > memory.AHEAD_BYTES:
            done, item, length = ahead.popleft()
            in_flight -= length
            yield pool.result(done, item)
        ahead.append((group, pool.submit(group) if isinstance(group, list) else group, size))
        in_flight += size
    while ahead:
        done, item, _ = ahead.popleft()
        yield pool.result(done, item)


class Workers:
    """The parsing worker processes (see the module's docstring for how they fail)."""

    def __init__(self, size: int, known: dict):
        self.size, self.known = size, known
        self.pool = _pool(size)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, group: list) -> Future:
        try:
            return self.pool.submit(parse_group, group, self.known)
        except BrokenProcessPool:
            self.pool.shutdown(wait=True)
            self.pool = _pool(self.size)
            return self.pool.submit(parse_group, group, self.known)

    def result(self, group, item):
        """The batch parsed from `group` (a path to stream passes through)."""
        if not isinstance(item, Future):
            return item
        try:
            return item.result()
        except BrokenProcessPool:
            pass
        alone = _pool(1)
        try:
            future = alone.submit(parse_group, group, self.known)
            # the executor's one process (started by submit; no public accessor): its exit code says why it stopped
            worker = next(iter(alone._processes.values()))
            try:
                return future.result()
            except BrokenProcessPool:
                worker.join()
                why = _stopped(worker.exitcode)
                return Batch(
                    [],
                    {},
                    [
                        FileResult(path, "failed", f"the parsing worker stopped: {why}; nothing of this file loaded")
                        for path in group
                    ],
                )
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
