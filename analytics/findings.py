"""Change findings: what moved in the claim denial rate, whether it is more than chance, and why.

For a period against its baseline (the last complete month against the 12 complete months before it;
or a month against the month before; a quarter against the quarter before) every slice (payer,
category, reason, reason + remark, code, modifier, site of care, and the pairs payer × category,
payer × code, code × site, payer × modifier, site × category) is compared on HFMA's initial denial rate
by claims (queries/findings/slices.sql counts, from the one claim-level definition in initial_claims):

- the test: when the baseline months' rates vary more than binomial chance allows (Pearson dispersion
  above 1), a beta-binomial test with that overdispersion, the baseline rate's own uncertainty folded
  in; otherwise Fisher's exact test of the period's claims against the baseline's. Two-sided.
- the false-discovery control: Benjamini-Hochberg q-values across every slice tested in the period; a
  slice with q <= FDR is a finding.
- the interval: Newcombe's hybrid score interval (from Wilson intervals) of the rate change, with the
  sample sizes shrunk by the overdispersion (the design effect).
- the effect in dollars: the excess denied claims against the baseline rate (denied claims less the
  period's claims x the baseline rate), each valued at the period's denied $ per denied claim.
- attribution: the change of the overall rate (and of denied $ a month) split exactly into rate and mix
  effects per payer and per site of care (symmetric shift-share), the slices that partition the claims.
- p-charts (Laney's p' when the baseline is overdispersed) per payer and per category.

Money stays Decimal; rates and p-values are floats. docs/views.md (`change_findings`) explains each
method in plain words with its reference.

About 1070 lines in one module on purpose: the after-load step (analytics/derived.py) hashes this file's
text, with the findings' SQL, to decide when the stored findings (change_findings) are computed again; a
part moved to another file would change the findings without that hash noticing. How the pages read them
is elsewhere (data.change_findings, ui.finding_views).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import numpy as np

from analytics.filters import LISTS
from analytics.sql_files import sql

FDR = 0.05  # the false-discovery rate a finding's q must not exceed
BASELINE_MONTHS = 12
# Fewer baseline months say nothing about how much a slice's rate varies from month to month.
MIN_BASELINE_MONTHS = 3
# Below these counts a slice is not tested: with fewer than 20 claims in the period, or 60 in the
# baseline, or 5 denied claims in both together, even "all denied" against "none denied" cannot pass the
# false-discovery bar across hundreds of slices (Fisher's smallest p for 20 claims against 60 is about
# 1e-4 only when every one of them moved), so testing them adds only to the number of tests.
MIN_CLAIMS = 20
MIN_BASELINE_CLAIMS = 60
MIN_DENIED = 5
Z95 = 1.959963984540054  # the normal quantile of a 95% interval (scipy.stats.norm.ppf(0.975))

KEYS = ("payer_name", "category", "reason", "remark", "procedure_code", "modifier", "site")
# dimension -> its label and the keys that name a slice of it
DIMENSIONS = {
    "payer": ("payer", ("payer_name",)),
    "category": ("category", ("category",)),
    "reason": ("reason (CARC)", ("reason",)),
    "reason_remark": ("reason + remark (CARC + RARC)", ("reason", "remark")),
    "code": ("code", ("procedure_code",)),
    "modifier": ("modifier", ("modifier",)),
    "site": ("site of care", ("site",)),
    "payer_category": ("payer × category", ("payer_name", "category")),
    "payer_code": ("payer × code", ("payer_name", "procedure_code")),
    "code_site": ("code × site", ("procedure_code", "site")),
    "payer_modifier": ("payer × modifier", ("payer_name", "modifier")),
    "site_category": ("site × category", ("site", "category")),
}
# Denial attributes are measured against every claim of their parent: all claims, or a payer's or a site's.
PARENT = {
    "category": ("all", ()),
    "reason": ("all", ()),
    "reason_remark": ("all", ()),
    "payer_category": ("payer", ("payer_name",)),
    "site_category": ("site", ("site",)),
}
# The slices that partition the claims (each claim has one payer and one site: CLP08 is the claim's),
# so that shares add up to one and the shift-share decomposition is exact. Codes, modifiers and
# categories overlap (a claim has several lines and may have several denials).
PARTITIONS = ("payer", "site")
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


def _month_before(month: date, k: int = 1) -> date:
    index = month.year * 12 + month.month - 1 - k
    return date(index // 12, index % 12 + 1, 1)


def period_for(month: date, usable: list, kind: str = "default") -> Period | None:
    """The period ending with `month` (a usable month) and its baseline of usable months, or None when
    the data do not hold enough of them."""
    available = set(usable)
    if kind == "quarter":
        if month.month % 3:
            return None
        months = tuple(_month_before(month, k) for k in (2, 1, 0))
        baseline = tuple(_month_before(month, k) for k in (5, 4, 3))
        if not set(months + baseline) <= available:
            return None
        return Period(kind, months, baseline)
    count = 1 if kind == "month" else BASELINE_MONTHS
    baseline = tuple(m for m in (_month_before(month, k) for k in range(count, 0, -1)) if m in available)
    if (
        month not in available
        or len(baseline) < (1 if kind == "month" else MIN_BASELINE_MONTHS)
        or (kind == "month" and baseline[0] != _month_before(month))
    ):
        return None
    return Period(kind, (month,), baseline)


def no_period_reason(month: date, fetch: Fetch) -> str:
    """Why a month ends no default period (period_for gives None), in words: a reader told only that
    it "cannot be compared" cannot tell a month still open from a history too short."""
    rows = {r["month"]: r for r in fetch("findings/months", {})}
    row = rows.get(month)
    if row is None:
        return "no initial claim was paid in it"
    if not row["complete"]:
        return "it is not over on the data date (the latest payment loaded)"
    if not row["usable"]:
        return "the files start part way through it, so its earlier payments are missing"
    before = (_month_before(month, k) for k in range(1, BASELINE_MONTHS + 1))
    baseline = sum(1 for m in before if m in rows and rows[m]["usable"])
    return (
        f"{baseline} of the {BASELINE_MONTHS} months before it have claims paid, and the comparison needs "
        f"at least {MIN_BASELINE_MONTHS}"
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


# -- the statistics --------------------------------------------------------------------------------------
@dataclass
class Counts:
    claims: int = 0
    denied: int = 0
    charges: Decimal = Decimal("0")
    denied_amount: Decimal = Decimal("0")

    def add(self, row: dict) -> None:
        self.claims += row["claims"]
        self.denied += row["denied_claims"]
        self.charges += row["charges"] or 0
        self.denied_amount += row["denied_amount"] or 0


def dispersion(months: list) -> float | None:
    """Pearson's dispersion of monthly (claims, denied) around their pooled rate: chi-square over its
    degrees of freedom; about 1 when months vary as binomial chance has it, more when they vary more.
    None with fewer than MIN_BASELINE_MONTHS months or a pooled rate of 0 or 1."""
    months = [(n, k) for n, k in months if n > 0]
    n, k = sum(m[0] for m in months), sum(m[1] for m in months)
    if len(months) < MIN_BASELINE_MONTHS or k == 0 or k == n:
        return None
    p = k / n
    return sum((km - nm * p) ** 2 / (nm * p * (1 - p)) for nm, km in months) / (len(months) - 1)


def _wilson(k: float, n: float) -> tuple:
    """Wilson's score interval of a proportion (Wilson 1927), for possibly fractional effective counts."""
    p, z2 = k / n, Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(k1: int, n1: int, k0: int, n0: int, deff1: float = 1.0, deff0: float = 1.0) -> tuple:
    """Newcombe's hybrid score interval (1998, method 10) of p1 - p0, each Wilson interval on the
    sample shrunk by its design effect (overdispersion)."""
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = _wilson(k1 / deff1, n1 / deff1)
    l0, u0 = _wilson(k0 / deff0, n0 / deff0)
    d = p1 - p0
    return d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)


