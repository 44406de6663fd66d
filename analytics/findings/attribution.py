"""Why the overall claim denial rate moved: the change split exactly into rate and mix effects per payer
and per site of care (symmetric shift-share), and the overall change tested as a slice is."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fractions import Fraction

from analytics.findings.chance import FDR, Counts, test
from analytics.findings.periods import Period
from analytics.findings.slices import DIMENSIONS, KEYS

# The slices that partition the claims (each claim has one payer and one site: CLP08 is the claim's),
# so that shares add up to one and the shift-share decomposition is exact. Codes, modifiers and
# categories overlap (a claim has several lines and may have several denials).
PARTITIONS = ("payer", "site")


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
    claims0, claims1, money0, money1, overall = _period_sums(by_slice, period, dimension)
    rate = shift_share(claims0, claims1)
    dollars = shift_share(money0, money1)
    v0 = sum(w for w, _ in money0.values())
    v1 = sum(w for w, _ in money1.values())
    return {
        "dimension": dimension,
        "rows": _effects(rate["parts"], dollars["parts"], (v0 + v1) / 2),
        "rate_before": rate["before"],
        "rate_after": rate["after"],
        "rate_change": rate["after"] - rate["before"],
        "denied_before": v0 * dollars["before"],
        "denied_after": v1 * dollars["after"],
        "denied_change": v1 * dollars["after"] - v0 * dollars["before"],
        "charges_before": v0,
        "charges_after": v1,
        "volume_effect": (v1 - v0) * (dollars["before"] + dollars["after"]) / 2,
        "overall_test": _overall(overall, period),
    }


def _period_sums(by_slice: dict, period: Period, dimension: str) -> tuple:
    """Per slice value of the dimension, (claims, denied claims) and (charges a month, denied $ a month) before
    and after; and month -> [claims, denied claims] of all its slices together."""
    claims0: dict[str, tuple[int, int]] = {}
    claims1: dict[str, tuple[int, int]] = {}
    money0: dict[str, tuple[Fraction, Fraction]] = {}
    money1: dict[str, tuple[Fraction, Fraction]] = {}
    overall: defaultdict[date, list[int]] = defaultdict(lambda: [0, 0])
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
    return claims0, claims1, money0, money1, overall


def _effects(rate_parts: dict, dollar_parts: dict, mean_volume: Fraction) -> list[dict]:
    """A row per slice value: its shares, rates and effects on the claim rate and on denied $ (the dollars'
    own inputs: its share of charges and its denied $ per charged $), largest total effect first."""
    zero = Fraction(0)
    rows = []
    for key in sorted(set(rate_parts) | set(dollar_parts), key=str):
        r, m = rate_parts.get(key), dollar_parts.get(key)
        row = {
            "value": key,
            "claim_share_before": r["share_before"] if r else zero,
            "claim_share_after": r["share_after"] if r else zero,
            "rate_before": r["rate_before"] if r else zero,
            "rate_after": r["rate_after"] if r else zero,
            "rate_effect": r["rate"] if r else zero,
            "mix_effect": r["mix"] if r else zero,
            "charge_share_before": m["share_before"] if m else zero,
            "charge_share_after": m["share_after"] if m else zero,
            "dollar_rate_before": m["rate_before"] if m else zero,
            "dollar_rate_after": m["rate_after"] if m else zero,
            "dollar_rate_effect": mean_volume * m["rate"] if m else zero,
            "dollar_mix_effect": mean_volume * m["mix"] if m else zero,
        }
        row["total"] = row["rate_effect"] + row["mix_effect"]
        row["dollar_total"] = row["dollar_rate_effect"] + row["dollar_mix_effect"]
        rows.append(row)
    rows.sort(key=lambda r: -abs(r["total"]))
    return rows


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


def attribution_sentence(result: dict, period: Period, names: dict | None = None) -> str:
    """The attribution in words, the slice explaining most named for people (names: key -> label, for sites)."""
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
        who = (names or {}).get(top["value"], top["value"])
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
