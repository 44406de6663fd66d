"""Load 835 files into the database: each file whole or not at all, each file once.

A file is registered by the SHA-256 of its bytes, so loading it again (under any name) changes
nothing. Parsing happens before the database is touched; the rows, the diagnostics and the file's
registration are then written in one transaction, so a failure at any point leaves the database as it
was.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics import remittance
from analytics.database import sql
from analytics.x12 import NotX12Error

# Parser output -> internal table. `keys` says which parser sequence numbers become database-wide
# keys (key column, sequence column, the counter the key is offset from).
_TABLES = (
    ("payments", "remit_payments", remittance.PAYMENT_COLUMNS),
    ("claims", "remit_claims", remittance.CLAIM_COLUMNS),
    ("lines", "remit_service_lines", remittance.LINE_COLUMNS),
    ("adjustments", "remit_adjustments", remittance.ADJUSTMENT_COLUMNS),
    ("remarks", "remit_remarks", remittance.REMARK_COLUMNS),
    ("references", "remit_references", remittance.REFERENCE_COLUMNS),
    ("amounts", "remit_amounts", remittance.AMOUNT_COLUMNS),
    ("provider_adjustments", "remit_provider_adjustments", remittance.PROVIDER_ADJUSTMENT_COLUMNS),
)
_KEYS = {"payment_key": "payment_seq", "claim_key": "claim_seq", "line_key": "line_seq"}
_INTEGER_COLUMNS = {"payment_seq", "claim_seq", "line_seq", "segment_position", "triple_index", "pair_index"}
_CHECKS = ("checks/unbalanced_lines", "checks/unbalanced_claims", "checks/unbalanced_payments")


@dataclass
class FileResult:
    path: Path
    status: str  # 'loaded', 'already loaded', 'skipped' or 'failed'
    message: str = ""
    counts: dict = field(default_factory=dict)
    diagnostics: int = 0

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def line(self) -> str:
        name = str(self.path)
        if self.status == "loaded":
            c = self.counts
            text = (f"{c['payments']} payment(s), {c['claims']} claim(s), {c['lines']} line(s), "
                    f"{c['adjustments']} adjustment(s), {self.diagnostics} diagnostic(s)")
            if self.message:
                text += f"; {self.message}"
            return f"loaded          {name}: {text}"
        return f"{self.status:<15} {name}: {self.message}"


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
            problems.append(FileResult(path, "failed", "no such file or folder"))
    return files, problems


def load_paths(con: duckdb.DuckDBPyConnection, paths: list[str | Path], on_result=None) -> list[FileResult]:
    files, results = expand(paths)
    for r in results:
        if on_result:
            on_result(r)
    for path in files:
        result = load_file(con, path)
        results.append(result)
        if on_result:
            on_result(result)
    return results


def load_file(con: duckdb.DuckDBPyConnection, path: str | Path, data: bytes | None = None) -> FileResult:
    """Load one file (its bytes may be given, e.g. from an upload); never raises for bad content."""
    path = Path(path)
    try:
        if data is None:
            data = path.read_bytes()
    except OSError as e:
        return FileResult(path, "failed", f"cannot be read ({e.strerror or e})")
    digest = hashlib.sha256(data).hexdigest()
    cur = con.cursor()
    known = cur.execute("SELECT file_name, loaded_at FROM source_files WHERE sha256 = ?", [digest]).fetchall()
    if known:
        name, when = known[0]
        return FileResult(path, "already loaded", f"same content as {name}, loaded {when:%Y-%m-%d %H:%M}; nothing changed")
    try:
        parsed = remittance.parse_bytes(data)
    except remittance.TruncatedError as e:
        return FileResult(path, "failed", f"truncated 835: {e}; nothing loaded")
    except NotX12Error as e:
        return FileResult(path, "failed", f"{e}; nothing loaded")
    if parsed.transaction_sets == 0:
        found = ", ".join(f"{k} x{v}" for k, v in sorted(parsed.skipped_sets.items())) or "none"
        return FileResult(path, "skipped", f"no 835 transaction set in the file (found: {found}); nothing loaded")
    try:
        counts, diagnostics = _store(cur, path, data, digest, parsed)
    except duckdb.Error as e:
        return FileResult(path, "failed", f"database error, nothing loaded: {str(e).splitlines()[0]}")
    note = ""
    if parsed.skipped_sets:
        note = "skipped non-835 transaction sets: " + ", ".join(f"{k} x{v}" for k, v in sorted(parsed.skipped_sets.items()))
    return FileResult(path, "loaded", note, counts, diagnostics)


def _store(cur, path: Path, data: bytes, digest: str, parsed: remittance.Remittance) -> tuple[dict, int]:
    cur.execute("BEGIN TRANSACTION")
    try:
        file_id = cur.execute("SELECT coalesce(max(file_id), 0) + 1 FROM source_files").fetchall()[0][0]
        bases = dict(zip(_KEYS, cur.execute(
            "SELECT (SELECT coalesce(max(payment_key), 0) FROM remit_payments),"
            " (SELECT coalesce(max(claim_key), 0) FROM remit_claims),"
            " (SELECT coalesce(max(line_key), 0) FROM remit_service_lines)"
        ).fetchall()[0]))
        skipped = ", ".join(f"{k} x{v}" for k, v in sorted(parsed.skipped_sets.items())) or None
        cur.execute(
            "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, '835', now()::TIMESTAMP, ?, ?, ?, ?)",
            [file_id, path.name, str(path.resolve()), digest, len(data), parsed.interchanges,
             parsed.transaction_sets, parsed.segments, skipped],
        )
        diagnostics = list(parsed.diagnostics)
        counts = {}
        for attr, table, columns in _TABLES:
            rows = getattr(parsed, attr)
            counts[attr] = len(rows)
            if rows:
                diagnostics += _insert(cur, table, columns, rows, file_id, bases)
        for check in _CHECKS:
            diagnostics += cur.execute(sql(check), {"file_id": file_id}).fetchall()
        if diagnostics:
            cur.executemany(
                "INSERT INTO load_diagnostics VALUES (?, ?, ?, ?, ?)",
                [(file_id, *d) for d in diagnostics],
            )
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return counts, len(diagnostics)


def _insert(cur, table: str, columns: tuple, rows: list, file_id: int, bases: dict) -> list:
    """Insert parser rows into `table`, casting text to the column types; return unreadable values."""
    arrays = {
        name: pa.array(values, pa.int64() if name in _INTEGER_COLUMNS else pa.string())
        for name, values in zip(columns, zip(*rows))
    }
    cur.register("incoming", pa.table(arrays))
    try:
        types = dict(cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall())
        select, checks = [], []
        for name, kind in types.items():
            if name == "file_id":
                select.append(str(file_id))
            elif name in _KEYS and _KEYS[name] in arrays:
                select.append(f"{bases[name]} + {_KEYS[name]}")
            elif name not in arrays:
                select.append("NULL")
            elif kind.startswith("DECIMAL"):
                select.append(f"TRY_CAST({name} AS {kind})")
                checks.append((name, f"TRY_CAST({name} AS {kind})", "a number"))
            elif kind == "DATE":
                select.append(f"TRY_CAST(try_strptime({name}, '%Y%m%d') AS DATE)")
                checks.append((name, f"try_strptime({name}, '%Y%m%d')", "a date (CCYYMMDD)"))
            else:
                select.append(name)
        cur.execute(f"INSERT INTO {table} SELECT {', '.join(select)} FROM incoming")
        if not checks:
            return []
        union = " UNION ALL ".join(
            f"SELECT segment_position, '{name}', {name}, '{what}' FROM incoming"
            f" WHERE {name} IS NOT NULL AND {cast} IS NULL"
            for name, cast, what in checks
        )
        return [
            (position, "warning", None, f"{column} {value!r} is not {what}; stored as empty")
            for position, column, value, what in cur.execute(f"{union} ORDER BY 1").fetchall()
        ]
    finally:
        cur.unregister("incoming")
