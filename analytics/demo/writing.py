"""Writing a demo history (in parallel processes for scale data) and building the demo database from it."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from analytics import loader, publishing, reference
from analytics.demo.history import Generator, Summary
from analytics.demo.practice import DEFAULT_END, PAYERS, PRIOR_AUTH_PAYER


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


def _write_shard(job: tuple) -> Summary:
    out, months, lines, seed, end, shard, patterns = job
    return Generator(months, lines, seed, end, shard, patterns).write(out)


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
    shards: int = 1,
    patterns: bool = True,
) -> Summary:
    """Write a demo history to `out` and load it into the database `db`, marked as demo data."""
    started = time.perf_counter()
    summary = generate(out, months, lines, seed, shards=shards, patterns=patterns)
    summary.seconds_writing = time.perf_counter() - started
    with publishing.writing(db, what=f"the demo history ({out})") as con:  # published for the dashboard when done
        loader.load_paths(con, [out], on_result=on_result)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('dataset', 'demo')")
        if patterns:  # the Medicare Advantage plan's authorisation rule is one of the patterns
            reference.load(con, "prevention-rules", _prevention_rules(out, months))
    summary.seconds_loading = time.perf_counter() - started - summary.seconds_writing
    return summary


def _prevention_rules(out: Path, months: int) -> Path:
    """The demo practice's prevention rules: the shipped ones plus its Medicare Advantage plan's prior
    authorisation requirement for drugs from month 10 (a payer policy, so not in the shipped file)."""
    start = Generator(months=months).start
    month_10 = date(start.year + (start.month + 8) // 12, (start.month + 8) % 12 + 1, 1)
    payer = PAYERS[PRIOR_AUTH_PAYER].payer
    shipped = (reference.DATA / "prevention_rules.csv").read_text().rstrip("\n")
    rule = (
        f"auth-{payer.payer_id}-drugs,prior_authorization,{payer.payer_id},,J*,,,{month_10},,authorization,"
        f"{payer.name} requires prior authorisation for drugs from {month_10:%B %Y}"
    )
    path = out.with_name(out.name + "-prevention-rules.csv")
    path.write_text(f"{shipped}\n{rule}\n")
    return path
