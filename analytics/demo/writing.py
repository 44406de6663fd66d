"""Writing a demo history (in parallel processes for scale data) and building the demo database from it.

A large history (`shards` > 1) is written by one process per shard while this one loads the months every
shard has written (once they hold LOAD_PART_BYTES), in the order of the file names (dated), as a load of
the whole folder takes them: the same files, ids and keys; the after-load rebuild (derived.refresh) runs
once, at the end.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import duckdb

from analytics import loader, publishing, reference
from analytics.demo.history import Generator, Summary
from analytics.demo.practice import (
    DEFAULT_END,
    PAYERS,
    PRIOR_AUTH_PAYER,
    SITE_OF_CARE_CODE,
    SITE_OF_CARE_PAYER,
    SITE_OF_CARE_SITES,
    SITE_OF_CARE_START,
)
from analytics.ingest import files as found_files

# From this many lines on, a history is written in one shard per core (and loaded as it is written).
SHARDED_FROM = 500_000
# A sharded history is loaded while it is written in parts of at least this many bytes of files (whole
# months): each part costs about half a second of the loader's fixed work (a transaction and its checks,
# the parsing processes started), so at 100,000 lines (34 MB) it loads once, after the writing.
LOAD_PART_BYTES = 64 * 1024 * 1024


def default_shards(lines: int) -> int:
    """Shards for a history of `lines` when none are asked for: one per core for scale data, else one
    (the dashboard's demo keeps its files)."""
    return max(1, os.cpu_count() or 1) if lines >= SHARDED_FROM else 1


def generate(
    out: Path,
    months: int = 24,
    lines: int = 75_000,
    seed: int = 1,
    end: date = DEFAULT_END,
    shards: int = 1,
    patterns: bool = True,
) -> Summary:
    """Write the history; `shards` > 1 splits it into independent parts written in parallel processes
    (for scale data: the same seed and shards give the same files). patterns=False writes the same
    practice without its dated patterns (a history where nothing changes, for the change findings)."""
    if shards <= 1:
        return Generator(months, lines, seed, end, patterns=patterns).write(out)
    with ProcessPoolExecutor(max_workers=shards) as pool:
        parts = list(
            pool.map(_write_shard, [(out, months, lines // shards, seed, end, k, patterns) for k in range(shards)])
        )
    return _combine(parts)


def _write_shard(job: tuple, month_written=None) -> Summary:
    out, months, lines, seed, end, shard, patterns = job
    return Generator(months, lines, seed, end, shard, patterns).write(out, month_written)


def _combine(parts: list[Summary]) -> Summary:
    total = Summary()
    for part in parts:
        for name in (
            "files",
            "payments",
            "claims",
            "lines",
            "adjustments",
            "charge_cents",
            "paid_cents",
            "provider_adjustment_cents",
            "claim_files",
            "billed_claims",
            "billed_lines",
            "corrected_claims",
        ):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        for key, value in part.recoveries.items():
            total.recoveries[key] += value
        total.paths += part.paths
        total.unanswered += part.unanswered
        total.awaiting += part.awaiting
        total.prior_authorizations += part.prior_authorizations
    return total


def build(
    db: Path,
    out: Path,
    months: int = 24,
    lines: int = 75_000,
    seed: int = 1,
    on_result=None,
    shards: int | None = None,
    patterns: bool = True,
) -> Summary:
    """Write a demo history to `out` and load it into the database `db`, marked as demo data. `shards`
    (default: default_shards(lines)) > 1 writes it in parallel processes and loads each month while
    the next is written: seconds_writing is then the time until the last file was written, and
    seconds_loading the time after it (the last month's load, the rebuild, the publishing)."""
    shards = shards or default_shards(lines)
    started = time.perf_counter()
    if shards == 1:
        summary = generate(out, months, lines, seed, shards=shards, patterns=patterns)
        summary.seconds_writing = time.perf_counter() - started
    with publishing.writing(db, what=f"the demo history ({out})") as con:  # published for the dashboard when done
        if patterns:
            # The Medicare Advantage plan's authorisation rule (one of the patterns) goes in before the files:
            # the after-load rebuild then runs once, with it (loaded after, it rebuilt everything a second time).
            out.parent.mkdir(parents=True, exist_ok=True)
            reference.load(con, "prevention-rules", _prevention_rules(out, months))
        if shards == 1:
            loader.load_paths(con, [out], on_result=on_result)
        else:
            summary = _write_and_load(con, out, months, lines, seed, shards, patterns, on_result)
            summary.seconds_writing -= started
        con.execute("INSERT OR REPLACE INTO meta VALUES ('dataset', 'demo')")
    summary.seconds_loading = time.perf_counter() - started - summary.seconds_writing
    return summary


def _write_and_load(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    months: int,
    lines: int,
    seed: int,
    shards: int,
    patterns: bool,
    on_result,
) -> Summary:
    """Write the shards in processes of their own; load each month once every shard has written it, then
    the rest, then rebuild what is derived from all files once. seconds_writing of the summary returned
    is the perf_counter() at which the last shard finished."""
    out.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("fork")
    reports = context.Queue()
    processes = [
        context.Process(
            target=_write_shard_reporting,
            args=((out, months, lines // shards, seed, DEFAULT_END, k, patterns), reports),
            daemon=True,  # ended with this process when it stops on an error
        )
        for k in range(shards)
    ]
    for process in processes:
        process.start()
    written: dict[int, str] = {}  # shard -> the day (YYYYMMDD) up to which its files are all written
    parts: dict[int, Summary] = {}
    loaded = ""  # files dated up to this day are loaded
    finished = 0.0  # time.time() when the last shard finished
    try:
        while len(parts) < shards:
            finished = max(finished, _take(_reports(reports, processes, parts), written, parts))
            upto = min(written.values()) if len(written) == shards else ""
            if upto > loaded and len(parts) < shards:
                ready = [p for p in _files(out) if loaded < p.name[:8] <= upto]
                if sum(map(found_files.size_of, ready)) >= LOAD_PART_BYTES:
                    _load(con, ready, on_result)
                    loaded = upto
        _load(con, [p for p in _files(out) if p.name[:8] > loaded], on_result)
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    loader.refresh_derived(con)  # once, over everything loaded: as a load of the whole folder ends
    summary = _combine([parts[k] for k in range(shards)])
    summary.seconds_writing = time.perf_counter() - (time.time() - finished)  # on perf_counter's clock
    summary.overlapped = True
    return summary


def _reports(reports, processes: list, parts: dict) -> list:
    """The next (shard, what) the shards report, and whatever else came while the last month loaded (to
    be loaded together); a shard that stopped without finishing is an error."""
    while True:
        try:
            reported = [reports.get(timeout=1)]
            break
        except queue.Empty:
            for k, process in enumerate(processes):
                if k not in parts and not process.is_alive():
                    raise RuntimeError(f"demo shard {k} stopped (exit status {process.exitcode})") from None
    with contextlib.suppress(queue.Empty):
        while True:
            reported.append(reports.get_nowait())
    return reported


def _take(reported: list, written: dict, parts: dict) -> float:
    """Note what the shards reported: the day up to which a shard's files are written, or its Summary once
    it finished. The latest time.time() at which one of them finished (0.0 if none did)."""
    finished = 0.0
    for shard, what in reported:
        if isinstance(what, tuple):  # (its Summary, time.time() when it finished)
            parts[shard], done = what
            written[shard] = "99999999"
            finished = max(finished, done)
        elif isinstance(what, date):
            written[shard] = f"{what:%Y%m%d}"
        else:
            raise RuntimeError(f"demo shard {shard} failed:\n{what}")
    return finished


def _write_shard_reporting(job: tuple, reports) -> None:
    """In a shard's process: write it, putting (shard, day) on `reports` as each month is written, then
    (shard, (its Summary, the time it finished)), or (shard, the traceback) when it fails."""
    shard = job[5]
    try:
        summary = _write_shard(job, lambda day: reports.put((shard, day)))
    except BaseException:
        reports.put((shard, traceback.format_exc()))
        raise
    reports.put((shard, (summary, time.time())))


def _files(out: Path) -> list[Path]:
    """The files of the folder in the order a load of the folder takes them (loader.expand)."""
    files, _ = found_files.expand([out])
    return files


def _load(con: duckdb.DuckDBPyConnection, files: list[Path], on_result) -> None:
    """Some of the history's files, loaded without the after-load rebuild (run once when all are loaded)."""
    if files:
        loader.load_paths(con, files, on_result=on_result, rebuild=False)


def _prevention_rules(out: Path, months: int) -> Path:
    """The demo practice's prevention rules: the shipped ones plus its payers' policies (not in the shipped
    file): the Medicare Advantage plan's prior authorisation for drugs from month 10, and BLUE RIDGE PPO's
    site-of-care program for infliximab from month 23, a rule per hospital outpatient site."""
    history = Generator(months=months)
    auth, program = PAYERS[PRIOR_AUTH_PAYER].payer, PAYERS[SITE_OF_CARE_PAYER].payer
    month_10, program_start = history.month_start(10), history.month_start(SITE_OF_CARE_START)
    rules = [
        f"auth-{auth.payer_id}-drugs,prior_authorization,{auth.payer_id},,J*,,,{month_10},,authorization,"
        f"{auth.name} requires prior authorisation for drugs from {month_10:%B %Y}"
    ] + [
        f"site-{program.payer_id}-{SITE_OF_CARE_CODE}-{site},site_not_allowed,{program.payer_id},,{SITE_OF_CARE_CODE},"
        f"{site},,{program_start},,site_of_care,{program.name}'s site-of-care program: {SITE_OF_CARE_CODE} not in a "
        f"hospital outpatient department from {program_start:%B %Y}"
        for site in SITE_OF_CARE_SITES
    ]
    shipped = (reference.DATA / "prevention_rules.csv").read_text().rstrip("\n")
    path = out.with_name(out.name + "-prevention-rules.csv")
    path.write_text("\n".join([shipped, *rules]) + "\n")
    return path
