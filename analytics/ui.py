"""Streamlit helpers every page shares: filters in the sidebar and the URL, tables with a CSV
download, numbers with their definitions, the empty state and the demo label."""

from __future__ import annotations

import functools
import re
from datetime import date

import pandas as pd
import streamlit as st

from analytics import data

_LISTS = {"payer": "payers", "category": "categories", "code": "codes", "modifier": "modifiers", "site": "sites"}


@st.cache_data(ttl=300, show_spinner=False)
def _cached(name: str, filters: data.Filters, path: str, stamp: float, extra: tuple) -> pd.DataFrame:
    return data.dashboard(name, filters, data.Path(path), **dict(extra))


def frame(name: str, filters: data.Filters, **extra) -> pd.DataFrame:
    """A dashboard query, cached until the database file changes."""
    path = data.database_path()
    return _cached(name, filters, str(path), path.stat().st_mtime, tuple(sorted(extra.items())))


@st.cache_data(ttl=300, show_spinner=False)
def _cached_options(path: str, stamp: float) -> dict:
    return data.query("dashboard/filter_options", path=data.Path(path)).iloc[0].to_dict()


def options() -> dict:
    path = data.database_path()
    known = dict(_cached_options(str(path), path.stat().st_mtime))
    for field in _LISTS.values():  # no remittance loaded yet (e.g. only claims): empty lists, not None
        if known[field] is None:
            known[field] = []
    return known


def sidebar_filters() -> data.Filters:
    """Filters that persist across pages and live in the URL, so that a view can be shared. Values
    from the URL are checked against what the data holds; unknown ones are dropped."""
    known = options()
    params = st.query_params
    st.sidebar.header("Filters")
    basis = st.sidebar.radio("Dates by", ["service", "payment"], horizontal=True,
                             index=1 if params.get("dates") == "payment" else 0,
                             format_func=lambda b: "date of service" if b == "service" else "date paid",
                             help="Filter and group by the date of service or the date of payment (BPR16).")
    if pd.isna(known["first_date"]) or pd.isna(known["last_date"]):  # nothing adjudicated yet (only claims loaded)
        first = last = date.today()
    else:
        first, last = pd.Timestamp(known["first_date"]).date(), pd.Timestamp(known["last_date"]).date()
    start = _date(params.get("from"), first, last) or first
    end = _date(params.get("to"), first, last) or last
    chosen = st.sidebar.date_input("Date range", value=(start, end), min_value=first, max_value=last)
    start, end = (chosen + (end,))[:2] if isinstance(chosen, tuple) else (chosen, chosen)
    selected = {}
    labels = {"payer": "Payer", "category": "Denial category", "code": "Procedure or drug code",
              "modifier": "Modifier", "site": "Site of care (POS or bill type)"}
    for key, field in _LISTS.items():
        allowed = [str(v) for v in known[field]]
        wanted = [v for v in params.get_all(key) if v in allowed]
        selected[field] = tuple(st.sidebar.multiselect(labels[key], allowed, default=wanted, key=f"filter_{key}"))
    filters = data.Filters(basis, start, end, **selected)
    _to_url(filters, first, last)
    return filters


def _date(text: str | None, first: date, last: date) -> date | None:
    try:
        value = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return value if value and first <= value <= last else None


def _to_url(filters: data.Filters, first: date, last: date) -> None:
    wanted = {"dates": filters.date_basis if filters.date_basis != "service" else None,
              "from": str(filters.date_from) if filters.date_from != first else None,
              "to": str(filters.date_to) if filters.date_to != last else None}
    for key, field in _LISTS.items():
        wanted[key] = list(getattr(filters, field)) or None
    current = {k: (st.query_params.get_all(k) if isinstance(v, list) else st.query_params.get(k)) for k, v in wanted.items()}
    if current != wanted:
        st.query_params.clear()
        st.query_params.update({k: v for k, v in wanted.items() if v})


def demo_label() -> None:
    if data.is_demo(data.database_path()):
        st.warning("**Demo data**: a synthetic remittance history, not real patients or payers. Load your own "
                   "835 files on the Data page or with `python -m analytics load FOLDER`; the dashboard then "
                   "shows them instead.", icon=":material/science:")


