"""Memory benchmark: peak memory of a load, per input shape, against a small file.

    python bench/memory.py [--shapes many,tiny,huge] [--mb 500] [--many 6] [--many-mb 0] [--tiny-claims 1000000]
                           [--baseline-mb 5] [--whole-mb 0] [--keep]

Each input is loaded into a fresh database by the command line (`python -m analytics --db X load ...`)
in a child process. Its peak memory is that of the whole process tree (the loader and its parsing
workers, sampled from /proc every 20 ms: their proportional set sizes, shared pages counted once), with
the largest single process's ru_maxrss beside it; and its wall time. Shapes:

- many: `--many` files each just under the streaming threshold (ingest.memory.STREAM_BYTES less 2%; `--many-mb`
  sets another size), parsed whole in worker processes: the shape where parse-ahead multiplies memory;
- tiny: one file of `--tiny-claims` claims of a few segments each (about 30 bytes a claim): the shape
  where rows, not bytes, take the memory;
- huge: one `--mb` MB file (streamed: read and inserted in pieces within one transaction).

Files are built by repeating the interchanges of a demo history (analytics.demo), each copy with its
own interchange control number (ISA13 / IEA02), and a small file (the first few MB of the same
interchanges) as the baseline. Target: under 1 GB on every shape (README, Benchmark).

--whole-mb N also loads an N MB file with streaming switched off (the file read whole, as before),
to show what streaming saves.

Measured on 2 shared cores, 24 GB (December 2026; peak of the process tree, then seconds, which vary
with the machine's other load: the runs after shared it with test runs):

    shape                                  before (64 MB threshold,     after (8 MB threshold, 32 MB of
                                           2 x cores + 2 files ahead,   input ahead, DuckDB at 512 MB
                                           DuckDB at 1 GB streaming)    for the whole load)
    six 66 MB files (under the old         3,762 MB  105 s             801 MB  222 s (now streamed)
      threshold)
    six 8 MB files (under the new one)     -                            703 MB   26 s
    1M tiny claims, one 22 MB file         1,371 MB   17 s             715 MB   31 s (now streamed)
    one 500 MB file                        1,363 MB  271 s             831 MB  440 s
    baseline, one 5 MB file                  292 MB    2 s             276 MB    4 s

The largest unit of memory left is a file parsed whole: its rows take 10 times its size, 60 times for
claims of a single segment. Four 7.6 MB files of tiny claims (1.4M claims), two parsed at once, peak at
1,003 MB (1,671 MB before the DuckDB cap): the one shape measured at the 1 GB target. A lower threshold
would stream more files, one at a time, where workers parse them in parallel.
Twelve 8 MB files (--many 12): 994 MB with 16 MB transactions; 1,094 MB with 32 MB ones and 32 MB parsed ahead;
1,000 MB with 32 MB transactions and 24 MB ahead, the setting since (December 2026).
The rebuild after a load may hold what the database takes on disk (ingest.memory.rebuild_memory, up to 2 GB):
on a quiet machine (December 7), 650a0fc before it, then a fixed 2 GB, then the rule kept: baseline 405 / 394 /
403 MB, six 8 MB files 956 / 992 / 988 MB, 1M tiny claims 741 / 1,079 / 751 MB, one 500 MB file 892 / 2,510 /
891 MB (117.7 / 111.8 / 119.1 s): these databases are under 512 MB on disk, so their peaks stay.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import demo  # noqa: E402

_ISA = re.compile(r"ISA(.)(?:[^~\n]*?\1){12}")  # up to the separator before ISA13


def interchanges(folder: Path) -> list[str]:
    """The demo's 835 interchanges (one per file), in file order."""
    found = []
    for path in sorted(folder.rglob("*.835")):
        text = path.read_text().lstrip("\ufeff \r\n")
        if text.startswith("ISA"):
            found.append(text if text.endswith("\n") else text + "\n")
    return found


def renumber(text: str, control: int) -> str:
    """The interchange with ISA13 and IEA02 set to `control` (9 digits)."""
    head = _ISA.match(text)
    number = f"{control:09d}"
    old = text[head.end() : head.end() + 9]
    text = text[: head.end()] + number + text[head.end() + 9 :]
    return text[: text.rindex("IEA")] + text[text.rindex("IEA") :].replace(old, number)


def build(parts: list[str], target: int, path: Path, first_control: int = 1) -> int:
    """Write interchanges round after round until `target` bytes; returns the bytes written."""
    written, control = 0, first_control
    with open(path, "w") as f:
        while written < target:
            for part in parts:
                chunk = renumber(part, control)
                f.write(chunk)
                written += len(chunk.encode())
                control += 1
                if written >= target:
                    break
    return written


def tiny_claims(count: int, path: Path) -> int:
    """An 835 of `count` claims of one CLP segment each (sets of 1,000 claims), about 30 bytes a claim;
    returns the bytes written."""
    isa = (
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240315*1200*^*00501*"
        "000000001*0*P*:~GS*HP*SENDER*RECEIVER*20240315*1200*1*X*005010X221A1~"
    )
    sets = (count + 999) // 1000
    with open(path, "w") as f:
        f.write(isa)
        for s in range(sets):
            f.write(
                f"ST*835*{s:04d}~BPR*I*0*C*NON************20240315~TRN*1*T{s}*1512345678~"
                "N1*PR*ACME~N1*PE*CLINIC*XX*1234567893~"
            )
            claims = range(s * 1000, min(count, s * 1000 + 1000))
            f.write("".join(f"CLP*{n}*4*10*0**12~" for n in claims))
            f.write(f"SE*{len(claims) + 6}*{s:04d}~")
        f.write(f"GE*{sets}*1~IEA*1*000000001~")
    return path.stat().st_size