# -- the exact tests, summed over the support ------------------------------------------------------------
# scipy.stats' distribution machinery costs about 1.6 ms a Fisher test, most of the page's time over a few
# hundred slices; these sum the same probabilities with numpy from the ratio of consecutive terms (a
# recurrence in logs): one vector step per slice, over as many terms as the slice has denials.
TIES = 1e-7  # relative: a table this close to the observed one's probability counts as it (R's fisher.test)


def _log_terms(log_first: float, ratios: np.ndarray) -> np.ndarray:
    """log P(x) over the support, from log P(first) and P(x + 1) / P(x) for each x but the last."""
    return log_first + np.concatenate(([0.0], np.cumsum(np.log(ratios))))


def fisher_two_sided(k1: int, n1: int, k0: int, n0: int) -> float:
    """Fisher's exact test of [[k1, n1 - k1], [k0, n0 - k0]], two-sided as scipy.stats.fisher_exact and R's
    fisher.test: given the margins (the hypergeometric distribution of the first row's k), the probability
    of every table no more probable than the observed one."""
    denied, total = k1 + k0, n1 + n0
    first, last = max(0, n1 + denied - total), min(denied, n1)
    if first == last:
        return 1.0
    x = np.arange(first, last, dtype=float)
    log_p = _log_terms(0.0, (denied - x) * (n1 - x) / ((x + 1) * (total - denied - n1 + x + 1)))
    p = np.exp(log_p - log_p.max())  # scaled so the most probable table is 1: none overflows
    return float(min(1.0, p[p <= p[k1 - first] * (1 + TIES)].sum() / p.sum()))


def beta_binomial_tails(k: int, n: int, a: float, b: float) -> tuple:
    """(P(X <= k), P(X >= k)) for X beta-binomial (n, a, b): the lower tail summed from 0, the upper its
    complement, as scipy.stats.betabinom's cdf(k) and sf(k - 1) give them."""
    from scipy.special import betaln

    x = np.arange(k, dtype=float)
    p = np.exp(_log_terms(betaln(a, n + b) - betaln(a, b), (n - x) * (x + a) / ((x + 1) * (n - x - 1 + b))))
    low = float(p.sum())  # the recurrence's rounding is about 1e-10 of a tail over 40,000 terms: kept in [0, 1]
    return min(low, 1.0), min(max(1.0 - (low - float(p[-1])), 0.0), 1.0)


