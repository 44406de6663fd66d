"""Charts by kind (rate heatmap, rate bars, amount bars, rate trend, month bars, category month bars), built
by one function each (cached by `figure`) and drawn by another; a rate of few claims set apart; clicks on
points become filters. The month axis and the months not final are in `months`.

About 560 lines, past the ~400 the house keeps to: six chart kinds, each a builder and a drawer, over the
colour, rate-axis and few-claims helpers and the click-to-filters they all share; a page looks here for any
chart."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from analytics import labels
from analytics.ui.months import (
    in_months,
    mark_not_final,
    month_axis,
    month_label,
    not_final_label,
    not_final_note,
    partial_months,
    unfinished_months,
)
from analytics.ui.text import chart_data, md, money


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


def _rate_axis(fig, values, title: str):
    """A rate y axis from 0, with the precision its values need."""
    top = pd.to_numeric(pd.Series(values), errors="coerce").max()
    # room above the highest point for its label, never far above 100%
    top = 0.01 if pd.isna(top) or top <= 0 else min(float(top) * 1.15, max(float(top), 1.05))
    return fig.update_yaxes(range=[0, top], tickformat=percent_format([0, top]), title_text=title, rangemode="tozero")


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
def heatmap_figure(frame_: pd.DataFrame, x: str, y: str, x_key: str | None, y_key: str | None):
    import plotly.graph_objects as go

    # categorical axes (go.Heatmap on aggregates: px.density_heatmap bins dates and numeric-looking codes)
    shown, rows, order, partial = _heatmap_cells(frame_, x, y, x_key, y_key)
    matrix = shown.pivot_table(index="y", columns="x", values="denial_rate", aggfunc="first").reindex(
        index=rows, columns=order
    )
    keys = shown.drop_duplicates(["y", "x"]).set_index(["y", "x"])
    custom = [[[keys["y_key"].get((r, c), ""), keys["x_key"].get((r, c), "")] for c in order] for r in rows]
    volume = _heatmap_volume(shown)
    counts = shown.pivot_table(index="y", columns="x", values=volume, aggfunc="first").reindex(
        index=rows, columns=order
    )
    text = [[("" if pd.isna(v) else f"{int(v):,} {volume}") for v in row] for row in counts.values]
    # a cell of few claims is grey, not coloured: 1 of 1 denied read as the darkest red of the chart; so is a
    # cell of none (a code never billed at a site): left empty it was white, the colour of a 0% rate
    few = _too_few(counts) | counts.isna()
    coloured = matrix.where(~few)
    answering = _cells(shown, "answering", rows, order)
    # the colours span the final cells: a partial month's few claims (1 of 1 denied: 100%) paled the rest;
    # with none final, every cell. Every rate 0%: from 0 to 1%, else plotly centred the 0% on a scale from
    # -50% to 50% and its cells read orange
    final = coloured.where(~answering).drop(columns=[month_label(m, partial=True) for m in partial])
    top = pd.to_numeric(pd.Series(final.values.ravel()), errors="coerce").max()
    if not top > 0:
        top = pd.to_numeric(pd.Series(coloured.values.ravel()), errors="coerce").max()
    heat = go.Figure(
        go.Heatmap(
            z=coloured.values,
            x=order,
            y=rows,
            customdata=custom,
            text=text,
            colorscale="Reds",
            zmin=0,
            zmax=float(top) if top > 0 else 0.01,
            xgap=1,
            ygap=1,
            colorbar={"tickformat": percent_format(matrix.values.ravel()), "title": {"text": "denial rate"}},
            hovertemplate="%{y}<br>%{x}<br>denial rate %{z:.1%}<br>%{text}<extra>click: open the denied lines</extra>",
        )
    )
    _mark_cells(heat, few, answering)
    cells = [
        (r, c, custom[i][j], text[i][j], matrix.values[i][j], few.values[i][j], answering.values[i][j])
        for i, r in enumerate(rows)
        for j, c in enumerate(order)
        if not pd.isna(matrix.values[i][j])
    ]
    if cells:
        _add_click_layer(heat, cells)
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


def _mark_cells(heat, few: pd.DataFrame, answering: pd.DataFrame) -> None:
    """Over a heatmap's colours (rows × columns, as `few` and `answering`): grey where there are too few
    claims for a rate or none, and a dotted outline where the payer is still answering."""
    import plotly.graph_objects as go

    if few.values.any():
        heat.add_trace(
            go.Heatmap(
                z=few.where(few).astype(float).values,
                x=list(few.columns),
                y=list(few.index),
                colorscale=[[0, FEW_GREY], [1, FEW_GREY]],
                showscale=False,
                xgap=1,
                ygap=1,
                hoverinfo="skip",
                name=TOO_FEW,
            )
        )
    # a cell its payer is still answering keeps its colour (a paler one would read as a lower rate) and is
    # outlined; on categorical axes a cell spans its index ± 0.5
    for i, j in zip(*answering.values.nonzero(), strict=True):
        heat.add_shape(
            type="rect",
            x0=j - 0.5,
            x1=j + 0.5,
            y0=i - 0.5,
            y1=i + 0.5,
            line={"color": "#444", "width": 1.5, "dash": "dot"},
        )


def _heatmap_cells(frame_: pd.DataFrame, x: str, y: str, x_key: str | None, y_key: str | None):
    """A heatmap's cells as text on categorical axes (x and y, with the keys a click filters on), its rows and
    columns in order, and its partial months (a month axis: "Oct 2026 (partial month)")."""
    shown = frame_.copy()
    partial = partial_months(shown) if x == "month" else []
    if x == "month":
        shown["x"] = [month_label(m, pd.Timestamp(m) in partial) for m in shown["month"]]
        shown["x_key"] = [f"{pd.Timestamp(m):%Y-%m-%d}" for m in shown["month"]]
        order = shown.sort_values("month").drop_duplicates("month")["x"].tolist()
    else:
        shown["x"] = shown[x].astype(str)
        shown["x_key"] = shown[x_key or x].astype(str)
        order = list(dict.fromkeys(shown.sort_values(x)["x"]))
    shown["y"] = shown[y].astype(str)
    shown["y_key"] = shown[y_key or y].astype(str)
    rows = list(dict.fromkeys(shown.sort_values(y)["y"]))
    return shown, rows, order, partial


def _add_click_layer(heat, cells: list) -> None:
    """A browser sends no selection for a click on a heatmap cell: an invisible marker at each cell's centre
    takes the click (and the hover), so a click opens that cell's denied lines. cells: (row, column, keys,
    volume text, rate, too few, not final) of each cell with a rate."""
    import plotly.graph_objects as go

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
            hovertext=[
                f"denial rate {c[4]:.1%}"
                + (" (too few for a rate)" if c[5] else "")
                + (" (not final: still being answered)" if c[6] else "")
                for c in cells
            ],
            hovertemplate="%{y}<br>%{x}<br>%{hovertext}<br>%{text}<extra>click: open the denied lines</extra>",
        )
    )


def _cells(shown: pd.DataFrame, flag: str, rows: list, order: list) -> pd.DataFrame:
    """A heatmap's cells (rows × columns) where the boolean column `flag` is true; none without the column."""
    if flag not in shown.columns:
        return pd.DataFrame(False, index=rows, columns=order)
    flags = shown.assign(flag=shown[flag].fillna(False).astype(bool))
    cells = flags.pivot_table(index="y", columns="x", values="flag", aggfunc="any", fill_value=False)
    return cells.reindex(index=rows, columns=order, fill_value=False).astype(bool)


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
    'Sep 2026', one column each), with its definition underneath; a partial month's column is labelled, a cell
    still being answered outlined. on_select(y key, x key) -> a click on a cell opens its denied lines."""
    select = (lambda point: on_select(*point["customdata"])) if on_select else None
    fig = heatmap_figure(frame_, x, y, x_key, y_key)
    _chart(fig, key, select)
    grey = (
        f" Grey: fewer than {MIN_RATE_VOLUME} {_heatmap_volume(frame_)} or none, too few for a rate to mean much "
        "(hover shows how many)."
        if _has_too_few(fig)
        else ""
    )
    st.caption(caption + grey + (" Click a cell to open its denied lines on the Claims page." if on_select else ""))
    not_final_note(frame_, outlined=True)


def _heatmap_volume(frame_: pd.DataFrame) -> str:
    return "lines" if "lines" in frame_.columns else "claims"


def _has_too_few(fig) -> bool:
    """Whether a chart set apart values of few claims (its TOO_FEW trace): its caption then says what grey is."""
    return any(trace.name == TOO_FEW for trace in fig.data)


def _too_few(counts: pd.DataFrame | pd.Series):
    """Which counts (a heatmap's cells, a trend's months) are under MIN_RATE_VOLUME claims or lines; none
    when no count is larger: a small history keeps its colours and its line."""
    few = counts < MIN_RATE_VOLUME
    return few & (counts >= MIN_RATE_VOLUME).values.any()


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
                + (f"<br>{int(expected):,} expected" if expected else "")  # a line of its own: the font keeps its size
                for rate, n, expected in zip(
                    shown["denial_rate"].fillna(0), shown[volume].fillna(0), _expected_denials(shown), strict=True
                )
            ],
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                f"{int(n):,} {labels.describe(volume)[0]}, {money(d)} denied"
                for n, d in zip(shown[volume], shown["denied_amount"], strict=True)
            ],
            hovertemplate="%{x}<br>denial rate %{y:.1%}<br>%{hovertext}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category", title_text=label)
    return _rate_axis(fig, shown["denial_rate"], "denial rate").update_layout(margin={"t": 30})


def _expected_denials(frame_: pd.DataFrame) -> pd.Series:
    """Each row's expected denials (GA/GY/GZ lines denied as foreseen), where the frame counts them: left out of
    the denial rate, a bar of them alone would otherwise read as a modifier the payer never denies."""
    if "expected_denied_lines" not in frame_:
        return pd.Series(0, index=frame_.index)
    return frame_["expected_denied_lines"].fillna(0)


# A rate of fewer lines is mostly chance (1 denied of 1 reads 100%): rate bars leave such values out, heatmaps
# grey their cells, rate trends draw such months as grey circles off the line.
MIN_RATE_VOLUME = 20
FEW_GREY = "#e6e6e6"  # a heatmap cell
FEW_MARKER = "#9e9e9e"  # a trend's point, visible on white
TOO_FEW = "too few claims"


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
            f"Not drawn, fewer than {MIN_RATE_VOLUME} {labels.describe(volume)[0]} each (a rate of so few is mostly "
            f"chance; the table lists them): {md(left_out)}."
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
            textangle=0,  # level: plotly turned a label that did not fit across a thin bar on its side
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

    unfinished = unfinished_months(frame_)
    final = ~in_months(frame_, unfinished)
    # a month of few claims, over or not, is a grey circle off the line: 1 of 1 denied drew a spike to 100%
    few = _too_few(frame_["claims"]) if "claims" in frame_.columns else pd.Series(False, index=frame_.index)
    done = frame_[final & ~few]
    # a month with no claims has no rate: the line breaks there instead of drawing years without data
    line = _every_month(done, column)
    fig = go.Figure(
        go.Scatter(
            x=line["month"],
            y=line[column],
            mode="lines+markers",
            name=label,
            line={"color": MAIN},
            hovertemplate="%{x|%b %Y}: %{y:.1%}<extra></extra>",
        )
    )
    if few.any():
        sparse = frame_[few]
        fig.add_trace(
            go.Scatter(
                x=sparse["month"],
                y=sparse[column],
                mode="markers",
                name=TOO_FEW,
                marker={"color": FEW_MARKER, "symbol": "circle-open", "size": 7},
                customdata=sparse["claims"],
                hovertemplate="%{x|%b %Y}: %{y:.1%} of %{customdata:,} claims (too few for a rate)<extra></extra>",
            )
        )
    if (~final & ~few).any():  # the months not final: dashed from the last final month, open markers
        tail = frame_[~final & ~few]
        sizes = [9] * len(tail)
        if not done.empty:  # the dash starts at the last final month, which keeps its own solid marker
            tail, sizes = pd.concat([done.tail(1), tail]), [0, *sizes]
        fig.add_trace(
            go.Scatter(
                x=tail["month"],
                y=tail[column],
                mode="lines+markers",
                name=not_final_label(unfinished),
                line={"color": MAIN, "dash": "dash"},
                marker={"symbol": "circle-open", "size": sizes},
                hovertemplate="%{x|%b %Y}: %{y:.1%}<extra></extra>",
            )
        )
    fig.update_layout(showlegend=False, margin={"t": 30})
    month_axis(fig, frame_["month"])
    return mark_not_final(_rate_axis(fig, frame_[column], label), frame_)


def _month_range(months: pd.Series) -> pd.DatetimeIndex:
    """Every month from the first of `months` (timestamps) to the last: a month missing from the data is
    drawn as one (a gap, or $0), not skipped over (a line across years without data reads as data)."""
    if months.empty:
        return pd.DatetimeIndex([])
    return pd.date_range(months.min(), months.max(), freq="MS")


def _every_month(frame_: pd.DataFrame, column: str) -> pd.DataFrame:
    """The frame's month and column with a row for every month between its first and last (NaN where it
    has none: plotly does not join a line across it)."""
    by_month = frame_.assign(month=pd.to_datetime(frame_["month"])).set_index("month")[column]
    return by_month.reindex(_month_range(by_month.index.to_series())).rename_axis("month").reset_index()


def rate_trend(frame_: pd.DataFrame, caption: str, label: str = "denial rate", column: str = "denial_rate") -> None:
    """A rate per month (column denial_rate) as a line: one point per month on a monthly axis, the rate
    axis from 0; months not final dashed and shaded; months of few claims grey circles off the line. Its
    definition (caption) underneath, with what the grey circles are when there are some."""
    if frame_.empty:
        st.caption(f"No {label} under these filters.")
        return
    fig = _rate_trend(frame_, label, column)
    st.plotly_chart(fig, width="stretch")
    st.caption(
        caption
        + (
            f" Grey circles: months of fewer than {MIN_RATE_VOLUME} claims, too few for a rate to mean much."
            if _has_too_few(fig)
            else ""
        )
    )


# a bar's width on a date axis is in milliseconds: 20 days, so that one month alone is a bar, not a line
_MONTH_BAR_WIDTH = 20 * 86_400_000


def _bar_opacity(months, frame_: pd.DataFrame) -> list[float]:
    """Each month's bar opacity: a month not final lighter (unfinished_months)."""
    unfinished = unfinished_months(frame_)
    return [0.4 if pd.Timestamp(m) in unfinished else 1.0 for m in months]


