"""Streamlit helpers every page shares: filters in the sidebar and the URL, tables with a CSV download,
numbers with their definitions, charts by kind, the change findings, the empty state and the demo label.

Pages call them as `ui.NAME`; each lives in the module of its job:

- `frames`: a query's frame for the filters (cached), the initial claims' measures per payer order and month
  (`claim_measures`) and per payer and month (`payer_measures`: the scorecard and the heatmap), the filter
  options, the remittances loaded per month, the empty state, the demo label;
- `sidebar`: the sidebar's filters, the URL, the click-through to the Claims page (`drill`);
- `tables`: tables with their labels and a CSV download;
- `charts`: the charts by kind;
- `shares`: charts of how a whole divides (the reasons' treemap, the prevention rules' answers);
- `months`: the month axis, and the months not final marked on every monthly chart and said under it;
- `finding_views`: the change findings and p-charts;
- `text`: text from the files made safe (`md`), money, percentages, units, the remittances missing in words;
- `shown_of` (how much of a list is shown) comes from `analytics.labels`, which the exports share.
"""

from __future__ import annotations

from analytics.labels import shown_of
from analytics.ui.charts import (
    CATEGORY_COLOURS,
    CLICK_LAYER,
    MAIN,
    MIN_RATE_VOLUME,
    amount_bars,
    category_colours,
    category_month_bars,
    figure,
    month_bars,
    percent_format,
    rate_bars,
    rate_heatmap,
    rate_trend,
)
from analytics.ui.finding_views import (
    WHAT_CHANGED_TEST,
    attribution_tables,
    change_findings,
    filtered_slice_change,
    finding_rows,
    no_comparison_reason,
    overall_change,
    p_chart,
    sparkline,
    top_findings,
)
from analytics.ui.frames import (
    CLAIMS_UNDER_LINE_FILTERS,
    category_labels,
    claim_measures,
    demo_label,
    empty,
    frame,
    options,
    payer_measures,
    remittance_months,
    scorecard_and_heatmap,
    site_labels,
)
from analytics.ui.months import not_final_headline, not_final_note
from analytics.ui.shares import reason_treemap, rule_answer_bars
from analytics.ui.sidebar import CLAIMS_PAGE, PERIODS, drill, period_range, sidebar_filters
from analytics.ui.tables import column_config, table
from analytics.ui.text import (
    chart_data,
    md,
    missing_in_month,
    missing_remittances,
    money,
    percent,
    quantity,
    uncategorised_note,
)

__all__ = [
    "WHAT_CHANGED_TEST",
    "md",
    "chart_data",
    "money",
    "quantity",
    "uncategorised_note",
    "shown_of",
    "missing_remittances",
    "missing_in_month",
    "percent",
    "frame",
    "CLAIMS_UNDER_LINE_FILTERS",
    "claim_measures",
    "payer_measures",
    "scorecard_and_heatmap",
    "options",
    "remittance_months",
    "site_labels",
    "category_labels",
    "demo_label",
    "empty",
    "CLAIMS_PAGE",
    "PERIODS",
    "period_range",
    "sidebar_filters",
    "drill",
    "column_config",
    "table",
    "figure",
    "CATEGORY_COLOURS",
    "MAIN",
    "CLICK_LAYER",
    "category_colours",
    "percent_format",
    "not_final_headline",
    "not_final_note",
    "rate_heatmap",
    "MIN_RATE_VOLUME",
    "rate_bars",
    "amount_bars",
    "rate_trend",
    "month_bars",
    "category_month_bars",
    "reason_treemap",
    "rule_answer_bars",
    "attribution_tables",
    "change_findings",
    "sparkline",
    "top_findings",
    "filtered_slice_change",
    "finding_rows",
    "overall_change",
    "no_comparison_reason",
    "p_chart",
]
