"""Reasons: from category to CARC to RARC, with what each code means and the usual fix."""

import streamlit as st

from analytics import ui

filters = st.session_state["filters"]
st.title("Reasons")

tree = ui.frame("reason_tree", filters)
if ui.empty(tree, "denial"):
    st.stop()

ui.reason_treemap(tree)
st.caption(
    "Denied dollars by category → primary reason (adjustment group and reason code, the largest denial-class "
    "adjustment) → the remark code that refined its category in the rule set, else the first sent; duplicate-claim "
    "and expected GA/GY/GZ denials are counted apart, as on "
    "the Overview. Click a box to drill down."
)
ui.table(
    tree,
    "reasons",
    "Each reason (adjustment group and reason code, e.g. CO-197) with what it means, its remark code (the one "
    "that refined the category, else the first sent) and the category's usual way back.",
)

st.subheader("Trend per category")
trend = ui.frame("category_trend", filters)
ui.category_month_bars(trend)
st.caption("Denied dollars per month and category (duplicate-claim and expected GA/GY/GZ denials not counted).")
ui.not_final_note(trend)
