"""Streamlit helpers every page shares: filters in the sidebar and the URL, tables with a CSV
download, numbers with their definitions, the empty state and the demo label."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from analytics import data, labels
from analytics.filters import LISTS

CLAIMS_PAGE = "app_pages/claims.py"


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
    for field in (
        *(f.field for f in LISTS),
        "site_labels",
        "category_labels",
    ):  # nothing loaded yet: empty lists, not None
        if known.get(field) is None:
            known[field] = []
    return known


def site_labels() -> dict[str, str]:
    """Site key ('POS 19', 'TOB 13x') -> its name for people ('POS 19 off campus-outpatient hospital')."""
    known = options()
    return dict(zip((str(s) for s in known["sites"]), (str(s) for s in known["site_labels"]), strict=True))


def category_labels() -> dict[str, str]:
    """Category key ('authorization') -> its label ('Prior authorization and referral')."""
    known = options()
    return dict(zip((str(c) for c in known["categories"]), (str(c) for c in known["category_labels"]), strict=True))


# Date presets (sidebar, kept in the URL as period=...): a complete month is over on the data date (the
# latest payment loaded), as month_complete() in queries/marts/initial_claims.sql decides.
PERIODS = {
    "custom": "Custom range",
    "last-month": "Last complete month",
    "last-3-months": "Last 3 complete months",
    "quarter": "Quarter to date",
    "year": "Year to date",
}


def period_range(period: str, data_date: date) -> tuple[date, date] | None:
    """The dates a preset covers on the data date; None for a custom range."""

    def month_start(day: date, back: int = 0) -> date:
        months = day.year * 12 + day.month - 1 - back
        return date(months // 12, months % 12 + 1, 1)

    # the latest complete month: the data date's own month when the data date is its last day
    last_complete_end = (
        data_date if (data_date + pd.Timedelta(days=1)).day == 1 else month_start(data_date) - pd.Timedelta(days=1)
    )
    last_complete_end = pd.Timestamp(last_complete_end).date()
    if period == "last-month":
        return month_start(last_complete_end), last_complete_end
    if period == "last-3-months":
        return month_start(last_complete_end, 2), last_complete_end
    if period == "quarter":
        return date(data_date.year, (data_date.month - 1) // 3 * 3 + 1, 1), data_date
    if period == "year":
        return date(data_date.year, 1, 1), data_date
    return None


def sidebar_filters() -> data.Filters:
    """Filters that persist across pages and live in the URL, so that a view can be shared. Values
    from the URL are checked against what the data holds; unknown ones are dropped. A click on a chart
    or a table that opens the Claims page (drill()) puts its filters in the URL and sets them here."""
    known = options()
    params = st.query_params
    drilled = st.session_state.pop("_drill", False)
    st.sidebar.header("Filters")
    basis = st.sidebar.radio(
        "Dates by",
        ["service", "payment"],
        horizontal=True,
        index=1 if params.get("dates") == "payment" else 0,
        format_func=lambda b: "date of service" if b == "service" else "date paid",
        help="Filter and group by the date of service or the date the payer paid.",
    )
    if pd.isna(known["first_date"]) or pd.isna(known["last_date"]):  # nothing adjudicated yet (only claims loaded)
        first = last = as_of = date.today()
    else:
        first, last = pd.Timestamp(known["first_date"]).date(), pd.Timestamp(known["last_date"]).date()
        as_of = pd.Timestamp(known["data_date"]).date() if not pd.isna(known.get("data_date")) else last

    # Each widget's value is set from the URL when the session starts (or a click opened the Claims page),
    # then kept by its key: a widget given both a default and a value by key warns on the page.
    def from_url(key: str, value) -> None:
        if drilled or key not in st.session_state:
            st.session_state[key] = value

    from_url("filter_period", params.get("period") if params.get("period") in PERIODS else "custom")
    # never None (options and no index=None): `or "custom"` only tells the type checker so
    period = (
        st.sidebar.selectbox(
            "Period",
            list(PERIODS),
            format_func=PERIODS.__getitem__,
            key="filter_period",
            help=f"Complete months are those over on the data date ({as_of:%d %B %Y}, the "
            "latest payment loaded); quarter and year to date end on it.",
        )
        or "custom"
    )
    preset = period_range(period, as_of)
    if preset:
        start, end = max(preset[0], first), min(max(preset[1], first), last)
        st.sidebar.date_input(
            "Date range",
            value=(start, end),
            min_value=first,
            max_value=last,
            disabled=True,
            key=f"filter_dates_{period}",
        )
    else:
        start = _date(params.get("from"), first, last) or first
        end = _date(params.get("to"), first, last) or last
        from_url("filter_dates", (start, end))
        if any(not first <= d <= last for d in st.session_state["filter_dates"]):  # the data changed since
            st.session_state["filter_dates"] = (start, end)
        chosen = st.sidebar.date_input("Date range", min_value=first, max_value=last, key="filter_dates")
        start, end = (chosen + (end,))[:2] if isinstance(chosen, tuple) else (chosen, chosen)
    selected = {}
    shown: dict[str, dict[str, str]] = {
        "categories": category_labels(),
        "sites": site_labels(),
        "modifiers": {"JW/JZ": "JW/JZ missing (denied for it)"},
    }
    for listed in LISTS:
        key = f"filter_{listed.url_key}"
        allowed = [str(v) for v in known[listed.field]]
        from_url(key, [v for v in params.get_all(listed.url_key) if v in allowed])
        if any(v not in allowed for v in st.session_state[key]):  # the data changed since
            st.session_state[key] = [v for v in st.session_state[key] if v in allowed]
        names = shown.get(listed.field, {})
        selected[listed.field] = tuple(
            st.sidebar.multiselect(listed.label, allowed, key=key, format_func=_named(names))
        )
    result = data.Filters(basis, start, end, **selected)
    _to_url(result, first, last, period)
    return result


def _named(names: dict[str, str]) -> Callable[[str], str]:
    """A widget's format_func: a value's name for people, or the value itself."""
    return lambda value: names.get(value, value)


def _date(text: str | None, first: date, last: date) -> date | None:
    try:
        value = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return value if value and first <= value <= last else None


def _url_params(filters: data.Filters, first: date | None, last: date | None, period: str = "custom") -> dict:
    """The URL parameters of these filters: a date equal to the data's first or last day is left out (with
    first and last None, every date set goes in)."""
    wanted: dict[str, str | list[str] | None] = {
        "dates": filters.date_basis if filters.date_basis != "service" else None,
        "period": period if period != "custom" else None,
        "from": str(filters.date_from) if filters.date_from != first and period == "custom" else None,
        "to": str(filters.date_to) if filters.date_to != last and period == "custom" else None,
    }
    for chosen in LISTS:
        wanted[chosen.url_key] = list(getattr(filters, chosen.field)) or None
    return wanted


def _to_url(filters: data.Filters, first: date, last: date, period: str = "custom") -> None:
    wanted = _url_params(filters, first, last, period)
    current = {
        k: (st.query_params.get_all(k) if isinstance(v, list) else st.query_params.get(k)) for k, v in wanted.items()
    }
    if current != wanted:
        st.query_params.clear()
        st.query_params.update({k: v for k, v in wanted.items() if v})


def drill(filters: data.Filters, **narrowed) -> None:
    """Open the Claims page on the denied lines behind what was clicked: the page's filters narrowed by
    `narrowed` (payers, categories, codes, modifiers, sites as tuples; month: a month to narrow the dates
    to), in the URL so that the view can be shared."""
    month = narrowed.pop("month", None)
    fields = {**filters.__dict__, **{k: tuple(v) for k, v in narrowed.items() if v}}
    if month is not None:
        start = pd.Timestamp(month).date().replace(day=1)
        end = (pd.Timestamp(start) + pd.offsets.MonthEnd(1)).date()
        fields["date_from"] = max(start, filters.date_from) if filters.date_from else start
        fields["date_to"] = min(end, filters.date_to) if filters.date_to else end
    target = data.Filters(**fields)
    params = _url_params(target, None, None)
    st.session_state["_drill"] = True
    st.switch_page(CLAIMS_PAGE, query_params={k: v for k, v in params.items() if v})


def demo_label() -> None:
    if data.is_demo(data.database_path()):
        st.warning(
            "**Demo data**: a synthetic remittance history, not real patients or payers. Load your own "
            "835 files on the Data page or with `python -m analytics load FOLDER`; the dashboard then "
            "shows them instead.",
            icon=":material/science:",
        )


def empty(frame_: pd.DataFrame, what: str = "data") -> bool:
    """Show a friendly note and return True when the filters leave nothing to show."""
    if frame_.empty:
        st.info(f"No {what} matches these filters. Widen the date range or clear a filter in the sidebar.")
        return True
    return False


# Labels for people: every table shown through table() takes its column labels, formats and definitions
# from analytics/labels.py (the exports use the same registry); the CSV download keeps the column names.
_FORMATS = {"money": "dollar", "rate": "percent", "count": "localized", "days": "%d", "probability": "%.3f"}


def column_config(frame_: pd.DataFrame, **given) -> dict:
    """st.column_config for every column of a frame from the registry above: labels for people, money as
    $ with thousands, rates as %, days as whole numbers, dates as dates; unknown columns get their name
    without underscores."""
    config = dict(given)
    for column in frame_.columns:
        if column in config:
            continue
        label, kind, help_text = labels.COLUMNS.get(column, (str(column).replace("_", " "), None, None))
        if kind == "hidden" or set(labels.HIDDEN_BESIDE.get(column, ())) & set(frame_.columns):
            config[column] = None
        elif kind in _FORMATS:
            config[column] = st.column_config.NumberColumn(label, format=_FORMATS[kind], help=help_text)
        elif kind == "datetime":
            config[column] = st.column_config.DatetimeColumn(label, help=help_text, format="YYYY-MM-DD HH:mm")
        elif kind in ("date", "month") or pd.api.types.is_datetime64_any_dtype(frame_[column]):
            monthly = kind == "month" or str(column).endswith("month")
            config[column] = st.column_config.DateColumn(
                label, help=help_text, format="MMM YYYY" if monthly else "YYYY-MM-DD"
            )
        elif pd.api.types.is_bool_dtype(frame_[column]):
            config[column] = st.column_config.CheckboxColumn(label, help=help_text)
        elif pd.api.types.is_numeric_dtype(frame_[column]):
            config[column] = st.column_config.NumberColumn(label, format="localized", help=help_text)
        else:
            config[column] = st.column_config.TextColumn(label, help=help_text)
    return config


def _labelled(frame_: pd.DataFrame) -> pd.DataFrame:
    """The frame as people read it: a category key ('authorization') shown as its label and a site key
    ('POS 19') as its name, when the query left no label beside it (the CSV keeps the keys)."""
    swaps = {}
    if "category" in frame_.columns and not {"category_label", "label"} & set(frame_.columns):
        swaps["category"] = category_labels()
    if "site" in frame_.columns and "site_label" not in frame_.columns:
        swaps["site"] = site_labels()
    if not swaps or frame_.empty:
        return frame_
    shown = frame_.copy()
    for column, names in swaps.items():
        shown[column] = shown[column].map(lambda v, names=names: names.get(v, v) if isinstance(v, str) else v)
    return shown


def table(frame_: pd.DataFrame, name: str, caption: str | None = None, on_select=None, download=None, **given) -> None:
    """A table with labels for people (column_config), its definitions (header hover and caption) and a
    CSV download of what it shows (with the machine-readable column names). on_select(row) -> the
    filters of the denied lines behind a row (drill()): clicking a row opens them on the Claims page.
    download() -> the whole frame when the table shows only its first rows: run when the button is clicked."""
    shown = _labelled(frame_)
    config = column_config(shown, **given)
    order = []
    for column in frame_.columns:  # a label takes the place of the key it stands for
        if config.get(column) is not None and column not in order:
            order.append(column)
        elif config.get(column) is None:
            order += [c for c in labels.HIDDEN_BESIDE.get(column, ()) if c in frame_.columns and c not in order]
    event = None
    if on_select:
        event = st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config=config,
            column_order=order,
            placeholder="–",
            on_select="rerun",
            selection_mode="single-row",
            key=f"table_{name}",
        )
    else:
        st.dataframe(shown, hide_index=True, width="stretch", column_config=config, column_order=order, placeholder="–")
    note = " Click a row to open its denied lines on the Claims page." if on_select else ""
    st.caption(((caption or "") + note + " The CSV download keeps machine-readable column names.").strip())
    # The CSV is written when the button is clicked, not on every run of the page (the worklist's at 1M
    # lines, 12,000 rows, takes 260 ms; even hashing the table to cache it took 30 ms of each run).
    st.download_button(
        "Download CSV",
        lambda: labels.safe_for_spreadsheets(download() if download else frame_).to_csv(index=False).encode(),
        f"{name}.csv",
        "text/csv",
        key=f"download_{name}",
    )
    if on_select:
        rows = event.selection.rows if event else []
        if rows:
            on_select(frame_.iloc[rows[0]])


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


# Charts draw what the SQL computed: no chart bins or aggregates (no histogram, no density trace). Codes,
# sites, modifiers, payers and categories are categorical axes (a code like 99213 is not a number);
# months are months: a date axis with one tick per month (or category labels "Sep 2026"), one point per
# month. One helper per kind of chart, below; tests/test_charts.py walks every page to hold them to it.

# One colour per denial category, the same on every chart (the order of data/denial_categories.csv).
CATEGORY_COLOURS = {
    "eligibility": "#1f77b4",
    "authorization": "#d62728",
    "medical_necessity": "#2ca02c",
    "documentation": "#ff7f0e",
    "coding": "#9467bd",
    "bundling": "#8c564b",
    "site_of_care": "#e377c2",
    "network": "#17becf",
    "non_covered": "#bcbd22",
    "duplicate": "#7f7f7f",
    "timely_filing": "#393b79",
    "coordination_of_benefits": "#637939",
    "other": "#c7c7c7",
}
MAIN = "#1f77b4"
CLICK_LAYER = "click layer"  # the invisible markers that take clicks on a heatmap's cells


def category_colours(frame_: pd.DataFrame, label: str = "category_label") -> dict:
    """The fixed colour of each category, keyed by the label a chart shows."""
    pairs = (
        frame_[["category", label]].drop_duplicates()
        if label in frame_.columns
        else frame_[["category"]].assign(**{label: frame_["category"]})
    )
    return {row[label]: CATEGORY_COLOURS.get(row["category"], "#c7c7c7") for _, row in pairs.iterrows()}


def percent_format(values) -> str:
    """A percent tick format with the precision the values need: small rates do not all read 0%."""
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").dropna().abs()
    if numbers.empty:
        return ".0%"
    top, span = numbers.max(), numbers.max() - numbers.min()
    if top < 0.01:
        return ".2%"
    # ticks 1-2 points apart ("10%, 10%, 9%") need a decimal as much as small rates do
    return ".1%" if top < 0.1 or span < 0.1 else ".0%"


def _month_axis(fig, months):
    """A monthly x axis: one tick per month labelled 'Sep 2026', padded half a month either side (a
    single month reads as that month, not as hours around its first day)."""
    months = sorted(pd.Timestamp(m) for m in pd.Series(months).dropna().unique())
    if not months:
        return fig
    span = (months[-1].year - months[0].year) * 12 + months[-1].month - months[0].month + 1
    # about a dozen ticks whatever the span: 2 years of months, or 24 years of a public corpus
    step, shown = next(
        (s, f)
        for limit, s, f in ((15, "M1", "%b %Y"), (40, "M3", "%b %Y"), (90, "M6", "%b %Y"), (10**6, "M12", "%Y"))
        if span <= limit
    )
    return fig.update_xaxes(
        type="date",
        dtick=step,
        tickformat=shown,
        title_text="",
        range=[months[0] - pd.Timedelta(days=16), months[-1] + pd.Timedelta(days=16)],
    )


def _rate_axis(fig, values, title: str):
    """A rate y axis from 0, with the precision its values need."""
    top = pd.to_numeric(pd.Series(values), errors="coerce").max()
    # room above the highest point for its label, never far above 100%
    top = 0.01 if pd.isna(top) or top <= 0 else min(float(top) * 1.15, max(float(top), 1.05))
    return fig.update_yaxes(range=[0, top], tickformat=percent_format([0, top]), title_text=title, rangemode="tozero")


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
        fig.add_vrect(
            x0=month - pd.Timedelta(days=15),
            x1=month + pd.Timedelta(days=15),
            fillcolor="lightgrey",
            opacity=0.4,
            line_width=0,
            layer="below",
            annotation_text=PARTIAL,
            annotation_position="top right",
        )
    return fig


def partial_note(frame_: pd.DataFrame) -> None:
    """The caption under a monthly chart with a partial month: up to which date the data goes."""
    months = partial_months(frame_)
    if months:
        as_of = data.record("recovery/data_date", path=data.database_path())["data_date"]
        shown = ", ".join(f"{m:%B %Y}" for m in months)
        st.caption(
            f"Partial month: data up to {as_of:%d %B %Y}. {shown} is not over yet, so its figures are "
            "incomplete (marked on the chart); month-over-month comparisons leave it out."
        )


def _month_label(month, complete: bool = True) -> str:
    return f"{pd.Timestamp(month):%b %Y}" + ("" if complete else f" ({PARTIAL})")


def _selected_points(event) -> list:
    try:
        return list(event.selection.points) if event else []
    except AttributeError:
        return list((event or {}).get("selection", {}).get("points", []))


def _chart(fig, key: str | None, on_select):
    """st.plotly_chart; with on_select(point) -> drill filters, a click on a bar or cell opens its denied lines."""
    if on_select is None:
        st.plotly_chart(fig, width="stretch", key=key)
        return
    event = st.plotly_chart(fig, width="stretch", key=key, on_select="rerun", selection_mode="points")
    points = _selected_points(event)
    if points:
        on_select(points[0])


@figure
def _rate_heatmap(frame_: pd.DataFrame, x: str, y: str, x_key: str | None, y_key: str | None):
    import plotly.graph_objects as go

    # categorical axes (go.Heatmap on aggregates: px.density_heatmap bins dates and numeric-looking codes)
    shown = frame_.copy()
    if x == "month":
        complete = shown["complete"].astype(bool) if "complete" in shown.columns else [True] * len(shown)
        shown["x"] = [_month_label(m, c) for m, c in zip(shown["month"], complete, strict=True)]
        shown["x_key"] = [f"{pd.Timestamp(m):%Y-%m-%d}" for m in shown["month"]]
        order = shown.sort_values("month").drop_duplicates("month")["x"].tolist()
    else:
        shown["x"] = shown[x].astype(str)
        shown["x_key"] = shown[x_key or x].astype(str)
        order = list(dict.fromkeys(shown.sort_values(x)["x"]))
    shown["y"] = shown[y].astype(str)
    shown["y_key"] = shown[y_key or y].astype(str)
    rows = list(dict.fromkeys(shown.sort_values(y)["y"]))
    matrix = shown.pivot_table(index="y", columns="x", values="denial_rate", aggfunc="first").reindex(
        index=rows, columns=order
    )
    keys = shown.drop_duplicates(["y", "x"]).set_index(["y", "x"])
    custom = [[[keys["y_key"].get((r, c), ""), keys["x_key"].get((r, c), "")] for c in order] for r in rows]
    volume = "lines" if "lines" in shown.columns else "claims"
    counts = shown.pivot_table(index="y", columns="x", values=volume, aggfunc="first").reindex(
        index=rows, columns=order
    )
    text = [[("" if pd.isna(v) else f"{int(v):,} {volume}") for v in row] for row in counts.values]
    heat = go.Figure(
        go.Heatmap(
            z=matrix.values,
            x=order,
            y=rows,
            customdata=custom,
            text=text,
            colorscale="Reds",
            xgap=1,
            ygap=1,
            colorbar={"tickformat": percent_format(matrix.values.ravel()), "title": {"text": "denial rate"}},
            hovertemplate="%{y}<br>%{x}<br>denial rate %{z:.1%}<br>%{text}<extra>click: open the denied lines</extra>",
        )
    )
    # a browser sends no selection for a click on a heatmap cell: an invisible marker at each cell's centre
    # takes the click (and the hover), so a click opens that cell's denied lines
    cells = [
        (r, c, custom[i][j], text[i][j], matrix.values[i][j])
        for i, r in enumerate(rows)
        for j, c in enumerate(order)
        if not pd.isna(matrix.values[i][j])
    ]
    if cells:
        heat.update_traces(hoverinfo="skip", hovertemplate=None)
        heat.add_trace(
            go.Scatter(
                x=[c[1] for c in cells],
                y=[c[0] for c in cells],
                customdata=[c[2] for c in cells],
                mode="markers",
                text=[c[3] for c in cells],
                meta=CLICK_LAYER,
                showlegend=False,
                marker={"size": 18, "opacity": 0},
                selected={"marker": {"opacity": 0}},
                unselected={"marker": {"opacity": 0}},
                hovertext=[f"denial rate {c[4]:.1%}" for c in cells],
                hovertemplate="%{y}<br>%{x}<br>%{hovertext}<br>%{text}<extra>click: open the denied lines</extra>",
            )
        )
    # hoverdistance -1: anywhere in a cell is closest to its own marker
    heat.update_layout(
        height=max(320, 28 * len(rows) + 160),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        hovermode="closest",
        hoverdistance=-1,
    )
    return heat.update_xaxes(type="category", title_text="").update_yaxes(
        type="category", autorange="reversed", title_text=""
    )


def rate_heatmap(
    frame_: pd.DataFrame,
    x: str,
    y: str,
    caption: str,
    key: str | None = None,
    on_select=None,
    x_key: str | None = None,
    y_key: str | None = None,
) -> None:
    """A denial-rate heatmap (column denial_rate) of aggregates: both axes categorical (months labelled
    'Sep 2026', one column each), with its definition underneath; a partial month's column is labelled.
    on_select(y key, x key) -> a click on a cell opens its denied lines."""
    select = (lambda point: on_select(*point["customdata"])) if on_select else None
    _chart(_rate_heatmap(frame_, x, y, x_key, y_key), key, select)
    st.caption(caption + (" Click a cell to open its denied lines on the Claims page." if on_select else ""))
    partial_note(frame_)


@figure
def _rate_bars(frame_: pd.DataFrame, x: str, label: str, volume: str, x_key: str | None):
    import plotly.graph_objects as go

    shown = frame_.copy()
    keys = shown[x_key or x].astype(object).where(shown[x_key or x].notna(), "").astype(str)
    fig = go.Figure(
        go.Bar(
            x=shown[x].astype(str),
            y=shown["denial_rate"],
            marker_color=MAIN,
            customdata=keys,
            text=[
                f"{rate:.1%} of {int(n):,}"  # a decimal always: bars of 9.9% and 10.4% do not both read 10%
                for rate, n in zip(shown["denial_rate"].fillna(0), shown[volume].fillna(0), strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                f"{int(n):,} {volume}, {money(d)} denied"
                for n, d in zip(shown[volume], shown["denied_amount"], strict=True)
            ],
            hovertemplate="%{x}<br>denial rate %{y:.1%}<br>%{hovertext}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category", title_text=label)
    return _rate_axis(fig, shown["denial_rate"], "denial rate").update_layout(margin={"t": 30})


# A rate of fewer lines is mostly chance (1 denied of 1 reads 100%): rate bars leave such values out.
MIN_RATE_VOLUME = 20


def rate_bars(
    frame_: pd.DataFrame,
    x: str,
    volume: str,
    label: str = "",
    key: str | None = None,
    on_select=None,
    x_key: str | None = None,
) -> None:
    """The denial rate (column denial_rate) of each value of x as a bar on a categorical axis; `volume`
    and denied dollars on hover. on_select(key) -> a click on a bar opens its denied lines. Values with
    fewer than MIN_RATE_VOLUME of `volume` are not drawn (unless none has more), and a caption says so:
    the page's table lists them."""
    drawn = frame_[frame_[volume] >= MIN_RATE_VOLUME]
    if drawn.empty:
        drawn = frame_
    select = (lambda point: on_select(point.get("customdata"))) if on_select else None
    _chart(_rate_bars(drawn, x, label, volume, x_key), key, select)
    if len(drawn) < len(frame_):
        left_out = ", ".join(str(v) for v in frame_.loc[~frame_.index.isin(drawn.index), x])
        st.caption(
            f"Not drawn, fewer than {MIN_RATE_VOLUME} {volume} each (a rate of so few is mostly chance; the "
            f"table lists them): {md(left_out)}."
        )


