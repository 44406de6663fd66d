"""Storing parsed files: each file whole or not at all, each file once.

`store(con, parsed) -> FileResult` writes one ParsedFile (any reader's: X12, CSV) in one transaction;
`store_batch` writes several in one transaction (far faster for many small files), and if that fails,
each file on its own, so one bad file never keeps the others out. A file is registered by the SHA-256
of its bytes, so loading it again (under any name) changes nothing; an X12 interchange loaded before
from other bytes (other delimiters, line endings) is not loaded twice either.

Rows arrive as text (contract.py) and are cast here, in bulk, to the columns' types; a value that does
not cast is stored as empty with a warning. Each file's key columns are the reader's sequence numbers
plus an offset past the largest key in use. In the same transaction: the balance checks, the patient
data hashed when asked (privacy.py), and the files' adjudication units.

About 490 lines, past the ~400 the house keeps to: the steps of one file's transaction (dedup, keys, casts,
checks, registration, units), which the streaming path (streaming.py) also runs piece by piece; apart, each
would be a module of one caller.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analytics import database, privacy
from analytics.database import sql
from analytics.ingest.contract import TABLES, ParsedFile, arrow_tables
from analytics.transaction import begun


@dataclass
class FileResult:
    """What became of one file. Structured: the command line and the Data page word it themselves."""

    path: Path
    status: str  # 'loaded', 'already loaded', 'skipped' or 'failed'
    message: str = ""  # why it was not loaded; for a loaded file, what it held besides (skipped sets)
    counts: dict = field(default_factory=dict)  # kind of row (contract.TABLES) -> rows stored
    diagnostics: int = 0
    kind: str = ""  # '835', '837', '835+837', 'csv remittances' or 'csv claims' for a loaded file
    problems: list = field(default_factory=list)  # (line, column, message) of a refused CSV file's bad rows

    @property
    def failed(self) -> bool:
        return self.status == "failed"


# Kind of row -> the table it is stored in.
TARGETS = {
    "payments": "remit_payments",
    "claims": "remit_claims",
    "lines": "remit_service_lines",
    "adjustments": "remit_adjustments",
    "remarks": "remit_remarks",
    "references": "remit_references",
    "amounts": "remit_amounts",
    "provider_adjustments": "remit_provider_adjustments",
    "billed_claims": "bill_claims",
    "billed_lines": "bill_lines",
    "diagnostics": "load_diagnostics",
}
assert set(TARGETS) == set(TABLES)


@dataclass(frozen=True)
class _Key:
    """A key unique across the database: the reader's per-file sequence number plus the file's offset,
    which starts after the largest key in `table` and grows by the file's `rows`."""

    seq: str
    table: str
    rows: str


SURROGATE_KEYS = {
    "payment_key": _Key("payment_seq", "remit_payments", "payments"),
    "claim_key": _Key("claim_seq", "remit_claims", "claims"),
    "line_key": _Key("line_seq", "remit_service_lines", "lines"),
    "submission_key": _Key("submission_seq", "bill_claims", "billed_claims"),
    "bill_line_key": _Key("bill_line_seq", "bill_lines", "billed_lines"),
}
BALANCE_CHECKS = (
    "checks/unbalanced_lines",
    "checks/unbalanced_claims",
    "checks/unbalanced_payments",
    "checks/incomplete_claims",
)
FILES_SCHEMA = pa.schema([(name, pa.int64()) for name in ("file_index", "file_id", *SURROGATE_KEYS)])
_COLUMN_TYPES: dict = {}


@dataclass
class Batch:
    """Files parsed, to be stored together: their rows as one Arrow table per kind of row, tagged by
    file_index (the file's position in `files`, whose rows were moved to `tables`), and the results of
    the files that could not be parsed."""

    files: list[ParsedFile]
    tables: dict  # kind of row -> pyarrow.Table
    results: list[FileResult] = field(default_factory=list)


def batch_of(parsed: list[ParsedFile], results: list[FileResult] | None = None) -> Batch:
    """The files' rows moved into Arrow tables (their ParsedFile keeps its counts, not its rows)."""
    rows: dict = {name: [] for name in TABLES}
    owners: dict = {name: [] for name in TABLES}
    for index, item in enumerate(parsed):
        for name, found in item.rows.items():
            rows[name] += found
            owners[name] += [index] * len(found)
        item.rows = {}
    return Batch(parsed, arrow_tables(rows, owners), results or [])


