"""Load X12 (or CSV) files into the lake on Spark: the project's own readers run in the executors, files packed
into tasks.

1. The driver lists the inputs as the DuckDB loader does (`listing`: Spark's own listing leaves out names
   starting with '_'); Spark's binary file source reads the files, packed into tasks by size; `mapInArrow`
   hashes each (SHA-256) and, unless the lake has that content already, parses it with the reader of its
   format (ingest/formats.py, the reader contract: X12, or CSV when named). Out comes a narrow
   "envelope", written to the run's staging folder once: one row per file saying what the reader made of
   it, and one per file and kind of row holding those rows as an Arrow IPC stream (the kind's columns,
   text as sent, and each row's payment month). A row per parsed row in the union of every kind's
   columns (117) cost the JVM more CPU to convert and write than the parsing itself (docs/scale.md).
   An X12 file larger than memory.STREAM_BYTES is streamed, as the DuckDB loader streams it: Spark reads
   only its path and length, and a task of its own opens it and writes the envelope of each piece as it
   is parsed (`streamed_envelope`), so that a task holds about a piece, not the file.
2. The driver takes the file rows (small): files already loaded (same content, or the same
   interchanges with other bytes: the DuckDB store's own rule, `store.against_loaded`), file ids and
   key offsets, as the DuckDB store gives them: the next file id, and each key after the largest used.
3. Per table, its kind's streams are decoded in the executors (`mapInArrow`, each row tagged with its
   file's id and key offsets), the rows cast to schema.sql's types (money DECIMAL(18, 2), dates from
   CCYYMMDD; a value that does not cast is stored as empty with a warning, as in DuckDB), keyed, and
   written as Parquet partitioned by payment month, patient data hashed when asked, the balance checks
   run on the run's tables (finish.py: the steps of the DuckDB store's `finish`); then published (lake.py).

About 750 lines in one module: the three steps share the envelope's layout and the run's staging state,
and each is one Spark job reading what the one before wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analytics.ingest import formats, memory, streaming
from analytics.ingest.contract import INTEGER_COLUMNS, TABLES, ParsedFile, ReadError, ReadOptions
from analytics.ingest.store import SURROGATE_KEYS, TARGETS, against_loaded, nothing_to_load
from analytics.spark import finish
from analytics.spark.lake import PARTITION, RAW_TABLES, Lake, duckdb_columns, opened, schema_of, spark_type, streamable
from analytics.x12 import NotX12Error

FILE_FIELDS = (
    ("_status", "string"),  # 'parsed', 'known' (content in the lake), 'failed', 'skipped' (nothing to load)
    ("_message", "string"),
    ("_kind", "string"),
    ("_size", "int64"),
    ("_interchanges", "int64"),
    ("_transaction_sets", "int64"),
    ("_segments", "int64"),
    ("_skipped", "string"),
    ("_counts", "string"),  # JSON: kind of row -> rows
    ("_interchange_keys", "string"),  # JSON: [[sender, control, position, fingerprint], ...]
    ("_problems", "string"),  # JSON: [[line, column, message], ...] of a refused CSV file's bad rows
    ("_pieces", "int64"),  # the pieces a streamed file was read in (None: read whole)
)
TAGS = (("_table", "string"), ("_path", "string"), ("_sha256", "string"), *FILE_FIELDS)
# The envelope is narrow: a row per file (its tags) and a row per file and kind of row (tagged with the
# kind) holding those rows as an Arrow IPC stream, so that the JVM converts and writes a few rows per file,
# not every parsed row in the union of every kind's columns (117, mostly empty): docs/scale.md.
ENVELOPE = (*TAGS, ("_rows", "binary"))
# rows per IPC stream: a file's rows of one kind take several beyond this (Spark's binary values stop at 2 GB)
BLOB_ROWS = 100_000
# Tasks of about 16 MB of files, each file counting 64 KB besides its size (opening it, its Python round
# trip): 751 demo files of 20 KB make 4 tasks, not 751 (docs/scale.md has the before and after).
TASK_BYTES = 16 * 1024 * 1024
FILE_COST_BYTES = 64 * 1024
# the tables queries/privacy/hash_patient_data.sql fills when patient data is hashed (not partitioned)
HASH_TABLES = ("bill_birth_date_hashes",)
KEY_COUNTS = {name: key.rows for name, key in SURROGATE_KEYS.items()}  # payment_key -> 'payments', ...
# a typed table's column of the values that did not cast, kept apart from the table's own columns
WARNINGS = "_warnings"


def envelope_schema():
    import pyarrow as pa

    kinds = {"string": pa.string(), "int64": pa.int64(), "binary": pa.binary()}
    return pa.schema([(name, kinds[kind]) for name, kind in ENVELOPE])


def rows_schema(kind: str):
    """The columns of one kind's IPC streams: the contract's (integers as int64, the rest text as sent),
    then the payment month."""
    import pyarrow as pa

    columns = [(c, pa.int64() if c in INTEGER_COLUMNS else pa.string()) for c in TABLES[kind]]
    return pa.schema([*columns, ("_month", pa.string())])


def _ddl(schema) -> str:
    """An Arrow schema's columns as mapInArrow's DDL."""
    import pyarrow as pa

    kinds = {pa.string(): "string", pa.int64(): "bigint", pa.int32(): "int", pa.binary(): "binary"}
    return ", ".join(f"`{f.name}` {kinds[f.type]}" for f in schema)


# -- in the executors ---------------------------------------------------------------------------------


def _month(text) -> str | None:
    """'YYYYMM01' of a CCYYMMDD date as sent, else None."""
    return f"{text[:6]}01" if isinstance(text, str) and len(text) == 8 and text.isdigit() else None


def months(rows: dict) -> dict:
    """Kind of row -> the payment month of each row ('YYYYMM01'): a payment's BPR16 date, for the rows
    of its claims, lines and adjustments too; a billed claim's BHT04 date for billed rows. `rows` hold
    whole transaction sets (a file, or a piece of one cut after an SE)."""
    cols = {name: {c: i for i, c in enumerate(columns)} for name, columns in TABLES.items()}
    by_payment = {
        r[cols["payments"]["payment_seq"]]: _month(r[cols["payments"]["payment_date"]])
        for r in rows.get("payments", ())
    }
    by_claim = {
        r[cols["claims"]["claim_seq"]]: by_payment.get(r[cols["claims"]["payment_seq"]]) for r in rows.get("claims", ())
    }
    by_submission = {
        r[cols["billed_claims"]["submission_seq"]]: _month(r[cols["billed_claims"]["submitted_date"]])
        for r in rows.get("billed_claims", ())
    }
    out = {}
    for name, found in rows.items():
        c = cols[name]
        if "claim_seq" in c:
            out[name] = [by_claim.get(r[c["claim_seq"]]) for r in found]
        elif "payment_seq" in c:
            out[name] = [by_payment.get(r[c["payment_seq"]]) for r in found]
        elif "submission_seq" in c:
            out[name] = [by_submission.get(r[c["submission_seq"]]) for r in found]
        else:
            out[name] = [None] * len(found)
    return out


def envelope(
    path: str, data: bytes, known: frozenset, fmt: str | None = None, options: ReadOptions | None = None
) -> Iterator:
    """The envelope of one file: a row per kind of row it holds (those rows as an Arrow IPC stream; more
    than one beyond BLOB_ROWS rows), then the row that describes the file.
    The file is read as the DuckDB loader reads it (ingest.workers.parse_files): with the format named
    `fmt` (ingest/formats.py, e.g. 'csv claims'), else the one its bytes are recognised as."""
    import pyarrow as pa

    out: list = []
    digest = hashlib.sha256(data).hexdigest()
    info: dict = {"_status": "parsed", "_size": len(data)}
    if digest in known:
        info["_status"] = "known"
    else:
        try:
            parsed = formats.chosen(fmt, data).read(data, options or ReadOptions())
        except ReadError as e:  # not X12, cut off, CSV rows refused: with the DuckDB loader's words
            problems = json.dumps([list(p) for p in e.problems]) if e.problems else None
            info.update(_status="failed", _message=formats.refusal(e), _problems=problems)
        else:
            info.update(_described(path, parsed))
            if parsed.kind:
                out = _blobs(path, digest, parsed.rows)
    out.append({"_table": "_file", "_path": path, "_sha256": digest, **info})
    yield pa.RecordBatch.from_pylist(out, schema=envelope_schema())


def _described(path: str, parsed: ParsedFile) -> dict:
    """The envelope's columns of a file read: what it holds, its counts, and 'skipped' with the DuckDB
    loader's words when that is nothing to load."""
    info = {
        "_kind": parsed.kind,
        "_interchanges": parsed.interchanges,
        "_transaction_sets": parsed.transaction_sets,
        "_segments": parsed.segments,
        "_skipped": parsed.skipped_text(),
        "_counts": json.dumps(parsed.counts),
        "_interchange_keys": json.dumps([list(k) for k in parsed.interchange_keys]),
    }
    if not parsed.kind:
        parsed.path = Path(path.rsplit("/", 1)[-1])
        info.update(_status="skipped", _message=nothing_to_load(parsed).message)
    return info


