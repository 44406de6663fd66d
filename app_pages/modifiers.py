"""Modifiers: which modifiers and combinations get denied; JW/JZ compliance on single-dose drugs."""

import streamlit as st

from analytics import ui

filters = st.session_state["filters"]
st.title("Modifiers")

modifiers = ui.frame("by_modifier", filters)
if ui.empty(modifiers, "service line"):
    st.stop()
single = modifiers[modifiers["grouping"] == "modifier"]
ui.rate_bars(single.head(20), "modifiers", "lines", label="modifier")
st.caption("Denied lines ÷ adjudicated lines carrying each modifier (a line with two modifiers counts for both); "
           "(none): lines without a modifier.")
ui.table(modifiers, "denials_by_modifier", "By single modifier and by combination (sorted, joined with +).")

st.subheader("JW / JZ on single-dose drugs")
ui.table(ui.frame("waste_modifier_compliance", filters), "jw_jz_compliance",
         "Per drug code (J codes), claims where the drug has neither JW (a line for the discarded amount) nor JZ "
         "(nothing discarded): Medicare returns these as unprocessable (CO-16 + N822). Both on one line is never "
         "valid. Discarded share: JW units ÷ all units billed for the code.",
         share_with_neither=st.column_config.NumberColumn("share with neither", format="percent"),
         discarded_share=st.column_config.NumberColumn("discarded share", format="percent"))

st.subheader("Denials that point at a modifier")
ui.table(ui.frame("modifier_denials", filters), "modifier_denials",
         "Denials with a modifier reason (CARC 4, 182, 236) or remark (N822 missing, N823 wrong, N519 invalid "
         "combination), or refined to a modifier problem by the rule set.")
