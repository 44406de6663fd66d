"""Charts of how a whole divides: the denied dollars by category, reason and remark (the Reasons page's
treemap), and how payers answered each prevention rule's flagged lines (the Prevention page's share bars).
Each is a builder (cached by `figure`) and a drawer, like the charts in `charts`."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from analytics.ui.charts import CATEGORY_COLOURS, figure
from analytics.ui.frames import category_labels
from analytics.ui.text import money


@figure
def _reason_treemap(tree: pd.DataFrame):
    colours = {label: CATEGORY_COLOURS.get(key, "#c7c7c7") for key, label in category_labels().items()}
    # a category's header says its dollars too (plotly shows a header's name alone, whatever its text)
    tree = tree.assign(category_box=[f"{r.category} · {money(r.category_denied_amount)}" for r in tree.itertuples()])
    fig = px.treemap(
        tree,
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
    headers = set(fig.data[0].parents)
    fig.update_traces(
        root_color="lightgrey",
        texttemplate="%{label}<br>%{value:$,.0f} · %{percentRoot:.0%}",
        hovertemplate=[
            f"{amount}<extra></extra>"
            if id_ in headers
            else f"{amount}<br>reason: %{{customdata[0]}}<br>remark: %{{customdata[1]}}<extra></extra>"
            for id_ in fig.data[0].ids
        ],
    )
    # tall enough that a reason's remark codes can be read inside it
    return fig.update_layout(height=620, margin={"t": 30, "l": 0, "r": 0, "b": 0})


def reason_treemap(tree: pd.DataFrame) -> None:
    """Denied dollars by category → reason → remark (queries/dashboard/reason_tree.sql), a box per code."""
    st.plotly_chart(_reason_treemap(tree), width="stretch")


# how a rule's answered lines divide, in the order and colours of the chart: red what the rule foresaw
RULE_ANSWERS = {
    "precision": ("denied as foreseen", "#d62728"),
    "denied_otherwise_share": ("denied otherwise", "#ff7f0e"),
    "not_denied_share": ("not denied", "#2ca02c"),
}


@figure
def _rule_answer_bars(rules: pd.DataFrame):
    names = {column: name for column, (name, _) in RULE_ANSWERS.items()}
    rules = rules.assign(rule=[f"{r.rule_id} ({r.answered_lines:,} answered)" for r in rules.itertuples()])
    fig = px.bar(
        rules.rename(columns=names),
        y="rule",
        x=list(names.values()),
        orientation="h",
        color_discrete_sequence=[colour for _, colour in RULE_ANSWERS.values()],
        labels={"rule": "", "value": "share of the answered flagged lines", "variable": ""},
        text_auto=".1%",
        height=max(240, 46 * len(rules) + 130),
    )
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    # room on the right for the axis's last label, 100%, which plotly leaves out when it would cross the edge
    return fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}, margin={"r": 30})


def rule_answer_bars(precision: pd.DataFrame) -> None:
    """One bar per rule a payer has answered (queries/prevention/rule_precision.sql), as shares of its answered
    lines: counts would hide every rule but the busiest, and precision is what the section is about."""
    st.plotly_chart(_rule_answer_bars(precision[precision["answered_lines"] > 0]), width="stretch")