def test(baseline: list, period: list) -> dict:
    """Compare the period's (claims, denied) months with the baseline's: p-value, test, dispersion and
    the 95% interval of the rate change."""
    n0, k0 = sum(m[0] for m in baseline), sum(m[1] for m in baseline)
    n1, k1 = sum(m[0] for m in period), sum(m[1] for m in period)
    p0 = k0 / n0
    phi = dispersion(baseline)
    months = [m for m in baseline if m[0] > 0]
    # the intra-month correlation of a beta-binomial, by moments: phi = 1 + (average claims - 1) * rho
    rho = 0.0
    if phi is not None and phi > 1:
        rho = min((phi - 1) / max(n0 / len(months) - 1, 1), 0.5)
    if rho > 0:
        # variance of k1 - n1 * p0 in units of p0 (1 - p0): the period's months, each inflated by its
        # design effect, plus the baseline rate's own uncertainty scaled to the period
        v1 = sum(n * (1 + (n - 1) * rho) for n, _ in period if n > 0)
        v0 = sum(n * (1 + (n - 1) * rho) for n, _ in months)
        variance = v1 + n1 * n1 * v0 / (n0 * n0)
        rho_total = min(max((variance / n1 - 1) / (n1 - 1), 1e-12), 0.999)
        a, b = p0 * (1 / rho_total - 1), (1 - p0) * (1 / rho_total - 1)
        low, high = beta_binomial_tails(k1, n1, a, b)
        p_value, method, deff1, deff0 = min(1.0, 2 * min(low, high)), "beta-binomial", v1 / n1, v0 / n0
    else:
        p_value = fisher_two_sided(k1, n1, k0, n0)
        method, deff1, deff0 = "fisher", 1.0, 1.0
    low_ci, high_ci = newcombe(k1, n1, k0, n0, deff1, deff0)
    # the period rate's own 95% interval: the Wilson interval Newcombe's is built from
    rate_low, rate_high = _wilson(k1 / deff1, n1 / deff1)
    return {
        "p_value": float(p_value),
        "test": method,
        "dispersion": phi,
        "ci_low": low_ci,
        "ci_high": high_ci,
        "rate_ci_low": rate_low,
        "rate_ci_high": rate_high,
    }


def _tested(base: Counts, now: Counts) -> bool:
    return now.claims >= MIN_CLAIMS and base.claims >= MIN_BASELINE_CLAIMS and base.denied + now.denied >= MIN_DENIED


# -- the slices ------------------------------------------------------------------------------------------
def slice_key(row: dict) -> tuple:
    return (row["dimension"], *(row[k] for k in KEYS))


def monthly_slices(rows: list, period: Period) -> dict:
    """slice key -> {month: row} over the period's and baseline's months, a denial attribute's missing
    months filled from its parent (every claim of the payer, site or all: none denied so)."""
    by_slice: dict = defaultdict(dict)
    for row in rows:
        by_slice[slice_key(row)][row["month"]] = row
    months = (*period.baseline, *period.months)
    for key, series in by_slice.items():
        dimension = key[0]
        if dimension not in PARENT:
            continue
        parent_dimension, parent_keys = PARENT[dimension]
        named = dict(zip(KEYS, key[1:], strict=True))
        parent = by_slice.get((parent_dimension, *(named[k] if k in parent_keys else None for k in KEYS)), {})
        for month in months:
            if month not in series and month in parent:
                series[month] = {
                    **parent[month],
                    "dimension": dimension,
                    **named,
                    "denied_claims": 0,
                    "denied_amount": Decimal("0"),
                }
    return by_slice


def analyse(rows: list, period: Period, fdr: float = FDR) -> list:
    """Every slice tested in the period, with counts, rates, p, q, interval, effect $ and direction,
    findings (q <= fdr) first by the size of their effect in dollars."""
    return _analysed(monthly_slices(rows, period), period, fdr)


def _analysed(by_slice: dict, period: Period, fdr: float) -> list:
    from scipy import stats

    tested = []
    for key, series in by_slice.items():
        named = dict(zip(KEYS, key[1:], strict=True))
        if key[0] == "all" or any(named[k] is None for k in DIMENSIONS[key[0]][1]):
            continue  # the totals, and claims without a site (CLP08) are no slice
        base, now = Counts(), Counts()
        for month in period.baseline:
            if month in series:
                base.add(series[month])
        for month in period.months:
            if month in series:
                now.add(series[month])
        if not _tested(base, now):
            continue
        result = test(
            [(series[m]["claims"], series[m]["denied_claims"]) if m in series else (0, 0) for m in period.baseline],
            [(series[m]["claims"], series[m]["denied_claims"]) if m in series else (0, 0) for m in period.months],
        )
        rate, baseline_rate = now.denied / now.claims, base.denied / base.claims
        # the excess denied claims against the baseline rate, valued at the period's denied $ per denied
        # claim (the baseline's when none was denied): its sign is the rate's, and one rare very large
        # claim in the baseline does not turn a rising rate into a negative effect
        excess = Decimal(now.denied) - Decimal(now.claims) * Decimal(base.denied) / Decimal(base.claims)
        per_denial = (
            now.denied_amount / now.denied
            if now.denied
            else base.denied_amount / base.denied
            if base.denied
            else Decimal("0")
        )
        expected = now.denied_amount - excess * per_denial
        tested.append(
            {
                "dimension": key[0],
                **dict(zip(KEYS, key[1:], strict=True)),
                "claims": now.claims,
                "denied_claims": now.denied,
                "claim_denial_rate": rate,
                "baseline_claims": base.claims,
                "baseline_denied_claims": base.denied,
                "baseline_claim_denial_rate": baseline_rate,
                "rate_change": rate - baseline_rate,
                "charges": now.charges,
                "denied_amount": now.denied_amount,
                "baseline_charges": base.charges,
                "baseline_denied_amount": base.denied_amount,
                "expected_denied_amount": expected.quantize(Decimal("0.01")),
                "effect_amount": (now.denied_amount - expected).quantize(Decimal("0.01")),
                "excess_claims": float(excess),
                "direction": "up" if rate > baseline_rate else "down" if rate < baseline_rate else "none",
                **result,
            }
        )
    if tested:
        for row, q in zip(
            tested, stats.false_discovery_control([r["p_value"] for r in tested], method="bh"), strict=True
        ):
            row["q_value"] = float(q)
            row["finding"] = bool(q <= fdr) and row["direction"] != "none"
    tested.sort(key=lambda r: (not r["finding"], -abs(r["effect_amount"]), r["p_value"]))
    _mark_same_claims(tested)
    return tested


