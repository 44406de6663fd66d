"""Ingest benchmark: load 835 files end to end and compare, in one run, with two parsers that only parse.

    python bench/ingest.py [--sizes 20,150] [--repeat 3] [--workers 1,2,4] [--corpus ../shared/corpus/835]
                           [--peer-repeat 1] [--no-peer]

Builds each input (--sizes, in MB) by repeating the corpus files that both peers can also read
(ISA-enveloped, `~`-terminated), giving each copy its own interchange control number so that our
loader does not skip it as already loaded. Then, round after round (contenders alternated, so a busy
machine slows each of them alike; medians compared), on the same files:
  1. ours: read, parse, store in a fresh DuckDB database with every check, units and the recovery
     rebuild that ends every load (end to end), with every core (analytics.ingest.workers.PROCESSES);
  2. oxedi (Rust, pip install oxedi), parse only, and parse into Arrow tables: the yardstick;
  3. edi-835-parser (pure Python), parse only (--peer-repeat rounds: it is the slowest by far).
Then, at the first size, ours again with 1, 2, 4 ... parsing processes (--workers; 1 parses in the
loading process), and where the time goes: parse, to Arrow, insert, checks, units, COMMIT and the
rebuild, timed in the loading process (in the 1-process run every phase is there), and the CPU
seconds of the parsing processes, from which the time on more cores is projected.
Peers not installed are left out (pip install -r requirements-dev.txt).

Measured on a quiet machine (nothing else running), December 2026, medians of 3: 20 MB, ours 3.44 s end to
end, 5.1x oxedi's parse-only 0.67 s (4.0x without the rebuild; 3.0x / 2.3x its parse into Arrow); 150 MB,
ours 24.3 s, 3.9x oxedi's 6.33 s (3.0x without the rebuild; 2.4x / 1.9x into Arrow); edi-835-parser takes
1.4x our time at 20 MB and 1.8x at 150 MB. Where ours goes at 150 MB, in the writing process: units 6.0 s,
COMMIT 6.2 s, insert 2.7 s, checks 0.4 s, rebuild 5.4 s; the parsing processes 17.1 CPU seconds. 1, 2, 4
parsing processes at 20 MB: 4.50, 3.39, 3.61 s; per core, parse and to Arrow 1.91 s, the one writer 1.83 s:
projected 2.03 s without the rebuild on 2 cores or more (3.0x oxedi), the writer's time.
After 32 MB transactions (24 MB parsed ahead) and the staging views' joins by file id, in one sitting against
93025d0 run just before: 20 MB 3.32 -> 2.98 s (5.45x -> 5.17x oxedi, which ran 5% faster the second time), 150 MB
19.30 -> 17.85 s (4.24x -> 4.19x); COMMIT at 150 MB 5.18 -> 2.63 s; the writer per 20 MB 1.71 -> 1.31 s, projected
1.45 s without the rebuild on 2 cores or more (2.5x oxedi, was 3.1x).
Measured before on 2 shared cores, December 2026 (other jobs kept the load average at 9-19: seconds 2-4x those
of an idle machine; compare ratios): 20 MB, ours 9.6x / 5.9x oxedi's parse-only time end to end in two
runs (7.6x / 4.6x without the rebuild), 150 MB 6.8x (5.3x); edi-835-parser takes 0.75-1.3x our
end-to-end time. 1, 2 and 4 parsing processes: 10.9, 10.1, 9.8 s at 20 MB. Per core, parse 2.2-2.8 s and
to Arrow 1.3-1.8 s per 20 MB; the one writer (insert, checks, units, COMMIT and the rest) 5.0-5.2 s, units
the largest part, so the load is bound by the writer from 2 cores on: projected 5.4-5.7 s without the
rebuild on 4 or 8 cores (2.2-3.5x that run's oxedi). Earlier runs timed no parse phase (the format registry kept the
untimed reader), so the writer's share was overstated. What was tried for the writer and the Arrow step
(CPU seconds, alternated rounds): rows to Arrow by struct (the store's way) 0.08-0.12 s per 6 MB,
one array per column 0.10 (plus the transposition), numpy object columns 0.17; DuckDB's appender
(con.append, pandas only) 2x the Arrow scan; 16 MB transactions vs one for 20 MB, checkpoint at
the end, fsst or zstd disabled, preserve_insertion_order off: within the noise (one transaction
~10% less CPU, a 16% smaller file); per-batch units and COMMIT stay flat up to 150 MB (incremental).
Units and checks derived in the parsing processes (commits 475d941..bdbb4a6, reverted: each worker an
in-memory DuckDB with the target's reference tables running the store's own steps, keys remapped by the
writer; equal row for row on the corpus): 1.3-1.8x slower at 20 MB (six rounds) and 1.4-1.5x at 150 MB.
The writer's CPU fell 0.4-1.0 s per 20 MB (4.4 s at 150 MB), the workers' rose 3.5-3.9 s (25 s): their own
insert, ~0.15 s of fixed cost per 2 MB group (25 statements, the units query planned), the typed export
and 2.3x the bytes pickled. In one process: ready 6.9 s per 20 MB against 2.8 s for the writer's insert,
checks and units; projected on 8 cores 5.3 s against 5.7 s (-6%) for a second path through the store.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import functools
import os
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

from analytics import database, x12_file  # noqa: E402
from analytics.__main__ import result_line  # noqa: E402
from analytics.ingest import formats, load, store, workers  # noqa: E402
from analytics.ingest.load import load_paths  # noqa: E402

# Time spent in each phase of our load, in this (the loading) process.
PHASES: collections.Counter = collections.Counter()
_PHASES = (
    (x12_file, "read", "parse"),
    (workers, "batch_of", "to Arrow"),
    (store, "insert", "insert"),
    (store, "checks", "checks"),
    (store, "add_units", "units"),
    (load, "refresh_derived", "rebuild"),
)


def _timed(function, label: str):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            PHASES[label] += time.perf_counter() - started

    return timed


@contextlib.contextmanager
def _begun(cur):
    """store's BEGIN ... COMMIT, with the COMMIT timed."""
    cur.execute("BEGIN TRANSACTION")
    try:
        yield
        started = time.perf_counter()
        cur.execute("COMMIT")
        PHASES["COMMIT"] += time.perf_counter() - started
    except BaseException:
        with contextlib.suppress(Exception):
            cur.execute("ROLLBACK")
        raise