@figure
def _month_bars(frame_: pd.DataFrame, y: str, label: str, money_axis: bool):
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Bar(
            x=frame_["month"],
            y=frame_[y],
            marker_color=MAIN,
            marker_opacity=_bar_opacity(frame_["month"], frame_),
            width=[_MONTH_BAR_WIDTH] * len(frame_),
            hovertemplate="%{x|%b %Y}: " + ("$%{y:,.0f}" if money_axis else "%{y:,}") + "<extra></extra>",
        )
    )
    fig.update_yaxes(
        title_text=label, rangemode="tozero", tickprefix="$" if money_axis else "", tickformat=",.0f"
    ).update_layout(margin={"t": 30})
    if not (frame_[y] > 0).any():  # every month at zero: one tick at 0 (plotly's 0-1 range read "$0, $0, $1, $1")
        fig.update_yaxes(range=[0, 1], tickvals=[0])
    month_axis(fig, frame_["month"])
    return mark_not_final(fig, frame_)


def month_bars(frame_: pd.DataFrame, y: str, label: str, money_axis: bool | None = None) -> None:
    """A monthly amount as bars, one per month; a month not final lighter and shaded."""
    if frame_.empty:
        st.caption(f"No {label} under these filters.")
        return
    money_axis = ("$" in label or "amount" in y) if money_axis is None else money_axis
    st.plotly_chart(_month_bars(frame_, y, label, money_axis), width="stretch")