@figure
def _amount_bars(frame_: pd.DataFrame, y: str, amount: str, colour_by: str | None):
    import plotly.graph_objects as go

    shown = frame_.copy()
    colours = [CATEGORY_COLOURS.get(c, MAIN) for c in shown[colour_by]] if colour_by else MAIN
    fig = go.Figure(
        go.Bar(
            x=shown[amount],
            y=shown[y].astype(str),
            orientation="h",
            marker_color=colours,
            customdata=shown[colour_by] if colour_by else None,
            text=[money(v) for v in shown[amount]],
            textposition="auto",
            hovertemplate="%{y}<br>%{text}<extra>click: open the denied lines</extra>",
        )
    )
    fig.update_yaxes(type="category", autorange="reversed", title_text="")
    return fig.update_xaxes(tickprefix="$", tickformat=",.0f", title_text="denied $").update_layout(margin={"t": 30})


def amount_bars(
    frame_: pd.DataFrame,
    y: str,
    amount: str = "denied_amount",
    colour_by: str | None = None,
    key: str | None = None,
    on_select=None,
) -> None:
    """Dollars per category (or payer, code) as horizontal bars on a categorical axis, each category in its
    own colour; on_select(key) -> a click opens the denied lines."""
    select = (lambda point: on_select(point.get("customdata"))) if on_select else None
    _chart(_amount_bars(frame_, y, amount, colour_by), key, select)


