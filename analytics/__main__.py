"""Command line: `python -m analytics load FILES...`, `python -m analytics load-csv claims|remittances
FILES...`, `python -m analytics reference ...`."""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import time
from pathlib import Path

import duckdb

from analytics import csv_import, database, demo, loader, privacy, progress, publishing, reference, writer_lock
from analytics.ingest.contract import ReadOptions
from analytics.ingest.store import added_text, problem_lines
from analytics.spark import cli as spark_cli  # argparse only: pyspark is imported when `spark` runs


def _parser() -> argparse.ArgumentParser:
    """The command line: load, load-csv, demo, reference, spark."""
    parser = argparse.ArgumentParser(prog="python -m analytics", description="Denial analytics for 835 remittances.")
    parser.add_argument("--db", type=Path, help=f"database file (default: $DENIALS_DB, else {database.DEFAULT_DB})")
    parser.add_argument(
        "--wait",
        type=float,
        default=writer_lock.WAIT,
        metavar="SECONDS",
        help="how long to wait for another load into the same database to finish (default "
        f"{writer_lock.WAIT:.0f}); loads take turns, the dashboard keeps showing the last one",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    load = commands.add_parser("load", help="load 835 and 837 files and folders (recursively)")
    load.add_argument("paths", nargs="+", metavar="PATH")
    load.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")

    csv_load = commands.add_parser("load-csv", help="load practice-management CSV exports (docs/csv.md)")
    csv_load.add_argument(
        "layout", choices=csv_import.LAYOUTS, help="claims: billed claims and lines; remittances: remittance lines"
    )
    csv_load.add_argument("files", nargs="+", metavar="FILE", type=Path)
    csv_load.add_argument("--mapping", type=Path, help="a TOML mapping file for another export layout (docs/csv.md)")
    csv_load.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")

    demo = commands.add_parser("demo", help="write a synthetic remittance history and load it")
    demo.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help=f"database to load it into (default $DENIALS_DEMO_DB, else {database.DEMO_DB})",
    )
    demo.add_argument("--out", type=Path, help="folder for the 835 files (default: beside the database)")
    demo.add_argument("--months", type=int, default=24, help="months of history (default 24)")
    demo.add_argument("--lines", type=int, default=75_000, help="about this many service lines (default 75000)")
    demo.add_argument("--seed", type=int, default=1, help="the same seed gives the same files (default 1)")
    demo.add_argument(
        "--shards",
        type=int,
        default=None,
        help="write the history in this many independent parts, in parallel processes, each month loaded "
        "while the next is written (default: one per core from 500,000 lines, else 1)",
    )
    demo.add_argument(
        "--no-patterns",
        dest="patterns",
        action="store_false",
        help="the same practice without its dated patterns (prior authorisation, JW/JZ lapse, late "
        "filing, site-of-care program): a history where nothing changes, to check the change findings' false "
        "findings",
    )

    ref = commands.add_parser("reference", help="list, replace, reset or export reference tables")
    ref.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")
    ref_commands = ref.add_subparsers(dest="action", required=True)
    ref_commands.add_parser("list", help="the reference tables, where each came from and its size")
    for action, helptext in (("load", "replace a table with your CSV"), ("export", "write a table to CSV")):
        p = ref_commands.add_parser(action, help=helptext)
        p.add_argument("name", choices=list(reference.TABLES))
        p.add_argument("file", type=Path)
        if action == "load":
            p.add_argument(
                "more",
                nargs="*",
                metavar="NAME FILE",
                help="further tables loaded in the same step, e.g. denial-categories with carc-categories "
                "(a category's preventability and its CARCs' preventable flags must agree)",
            )
    p = ref_commands.add_parser("reset", help="go back to the table shipped in data/")
    p.add_argument("name", choices=list(reference.TABLES))

    for sub in (load, csv_load):
        sub.add_argument(
            "--hash-patient-data",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="store patient and subscriber names, member ids and birth dates as salted SHA-256 "
            "hashes (default: the database's setting hash_patient_data, shipped false)",
        )
    for sub in (load, csv_load, ref):
        sub.add_argument(
            "--wait",
            type=float,
            default=argparse.SUPPRESS,
            metavar="SECONDS",
            help="how long to wait for another load to finish",
        )
    spark_cli.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "spark":
        return spark_cli.run(args)
    if args.command == "demo":
        return _demo(args)
    mapping = None
    if args.command == "load-csv" and args.mapping:
        try:  # before the database is opened: a bad mapping changes nothing
            mapping = csv_import.read_mapping(args.mapping, args.layout)
        except csv_import.MappingError as e:
            print(f"error: {e}; nothing loaded", file=sys.stderr)
            return 1
    db_path = args.db or database.default_path()
    if args.command == "reference" and args.action in ("list", "export"):
        held = publishing.hold(db_path)  # reading: the copy the dashboard shows, even while a load runs
        if held is not None:
            try:
                con = duckdb.connect(str(held.path), read_only=True)
                try:
                    return _reference(con, args)
                finally:
                    con.close()
            finally:
                held.release()
    # Every change goes through the one writer: loads take turns, and the dashboard, which reads the
    # copy published after each, never waits and never sees a load half done (analytics/publishing.py).
    what = " ".join(["python -m analytics", *(argv if argv is not None else sys.argv[1:])])[:300]
    try:
        return _change(args, db_path, mapping, what)
    except writer_lock.Unwritable as e:  # a full disk, a read-only folder: what is kept and what to do, no traceback
        print(f"error: {e}", file=sys.stderr)
        return 2


