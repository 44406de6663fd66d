"""Spark load benchmark: demo service lines loaded on Spark local mode with 1 and 2 cores, against the
DuckDB loader on the same files (docs/scale.md has the figures and the projection to 1 billion lines).

    python bench/spark.py [--lines 1000000] [--months 24] [--input FOLDER] [--cores 1 2]
                          [--task-mb 0 16] [--repeat 3] [--no-duckdb] [--build]

Writes a demo history (analytics/demo.py, sharded) once into bench/work/spark-<lines>/ (or takes the
files of --input), then per run a fresh lake, the contenders alternating round by round (medians at the
end; --task-mb 0 is the one-file-per-task load): prints lines/s end to end and where the time went
(Spark's read and parse in the executors, the cast, key and write of the tables, the publish; with
--build the SQL graph of the denials), and the DuckDB loader's lines/s (read, parse, store with every
check, the after-load step).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
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


def duckdb_run(files: Path) -> tuple[float, int]:
    """Seconds and service lines of the DuckDB loader on `files` (a fresh database)."""
    with tempfile.TemporaryDirectory() as tmp:
        clock = time.perf_counter()
        con = database.connect(Path(tmp) / "bench.duckdb")
        loader.load_paths(con, [files])
        seconds = time.perf_counter() - clock
        lines = con.execute("SELECT count(*) FROM remit_service_lines").fetchall()[0][0]
        con.close()
        return seconds, lines


def cpu_seconds(pid: int) -> tuple[float, dict]:
    """CPU seconds (user and system) so far of the JVM `pid`, and of each of its Python processes (its
    descendants) by process id, from /proc: they do not depend on the load from other work. PySpark's
    daemon ignores SIGCHLD: a worker's CPU is counted nowhere once it exits."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict = {}
    stats: dict = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        stats[int(entry.name)] = int(fields[11]) + int(fields[12])  # utime, stime
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    python, todo = {}, list(children.get(pid, []))
    while todo:
        child = todo.pop()
        python[child] = stats[child] / tick
        todo += children.get(child, [])
    return stats.get(pid, 0) / tick, python


def spark_run(files: Path, cores: int, build: bool, task_mb: float) -> dict:
    """In a process of its own: one SparkSession per run (its start is not counted). The CPU seconds of
    the JVM and the Python workers are sampled every 0.2 s (a worker that exits counts with its last
    sample): those at the end of the read and parse stage are the nearest sample's."""
    code = f"""
import time, tempfile, json, shutil, threading
from analytics.spark import session, load, sql
from bench.spark import cpu_seconds
spark = session.start("local[{cores}]", shuffle_partitions={max(2, cores * 2)})
root = tempfile.mkdtemp(prefix="bench-lake-")
jvm = spark.sparkContext._gateway.proc.pid
samples, workers, done = [], {{}}, threading.Event()
def sample():
    while not done.is_set():
        jvm_cpu, found = cpu_seconds(jvm)
        workers.update(found)
        samples.append((time.perf_counter(), jvm_cpu, sum(workers.values())))
        done.wait(0.2)
thread = threading.Thread(target=sample, daemon=True)
thread.start()
clock = time.perf_counter()
outcome = load.load(spark, [{str(files)!r}], root, task_bytes=int({task_mb} * 2**20))
seconds = dict(outcome.seconds)
seconds["total load"] = time.perf_counter() - clock
done.set()
thread.join()
start = samples[0]
parsed = min(samples, key=lambda s: abs(s[0] - clock - seconds["read and parse"]))
cpu = {{
    "read and parse": [parsed[1] - start[1], parsed[2] - start[2]],
    "total load": [samples[-1][1] - start[1], samples[-1][2] - start[2]],
}}
if {build}:
    clock = time.perf_counter()
    builder = sql.build(spark, root, ("denials",))
    seconds["SQL (denials and what it needs)"] = time.perf_counter() - clock
shutil.rmtree(root, ignore_errors=True)
print(json.dumps({{"lines": outcome.lines, "seconds": seconds, "cpu": cpu}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    total = result["seconds"]["total load"]
    packing = f"{task_mb:g} MB per task" if task_mb else "one file per task"
    print(
        f"spark local[{cores}], {packing}: {result['lines']:,} lines in {total:.1f} s"
        f" = {result['lines'] / total:,.0f} lines/s",
        flush=True,
    )
    for step, seconds in result["seconds"].items():
        print(f"    {step}: {seconds:.1f} s", flush=True)
    for step, (jvm, python) in result["cpu"].items():
        print(f"    CPU of {step}: JVM {jvm:.1f} s, Python workers {python:.1f} s", flush=True)
    print(f"    load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--input", type=Path, help="load these files instead of writing a demo history")
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--task-mb", type=float, nargs="+", default=[16], help="MB of files per Spark task (0: one file per task)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds, each contender once per round, alternating")
    parser.add_argument("--no-duckdb", dest="duckdb", action="store_false", help="skip the DuckDB loader")
    parser.add_argument("--build", action="store_true", help="also time the SQL graph of the denials")
    args = parser.parse_args()
    files = args.input or history(args.lines, args.months)
    found = [p for p in files.rglob("*") if p.is_file()]
    print(f"input: {len(found):,} files, {sum(p.stat().st_size for p in found) / 1e6:.1f} MB in {files}", flush=True)
    totals: dict = {}
    for _ in range(args.repeat):
        if args.duckdb:
            seconds, lines = duckdb_run(files)
            print(f"duckdb loader: {lines:,} lines in {seconds:.1f} s = {lines / seconds:,.0f} lines/s", flush=True)
            totals.setdefault("duckdb loader", []).append((seconds, lines))
        for cores in args.cores:
            for task_mb in args.task_mb:
                result = spark_run(files, cores, args.build, task_mb)
                packing = f"{task_mb:g} MB per task" if task_mb else "one file per task"
                name = f"spark local[{cores}], {packing}"
                totals.setdefault(name, []).append((result["seconds"]["total load"], result["lines"]))
    print("medians:")
    base = statistics.median(s for s, _ in totals["duckdb loader"]) if "duckdb loader" in totals else None
    for name, runs in totals.items():
        seconds, lines = statistics.median(s for s, _ in runs), runs[0][1]
        ratio = f", {seconds / base:.1f}x the DuckDB loader's time" if base and name != "duckdb loader" else ""
        print(f"  {name}: {seconds:.1f} s over {len(runs)} run(s) = {lines / seconds:,.0f} lines/s{ratio}")


if __name__ == "__main__":
    main()