def merge(batches: list[Batch]) -> Batch:
    """Batches as one (file indexes renumbered)."""
    if len(batches) == 1:
        return batches[0]
    files: list[ParsedFile] = []
    results: list[FileResult] = []
    parts: dict[str, list] = {}
    for batch in batches:
        offset = len(files)
        files += batch.files
        results += batch.results
        for name, table in batch.tables.items():
            index = table.column("file_index")
            table = table.set_column(table.column_names.index("file_index"), "file_index", pc.add(index, offset))
            parts.setdefault(name, []).append(table)
    return Batch(files, {name: pa.concat_tables(tables) for name, tables in parts.items()}, results)


def nothing_to_load(parsed: ParsedFile) -> FileResult:
    """The result of a file that holds no transaction set the readers take (kind '')."""
    return FileResult(
        _path(parsed),
        "skipped",
        f"no 835 or 837 transaction set in the file (found: {parsed.skipped_text() or 'none'}); nothing loaded",
    )


def _path(item: ParsedFile) -> Path:
    """The path of a file to store: ParsedFile.path is None only until whoever read the bytes sets it
    (workers.parse_files, streaming, csv_import), which is before the file reaches here."""
    assert item.path is not None, "a parsed file reached the store without its path"
    return item.path


def resolved(paths: list[Path]) -> list[Path]:
    """The paths made absolute with every symbolic link followed (Path.resolve), each folder resolved once:
    a file that is not a link is its resolved folder / its name (for 9,000 files in one folder, 0.03
    against 0.25 s). Here, not in files.py, which calls it too: files.py imports this module."""
    folders: dict[Path, Path] = {}
    out = []
    for path in paths:
        if path.is_symlink():
            out.append(path.resolve())
            continue
        folder = folders.get(path.parent)
        if folder is None:
            folder = folders[path.parent] = path.parent.resolve()
        out.append(folder / path.name)
    return out