def _mark_same_claims(tested: list) -> None:
    """Findings with the same counts in the period and the baseline (claims, denied claims, denied $)
    describe the same claims: a payer whose every denied claim in the month is one code and one reason
    is found as the payer, the payer × code and the payer × category alike. The most specific slice
    (the most dimension values; then the larger effect, then its name) stands for them; the others
    name it in same_as, and the Overview and the Monthly review leave them out (What changed lists all)."""
    groups: dict = defaultdict(list)
    for row in tested:
        row["same_as"] = None
        if row["finding"]:
            groups[
                (
                    row["claims"],
                    row["denied_claims"],
                    row["denied_amount"],
                    row["baseline_claims"],
                    row["baseline_denied_claims"],
                    row["direction"],
                )
            ].append(row)
    for rows in groups.values():
        rows.sort(key=lambda r: (-len(DIMENSIONS[r["dimension"]][1]), -abs(r["effect_amount"]), slice_label(r)))
        for row in rows[1:]:
            row["same_as"] = slice_label(rows[0])


# -- sentences -------------------------------------------------------------------------------------------
def _site(value, labels) -> str:
    return str(value)  # 'POS 19', 'TOB 13x': as the dashboard names sites


def _category(value, labels) -> str:
    return labels.get(("category", value), str(value).replace("_", " "))


def subject(finding: dict, labels: dict) -> tuple:
    """(who denied, what share of which claims) for a slice: ('SUMMIT...', 'of J1322 claims') and the like."""
    d, f = finding["dimension"], finding
    payer = f["payer_name"]
    claims = {
        "code": f"{f['procedure_code']} claims",
        "payer_code": f"{f['procedure_code']} claims",
        "code_site": f"{f['procedure_code']} claims at {_site(f['site'], labels)}",
        "modifier": f"claims with modifier {f['modifier']}",
        "payer_modifier": f"claims with modifier {f['modifier']}",
        "site": f"claims at {_site(f['site'], labels)}",
        "site_category": f"claims at {_site(f['site'], labels)}",
    }.get(d, "claims")
    reason = {
        "category": f" for {_category(f['category'], labels)}",
        "payer_category": f" for {_category(f['category'], labels)}",
        "site_category": f" for {_category(f['category'], labels)}",
        "reason": f" {f['reason']}",
        "reason_remark": f" {f['reason']} with {f['remark']}",
    }.get(d, "")
    return payer, claims, reason


def money(amount: Decimal) -> str:
    """Signed dollars: +$1,200, −$300 (a Decimal, or an exact Fraction of the attribution)."""
    if isinstance(amount, Fraction):
        amount = Decimal(amount.numerator) / Decimal(amount.denominator)
    sign = "+" if amount >= 0 else "−"
    return f"{sign}${abs(amount):,.0f}"


def interval(finding: dict) -> str:
    """The period rate's 95% interval in words: '95% CI 11.0–18.1%' (one decimal more when the bounds
    would otherwise read alike)."""
    low, high = finding["rate_ci_low"], finding["rate_ci_high"]
    digits = 1 if f"{low:.1%}" != f"{high:.1%}" else 2
    return f"95% CI {low * 100:.{digits}f}–{high:.{digits}%}"


def _q(q: float) -> str:
    return "q < 0.001" if q < 0.001 else f"q = {q:.3f}"


DRIVER_KEYS = ("payer_name", "category", "reason", "procedure_code", "site")


class Denials:
    """The period's denials (drivers.sql rows), indexed by each of DRIVER_KEYS: a finding reads the rows of
    its rarest value, not all (36 findings × 10,000 rows took seconds at 10M lines)."""

    def __init__(self, rows: list):
        self.rows = rows
        self.index: dict = defaultdict(list)
        for row in rows:
            for k in DRIVER_KEYS:
                self.index[(k, row[k])].append(row)

    def of(self, wanted: dict) -> list:
        """The rows whose DRIVER_KEYS values are `wanted`'s."""
        if not wanted:
            return self.rows
        first = min(wanted.items(), key=lambda kv: len(self.index.get(kv, ())))
        return [r for r in self.index.get(first, ()) if all(r[k] == v for k, v in wanted.items())]


def drivers(finding: dict, denials: Denials) -> tuple:
    """The reason and the site with the most denied $ among the period's denials of the slice, each
    with its share: (('CO-197', 'authorization', 0.8), ('19', 0.6))."""
    d = finding["dimension"]
    wanted = {k: finding[k] for k in DRIVER_KEYS if finding[k] is not None}
    reasons: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)  # (reason, category) -> denied $
    sites: defaultdict[str, Decimal] = defaultdict(Decimal)
    total = Decimal("0")
    for row in denials.of(wanted):
        if finding["modifier"] is not None and finding["modifier"] not in row["modifiers"]:
            continue
        if finding["remark"] is not None and finding["remark"] not in (row["remark_codes"] or []):
            continue
        amount = row["denied_amount"] or Decimal("0")
        total += amount
        reasons[(row["reason"], row["category"])] += amount  # CO-16 is documentation, or coding with N822
        sites[row["site"]] += amount
    if not total:
        return None, None
    reason, category = max(reasons, key=reasons.__getitem__)
    site = max(sites, key=sites.__getitem__)
    top_reason = (
        None
        if d in ("reason", "reason_remark") or reason is None
        else (reason, category, float(reasons[(reason, category)] / total))
    )
    top_site = None if finding["site"] is not None else (site, float(sites[site] / total))
    return top_reason, top_site