def _change(args, db_path: Path, mapping, what: str) -> int:
    with contextlib.ExitStack() as stack:
        try:
            con = stack.enter_context(
                publishing.writing(
                    db_path, args.wait, on_wait=lambda m: print(m, file=sys.stderr, flush=True), what=what
                )
            )
        except writer_lock.Busy as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        except (duckdb.Error, OSError) as e:
            print(f"error: cannot open database {db_path}: {str(e).splitlines()[0]}", file=sys.stderr)
            return 2
        if args.command == "load":
            with privacy.hashing(args.hash_patient_data), _progress(args.paths) as (on_result, on_bytes):
                return _summary(loader.load_paths(con, args.paths, on_result=on_result, on_bytes=on_bytes), db_path)
        if args.command == "load-csv":
            with privacy.hashing(args.hash_patient_data):
                results = loader.load_contents(
                    con,
                    [(path, None) for path in args.files],
                    _show,
                    fmt=csv_import.KINDS[args.layout],
                    options=ReadOptions(mapping=mapping),
                )
            return _summary(results, db_path)
        return _reference(con, args)


# A bar on the terminal for loads this large (many files, or many megabytes): a few files need none.
PROGRESS_FILES, PROGRESS_BYTES = 20, 50_000_000


@contextlib.contextmanager
def _progress(paths: list[str]):
    """(on_result, on_bytes) for a load: each file's line as always, and on a terminal, for a folder of
    many files or a large file, a progress bar under them (files done, MB/s, time left)."""
    files, _ = loader.expand(paths)
    sizes = {path: _file_size(path) for path in files}
    if not sys.stderr.isatty() or (len(files) < PROGRESS_FILES and sum(sizes.values()) < PROGRESS_BYTES):
        yield _show, None
        return
    bar = progress.Progress(len(files), sum(sizes.values()))
    streamed: dict = {}  # a large file's characters read so far, counted as bytes

    def on_bytes(path: Path, characters: int) -> None:
        streamed[path] = streamed.get(path, 0) + characters
        bar.advance(nbytes=characters)

    def on_result(result: loader.FileResult) -> None:
        bar.clear()
        _show(result)
        bar.advance(files=1, nbytes=max(sizes.get(result.path, 0) - streamed.pop(result.path, 0), 0))

    try:
        yield on_result, on_bytes
    finally:
        bar.clear()


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _show(result: loader.FileResult) -> None:
    """One line per file; a refused CSV file's bad rows below it, one per line."""
    out = sys.stderr if result.failed else sys.stdout
    print(result_line(result), file=out, flush=True)
    for line in problem_lines(result.problems):
        print(f"    {line}", file=out, flush=True)


