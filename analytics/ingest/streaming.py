"""Streaming a file too large to hold (over memory.STREAM_BYTES): read in pieces cut after an SE segment
or at the end of an interchange (x12.stream), each piece parsed and inserted as it comes, with the
readers' state carried from piece to piece (x12_file.Stream). All its pieces go into one transaction,
so it too loads whole or not at all, and memory holds about one piece, not the file. Its adjudication
units are derived piece by piece too, when the units query allows it (units_by_piece). The load on Spark
streams its big files with the same steps (survey, text_blocks, read_pieces), opened its own way.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from queue import Full, Queue
from typing import BinaryIO

import duckdb

from analytics import database, x12_file
from analytics.database import sql
from analytics.ingest import formats, memory, store
from analytics.ingest.contract import TABLES, ParsedFile, arrow_tables
from analytics.ingest.store import FileResult
from analytics.x12 import NotX12Error, stream

# The views and tables the adjudication units of a file are read from (queries/marts/adjudication_units.sql);
# a streamed file's units are derived piece by piece from these, narrowed to the piece's claims.
UNIT_SOURCES = ("claims", "service_lines", "adjustments", "remarks", "remit_references", "remit_claims")


def stream_file(con: duckdb.DuckDBPyConnection, path: Path, report, on_bytes=None) -> None:
    """Load a large file in pieces, in one transaction: whole or not at all, as any other file; report
    its FileResult, and through on_bytes(path, characters) the progress of its pieces."""
    try:
        size, digest, encoding = survey(path)
    except OSError as e:
        report(FileResult(path, "failed", formats.unreadable(e, None)))  # X12
        return
    except NotX12Error as e:
        report(FileResult(path, "failed", formats.refusal(e)))
        return
    cur = con.cursor()
    try:
        with memory.no_cycle_collection(), memory.capped(cur) as limit:  # the readers' rows hold no cycles
            report(_write_streamed(cur, path, size, digest, encoding, memory.to_bytes(limit), on_bytes))
    except duckdb.Error as e:
        if database.cannot_write(e):
            raise
        report(FileResult(path, "failed", f"database error, nothing loaded: {str(e).splitlines()[0]}"))
    finally:
        cur.close()


def _open_local(path) -> BinaryIO:
    return open(path, "rb")


def survey(path, opener: Callable = _open_local) -> tuple[int, str, str]:
    """Size, SHA-256 and text encoding of a file (`opener(path)`: a binary file object, by default the
    local file), read once in blocks; refuses what `decode` refuses (nothing but white space, NUL bytes).
    UTF-8 unless some byte sequence is not, then Latin-1 for the whole file, as `decode` does."""
    digest, size, blank, utf8 = hashlib.sha256(), 0, True, True
    decoder = codecs.getincrementaldecoder("utf-8")()
    with opener(path) as f:
        while block := f.read(memory.READ_BYTES):
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


class Changed(NotX12Error):
    """The file is not what `survey` read: it changed while it was being loaded."""

    def __init__(self) -> None:
        super().__init__("the file changed while it was being loaded")


def text_blocks(path, encoding: str, digest: str, opener: Callable = _open_local) -> Iterator[str]:
    """The file's text, block by block (what `decode` makes of the whole); checks at the end that the
    bytes read are those `survey` hashed (else Changed)."""
    check = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)()
    first = True
    with opener(path) as f:
        while block := f.read(memory.READ_BYTES):
            check.update(block)
            if first and block.startswith(b"\xef\xbb\xbf"):
                block = block[3:]
            first = False
            try:
                yield decoder.decode(block)
            except UnicodeDecodeError:
                raise Changed() from None
    try:
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise Changed() from None
    if check.hexdigest() != digest:
        raise Changed()


class _NotWritten(Exception):
    """A file refused inside its transaction: rolled back, reported with this result."""

    def __init__(self, result: FileResult):
        super().__init__(result.message)
        self.result = result


def _write_streamed(
    cur, path: Path, size: int, digest: str, encoding: str, ceiling: float, on_bytes=None
) -> FileResult:
    """Parse and insert a file piece by piece in one transaction. The readers carry their state (segment
    positions, sequence numbers, open envelopes) from piece to piece, so rows, keys and diagnostics are
    those loading the file whole gives. A refusal rolls the transaction back."""
    try:
        with store.transaction(cur):
            known = cur.execute("SELECT file_name FROM source_files WHERE sha256 = ?", [digest]).fetchall()
            if known:
                raise _NotWritten(FileResult(path, "already loaded", f"same content as {known[0][0]}; nothing changed"))
            first_id, offsets = store.first_keys(cur)
            store.register_files(cur, first_id, offsets)
            # registered first (the views the units are derived from read it), completed at the end
            store.register_sources(cur, [0], [ParsedFile(path=path, size=size, digest=digest)])
            try:
                item, problems, units = _insert_pieces(
                    cur, path, size, digest, encoding, first_id, offsets, ceiling, on_bytes
                )
            except NotX12Error as e:  # not X12 after all, cut off ('truncated 835: ...'), or Changed
                raise _NotWritten(FileResult(path, "failed", formats.refusal(e))) from None
            if not item.kind:
                raise _NotWritten(store.nothing_to_load(item))
            [(verdict, notes)] = store.against_loaded(cur, [item])
            if verdict is not None:
                raise _NotWritten(FileResult(path, *verdict, item.counts, 0, item.kind))
            problems += [(first_id, *note) for note in notes]
            store.register_interchanges(cur, {first_id: item})
            cur.execute(
                "UPDATE source_files SET kind = ?, interchanges = ?, transaction_sets = ?, segments = ?,"
                " skipped_sets = ? WHERE file_id = ?",
                [item.kind, item.interchanges, item.transaction_sets, item.segments, item.skipped_text(), first_id],
            )
            counted = store.finish(cur, first_id, first_id, problems, units=not units)
    except _NotWritten as refusal:
        return refusal.result
    return FileResult(path, "loaded", store.loaded_note(item), item.counts, counted.get(first_id, 0), item.kind)


def _insert_pieces(
    cur, path: Path, size: int, digest: str, encoding: str, file_id: int, offsets: dict, ceiling: float, on_bytes=None
) -> tuple[ParsedFile, list, bool]:
    """Insert the file's pieces as they are parsed (batch_files holds its keys); returns the file as it
    is registered (rows counted, not kept; an empty kind: neither 835 nor 837), its unreadable values,
    and whether its adjudication units were stored too (piece by piece). `ceiling`: the most memory
    DuckDB may be allowed. Pieces are parsed in a thread one piece ahead, while DuckDB (which lets go
    of the GIL) stores the one before."""
    units = units_by_piece()
    problems: list = []
    tally: dict = {}
    for tables, length, claims_before, claims_after in _ahead(_parsed_pieces(path, size, digest, encoding, tally)):
        for name, table in store.TARGETS.items():
            if name in tables:
                problems += store.insert(cur, table, tables.pop(name))
        if units and claims_after > claims_before:
            # the piece's units: its claims are whole (a piece ends after an SE), and a unit depends
            # only on its claim's rows. A piece larger than planned (one huge transaction set) may
            # need more memory than DuckDB was given for streaming.
            memory.allow(cur, memory.UNIT_MEMORY_PER_CHAR * length, ceiling)
            base = offsets["claim_key"]
            piece_units(cur, file_id, base + claims_before + 1, base + claims_after)
        if on_bytes:
            on_bytes(path, length)
    return tally["file"], problems, units


def _parsed_pieces(path: Path, size: int, digest: str, encoding: str, tally: dict):
    """The file's pieces parsed: per piece its rows as Arrow tables (file_index 0), its length in
    characters, and the claims before and after it (the 835 reader's claim_seq). When done,
    tally['file'] is the file as it is to be registered."""
    for piece in read_pieces(text_blocks(path, encoding, digest), memory.PIECE_CHARS):
        tables = arrow_tables(piece.rows, {name: [0] * len(found) for name, found in piece.rows.items()})
        length, claims, file = piece.length, piece.claims, piece.file
        del piece  # a piece's rows are not kept while the next is parsed
        yield tables, length, *claims
        del tables
    tally["file"] = replace(file, path=path, size=size, digest=digest)


@dataclass
class Piece:
    """A piece of a file read in pieces: its rows (kind of row -> rows), its length in characters, the
    835 reader's claims before and after it (claim_seq), and the file so far (without rows: its kind,
    envelopes, segments, skipped sets, interchange keys and counts of rows)."""

    rows: dict
    length: int
    claims: tuple[int, int]
    file: ParsedFile


def read_pieces(blocks: Iterable[str], size: int) -> Iterator[Piece]:
    """The X12 text the blocks make up, cut into pieces of about `size` characters (x12.stream) and parsed
    by both readers with their state carried from piece to piece (x12_file.Stream): rows, positions and
    sequence numbers are those of the file read whole. The last piece is the end of the file (no text:
    the checks of an envelope left open); its `file` is the whole file's. Raises NotX12Error."""
    counts = dict.fromkeys(TABLES, 0)
    keys: list = []
    # dropped (set to None) as soon as used: a piece's rows are not kept while the next is parsed
    chunks: list | None
    parsed: ParsedFile | None
    reader = x12_file.Stream()
    pieces = stream(blocks, size)
    while True:
        chunks = next(pieces, None)
        final = chunks is None
        length = sum(sum(map(len, chunk.segments)) for chunk in chunks or ())
        parsed = reader.read(chunks, pieces)
        chunks = None
        keys += parsed.interchange_keys
        for name in counts:
            counts[name] += parsed.counts[name]
        file = ParsedFile(
            parsed.kind,
            {},
            parsed.interchanges,
            parsed.transaction_sets,
            parsed.segments,
            parsed.skipped_sets,
            keys,
            counts,
        )
        yield Piece(parsed.rows, length, (reader.claims_read, reader.remit.claim_seq), file)
        parsed = None
        if final:
            return


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


