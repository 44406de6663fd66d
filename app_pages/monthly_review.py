"""Monthly review: what we lost this month, what came back, and what is about to expire."""

from datetime import date

import pandas as pd
import streamlit as st

from analytics import data, review, ui

filters = st.session_state["filters"]
st.title("Monthly review")

months = ui.frame("recovery/review_months", filters)["month"]
if ui.empty(months.to_frame(), "denial"):
    st.stop()
month = st.selectbox("Month", [pd.Timestamp(m).date() for m in months], format_func=lambda m: f"{m:%B %Y}",
                     help="The review as it stood at the end of this month: later payments are not counted.")
st.caption("The sidebar's payer, category, code, modifier and site filters apply; its date range does not (the month "
           "chosen here sets the dates).")

parts = review.frames(lambda name, **extra: ui.frame(name, filters, **extra), month)
summary = parts["review_summary"].iloc[0]
tiles = [*st.columns(4), *st.columns(4)]
for tile, (column, label, kind, definition) in zip(tiles, review.SUMMARY):
    value = summary[column]
    shown = ui.money(value) if kind == "money" else ui.percent(value) if kind == "percent" else f"{int(value):,}"
    tile.metric(label, shown, help=definition)

charts = review.figures(parts)
for name, (title, definition) in review.PARTS.items():
    st.subheader(title)
    if name in charts:
        st.plotly_chart(charts[name], width="stretch", key=f"chart_{name}")
    shown = review.cohort_matrix(parts[name]) if name == "review_cohorts" else parts[name]
    if name == "review_cohorts" and not shown.empty:
        rates = {c: st.column_config.NumberColumn(c, format="percent") for c in shown.columns if c.startswith("+")}
        ui.table(shown, name, definition, **rates)
    else:
        ui.table(shown, name, definition)

st.subheader("Export")
scope = review.scope_text(filters)
left, right = st.columns(2)
left.download_button("Download the review (HTML)", review.html_report(month, parts, scope, data.is_demo()),
                     f"recovery-review-{month:%Y-%m}.html", "text/html",
                     help="One file with every chart and table; it opens in any browser, offline.")
right.download_button("Download the review (Excel)", review.excel_workbook(month, parts, scope),
                      f"recovery-review-{month:%Y-%m}.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      help="A summary sheet with the definitions, then one sheet per table.")