def empty(frame_: pd.DataFrame, what: str = "data") -> bool:
    """Show a friendly note and return True when the filters leave nothing to show."""
    if frame_.empty:
        st.info(f"No {what} matches these filters. Widen the date range or clear a filter in the sidebar.")
        return True
    return False


# Definitions shown on hover over the column headers of every table that has these columns.
_COLUMN_HELP = {
    "denial_rate": ("denial rate", "percent", "Denied units ÷ adjudicated units (service lines, or claims without lines); "
                    "duplicate-claim and expected GA/GY/GZ denials not counted."),
    "dollar_denial_rate": ("denial rate by $", "percent", "HFMA initial denial rate by dollars: charges of the initial "
                           "claims denied (in full or in part) ÷ charges of the initial claims."),
    "line_denial_rate": ("line denial rate", "percent", "Denied lines ÷ adjudicated lines (initial adjudications; "
                         "duplicate-claim and expected GA/GY/GZ denials not counted)."),
    "denied_amount": ("denied $", "dollar", "Sum of the denial-class adjustment amounts (CAS): what the payer refused to pay."),
    "denials": ("denials", None, "Denied units: service lines, or claims without lines, with a denial-class adjustment."),
    "units": ("units", None, "Adjudicated units: service lines, or claims adjudicated without lines."),
    "lines": ("lines", None, "Adjudicated service lines."),
    "claims": ("claims", None, "Claim adjudications (CLP) the payer processed."),
    "share_of_denied": ("share", "percent", "This row's denied dollars ÷ all denied dollars shown."),
    "median_days_to_pay": ("days to pay", None, "Median days from the payer's receipt (DTM*050) to payment (BPR16)."),
    "recovered_amount": ("recovered $", "dollar", "What later adjudications paid on the denied lines or claims, net of "
                         "reversals and recoupments."),
    "recovery_rate": ("recovery rate", "percent", "Recovered $ ÷ denied $."),
    "denials_recovered": ("denials recovered", None, "Denials with money back, by recovery date."),
    "this_month": ("this month $", "dollar", "Denied $ in the chosen month."),
    "previous_month": ("month before $", "dollar", "Denied $ in the month before."),
    "average_12_months": ("12-month average $", "dollar", "Average monthly denied $ over the 12 months before."),
    "change_from_previous": ("change vs month before", "dollar", "This month's denied $ − the month before's."),
    "change_from_average": ("change vs average", "dollar", "This month's denied $ − the 12-month average."),
    "days_left": ("days left", None, "Days from the data date (latest payment loaded) to the appeal deadline."),
}
_TEXT_HELP = {
    "payer_name": ("payer", "N1*PR name in the remittance."),
    "top_category": ("top category", "The denial category with the most denied dollars."),
    "procedure_code": ("code", "The procedure or drug code adjudicated (SVC01-2)."),
}


def table(frame_: pd.DataFrame, name: str, caption: str | None = None, **column_config) -> None:
    """A table with its definitions (header hover and caption) and a CSV download of what it shows."""
    for column, (label, style, help_text) in _COLUMN_HELP.items():
        if column in frame_.columns and column not in column_config:
            column_config[column] = st.column_config.NumberColumn(label, format=style, help=help_text)
    for column, (label, help_text) in _TEXT_HELP.items():
        if column in frame_.columns and column not in column_config:
            column_config[column] = st.column_config.TextColumn(label, help=help_text)
    for column in frame_.columns:  # months as months, dates without a time of day
        if column not in column_config and pd.api.types.is_datetime64_any_dtype(frame_[column]):
            monthly = str(column).endswith("month")
            column_config[column] = st.column_config.DateColumn(str(column).replace("_", " "),
                                                                format="MMM YYYY" if monthly else "YYYY-MM-DD")
    st.dataframe(frame_, hide_index=True, width="stretch", column_config=column_config or None)
    if caption:
        st.caption(caption)
    # The CSV is written when the button is clicked, not on every run of the page (the worklist's at 1M
    # lines, 12,000 rows, takes 260 ms; even hashing the table to cache it took 30 ms of each run).
    st.download_button("Download CSV", lambda: frame_.to_csv(index=False).encode(), f"{name}.csv", "text/csv",
                       key=f"download_{name}")