def store(con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> FileResult:
    """Store one parsed file in one transaction (its path, size and digest set): whole or not at all.
    Raises only when the database cannot be written at all (database.cannot_write: a full disk)."""
    if not parsed.kind:
        return nothing_to_load(parsed)
    results: list[FileResult] = []
    store_batch(con, batch_of([parsed]), results.append)
    return results[0]


def store_batch(con: duckdb.DuckDBPyConnection, batch: Batch, report, only: list[int] | None = None) -> None:
    """Store the batch's files in one transaction, reporting a FileResult per file (those that could
    not be parsed first); if the transaction fails, each file in its own."""
    for result in batch.results if only is None else []:
        report(result)
    indexes = list(range(len(batch.files))) if only is None else only
    if not indexes:
        return
    cur = con.cursor()
    try:
        stored = _write(cur, batch, indexes)
    except duckdb.Error as e:
        if database.cannot_write(e):
            raise  # no file can be written now: the load stops (publishing.writing says why)
        if len(indexes) > 1:  # find the file that cannot be written; store the others
            for i in indexes:
                store_batch(con, batch, report, [i])
            return
        message = f"database error, nothing loaded: {str(e).splitlines()[0]}"
        report(FileResult(_path(batch.files[indexes[0]]), "failed", message))
        return
    finally:
        cur.close()
    for i, (status, message, diagnostics) in zip(indexes, stored, strict=True):
        item = batch.files[i]
        report(FileResult(_path(item), status, message, item.counts, diagnostics, item.kind))


@contextlib.contextmanager
def transaction(cur):
    """One batch's transaction: committed when the block ends, rolled back on any exception; the batch's
    registered tables dropped either way."""
    try:
        with begun(cur):
            yield
    finally:
        for name in ("batch_files", "batch_sources"):
            cur.unregister(name)


def added_text(result: FileResult) -> str:
    """What a loaded file added, in the words of the command line and the Data page: '2 payment(s), 3
    claim(s), 4 line(s), 6 adjustment(s)' for remittances, '3 claim(s) billed, 5 line(s) billed' for billed
    claims, both for a file of both."""
    c, kind, parts = result.counts, result.kind, []
    if "835" in kind or kind == "csv remittances" or not kind:
        parts.append(
            f"{c['payments']} payment(s), {c['claims']} claim(s), {c['lines']} line(s), "
            f"{c['adjustments']} adjustment(s)"
        )
    if "837" in kind or kind == "csv claims":
        parts.append(f"{c['billed_claims']} claim(s) billed, {c['billed_lines']} line(s) billed")
    return ", ".join(parts)


def problem_lines(problems: list) -> list[str]:
    """A refused CSV file's problems ((line, column, message), FileResult.problems), one line each:
    'line 4, paid_amount: ...'. `load-csv` and `spark load --csv` print them under the file's line."""
    return [
        f"line {line}, {column}: {message}" if column else f"line {line}: {message}"
        for line, column, message in problems
    ]


def loaded_note(item: ParsedFile) -> str:
    """The message of a loaded file: the transaction sets it held that were not read."""
    skipped = item.skipped_text()
    return f"skipped transaction sets: {skipped}" if skipped else ""


def _write(cur, batch: Batch, indexes: list[int]) -> list[tuple]:
    """Write the batch's files `indexes` in one transaction; returns (status, message, diagnostics)
    per file. Rows of files not written are left out by the join with batch_files."""
    items = [batch.files[i] for i in indexes]
    with transaction(cur):
        # A file loaded since this load started (by this load or another process) is not loaded twice.
        known = dict(
            cur.execute(
                "SELECT sha256, file_name FROM source_files WHERE sha256 IN ?", [[f.digest for f in items]]
            ).fetchall()
        )
        fresh = [i for i in indexes if batch.files[i].digest not in known]
        # ... nor an interchange loaded already from other bytes (other delimiters, line endings)
        verdicts = dict(zip(fresh, against_loaded(cur, [batch.files[i] for i in fresh]), strict=True))
        refused = {i: verdict for i, (verdict, _) in verdicts.items() if verdict is not None}
        fresh = [i for i in fresh if i not in refused]
        first_id, offsets = first_keys(cur)
        # Per file: its id, and the offsets its sequence numbers are added to to make each key.
        files: dict[str, list[int]] = {"file_index": [], "file_id": [], **{name: [] for name in SURROGATE_KEYS}}
        for n, i in enumerate(fresh):
            files["file_index"].append(i)
            files["file_id"].append(first_id + n)
            for name, key in SURROGATE_KEYS.items():
                files[name].append(offsets[name])
                offsets[name] += batch.files[i].counts[key.rows]
        cur.register("batch_files", pa.table(files, schema=FILES_SCHEMA))
        problems = [(first_id + n, *note) for n, i in enumerate(fresh) for note in verdicts[i][1]]
        for name, table in TARGETS.items():
            if name in batch.tables:
                problems += insert(cur, table, batch.tables[name])
        register_sources(cur, fresh, [batch.files[i] for i in fresh])
        register_interchanges(cur, {first_id + n: batch.files[i] for n, i in enumerate(fresh)})
        last_id = first_id + len(fresh) - 1
        counted = finish(cur, first_id, last_id, problems)
    ids = {i: first_id + n for n, i in enumerate(fresh)}
    out = []
    for i in indexes:
        item = batch.files[i]
        if i in refused:
            out.append((*refused[i], 0))
        elif i not in ids:
            out.append(("already loaded", f"same content as {known[item.digest]}; nothing changed", 0))
        else:
            out.append(("loaded", loaded_note(item), counted.get(ids[i], 0)))
    return out


def against_loaded(cur, items: list[ParsedFile]) -> list[tuple[tuple[str, str] | None, list[tuple]]]:
    """Per file, its interchanges against those loaded (and those of the files before it in `items`), by
    fingerprint (remittance._fingerprint: ISA06, ISA13 and the segments, whatever the delimiters): a
    verdict and diagnostics. Verdict None: load it, with a warning per control number its sender used
    before for other content (a sender's counter that started again: a new interchange). Otherwise
    (status, message): 'already loaded' when every interchange is; 'failed' when some are and others
    not, since loading the file whole would count those twice."""
    controls = sorted({key[1] for item in items for key in item.interchange_keys})
    loaded = (
        cur.execute(
            "SELECT i.fingerprint, i.sender, i.control_number, f.file_name FROM source_interchanges i"
            " JOIN source_files f USING (file_id) WHERE i.control_number IN ?",
            [controls],
        ).fetchall()
        if controls
        else []
    )
    by_print = {fingerprint: name for fingerprint, _, _, name in loaded}
    by_control = {(sender, control): name for _, sender, control, name in loaded}
    out = []
    for item in items:
        verdict = _judged(item.interchange_keys, by_print, by_control)
        out.append(verdict)
        if verdict[0] is None:  # the files after it in `items` meet its interchanges as loaded
            for sender, control, _, fingerprint in item.interchange_keys:
                by_print[fingerprint] = by_control[(sender, control)] = _path(item).name
    return out


def _judged(keys: list, by_print: dict, by_control: dict) -> tuple[tuple[str, str] | None, list[tuple]]:
    """One file's verdict and diagnostics (against_loaded), from its interchange keys (sender, control number,
    position, fingerprint) and the file names loaded by fingerprint and by sender and control number."""
    same = [(key, by_print[key[3]]) for key in keys if key[3] in by_print]
    if same and len(same) == len(keys):
        names = ", ".join(sorted({name for _, name in same}))
        pairs = list(dict.fromkeys((sender, control) for (sender, control, _, _), _ in same))
        which = "; ".join(f"sender {sender}, control number {control}" for sender, control in pairs[:3])
        which += f"; and {len(pairs) - 3} more" if len(pairs) > 3 else ""
        return (
            "already loaded",
            f"already loaded as {names}: the same interchange{'s' if len(same) > 1 else ''}"
            f" ({which}) with other bytes (delimiters, line endings); nothing changed",
        ), []
    if same:
        (sender, control, position, _), name = same[0]
        return (
            "failed",
            f"the interchange at segment {position} (sender {sender}, control number {control})"
            f" is already loaded as {name}, the others in the file are not: nothing loaded, as"
            " it would count twice; load the others in a file of their own",
        ), []
    return None, [
        (
            position,
            "warning",
            "ISA",
            f"ISA13 control number {control} of sender {sender} was used before by "
            f"{by_control[(sender, control)]} for other content: loaded as another interchange",
        )
        for sender, control, position, _ in keys
        if (sender, control) in by_control
    ]


def register_interchanges(cur, files: dict) -> None:
    """Register the interchanges of files (ParsedFile by file id) in source_interchanges."""
    found = [
        (file_id, position, sender, control, fingerprint)
        for file_id, item in files.items()
        for sender, control, position, fingerprint in item.interchange_keys
    ]
    if found:
        # read by its name in the INSERT below (DuckDB replacement scan)
        rows = pa.table(  # noqa: F841
            dict(
                zip(
                    ("file_id", "segment_position", "sender", "control_number", "fingerprint"),
                    map(list, zip(*found, strict=True)),
                    strict=True,
                )
            )
        )
        cur.execute("INSERT INTO source_interchanges BY NAME SELECT * FROM rows")


def first_keys(cur) -> tuple[int, dict]:
    """The next file id, and per key the largest in use: a file's keys are its reader's sequence
    numbers plus an offset that starts there."""
    largest = ", ".join(f"(SELECT coalesce(max({name}), 0) FROM {key.table})" for name, key in SURROGATE_KEYS.items())
    first_id, *bases = cur.execute(
        f"SELECT (SELECT coalesce(max(file_id), 0) + 1 FROM source_files), {largest}"
    ).fetchall()[0]
    return first_id, dict(zip(SURROGATE_KEYS, bases, strict=True))


def register_files(cur, file_id: int, offsets: dict) -> None:
    """batch_files for one file stored alone (streamed): its id and key offsets, as file_index 0."""
    cur.register(
        "batch_files",
        pa.table(
            {"file_index": [0], "file_id": [file_id], **{k: [v] for k, v in offsets.items()}}, schema=FILES_SCHEMA
        ),
    )


def register_sources(cur, indexes: list[int], sources: list[ParsedFile]) -> None:
    """Register the files (at `indexes` in batch_files) in source_files."""
    cur.register(
        "batch_sources",
        pa.table(
            {
                "file_index": pa.array(indexes, pa.int64()),
                "file_name": pa.array([_path(f).name for f in sources], pa.string()),
                "file_path": pa.array([str(p) for p in resolved([_path(f) for f in sources])], pa.string()),
                "sha256": pa.array([f.digest for f in sources], pa.string()),
                "kind": pa.array([f.kind for f in sources], pa.string()),
                "size_bytes": pa.array([f.size for f in sources], pa.int64()),
                "interchanges": pa.array([f.interchanges for f in sources], pa.int64()),
                "transaction_sets": pa.array([f.transaction_sets for f in sources], pa.int64()),
                "segments": pa.array([f.segments for f in sources], pa.int64()),
                "skipped_sets": pa.array([f.skipped_text() for f in sources], pa.string()),
            }
        ),
    )
    cur.execute(
        "INSERT INTO source_files SELECT f.file_id, s.file_name, s.file_path, s.sha256, s.size_bytes, s.kind,"
        " now()::TIMESTAMP, s.interchanges, s.transaction_sets, s.segments, s.skipped_sets"
        " FROM batch_sources s JOIN batch_files f USING (file_index)"
    )


def finish(cur, first_id: int, last_id: int, problems: list, units: bool = True) -> dict:
    """After the rows of files first_id..last_id: their unreadable values and balance checks as
    diagnostics, their adjudication units (unless stored already); returns the count of diagnostics
    per file id."""
    if problems:
        cur.register(
            "problems",
            pa.table(
                dict(
                    zip(
                        ("file_id", "segment_position", "severity", "segment_id", "message"),
                        (pa.array(column) for column in zip(*problems, strict=True)),
                        strict=True,
                    )
                )
            ),
        )
        cur.execute("INSERT INTO load_diagnostics SELECT * FROM problems")
        cur.unregister("problems")
    privacy.protect(cur, first_id, last_id)  # patient data stored hashed when asked (analytics/privacy.py)
    checks(cur, first_id, last_id)
    if units:
        add_units(cur, first_id, last_id)
    return dict(
        cur.execute(
            "SELECT file_id, count(*) FROM load_diagnostics WHERE file_id BETWEEN ? AND ? GROUP BY file_id",
            [first_id, last_id],
        ).fetchall()
    )


def checks(cur, first_id: int, last_id: int) -> None:
    """The balance checks of files first_id..last_id, as diagnostics (they read only those files' rows)."""
    for check in BALANCE_CHECKS:
        cur.execute(
            "INSERT INTO load_diagnostics SELECT file_id, segment_position, severity, segment_id,"
            f" message FROM ({sql(check)})",
            {"first_id": first_id, "last_id": last_id},
        )


def add_units(cur, first_id: int, last_id: int) -> None:
    """The adjudication units and denials of files first_id..last_id, in the transaction of their rows."""
    cur.execute(
        f"INSERT INTO fact_units BY NAME {sql('marts/adjudication_units')}", {"first_id": first_id, "last_id": last_id}
    )


def insert(cur, table: str, incoming: pa.Table) -> list:
    """Insert reader rows into `table`, casting text to the column types; return unreadable values.
    The queries read `incoming` by its name in this function (DuckDB's scan of a Python variable): a
    table registered with cur.register stays in memory until the transaction ends, which would keep
    every piece of a streamed file."""
    if table not in _COLUMN_TYPES:
        _COLUMN_TYPES[table] = cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?"
            " ORDER BY ordinal_position",
            [table],
        ).fetchall()
    names = set(incoming.column_names)
    select, checks = [], []
    for name, kind in _COLUMN_TYPES[table]:
        if name == "file_id" or (name in SURROGATE_KEYS and SURROGATE_KEYS[name].seq in names):
            # database-wide keys: the file's offset plus the reader's sequence number
            select.append("f.file_id" if name == "file_id" else f"f.{name} + i.{SURROGATE_KEYS[name].seq}")
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
