"""Change findings as the pages show them (analytics/findings/): each its sentence, its sparkline and a
button to its denied lines; and the p-charts."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import pandas as pd
import streamlit as st

from analytics import data, findings
from analytics.filters import LISTS
from analytics.ui.charts import figure, percent_format
from analytics.ui.months import month_axis
from analytics.ui.sidebar import drill
from analytics.ui.tables import table
from analytics.ui.text import md, money


@st.cache_data(ttl=300, show_spinner="Testing every slice...")
def _findings(path: str, stamp: float, kind: str, month):
    return data.change_findings(data.Path(path), kind, month)


def change_findings(kind: str = "default", month=None):
    """The change findings of the latest period of a kind, or of the one ending with `month`
    (findings.Result, or None), cached until the database file changes."""
    path = data.database_path()
    return _findings(str(path), path.stat().st_mtime, kind, month)


@st.cache_data(ttl=300, show_spinner=False)
def _no_comparison_reason(path: str, stamp: float, month, kind: str) -> str:
    return data.no_comparison_reason(data.Path(path), month, kind)


def no_comparison_reason(month=None, kind: str = "default") -> str:
    """Why the month, or with None the latest period of a kind, has no change findings (change_findings
    gave None), in words."""
    path = data.database_path()
    return _no_comparison_reason(str(path), path.stat().st_mtime, month, kind)


@figure
def _sparkline(frame_: pd.DataFrame):
    import plotly.graph_objects as go

    colours = ["#d62728" if p else "#1f77b4" for p in frame_["period"]]
    fig = go.Figure(
        go.Scatter(
            x=frame_["month"],
            y=frame_["rate"],
            mode="lines+markers",
            line={"color": "#1f77b4", "width": 1.5},
            marker={"color": colours, "size": 6},
            hovertemplate="%{x|%b %Y}: %{y:.1%}<extra></extra>",
        )
    )
    fig.add_hline(y=float(frame_["baseline_rate"].iloc[0]), line={"dash": "dot", "color": "grey", "width": 1})
    fig = month_axis(fig, frame_["month"])  # months as months, even where the axis is not drawn
    return (
        fig.update_layout(height=90, margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False)
        .update_xaxes(visible=False)
        .update_yaxes(visible=False, rangemode="tozero")
    )


def sparkline(frame_: pd.DataFrame, key: str) -> None:
    """A slice's monthly claim denial rate (columns month, rate, period, baseline_rate): the period's
    months red, the baseline rate dotted."""
    st.plotly_chart(_sparkline(frame_), width="stretch", key=key, config={"displayModeBar": False})


@st.cache_data(ttl=300, show_spinner=False)
def _top_findings(path: str, stamp: float) -> tuple:
    return findings.stored(data.records("dashboard/top_findings", {}, data.Path(path)))


def top_findings() -> tuple:
    """(period, findings) of the default period as stored after the last load (the table behind
    change_findings; no test runs again): the three with the largest dollar effect, as finding_rows()
    shows them. (None, []) when nothing was tested; (period, []) when nothing changed."""
    path = data.database_path()
    return _top_findings(str(path), path.stat().st_mtime)


@st.cache_data(ttl=300, show_spinner=False)
def _overall(path: str, stamp: float, period: findings.Period) -> dict | None:
    return findings.overall_change(data.records("findings/overall", period.params, data.Path(path)), period)


def overall_change(period: findings.Period) -> dict | None:
    """Under a period's findings: the overall claim denial rate against the baseline, and whether its change is
    more than chance allows (with no finding, a manager still asks whether the overall move is real); returns
    findings.overall_change()."""
    path = data.database_path()
    change = _overall(str(path), path.stat().st_mtime, period)
    if change:
        st.markdown(findings.overall_sentence(change, period))
    return change


# Where a page tests the one payer or code it shows (Payers, Codes), the sentence says which test it is
WHAT_CHANGED_TEST = "What changed's test (by payment month, every payer order): "


@st.cache_data(ttl=300, show_spinner=False)
def _stored_slice(path: str, stamp: float, wanted: tuple) -> list:
    return data.records("dashboard/slice_change", dict(wanted), data.Path(path))


@st.cache_data(ttl=300, show_spinner=False)
def _words(path: str, stamp: float) -> dict:
    return {(r["kind"], r["value"]): r["label"] for r in data.records("findings/labels", {}, data.Path(path))}


def filtered_slice_change(
    filters,
    lead: str = "Under the sidebar's filters, ",
    period: findings.Period | None = None,
    tested: list | None = None,
) -> tuple[str, dict | None] | None:
    """When the filters name one slice (a payer, a payer and a category, ...: findings.slice_of), whether that
    slice's move in the period is more than chance allows, or why it was not tested, and the findings inside
    it (findings.findings_inside: a payer within chance may hold a category beyond it): under the Overview's
    findings (its tiles show the filtered figures, and a manager asks whether they moved), under one payer's
    trend on Payers, one code's tiles on Codes, the Monthly review's overall rate and What changed's findings.
    By default the stored findings' period and row; `tested` (with its `period`): a period's rows tested on the
    page. Returns the sentence shown and the slice's row (None when not tested), or None when the filters name
    no slice."""
    wanted = findings.slice_of(filters)
    period = period or top_findings()[0]
    if wanted is None or period is None:
        return None
    path = data.database_path()
    stamp = path.stat().st_mtime
    rows = tested if tested is not None else _stored_slice(str(path), stamp, tuple(wanted.items()))
    row = findings.slice_row(rows, wanted)
    inside = findings.findings_inside(rows, wanted)
    said = findings.filtered_slice_sentence(row, wanted, period, _words(str(path), stamp), lead, inside)
    st.markdown(md(said))
    return said, row


def finding_rows(shown: list, period, key: str = "", note=None, legend: bool = True) -> None:
    """Findings as every page shows them (What changed, the Overview, the Monthly review): each its
    sentence (with the period rate's 95% interval), the other slices its change was found in (parts), the
    sparkline of the slice's monthly claim denial rate over the baseline and the period, and a button that
    opens its denied lines in the period on the Claims page (drill). shown: findings.shown() or
    findings.stored(); note(finding) -> a caption under the sentence; key: a prefix for the widgets of one
    page's list; legend: say under the list what the sparklines and the interval show (unless the page's
    own caption does)."""
    for n, finding in enumerate(shown):
        left, right = st.columns([5, 1], vertical_alignment="center")
        with left:
            st.markdown(md(finding["sentence"]))
            if note:
                st.caption(note(finding))
            if finding.get("parts"):
                st.caption(md(findings.parts_sentence(finding["parts"])))
            wanted = findings.claims_filters(finding, period)
            named = [str(wanted[f.field][0]) for f in LISTS if wanted.get(f.field)]
            unfiltered = " (the Claims page has no reason filter: every denied line)" if finding.get("reason") else ""
            if st.button(
                "Denied lines",
                key=f"{key}drill_{n}",
                icon=":material/search:",
                help=f"The Claims page: {' × '.join(named) or 'every denied line'} in {period.label}{unfiltered}",
            ):
                drill(data.Filters(**wanted))
        with right:
            if finding["points"]:
                sparkline(pd.DataFrame(finding["points"]), key=f"{key}spark_{n}")
    if shown and legend:
        st.caption(
            f"Beside each finding: the slice's claim denial rate month by month, {period.label} in red, the "
            "baseline's rate dotted. 95% CI: the range the slice's true rate in the period lies in with 95% "
            "confidence, given its claims and how much its months vary."
        )


# The attribution's two tables, column by column: field, label, kind, help ({who}: "this payer's").
_CLAIM_EFFECTS = (
    ("claim_share_before", "share of claims before", "rate", None),
    ("claim_share_after", "share after", "rate", None),
    ("rate_before", "claim denial rate before", "rate", None),
    ("rate_after", "rate after", "rate", None),
    ("rate_effect", "rate effect (points)", "points", "Points from {who} claim denial rate moving."),
    ("mix_effect", "mix effect (points)", "points", "Points from {who} share of claims moving."),
    ("total", "total (points)", "points", None),
)
_DOLLAR_EFFECTS = (
    ("charge_share_before", "share of charges before", "rate", None),
    ("charge_share_after", "share after", "rate", None),
    ("dollar_rate_before", "denied $ per charged $ before", "rate", None),
    ("dollar_rate_after", "after", "rate", None),
    ("dollar_rate_effect", "rate effect $", "dollars", "Denied $ a month from {who} denied $ per charged $ moving."),
    ("dollar_mix_effect", "mix effect $", "dollars", "Denied $ a month from {who} share of charges moving."),
    ("dollar_total", "total $ a month", "dollars", None),
)
# kind -> the value shown (from an exact Fraction), its format and step: dollars a month are an estimate, in
# whole dollars rounded exactly (Streamlit's step would truncate), as its cents were noise
_SHOWN: dict[str, tuple[Callable[[Fraction], float | int], str, int | None]] = {
    "rate": (float, "percent", None),
    "points": (lambda v: float(v) * 100, "%+.2f", None),
    "dollars": (round, "dollar", 1),
}


def _effects_table(rows: list, dimension: str, columns: tuple, name: str, caption: str) -> None:
    who = f"this {dimension}'s"
    frame = pd.DataFrame(
        [{dimension: str(r["value"]), **{f: _SHOWN[kind][0](r[f]) for f, _, kind, _ in columns}} for r in rows]
    )
    config = {
        f: st.column_config.NumberColumn(
            label, help=text and text.format(who=who), format=_SHOWN[kind][1], step=_SHOWN[kind][2]
        )
        for f, label, kind, text in columns
    }
    table(frame, name, caption, **config)


def attribution_tables(parts: dict, dimension: str, key: str) -> None:
    """One partition's attribution (findings.attribution) as two tables, each with its inputs beside its
    effects: the claim denial rate in points (shares of claims, claim denial rates), then denied $ a month
    (shares of charges, denied $ per charged $). In one table, a payer's "-0.04 points" beside a "-$128,954"
    rate effect read as a contradiction: the dollars' rate is denied $ per charged $, not the claim rate."""
    rows = parts["rows"]
    _effects_table(
        rows,
        dimension,
        _CLAIM_EFFECTS,
        f"attribution_{key}",
        f"Claim denial rate: {float(parts['rate_before']):.1%} → {float(parts['rate_after']):.1%}, "
        f"{float(parts['rate_change']) * 100:+.2f} points. Each {dimension}'s rate effect (its own claim denial "
        "rate moved, at its average share of claims) plus its mix effect (its share of claims moved, at its "
        "average rate) add up exactly to that. Symmetric shift-share decomposition; docs/views.md.",
    )
    _effects_table(
        sorted(rows, key=lambda r: -abs(r["dollar_total"])),
        dimension,
        _DOLLAR_EFFECTS,
        f"attribution_dollars_{key}",
        f"Denied $ a month: {money(round(parts['denied_before']))} → {money(round(parts['denied_after']))}, "
        f"{findings.money(parts['denied_change'])}; charges a month {money(round(parts['charges_before']))} → "
        f"{money(round(parts['charges_after']))}, which alone moved denied $ by "
        f"{findings.money(parts['volume_effect'])}. The rest is each {dimension}'s rate effect (its denied $ per "
        "charged $ moved, at its average share of charges) plus its mix effect (its share of charges moved): a "
        "dollar rate, not the claim rate, so as many claims denied but costlier ones moves it and not the points.",
    )


