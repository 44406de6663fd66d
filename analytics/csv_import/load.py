"""Load CSV files into the database: each file whole or not at all, through `ingest.store.store`, as an X12
file is."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from analytics import derived
from analytics.csv_import.layouts import LAYOUTS, Mapping
from analytics.csv_import.reader import read
from analytics.csv_import.rows import CsvRefused
from analytics.ingest.store import FileResult, store


def load(
    con: duckdb.DuckDBPyConnection,
    layout: str,
    items: list[tuple[Path, bytes | None]],
    mapping: Mapping | None = None,
    on_result=None,
) -> list[FileResult]:
    """Load CSV files of one layout (bytes given, e.g. uploads, or read from the path when None), each
    whole or not at all (ingest.store), then follow the denials across everything loaded once."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    results: list[FileResult] = []

    def report(result: FileResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    statuses = {r[0] for r in con.execute("SELECT status_code FROM ref_claim_statuses").fetchall()}
    groups = {r[0] for r in con.execute("SELECT group_code FROM ref_adjustment_groups").fetchall()}
    for path, data in items:
        path = Path(path)
        if data is None:
            if path.is_dir():
                report(FileResult(path, "failed", "a folder: name the CSV files in it"))
                continue
            try:
                data = path.read_bytes()
            except OSError as e:
                problem = "no such file" if isinstance(e, FileNotFoundError) else f"cannot be read ({e.strerror or e})"
                report(FileResult(path, "failed", problem))
                continue
        digest = hashlib.sha256(data).hexdigest()
        known = con.execute("SELECT file_name FROM source_files WHERE sha256 = ?", [digest]).fetchall()
        if known:
            report(FileResult(path, "already loaded", f"same content as {known[0][0]}; nothing changed"))
            continue
        try:
            parsed = read(layout, data, mapping, statuses, groups)
        except CsvRefused as e:
            report(FileResult(path, "failed", str(e), problems=e.problems))
            continue
        parsed.path, parsed.size, parsed.digest = path, len(data), digest
        report(store(con, parsed))
    derived.refresh(con)  # follow the denials across everything now loaded
    return results