def _blobs(path: str, digest: str, rows: dict) -> list[dict]:
    """The envelope's rows holding a file's rows (kind of row -> rows, whole transaction sets): per kind,
    Arrow IPC streams of BLOB_ROWS rows at most, each row with its payment month."""
    import pyarrow as pa

    out = []
    by_month = months(rows)
    for name, found in rows.items():
        if not found:
            continue
        kind = rows_schema(name)
        columns = [*zip(*found, strict=True), by_month[name]]
        batch = pa.RecordBatch.from_arrays(
            [pa.array(c, f.type) for c, f in zip(columns, kind, strict=True)], schema=kind
        )
        for start in range(0, batch.num_rows, BLOB_ROWS):
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, kind) as writer:
                writer.write_batch(batch.slice(start, BLOB_ROWS))
            out.append({"_table": name, "_path": path, "_sha256": digest, "_rows": sink.getvalue().to_pybytes()})
    return out


def streamed_envelope(path: str, known: frozenset, piece: int, source: str | None = None) -> Iterator:
    """The envelope of an X12 file too large to parse whole, read from `source` (else `path`) as the
    DuckDB loader streams it (ingest/streaming.py): its size, SHA-256 and encoding first, then its pieces
    of about `piece` characters, the readers' state carried from piece to piece. Each piece's rows are
    written as they are parsed, so that the task holds about a piece, not the file; the file's row, last,
    is what parsing it whole gives, with the pieces it was read in (`_pieces`). A refused file has the
    DuckDB loader's message (the rows of its pieces before are written, and never loaded)."""
    import pyarrow as pa

    schema = envelope_schema()
    source = source or path
    digest = None
    info: dict = {"_status": "parsed", "_pieces": 0}
    try:
        info["_size"], digest, encoding = streaming.survey(source, opened)
        if digest in known:
            info["_status"] = "known"
        else:
            for found in streaming.read_pieces(streaming.text_blocks(source, encoding, digest, opened), piece):
                out, file = _blobs(path, digest, found.rows), found.file
                info["_pieces"] += found.length > 0  # not the end of the file
                del found  # a piece's rows are not kept while the next is parsed
                if out:
                    yield pa.RecordBatch.from_pylist(out, schema=schema)
                del out
            info.update(_described(path, file))
    except OSError as e:
        info.update(_status="failed", _message=formats.unreadable(e, None))  # X12, as the DuckDB loader words it
    except NotX12Error as e:  # not X12, cut off, or changed while read: with the DuckDB loader's words
        info.update(_status="failed", _message=formats.refusal(e))
    yield pa.RecordBatch.from_pylist([{"_table": "_file", "_path": path, "_sha256": digest, **info}], schema=schema)


