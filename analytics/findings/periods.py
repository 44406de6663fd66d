"""The periods the change findings compare: a complete payment month (or quarter) against the months
before it, made only of months the data cover from their start, and why a month makes none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from analytics.sql_files import sql

BASELINE_MONTHS = 12
# Fewer baseline months say nothing about how much a slice's rate varies from month to month.
MIN_BASELINE_MONTHS = 3
PERIOD_KINDS = {
    "default": "last complete month against the 12 months before",
    "month": "last complete month against the month before",
    "quarter": "last complete quarter against the quarter before",
}

Fetch = Callable[[str, dict], list]


@dataclass(frozen=True)
class Period:
    kind: str
    months: tuple  # the period's payment months (first days)
    baseline: tuple  # the baseline's, oldest first

    @property
    def params(self) -> dict:
        return {"baseline_from": self.baseline[0], "period_from": self.months[0], "period_to": self.months[-1]}

    @property
    def label(self) -> str:
        return _months_label(self.months)

    @property
    def baseline_label(self) -> str:
        if self.kind == "default":
            return (
                f"over the prior {len(self.baseline)} months"
                if len(self.baseline) > 1
                else f"in {_months_label(self.baseline)}"
            )
        return f"in {_months_label(self.baseline)}"


def _months_label(months: tuple) -> str:
    if len(months) == 1:
        return f"{months[0]:%b %Y}"
    if len(months) == 3 and months[0].month % 3 == 1:
        return f"Q{(months[0].month - 1) // 3 + 1} {months[0].year}"
    return f"{months[0]:%b %Y}–{months[-1]:%b %Y}"


def month_before(month: date, k: int = 1) -> date:
    index = month.year * 12 + month.month - 1 - k
    return date(index // 12, index % 12 + 1, 1)


def months_from(first: date, last: date) -> tuple:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = month_before(month, -1)
    return tuple(months)


def period_for(month: date, usable: list, kind: str = "default") -> Period | None:
    """The period ending with `month` (a usable month) and its baseline of usable months, or None when
    the data do not hold enough of them."""
    available = set(usable)
    if kind == "quarter":
        if month.month % 3:
            return None
        months = tuple(month_before(month, k) for k in (2, 1, 0))
        baseline = tuple(month_before(month, k) for k in (5, 4, 3))
        if not set(months + baseline) <= available:
            return None
        return Period(kind, months, baseline)
    baseline = _baseline(month, available, 1 if kind == "month" else BASELINE_MONTHS)
    if (
        month not in available
        or len(baseline) < (1 if kind == "month" else MIN_BASELINE_MONTHS)
        or (kind == "month" and baseline[0] != month_before(month))
    ):
        return None
    return Period(kind, (month,), baseline)


def _baseline(month: date, available: set, count: int = BASELINE_MONTHS) -> tuple:
    """The available months among the `count` before `month`, oldest first."""
    return tuple(m for m in (month_before(month, k) for k in range(count, 0, -1)) if m in available)


def _unusable(row: dict | None, name: str = "it") -> str:
    """Why a month (its findings/months row, None when it has none; `name` in the sentence) is no period
    nor part of a baseline."""
    if row is None:
        return f"no initial claim was paid in {name}"
    if not row["complete"]:
        return f"{name} is not over on the data date (the latest payment loaded)"
    return f"the files start part way through {name}, so its earlier payments are missing"


def no_period_reason(month: date, fetch: Fetch) -> str:
    """Why a month ends no default period (period_for gives None), in words: a reader told only that
    it "cannot be compared" cannot tell a month still open from a history too short."""
    rows = {r["month"]: r for r in fetch("findings/months", {})}
    row = rows.get(month)
    if row is None or not row["usable"]:
        return _unusable(row)
    baseline = len(_baseline(month, {m for m, r in rows.items() if r["usable"]}))
    had = "none" if baseline == 0 else f"only {baseline}"
    verb = "have" if baseline > 1 else "has"
    return (
        f"{had} of the {BASELINE_MONTHS} months before it {verb} claims paid, and the comparison needs at least "
        f"{MIN_BASELINE_MONTHS}"
    )


def no_latest_period_reason(kind: str, fetch: Fetch) -> str:
    """Why the data hold no period of a kind (latest_period gives None), as a sentence naming the months."""
    rows = {r["month"]: r for r in fetch("findings/months", {}) if r["month"] is not None}
    usable = sorted(m for m, r in rows.items() if r["usable"])
    if not usable:
        told = "; ".join(f"{m:%B %Y}: {_unusable(r)}" for m, r in sorted(rows.items()))
        return f"No month can be compared yet: {told or 'no initial claim with a payment date is loaded'}."
    latest = usable[-1]
    named = f"{latest:%B %Y}, the latest complete month with claims paid, cannot be compared"
    if kind == "default":
        return f"{named}: {no_period_reason(latest, fetch)}."
    if kind == "month":
        before = month_before(latest)
        return f"{named} with {before:%B %Y}: {_unusable(rows.get(before), f'{before:%B %Y}')}."
    run: list[date] = []
    longest: list[date] = []  # the longest run of usable months in a row
    for month in usable:
        run = [*run, month] if run and month_before(month) == run[-1] else [month]
        longest = max(longest, run, key=len)
    return (
        "No quarter can be compared with the quarter before it: that needs claims paid in each of the six months "
        f"of two calendar quarters in a row, and the longest run of complete months with claims paid here is "
        f"{len(longest)} ({_months_label(tuple(longest))})."
    )


def latest_period(usable: list, kind: str = "default") -> Period | None:
    """The most recent period of the kind the data allow: its last month is the latest usable one
    (for a quarter, the latest usable month closing a quarter)."""
    for month in sorted(usable, reverse=True):
        found = period_for(month, usable, kind)
        if found is not None or kind != "quarter":
            return found
    return None


def payment_months(fetch: Fetch) -> tuple[list, list]:
    """(complete, usable) payment months (months.sql): the months that are over, and of those the
    ones the data cover from their start, which periods and baselines are made of."""
    months = fetch("findings/months", {})
    return [r["month"] for r in months if r["complete"]], [r["month"] for r in months if r["usable"]]


def fetcher(con) -> Fetch:
    """A Fetch on a DuckDB connection or cursor: queries/<name>.sql as dicts with exact types."""

    def fetch(name: str, params: dict) -> list:
        text = sql(name)
        result = con.execute(text, {k: v for k, v in params.items() if f"${k}" in text})
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    return fetch