def sentence(finding: dict, period: Period, labels: dict, denials: Denials) -> str:
    """A finding a billing manager can read aloud."""
    payer, claims, reason = subject(finding, labels)
    rate, before = finding["claim_denial_rate"], finding["baseline_claim_denial_rate"]
    if payer:
        text = f"{payer} denied {rate:.1%} of {claims}{reason} in {period.label}"
    else:
        text = f"{rate:.1%} of {claims} were denied{reason} in {period.label}"
    text += (
        f" ({interval(finding)}) against {before:.1%} {period.baseline_label} "
        f"({money(finding['effect_amount'])}, {_q(finding['q_value'])})"
    )
    top_reason, top_site = drivers(finding, denials)
    parts = []
    if top_reason:
        code, category, share = top_reason
        parts.append(f"{'mostly' if share >= 0.5 else 'led by'} {code} ({_category(category, labels)})")
    if top_site and top_site[1] >= 0.5:
        parts.append(f"{'' if parts else 'mostly '}at {_site(top_site[0], labels)}")
    if parts:
        text += ", " + " ".join(parts)
    return text


# -- attribution -----------------------------------------------------------------------------------------
def shift_share(before: dict, after: dict) -> dict:
    """The symmetric shift-share of a ratio total: before/after map a slice to (weight, numerator) of a
    partition (weights: claims or charges; numerators: denied claims or denied $). With shares w and
    rates r = numerator / weight, R1 - R0 = sum (w1 - w0)(r0 + r1)/2 (mix) + sum (w0 + w1)/2 (r1 - r0)
    (rate), exactly (Fractions). A slice absent from one side takes the other side's rate."""
    total0 = sum(Fraction(w) for w, _ in before.values())
    total1 = sum(Fraction(w) for w, _ in after.values())
    parts = {}
    for key in sorted(set(before) | set(after), key=str):
        w0, x0 = (Fraction(v) for v in before.get(key, (0, 0)))
        w1, x1 = (Fraction(v) for v in after.get(key, (0, 0)))
        r0 = x0 / w0 if w0 else None
        r1 = x1 / w1 if w1 else None
        r0 = r1 if r0 is None else r0
        r1 = r0 if r1 is None else r1
        r0, r1 = r0 or Fraction(0), r1 or Fraction(0)
        s0 = w0 / total0 if total0 else Fraction(0)
        s1 = w1 / total1 if total1 else Fraction(0)
        parts[key] = {
            "share_before": s0,
            "share_after": s1,
            "rate_before": r0,
            "rate_after": r1,
            "mix": (s1 - s0) * (r0 + r1) / 2,
            "rate": (s0 + s1) / 2 * (r1 - r0),
        }
    rate0 = sum(Fraction(x) for _, x in before.values()) / total0 if total0 else Fraction(0)
    rate1 = sum(Fraction(x) for _, x in after.values()) / total1 if total1 else Fraction(0)
    return {"before": rate0, "after": rate1, "parts": parts}


def attribution(by_slice: dict, period: Period, dimension: str) -> dict:
    """The change of the overall claim denial rate, and of denied $ a month, split into rate and mix
    effects per slice of a partition dimension (payer or site), and a volume effect for dollars:
    D = V x R with V charges a month, R denied $ per charged $: D1 - D0 = (V1 - V0)(R0 + R1)/2
    (volume) + (V0 + V1)/2 x (R1 - R0), the last split per slice as above. Exact (Fractions)."""
    assert dimension in PARTITIONS
    # slice value -> (claims, denied claims) and (charges a month, denied $ a month), before and after
    claims0: dict[str, tuple[int, int]] = {}
    claims1: dict[str, tuple[int, int]] = {}
    money0: dict[str, tuple[Fraction, Fraction]] = {}
    money1: dict[str, tuple[Fraction, Fraction]] = {}
    overall: defaultdict[date, list[int]] = defaultdict(lambda: [0, 0])  # month -> [claims, denied claims]
    for key, series in by_slice.items():
        if key[0] != dimension:
            continue
        value = key[1 + KEYS.index(DIMENSIONS[dimension][1][0])]
        for month, counts in series.items():
            overall[month][0] += counts["claims"]
            overall[month][1] += counts["denied_claims"]
        for months, claims, money in ((period.baseline, claims0, money0), (period.months, claims1, money1)):
            counts = Counts()
            for month in months:
                if month in series:
                    counts.add(series[month])
            if counts.claims:
                claims[value] = (counts.claims, counts.denied)
                money[value] = (Fraction(counts.charges) / len(months), Fraction(counts.denied_amount) / len(months))
    rate = shift_share(claims0, claims1)
    dollars = shift_share(money0, money1)
    v0 = sum(w for w, _ in money0.values())
    v1 = sum(w for w, _ in money1.values())
    mean_volume = (v0 + v1) / 2
    rows = []
    for key in sorted(set(rate["parts"]) | set(dollars["parts"]), key=str):
        r, m = rate["parts"].get(key), dollars["parts"].get(key)
        rows.append(
            {
                "value": key,
                "claim_share_before": r["share_before"] if r else Fraction(0),
                "claim_share_after": r["share_after"] if r else Fraction(0),
                "rate_before": r["rate_before"] if r else Fraction(0),
                "rate_after": r["rate_after"] if r else Fraction(0),
                "rate_effect": r["rate"] if r else Fraction(0),
                "mix_effect": r["mix"] if r else Fraction(0),
                "dollar_rate_effect": mean_volume * m["rate"] if m else Fraction(0),
                "dollar_mix_effect": mean_volume * m["mix"] if m else Fraction(0),
            }
        )
    for row in rows:
        row["total"] = row["rate_effect"] + row["mix_effect"]
        row["dollar_total"] = row["dollar_rate_effect"] + row["dollar_mix_effect"]
    rows.sort(key=lambda r: -abs(r["total"]))
    return {
        "dimension": dimension,
        "rows": rows,
        "rate_before": rate["before"],
        "rate_after": rate["after"],
        "rate_change": rate["after"] - rate["before"],
        "denied_before": v0 * dollars["before"],
        "denied_after": v1 * dollars["after"],
        "denied_change": v1 * dollars["after"] - v0 * dollars["before"],
        "volume_effect": (v1 - v0) * (dollars["before"] + dollars["after"]) / 2,
        "overall_test": _overall(overall, period),
    }