def parse_partition(
    batches: Iterator,
    known: frozenset,
    originals: dict | None = None,
    fmt: str | None = None,
    options: ReadOptions | None = None,
) -> Iterator:
    """mapInArrow's function: every file of the task's batches, each whole; a file Spark read from a
    copy (`originals`: copy -> the file's own path, see `listing`) under its own path."""
    originals = originals or {}
    for batch in batches:
        for path, data in zip(batch.column("path").to_pylist(), batch.column("content").to_pylist(), strict=True):
            yield from envelope(originals.get(path, path), data, known, fmt, options)


def stream_partition(batches: Iterator, known: frozenset, originals: dict, piece: int) -> Iterator:
    """mapInArrow's function for the files streamed: each path of the task's batches opened and
    streamed (`streamed_envelope`), a copy (`originals`) under its file's own path."""
    for batch in batches:
        for path in batch.column("path").to_pylist():
            yield from streamed_envelope(originals.get(path, path), known, piece, path)


def decode_partition(batches: Iterator, kind: str, schema) -> Iterator:
    """mapInArrow's function of step 3: the rows of one kind out of the IPC streams of the batches' rows,
    each row with its stream's other columns (its file's id and key offsets) as `schema` orders them."""
    import pyarrow as pa

    for batch in batches:
        tags = [n for n in batch.schema.names if n != "_rows"]
        for i, blob in enumerate(batch.column("_rows")):
            for rows in pa.ipc.open_stream(blob.as_buffer()):
                extra = [pa.repeat(batch.column(n)[i], rows.num_rows) for n in tags]
                yield pa.RecordBatch.from_arrays([*rows.columns, *extra], schema=schema)


