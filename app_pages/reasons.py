"""Reasons: from category to CARC to RARC, with what each code means and the usual fix."""

import plotly.express as px
import streamlit as st

from analytics import ui

filters = st.session_state["filters"]
st.title("Reasons")

tree = ui.frame("reason_tree", filters)
if ui.empty(tree, "denial"):
    st.stop()


@ui.figure
def treemap(tree_):
    figure = px.treemap(tree_, path=[px.Constant("all denials"), "category", "reason", "remark"],
                        values="denied_amount", hover_data={"reason_description": True, "remark_description": True})
    return figure.update_traces(root_color="lightgrey")


@ui.figure
def trend_chart(trend_):
    return ui.mark_partial(px.area(trend_, x="month", y="denied_amount", color="category",
                                   labels={"denied_amount": "denied $", "month": ""}), trend_)


st.plotly_chart(treemap(tree), width="stretch")
st.caption("Denied dollars by category → primary reason (group-CARC, the largest denial-class adjustment) → its "
           "first remark code (RARC). Click a box to drill down.")
ui.table(tree, "reasons", "Each reason with its description, the first remark code and the category's usual fix.")

st.subheader("Trend per category")
trend = ui.frame("category_trend", filters)
st.plotly_chart(trend_chart(trend), width="stretch")
st.caption("Denied dollars per month and category (duplicate-claim and expected GA/GY/GZ denials not counted).")
ui.partial_note(trend)