def figure(build):
    """Decorates a page's function that makes a plotly figure from frames: the figure is made once per
    content and shared by every session (st.cache_resource: one object, never pickled, so never rebuilt).
    Plotly express spends 50-300 ms of Python on a figure, most of a page run's CPU, and every session
    runs in one Python process. Frames reach build through chart_data (text shown as it is). A figure
    returned is shown as it is, never changed after (st.plotly_chart only reads it)."""
    @functools.wraps(build)
    def shown_as_text(*frames, **options):
        return build(*(chart_data(f) if isinstance(f, pd.DataFrame) else f for f in frames), **options)
    return st.cache_resource(ttl=300, show_spinner=False, max_entries=200)(shown_as_text)


# A month not over on the data date (column `complete` false, from month_complete() in the SQL) is
# marked on every monthly chart: shaded and labelled "partial", its line segment dashed, its heatmap
# column labelled, and partial_note() says up to which date the data goes.
PARTIAL = "partial month"


def partial_months(frame_: pd.DataFrame) -> list:
    if "complete" not in frame_.columns or "month" not in frame_.columns:
        return []
    return sorted(pd.Timestamp(m) for m in frame_.loc[~frame_["complete"].astype(bool), "month"].unique())


def mark_partial(fig, frame_: pd.DataFrame):
    """Shade each partial month of a figure whose x axis is `month` and label it; returns the figure."""
    for month in partial_months(frame_):
        fig.add_vrect(x0=month - pd.Timedelta(days=15), x1=month + pd.Timedelta(days=15), fillcolor="lightgrey",
                      opacity=0.4, line_width=0, layer="below", annotation_text=PARTIAL,
                      annotation_position="top left")
    return fig


def partial_note(frame_: pd.DataFrame) -> None:
    """The caption under a monthly chart with a partial month: up to which date the data goes."""
    months = partial_months(frame_)
    if months:
        as_of = data.record("recovery/data_date", path=data.database_path())["data_date"]
        shown = ", ".join(f"{m:%B %Y}" for m in months)
        st.caption(f"Partial month: data up to {as_of:%d %B %Y}. {shown} is not over yet, so its figures are "
                   "incomplete (marked on the chart); month-over-month comparisons leave it out.")


def _month_label(month, complete: bool = True) -> str:
    return f"{pd.Timestamp(month):%b %Y}" + ("" if complete else f" ({PARTIAL})")


@figure
def _rate_heatmap(frame_: pd.DataFrame, x: str, y: str):
    import plotly.graph_objects as go

    # categorical axes (go.Heatmap on aggregates: px.density_heatmap bins dates and numeric-looking codes)
    shown = frame_.copy()
    if x == "month":
        complete = shown["complete"].astype(bool) if "complete" in shown.columns else [True] * len(shown)
        shown["x"] = [_month_label(m, c) for m, c in zip(shown["month"], complete)]
        order = shown.sort_values("month").drop_duplicates("month")["x"].tolist()
    else:
        shown["x"] = shown[x].astype(str)
        order = list(dict.fromkeys(shown["x"]))
    matrix = shown.pivot_table(index=y, columns="x", values="denial_rate", aggfunc="mean").reindex(columns=order)
    heat = go.Figure(go.Heatmap(z=matrix.values, x=list(matrix.columns), y=[str(v) for v in matrix.index],
                                colorscale="Reds", colorbar={"tickformat": ".0%", "title": {"text": "denial rate"}},
                                hovertemplate="%{y}<br>%{x}<br>denial rate %{z:.1%}<extra></extra>"))
    return heat.update_xaxes(type="category").update_yaxes(type="category", autorange="reversed")