# -- on the driver -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a run did: per file (path, status, message), and where the time went."""

    run: str
    files: list = field(default_factory=list)  # (path, status, message, kind)
    pieces: dict = field(default_factory=dict)  # path -> pieces, of each file streamed (too large to read whole)
    problems: dict = field(default_factory=dict)  # path -> [[line, column, message], ...] of a refused CSV file
    seconds: dict = field(default_factory=dict)
    lines: int = 0

    def counts(self) -> dict:
        out: dict = {}
        for _, status, _, _ in self.files:
            out[status] = out.get(status, 0) + 1
        return out


class _Loaded:
    """store.against_loaded reads the interchanges loaded before through a cursor: this one answers its
    query from the lake's interchanges (the rows of the control numbers asked for)."""

    def __init__(self, rows: list) -> None:
        self.rows: list = rows
        self.found: list = []

    def execute(self, _query, params):
        wanted = set(params[0])
        self.found = [r for r in self.rows if r[2] in wanted]
        return self

    def fetchall(self):
        return self.found


def _new_run() -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]


def recover(lake: Lake) -> list[str]:
    """Finish the publication of READY runs a killed job left, and drop runs that never got READY.
    Returns the runs published."""
    done = []
    for run in lake.children(lake.path("_staging")):
        staged = lake.path("_staging", run)
        if lake.exists(f"{staged}/_READY"):
            publish(lake, run)
            done.append(run)
        else:
            lake.delete(staged)
    return done


def publish(lake: Lake, run: str) -> None:
    """Move a READY run's data files into raw/ (each renamed after the run), its interchanges and results,
    then its files table: the commit. Each step may be repeated after a kill (moved files are gone from
    staging; a target already there is left)."""
    staged = lake.path("_staging", run)
    for table in (*RAW_TABLES, *HASH_TABLES):
        base = f"{staged}/{table}"
        for source in lake.files_under(base):
            name = source.rsplit("/", 1)[-1]
            if not name.endswith(".parquet"):
                continue
            relative = source[source.index(f"/{table}/") + len(table) + 2 :].rsplit("/", 1)[0]
            relative = "" if relative == name else relative
            folder = "/".join(p for p in (lake.path("raw", table), relative if "=" in relative else "") if p)
            lake.rename(source, f"{folder}/{run}-{name}")
    for meta in ("interchanges", "results", "files"):  # files last: the commit
        parts = [p for p in lake.files_under(f"{staged}/{meta}") if p.endswith(".parquet")]
        target = lake.path(meta, f"{run}.parquet")
        if parts and not lake.exists(target):
            lake.rename(parts[0], target)
    lake.delete(staged)


def hidden_from_spark(name: str) -> bool:
    """Whether Spark's file listing leaves out a file or folder of this name, wherever it meets it and
    even when it is named itself (Hadoop's hidden files: HadoopFSUtils.shouldFilterOutPathName)."""
    left_out = (name.startswith("_") and "=" not in name) or name.startswith(".") or name.endswith("._COPYING_")
    return left_out and not name.startswith(("_common_metadata", "_metadata"))


def listing(lake: Lake, inputs: list[str], staged: str) -> tuple[list[str], dict]:
    """The paths to give Spark's binary file source so that it reads every file the DuckDB loader reads
    (ingest.files.expand: a file named, whatever its name; folders walked, leaving out only names that
    start with '.'), and for a file read from a copy, the copy -> the file's own path.

    Spark leaves out names starting with '_' or '.' (Hadoop's hidden files) wherever it meets them: a
    folder '_old/' under an input is given as an input of its own (Spark lists a folder it is given),
    and a file '_remit.835', which Spark will not read even when named, is copied into the run's
    staging folder under a plain name, read from there and reported under its own path."""
    paths: list[str] = []
    originals: dict = {}

    def copied(path: str) -> None:
        copy = f"{staged}/hidden/{len(originals):06d}.in"
        lake.copy_in(path, copy)
        originals[lake.qualified(copy)] = lake.qualified(path)

    def walk(folder: str) -> None:
        for path, is_folder in lake.walk(folder):
            name = path.rsplit("/", 1)[-1]
            if name.startswith("."):
                continue  # as ingest.files.expand: hidden, left out of a folder's files
            if is_folder:
                if hidden_from_spark(name):
                    paths.append(path)
                walk(path)
            elif hidden_from_spark(name):
                copied(path)

    for given in inputs:
        if lake.is_file(given) and hidden_from_spark(given.rstrip("/").rsplit("/", 1)[-1]):
            copied(given)
        else:
            paths.append(given)
            walk(given)
    return paths + list(originals), originals


