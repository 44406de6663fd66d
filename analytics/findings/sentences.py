"""A finding in words a billing manager can read aloud: who denied what share of which claims, against
what before, its dollars and q, and the reason and site behind most of its denied dollars."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from analytics.findings.periods import Period
from analytics.findings.slices import MIN_BASELINE_CLAIMS, MIN_CLAIMS, MIN_DENIED, slice_label


def _site(value, labels) -> str:
    return labels.get(("site", value), str(value))  # 'POS 19 off campus-outpatient hospital', as on the pages


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
    """The period's and the baseline's denials (drivers.sql rows), indexed by each of DRIVER_KEYS: a finding
    reads the rows of its rarest value, not all (36 findings × 10,000 rows took seconds at 10M lines)."""

    def __init__(self, rows: list):
        self.rows = rows
        self.index: dict = defaultdict(list)
        for row in rows:
            for k in DRIVER_KEYS:
                self.index[(k, row[k])].append(row)

    def in_slice(self, finding: dict) -> list:
        """The rows within a finding's slice: its DRIVER_KEYS values, its modifier among the line's, its remark
        among the line's remarks."""
        wanted = {k: finding[k] for k in DRIVER_KEYS if finding[k] is not None}
        if wanted:
            first = min(wanted.items(), key=lambda kv: len(self.index.get(kv, ())))
            rows = [r for r in self.index.get(first, ()) if all(r[k] == v for k, v in wanted.items())]
        else:
            rows = self.rows
        modifier, remark = finding["modifier"], finding["remark"]
        return [
            r
            for r in rows
            if (modifier is None or modifier in r["modifiers"])
            and (remark is None or remark in (r["remark_codes"] or []))
        ]


def drivers(finding: dict, denials: Denials) -> tuple:
    """The reason and the site with the most denied $ among the period's denials of the slice, each
    with its share: (('CO-197', 'authorization', 0.8), ('19', 0.6))."""
    d = finding["dimension"]
    reasons: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)  # (reason, category) -> denied $
    sites: defaultdict[str, Decimal] = defaultdict(Decimal)
    total = Decimal("0")
    for row in denials.in_slice(finding):
        if not row["denials"]:
            continue  # denied in the baseline only
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


def _denied_in_period(finding: dict, period: Period, labels: dict) -> str:
    """Who denied what share of which claims in the period: 'BETA MUTUAL denied 50.0% of claims in Jun 2024'."""
    payer, claims, reason = subject(finding, labels)
    rate = finding["claim_denial_rate"]
    if payer:
        return f"{payer} denied {rate:.1%} of {claims}{reason} in {period.label}"
    return f"{rate:.1%} of {claims} were denied{reason} in {period.label}"


def sentence(finding: dict, period: Period, labels: dict, denials: Denials) -> str:
    """A finding a billing manager can read aloud."""
    before = finding["baseline_claim_denial_rate"]
    text = _denied_in_period(finding, period, labels) + (
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


def filtered_slice_sentence(
    tested: dict | None,
    wanted: dict,
    period: Period,
    labels: dict,
    lead: str = "Under the sidebar's filters, ",
    inside: Sequence[dict] = (),
) -> str:
    """The slice the filters name (slices.slice_of: `wanted`), as the period's test found it (`tested`, its
    change_findings row; None when it was not tested), for a manager who filtered to a payer and asks
    whether its move is real: its rate against the baseline, the change's 95% interval, q and the verdict;
    or why it was not tested. `lead` opens the sentence. Then the findings `inside` it (slices.findings_inside),
    the first three: a payer within chance may hold a category that moved beyond it."""
    if tested is None:
        text = (
            f"{lead}{slice_label(wanted, slice_names(labels))} was not tested in {period.label}, too few "
            f"claims for any change to pass the bar: a slice is tested with at least {MIN_CLAIMS} claims in "
            f"{period.label}, {MIN_BASELINE_CLAIMS} {period.baseline_label} and {MIN_DENIED} denied claims between "
            "them."
        )
    else:
        verdict = "more than chance allows: a finding" if tested["finding"] else "within what chance allows"
        text = (
            f"{lead}{_denied_in_period(tested, period, labels)} against "
            f"{tested['baseline_claim_denial_rate']:.1%} {period.baseline_label} "
            f"({tested['rate_change'] * 100:+.1f} points, 95% CI {tested['ci_low'] * 100:+.1f} to "
            f"{tested['ci_high'] * 100:+.1f}; {_q(tested['q_value'])}): {verdict}."
        )
    if inside:
        found = [
            f"{_denied_in_period(r, period, labels)} against {r['baseline_claim_denial_rate']:.1%} ({_q(r['q_value'])})"
            for r in inside
        ]
        text += f" Inside it, more than chance allows: {_first(found, 3)}."
    return text


# A change found in many slices (a payer's every drug code) names its first ones, the largest dollar effect
# first, and how many more: What changed's table of every slice tested says what each is listed under.
PARTS_NAMED = 8


def parts_sentence(parts: Sequence[str]) -> str:
    """Under a finding that leads a change, the other slices it was found in (change_findings.parts), or ''."""
    if not parts:
        return ""
    slices = f"{len(parts)} more slice{'s' if len(parts) > 1 else ''}"
    return (
        f"The same change, found in {slices} (mostly the same denials, for the same reason): "
        f"{_first(parts, PARTS_NAMED)}."
    )


def _first(items: Sequence[str], shown: int) -> str:
    """The first `shown` of a list, then how many more: 'a; b; c; and 2 more'."""
    more = f"; and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more


def slice_names(words: dict) -> dict:
    """Words by (kind, value) (labels.sql: a category's or a site's) as slice_label reads them: kind -> {value:
    word}."""
    names: dict = defaultdict(dict)
    for (kind, value), word in words.items():
        names[kind][value] = word
    return names
