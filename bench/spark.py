"""Spark load benchmark: demo service lines loaded on Spark local mode with 1 and 2 cores, against the
DuckDB loader on the same files (docs/scale.md has the figures and the projection to 1 billion lines).

    python bench/spark.py [--lines 1000000] [--months 24] [--cores 1 2] [--build]

Writes a demo history (analytics/demo.py, sharded) once into bench/work/spark-<lines>/, then per run a
fresh lake: prints lines/s end to end and where the time went (Spark's read and parse in the executors,
the cast, key and write of the tables, the publish; with --build the SQL graph of the denials), and the
DuckDB loader's lines/s (read, parse, store with every check, the after-load step).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import database, demo, loader  # noqa: E402

WORK = ROOT / "bench" / "work"


def history(lines: int, months: int) -> Path:
    folder = WORK / f"spark-{lines}"
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        demo.generate(folder / "files", months=months, lines=lines, seed=1, shards=max(1, min(8, lines // 100_000)))
        (folder / "done").write_text("ok")
    return folder / "files"


def duckdb_run(files: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        clock = time.perf_counter()
        con = database.connect(Path(tmp) / "bench.duckdb")
        loader.load_paths(con, [files])
        con.close()
        return time.perf_counter() - clock


def spark_run(files: Path, cores: int, build: bool) -> None:
    """In a process of its own: one SparkSession per core count."""
    code = f"""
import time, tempfile, json
from analytics.spark import session, load, sql
spark = session.start("local[{cores}]", shuffle_partitions={max(2, cores * 2)})
root = tempfile.mkdtemp(prefix="bench-lake-")
clock = time.perf_counter()
outcome = load.load(spark, [{str(files)!r}], root)
seconds = dict(outcome.seconds)
seconds["total load"] = time.perf_counter() - clock
if {build}:
    clock = time.perf_counter()
    builder = sql.build(spark, root, ("denials",))
    seconds["SQL (denials and what it needs)"] = time.perf_counter() - clock
print(json.dumps({{"lines": outcome.lines, "seconds": seconds}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    import json

    result = json.loads(out.stdout.strip().splitlines()[-1])
    total = result["seconds"]["total load"]
    print(f"spark local[{cores}]: {result['lines']:,} lines in {total:.1f} s = {result['lines'] / total:,.0f} lines/s")
    for step, seconds in result["seconds"].items():
        print(f"    {step}: {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--build", action="store_true", help="also time the SQL graph of the denials")
    args = parser.parse_args()
    files = history(args.lines, args.months)
    size = sum(p.stat().st_size for p in files.rglob("*") if p.is_file())
    print(f"input: {args.lines:,} demo lines asked, {size / 1e6:.1f} MB in {files}")
    seconds = duckdb_run(files)
    print(f"duckdb loader: {seconds:.1f} s = {args.lines / seconds:,.0f} lines/s (asked lines)")
    for cores in args.cores:
        spark_run(files, cores, args.build)


if __name__ == "__main__":
    main()