@figure
def _rate_trend(frame_: pd.DataFrame, label: str, column: str):
    import plotly.graph_objects as go

    complete = frame_["complete"].astype(bool) if "complete" in frame_.columns else pd.Series(True, index=frame_.index)
    done = frame_[complete]
    fig = go.Figure(
        go.Scatter(
            x=done["month"],
            y=done[column],
            mode="lines+markers",
            name=label,
            line={"color": MAIN},
            hovertemplate="%{x|%b %Y}: %{y:.1%}<extra></extra>",
        )
    )
    if (~complete).any():  # the partial month: dashed from the last complete month, an open marker
        tail = frame_[~complete]
        if not done.empty:
            tail = pd.concat([done.tail(1), tail])
        fig.add_trace(
            go.Scatter(
                x=tail["month"],
                y=tail[column],
                mode="lines+markers",
                name=PARTIAL,
                line={"color": MAIN, "dash": "dash"},
                marker={"symbol": "circle-open", "size": 9},
                hovertemplate="%{x|%b %Y}: %{y:.1%}<extra></extra>",
            )
        )
    fig.update_layout(showlegend=False, margin={"t": 30})
    _month_axis(fig, frame_["month"])
    return mark_partial(_rate_axis(fig, frame_[column], label), frame_)


def rate_trend(frame_: pd.DataFrame, label: str = "denial rate", column: str = "denial_rate", **_ignored) -> None:
    """A rate per month (column denial_rate) as a line: one point per month on a monthly axis, the rate
    axis from 0; a partial month dashed and shaded."""
    if frame_.empty:
        st.caption(f"No {label} under these filters.")
        return
    st.plotly_chart(_rate_trend(frame_, label, column), width="stretch")


