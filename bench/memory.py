"""Memory benchmark: peak memory of loading one very large 835 file, against a small one.

    python bench/memory.py [--mb 500] [--baseline-mb 5] [--whole-mb 0] [--keep]

Builds a ~500 MB 835 file by repeating the interchanges of a demo history (analytics.demo), each copy
with its own interchange control number (ISA13 / IEA02), and a small file (the first few MB of the
same interchanges) as the baseline. Each is loaded into a fresh database by the command line
(`python -m analytics --db X load FILE`) in a child process; its peak resident memory (ru_maxrss from
wait4) and wall time are reported, and the ratio of the peaks. A file above the loader's threshold
(loader._STREAM_BYTES, 64 MB) is streamed: read and inserted in pieces within one transaction, so its
peak should stay near the baseline's rather than grow with the file.

--whole-mb N also loads an N MB file with streaming switched off (the file read whole, as before),
to show what streaming saves.
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
    old = text[head.end(): head.end() + 9]
    text = text[: head.end()] + number + text[head.end() + 9:]
    return text[: text.rindex("IEA")] + text[text.rindex("IEA"):].replace(old, number)


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


def measure(path: Path, db: Path, stream: bool = True) -> tuple[float, float, str]:
    """Peak RSS (MB) and seconds of loading `path` into a fresh database `db`, in a child process."""
    if stream:
        args = [sys.executable, "-m", "analytics", "--db", str(db), "load", str(path)]
    else:
        args = [sys.executable, "-c", "import sys; from analytics import loader; loader._STREAM_BYTES = 1 << 62;"
                " from analytics.__main__ import main; sys.exit(main(sys.argv[1:]))", "--db", str(db), "load", str(path)]
    started = time.perf_counter()
    child = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = child.stdout.read()
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"loading {path} failed:\n{out}\n{err}")
    return usage.ru_maxrss / 1024, seconds, out.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=500.0, help="size of the large file in MB (default 500)")
    parser.add_argument("--baseline-mb", type=float, default=5.0, help="size of the baseline file in MB (default 5)")
    parser.add_argument("--whole-mb", type=float, default=0.0,
                        help="also load a file of this size read whole, streaming off (default: skip)")
    parser.add_argument("--work", type=Path, help="folder for the files and databases (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        demo.generate(work / "demo", months=6, lines=20_000, seed=1)
        parts = interchanges(work / "demo")
        big, small = work / "big.835", work / "small.835"
        size = build(parts, int(args.mb * 1e6), big)
        small_size = build(parts, int(args.baseline_mb * 1e6), small, first_control=900_000_001)
        print(f"input: {size / 1e6:.0f} MB 835 ({len(parts)} demo interchanges repeated, each copy its own ISA13),"
              f" baseline {small_size / 1e6:.1f} MB; built in {time.perf_counter() - started:.0f} s", flush=True)

        base_rss, base_s, base_line = measure(small, work / "small.duckdb")
        print(f"baseline  {small_size / 1e6:6.1f} MB: peak RSS {base_rss:7.0f} MB, {base_s:6.1f} s  ({base_line})", flush=True)
        rss, seconds, line = measure(big, work / "big.duckdb")
        print(f"streamed  {size / 1e6:6.1f} MB: peak RSS {rss:7.0f} MB, {seconds:6.1f} s, {size / 1e6 / seconds:.1f} MB/s  ({line})",
              flush=True)
        print(f"ratio: the {size / 1e6:.0f} MB file peaks at {rss / base_rss:.2f}x the baseline's memory"
              f" ({size / small_size:.0f}x its size)")
        if args.whole_mb:
            whole = work / "whole.835"
            whole_size = build(parts, int(args.whole_mb * 1e6), whole, first_control=800_000_001)
            w_rss, w_s, _ = measure(whole, work / "whole.duckdb", stream=False)
            s_rss, s_s, _ = measure(whole, work / "whole-streamed.duckdb")
            print(f"{whole_size / 1e6:.0f} MB read whole (streaming off): peak RSS {w_rss:.0f} MB, {w_s:.1f} s;"
                  f" streamed: {s_rss:.0f} MB, {s_s:.1f} s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
