"""Load 835 and 837 files into the database: each file whole or not at all, each file once.

A file may hold 835 remittances, 837 claims or both: the 835 reader reads every file, and the 837
reader (`claims`) reads it too when it holds 837 transaction sets.

A file is registered by the SHA-256 of its bytes, so loading it again (under any name) changes
nothing. Files are read and parsed before the database is touched (in worker processes when there are
many), then written in batches: one transaction per batch holds every row, diagnostic and registration
of its files, so a failure at any point leaves the database as it was. If a batch cannot be written,
its files are retried one by one, so one bad file never keeps the others out.
"""

from __future__ import annotations

import gc
import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analytics import claims, privacy, recovery, remittance
from analytics.database import sql
from analytics.x12 import NotX12Error, decode

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
            problems.append(FileResult(path, "failed", "no such file or folder"))
    return files, problems


def load_paths(con: duckdb.DuckDBPyConnection, paths: list[str | Path], on_result=None) -> list[FileResult]:
    """Load every file named or under a folder named; report each file through on_result."""
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
    if len(groups) > 1 and (os.cpu_count() or 1) > 1:
        # Parse in worker processes while this one writes what is ready.
        with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
            _store_in_batches(con, pool.map(_prepare, groups, [known] * len(groups)), report)
    else:
        _store_in_batches(con, (_prepare(group, known) for group in groups), report)
    recovery.refresh(con)  # follow the denials across everything now loaded
    return results


def _store_in_batches(con, chunks, report) -> None:
    """Write parsed chunks a few at a time: one transaction for about _WRITE_BYTES of input costs far
    less than one per chunk, while small chunks keep the workers' results flowing."""
    pending, size = [], 0
    for chunk in chunks:
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


def load_contents(con: duckdb.DuckDBPyConnection, items: list[tuple[Path, bytes | None]]) -> list[FileResult]:
    """Load files one by one, each whole or not at all (bytes given, e.g. uploads, or read from the
    path when None), then follow the denials across everything loaded once."""
    results: list[FileResult] = []
    for path, data in items:
        known = dict(con.execute("SELECT sha256, file_name FROM source_files").fetchall())
        _store(con, _prepare([Path(path)], known, [data] if data is not None else None), results.append)
    recovery.refresh(con)
    return results


def _group(files: list[Path]) -> list[list[Path]]:
    """Files in runs of about _CHUNK_BYTES: the unit of work of one parsing worker."""
    groups, current, size = [], [], 0
    for path in files:
        current.append(path)
        try:
            size += path.stat().st_size
        except OSError:
            pass
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
        sets = dict(parsed.skipped_sets)
        if billed is not None:
            del sets["837"]  # read by the 837 reader
        skipped = ", ".join(f"{k} x{v}" for k, v in sorted(sets.items())) or None
        kind = "+".join(k for k, n in (("835", parsed.transaction_sets), ("837", billed and billed.transaction_sets)) if n)
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
                           parsed.segments, skipped, counts))
    return _Chunk(files, _arrow_tables(rows, owners), results)


def _arrow_tables(rows: dict, owners: dict) -> dict:
    """Reader rows (tuples in the column order of _TABLES, keyed by row name) as one Arrow table per
    row name, each row tagged with the file_index in `owners`."""
    tables = {}
    for name, _, columns in _TABLES:
        if rows.get(name):
            arrays = {
                column: pa.array(values, pa.int64() if column in _INTEGER_COLUMNS else pa.string())
                for column, values in zip(columns, zip(*rows[name]))
            }
            arrays["file_index"] = pa.array(owners[name], pa.int64())
            tables[name] = pa.table(arrays)
    return tables


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


def _write(cur, chunk: _Chunk, indexes: list[int]) -> list[tuple]:
    """Write the chunk's files `indexes` in one transaction; returns (status, message, diagnostics)
    per file. Rows of files not written are left out by the join with batch_files."""
    items = [chunk.files[i] for i in indexes]
    cur.execute("BEGIN TRANSACTION")
    try:
        # A file loaded since this load started (by this load or another process) is not loaded twice.
        known = dict(cur.execute(
            "SELECT sha256, file_name FROM source_files WHERE sha256 IN ?", [[f.digest for f in items]]
        ).fetchall())
        fresh = [i for i in indexes if chunk.files[i].digest not in known]
        largest = ", ".join(f"(SELECT coalesce(max({name}), 0) FROM {key.table})" for name, key in _KEYS.items())
        first_id, *bases = cur.execute(
            f"SELECT (SELECT coalesce(max(file_id), 0) + 1 FROM source_files), {largest}"
        ).fetchall()[0]
        # Per file: its id, and the offsets its sequence numbers are added to to make each key.
        offsets = dict(zip(_KEYS, bases))
        files = {"file_index": [], "file_id": [], **{name: [] for name in _KEYS}}
        for n, i in enumerate(fresh):
            files["file_index"].append(i)
            files["file_id"].append(first_id + n)
            for name, key in _KEYS.items():
                files[name].append(offsets[name])
                offsets[name] += chunk.files[i].counts[key.rows]
        cur.register("batch_files", pa.table(files, schema=_FILES_SCHEMA))
        sources = [chunk.files[i] for i in fresh]
        cur.register("batch_sources", pa.table({
            "file_index": pa.array(fresh, pa.int64()),
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
        problems = []
        for name, table, _ in _TABLES:
            if name in chunk.tables:
                problems += _insert(cur, table, chunk.tables[name])
        if problems:
            cur.register("problems", pa.table(dict(zip(
                ("file_id", "segment_position", "severity", "segment_id", "message"),
                (pa.array(column) for column in zip(*problems)),
            ))))
            cur.execute("INSERT INTO load_diagnostics SELECT * FROM problems")
            cur.unregister("problems")
        last_id = first_id + len(fresh) - 1
        privacy.protect(cur, first_id, last_id)  # patient data stored hashed when asked (analytics/privacy.py)
        for check in _CHECKS:
            cur.execute("INSERT INTO load_diagnostics SELECT file_id, segment_position, severity, segment_id,"
                        f" message FROM ({sql(check)})", {"first_id": first_id, "last_id": last_id})
        # the files' adjudication units and denials, in the same transaction as their rows
        cur.execute(f"INSERT INTO fact_units BY NAME {sql('marts/adjudication_units')}",
                    {"first_id": first_id, "last_id": last_id})
        counted = dict(cur.execute(
            "SELECT file_id, count(*) FROM load_diagnostics WHERE file_id BETWEEN ? AND ? GROUP BY file_id",
            [first_id, last_id],
        ).fetchall())
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    finally:
        for name in ("batch_files", "batch_sources"):
            cur.unregister(name)
    ids = {i: first_id + n for n, i in enumerate(fresh)}
    out = []
    for i in indexes:
        item = chunk.files[i]
        if i not in ids:
            out.append(("already loaded", f"same content as {known[item.digest]}; nothing changed", 0))
        else:
            note = f"skipped transaction sets: {item.skipped_sets}" if item.skipped_sets else ""
            out.append(("loaded", note, counted.get(ids[i], 0)))
    return out


_FILES_SCHEMA = pa.schema([(name, pa.int64()) for name in ("file_index", "file_id", *_KEYS)])
_COLUMN_TYPES: dict = {}


def _insert(cur, table: str, incoming: pa.Table) -> list:
    """Insert parser rows into `table`, casting text to the column types; return unreadable values."""
    cur.register("incoming", incoming)
    try:
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
    finally:
        cur.unregister("incoming")