@figure
def _month_bars(frame_: pd.DataFrame, y: str, label: str, money_axis: bool):
    import plotly.graph_objects as go

    opacity = [1.0 if c else 0.4 for c in frame_["complete"].astype(bool)] if "complete" in frame_.columns else 1.0
    # a bar's width on a date axis is in milliseconds: 20 days, so that one month alone is a bar, not a line
    fig = go.Figure(
        go.Bar(
            x=frame_["month"],
            y=frame_[y],
            marker_color=MAIN,
            marker_opacity=opacity,
            width=[20 * 86_400_000] * len(frame_),
            hovertemplate="%{x|%b %Y}: " + ("$%{y:,.0f}" if money_axis else "%{y:,}") + "<extra></extra>",
        )
    )
    fig.update_yaxes(
        title_text=label, rangemode="tozero", tickprefix="$" if money_axis else "", tickformat=",.0f"
    ).update_layout(margin={"t": 30})
    _month_axis(fig, frame_["month"])
    return mark_partial(fig, frame_)


def month_bars(frame_: pd.DataFrame, y: str, label: str, money_axis: bool | None = None) -> None:
    """A monthly amount as bars, one per month; a partial month's bar lighter and shaded."""
    if frame_.empty:
        st.caption(f"No {label} under these filters.")
        return
    money_axis = ("$" in label or "amount" in y) if money_axis is None else money_axis
    st.plotly_chart(_month_bars(frame_, y, label, money_axis), width="stretch")


