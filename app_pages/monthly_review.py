"""Monthly review: what we lost this month, what came back, and what is about to expire."""

import pandas as pd
import streamlit as st

from analytics import data, findings, review, ui
from analytics.filters import scope_text

filters = st.session_state["filters"]
st.title("Monthly review")

months = ui.frame("recovery/review_months", filters)
if ui.empty(months, "denial"):
    st.stop()
choices = [pd.Timestamp(m).date() for m in months["month"]]
labels = dict(zip(choices, months["label"], strict=True))
month = st.selectbox(
    "Month",
    choices,
    index=int(months["opens"].astype(bool).argmax()),
    format_func=labels.__getitem__,
    help="The review as it stood at the end of this month: later payments are not counted. It opens on the "
    "latest month that is over on the data date (the latest payment loaded) and had denials.",
)
st.caption(
    "The sidebar's payer, category, code, modifier and site filters apply; its date range does not (the month "
    "chosen here sets the dates)."
)
missing = ui.missing_in_month(ui.remittance_months(), month)
if missing:  # a month's remittances not loaded read as a month with fewer denials and recoveries
    st.warning(missing)

parts = review.frames(lambda name, **extra: ui.frame(name, filters, **extra), month)
found = ui.change_findings(month=month)
parts["review_findings"] = review.findings_part(found)
summary = parts["review_summary"].iloc[0]
tiles = [*st.columns(3), *st.columns(3), *st.columns(3)]
for tile, (column, label, kind, definition) in zip(tiles, review.SUMMARY, strict=True):
    value = summary[column]
    shown = ui.money(value) if kind == "money" else ui.percent(value) if kind == "percent" else f"{int(value):,}"
    tile.metric(label, shown, help=definition)


@st.cache_resource(ttl=300, show_spinner=False, max_entries=50)
def figures(month, filters, source: str, _parts: dict) -> dict:
    """The charts, made once per month, filters and copy of the database (the parts come from them) and
    shared, never pickled (an unpickled plotly figure is validated again); the HTML and Excel exports
    below likewise, once: 2 s of every run of this page at 1M lines otherwise."""
    return review.figures(_parts)


@st.cache_data(ttl=300, show_spinner=False, max_entries=50)
def exports(month, filters, source: str, scope: str, demo: bool, warning, note: str, _parts: dict) -> tuple[str, bytes]:
    return (
        review.html_report(month, _parts, scope, demo, warning, note),
        review.excel_workbook(month, _parts, scope, warning, note),
    )


shown_from = data.database_path()
source = f"{shown_from}@{shown_from.stat().st_mtime_ns}"  # a copy never changes; the database itself may
charts = figures(month, filters, source, parts)
st.subheader(review.FINDINGS[0])
findings_note = review.findings_note(month, found, ui.no_comparison_reason(month) if found is None else None)
if found is None:
    st.info(findings_note)
elif parts["review_findings"].empty:
    st.success(findings_note)
else:
    ui.finding_rows(findings.shown(found, review.top_findings(found, 5)), found.period, key="review_", legend=False)
if found is not None:  # the sentences under the findings, and their figures for the exports
    change = ui.overall_change(found.period)
    sliced = ui.filtered_slice_change(filters, period=found.period, tested=found.tested)
    parts["review_overall"] = review.overall_part(change, found.period, sliced)
st.caption(review.FINDINGS[1])
st.page_link("app_pages/what_changed.py", label="Every finding, the attribution and the control charts: What changed")

described = review.sections(parts)
for name in review.PARTS:
    title, definition = described[name]
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
scope = scope_text(filters, {"categories": ui.category_labels(), "sites": ui.site_labels()})
html, workbook = exports(month, filters, source, scope, data.is_demo(), missing, findings_note, parts)
left, right = st.columns(2)
left.download_button(
    "Download the review (HTML)",
    html,
    f"recovery-review-{month:%Y-%m}.html",
    "text/html",
    help="One file with every chart and table; it opens in any browser, offline.",
)
right.download_button(
    "Download the review (Excel)",
    workbook,
    f"recovery-review-{month:%Y-%m}.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    help="A summary sheet with the definitions, then one sheet per table.",
)
