"""The monthly review's parts: its tables (one query each), its findings, its charts, and their titles and
definitions."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.express as px

from analytics import findings, labels

# Each part of the review: (query in queries/recovery/, title, definition).
PARTS = {
    "review_sources": (
        "Recovered this month, by denial month",
        "Recovered $ whose recovery date falls in the month, by the month the denial was paid: how old "
        "the money coming back is.",
    ),
    "review_cohorts": (
        "Recovery rate by cohort",
        "For the denials of each month (rows), the share of their denied $ recovered within k months "
        "(columns; 0 = the same month), as known at the end of the review month.",
    ),
    "review_ageing": (
        "Open inventory by age",
        "Denials still open at the end of the month, by days since the denial was paid.",
    ),
    "review_expiring": (
        "About to pass the deadline",
        "Open denials whose deadline falls within 30 days after the month end, soonest first: the appeal "
        "window, or timely filing from the date of service for a denial fixed by a corrected claim "
        "(deadline basis). Days left are counted from the month end.",
    ),
    "review_movers": (
        "Top movers",
        "Denied $ by payer, category and code in the month against the month before and the average of "
        "the 12 months before it (of the months loaded, when fewer); the five biggest changes against that "
        "average per dimension. Complete months only: for a month not over on the data date, the month before "
        "it (column month).",
    ),
    "review_detail": (
        "The month's denials",
        "Every denial paid in the month with its outcome as known at the month end, largest first ({listed}): "
        "initial denials and denials on readjudication (denial kind); presumed lost: nothing back by the deadline.",
    ),
}

# The change findings of the month (analytics/findings/), first in the exports: not a query of
# queries/recovery/ but the page's findings for the month, put into the parts by findings_part().
FINDINGS = (
    "What changed",
    "Slices (payer, category, reason, code, modifier, site and their pairs) whose initial claim denial rate "
    "in the month differs from the 12 complete months before by more than chance allows (beta-binomial or "
    "Fisher test, Benjamini-Hochberg q at most 0.05), one per change (the other slices it was found in named "
    "after it), largest dollar effect first, each with its rate's 95% "
    "confidence interval and its monthly rate (red: the month; dotted: the baseline's rate); the What changed "
    "page has the attribution and the control charts. The sidebar's filters do not apply.",
)
# The overall claim denial rate of the month against the 12 before, tested (findings.overall_change): the
# sentence the page shows under the findings, with its figures; put into the parts by overall_part().
OVERALL = (
    "Overall claim denial rate",
    "Initial claims denied ÷ initial claims of every payer in the month (by payment month), against the 12 "
    "complete months before, tested as each slice is: the change's 95% confidence interval in points, and "
    "whether it is more than chance allows (p at most 0.05). The sidebar's filters do not apply to it; when "
    "they name one slice (a payer; a payer and a category; a code and a site...), a second row gives that "
    "slice's test, a finding when its q among every slice tested is at most 0.05.",
)
SECTIONS = {"review_findings": FINDINGS, "review_overall": OVERALL, **PARTS}


def sections(parts: dict) -> dict:
    """SECTIONS as the page and the exports say them: the month's denials with how many it lists, 'all 241'
    or 'the first 20,000 of 31,204' (the query stops at 20,000; the summary counts them all: the denials
    opened and those on readjudication)."""
    summary = parts["review_summary"].iloc[0]
    total = int(summary["denials_opened"]) + int(summary["readjudication_denials"])
    title, definition = SECTIONS["review_detail"]
    listed = labels.shown_of(len(parts["review_detail"]), total, "first")
    return {**SECTIONS, "review_detail": (title, definition.format(listed=listed))}


# Excel's sheet names hold 31 characters: the parts whose title is longer
SHEETS = {"review_sources": "Recovered, by denial month"}

# The headline numbers: (column, label, kind, definition). The denials are the ones every page counts:
# initial adjudications' denials, not duplicate claims nor expected GA/GY/GZ denials (the Overview's
# denied $ with dates by payment in the month); recovery figures count those still pursued.
SUMMARY = (
    (
        "denials_opened",
        "Denials opened",
        "count",
        "Initial denials paid in the month: a line or claim denied on the payer's first adjudication of the claim. "
        "Duplicate-claim and expected (GA/GY/GZ) denials are not counted, as on the Overview.",
    ),
    (
        "denied_amount",
        "Denied $",
        "money",
        "Denial-class adjustment dollars of the denials opened in the month: the Overview's denied $ with dates by "
        "payment in this month.",
    ),
    (
        "recovered_amount",
        "Recovered $",
        "money",
        "What later adjudications paid on denied lines, net of reversals and recoupments and never more than was "
        "denied, for denials whose recovery date falls in the month (whatever month they were denied). Counts the "
        "denials still pursued, initial or on readjudication; denials billed to the patient, expected (GA/GY/GZ) "
        "and duplicate denials are not pursued.",
    ),
    (
        "written_off_amount",
        "Presumed lost $",
        "money",
        "Denied $ with nothing back by the deadline, where the deadline passed in the month (one on the month's last "
        "day passes in the next): the appeal window, or timely filing from the date of service for a denial fixed "
        "by a corrected claim.",
    ),
    (
        "open_amount",
        "Open $",
        "money",
        "Denied $ of denials still open at the month end (deadline not passed; still pursued), initial or "
        "on readjudication: the Worklist's inventory at that date.",
    ),
    (
        "expiring_amount",
        "Expiring within 30 days $",
        "money",
        "Open denied $ whose deadline falls within 30 days after the month end.",
    ),
    (
        "recovery_rate_12_months",
        "Recovery rate, 12 months",
        "percent",
        "Recovered $ ÷ denied $ of the denials of the 12 months to the month end still pursued (not billed to the "
        "patient). "
        "Recoveries are paid at the payer's allowed amount, so a fully won denial counts for less than its charge: "
        "see the rate against expected reimbursement.",
    ),
    (
        "recovery_rate_expected_12_months",
        "Recovery rate vs expected $",
        "percent",
        "Recovered $ ÷ what the same denials would have been paid (denied $ × the payer's paid-to-charge ratio for "
        "the code): like compared with like.",
    ),
    (
        "readjudication_denied_amount",
        "Denied on readjudication $",
        "money",
        "Denials paid in the month on a later adjudication of a claim (a paid claim denied on reprocessing, a "
        "corrected claim denied): counted apart from the denials opened.",
    ),
)


def frames(fetch, month: date) -> dict:
    """Every table of the review; `fetch(name, **extra)` runs queries/<name>.sql under the page filters."""
    out = {"review_summary": fetch("recovery/review_summary", month=month)}
    for name in PARTS:
        out[name] = fetch(f"recovery/{name}", month=month)
    return out


def top_findings(result, top: int = 10) -> list:
    """The month's findings (findings.Result, or None when the month cannot be compared), largest dollar
    effect first, one for each change (Result.changes): the page shows the first five, the exports the first
    ten."""
    return sorted(result.changes if result else [], key=lambda f: -abs(f["effect_amount"]))[:top]


def findings_note(month: date, result, reason: str | None = None) -> str:
    """What the findings section says when it lists no finding, on the page and in the exports: that no
    slice moved more than chance allows, or why the month cannot be compared (result None; reason:
    ui.no_comparison_reason). The two must not read alike: one is news, the other is no test at all."""
    if result is None:
        return f"{month:%B %Y} cannot be compared: {reason}."
    return f"No slice changed more than chance allows in {month:%B %Y}."


FINDING_COLUMNS = [
    "finding",
    "claims",
    "denied_claims",
    "claim_denial_rate",
    "rate_ci_low",
    "rate_ci_high",
    "baseline_claim_denial_rate",
    "effect_amount",
    "q_value",
    "sparkline",
]


def findings_part(result, top: int = 10) -> pd.DataFrame:
    """The month's findings as a table: the sentence (the rate's 95% interval in it, then the other slices its
    change was found in) and the figures behind it, the interval's bounds, and the slice's monthly rates (the
    HTML draws them as sparklines)."""
    rows = findings.shown(result, top_findings(result, top)) if result else []
    return pd.DataFrame(
        [
            {
                "finding": ". ".join(filter(None, (f["sentence"], findings.parts_sentence(f.get("parts") or [])))),
                "claims": f["claims"],
                "denied_claims": f["denied_claims"],
                "claim_denial_rate": f["claim_denial_rate"],
                "rate_ci_low": f["rate_ci_low"],
                "rate_ci_high": f["rate_ci_high"],
                "baseline_claim_denial_rate": f["baseline_claim_denial_rate"],
                "effect_amount": float(f["effect_amount"]),
                "q_value": f["q_value"],
                "sparkline": f["points"],
            }
            for f in rows
        ],
        columns=FINDING_COLUMNS,
    )


# the overall part's figures: column -> key of findings.overall_change()
OVERALL_FIGURES = {
    "claims": "claims",
    "denied_claims": "denied_claims",
    "claim_denial_rate": "claim_denial_rate",
    "baseline_claim_denial_rate": "baseline_claim_denial_rate",
    "change_ci_low": "ci_low",
    "change_ci_high": "ci_high",
    "p_value": "p_value",
}


def overall_part(change: dict | None, period, sliced: tuple[str, dict | None] | None = None) -> pd.DataFrame:
    """The overall rate's change (findings.overall_change, or None) as a table: the sentence and its figures,
    the change's 95% interval (in percentage points, as the sentence says it) and p; then, when the sidebar's
    filters name one slice (ui.filtered_slice_change: its sentence and its tested row, None when it was not
    tested), that slice's row, with its q among every slice tested."""
    scale = {c: 100 if labels.describe(c)[1] == "points" else 1 for c in OVERALL_FIGURES}

    def figures(tested: dict) -> dict:
        return {c: tested[k] * scale[c] for c, k in OVERALL_FIGURES.items()}

    rows = []
    if change is not None:
        rows.append({"finding": findings.overall_sentence(change, period)} | figures(change))
    if sliced is not None:
        said, tested = sliced
        rows.append({"finding": said} | ({} if tested is None else figures(tested) | {"q_value": tested["q_value"]}))
    return pd.DataFrame(rows, columns=["finding", *OVERALL_FIGURES, "q_value"])


