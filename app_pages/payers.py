"""Payers: who denies what, and how fast they pay."""

import streamlit as st

from analytics import data, ui

filters = st.session_state["filters"]
st.title("Payers")

scorecard = ui.frame("payer_scorecard", filters)
if ui.empty(scorecard, "payer"):
    st.stop()
ui.table(scorecard, "payer_scorecard",
         "Claims: claim adjudications. Units: service lines (or claims without lines) adjudicated. Denial rate: "
         "denied units ÷ units. Denial rate by $: denied dollars ÷ charges. Top category: the category with the "
         "most denied dollars. Days to pay: median days from the payer's receipt (DTM*050) to payment (BPR16).",
         paid_amount=st.column_config.NumberColumn("paid $", format="dollar"))

st.subheader("Denial rate by month")
ui.rate_heatmap(ui.frame("payer_month_rates", filters), "month", "payer_name",
                "Denied units ÷ adjudicated units, per payer and month.")

st.subheader("One payer")
payer = st.selectbox("Payer", scorecard["payer_name"], help="Everything below narrows to this payer.")
one = data.Filters(**{**filters.__dict__, "payers": (payer,)})
left, right = st.columns(2)
with left:
    trend = ui.frame("monthly_trend", one)
    ui.rate_trend(trend)
    st.caption(f"{ui.md(payer)}: denied units ÷ adjudicated units per month.")
with right:
    ui.table(ui.frame("top_reasons", one), "payer_top_reasons", f"{ui.md(payer)}: the reasons behind the most denied dollars.")
