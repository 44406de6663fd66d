"""p-charts of a slice's monthly claim denial rate (Laney's p' when the baseline is overdispersed)."""

from __future__ import annotations

import math
from itertools import pairwise

from analytics.findings.periods import MIN_BASELINE_MONTHS, Period


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
