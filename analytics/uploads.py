"""Uploads on the Data page: what is refused before the loader sees it, the load of what is accepted
into the user's own database (load, load_csv), and what each file's result says. Plain Python (no
Streamlit), so every message is tested without a browser.

Refused with a message naming the file:
- a file over the upload limit (server.maxUploadSize in .streamlit/config.toml, in megabytes; the
  browser refuses it too, this check covers every other way in);
- a zip or gzip archive (unzip it and load the files inside);
- an image or a PDF, recognised by its first bytes (a scan or a printout of a remittance, not X12).

Everything else goes to the loader, which takes 835 remittances and 837 claims alike and says why it
refuses the rest (empty, binary, not X12, cut off). An 837 is loaded as billed claims, and its result
says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analytics import csv_import, data, database, loader, publishing, writer_lock
from analytics.ingest.contract import ReadOptions
from analytics.ingest.store import added_text

DEFAULT_LIMIT_MB = 200  # Streamlit's own default for server.maxUploadSize

# First bytes -> what the file is. X12 starts with "ISA" (after an optional byte-order mark or spaces).
_ARCHIVES = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"PK\x07\x08", "zip"),
    (b"\x1f\x8b", "gzip"),
)
_IMAGES = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
)


@dataclass(frozen=True)
class RefusedUpload:
    """An upload kept away from the loader, and why (plain text: escape it before markdown)."""

    name: str
    message: str


def limit_mb(option=None) -> int:
    """The upload limit in megabytes: Streamlit's server.maxUploadSize (from .streamlit/config.toml)
    when `option` is its value, else the default."""
    try:
        value = int(option)
    except (TypeError, ValueError):
        return DEFAULT_LIMIT_MB
    return value if value > 0 else DEFAULT_LIMIT_MB


def problem(name: str, content: bytes, limit: int = DEFAULT_LIMIT_MB) -> str | None:
    """Why this upload must not be loaded, or None when the loader should read it."""
    size = len(content)
    if size > limit * 1024 * 1024:
        return (
            f"{name} is {size / (1024 * 1024):,.1f} MB, over the upload limit of {limit} MB "
            "(server.maxUploadSize in .streamlit/config.toml); nothing loaded. Split the file, or load it "
            "with `python -m analytics load`"
        )
    head = content[:16]
    for magic, kind in _ARCHIVES:
        if head.startswith(magic):
            verb = "unzip it" if kind == "zip" else "decompress it"
            return f"{name} is a {kind} archive: {verb} and load the files inside; nothing loaded"
    if head[4:8] == b"ftyp" or head[:4] == b"RIFF" and head[8:12] == b"WEBP":  # HEIC/AVIF, WebP
        return f"{name} is an image/PDF, not an X12 file: load the 835 or 837 file itself; nothing loaded"
    for magic, kind in _IMAGES:
        if head.startswith(magic):
            return (
                f"{name} is an image/PDF ({kind}), not an X12 file: load the 835 or 837 file itself, not a "
                "scan or a printout; nothing loaded"
            )
    return None


def screen(
    files: list[tuple[str, bytes]], limit: int = DEFAULT_LIMIT_MB
) -> tuple[list[tuple[str, bytes]], list[RefusedUpload]]:
    """The uploads the loader should read, and those refused with their reason."""
    accepted, refused = [], []
    for name, content in files:
        why = problem(name, content, limit)
        if why:
            refused.append(RefusedUpload(name, why))
        else:
            accepted.append((name, content))
    return accepted, refused


def outcome(result) -> tuple[str, str, str]:
    """(level, file name, what became of it) for one loader result (ingest.store.FileResult): level is
    'success', 'error' or 'info'; the texts are plain (escape them before markdown). An 837 says it was
    read as claims."""
    name = result.path.name
    if result.status != "loaded":
        return ("error" if result.failed else "info"), name, result.message
    detail = f"{added_text(result)}, {result.diagnostics} diagnostic(s)" + (
        f"; {result.message}" if result.message else ""
    )
    if "837" in result.kind and "835" not in result.kind:
        return (
            "success",
            name,
            (
                "read as 837 claims (billed claims, shown under Prevention, the Worklist's "
                f"unanswered claims and Codes; not remittances): {detail}"
            ),
        )
    if "837" in result.kind:
        return "success", name, f"read as 835 remittances and 837 claims: {detail}"
    return "success", name, detail


# Loading what was accepted: into the user's own database, the one writer at a time
UPLOAD_WAIT = 600.0  # seconds an upload waits for a load in progress before it gives up


def load(
    files: list[tuple[str, bytes]], on_result=None, fmt: str | None = None, options: ReadOptions | None = None
) -> list:
    """Load uploaded files into the user's own database (created on first upload, replacing the demo
    in the dashboard) with the same loader as the command line: each file in the input format named
    `fmt`, else the one it is recognised as (analytics/ingest/formats.py); each file's result also goes
    to on_result as it comes (a progress bar). Waits for a load in progress (up to UPLOAD_WAIT seconds,
    then writer_lock.Busy); the rest of the page run reads the copy published after it."""
    results: list = []
    try:
        with _own_database() as con:
            items: list[tuple[Path, bytes | None]] = [(Path(name), content) for name, content in files]
            results = loader.load_contents(con, items, on_result, fmt=fmt, options=options)
    except writer_lock.Unwritable as e:
        return _unwritable(files, results, e)
    return results


def load_csv(
    layout: str, files: list[tuple[str, bytes]], mapping: tuple[str, bytes] | None = None, on_result=None
) -> list:
    """Load uploaded CSV exports of one layout ('claims' or 'remittances', docs/csv.md), read with an
    uploaded mapping file when given, into the user's own database, as `load-csv` does: `load` with the
    layout's format. A mapping that cannot be used raises csv_import.MappingError before the database
    is touched."""
    rules = csv_import.read_mapping(mapping[1], layout, name=mapping[0]) if mapping else None
    return load(files, on_result, fmt=csv_import.KINDS[layout], options=ReadOptions(mapping=rules))


def _unwritable(files: list[tuple[str, bytes]], results: list, error: writer_lock.Unwritable) -> list:
    """The results of uploads when the database could not be written (a full disk, a read-only folder),
    in the page's one message per file: a file without a result failed, saying why; a file loaded before
    the dashboard's copy could not be made says that the dashboard does not show it yet."""
    if results:  # all were stored: only the copy failed
        for result in results:
            result.message = "; ".join(filter(None, [result.message, str(error)]))
        return results
    return [loader.FileResult(Path(name), "failed", str(error)) for name, _ in files]


def _own_database():
    """The one writer (analytics/publishing.py) on the user's own database, for an upload. The page run
    lets go of what it read (in one process a read-only and a read-write connection to the same file
    conflict, should it have read the database itself), and reads the new copy afterwards."""
    data.release()
    return publishing.writing(database.default_path(), UPLOAD_WAIT, what="an upload on the Data page")