def cohort_matrix(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Cohorts as a table: a row per denial month, a column per months since denial."""
    if cohorts.empty:
        return pd.DataFrame()
    matrix = cohorts.pivot(index="denial_month", columns="months_since", values="recovery_rate")
    matrix.columns = [f"+{k}" for k in matrix.columns]
    return matrix.reset_index()


def figures(parts: dict) -> dict:
    """The review's charts, by part name. Colours are set here (not left to a theme), so that the exported
    HTML shows the same distinct colours, each cohort its own, with a legend."""
    out = {}
    sources = parts["review_sources"]
    if not sources.empty:
        out["review_sources"] = (
            px.bar(
                sources.assign(denial_month=_month_labels(sources["denial_month"])),
                x="denial_month",
                y="recovered_amount",
                color_discrete_sequence=[MAIN],
                labels={"denial_month": "denial month", "recovered_amount": "recovered $"},
            )
            .update_xaxes(type="category")
            .update_yaxes(tickprefix="$", tickformat=",.0f")
        )
    cohorts = parts["review_cohorts"]
    if not cohorts.empty:
        curves = px.line(
            cohorts.assign(cohort=_month_labels(cohorts["denial_month"])),
            x="months_since",
            y="recovery_rate",
            color="cohort",
            markers=True,
            color_discrete_sequence=COHORT_COLOURS,
            labels={
                "months_since": "months since the denial month",
                "recovery_rate": "recovered $ ÷ denied $",
                "cohort": "denials of",
            },
        )
        # from month 0 (one month alone was drawn from "-1"), tall enough for the legend's twelve cohorts
        # (the HTML export's 380 px cut the last ones off)
        last = max(1, cohorts["months_since"].max())
        out["review_cohorts"] = (
            curves.update_yaxes(tickformat=".0%", rangemode="tozero")
            .update_xaxes(dtick=1, range=[-0.25, last + 0.25])
            .update_layout(height=460)
        )
    ageing = parts["review_ageing"]
    if not ageing.empty:
        out["review_ageing"] = px.bar(
            ageing,
            x="age",
            y="denied_amount",
            # "26 denials": a bare count read as dollars on a $ axis; an age with none has no label
            text=[f"{int(n):,} denials" if n else "" for n in ageing["denials"]],
            color_discrete_sequence=[MAIN],
            labels={"age": "days since denial", "denied_amount": "open denied $"},
        ).update_yaxes(tickprefix="$", tickformat=",.0f")
    return out


MAIN = "#1f77b4"
# twelve cohorts, twelve colours that tell apart on screen and in print: Dark24's first twelve drew two
# magentas and two violets side by side, so its olive and brown take the place of one of each
COHORT_COLOURS = [
    *("#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#222A2A"),
    *("#B68100", "#750D86", "#EB663B", "#00A08B", "#6C7C32", "#862A16"),
]


def _month_labels(months: pd.Series) -> pd.Series:
    return pd.to_datetime(months).dt.strftime("%b %Y")
