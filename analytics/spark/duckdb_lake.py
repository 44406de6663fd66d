"""The dashboard on the lake (DENIALS_LAKE=PATH): a small DuckDB file whose relations read the lake's
Parquet through read_parquet, so the pages and their SQL run unchanged; loads stay on Spark.

The file has the whole schema (tables, views, macros, reference tables) of a new database; then each
loaded table becomes a view over the data files of the lake's committed runs, source_files a view
over its files table, and every table of the newest committed build (marts/<build>/) a view over its
folder; the after-load tables the build does not make (line_matches, flagged_lines, recovery_rates,
the change findings) are made by DuckDB in the file, with the same SQL, from those views (`derived.build_missing`).
It is made once per build, in var/, and reads a lake on this machine's file system (DuckDB
reads object stores only through an extension it downloads: mount the bucket, or copy the marts).
Imports no pyspark.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from analytics import database, derived
from analytics.spark.lake import RAW_TABLES, duckdb_columns, local_mart_paths

# Loaded tables whose rowid the SQL reads (queries/staging/remarks.sql: the order remark codes were sent,
# several sharing a segment): a view has no rowid, so these are copied into the file, in the order the
# DuckDB loader's rowid orders them within a claim: by file, by segment, then as the lake's Parquet keeps them.
ROWID_TABLES = ("remit_remarks",)


def _quote(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def database_for(root: str) -> Path:
    """The DuckDB file that reads the lake at `root` (made when its newest build is new)."""
    base = Path(root.removeprefix("file://").removeprefix("file:"))
    marts = local_mart_paths(str(base))
    runs = sorted(p.stem for p in (base / "files").glob("*.parquet"))
    key = hashlib.sha256(f"{base.resolve()}|{sorted(marts.items())}|{runs}".encode()).hexdigest()[:16]
    target = database.PROJECT_ROOT / "var" / f"lake-{key}.duckdb"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    part.unlink(missing_ok=True)
    con = database.connect(part)
    try:
        kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())

        def replace(name: str, select: str, kind: str = "VIEW") -> None:
            if name in kinds:
                con.execute(f"DROP {'VIEW' if kinds[name] == 'VIEW' else 'TABLE'} {name}")
            con.execute(f"CREATE {kind} {name} AS {select}")

        prefixes = tuple(f"{run}-" for run in runs)
        for table in RAW_TABLES:
            files = sorted(str(p) for p in (base / "raw" / table).rglob("*.parquet") if p.name.startswith(prefixes))
            columns = ", ".join(f"{c}::{k} AS {c}" for c, k in duckdb_columns()[table])
            if files:
                listed = "[" + ", ".join(map(_quote, files)) + "]"
                if table in ROWID_TABLES:
                    options = "hive_partitioning = false, filename = true, file_row_number = true"
                    select = f"SELECT {columns} FROM read_parquet({listed}, {options})"
                    replace(table, f"{select} ORDER BY file_id, segment_position, filename, file_row_number", "TABLE")
                else:
                    replace(table, f"SELECT {columns} FROM read_parquet({listed}, hive_partitioning = false)")
        if runs:
            columns = ", ".join(f"{c}::{k} AS {c}" for c, k in duckdb_columns()["source_files"])
            listed = "[" + ", ".join(_quote(str(base / "files" / f"{r}.parquet")) for r in runs) + "]"
            replace("source_files", f"SELECT {columns} FROM read_parquet({listed})")
        for name, folder in marts.items():
            if name != "source_files":
                replace(name, f"SELECT * FROM read_parquet({_quote(folder + '/*.parquet')})")
        if marts:
            derived.build_missing(con, set(marts))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(part, target)
    part.with_name(part.name + ".wal").unlink(missing_ok=True)
    return target
