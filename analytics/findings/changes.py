"""One change seen through several slices. A payer that starts denying one drug at three hospital sites is
found as the payer × category, the payer × code, the reason, the category and each site × category: seven
findings of one change, which a manager would read as seven problems. Their counts of claims differ, so
same_as (the very same claims) cannot tell; the denials that moved can: most of what moved in each is the
same denials, for the same reason."""

from __future__ import annotations

from analytics.findings.periods import Period
from analytics.findings.sentences import Denials
from analytics.findings.slices import slice_label


def _moved(finding: dict, denials: Denials, scale: float) -> dict:
    """The denial rows (drivers.sql: payer × site × code × modifiers × category × reason × remarks) of a
    finding's slice that moved its way, by how much: the period's denials less the baseline's scaled to the
    period's length (the other way round for a fall). id(row) -> denials moved."""
    sign = 1 if finding["direction"] == "up" else -1
    moved = {id(r): sign * (r["denials"] - r["baseline_denials"] * scale) for r in denials.in_slice(finding)}
    return {key: amount for key, amount in moved.items() if amount > 0}


def _leading_reason(moved: dict, reason: dict) -> str | None:
    """The reason with the most moved denials."""
    by_reason: dict = {}
    for key, amount in moved.items():
        by_reason[reason[key]] = by_reason.get(reason[key], 0) + amount
    return max(by_reason, key=by_reason.__getitem__) if by_reason else None


def _change_of(finding: dict, moved: dict, leads: dict, reason: dict) -> str | None:
    """The first change (a larger dollar effect first) in which half or more of these moved denials moved the
    same way, for its leading reason: its leading finding's slice label; None when none."""
    total = sum(moved.values())
    for label, (lead, lead_moved, lead_reason) in leads.items():
        shared = sum(v for k, v in moved.items() if k in lead_moved and reason[k] == lead_reason)
        if lead["direction"] == finding["direction"] and total and shared >= total / 2:
            return label
    return None


def mark_parts(tested: list, denials: Denials, period: Period, names: dict) -> None:
    """Set part_of on each finding whose moved denials are mostly (half or more) moved denials of a finding listed
    before it (a larger dollar effect) for that finding's leading reason (the reason with the most moved denials):
    that finding's slice label. Findings on the same claims (same_as) go with the one that stands for them, and are
    parts of it when it leads: every finding but a leading one has part_of. The leading finding gets its parts'
    labels (slice_label with names), the largest dollar effect first, in parts: every page lists it and names its
    parts under it. A payer × code moving for coding within a payer moving for timely filing is not a part: its
    denials moved for another reason."""
    scale = len(period.months) / len(period.baseline)
    reason = {id(r): r["reason"] for r in denials.rows}
    leads: dict = {}  # slice label -> (finding, its moved denials, its leading reason)
    change_of: dict = {}  # slice label of each finding standing for its claims -> its change's leading finding
    for row in tested:
        row["part_of"], row["parts"] = None, []
        if not row["finding"] or row["same_as"]:
            continue
        moved = _moved(row, denials, scale)
        label = slice_label(row)
        change_of[label] = _change_of(row, moved, leads, reason)
        if change_of[label] is None:
            leads[label] = (row, moved, _leading_reason(moved, reason))
    for row in tested:  # findings first, the largest dollar effect first
        if not row["finding"]:
            continue
        # a finding on the same claims as another goes with it: into its change, or into it when it leads one
        lead = change_of[row["same_as"] or slice_label(row)] or row["same_as"]
        if lead:
            row["part_of"] = lead
            leads[lead][0]["parts"].append(slice_label(row, names))