def instrument() -> None:
    for module, name, label in _PHASES:
        setattr(module, name, _timed(getattr(module, name), label))
    # the registry holds the reader it was given at import: give it the timed one
    formats.FORMATS["x12"] = dataclasses.replace(formats.FORMATS["x12"], read=x12_file.read)
    store.begun = _begun


def _cpu() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its finished child processes (the parsers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def peers(skip: bool) -> dict:
    """The parse-only peers installed: name -> parse(path)."""
    found: dict = {}
    if skip:
        return found
    try:
        import oxedi
    except ImportError:
        print("oxedi is not installed (pip install -r requirements-dev.txt): left out")
    else:
        found["oxedi"] = oxedi.parse_file
    try:
        from edi_835_parser import parse
    except ImportError:
        print("edi-835-parser is not installed (pip install -r requirements-dev.txt): left out")
    else:

        def quiet(path):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return parse(path)

        found["edi-835-parser"] = quiet
    return found


def eligible(corpus: Path, parsers: dict) -> list[Path]:
    """Corpus files with an ISA envelope, `~` terminators and `*` separators that every peer can parse."""
    chosen = []
    for path in sorted(corpus.iterdir()):
        text = path.read_text(errors="replace").lstrip("\ufeff \r\n\t")
        if not text.startswith("ISA*") or text[105:106] != "~":
            continue
        try:
            for parse in parsers.values():
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


def ours(folder: Path, db: Path, processes: int) -> dict:
    """One load of `folder` into a fresh database `db` with `processes` parsing processes (0: one per
    core): wall seconds, the phases, CPU seconds here and in the parsers, service lines loaded."""
    workers.PROCESSES = processes
    PHASES.clear()
    before = _cpu()
    started = time.perf_counter()
    con = database.connect(db)
    created = time.perf_counter()
    results = load_paths(con, [folder])
    con.close()
    wall = time.perf_counter() - started
    main, children = (after - b for after, b in zip(_cpu(), before, strict=True))
    failed = [r for r in results if r.status != "loaded"]
    assert not failed, result_line(failed[0])
    db.unlink()
    return {
        "wall": wall,
        "create": created - started,
        "cpu here": main,
        "cpu parsers": children,
        "lines": sum(r.counts.get("lines", 0) for r in results),
        **PHASES,
    }


def oxedi_arrow(path: str) -> dict:
    """oxedi's tables of a file as Arrow tables (they export through the Arrow PyCapsule interface)."""
    import oxedi
    import pyarrow as pa

    tables = oxedi.parse_file(path).tables
    return {name: pa.table(tables[name]) for name in tables.keys()}


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(run.get(key, 0.0) for run in runs)


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def breakdown(runs: list[dict], size: float) -> None:
    """Where our time goes (medians), in the loading process; parsing in other processes shows as
    waiting, its CPU seconds beside."""
    wall = _median(runs, "wall")
    parts = ["create", "parse", "to Arrow", "insert", "checks", "units", "COMMIT", "rebuild"]
    shown = {p: _median(runs, p) for p in parts}
    rest = wall - sum(shown.values())
    text = ", ".join(f"{p} {v:.2f}" for p, v in shown.items() if v)
    waited = "reading, hashing, waiting for the parsers and the rest" if not shown["parse"] else "the rest"
    print(f"    where the time goes: {text}, {waited} {rest:.2f} s")
    ingest = wall - shown["rebuild"]
    print(
        f"    without the rebuild (derived.refresh, not the loader's: timed apart) {ingest:.2f} s,"
        f" {size / ingest:.1f} MB/s; CPU {_median(runs, 'cpu here'):.2f} s here (DuckDB's threads"
        f" included), {_median(runs, 'cpu parsers'):.2f} s in the parsing processes"
    )


def run_size(mb: float, args, parsers: dict, files: list[Path], work: Path, scale: bool) -> None:
    folder = work / f"input-{mb:g}"
    inputs = build_input(files, int(mb * 1e6), folder)
    size = sum(p.stat().st_size for p in inputs) / 1e6
    names = [str(p) for p in inputs]
    print(f"\n== {size:.1f} MB: {len(inputs)} files, repeating {len(files)} corpus files")
    cores = os.cpu_count() or 1
    counts = sorted({*args.workers, 0}) if scale else [0]
    mine: dict[int, list[dict]] = {n: [] for n in counts}
    theirs: dict[str, list[float]] = collections.defaultdict(list)
    contenders = {"oxedi (parse only)": "oxedi", "oxedi (parse to Arrow)": "oxedi", "edi-835-parser": "edi-835-parser"}
    for round_ in range(args.repeat):
        for n in counts:
            mine[n].append(ours(folder, work / "bench.duckdb", n))
        for label, peer in contenders.items():
            if peer not in parsers or (peer == "edi-835-parser" and round_ >= args.peer_repeat):
                continue
            parse = oxedi_arrow if label.endswith("Arrow)") else parsers[peer]
            started = time.perf_counter()
            for name in names:
                parse(name)
            theirs[label].append(time.perf_counter() - started)
    default = mine[0]
    wall = _median(default, "wall")
    print(
        f"ours, end to end (read, parse, store with every check, units, rebuild), {cores} cores, median of"
        f" {len(default)}: {wall:.2f} s, {size / wall:.1f} MB/s, {_median(default, 'lines') / wall:,.0f} service"
        f" lines/s (runs: {_seconds([r['wall'] for r in default])} s)"
    )
    breakdown(default, size)
    for label, times in theirs.items():
        peer = statistics.median(times)
        print(
            f"{label}, median of {len(times)}: {peer:.2f} s, {size / peer:.1f} MB/s (runs: {_seconds(times)} s);"
            f" ours takes {wall / peer:.2f}x, {(wall - _median(default, 'rebuild')) / peer:.2f}x without the rebuild"
        )
    if not scale:
        return
    print("scaling (parsing processes; 1: in the loading process, parse and store one after the other):")
    for n in counts:
        if n == 0:
            continue
        runs = mine[n]
        print(f"  {n} process(es): {_median(runs, 'wall'):.2f} s (runs: {_seconds([r['wall'] for r in runs])} s)")
        breakdown(runs, size)
    if 1 in mine:  # the projection reads the per-core figures of the 1-process run (--workers without 1: none)
        project(mine[1], size, theirs.get("oxedi (parse only)"))


def project(serial: list[dict], size: float, oxedi: list[float] | None) -> None:
    """Time on more cores from the per-core figures of the 1-process run: parsing and to Arrow spread
    over the cores; the store (one writer, DuckDB's own threads) and the rebuild as measured."""
    parallel = _median(serial, "parse") + _median(serial, "to Arrow")
    wall = _median(serial, "wall")
    rest = wall - parallel - _median(serial, "rebuild")
    print(
        f"  per core: parsing and to Arrow {parallel:.2f} s ({size / parallel:.1f} MB/s), storing, checks, units,"
        f" COMMIT and the rest {rest:.2f} s (one writer), rebuild {_median(serial, 'rebuild'):.2f} s"
    )
    for cores in (2, 4, 8):
        # the writer stores while the parsers parse: the longer of the two, plus the first group's parse
        first = parallel * workers.memory.CHUNK_BYTES / (size * 1e6)
        ingest = max(parallel / cores, rest) + first
        line = f"  projected on {cores} cores: {ingest:.2f} s without the rebuild"
        if oxedi:
            line += f" ({ingest / statistics.median(oxedi):.1f}x oxedi parse-only)"
        print(line + f", {ingest + _median(serial, 'rebuild'):.2f} s with it")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,150", help="input sizes in MB, comma-separated (default 20,150)")
    parser.add_argument("--mb", type=float, help="one input of this size (instead of --sizes)")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "835")
    parser.add_argument("--no-peer", action="store_true", help="time our loader only")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are compared (default 3)")
    parser.add_argument("--peer-repeat", type=int, default=1, help="rounds of edi-835-parser (default 1)")
    parser.add_argument(
        "--workers", default="1,2,4", help="parsing processes to scale over at the first size ('' for none)"
    )
    args = parser.parse_args()
    args.workers = [int(n) for n in args.workers.split(",") if n]
    sizes = [args.mb] if args.mb else [float(s) for s in args.sizes.split(",")]

    instrument()
    parsers = peers(args.no_peer)
    files = eligible(args.corpus, parsers)
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    print(f"{os.cpu_count()} cores; peers: {', '.join(parsers) or 'none'}")
    try:
        for k, mb in enumerate(sizes):
            run_size(mb, args, parsers, files, work, scale=k == 0 and bool(args.workers))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
