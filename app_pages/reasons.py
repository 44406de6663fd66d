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
    colours = {label: ui.CATEGORY_COLOURS.get(key, "#c7c7c7") for key, label in ui.category_labels().items()}
    # a category's header says its dollars too (plotly shows a header's name alone, whatever its text)
    tree_ = tree_.assign(
        category_box=[f"{r.category} · {ui.money(r.category_denied_amount)}" for r in tree_.itertuples()]
    )
    figure = px.treemap(
        tree_,
        path=[px.Constant("all denials"), "category_box", "reason", "remark"],
        values="denied_amount",
        color="category",
        color_discrete_map={"(?)": "lightgrey", **colours},
        hover_data={"reason_description": True, "remark_description": True},
        labels={
            "reason_description": "reason",
            "remark_description": "remark",
            "denied_amount": "denied $",
            "category": "category",
            "category_box": "category",
        },
    )
    # each box says what it holds: the dollars and their share of all denied dollars, not a name alone; a
    # remark's box (a leaf) also what its reason and remark mean
    amount = "%{label}<br>denied $: %{value:$,.0f} (%{percentRoot:.1%} of all denials)"
    headers = set(figure.data[0].parents)
    figure.update_traces(
        root_color="lightgrey",
        texttemplate="%{label}<br>%{value:$,.0f} · %{percentRoot:.0%}",
        hovertemplate=[
            f"{amount}<extra></extra>"
            if id_ in headers
            else f"{amount}<br>reason: %{{customdata[0]}}<br>remark: %{{customdata[1]}}<extra></extra>"
            for id_ in figure.data[0].ids
        ],
    )
    # tall enough that a reason's remark codes can be read inside it
    return figure.update_layout(height=620, margin={"t": 30, "l": 0, "r": 0, "b": 0})


st.plotly_chart(treemap(tree), width="stretch")
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
