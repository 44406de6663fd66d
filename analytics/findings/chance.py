"""Whether a slice's denial rate moved more than chance allows: the test of a period's (claims, denied)
months against its baseline's (beta-binomial when the baseline is overdispersed, else Fisher's exact test),
and the 95% intervals of the rate and of its change."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from analytics.findings.periods import MIN_BASELINE_MONTHS

FDR = 0.05  # the false-discovery rate a finding's q must not exceed
Z95 = 1.959963984540054  # the normal quantile of a 95% interval (scipy.stats.norm.ppf(0.975))


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