@figure
def _category_month_bars(frame_: pd.DataFrame, y: str, label: str):
    import plotly.graph_objects as go

    fig = go.Figure()
    colours = category_colours(frame_)
    dated = frame_.assign(month=pd.to_datetime(frame_["month"]))
    months = _month_range(dated["month"])
    opacity = _bar_opacity(months, frame_)
    # the largest category at the bottom, where its bars share one baseline and read best
    largest_first = dated.groupby("category_label")[y].sum().sort_values(ascending=False, kind="stable").index
    for name in largest_first:
        part = dated[dated["category_label"] == name].set_index("month").reindex(months)  # a month without: 0
        fig.add_trace(
            go.Bar(
                x=months,
                y=part[y].fillna(0),
                name=name,
                marker={"color": colours.get(name, MAIN), "opacity": opacity},
                width=[_MONTH_BAR_WIDTH] * len(months),
                hovertemplate=name + "<br>%{x|%b %Y}: $%{y:,.0f}<extra></extra>",
            )
        )
    fig.update_yaxes(title_text=label, tickprefix="$", tickformat=",.0f", rangemode="tozero")
    fig.update_layout(barmode="stack", legend={"title": {"text": ""}, "traceorder": "reversed"}, margin={"t": 30})
    month_axis(fig, frame_["month"])
    return mark_not_final(fig, frame_)


def category_month_bars(frame_: pd.DataFrame, y: str = "denied_amount", label: str = "denied $") -> None:
    """Dollars per month as bars stacked by category (columns month, category, category_label), each
    category in its fixed colour, one bar per month; a month not final lighter and shaded. Bars, not
    areas: months are counted apart, and a few costly drug denials made areas read as a flow of spikes."""
    st.plotly_chart(_category_month_bars(frame_, y, label), width="stretch")