@figure
def _category_area(frame_: pd.DataFrame, y: str, label: str):
    import plotly.graph_objects as go

    fig = go.Figure()
    colours = category_colours(frame_)
    months = sorted(frame_["month"].unique())
    for name, part in frame_.groupby("category_label", sort=False):
        part = part.set_index("month").reindex(months)  # one point per month, a month without denials at 0
        fig.add_trace(
            go.Scatter(
                x=months,
                y=part[y].fillna(0),
                name=name,
                stackgroup="one",
                mode="lines",
                line={"color": colours.get(name, MAIN), "width": 0.5},
                hovertemplate=name + "<br>%{x|%b %Y}: $%{y:,.0f}<extra></extra>",
            )
        )
    fig.update_yaxes(title_text=label, tickprefix="$", tickformat=",.0f", rangemode="tozero")
    fig.update_layout(legend={"title": {"text": ""}}, margin={"t": 30})
    _month_axis(fig, frame_["month"])
    return mark_partial(fig, frame_)


def category_area(frame_: pd.DataFrame, y: str = "denied_amount", label: str = "denied $") -> None:
    """Dollars per month stacked by category (columns month, category, category_label), each category in
    its fixed colour, one point per month."""
    st.plotly_chart(_category_area(frame_, y, label), width="stretch")


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
def _findings(path: str, stamp: float, kind: str, month):
    from analytics import findings

    return findings.for_database(data.Path(path), kind, month)


