"""`python -m analytics spark load|build`: the command line of the Spark loads (pyspark imported only
when one runs, so `python -m analytics` works without it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from analytics import csv_import, privacy
from analytics.ingest.contract import ReadOptions
from analytics.ingest.store import problem_lines
from analytics.spark import session


def add_parser(commands) -> None:
    spark = commands.add_parser("spark", help="load files into a Parquet lake and build the marts on Apache Spark")
    actions = spark.add_subparsers(dest="action", required=True)
    load = actions.add_parser("load", help="load 835/837 files into the lake, then build the marts there")
    load.add_argument(
        "--input", action="append", required=True, metavar="PATH_OR_URI", help="file or folder (repeatable)"
    )
    load.add_argument("--lake", required=True, metavar="PATH_OR_URI", help="the lake's root folder or URI")
    load.add_argument("--master", help="Spark master URL (default $SPARK_MASTER, else local[2])")
    load.add_argument(
        "--hash-patient-data",
        action="store_true",
        help="store patient names, member ids and birth dates as salted SHA-256 hashes (the lake's salt)",
    )
    load.add_argument(
        "--task-mb",
        type=float,
        help="MB of input files per Spark task (default 16; 0: one file per task)",
    )
    load.add_argument(
        "--csv",
        choices=csv_import.LAYOUTS,
        help="the files are practice-management CSV exports of this layout (as `load-csv`; docs/csv.md)",
    )
    load.add_argument("--mapping", type=Path, help="with --csv: a TOML mapping file for another export layout")
    load.add_argument("--no-build", dest="build", action="store_false", help="load only; build the marts later")
    build = actions.add_parser("build", help="build the staging and marts SQL on Spark from the lake")
    build.add_argument("--lake", required=True, metavar="PATH_OR_URI")
    build.add_argument("--master", help="Spark master URL (default $SPARK_MASTER, else local[2])")
    for sub in (load, build):
        sub.add_argument(
            "--reference-db",
            metavar="DUCKDB",
            help="take the rule set and reference tables in force in this DuckDB database (default: shipped)",
        )


def _setting(reference_db: str | None) -> bool:
    """The hash_patient_data setting of the reference database (as a DuckDB load into it would honour)."""
    if reference_db is None:
        return False
    con = duckdb.connect(reference_db, read_only=True)
    try:
        return privacy.setting(con)
    finally:
        con.close()


def _options(args: argparse.Namespace) -> ReadOptions:
    """The readers' options: the CSV mapping, and the claim statuses and adjustment groups of the
    reference database (as `load-csv` takes them from the database it loads into; else the shipped lists)."""
    mapping = csv_import.read_mapping(args.mapping, args.csv) if args.mapping else None
    if args.reference_db is None:
        return ReadOptions(mapping=mapping)
    con = duckdb.connect(args.reference_db, read_only=True)
    try:
        statuses = {r[0] for r in con.execute("SELECT status_code FROM ref_claim_statuses").fetchall()}
        groups = {r[0] for r in con.execute("SELECT group_code FROM ref_adjustment_groups").fetchall()}
    finally:
        con.close()
    return ReadOptions(mapping=mapping, statuses=statuses, groups=groups)


def run(args: argparse.Namespace) -> int:
    options = None
    if args.action == "load":
        if args.mapping and not args.csv:
            print("error: --mapping is for CSV files: name their layout with --csv", file=sys.stderr)
            return 1
        try:  # before Spark starts: a bad mapping loads nothing
            options = _options(args)
        except csv_import.MappingError as e:
            print(f"error: {e}; nothing loaded", file=sys.stderr)
            return 1
    missing = session.java_missing()
    if missing:
        print(f"error: {missing}", file=sys.stderr)
        return 1
    spark = session.start(args.master)
    # sqlglot: the load runs the balance checks' and the privacy SQL, the build all of queries/
    from analytics.spark import load as load_module, sql  # optional dependency: sqlglot

    if args.action == "load":
        outcome = load_module.load(
            spark,
            args.input,
            args.lake,
            task_bytes=load_module.TASK_BYTES if args.task_mb is None else int(args.task_mb * 2**20),
            hash_patient_data=args.hash_patient_data or _setting(args.reference_db),
            fmt=csv_import.KINDS[args.csv] if args.csv else None,
            options=options,
        )
        for path, status, message, _ in outcome.files:
            if status != "loaded":
                print(f"{path}: {status}{': ' + message if message else ''}")
                for line in problem_lines(outcome.problems.get(path, [])):  # as `load-csv` prints them
                    print(f"    {line}")
        counts = ", ".join(f"{n} {status}" for status, n in sorted(outcome.counts().items()))
        print(f"run {outcome.run}: {counts or 'no files'}; {outcome.lines} service lines loaded")
        failed = any(status == "failed" for _, status, _, _ in outcome.files)
        if not args.build:
            return 1 if failed else 0
    builder = sql.build(spark, args.lake, reference_db=args.reference_db)
    print(f"built {', '.join(builder.written)} in {sum(builder.seconds.values()):.0f} s")
    return 1 if args.action == "load" and failed else 0