def rate_heatmap(frame_: pd.DataFrame, x: str, y: str, caption: str) -> None:
    """A denial-rate heatmap (column denial_rate) with its definition underneath; a partial month's
    column is labelled."""
    st.plotly_chart(_rate_heatmap(frame_, x, y), width="stretch")
    st.caption(caption)
    partial_note(frame_)


@figure
def _rate_bars(frame_: pd.DataFrame, x: str, label: str, volume: str):
    import plotly.express as px

    return px.bar(frame_, x=x, y="denial_rate", hover_data=[volume, "denied_amount"],
                  labels={x: label, "denial_rate": "denial rate"}).update_yaxes(tickformat=".0%")


def rate_bars(frame_: pd.DataFrame, x: str, volume: str, label: str = "", key: str | None = None) -> None:
    """The denial rate (column denial_rate) of each value of x as a bar; `volume` and denied dollars on hover."""
    st.plotly_chart(_rate_bars(frame_, x, label, volume), width="stretch", key=key)


@figure
def _rate_trend(frame_: pd.DataFrame, tickformat: str, label: str):
    import plotly.graph_objects as go

    complete = frame_["complete"].astype(bool) if "complete" in frame_.columns else pd.Series(True, index=frame_.index)
    done = frame_[complete]
    fig = go.Figure(go.Scatter(x=done["month"], y=done["denial_rate"], mode="lines+markers", name=label,
                               line={"color": "#1f77b4"}))
    if (~complete).any():  # the partial month: dashed from the last complete month, an open marker
        tail = frame_[~complete]
        if not done.empty:
            tail = pd.concat([done.tail(1), tail])
        fig.add_trace(go.Scatter(x=tail["month"], y=tail["denial_rate"], mode="lines+markers", name=PARTIAL,
                                 line={"color": "#1f77b4", "dash": "dash"},
                                 marker={"symbol": "circle-open", "size": 9}))
    fig.update_layout(showlegend=False, yaxis_title=label)
    return mark_partial(fig.update_yaxes(tickformat=tickformat, rangemode="tozero"), frame_)


def rate_trend(frame_: pd.DataFrame, tickformat: str = ".0%", label: str = "denial rate") -> None:
    """The denial rate (column denial_rate) per month as a line; a partial month dashed and shaded."""
    st.plotly_chart(_rate_trend(frame_, tickformat, label), width="stretch")


@figure
def _month_bars(frame_: pd.DataFrame, y: str, label: str):
    import plotly.express as px

    fig = px.bar(frame_, x="month", y=y, labels={y: label, "month": ""})
    if "complete" in frame_.columns:  # a partial month's bar lighter
        fig.update_traces(marker_opacity=[1.0 if c else 0.4 for c in frame_["complete"].astype(bool)])
    return mark_partial(fig, frame_)


def month_bars(frame_: pd.DataFrame, y: str, label: str) -> None:
    """A monthly amount as bars; a partial month's bar lighter and shaded."""
    st.plotly_chart(_month_bars(frame_, y, label), width="stretch")


def md(value) -> str:
    """Text from the files (a payer's name, a claim id, a file name) for st.markdown, st.caption, alerts and
    labels, shown as it is: every character markdown, Streamlit or GitHub could read inside a line escaped
    (so `<script>`, `<b>`, `*x*`, links, `$math$`, `:emoji:` and `:red[...]` stay text), those that only
    mean something at the start of a line escaped there; line breaks become spaces. Plain names and
    sentences (letters, digits, `-`, `.`, `_` inside words, `: ` before a space) read the same."""
    text = " ".join(str(value).splitlines())
    text = _INLINE.sub(lambda m: "\\" + m.group(0), text)
    text = _UNDERSCORES.sub(lambda m: m.group(0) if _inside_word(m) else m.group(0).replace("_", "\\_"), text)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _SHORTCODE.sub(":\u2060", text)


def _inside_word(run: re.Match) -> bool:
    """Underscores between two letters or digits (a_b, x__y) never make emphasis: left as they are."""
    text, start, end = run.string, run.start(), run.end()
    return 0 < start and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()