def _streamed(spark, paths: list[str], known: frozenset, originals: dict):
    """The envelope of the files too large to read whole: a task each, streaming its file in pieces of
    memory.PIECE_CHARS (read here, when the load runs: the executors' own processes see no change to it)."""
    piece = memory.PIECE_CHARS
    tasks = spark.createDataFrame(spark.sparkContext.parallelize([(p,) for p in paths], len(paths)), "path string")
    return tasks.mapInArrow(lambda it: stream_partition(it, known, originals, piece), _ddl(envelope_schema()))


def packing(task_bytes: int) -> dict:
    """The scan settings that put files into tasks: 0 puts each file in a task of its own; otherwise
    files are packed into tasks of about `task_bytes` (each file counting FILE_COST_BYTES besides its
    size), and no fewer tasks than cores while there are files enough."""
    if not task_bytes:  # a file counts as 128 MB, the most a task takes: one file per task
        return {"spark.sql.files.openCostInBytes": str(128 * 1024 * 1024)}
    return {
        "spark.sql.files.maxPartitionBytes": str(task_bytes),
        "spark.sql.files.openCostInBytes": str(FILE_COST_BYTES),
    }


def load(
    spark,
    inputs: list[str],
    lake_root: str,
    task_bytes: int = TASK_BYTES,
    hash_patient_data: bool = False,
    salt: str | None = None,
    fmt: str | None = None,
    options: ReadOptions | None = None,
) -> Outcome:
    """Load every file under `inputs` (files or folders, any URI) into the lake; idempotent by content.
    Files are read in tasks of about `task_bytes` (0: one file per task). With `hash_patient_data`,
    patient names, member ids and birth dates are stored hashed with the lake's salt (`salt` makes it
    when the lake has none yet), as `python -m analytics load --hash-patient-data` stores them. `fmt`
    names the input format (ingest/formats.py: 'csv claims', 'csv remittances'; else each file's is
    recognised from its bytes, as X12) and `options` go to its reader (a CSV mapping; the claim
    statuses and adjustment groups known, else the shipped lists), as in `python -m analytics load-csv`."""
    if fmt is not None:
        formats.named(fmt)  # ValueError for an unknown one, before anything is read
    lake = Lake(spark, lake_root)
    recover(lake)
    run = _new_run()
    outcome = Outcome(run)
    staged = lake.path("_staging", run)
    clock = time.perf_counter()

    files_meta = lake.read_meta("files")
    known: frozenset = frozenset()
    if files_meta is not None:
        known = frozenset(r[0] for r in files_meta.select("sha256").collect())
    _parse(spark, lake, inputs, staged, known, fmt, options, task_bytes)
    outcome.seconds["read and parse"] = time.perf_counter() - clock
    clock = time.perf_counter()

    envelope_df = spark.read.parquet(f"{staged}/parsed")
    file_rows = [r.asDict() for r in envelope_df.filter("_table = '_file'").select(*(n for n, _ in TAGS)).collect()]
    file_rows.sort(key=lambda r: load_order(r["_path"], inputs))
    outcome.pieces = {r["_path"]: r["_pieces"] for r in file_rows if r["_pieces"] is not None}
    batch_files, results, sources, interchanges = _decide(lake, files_meta, file_rows)
    outcome.files = [(r["path"], r["status"], r["message"], r["kind"]) for r in results]
    outcome.problems = {r["path"]: json.loads(r["problems"]) for r in results if r["problems"]}

    meta_schema = _meta_schemas()
    spark.createDataFrame(results, meta_schema["results"]).coalesce(1).write.parquet(f"{staged}/results")
    spark.createDataFrame(interchanges, meta_schema["interchanges"]).coalesce(1).write.parquet(f"{staged}/interchanges")
    if batch_files:
        # (a run of billed claims only writes no remittance line: the folder holds no Parquet file)
        outcome.lines = _write_tables(spark, lake, staged, envelope_df, batch_files, hash_patient_data, salt)
    spark.createDataFrame(sources, meta_schema["files"]).coalesce(1).write.parquet(f"{staged}/files")
    outcome.seconds["cast, key and write"] = time.perf_counter() - clock
    clock = time.perf_counter()
    lake.delete(f"{staged}/parsed")
    lake.write_text(f"{staged}/_READY", run)
    publish(lake, run)
    outcome.seconds["publish"] = time.perf_counter() - clock
    return outcome