def _overall(overall: dict, period: Period) -> dict | None:
    """The overall rate of the period against its baseline (overall: month -> (claims, denied claims)), tested
    as a slice's is (test(): its months, so a baseline that varies from month to month sets a wider bar):
    counts, rates, the change, its p and 95% interval; None without claims on either side."""
    baseline = [tuple(overall.get(month, (0, 0))) for month in period.baseline]
    months = [tuple(overall.get(month, (0, 0))) for month in period.months]
    n0, k0 = (sum(side) for side in zip(*baseline, strict=True))
    n1, k1 = (sum(side) for side in zip(*months, strict=True))
    if not n0 or not n1:
        return None
    return {
        "claims": n1,
        "denied_claims": k1,
        "claim_denial_rate": k1 / n1,
        "baseline_claim_denial_rate": k0 / n0,
        "rate_change": k1 / n1 - k0 / n0,
        **test(baseline, months),
    }


def attribution_sentence(result: dict, period: Period) -> str:
    rows = result["rows"]
    change = result["rate_change"]
    text = (
        f"The claim denial rate went from {float(result['rate_before']):.1%} {period.baseline_label} to "
        f"{float(result['rate_after']):.1%} in {period.label} ({float(change) * 100:+.1f} points"
        f"{_chance(result['overall_test'])})"
    )
    if rows and change:
        top = rows[0]
        kind = "its own rate" if abs(top["rate_effect"]) >= abs(top["mix_effect"]) else "its share of claims"
        who = top["value"]
        text += f"; {who} explains {float(top['total']) * 100:+.1f} points, mostly by {kind}"
    return text + "."


def overall_change(rows: list, period: Period) -> dict | None:
    """The overall claim denial rate of the period against its baseline, tested as the attribution tests it
    (_overall; rows: queries/findings/overall.sql, the payer slices summed per month)."""
    return _overall({row["month"]: (row["claims"], row["denied_claims"]) for row in rows}, period)


def overall_sentence(change: dict, period: Period) -> str:
    """overall_change() in words, as the Overview, the Monthly review and its exports give it."""
    return (
        f"Overall, {change['claim_denial_rate']:.1%} of initial claims were denied in {period.label}, against "
        f"{change['baseline_claim_denial_rate']:.1%} {period.baseline_label} ({change['rate_change'] * 100:+.1f} "
        f"points{_chance(change)})."
    )


def _chance(tested: dict | None) -> str:
    """Whether the overall change is more than chance allows, with its 95% interval: one test, so its p is
    held to the bar a finding's q is (with one test q is p)."""
    if tested is None:
        return ""
    verdict = "more than chance allows" if tested["p_value"] <= FDR else "within what chance allows"
    return f", 95% CI {tested['ci_low'] * 100:+.1f} to {tested['ci_high'] * 100:+.1f}: {verdict}"


# -- control charts --------------------------------------------------------------------------------------
def p_chart(series: dict, period: Period) -> list:
    """A p-chart of the monthly claim denial rate: centre line the baseline's pooled rate, 3-sigma
    limits per month from its claims (Shewhart), widened by Laney's sigma_z when the baseline months
    vary more than binomially (Laney 2002). Months of the baseline and of the period; `outside` marks
    a rate beyond the limits."""
    months = [m for m in (*period.baseline, *period.months) if m in series and series[m]["claims"] > 0]
    base = [m for m in period.baseline if m in months]
    n0 = sum(series[m]["claims"] for m in base)
    if not n0:
        return []
    centre = sum(series[m]["denied_claims"] for m in base) / n0
    sigma_z = 1.0
    if 0 < centre < 1 and len(base) >= MIN_BASELINE_MONTHS:
        z = [
            (series[m]["denied_claims"] / series[m]["claims"] - centre)
            / math.sqrt(centre * (1 - centre) / series[m]["claims"])
            for m in base
        ]
        moving = [abs(b - a) for a, b in pairwise(z)]
        sigma_z = max(1.0, sum(moving) / len(moving) / 1.128)
    points = []
    for m in months:
        n, k = series[m]["claims"], series[m]["denied_claims"]
        spread = 3 * sigma_z * math.sqrt(centre * (1 - centre) / n)
        lower, upper = max(0.0, centre - spread), min(1.0, centre + spread)
        rate = k / n
        points.append(
            {
                "month": m,
                "claims": n,
                "denied_claims": k,
                "rate": rate,
                "centre": centre,
                "lower": lower,
                "upper": upper,
                "outside": rate > upper or rate < lower,
                "baseline": m in period.baseline,
            }
        )
    return points


# -- everything for one period ---------------------------------------------------------------------------
@dataclass
class Result:
    period: Period
    tested: list  # every slice tested (analyse), sentences on the findings
    series: dict  # slice key -> {month: counts}
    attribution: dict = field(default_factory=dict)  # 'payer' / 'site' -> attribution()

    @property
    def findings(self) -> list:
        return [r for r in self.tested if r["finding"]]

    @property
    def distinct_findings(self) -> list:
        """The findings less those that describe the same claims as a more specific one (same_as)."""
        return [r for r in self.findings if r["same_as"] is None]

    def charts(self, dimension: str) -> dict:
        """p-charts per payer or per category: value -> points."""
        index = 1 + KEYS.index(DIMENSIONS[dimension][1][0])
        return {key[index]: p_chart(series, self.period) for key, series in self.series.items() if key[0] == dimension}