def units_by_piece() -> bool:
    """Whether the units query reads a file's rows only through UNIT_SOURCES (each narrowed to a
    piece's claims by piece_units); if it ever reads more, a streamed file's units are derived once
    for the whole file instead (right, but with memory for the whole file)."""
    sources = re.findall(
        r"from\s+(\w+)\s+where\s+file_id\s+between\s+\$first_id", sql("marts/adjudication_units"), re.I
    )
    return bool(sources) and set(sources) <= set(UNIT_SOURCES)


def piece_units(cur, file_id: int, first_claim: int, last_claim: int) -> None:
    """Store the adjudication units of claims first_claim..last_claim of the file: the units query
    reads the views of UNIT_SOURCES, shadowed for this cursor alone by temporary views of the same
    names narrowed to those claims. Memory follows the piece, not the file."""
    catalog = cur.execute("SELECT current_database()").fetchall()[0][0].replace('"', '""')
    try:
        for name in UNIT_SOURCES:
            cur.execute(
                f'CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM "{catalog}".main.{name}'
                f" WHERE claim_key BETWEEN {int(first_claim)} AND {int(last_claim)}"
            )
        cur.execute(
            f"INSERT INTO fact_units BY NAME {sql('marts/adjudication_units')}",
            {"first_id": file_id, "last_id": file_id},
        )
    finally:
        for name in UNIT_SOURCES:
            cur.execute(f"DROP VIEW IF EXISTS temp.main.{name}")