def _tree_memory(root: int) -> int:
    """Memory of `root` and every process below it, from /proc: their proportional set sizes (PSS: a
    page shared by a forked worker and the loader counts once in all, not once per process)."""
    children: dict = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += next(int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration):
            pass  # ended meanwhile
    return total


def measure(paths: list[Path], db: Path, stream: bool = True) -> tuple[float, float, float, str]:
    """Peak memory of the process tree and of its largest process (MB), and seconds, of loading `paths`
    into a fresh database `db`, in a child process."""
    names = [str(p) for p in paths]
    if stream:
        args = [sys.executable, "-m", "analytics", "--db", str(db), "load", *names]
    else:
        args = [
            sys.executable,
            "-c",
            "import sys; from analytics.ingest import memory; memory.STREAM_BYTES = 1 << 62;"
            " from analytics.__main__ import main; sys.exit(main(sys.argv[1:]))",
            "--db",
            str(db),
            "load",
            *names,
        ]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=err, text=True)
        peak, status = 0, None
        while status is None:
            pid, code, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(code)
                break
            peak = max(peak, _tree_memory(child.pid))
            time.sleep(0.02)
        child.returncode = status
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        text = out.read()
        if status != 0:
            raise SystemExit(f"loading {names} failed:\n{text}\n{err.read()}")
    # ru_maxrss from wait4: the largest single process of the tree (the loader, or a worker it waited for)
    return peak / 1e6, usage.ru_maxrss / 1024, seconds, text.strip().splitlines()[-1]


def main() -> int:
    from analytics.ingest import memory

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="many,tiny,huge", help="which shapes to load (default many,tiny,huge)")
    parser.add_argument("--mb", type=float, default=500.0, help="size of the huge file in MB (default 500)")
    parser.add_argument("--many", type=int, default=6, help="how many files in the shape `many` (default 6)")
    parser.add_argument(
        "--many-mb",
        type=float,
        default=0.0,
        help="size of each of them in MB (default: 2%% under the streaming threshold)",
    )
    parser.add_argument("--tiny-claims", type=int, default=1_000_000, help="claims in the shape `tiny` (default 1M)")
    parser.add_argument("--baseline-mb", type=float, default=5.0, help="size of the baseline file in MB (default 5)")
    parser.add_argument(
        "--whole-mb",
        type=float,
        default=0.0,
        help="also load a file of this size read whole, streaming off (default: skip)",
    )
    parser.add_argument("--work", type=Path, help="folder for the files and databases (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    shapes = args.shapes.split(",")

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        demo.generate(work / "demo", months=6, lines=20_000, seed=1)
        parts = interchanges(work / "demo")
        small = work / "small.835"
        small_size = build(parts, int(args.baseline_mb * 1e6), small, first_control=900_000_001)
        print(f"demo interchanges: {len(parts)}, built in {time.perf_counter() - started:.0f} s", flush=True)

        def report(label: str, size: int, paths: list, db: str, stream: bool = True) -> float:
            tree, alone, seconds, line = measure(paths, work / db, stream)
            print(
                f"{label:<34} {size / 1e6:7.1f} MB: peak {tree:6.0f} MB (largest process {alone:6.0f} MB),"
                f" {seconds:6.1f} s, {size / 1e6 / seconds:5.1f} MB/s  ({line})",
                flush=True,
            )
            return tree

        base = report("baseline", small_size, [small], "small.duckdb")
        if "many" in shapes:
            each = args.many_mb * 1e6 or memory.STREAM_BYTES * 0.98
            files = [work / f"many-{n}.835" for n in range(args.many)]
            size = sum(
                build(parts, int(each), path, first_control=100_000_001 + n * 1_000_000) for n, path in enumerate(files)
            )
            report(f"many: {args.many} x {each / 1e6:.0f} MB", size, files, "many.duckdb")
            for path in files:
                path.unlink()
        if "tiny" in shapes:
            path = work / "tiny.835"
            size = tiny_claims(args.tiny_claims, path)
            report(f"tiny: {args.tiny_claims:,} claims", size, [path], "tiny.duckdb")
            path.unlink()
        if "huge" in shapes:
            path = work / "huge.835"
            size = build(parts, int(args.mb * 1e6), path)
            peak = report("huge: one file", size, [path], "huge.duckdb")
            print(f"ratio: the huge file peaks at {peak / base:.2f}x the baseline ({size / small_size:.0f}x its size)")
            path.unlink()
        if args.whole_mb:
            whole = work / "whole.835"
            whole_size = build(parts, int(args.whole_mb * 1e6), whole, first_control=800_000_001)
            report("read whole (streaming off)", whole_size, [whole], "whole.duckdb", stream=False)
            report("the same streamed", whole_size, [whole], "whole-streamed.duckdb")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
