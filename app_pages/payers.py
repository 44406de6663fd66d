"""Payers: who denies what, and how fast they pay."""

import dataclasses

import streamlit as st

from analytics import ui

filters = st.session_state["filters"]
st.title("Payers")

CLAIM_RATE = (
    "HFMA initial denial rate: initial claims denied in full or in part ÷ initial claims adjudicated "
    "(every payer order; duplicate-claim and expected GA/GY/GZ denials not counted). " + ui.CLAIMS_UNDER_LINE_FILTERS
)

# the scorecard and the heatmap count the same claims: one query
scorecard, rates = ui.payer_measures(filters)
if ui.empty(scorecard, "payer"):
    st.stop()
ui.table(
    scorecard,
    "payer_scorecard",
    "Claims: initial claim adjudications, as primary, secondary or tertiary payer alike (the Overview shows "
    "primary payers apart). Lines: service lines adjudicated (a claim without lines counts as "
    "one). Denial rate: initial claims denied ÷ initial claims (HFMA). Denial rate by $: charges of the denied "
    "claims ÷ charges (HFMA). Line denial rate: denied lines ÷ lines. Top category: the category with the most denied "
    "dollars. Days to pay: median days from the payer's receipt of the claim to payment (a receipt dated after "
    "the payment is a wrong date, left out). Paid $, net: every payment, those on reprocessing included, less "
    "what reversals (CLP02 22) took back, so below $0 when a payer took back more than it paid.",
    denial_rate=st.column_config.NumberColumn("denial rate", format="percent", help=CLAIM_RATE),
    on_select=lambda row: ui.drill(filters, payers=(row["payer_name"],)),
)

st.subheader("Denial rate by month")
ui.rate_heatmap(
    rates,
    "month",
    "payer_name",
    "Initial claims denied ÷ initial claims adjudicated (HFMA), per payer and month.",
    key="chart_payer_month",
    on_select=lambda payer, month: ui.drill(filters, payers=(payer,), month=month),
)

st.subheader("One payer")
payer = st.selectbox("Payer", scorecard["payer_name"], help="Everything below narrows to this payer.")
one = dataclasses.replace(filters, payers=(payer,))
# the heatmap's row of this payer: the same claims, so the same rates, without counting them again
trend = rates[rates["payer_name"] == payer].reset_index(drop=True)
ui.rate_trend(
    trend,
    f"{ui.md(payer)}: initial claims denied ÷ initial claims adjudicated per month (HFMA).",
    label="initial denial rate (claims)",
)
ui.not_final_note(trend)
ui.filtered_slice_change(one, lead=ui.WHAT_CHANGED_TEST)  # is this payer's move real?
# under the trend, at full width: beside it, the reasons' descriptions were cut off
ui.table(
    ui.frame("top_reasons", one),
    "payer_top_reasons",
    f"{ui.md(payer)}: the reasons behind the most denied dollars, one row per reason and category.",
)
