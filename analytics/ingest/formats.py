"""The input formats the loader reads: one line each in FORMATS, the only place a format is routed.

A format is a reader (the contract of ingest/contract.py: `read(data, options) -> ParsedFile`, knowing
nothing of DuckDB), the name it is chosen by, and how a file is recognised as one without being named.
Everything else is shared by every format (ingest/workers.parse_files): the bytes read, their SHA-256,
content loaded already skipped, the reader called, the file's path, size and digest set, the rows stored
in one transaction (ingest/store), a FileResult per file, the derived tables refreshed once at the end
(ingest/load). docs/architecture.md, "Adding an input format", says what a new one touches.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from analytics import x12_file
from analytics.csv_import.reader import read_layout
from analytics.ingest.contract import ParsedFile, ReadError, ReadOptions


@dataclass(frozen=True)
class Format:
    name: str  # what a caller names to choose it (load_contents(fmt=...); `load-csv claims` is 'csv claims')
    reads: str  # what it reads, in words ('a folder: name the CSV files in it')
    read: Callable[[bytes, ReadOptions], ParsedFile]  # raises contract.ReadError for a file it refuses
    recognise: Callable[[bytes], bool] | None = None  # from the file's bytes; None: only read when named


def _isa(data: bytes) -> bool:
    """An X12 interchange opens with ISA (after a byte-order mark or blank space)."""
    return data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"ISA")


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("x12", "835 and 837 (X12)", x12_file.read, _isa),
        Format("csv claims", "CSV", functools.partial(read_layout, "claims")),
        Format("csv remittances", "CSV", functools.partial(read_layout, "remittances")),
    )
}
DEFAULT = "x12"  # reads what no format recognises, and says why it cannot (empty, binary, not X12)


def named(name: str) -> Format:
    """The format of this name; ValueError for an unknown one."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown input format {name!r} (known: {', '.join(FORMATS)})") from None


def chosen(name: str | None, data: bytes) -> Format:
    """The format named, else the first that recognises the bytes, else the default."""
    if name is not None:
        return named(name)
    for found in FORMATS.values():
        if found.recognise is not None and found.recognise(data):
            return found
    return FORMATS[DEFAULT]


def refusal(error: ReadError) -> str:
    """A refused file's message: the reader's reason, saying that nothing was loaded."""
    text = str(error)
    return text if text.endswith("nothing loaded") else f"{text}; nothing loaded"


def unreadable(error: OSError, name: str | None) -> str:
    """Why a named file's bytes could not be read."""
    if isinstance(error, IsADirectoryError):
        return f"a folder: name the {FORMATS[name or DEFAULT].reads} files in it"
    if isinstance(error, FileNotFoundError):
        return "no such file"
    return f"cannot be read ({error.strerror or error})"
