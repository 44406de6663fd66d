"""Overview: the numbers a billing manager opens every morning."""

import pandas as pd
import streamlit as st

from analytics import labels, ui

filters = st.session_state["filters"]
st.title("Overview")


def counted(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


ORDERS = {"Primary": "primary", "Secondary": "secondary", "Tertiary": "tertiary", "All": "all"}
chosen = st.radio(
    "Payer order",
    list(ORDERS),
    horizontal=True,
    key="payer_order",
    help="HFMA measures primary payers apart from secondary ones: the claim's payer order is its "
    "CLP02 (1/19 primary, 2/20 secondary, 3/21 tertiary; 4 'denied': secondary when a prior "
    "payer's adjustment, CARC 23, is on it, else primary).",
)
order = ORDERS[chosen]
whose = "all payers" if order == "all" else f"{order} payers"

by_order, months = ui.claim_measures(filters)  # 'all' and each payer order: the tiles, and the trend's months
if not by_order["all"]["units"]:
    ui.empty(pd.DataFrame(), "adjudication")
    st.stop()
kpis = by_order[order]
recovery = ui.frame("recovery_kpis", filters).to_dict("records")[0]
NOT_COUNTED = (
    "Not counted: reversals, predeterminations and claims a payer passed on without adjudicating them (status "
    "23); later adjudications of a claim (reprocessing, corrected claims, appeal decisions: followed on the "
    "recovery pages). Duplicate-claim denials (CARC 18, B13) and expected denials (lines with GA, GY or GZ) do "
    "not make a claim denied (it stays among the claims adjudicated); they are shown apart below."
)
headline = st.columns(4)
headline[0].metric(
    "Initial denial rate (claims)",
    ui.percent(kpis["claim_denial_rate"]),
    help=f"HFMA Claim Integrity Task Force initial denial rate by count, {whose}: initial claims denied "
    f"in full or in part ({kpis['denied_claims']:,}) ÷ claims adjudicated for the first time "
    f"({kpis['claims']:,}). A claim is denied when one of its lines, or the claim itself, carries "
    f"a denial-class adjustment reason (CARC). {ui.CLAIMS_UNDER_LINE_FILTERS} {NOT_COUNTED}",
)
headline[1].metric(
    "Initial denial rate ($)",
    ui.percent(kpis["dollar_denial_rate"]),
    help=f"HFMA initial denial rate by dollars, {whose}: charges of the initial claims denied in full "
    f"or in part ({ui.money(kpis['denied_charges'])}) ÷ charges of the claims adjudicated for the "
    f"first time ({ui.money(kpis['charges'])}). A partly denied claim counts with its whole "
    f"charge. {NOT_COUNTED}",
)
headline[2].metric(
    "Claims adjudicated",
    f"{kpis['claims']:,}",
    help=f"Claims the payers adjudicated for the first time (initial adjudications), {whose}. "
    f"{kpis['fully_denied_claims']:,} of them were denied in full (nothing paid, explained by "
    "denials); reversals, reprocessing, corrected claims, predeterminations and claims passed on without "
    "adjudication (status 23) are not counted. Under a code, modifier or site filter, a claim counts when any of "
    "its lines matches.",
)
headline[3].metric(
    "Denied $",
    ui.money(kpis["denied_amount"]),
    help="Sum of the denial-class adjustment amounts (CAS) of the initial denials: what the payers "
    "refused to pay, not charge minus paid. Duplicate-claim and expected denials not included.",
)
trend = months[order]
if kpis["claims"]:
    ui.not_final_headline(trend)
    st.caption(
        f"{whose.capitalize()}: {kpis['denied_claims']:,} of {kpis['claims']:,} initial claims denied in full or "
        f"in part ({kpis['fully_denied_claims']:,} in full); {ui.money(kpis['denied_charges'])} of "
        f"{ui.money(kpis['charges'])} charged was on a denied claim, of which {ui.money(kpis['denied_amount'])} "
        "was denied."
    )
else:
    st.info(f"No initial claims from {whose} under these filters: choose another payer order above.")
second = st.columns(4)
second[0].metric(
    "Line denial rate",
    ui.percent(kpis["line_denial_rate"]),
    help=f"A second figure, {whose}: denied lines ÷ adjudicated lines (service lines, or claims without "
    "lines), initial adjudications only. A line is denied when a denial-class adjustment took all or "
    "part of it. Duplicate-claim and expected denials not counted.",
)
second[1].metric(
    "Lines adjudicated",
    f"{kpis['units']:,}",
    help="Service lines adjudicated, plus claims adjudicated without lines (each counts as one).",
)
second[2].metric(
    "Avoidable share",
    ui.percent(kpis["avoidable_share"]),
    help="Denied dollars whose reason the rule set marks preventable (registration, authorisation, "
    "coding, documentation, timely filing...) ÷ all denied dollars (duplicate-claim and expected "
    "denials not included).",
)
second[3].metric(
    "Recovered $",
    ui.money(recovery["recovered_amount"]),
    help="What later adjudications paid on the denials still pursued (after a reversal, a corrected claim "
    "or an appeal), net of reversals and recoupments and never more than was denied, as of the latest "
    "payment loaded; every payer order. Pursued: initial denials and denials on readjudication, not "
    "those billed to the patient (group PR), expected denials (GA/GY/GZ lines) nor duplicate claims.",
)
apart = st.columns(4)
apart[0].metric(
    "Recovery rate",
    ui.percent(recovery["recovery_rate"]),
    f"{ui.percent(recovery['recovery_rate_expected'])} of expected reimbursement",
    delta_color="off",
    delta_arrow="off",
    help="Recovered $ ÷ denied $ of the denials still pursued under the filters. Recoveries are paid at "
    "the payer's allowed amount, so a fully won denial counts for less than its charge; underneath, "
    "recovered $ ÷ what the payer would have paid for the same services (denied $ × its "
    "paid-to-charge ratio for the code), like compared with like.",
)
if (recovery["open_share"] or 0) > 0.5:  # young denials: a recovery rate of 0.2% read as recovery collapsing
    st.caption(
        f"Recovery rate: {ui.percent(recovery['open_share'])} of the pursued denied dollars here are still open "
        f"({ui.money(recovery['open_amount'])}; no answer to the appeal or corrected claim yet, deadline not "
        "passed), so the rate will still rise as they close."
    )
apart[1].metric(
    "Duplicate-claim denials",
    counted(kpis["duplicate_denied_claims"], "claim"),
    f"{ui.money(kpis['duplicate_denied_amount'])} denied",
    delta_color="off",
    delta_arrow="off",
    help="Initial claims the payer denied as a duplicate of a claim already sent (CARC 18, B13), and their "
    "denied dollars. Counted apart: HFMA's initial denial rate excludes duplicate-claim denials, and "
    "nothing is lost when the first claim was paid.",
)
apart[2].metric(
    "Expected denials",
    counted(kpis["expected_denied_lines"], "line"),
    f"{ui.money(kpis['expected_denied_amount'])} denied",
    delta_color="off",
    delta_arrow="off",
    help=labels.describe("expected_denied_lines")[2],
)
if recovery["readjudication_denials"]:
    st.caption(
        f"Apart from the initial denials above: {counted(recovery['readjudication_denials'], 'denial')} on "
        f"readjudication ({ui.money(recovery['readjudication_denied_amount'])}), a claim the payer denied on a "
        "later adjudication (a paid claim denied on reprocessing, a corrected claim denied); they are on the "
        "Worklist and in the recovery figures."
    )
if kpis["status_4_without_reason_claims"]:
    apart[3].metric(
        "Status 4 without a denial reason",
        counted(kpis["status_4_without_reason_claims"], "claim"),
        help="Claims with CLP02 4 ('denied') whose adjustments are all non-denial reasons (CO-24 "
        "capitation, OA-23 prior payer, OA-A7...): not counted as denials; check them with the payer.",
    )

statuses = ui.frame("claim_status_counts", filters)
if not statuses.empty:
    unanswered = statuses[statuses["status"] == "no answer"]
    days = int(statuses["no_answer_days"].max())
    # beside the figures counted apart, unless CLP02 4 without a denial reason takes that place
    slot = st if kpis["status_4_without_reason_claims"] else apart[3]
    slot.metric(
        "Billed claims with no answer",
        f"{int(unanswered['claims'].sum()):,}",
        f"{ui.money(unanswered['charge_amount'].sum())} billed" + (", every category" if filters.categories else ""),
        delta_color="off",
        delta_arrow="off",
        help=f"Claims you billed (837) with no remittance after {days} days (setting no_answer_days); "
        "listed on the Worklist." + ui.uncategorised_note(filters),
    )

period, top_findings = ui.top_findings()
st.subheader("What changed")
if period is None:  # a young history: say so, rather than leave the section out unexplained
    st.markdown(ui.no_comparison_reason())
else:
    if not top_findings:
        st.markdown(f"No slice changed more than chance allows in {period.months[0]:%B %Y}.")
    ui.finding_rows(top_findings, period, key="overview_")
    ui.overall_change(period)
    ui.filtered_slice_change(filters, period=period)
    st.caption(
        f"{period.label} against the {len(period.baseline)} complete months before: the slices whose initial "
        "claim denial rate moved more than chance allows (q at most 0.05), one per change, largest dollar effect "
        f"first, by month of payment{' (the trend is by date of service)' if filters.date_basis == 'service' else ''}. "
        "Every slice is tested, whatever the filters, on the initial claims of every payer order"
        f"{'' if order == 'all' else f' (the figures above are for {whose} only)'}."
    )
    st.page_link(
        "app_pages/what_changed.py", label="Every finding, the attribution and the control charts: What changed"
    )

st.subheader("Trend")
left, right = st.columns(2)


with left:
    ui.rate_trend(
        trend,
        f"Initial claims denied ÷ initial claims adjudicated (HFMA), {whose}, per month of the chosen date.",
        label="initial denial rate (claims)",
        column="claim_denial_rate",
    )
with right:
    ui.month_bars(trend, "denied_amount", "denied $")
    st.caption(f"Denied dollars per month, {whose} (duplicate-claim and expected denials not included).")
ui.not_final_note(trend)
missing = ui.missing_remittances(ui.remittance_months())
if missing:  # a month not loaded looks like a month with fewer claims and denials on the charts above
    st.warning(f"{missing} The Data page lists the remittances loaded per month.")

st.subheader("Where the money goes")
everyone = by_order["all"]
if everyone["denied_amount"] != kpis["denied_amount"]:  # the tiles' order leaves out some denied dollars
    st.caption(
        f"Below, every payer order: these denied dollars add up to {ui.money(everyone['denied_amount'])}, the "
        f"Denied $ of all payer orders; the tiles above are for {whose} ({ui.money(kpis['denied_amount'])})."
    )
top = ui.frame("top_categories", filters)
if not ui.empty(top, "denial"):
    ui.amount_bars(
        top,
        "label",
        colour_by="category",
        key="chart_categories",
        on_select=lambda category: ui.drill(filters, categories=(category,)),
    )
    # the tables take the whole width: in half of it the usual path, and the reasons' dollars, were out of view
    ui.table(
        top,
        "denials_by_category",
        "Denied dollars by category (the primary reason's category, refined by its remark codes), each in its "
        "colour on every chart; click a bar to open its denied lines.",
        on_select=lambda row: ui.drill(filters, categories=(row["category"],)),
    )
    ui.table(
        ui.frame("top_reasons", filters),
        "top_reasons",
        "The primary reasons (adjustment group and reason code, e.g. CO-197) behind the most denied dollars, one "
        "row per reason and category: a reason's remark codes can put its denials in more than one (CO-16 with "
        "N822, a missing modifier, is a coding denial).",
    )

st.subheader("Biggest movers")
movers = ui.frame("movers", filters)
if not movers.empty and not movers["previous_month"].any():
    before = (pd.Timestamp(movers["month"].iloc[0]) - pd.offsets.MonthBegin(1)).date()
    if filters.date_from and filters.date_from > before:
        st.info(
            "The month before is outside the chosen dates, so every figure is compared with nothing: choose "
            "*Last 3 complete months* or widen the date range to see what moved."
        )
    else:
        st.info(f"No denied dollars in {before:%B %Y} under these filters: every figure is compared with nothing.")
ui.table(
    movers,
    "movers",
    "Denied dollars by payer and by category in the latest complete month of the filtered data against the "
    "month before (a month not final is left out: not over on the data date, or by date of service still being "
    "answered); sorted by the size of the change. A mover is "
    "not a finding: a few costly claims swing a month's dollars, so What changed tests which rates moved more "
    "than chance allows.",
)
