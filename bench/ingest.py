"""Ingest benchmark: load >= 20 MB of 835 files end to end and compare with edi-835-parser.

    python bench/ingest.py [--mb 20] [--corpus ../shared/corpus/835] [--no-peer]

Builds the input by repeating the corpus files that edi-835-parser can also read (ISA-enveloped,
`~`-terminated), giving each copy its own interchange control number so that our loader does not
skip it as already loaded. Then, in the same run and on the same files:
  1. our loader: read, parse, store in a fresh DuckDB database, with every check (end to end);
  2. edi-835-parser (pip install edi-835-parser), parse only: the baseline.
Prints MB/s for each and the ratio. Needs nothing but the requirements in requirements-dev.txt.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import database, derived, loader  # noqa: E402
from analytics.__main__ import result_line  # noqa: E402


def _cpu() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its finished child processes (the parsers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def peer_parse():
    try:
        from edi_835_parser import parse
    except ImportError:
        return None
    return parse


def eligible(corpus: Path, parse) -> list[Path]:
    """Corpus files with an ISA envelope, `~` terminators and `*` separators that the peer can parse."""
    chosen = []
    for path in sorted(corpus.iterdir()):
        text = path.read_text(errors="replace").lstrip("\ufeff \r\n\t")
        if not text.startswith("ISA*") or text[105:106] != "~":
            continue
        if parse is not None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    parse(str(path))
            except Exception:
                continue
        chosen.append(path)
    return chosen


def build_input(files: list[Path], target: int, out: Path) -> list[Path]:
    """Copies of the files, round after round, until `target` bytes; each with a unique ISA13/IEA02."""
    out.mkdir(parents=True)
    written, total, copy = [], 0, 0
    while total < target:
        for path in files:
            copy += 1
            text = path.read_text()
            # ISA13 and IEA02 carry the same 9-digit number in every interchange of these files; a file
            # of several interchanges gets a new number for each (else its copies count twice)
            controls = dict.fromkeys(m.group(1) for m in re.finditer(r"ISA\*(?:[^*]*\*){12}([^*]*)\*", text))
            for k, control in enumerate(controls):
                unique = f"{copy:09d}" if k == 0 else f"{k:03d}{copy:06d}"
                text = text.replace(f"*{control}*", f"*{unique}*").replace(f"*{control}~", f"*{unique}~")
            target_path = out / f"{copy:06d}_{path.name}"
            target_path.write_text(text)
            written.append(target_path)
            total += len(text.encode())
            if total >= target:
                break
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="input size in MB (default 20)")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "835")
    parser.add_argument("--no-peer", action="store_true", help="skip edi-835-parser")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the median is compared (default 3)")
    args = parser.parse_args()

    parse = None if args.no_peer else peer_parse()
    if parse is None and not args.no_peer:
        print("edi-835-parser is not installed (pip install -r requirements-dev.txt); timing our loader only")
    files = eligible(args.corpus, parse)
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        inputs = build_input(files, int(args.mb * 1e6), work / "input")
        size = sum(p.stat().st_size for p in inputs)
        print(f"input: {len(inputs)} files, {size / 1e6:.1f} MB, repeating {len(files)} corpus files")

        ours, phases, cpu, lines = [], [], [], 0
        for run in range(args.repeat):
            before = _cpu()
            started = time.perf_counter()
            con = database.connect(work / f"bench{run}.duckdb")
            created = time.perf_counter()
            results = loader.load_paths(con, [work / "input"])
            con.close()
            ours.append(time.perf_counter() - started)
            cpu.append(tuple(after - b for after, b in zip(_cpu(), before, strict=True)))
            failed = [r for r in results if r.status != "loaded"]
            lines = sum(r.counts.get("lines", 0) for r in results if r.status == "loaded")
            assert not failed, result_line(failed[0])
            # where the time goes: the recovery rebuild that ends every load, timed again on its own
            con = database.connect(work / f"bench{run}.duckdb")
            rebuild = time.perf_counter()
            derived.refresh(con, force=True)
            phases.append((created - started, time.perf_counter() - rebuild))
            con.close()
        mine = statistics.median(ours)
        create, rebuild = (statistics.median(p[i] for p in phases) for i in (0, 1))
        main_cpu, workers_cpu = (statistics.median(c[i] for c in cpu) for i in (0, 1))
        print(
            f"ours (read + parse + store in DuckDB with every check), median of {args.repeat}: {mine:.2f} s,"
            f" {size / 1e6 / mine:.1f} MB/s, {lines / mine:,.0f} service lines/s"
            f" (runs: {', '.join(f'{t:.2f}' for t in ours)} s)"
        )
        print(
            f"  of which: creating the database {create:.2f} s, recovery rebuild after the load about {rebuild:.2f} s,"
            f" reading, parsing and storing the rest, {mine - create - rebuild:.2f} s"
        )
        # CPU time varies far less than wall time on a shared machine: compare it across runs and days
        print(
            f"  CPU: {main_cpu:.2f} s in this process (DuckDB's threads included), {workers_cpu:.2f} s in the"
            f" parsing workers, {main_cpu + workers_cpu:.2f} s in all"
        )

        if parse is not None:
            theirs = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    for path in inputs:
                        parse(str(path))
                theirs.append(time.perf_counter() - started)
            peer = statistics.median(theirs)
            print(
                f"edi-835-parser (parse only, no storage), median of {args.repeat}: {peer:.2f} s,"
                f" {size / 1e6 / peer:.2f} MB/s (runs: {', '.join(f'{t:.2f}' for t in theirs)} s)"
            )
            print(f"ratio: ours is {peer / mine:.1f}x edi-835-parser")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