def compute(fetch: Fetch, period: Period, fdr: float = FDR) -> Result:
    """The findings, attribution and charts of a period (slices.sql, then the statistics)."""
    series = monthly_slices(fetch("findings/slices", period.params), period)
    tested = _analysed(series, period, fdr)
    if any(r["finding"] for r in tested):
        labels = {(r["kind"], r["value"]): r["label"] for r in fetch("findings/labels", {})}
        denials = Denials(fetch("findings/drivers", period.params))
        for row in tested:
            if row["finding"]:
                row["sentence"] = sentence(row, period, labels, denials)
    return Result(period, tested, series, {d: attribution(series, period, d) for d in PARTITIONS})


def monthly_counts(series: dict, period: Period) -> list:
    """A slice's months (Result.series[key]: month -> counts) of the baseline and the period that had
    claims, oldest first: [{month, claims, denied_claims}], as change_findings_rows.months stores them."""
    return [
        {"month": m, "claims": series[m]["claims"], "denied_claims": series[m]["denied_claims"]}
        for m in (*period.baseline, *period.months)
        if m in series and series[m]["claims"]
    ]


def sparkline(months: list, finding: dict, period: Period) -> list:
    """The points of a finding's sparkline, one per month with claims (monthly_counts): its monthly claim
    denial rate, whether the month is the period's, and the baseline's rate."""
    return [
        {
            "month": m["month"],
            "rate": m["denied_claims"] / m["claims"],
            "period": m["month"] in period.months,
            "baseline_rate": finding["baseline_claim_denial_rate"],
        }
        for m in months
        if m["claims"]
    ]


def shown(result: Result, rows: list) -> list:
    """Findings of a Result as the pages show them: each with the points of its sparkline."""
    return [
        {
            **row,
            "points": sparkline(
                monthly_counts(result.series.get(slice_key(row), {}), result.period), row, result.period
            ),
        }
        for row in rows
    ]


def _months_from(first: date, last: date) -> tuple:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = _month_before(month, -1)
    return tuple(months)


def stored(rows: list) -> tuple:
    """(period, findings) from rows of the table change_findings_rows (queries/dashboard/top_findings.sql,
    its default period: no statistics run again): the findings as the pages show them (shown()), from
    the months stored with each slice; a row without a sentence says only the period. (None, []) when
    nothing was tested."""
    if not rows:
        return None, []
    first = rows[0]
    baseline = _months_from(first["baseline_from"], first["baseline_to"])[-first["baseline_months"] :]
    period = Period("default", _months_from(first["period_from"], first["period_to"]), baseline)
    return period, [
        {**row, "points": sparkline(row["months"] or [], row, period)} for row in rows if row["sentence"] is not None
    ]


def claims_filters(finding: dict, period: Period) -> dict:
    """What the Claims page needs to show a finding's denied lines (ui.drill): its payment months and
    the slice's payer, category, code, modifier and site."""
    import calendar

    last = period.months[-1]
    out = {
        "date_basis": "payment",
        "date_from": period.months[0],
        "date_to": last.replace(day=calendar.monthrange(last.year, last.month)[1]),
    }
    for chosen in LISTS:
        out[chosen.field] = (finding[chosen.column],) if finding.get(chosen.column) is not None else ()
    return out


def slice_label(row: dict, categories: dict | None = None) -> str:
    """A slice in short words: 'SUMMIT MEDICARE ADVANTAGE × authorization', or with categories (key -> label)
    as people read it: 'SUMMIT MEDICARE ADVANTAGE × Prior authorization and referral'."""
    named = categories or {}
    return " × ".join(
        named.get(row[k], str(row[k])) if k == "category" else str(row[k]) for k in DIMENSIONS[row["dimension"]][1]
    )


