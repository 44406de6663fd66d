"""Overview: the numbers a billing manager opens every morning."""

import plotly.express as px
import streamlit as st

from analytics import ui

filters = st.session_state["filters"]
st.title("Overview")

kpis = ui.frame("kpis", filters).to_dict("records")[0]
if not kpis["units"]:
    ui.empty(ui.frame("kpis", filters).iloc[0:0], "adjudication")
    st.stop()
recovery = ui.frame("recovery_kpis", filters).to_dict("records")[0]
tiles = [*st.columns(4), *st.columns(4)]
tiles[0].metric("Claims adjudicated", f"{kpis['claims']:,}",
                help="Claims the payers adjudicated for the first time (initial adjudications); reversals, "
                     "reprocessing, corrected claims, predeterminations and forwarded claims are not counted.")
tiles[1].metric("Lines adjudicated", f"{kpis['units']:,}",
                help="Service lines adjudicated, plus claims adjudicated without lines (each counts as one).")
tiles[2].metric("Denial rate", ui.percent(kpis["denial_rate"]),
                help="Denied units ÷ adjudicated units (units: service lines, or claims without lines). A unit is "
                     "denied when a denial-class adjustment (CARC) took all or part of it.")
tiles[3].metric("Denial rate by $", ui.percent(kpis["dollar_denial_rate"]),
                help="Denied dollars ÷ charges of the adjudicated units.")
tiles[4].metric("Denied $", ui.money(kpis["denied_amount"]),
                help="Sum of the denial-class adjustment amounts (CAS) of every denial: what the payers refused "
                     "to pay, not charge minus paid.")
tiles[5].metric("Avoidable share", ui.percent(kpis["avoidable_share"]),
                help="Denied dollars whose reason the rule set marks preventable (registration, authorisation, "
                     "coding, documentation, timely filing...) ÷ all denied dollars.")
tiles[6].metric("Recovered $", ui.money(recovery["recovered_amount"]),
                help="What later adjudications paid on these denials (after a reversal, a corrected claim or an "
                     "appeal), net of reversals and recoupments, as of the latest payment loaded. Includes denials of "
                     "readjudications (e.g. a paid claim denied on reprocessing).")
tiles[7].metric("Recovery rate", ui.percent(recovery["recovery_rate"]),
                help="Recovered $ ÷ denied $ of the denials under the filters. Recoveries are paid at the payer's "
                     "allowed amount, so a fully won denial counts for less than its charge.")

statuses = ui.frame("claim_status_counts", filters)
if not statuses.empty:
    unanswered = statuses[statuses["status"] == "no answer"]
    days = int(statuses["no_answer_days"].max())
    st.metric("Billed claims with no answer", f"{int(unanswered['claims'].sum()):,}",
              f"{ui.money(unanswered['charge_amount'].sum())} billed", delta_color="off",
              help=f"Claims you billed (837) with no remittance after {days} days (setting no_answer_days); "
                   "listed on the Worklist.")

trend = ui.frame("monthly_trend", filters)
st.subheader("Trend")
left, right = st.columns(2)


@ui.figure
def dollars_chart(trend_):
    return px.bar(trend_, x="month", y="denied_amount", labels={"denied_amount": "denied $", "month": ""})


@ui.figure
def categories_chart(top_):
    return px.bar(top_, x="denied_amount", y="label", orientation="h",
                  labels={"denied_amount": "denied $", "label": ""}).update_yaxes(autorange="reversed")


with left:
    ui.rate_trend(trend, tickformat=".1%")
    st.caption("Denied units ÷ adjudicated units, per month of the chosen date.")
right.plotly_chart(dollars_chart(trend), width="stretch")
right.caption("Denied dollars per month.")

st.subheader("Where the money goes")
categories, reasons = st.columns(2)
with categories:
    top = ui.frame("top_categories", filters)
    if not ui.empty(top, "denial"):
        st.plotly_chart(categories_chart(top), width="stretch")
        ui.table(top, "denials_by_category", "Denied dollars by category (the primary reason's category, refined by "
                 "its remark codes); usual path: the usual way to get the money back.")
with reasons:
    ui.table(ui.frame("top_reasons", filters), "top_reasons",
             "The primary reasons (group-CARC) behind the most denied dollars.")

st.subheader("Biggest movers")
ui.table(ui.frame("movers", filters), "movers",
         "Denied dollars by payer and by category in the latest month of the filtered data against the month "
         "before; sorted by the size of the change.")
