"""The entry points of a load: files and folders (load_paths), or files one by one with their bytes
(load_contents, load_file, e.g. uploads). Each file loads whole or not at all, and once.

Files are read and parsed before the database is touched (in worker processes when there are many:
workers.py), then written in batches (store.py): one transaction per batch holds every row, diagnostic
and registration of its files. A file larger than memory.STREAM_BYTES is streamed (streaming.py). After
the files, the recovery model follows the denials across everything loaded (derived.refresh).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics import database, derived
from analytics.ingest import files as found_files, formats, memory, streaming, workers
from analytics.ingest.contract import ReadOptions
from analytics.ingest.store import Batch, FileResult, merge, store_batch


def load_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | Path],
    on_result=None,
    on_bytes=None,
    rebuild: bool = True,
) -> list[FileResult]:
    """Load every file named or under a folder named; report each file through on_result, and the
    progress of a large (streamed) file through on_bytes(path, characters read) as its pieces go in.
    rebuild=False leaves the after-load rebuild to the caller (refresh_derived, once after several
    loads: the demo loads a history in parts as it is written)."""
    [(written,)] = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    files, results = found_files.expand(paths, Path(written) if written else None)
    if on_result:
        for problem in results:
            on_result(problem)

    def report(result: FileResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    known = dict(con.execute("SELECT sha256, file_name FROM source_files").fetchall())
    groups = found_files.group(files)
    cores = workers.processes()
    with _unwritten(files, results), memory.capped(con):
        if sum(isinstance(g, list) for g in groups) > 1 and cores > 1:
            # Parse in worker processes while this one writes what is ready. pyarrow imports pandas on its
            # first conversion of Python values (about 0.25 s); done here, the forked workers inherit it
            # instead of each paying for it.
            pa.array([0])
            with workers.Workers(cores, known) as pool:
                _store_in_batches(con, workers.in_order(pool, groups), report, on_bytes)
        else:
            _store_in_batches(
                con, (workers.parse_group(g, known) if isinstance(g, list) else g for g in groups), report, on_bytes
            )
        if rebuild:  # follow the denials across everything now loaded
            refresh_derived(con)
    return results


def load_file(con: duckdb.DuckDBPyConnection, path: str | Path, data: bytes | None = None) -> FileResult:
    """Load one file (its bytes may be given, e.g. from an upload); never raises for bad content."""
    return load_contents(con, [(Path(path), data)])[0]


def load_contents(
    con: duckdb.DuckDBPyConnection,
    items: list[tuple[Path, bytes | None]],
    on_result=None,
    fmt: str | None = None,
    options: ReadOptions | None = None,
) -> list[FileResult]:
    """Load files one by one, each whole or not at all (bytes given, e.g. uploads, or read from the
    path when None), then follow the denials across everything loaded once; each file's result also
    goes to on_result as it comes (a progress bar). `fmt` names the input format (ingest/formats.py,
    e.g. 'csv claims'; ValueError for an unknown one), else each file's is recognised from its bytes;
    `options` go to its reader, with the database's claim statuses and adjustment groups."""
    if fmt is not None:
        formats.named(fmt)
    options = _with_codes(con, options or ReadOptions())
    results: list[FileResult] = []

    def report(result: FileResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    with _unwritten([Path(path) for path, _ in items], results), memory.capped(con):
        for path, data in items:
            if data is None and fmt is None and found_files.streamed(Path(path)):  # X12 only
                streaming.stream_file(con, Path(path), report)
                continue
            known = dict(con.execute("SELECT sha256, file_name FROM source_files").fetchall())
            batch = workers.parse_group([Path(path)], known, [data] if data is not None else None, fmt, options)
            store_batch(con, batch, report)
        refresh_derived(con)
    return results


def _with_codes(con, options: ReadOptions) -> ReadOptions:
    """The options with the claim statuses and adjustment groups of the database's reference tables."""
    statuses = {r[0] for r in con.execute("SELECT status_code FROM ref_claim_statuses").fetchall()}
    groups = {r[0] for r in con.execute("SELECT group_code FROM ref_adjustment_groups").fetchall()}
    return dataclasses.replace(options, statuses=statuses, groups=groups)


def _store_in_batches(con, batches, report, on_bytes=None) -> None:
    """Write parsed batches a few at a time: one transaction for about memory.WRITE_BYTES of input (or
    memory.WRITE_HELD_BYTES of parsed rows held) costs far less than one per group, while small groups keep
    the workers' results flowing. A path among them is a large file, streamed in its own transaction."""
    pending: list[Batch] = []
    size = held = 0
    for batch in batches:
        if isinstance(batch, Path):
            if pending:
                store_batch(con, merge(pending), report)
                pending, size, held = [], 0, 0
            streaming.stream_file(con, batch, report, on_bytes)
            continue
        pending.append(batch)
        size += sum(f.size for f in batch.files)
        held += sum(table.nbytes for table in batch.tables.values())
        if size >= memory.WRITE_BYTES or held >= memory.WRITE_HELD_BYTES:
            store_batch(con, merge(pending), report)
            pending, size, held = [], 0, 0
    if pending:
        store_batch(con, merge(pending), report)


@contextlib.contextmanager
def _unwritten(files: list[Path], results: list[FileResult]):
    """When the database cannot be written any more (a full disk), the error goes on, carrying in
    `pending` the bytes of the files without a result yet: their rows need room too."""
    try:
        yield
    except duckdb.Error as e:
        if database.cannot_write(e):
            done = {r.path for r in results}
            # an attribute of our own on DuckDB's exception (read with getattr by publishing.writing): not in its type
            e.pending = sum(found_files.size_of(f) for f in files if f not in done)  # type: ignore[attr-defined]
        raise


def refresh_derived(con) -> None:
    """derived.refresh within the memory a rebuild is given (memory.rebuild_memory(): on a large database more
    than the load's; DuckDB spills to disk beyond it, slower), unless that is not enough. The outermost
    memory.capped block (the load's, else this one) puts back the limit in force before it."""
    with memory.capped(con) as limit:
        given = memory.rebuild_memory(con)
        memory.allow(con, given, memory.to_bytes(limit))
        try:
            derived.refresh(con)
        except duckdb.OutOfMemoryException:
            if given >= memory.to_bytes(limit):
                raise  # it had all the memory there is: more is not to be had
            memory.restore(con, limit)
            derived.refresh(con)
