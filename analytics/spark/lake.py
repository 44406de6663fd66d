"""The lake: Parquet under one root (a local folder or any URI Hadoop can write: s3a://, abfss://, hdfs://).

Layout (docs/scale.md):

    raw/<table>/payment_month=YYYY-MM-01/<run>-part-*.parquet   the loaded tables (schema.sql's columns)
    raw/load_diagnostics/<run>-part-*.parquet                    what the readers, the load and the checks noticed
    raw/bill_birth_date_hashes/<run>-part-*.parquet              birth dates hashed (--hash-patient-data)
    meta/patient_data_salt       the salt of the lake's patient data hashes (made once)
    files/<run>.parquet          source_files of the run, keyed by SHA-256, with each file's key offsets
    interchanges/<run>.parquet   source_interchanges of the run
    results/<run>.parquet        what became of every file the run saw (loaded, already loaded, failed...)
    marts/<build>/<name>/        the staging and marts tables built on Spark; marts/<build>/_COMMITTED
    _staging/<run>/              a run being written: nothing there is read

A run writes everything under _staging/<run>/, then marks it _READY, moves its data files into raw/
(named after the run) and finally moves its files table into files/: that last rename is the commit.
Readers take only the data files of committed runs, so a run killed at any point shows nothing, and
the next run finishes a READY run's publication (or drops an unready one) before it starts.
"""

from __future__ import annotations

import functools
import json
import os

import duckdb

from analytics.database import sql
from analytics.ingest.store import TARGETS

# the loaded tables, one per kind of row of the reader contract (ingest.store.TARGETS, in its order)
RAW_TABLES = tuple(TARGETS.values())
PARTITION = "payment_month"


@functools.cache
def duckdb_columns(table: str | None = None) -> dict:
    """Table -> [(column, DuckDB type)] of queries/schema.sql: the lake's tables have these columns."""
    con = duckdb.connect()
    try:
        con.execute(sql("schema"))
        found = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " ORDER BY table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    out: dict = {}
    for name, column, kind in found:
        out.setdefault(name, []).append((column, kind))
    return out


def spark_type(kind: str):
    """A DuckDB type as its Spark type (money keeps its DECIMAL precision and scale)."""
    from pyspark.sql import types as T

    kind = kind.upper()
    if kind.endswith("[]"):
        return T.ArrayType(spark_type(kind[:-2]))
    if kind.startswith("DECIMAL"):
        precision, scale = (int(x) for x in kind[kind.index("(") + 1 : -1].split(","))
        return T.DecimalType(precision, scale)
    simple = {
        "VARCHAR": T.StringType(),
        "INTEGER": T.IntegerType(),
        "BIGINT": T.LongType(),
        "TINYINT": T.ByteType(),
        "SMALLINT": T.ShortType(),
        "BOOLEAN": T.BooleanType(),
        "DATE": T.DateType(),
        "TIMESTAMP": T.TimestampNTZType(),
        "DOUBLE": T.DoubleType(),
        "FLOAT": T.FloatType(),
        "HUGEINT": T.DecimalType(38, 0),
    }
    return simple[kind]


def schema_of(table: str):
    """The Spark schema of a loaded table."""
    from pyspark.sql import types as T

    return T.StructType([T.StructField(c, spark_type(k), True) for c, k in duckdb_columns()[table]])


def local_path(path: str) -> str | None:
    """The local file system path of a path or file: URI, else None (another file system)."""
    if path.startswith("file://"):
        return path[len("file://") :]
    if path.startswith("file:"):
        return path[len("file:") :]
    return None if "://" in path else path


# A file the load streams is opened by its task (`opened`): a file: path directly, a URI of these schemes
# through pyarrow's file system for it (credentials from the environment, not from Spark's Hadoop
# settings; nothing is installed at run time). Under any other scheme (s3a://, hdfs://, ...) files are
# read whole through Spark (up to 2 GB each).
PYARROW_SCHEMES = ("s3", "gs", "gcs", "abfs", "abfss")


def streamable(path: str) -> bool:
    """Whether a task can open the files under this path itself to stream them."""
    return local_path(path) is not None or path.split("://", 1)[0] in PYARROW_SCHEMES


def opened(path: str):
    """A file under a streamable path, opened to read its bytes."""
    local = local_path(path)
    if local is not None:
        return open(local, "rb")
    from pyarrow import fs

    system, inner = fs.FileSystem.from_uri(path)
    return system.open_input_stream(inner)