# -- the derived table change_findings -------------------------------------------------------------------
MONTHS_TYPE = "STRUCT(month DATE, claims BIGINT, denied_claims BIGINT)[]"
COLUMNS = (
    ("period_from", "DATE"),
    ("period_to", "DATE"),
    ("baseline_from", "DATE"),
    ("baseline_to", "DATE"),
    ("baseline_months", "INTEGER"),
    ("dimension", "VARCHAR"),
    ("slice", "VARCHAR"),
    ("payer_name", "VARCHAR"),
    ("category", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("remark", "VARCHAR"),
    ("procedure_code", "VARCHAR"),
    ("modifier", "VARCHAR"),
    ("site", "VARCHAR"),
    ("claims", "BIGINT"),
    ("denied_claims", "BIGINT"),
    ("claim_denial_rate", "DOUBLE"),
    ("baseline_claims", "BIGINT"),
    ("baseline_denied_claims", "BIGINT"),
    ("baseline_claim_denial_rate", "DOUBLE"),
    ("rate_change", "DOUBLE"),
    ("ci_low", "DOUBLE"),
    ("ci_high", "DOUBLE"),
    ("charges", "DECIMAL(18, 2)"),
    ("denied_amount", "DECIMAL(18, 2)"),
    ("baseline_charges", "DECIMAL(18, 2)"),
    ("baseline_denied_amount", "DECIMAL(18, 2)"),
    ("expected_denied_amount", "DECIMAL(18, 2)"),
    ("effect_amount", "DECIMAL(18, 2)"),
    ("p_value", "DOUBLE"),
    ("q_value", "DOUBLE"),
    ("direction", "VARCHAR"),
    ("finding", "BOOLEAN"),
    ("test", "VARCHAR"),
    ("dispersion", "DOUBLE"),
    ("sentence", "VARCHAR"),
    ("rank", "INTEGER"),
    # the period rate's 95% interval, the slice's months of the baseline and the period for its sparkline
    # (monthly_counts), and the more specific finding that describes the same claims (_mark_same_claims)
    ("rate_ci_low", "DOUBLE"),
    ("rate_ci_high", "DOUBLE"),
    ("months", MONTHS_TYPE),
    ("same_as", "VARCHAR"),
)


def _unchanged(cur, period: Period, changed: list) -> bool:
    """Whether change_findings_rows holds this period's findings and no changed month is in its window
    (the baseline's first month to the period's last: what slices.sql and drivers.sql count)."""
    stored = cur.execute(
        "SELECT DISTINCT period_from, period_to, baseline_from, baseline_to FROM change_findings_rows"
    ).fetchall()
    window = (period.baseline[0], period.months[-1])
    same = stored == [(period.months[0], period.months[-1], period.baseline[0], period.baseline[-1])]
    return same and not any(window[0] <= month <= window[1] for month in changed)


def table_rows(result: Result | None) -> list:
    if result is None:
        return []
    p = result.period
    out = []
    for rank, row in enumerate(result.tested, 1):
        out.append(
            {
                **{name: row.get(name) for name, _ in COLUMNS},
                "period_from": p.months[0],
                "period_to": p.months[-1],
                "baseline_from": p.baseline[0],
                "baseline_to": p.baseline[-1],
                "baseline_months": len(p.baseline),
                "slice": slice_label(row),
                "rank": rank,
                "months": monthly_counts(result.series.get(slice_key(row), {}), p),
            }
        )
    return out


# The counts per payment month that the findings of any period read (slices.sql, drivers.sql): counted once
# per load, so no page counts units. table -> the query that counts some months ($months), its columns.
MONTHLY_COUNTS = {
    "slice_months": (
        "findings/slice_counts",
        (
            *((name, "VARCHAR") for name in ("dimension", *KEYS)),
            ("month", "DATE"),
            ("claims", "BIGINT"),
            ("denied_claims", "BIGINT"),
            ("charges", "DECIMAL(18, 2)"),
            ("denied_amount", "DECIMAL(18, 2)"),
        ),
    ),
    "driver_months": (
        "findings/driver_counts",
        (
            *((name, "VARCHAR") for name in ("payer_name", "site", "procedure_code")),
            ("modifiers", "VARCHAR[]"),
            ("category", "VARCHAR"),
            ("reason", "VARCHAR"),
            ("remark_codes", "VARCHAR[]"),
            ("month", "DATE"),
            ("denials", "BIGINT"),
            ("denied_amount", "DECIMAL(18, 2)"),
        ),
    ),
}


def _create_monthly(cur, table: str) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in MONTHLY_COUNTS[table][1])
    cur.execute(f"CREATE OR REPLACE TABLE {table} ({columns})")


def count_months(cur, complete: list, changed: list | None) -> None:
    """The tables of MONTHLY_COUNTS for the complete months (`complete`): in full, or after a load that only
    added files (`changed`: the payment months of the claim facts it changed) those months and the months
    newly complete (a month's counts are its own claims')."""
    for table, (name, _) in MONTHLY_COUNTS.items():
        if changed is None:
            _create_monthly(cur, table)
            months = complete
        else:
            stored = {m for (m,) in cur.execute(f"SELECT DISTINCT month FROM {table}").fetchall()}
            months = [m for m in complete if m in changed or m not in stored]
            if months:
                cur.execute(f"DELETE FROM {table} WHERE list_contains(?, month)", [months])
        if months:
            cur.execute(f"INSERT INTO {table}\n{sql(name)}", {"months": months})


def refresh(cur, changed: list | None = None) -> int:
    """Count the months (MONTHLY_COUNTS), then rebuild the table change_findings_rows (the view
    change_findings) for the default period: the last usable month against the 12 before. Runs inside the
    recovery rebuild's transaction, after the derived tables. `changed`: after a load that only added
    files, the payment months of the claim facts it changed (analytics/derived.py); the rows are kept as
    they are when the period is the one they hold and none of those months is in it or its baseline (every
    figure of a finding counts the claims of those months, by payment date). Returns the rows written (or
    kept)."""
    defined = cur.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'initial_claims'").fetchall()
    result = None
    if not defined[0][0]:  # a brand-new database creates its macros after this first rebuild: empty then
        for table in MONTHLY_COUNTS:
            _create_monthly(cur, table)
    else:
        fetch = fetcher(cur)
        complete, usable = payment_months(fetch)
        count_months(cur, complete, changed)
        period = latest_period(usable)
        if changed is not None and period is not None and _unchanged(cur, period, changed):
            return cur.execute("SELECT count(*) FROM change_findings_rows").fetchall()[0][0]
        result = compute(fetch, period) if period is not None else None
    rows = table_rows(result)
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    cur.execute(f"CREATE OR REPLACE TABLE change_findings_rows ({columns})")
    if rows:
        import pyarrow as pa

        types = {
            "DATE": pa.date32(),
            "INTEGER": pa.int32(),
            "VARCHAR": pa.string(),
            "BIGINT": pa.int64(),
            "DOUBLE": pa.float64(),
            "DECIMAL(18, 2)": pa.decimal128(18, 2),
            "BOOLEAN": pa.bool_(),
            MONTHS_TYPE: pa.list_(
                pa.struct([("month", pa.date32()), ("claims", pa.int64()), ("denied_claims", pa.int64())])
            ),
        }
        batch = pa.table({name: pa.array([r[name] for r in rows], type=types[kind]) for name, kind in COLUMNS})
        cur.register("new_change_findings", batch)
        try:
            cur.execute("INSERT INTO change_findings_rows SELECT * FROM new_change_findings")
        finally:
            cur.unregister("new_change_findings")
    return len(rows)
