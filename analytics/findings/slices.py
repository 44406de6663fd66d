"""The slices tested (payer, category, reason, code, modifier, site and their pairs): their months, the
test of each with its effect in dollars, the Benjamini-Hochberg q-values, and how a finding is named,
drawn and opened on the Claims page."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from analytics.filters import LISTS, MISSING_JW_JZ
from analytics.findings.chance import FDR, Counts, test
from analytics.findings.periods import Period

# Below these counts a slice is not tested: with fewer than 20 claims in the period, or 60 in the
# baseline, or 5 denied claims in both together, even "all denied" against "none denied" cannot pass the
# false-discovery bar across hundreds of slices (Fisher's smallest p for 20 claims against 60 is about
# 1e-4 only when every one of them moved), so testing them adds only to the number of tests.
MIN_CLAIMS = 20
MIN_BASELINE_CLAIMS = 60
MIN_DENIED = 5

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


def _tested(base: Counts, now: Counts) -> bool:
    return now.claims >= MIN_CLAIMS and base.claims >= MIN_BASELINE_CLAIMS and base.denied + now.denied >= MIN_DENIED


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
    return analyse_series(monthly_slices(rows, period), period, fdr)


def analyse_series(by_slice: dict, period: Period, fdr: float) -> list:
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
    name it in same_as: the pages list the most specific only, and name the others under it (mark_parts)."""
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


def slice_label(row: dict, names: dict | None = None) -> str:
    """A slice in short words: 'SUMMIT MEDICARE ADVANTAGE × authorization', or with names (per key column, key
    -> label: {'category': ..., 'site': ...}) as people read it: 'SUMMIT MEDICARE ADVANTAGE × Prior
    authorization and referral', '99213 × POS 11 office'."""
    named = names or {}
    return " × ".join(named.get(k, {}).get(row[k], str(row[k])) for k in DIMENSIONS[row["dimension"]][1])


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


def slice_of(filters) -> dict | None:
    """The slice the sidebar's filters name, when they name one: one value in each list filter that keys a
    dimension, the others empty (a payer; a payer and a category; a code and a site): {'dimension':
    'payer_category', 'payer_name': ..., 'category': ..., the other KEYS None}. None for no filter, two values
    of one, or a set of filters no dimension has (a category and a modifier; 'JW/JZ missing', no modifier
    carried). The inverse of claims_filters."""
    chosen = {f.column: values for f, values in filters.chosen()}
    if not chosen or any(len(values) != 1 for values in chosen.values()) or chosen.get("modifier") == (MISSING_JW_JZ,):
        return None
    named = {column: values[0] for column, values in chosen.items()}
    dimension = next((d for d, (_, keys) in DIMENSIONS.items() if set(keys) == set(named)), None)
    return None if dimension is None else {"dimension": dimension, **{k: named.get(k) for k in KEYS}}


def slice_row(tested: list, wanted: dict) -> dict | None:
    """The row of `tested` (analyse(), or change_findings rows) for the slice `wanted` (slice_of); None when
    it was not tested."""
    return next((r for r in tested if all(r[k] == wanted[k] for k in ("dimension", *KEYS))), None)


def findings_inside(tested: list, wanted: dict) -> list:
    """The findings (one per set of claims: same_as; one per change: part_of) inside the slice `wanted`
    (slice_of): the slices that share its values and add others (a payer's payer x category, payer x code,
    ...), the largest dollar effect first. A payer can move within chance while one of its categories moves
    well beyond it. Not the finding the slice itself is the same claims as (a payer found as its one code):
    that says the slice again; nor a part of a change whose leading finding is inside too."""
    named = [k for k in KEYS if wanted[k] is not None]
    own = slice_row(tested, wanted)
    inside = [
        r
        for r in tested
        if r["finding"]
        and r["same_as"] is None
        and r["dimension"] != wanted["dimension"]
        and all(r[k] == wanted[k] for k in named)
        and not (own and own["same_as"] == slice_label(r))
    ]
    leading = {slice_label(r) for r in inside}
    return sorted((r for r in inside if r.get("part_of") not in leading), key=lambda r: -abs(r["effect_amount"]))