def _parse(spark, lake: Lake, inputs: list[str], staged: str, known: frozenset, fmt, options, task_bytes: int) -> None:
    """Reads and parses every input file into the run's staging folder (parsed/), in tasks of about
    `task_bytes`; files already loaded (`known` contents) are only marked so."""
    from pyspark.sql import functions as F

    paths, originals = listing(lake, inputs, staged)
    raw = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(paths)
    big: list = []
    if fmt is None and all(streamable(p) for p in paths):  # X12 only, as the DuckDB loader streams
        # the length filters reach the source: it reads no content for the first, none of big files for the second
        largest = memory.STREAM_BYTES
        big = [r[0] for r in raw.filter(F.col("length") > largest).select("path").collect()]
        raw = raw.filter(F.col("length") <= largest)
    whole = raw.select("path", "content")
    parsed = whole.mapInArrow(lambda it: parse_partition(it, known, originals, fmt, options), _ddl(envelope_schema()))
    if big:
        parsed = parsed.unionByName(_streamed(spark, big, known, originals))
    settings = packing(task_bytes)
    before = {key: spark.conf.get(key) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        parsed.write.parquet(f"{staged}/parsed")
    finally:
        for key, value in before.items():
            spark.conf.set(key, value)


def _write_tables(spark, lake: Lake, staged: str, envelope_df, batch_files: dict, hash_patient_data: bool, salt):
    """Writes the rows of the files to load into the run's staging folder, typed and keyed as the DuckDB store
    keys them: the rows, then their patient data hashed, then the balance checks. Returns the service lines
    written."""
    from pyspark.sql import functions as F, types as T

    keys = spark.createDataFrame(
        [(p, v["file_id"], *(v[k] for k in SURROGATE_KEYS)) for p, v in batch_files.items()],
        T.StructType(
            [T.StructField("_path", T.StringType()), T.StructField("_file_id", T.IntegerType())]
            + [T.StructField(f"_{k}", T.LongType()) for k in SURROGATE_KEYS]
        ),
    )
    blobs = envelope_df.filter("_table <> '_file'").select("_table", "_path", "_rows")
    body = blobs.join(F.broadcast(keys), "_path").drop("_path")
    problems = [(batch_files[p]["file_id"], *note) for p, notes in _notes(batch_files).items() for note in notes]
    ids = [v["file_id"] for v in batch_files.values()]
    first_id, last_id = min(ids), max(ids)
    plan = finish.hashing(finish.salt(lake, salt), first_id, last_id) if hash_patient_data else None
    bad_frames, frames, decoded = [], {}, []
    for name, table in TARGETS.items():
        typed = _typed(_decoded(body.filter(F.col("_table") == name).drop("_table"), name), table)
        if WARNINGS in typed.columns:  # read by the write, the warnings, the hashing: decoded once
            typed = typed.persist()
            decoded.append(typed)
            bad_frames.append(_warnings(typed))
            typed = typed.drop(WARNINGS)
        if table == "load_diagnostics":
            diagnostics = typed
        else:
            frames[table] = typed
    # as the DuckDB store: the rows, then their patient data hashed, then the balance checks
    for table, frame in (finish.inserted(spark, plan, frames) if plan else {}).items():
        frame.write.parquet(f"{staged}/{table}")
    for table, frame in frames.items():
        (finish.hashed(frame, table, plan) if plan else frame).write.partitionBy(PARTITION).parquet(f"{staged}/{table}")
    extra = spark.createDataFrame(problems, schema_of("load_diagnostics")) if problems else None
    for more in [*bad_frames, *([extra] if extra is not None else [])]:
        diagnostics = diagnostics.unionByName(more)
    if plan:
        diagnostics = finish.hashed(diagnostics, "load_diagnostics", plan)
    written = {table: _staged_table(spark, lake, f"{staged}/{table}", table) for table in frames}
    checked = finish.balance_checks(spark, written, first_id, last_id)
    if checked is not None:
        diagnostics = diagnostics.unionByName(checked)
    diagnostics.write.parquet(f"{staged}/load_diagnostics")
    for typed in decoded:
        typed.unpersist()
    return written["remit_service_lines"].count()


def load_order(path: str, inputs: list[str]) -> tuple:
    """Where a file comes in the DuckDB loader's order (ingest.files.expand), which numbers the files:
    the inputs in the order given, a folder's files (sorted) before its subfolders' (sorted). A path
    under no input as written (a URI Hadoop qualified otherwise) comes after them, by path."""
    for n, given in enumerate(inputs):
        prefix = given.rstrip("/") if "://" in given or given.startswith("file:") else "file:" + os.path.abspath(given)
        if path == prefix:
            return (n, ((0, ""),))
        if path.startswith(prefix + "/"):
            *folders, name = path[len(prefix) + 1 :].split("/")
            return (n, (*((1, f) for f in folders), (0, name)))
    return (len(inputs), ((0, path),))


def _staged_table(spark, lake: Lake, folder: str, table: str):
    """A table the run has written to its staging folder (empty with its columns when it has no rows)."""
    if any(p.endswith(".parquet") for p in lake.files_under(folder)):
        frame = spark.read.option("basePath", folder).parquet(folder)
        return frame.select(*(frame[f.name].cast(f.dataType).alias(f.name) for f in schema_of(table).fields))
    return spark.createDataFrame([], schema_of(table))


def _notes(batch_files: dict) -> dict:
    return {p: v["notes"] for p, v in batch_files.items() if v["notes"]}


def _meta_schemas() -> dict:
    from pyspark.sql import types as T

    files = schema_of("source_files")
    for k in SURROGATE_KEYS:
        files = files.add(k, T.LongType())
    for rows in dict.fromkeys(KEY_COUNTS.values()):
        files = files.add(rows, T.LongType())
    results = T.StructType(
        [
            T.StructField("path", T.StringType()),
            T.StructField("sha256", T.StringType()),
            T.StructField("status", T.StringType()),
            T.StructField("message", T.StringType()),
            T.StructField("kind", T.StringType()),
            T.StructField("file_id", T.IntegerType()),
            T.StructField("counts", T.StringType()),
            T.StructField("problems", T.StringType()),  # JSON [[line, column, message], ...]: a refused CSV's rows
        ]
    )
    return {"files": files, "results": results, "interchanges": schema_of("source_interchanges")}


def _decide(lake: Lake, files_meta, file_rows: list[dict]):
    """Which files of the run to load, their ids and key offsets (as the DuckDB store numbers them),
    and the rows of files, results and interchanges."""
    import datetime

    first_id, offsets, names = _numbering(files_meta)
    results, candidates = _sort_files(file_rows, names)
    loaded = _Loaded(_loaded_before(lake, candidates))
    verdicts = against_loaded(loaded, [item for _, item in candidates]) if candidates else []
    batch_files: dict = {}
    sources: list = []
    interchanges: list = []
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    for (r, item), (verdict, notes) in zip(candidates, verdicts, strict=True):
        if verdict is not None:
            results.append(_result(r, *verdict))
            continue
        file_id = first_id + len(batch_files)
        batch_files[r["_path"]] = {"file_id": file_id, **offsets, "notes": notes}
        sources.append(
            (
                file_id,
                r["_path"].rsplit("/", 1)[-1],
                r["_path"],
                r["_sha256"],
                r["_size"],
                r["_kind"],
                now,
                r["_interchanges"],
                r["_transaction_sets"],
                r["_segments"],
                r["_skipped"],
                *offsets.values(),
                *(item.counts.get(rows, 0) for rows in dict.fromkeys(KEY_COUNTS.values())),
            )
        )
        for sender, control, position, fingerprint in item.interchange_keys:
            interchanges.append((file_id, position, sender, control, fingerprint))
        for k, rows in KEY_COUNTS.items():
            offsets[k] += item.counts.get(rows, 0)
        results.append(
            _result(r, "loaded", f"skipped transaction sets: {r['_skipped']}" if r["_skipped"] else "", file_id)
        )
    results.sort(key=lambda x: x["path"])
    return batch_files, results, sources, interchanges


def _numbering(files_meta) -> tuple[int, dict, dict]:
    """Where the lake's numbering stands: the next file id, each surrogate key's offset, and the names of
    the files loaded by their SHA-256."""
    from pyspark.sql import functions as F

    if files_meta is None:
        return 1, dict.fromkeys(SURROGATE_KEYS, 0), {}
    stats = files_meta.agg(
        F.max("file_id").alias("file_id"), *(F.max(F.col(k) + F.col(r)).alias(k) for k, r in KEY_COUNTS.items())
    ).collect()[0]
    names = {r[0]: r[1] for r in files_meta.select("sha256", "file_name").collect()}
    return (stats["file_id"] or 0) + 1, {k: stats[k] or 0 for k in SURROGATE_KEYS}, names


def _sort_files(file_rows: list[dict], names: dict) -> tuple[list, list]:
    """The results of the files that load nothing (loaded before, twice in the run, failed or skipped) and
    the parsed files still to judge against what is loaded."""
    results: list = []
    candidates: list = []
    seen: dict = {}
    for r in file_rows:
        path, status = r["_path"], r["_status"]
        name = path.rsplit("/", 1)[-1]
        if status == "known" or (status == "parsed" and r["_sha256"] in seen):
            original = names.get(r["_sha256"]) or seen.get(r["_sha256"])
            results.append(_result(r, "already loaded", f"same content as {original}; nothing changed"))
        elif status == "parsed":
            seen[r["_sha256"]] = name
            item = ParsedFile(
                r["_kind"],
                interchange_keys=[tuple(k) for k in json.loads(r["_interchange_keys"] or "[]")],
                counts=json.loads(r["_counts"]),
                path=Path(name),
            )
            candidates.append((r, item))
        else:
            results.append(_result(r, "failed" if status == "failed" else "skipped", r["_message"] or ""))
    return results, candidates


def _loaded_before(lake: Lake, candidates: list) -> list:
    """The interchanges already in the lake under the control numbers the candidates carry."""
    from pyspark.sql import functions as F

    controls = sorted({k[1] for _, item in candidates for k in item.interchange_keys})
    found = lake.read_meta("interchanges") if controls else None
    if found is None:
        return []
    files = lake.read_meta("files").select("file_id", "file_name")
    return [
        tuple(x)
        for x in found.filter(F.col("control_number").isin(controls))
        .join(files, "file_id")
        .select("fingerprint", "sender", "control_number", "file_name")
        .collect()
    ]


def _result(r: dict, status: str, message: str, file_id: int | None = None) -> dict:
    return {
        "path": r["_path"],
        "sha256": r["_sha256"],
        "status": status,
        "message": message,
        "kind": r["_kind"] or "",
        "file_id": file_id,
        "counts": r["_counts"],
        "problems": r["_problems"],
    }


def _decoded(blobs, kind: str):
    """The rows of one kind out of their IPC streams (`blobs`: `_rows` and the tags of each stream's file:
    its id and key offsets), with those tags."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_type

    tags = [pa.field(f.name, to_arrow_type(f.dataType)) for f in blobs.schema if f.name != "_rows"]
    schema = pa.schema([*rows_schema(kind), *tags])
    return blobs.mapInArrow(lambda it: decode_partition(it, kind, schema), _ddl(schema))


def _typed(rows, table: str):
    """The rows of one kind as the table's columns and types (schema.sql), keyed as the DuckDB
    store keys them, with the payment month; where the table has money or dates, also WARNINGS:
    each row's values that did not cast (empty for most rows), worked out in the same pass."""
    from pyspark.sql import functions as F

    names = set(next(cols for kind, cols in TABLES.items() if TARGETS[kind] == table))
    select, checks = [], []
    for name, kind in duckdb_columns()[table]:
        target = spark_type(kind)
        if name == "file_id":
            value = F.col("_file_id")
        elif name in SURROGATE_KEYS and SURROGATE_KEYS[name].seq in names:
            value = F.col(f"_{name}") + F.col(SURROGATE_KEYS[name].seq)
        elif name not in names:
            value = F.lit(None)
        elif kind.startswith("DECIMAL"):
            value = F.expr(f"try_cast(`{name}` AS {target.simpleString()})")
            checks.append((name, value, "a number"))
        elif kind == "DATE":
            value = F.expr(f"CASE WHEN `{name}` RLIKE '^[0-9]{{8}}$' THEN try_to_date(`{name}`, 'yyyyMMdd') END")
            checks.append((name, value, "a date (CCYYMMDD)"))
        else:
            value = F.col(name)
        select.append(value.cast(target).alias(name))
    if table != "load_diagnostics":
        select.append(F.expr("try_to_date(_month, 'yyyyMMdd')").alias(PARTITION))
    if checks:
        found = [
            F.when(
                F.col(name).isNotNull() & cast.isNull(),
                F.format_string(f"{name} '%s' is not {what}; stored as empty", F.col(name)),
            )
            for name, cast, what in checks
        ]
        select.append(F.array_compact(F.array(*found)).alias(WARNINGS))
    return rows.select(*select)


def _warnings(typed):
    """The load_diagnostics rows of a typed frame's WARNINGS."""
    from pyspark.sql import functions as F

    return typed.filter(F.size(WARNINGS) > 0).select(
        F.col("file_id").cast("int").alias("file_id"),
        F.col("segment_position").cast("int").alias("segment_position"),
        F.lit("warning").alias("severity"),
        F.lit(None).cast("string").alias("segment_id"),
        F.explode(WARNINGS).alias("message"),
    )