@figure
def _p_chart(frame_: pd.DataFrame, title: str):
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, column, dash in (
        ("upper limit", "upper", "dash"),
        ("centre (baseline)", "centre", "dot"),
        ("lower limit", "lower", "dash"),
    ):
        fig.add_trace(
            go.Scatter(
                x=frame_["month"],
                y=frame_[column],
                mode="lines",
                name=name,
                line={"color": "grey", "dash": dash, "width": 1, "shape": "hvh"},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=frame_["month"],
            y=frame_["rate"],
            mode="lines+markers",
            name="claim denial rate",
            line={"color": "#1f77b4"},
            customdata=frame_[["claims", "denied_claims"]],
            hovertemplate="%{x|%b %Y}: %{y:.1%} (%{customdata[1]} of %{customdata[0]} claims)<extra></extra>",
        )
    )
    outside = frame_[frame_["outside"].astype(bool)]
    if not outside.empty:
        fig.add_trace(
            go.Scatter(
                x=outside["month"],
                y=outside["rate"],
                mode="markers",
                name="outside the limits",
                marker={"color": "#d62728", "size": 12, "symbol": "circle-open", "line": {"width": 2}},
            )
        )
    import html

    fig = month_axis(fig, frame_["month"])
    # the legend above the plot: below it, it covered the month labels a half-width chart slants
    return fig.update_layout(
        title=html.escape(title, quote=False),
        yaxis_title="claim denial rate",
        height=360,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"t": 100},
    ).update_yaxes(tickformat=percent_format(frame_["rate"]), rangemode="tozero")


def p_chart(frame_: pd.DataFrame, title: str) -> None:
    """A p-chart (columns month, rate, centre, lower, upper, outside, claims, denied_claims): months
    outside the limits ringed red."""
    st.plotly_chart(_p_chart(frame_, title), width="stretch")