def chart_data(frame_: pd.DataFrame) -> pd.DataFrame:
    """A copy of a frame for a plotly chart, its text shown as it is: plotly.js reads a few HTML tags in
    labels and hover text (<b>, <br>, <a href>...), so < > & become entities, which it shows as the
    characters."""
    import html

    out = frame_.copy()
    for column in out.columns:
        if pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: html.escape(v, quote=False) if isinstance(v, str) else v)
    return out


_INLINE = re.compile(r"[\\`*\[\]<>~$&|@]|:(?=[\w+/-])")  # a colon before a space or the end means nothing
_UNDERSCORES = re.compile(r"_+")
_LINE_START = re.compile(r"^(\s*\d*)([#>+=!.)-])")  # headings, quotes, lists, rules
_SHORTCODE = re.compile(r"(?<=\\):(?=[\w+/\\-]+\\?:)")  # the colon opening an emoji or icon code, once escaped


def money(value) -> str:
    return f"${float(value or 0):,.0f}"


def percent(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):.1%}"


# -- What changed (analytics/findings.py) ---------------------------------------------------------------
@st.cache_data(ttl=300, show_spinner="Testing every slice...")
def _findings(path: str, stamp: float, kind: str):
    from analytics import findings

    return findings.for_database(data.Path(path), kind)


def change_findings(kind: str = "default"):
    """The change findings of the latest period of a kind (findings.Result, or None), cached until the
    database file changes."""
    path = data.database_path()
    return _findings(str(path), path.stat().st_mtime, kind)


@figure
def _sparkline(frame_: pd.DataFrame):
    import plotly.graph_objects as go

    colours = ["#d62728" if p else "#1f77b4" for p in frame_["period"]]
    fig = go.Figure(go.Scatter(x=frame_["month"], y=frame_["rate"], mode="lines+markers",
                               line={"color": "#1f77b4", "width": 1.5}, marker={"color": colours, "size": 6},
                               hovertemplate="%{x|%b %Y}: %{y:.1%}<extra></extra>"))
    fig.add_hline(y=float(frame_["baseline_rate"].iloc[0]), line={"dash": "dot", "color": "grey", "width": 1})
    return fig.update_layout(height=90, margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False).update_xaxes(
        visible=False).update_yaxes(visible=False, rangemode="tozero")


def sparkline(frame_: pd.DataFrame, key: str) -> None:
    """A slice's monthly claim denial rate (columns month, rate, period, baseline_rate): the period's
    months red, the baseline rate dotted."""
    st.plotly_chart(_sparkline(frame_), width="stretch", key=key, config={"displayModeBar": False})


@figure
def _p_chart(frame_: pd.DataFrame, title: str):
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, column, dash in (("upper limit", "upper", "dash"), ("centre (baseline)", "centre", "dot"),
                               ("lower limit", "lower", "dash")):
        fig.add_trace(go.Scatter(x=frame_["month"], y=frame_[column], mode="lines", name=name,
                                 line={"color": "grey", "dash": dash, "width": 1, "shape": "hvh"}))
    fig.add_trace(go.Scatter(x=frame_["month"], y=frame_["rate"], mode="lines+markers", name="claim denial rate",
                             line={"color": "#1f77b4"}, customdata=frame_[["claims", "denied_claims"]],
                             hovertemplate="%{x|%b %Y}: %{y:.1%} (%{customdata[1]} of %{customdata[0]} claims)"
                                           "<extra></extra>"))
    outside = frame_[frame_["outside"].astype(bool)]
    fig.add_trace(go.Scatter(x=outside["month"], y=outside["rate"], mode="markers", name="outside the limits",
                             marker={"color": "#d62728", "size": 12, "symbol": "circle-open", "line": {"width": 2}}))
    import html

    return fig.update_layout(title=html.escape(title, quote=False), yaxis_title="claim denial rate", height=320,
                             legend={"orientation": "h"}).update_yaxes(tickformat=".0%", rangemode="tozero")


def p_chart(frame_: pd.DataFrame, title: str) -> None:
    """A p-chart (columns month, rate, centre, lower, upper, outside, claims, denied_claims): months
    outside the limits ringed red."""
    st.plotly_chart(_p_chart(frame_, title), width="stretch")
