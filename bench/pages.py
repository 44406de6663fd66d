"""Page benchmark: every dashboard page's queries, warm, on a scale database.

    python bench/pages.py --lines 1000000            # builds bench/work/scale-1000000.duckdb once (demo scale mode)
    python bench/pages.py --db path/to/any.duckdb    # or time an existing database
    python bench/pages.py --db ... --pages-only --filter categories=authorization   # the pages under a filter
    python bench/pages.py --db ... --sweep           # the pages under each filter of SWEEP: a table, the slowest first

For each page it runs the queries the page runs (same SQL files, default filters or --filter) once cold, then --repeat
times, and prints the median of the warm totals. The queries read the database the way the dashboard does: its
published copy (analytics/publishing.py), through the one read-only connection the server keeps per copy, so a
warm run finds DuckDB's cache as a user's second view of a page does. The baseline, measured in the same run,
is one plain scan of every adjudication unit (count and sum of charges): the ratio says how many such scans a
page costs. Target on a 2-core machine: under 300 ms per page at 1M lines, 1 s at 10M.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import data, database, demo, derived, findings, loader, startup  # noqa: E402

ONE_PAYER = "MEDICARE PART B J15"


def slice_test(dimension: str, **named) -> list:
    """What changed's stored test of the one payer or code a page shows (ui.filtered_slice_change), with its
    words."""
    return [
        ("slice_change", {"dimension": dimension, **{k: named.get(k) for k in findings.KEYS}}),
        ("findings/labels", {}),
    ]


# page -> the dashboard queries it runs with the default filters (see app_pages/*.py)
PAGES = {
    "overview": [
        ("claim_measures", {}),
        ("recovery_kpis", {}),
        ("claim_status_counts", {}),
        ("top_categories", {}),
        ("top_reasons", {}),
        ("movers", {}),
        ("top_findings", {}),
        ("findings/overall", {"period": None}),
    ],
    "payers": [
        ("payer_measures", {}),
        ("top_reasons", {"payers": (ONE_PAYER,)}),
        *slice_test("payer", payer_name=ONE_PAYER),
    ],
    "modifiers": [("by_modifier", {}), ("waste_modifier_compliance", {}), ("modifier_denials", {})],
    "site_of_care": [("by_site", {}), ("code_site_matrix", {}), ("site_denials_by_payer", {})],
    "reasons": [("reason_tree", {}), ("category_trend", {})],
    "codes": [
        ("code_profile", {"code": "J1322"}),
        ("code_billed_units", {"code": "J1322"}),
        *slice_test("code", procedure_code="J1322"),
    ],
    "claims": [("denied_lines", {"search": ""}), ("denied_line_counts", {"search": ""})],
    # month: the latest month of the database, filled in by main(); period: the latest findings period's
    "monthly_review": [
        ("recovery/review_months", {}),
        ("findings/overall", {"period": None}),
        *(
            (f"recovery/{part}", {"month": None})
            for part in (
                "review_summary",
                "review_sources",
                "review_cohorts",
                "review_ageing",
                "review_expiring",
                "review_movers",
                "review_detail",
            )
        ),
    ],
    "worklist": [
        ("recovery/worklist_page", {}),
        ("recovery/worklist_totals", {}),
        ("recovery/data_date", {}),
        ("unanswered_claims", {}),
        ("claim_status_counts", {}),
    ],
    "prevention": [("prevention/rule_precision", {}), ("prevention/flagged_claims", {})],
}


# --sweep: the sidebar choices every page is timed under, one at a time (the demo's values; None: the three
# months of service before the data date's, from the database). The two drug-waste modifiers together are the
# costliest choice found so far: a claim's units carry either in many lists.
SWEEP: dict[str, list[str] | None] = {
    "none": [],
    "JW, JZ": ["modifiers=JW,JZ"],
    "25": ["modifiers=25"],
    "POS 11": ["sites=POS 11"],
    "3 months": None,
    "one payer": [f"payers={ONE_PAYER}"],
    "med. necessity": ["categories=medical_necessity"],
    "J1322": ["codes=J1322"],
}


def three_months(path: Path) -> dict:
    """Dates of service in the three complete months before the data date's month."""
    last = data.records("dashboard/filter_options", path=path)[0]["data_date"].replace(day=1) - timedelta(days=1)
    months = last.year * 12 + last.month - 1 - 2  # two months before the last one, counted from year 0
    return {"date_from": date(months // 12, months % 12 + 1, 1), "date_to": last}


def chosen_filters(given: list[str]) -> dict:
    """--filter NAME=VALUE[,VALUE...] as Filters fields: the sidebar's choice every page runs under."""
    chosen: dict = {}
    for item in given:
        name, _, value = item.partition("=")
        if name not in data.Filters.__dataclass_fields__:
            raise SystemExit(
                f"--filter {item}: {name} is not a filter ({', '.join(data.Filters.__dataclass_fields__)})"
            )
        if name in ("date_from", "date_to"):
            chosen[name] = date.fromisoformat(value)
        elif name == "date_basis":
            chosen[name] = value
        else:
            chosen[name] = tuple(value.split(","))
    return chosen


def run_page(queries: list, chosen: dict | None = None) -> float:
    started = time.perf_counter()
    with data.session():  # as app.py: the published copy, through the server's connection to it
        data.is_demo()  # the demo label, on every page
        for name, extra in queries:
            narrowed = {k: v for k, v in extra.items() if k in data.Filters.__dataclass_fields__}
            params = {k: v for k, v in extra.items() if k not in narrowed}
            # a page's own narrowing (the Payers page's one payer) over the sidebar's
            data.dashboard(name, data.Filters(**{**(chosen or {}), **narrowed}), None, **params)
    return time.perf_counter() - started


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def what_changed() -> findings.Result | None:
    """The What changed page's computation as the page runs it (ui.change_findings, before its cache):
    within a page run, on the published copy, through the server's connection to it."""
    with data.session():
        return data.change_findings(data.database_path())


def baseline(path: Path) -> float:
    con = duckdb.connect(str(path), read_only=True)
    started = time.perf_counter()
    con.execute("SELECT count(*), sum(charge_amount) FROM fact_units").fetchall()
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def incremental(
    path: Path, repeat: int = 3, steps: dict[bool, dict[str, float]] | None = None
) -> tuple[float, float, int]:
    """The rebuild after a load of one day's demo files (a payer's remittances and the day's billed
    claims, of a one-month demo history of the same practice: some of its claim ids are the database's)
    into a copy: (incremental, full) median seconds, and the files. Each timed run starts from the copy
    with the files loaded and its rebuild record put back to before them, so that the same files are
    rebuilt for (derived.refresh), incrementally or with force=True, alternating. `steps`, when given,
    receives the median seconds of each step, per kind of rebuild (force: True for the full one)."""
    runs: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(dir=path.parent) as folder:
        work = Path(folder)
        demo.generate(work / "files", months=1, lines=3000, seed=2)
        files = sorted((work / "files").iterdir())
        day = files[-1].name[:8]
        added = [f for f in files if f.name.startswith(day)]
        loaded = work / "loaded.duckdb"
        shutil.copy(path, loaded)
        con = database.connect(loaded)
        derived.refresh(con)  # built by this code first (a rebuild record of other SQL would rebuild in full)
        before = con.execute(
            "SELECT key, value FROM meta WHERE key IN ('recovery_fingerprint', 'recovery_basis', 'recovery_files')"
        ).fetchall()
        loader.load_paths(con, added)
        con.close()
        times: dict[bool, list[float]] = {True: [], False: []}
        for run in range(2 * repeat):
            force = run % 2 == 1
            copy = work / "timed.duckdb"
            shutil.copy(loaded, copy)
            con = duckdb.connect(str(copy))
            con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", before)
            step: dict[str, float] = {}
            times[force].append(
                timed(lambda con=con, force=force, step=step: derived.refresh(con, force=force, steps=step))
            )
            runs[force].append(step)
            con.close()
            copy.unlink()
    if steps is not None:
        for force, found in runs.items():
            steps[force] = {name: statistics.median(run.get(name, 0.0) for run in found) for name in found[0]}
    return statistics.median(times[False]), statistics.median(times[True]), len(added)


def print_steps(steps: dict[bool, dict[str, float]]) -> None:
    """Each step of the rebuild, incremental against full (median ms), in the order the steps ran."""
    print(f"    {'step':<34} {'incremental':>12} {'full':>8}")
    for name in dict.fromkeys([*steps[False], *steps[True]]):
        partly, whole = steps[False].get(name), steps[True].get(name)
        cells = [f"{v * 1000:.0f}" if v is not None else "-" for v in (partly, whole)]
        print(f"    {name:<34} {cells[0]:>12} {cells[1]:>8}")


def rebuilds(path: Path, scan: float) -> None:
    """The after-load rebuild, in full and after a one-day load."""
    # The recovery model and the claim matching are rebuilt after every load (analytics.derived): the
    # loader pays for them.
    con = database.connect(path)
    rebuild = statistics.median(timed(lambda: derived.refresh(con, force=True)) for _ in range(3))
    con.close()
    print(
        f"recovery model and claim matching, rebuilt after each load: {rebuild * 1000:.0f} ms, "
        f"{rebuild / scan:5.1f}x the baseline"
    )
    # When a load only adds files, the tables partitioned by claim are rebuilt for the claims it touches
    steps: dict[bool, dict[str, float]] = {}
    partly, whole, added = incremental(path, steps=steps)
    print(
        f"  after a load of {added} files (one day of a demo practice), incremental: {partly * 1000:.0f} ms, "
        f"{whole / partly:.1f}x faster than the full rebuild ({whole * 1000:.0f} ms) timed beside it"
    )
    print_steps(steps)


def print_sweep(taken: dict[str, dict[str, float]]) -> None:
    """Warm medians in ms, a row per page and a column per choice, then the three slowest pages."""
    labels = list(taken)
    print(f"{'page':<15}" + "".join(f"{label:>16}" for label in labels))
    for page in PAGES:
        print(f"{page:<15}" + "".join(f"{taken[label][page] * 1000:16.0f}" for label in labels))
    slowest = sorted(((taken[label][page], page, label) for label in labels for page in PAGES), reverse=True)
    for seconds, page, label in slowest[:3]:
        print(f"slowest: {page} under {label}, {seconds * 1000:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing database")
    parser.add_argument("--lines", type=int, default=1_000_000, help="service lines of the scale database to build")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--incremental", action="store_true", help="only the rebuild after a one-day load (--db)")
    parser.add_argument("--pages-only", action="store_true", help="skip the rebuild timings (minutes at 10M lines)")
    parser.add_argument(
        "--filter", action="append", default=[], help="NAME=VALUE[,VALUE]: a sidebar filter every page runs under"
    )
    parser.add_argument(
        "--sweep", action="store_true", help="only the pages, under each choice of SWEEP in turn (not with --filter)"
    )
    args = parser.parse_args()
    if args.sweep and args.filter:
        parser.error("--sweep times the pages under its own filters: leave out --filter")
    chosen = chosen_filters(args.filter)
    if args.incremental and args.db is not None:
        # the rebuild after a load, alone: the database is only copied, never written
        print(f"database: {args.db}; load average {os.getloadavg()[0]:.1f}")
        steps: dict[bool, dict[str, float]] = {}
        partly, whole, added = incremental(args.db, repeat=args.repeat, steps=steps)
        print(f"after a load of {added} files: incremental {partly * 1000:.0f} ms, full {whole * 1000:.0f} ms")
        print_steps(steps)
        print(f"load average {os.getloadavg()[0]:.1f}")
        return 0
    path = args.db
    if path is None:
        path = ROOT / "bench" / "work" / f"scale-{args.lines}.duckdb"
        if not path.exists():
            print(f"building {path} ({args.lines:,} service lines, demo scale mode)...", flush=True)
            summary = demo.build(path, path.with_suffix(".835"), lines=args.lines, shards=2)
            print(f"  written in {summary.seconds_writing:.0f} s, loaded in {summary.seconds_loading:.0f} s")
    database.connect(path).close()  # bring an older database up to date (judged denials) first
    # the first row: all payer orders, the whole period
    units = data.query("dashboard/claim_measures", data.Filters().params(), path).iloc[0]["units"]
    under = "each of SWEEP in turn" if args.sweep else chosen or "none"
    print(f"database: {path} ({int(units):,} adjudicated units); filters: {under}")
    scan = statistics.median(baseline(path) for _ in range(args.repeat))
    print(f"baseline, one scan of all units: {scan * 1000:.0f} ms")
    # The sidebar's filter options and the remittances per month (the Overview's and the Data page's warning
    # of months missing) depend only on the data, so the app computes them once per database change
    # (st.cache_data keyed by the file's mtime); timed apart, not in every page.
    for what, name in (("sidebar options", "dashboard/filter_options"), ("remittance months", "app/remittance_months")):
        once = statistics.median(timed(lambda name=name: data.query(name, path=path)) for _ in range(args.repeat))
        print(f"{what}, once per database change: {once * 1000:.0f} ms")
    if not args.pages_only and not args.sweep:
        rebuilds(path, scan)
    months = data.query("recovery/review_months", path=path)
    latest = months.loc[months["opens"], "month"].iloc[0]  # the month the Monthly review opens on
    # the pages read the database's published copy, as the dashboard does (DENIALS_DB names the database)
    os.environ["DENIALS_DB"] = str(path)
    os.environ["DENIALS_DEMO_DB"] = str(path.with_name(path.stem + "-no-demo.duckdb"))
    startup.ensure_current()
    # the latest findings period: the Overview's, and the What changed page's below
    period = findings.latest_period([r["month"] for r in data.records("findings/months", path=path) if r["usable"]])

    def filled(extra: dict) -> dict:
        if "period" in extra:
            return dict(period.params) if period else {}
        return {k: (latest if k == "month" else v) for k, v in extra.items()}

    def warm(page: str, chosen: dict) -> float:
        queries = [(name, filled(extra)) for name, extra in PAGES[page]]
        run_page(queries, chosen)  # cold
        return statistics.median(run_page(queries, chosen) for _ in range(args.repeat))

    if args.sweep:
        choices = {
            label: chosen_filters(given) if given is not None else three_months(path) for label, given in SWEEP.items()
        }
        print_sweep({label: {page: warm(page, picked) for page in PAGES} for label, picked in choices.items()})
        return 0
    for page, queries in PAGES.items():
        took = warm(page, chosen)
        print(f"{page:<13} {took * 1000:7.0f} ms warm ({len(queries)} queries), {took / scan:5.1f}x the baseline")
    # What changed: every slice of the default period counted (queries/findings/), then tested in Python
    # (analytics/findings/); the same runs in the recovery rebuild above, for the view change_findings.
    if period is not None:
        queries = [
            ("findings/months", {}),
            ("findings/slices", period.params),
            ("findings/labels", {}),
            ("findings/drivers", period.params),
        ]
        run_page(queries)
        warm = statistics.median(run_page(queries) for _ in range(args.repeat))
        whole = statistics.median(timed(what_changed) for _ in range(args.repeat))
        result = what_changed()
        print(
            f"{'what_changed':<13} {warm * 1000:7.0f} ms warm ({len(queries)} queries: {len(result.tested)} slices "
            f"of {period.label} against {len(period.baseline)} months, {len(result.findings)} findings), "
            f"{warm / scan:5.1f}x the baseline; {whole * 1000:.0f} ms with the tests in Python"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