def result_line(result: loader.FileResult) -> str:
    """A file's result in one line, whatever the file's name holds (a newline, a tab: escaped as \\n,
    \\t): its status in a column, its path, and what it held or why it was not loaded."""
    name = str(result.path)
    if result.status == "loaded":
        text = f"{added_text(result)}, {result.diagnostics} diagnostic(s)"
        if result.message:
            text += f"; {result.message}"
        return _one_line(f"loaded          {name}: {text}")
    return _one_line(f"{result.status:<15} {name}: {result.message}")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(text: str) -> str:
    """Control characters (from file names: a newline would split the one line per file) escaped."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _summary(results: list[loader.FileResult], db_path: Path) -> int:
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r.status] = by_status.get(r.status, 0) + 1
    loaded = [r for r in results if r.status == "loaded"]
    totals = {
        k: sum(r.counts[k] for r in loaded)
        for k in ("payments", "claims", "lines", "adjustments", "billed_claims", "billed_lines")
    }
    summary = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items())) or "no files"
    billed = (
        f", {totals['billed_claims']} billed claim(s), {totals['billed_lines']} billed line(s)"
        if totals["billed_claims"] or totals["billed_lines"]
        else ""
    )
    print(
        f"{len(results)} file(s): {summary}. Added {totals['payments']} payment(s), {totals['claims']} claim(s), "
        f"{totals['lines']} service line(s), {totals['adjustments']} adjustment(s){billed} to {db_path}."
    )
    return 1 if any(r.failed for r in results) else 0


def _demo(args) -> int:
    db = args.db or database.demo_path()
    out = args.out or db.with_name(db.stem + "-835")
    if out.exists() and any(out.iterdir()):
        print(f"error: {out} is not empty; choose an empty folder with --out", file=sys.stderr)
        return 2
    started = time.perf_counter()
    summary = demo.build(
        db,
        out,
        args.months,
        args.lines,
        args.seed,
        shards=args.shards,
        patterns=args.patterns,
        on_result=lambda r: print(result_line(r), file=sys.stderr) if r.failed else None,
    )
    print(
        f"wrote {summary.files} files ({summary.claims} claims, {summary.lines} service lines) to {out}"
        f" in {summary.seconds_writing:.1f} s and loaded them into {db} in {summary.seconds_loading:.1f} s"
        + (" more (each month loaded while the next was written)" if summary.overlapped else "")
        + f" ({time.perf_counter() - started:.1f} s in all)"
    )
    return 0


def _reference(con, args) -> int:
    try:
        if args.action == "list":
            for name, origin, path, rows, loaded_at in con.execute(
                "SELECT name, origin, path, rows, loaded_at FROM ref_sources ORDER BY name"
            ).fetchall():
                print(f"{name:<22} {rows:>6} rows  {origin:<8} {path}  ({loaded_at:%Y-%m-%d %H:%M})")
                print(f"{'':<22} {reference.TABLES[name].about}")
        elif args.action == "load":
            if len(args.more) % 2 or any(name not in reference.TABLES for name in args.more[::2]):
                raise reference.ReferenceTableError(
                    f"after the first table, give NAME FILE pairs (NAME one of: {', '.join(reference.TABLES)})"
                )
            more = list(zip(args.more[::2], args.more[1::2], strict=True))
            rows = reference.load(con, args.name, args.file, *more)
            print(f"{args.name}: {rows} rows loaded from {args.file}; in force until `reference reset {args.name}`")
            for name, file in more:
                print(f"{name}: loaded from {file} in the same step; in force until `reference reset {name}`")
        elif args.action == "reset":
            rows = reference.reset(con, args.name)
            print(f"{args.name}: back to the shipped table ({rows} rows)")
        elif args.action == "export":
            rows = reference.export(con, args.name, args.file)
            print(f"{args.name}: {rows} rows written to {args.file}")
    except reference.ReferenceTableError as e:
        print(f"error: {e}; nothing changed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