def change_findings(kind: str = "default", month=None):
    """The change findings of the latest period of a kind, or of the one ending with `month`
    (findings.Result, or None), cached until the database file changes."""
    path = data.database_path()
    return _findings(str(path), path.stat().st_mtime, kind, month)


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
    fig = _month_axis(fig, frame_["month"])  # months as months, even where the axis is not drawn
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
    from analytics import findings

    return findings.stored(data.records("dashboard/top_findings", {}, data.Path(path)))


def top_findings() -> tuple:
    """(period, findings) of the default period as stored after the last load (the table behind
    change_findings; no test runs again): the three with the largest dollar effect, as finding_rows()
    shows them. (None, []) when nothing was tested; (period, []) when nothing changed."""
    path = data.database_path()
    return _top_findings(str(path), path.stat().st_mtime)


def finding_rows(shown: list, period, key: str = "", note=None, legend: bool = True) -> None:
    """Findings as every page shows them (What changed, the Overview, the Monthly review): each its
    sentence (with the period rate's 95% interval), the sparkline of the slice's monthly claim denial rate
    over the baseline and the period, and a button that opens its denied lines in the period on the
    Claims page (drill). shown: findings.shown() or findings.stored(); note(finding) -> a caption under
    the sentence; key: a prefix for the widgets of one page's list; legend: say under the list what the
    sparklines and the interval show (unless the page's own caption does)."""
    from analytics import findings

    for n, finding in enumerate(shown):
        left, right = st.columns([5, 1], vertical_alignment="center")
        with left:
            st.markdown(md(finding["sentence"]))
            if note:
                st.caption(note(finding))
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

    fig = _month_axis(fig, frame_["month"])
    return fig.update_layout(
        title=html.escape(title, quote=False), yaxis_title="claim denial rate", height=320, legend={"orientation": "h"}
    ).update_yaxes(tickformat=percent_format(frame_["rate"]), rangemode="tozero")


def p_chart(frame_: pd.DataFrame, title: str) -> None:
    """A p-chart (columns month, rate, centre, lower, upper, outside, claims, denied_claims): months
    outside the limits ringed red."""
    st.plotly_chart(_p_chart(frame_, title), width="stretch")