class Lake:
    """Paths and file operations under the lake's root, through Hadoop's FileSystem (any URI Spark reads)."""

    def __init__(self, spark, root: str) -> None:
        self.spark = spark
        self.root = root.rstrip("/")
        jvm = spark.sparkContext._jvm
        self._Path = jvm.org.apache.hadoop.fs.Path
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()

    def path(self, *parts: str) -> str:
        return "/".join((self.root, *parts))

    def _fs(self, path: str):
        p = self._Path(path)
        return p, p.getFileSystem(self._conf)

    def exists(self, path: str) -> bool:
        p, fs = self._fs(path)
        return bool(fs.exists(p))

    def delete(self, path: str) -> None:
        p, fs = self._fs(path)
        if fs.exists(p):
            fs.delete(p, True)

    def rename(self, source: str, target: str) -> bool:
        s, fs = self._fs(source)
        t = self._Path(target)
        fs.mkdirs(t.getParent())
        return bool(fs.rename(s, t))

    def children(self, path: str) -> list[str]:
        """Names directly under path (none when it does not exist)."""
        p, fs = self._fs(path)
        if not fs.exists(p):
            return []
        return sorted(str(s.getPath().getName()) for s in fs.listStatus(p))

    def files_under(self, path: str) -> list[str]:
        """Every file under path, recursively, as full paths."""
        p, fs = self._fs(path)
        if not fs.exists(p):
            return []
        found, it = [], fs.listFiles(p, True)
        while it.hasNext():
            found.append(str(it.next().getPath().toString()))
        return sorted(found)

    def qualified(self, path: str) -> str:
        """The path as Spark's file sources name it (file:/abs/... for a local one)."""
        p, fs = self._fs(path)
        return str(fs.makeQualified(p).toString())

    def walk(self, path: str):
        """(qualified path, is_folder) of each entry directly under path, by name; [] when it is a file
        or does not exist."""
        local = local_path(path)
        if local is not None:  # without a round trip to the JVM per entry (1 ms each: 3 s for 3,000 files)
            if not os.path.isdir(local):
                return []
            with os.scandir(local) as entries:
                found = [("file:" + os.path.abspath(e.path), e.is_dir()) for e in entries]
        else:
            p, fs = self._fs(path)
            if not fs.exists(p) or not fs.getFileStatus(p).isDirectory():
                return []
            found = [(str(s.getPath().toString()), bool(s.isDirectory())) for s in fs.listStatus(p)]
        return sorted(found, key=lambda f: f[0].rsplit("/", 1)[-1])

    def is_file(self, path: str) -> bool:
        p, fs = self._fs(path)
        return bool(fs.exists(p)) and bool(fs.getFileStatus(p).isFile())

    def copy_in(self, source: str, target: str) -> None:
        """Copy a file (from any file system Hadoop reads) to a path under the lake."""
        s, source_fs = self._fs(source)
        t, target_fs = self._fs(target)
        jvm = self.spark.sparkContext._jvm
        if not jvm.org.apache.hadoop.fs.FileUtil.copy(source_fs, s, target_fs, t, False, True, self._conf):
            raise OSError(f"could not copy {source} to {target}")

    def write_text(self, path: str, text: str) -> None:
        p, fs = self._fs(path)
        out = fs.create(p, True)
        try:
            out.write(bytearray(text.encode()))
        finally:
            out.close()

    def read_text(self, path: str) -> str:
        p, fs = self._fs(path)
        stream = fs.open(p)
        try:
            reader = self.spark.sparkContext._jvm.java.io.BufferedReader(
                self.spark.sparkContext._jvm.java.io.InputStreamReader(stream)
            )
            lines = []
            while (line := reader.readLine()) is not None:
                lines.append(line)
            return "\n".join(lines)
        finally:
            stream.close()

    # -- committed runs ----------------------------------------------------------------------------

    def committed_runs(self) -> list[str]:
        return [n[: -len(".parquet")] for n in self.children(self.path("files")) if n.endswith(".parquet")]

    def read_meta(self, name: str, schema=None):
        """files, interchanges or results of every committed run (empty with `schema` when none)."""
        paths = [self.path(name, f"{run}.parquet") for run in self.committed_runs()]
        paths = [p for p in paths if self.exists(p)]
        if not paths:
            return self.spark.createDataFrame([], schema) if schema is not None else None
        return self.spark.read.parquet(*paths)

    def read_raw(self, table: str):
        """A loaded table: the data files of committed runs only, with schema.sql's columns and types."""
        runs = tuple(f"{run}-" for run in self.committed_runs())
        base = self.path("raw", table)
        paths = [p for p in self.files_under(base) if p.rsplit("/", 1)[-1].startswith(runs) and p.endswith(".parquet")]
        schema = schema_of(table)
        if not paths:
            return self.spark.createDataFrame([], schema)
        frame = self.spark.read.option("basePath", base).parquet(*paths)
        return frame.select(*(frame[f.name].cast(f.dataType).alias(f.name) for f in schema.fields))

    # -- marts builds --------------------------------------------------------------------------------

    def current_build(self) -> str | None:
        builds = [b for b in self.children(self.path("marts")) if self.exists(self.path("marts", b, "_COMMITTED"))]
        return builds[-1] if builds else None

    def mart_paths(self) -> dict:
        """Name -> folder of each table of the current build (read by the dashboard through DuckDB)."""
        build = self.current_build()
        if build is None:
            return {}
        return json.loads(self.read_text(self.path("marts", build, "_COMMITTED")))


def local_mart_paths(root: str) -> dict:
    """Name -> local folder of each table of the newest committed build of a lake on this machine's
    file system, read without Spark (the dashboard's DuckDB reads it: DENIALS_LAKE)."""
    from pathlib import Path

    base = Path(root.removeprefix("file://").removeprefix("file:")) / "marts"
    builds = sorted(p for p in base.glob("*/_COMMITTED")) if base.is_dir() else []
    if not builds:
        return {}
    written = json.loads(builds[-1].read_text())  # name -> its folder (an updated table's is NAME.1)
    return {name: str(builds[-1].parent / folder.rstrip("/").rsplit("/", 1)[-1]) for name, folder in written.items()}
