"""Demo command benchmark: `python -m analytics demo --lines N` end to end (write the 837 and 835 files, load
them), the code of a baseline revision against this checkout's, alternated in one run.

    python bench/demo.py --lines 100000 1000000 --rounds 2              # baseline: d1b7c38 (before issue 19)
    python bench/demo.py --lines 1000000 --baseline HEAD~3 --variant "--shards 2" --code HEAD

The baseline's analytics/ is taken from git (`git archive`) into bench/work/ (git-ignored) and run from there,
and so is this checkout's when --code names a revision (else the working tree: do not edit it during a run);
each run is a fresh process writing to a fresh folder under bench/work/ (deleted after). For each run it
prints the wall time, the command's own split (writing, loading; for a sharded history loaded while it is
written, writing is the time until the last file and loading the time after), the CPU seconds of the
command and its processes, the load average before and after, and lines per second. The machine is shared:
compare the ratios within one run (medians over the rounds), not figures across runs. Generating the
files alone: `--write-only` times Generator.write in one process, without loading.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
BASELINE = "d1b7c38"  # before issue 19's changes to the demo command
LINE = re.compile(r"(\d+) service lines\).* in ([\d.]+) s and loaded them into .* in ([\d.]+) s")
WRITE_ONLY = (
    "import sys, time; from pathlib import Path; from analytics.demo import Generator; "
    "t = time.perf_counter(); s = Generator(months=24, lines=int(sys.argv[1])).write(Path(sys.argv[2])); "
    "print(f'({s.lines} service lines) in {time.perf_counter() - t:.1f} s and loaded them into - in 0 s')"
)


def tree(revision: str) -> Path:
    """A folder holding the revision's analytics/ (and data/, queries/ it reads), extracted once."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    folder = WORK / f"demo-code-{commit}"
    if not (folder / "analytics").is_dir():
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit, "analytics", "data", "queries"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
    return folder


def run(code: Path, lines: int, extra: list[str], write_only: bool) -> dict:
    scratch = WORK / f"demo-run-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    if write_only:
        command = [sys.executable, "-c", WRITE_ONLY, str(lines), str(scratch / "files")]
    else:
        command = [sys.executable, "-m", "analytics", "demo", "--lines", str(lines)]
        command += ["--db", str(scratch / "demo.duckdb"), "--out", str(scratch / "files"), *extra]
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=code, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(scratch, ignore_errors=True)
    found = LINE.search(done.stdout)
    if done.returncode or not found:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-2000:]}")
    return {
        "wall": wall,
        "lines": int(found[1]),
        "writing": float(found[2]),
        "loading": float(found[3]),
        "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "load": (load_before, os.getloadavg()[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, nargs="+", default=[100_000])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision to compare with (default {BASELINE})")
    parser.add_argument(
        "--code", help="git revision of the code measured against the baseline (default: the working tree)"
    )
    parser.add_argument("--variant", action="append", default=None, help='extra demo options, e.g. "--shards 2"')
    parser.add_argument("--write-only", action="store_true", help="time writing the files only (one process)")
    args = parser.parse_args()
    variants = [
        ("baseline", tree(args.baseline), []),
        *(("this", tree(args.code) if args.code else ROOT, (v or "").split()) for v in (args.variant or [""])),
    ]
    for lines in args.lines:
        results: dict[str, list[dict]] = {}
        for r in range(args.rounds):
            for name, code, extra in variants:
                label = f"{name} {' '.join(extra)}".strip()
                got = run(code, lines, extra, args.write_only)
                results.setdefault(label, []).append(got)
                print(
                    f"{lines:>9} lines  round {r + 1}  {label:<24} {got['wall']:7.1f} s wall  "
                    f"(writing {got['writing']:6.1f} s, loading {got['loading']:6.1f} s)  cpu {got['cpu']:7.1f} s  "
                    f"{got['lines'] / got['wall']:7.0f} lines/s  load {got['load'][0]:.1f} -> {got['load'][1]:.1f}",
                    flush=True,
                )
        base = statistics.median(g["wall"] for g in results[variants[0][0]])
        for label, got in results.items():
            wall = statistics.median(g["wall"] for g in got)
            writing = statistics.median(g["writing"] for g in got)
            cpu = statistics.median(g["cpu"] for g in got)
            per_line = wall / statistics.median(g["lines"] for g in got)
            print(
                f"{lines:>9} lines  median  {label:<24} {wall:7.1f} s wall ({base / wall:4.2f}x the baseline), "
                f"writing {writing:6.1f} s, cpu {cpu:7.1f} s; at this rate 10M lines: {per_line * 1e7 / 60:5.1f} min"
            )


if __name__ == "__main__":
    main()
