"""Worklist: the open denials worth working first, and what to do with each."""

import streamlit as st

from analytics import data, ui

filters = st.session_state["filters"]
st.title("Worklist")

worklist = ui.frame("recovery/worklist", filters)
if ui.empty(worklist, "open denial"):
    st.stop()
as_of = data.record("recovery/data_date")["data_date"]
st.caption(f"Open denials as of {as_of:%d %B %Y}, the latest payment loaded. Urgent (14 days or fewer to the appeal "
           "deadline) first, then by expected recoverable $. Patient-liable denials (group PR) are billed to the "
           "patient and are not listed.")
tiles = st.columns(3)
tiles[0].metric("Open denials", f"{len(worklist):,}", help="Denials with nothing back yet and the appeal window open.")
tiles[1].metric("Expected recoverable $", ui.money(worklist["expected_recoverable"].sum()),
                help="Σ denied $ × the historical recovery rate of the denial's payer and category.")
tiles[2].metric("Urgent", f"{(worklist['priority'] == 'urgent').sum():,}",
                help="Open denials with 14 days or fewer before the appeal deadline.")
ui.table(worklist, "worklist",
         "Expected recoverable $: denied $ × recovery rate, the share of denied $ that came back on settled denials "
         "(recovered, upheld or written off) of the same payer and category once there are 20 of them, else of the "
         "category, else of all denials (rate basis). Deadline: denial date + the payer's appeal window "
         "(data/appeal_windows.csv). Next action: the usual path for the category.",
         recovery_rate=st.column_config.NumberColumn("recovery rate", format="percent",
                                                     help="Historical recovered $ ÷ denied $ (see rate basis)."),
         expected_recoverable=st.column_config.NumberColumn("expected $", format="dollar",
                                                            help="Denied $ × recovery rate."),
         days_left=st.column_config.NumberColumn("days left", help="Days from the data date to the appeal deadline."))

unanswered = ui.frame("unanswered_claims", filters)
if not unanswered.empty:
    st.subheader("Claims with no answer")
    ui.table(unanswered, "unanswered_claims",
             f"Billed claims (837) with no remittance after {ui.frame('claim_status_counts', filters)['no_answer_days'].max():.0f} "
             "days (setting no_answer_days): call the payer or resubmit before the filing limit passes.",
             charge_amount=st.column_config.NumberColumn("charge $", format="dollar"))
