"""Months on monthly charts: the month axis, and the months whose figures are not final (a partial month, a
month of service still being answered), marked on every chart and said under it and under a period's
headline figures."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import data


def month_axis(fig, months):
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
    # room on the right for the last month's label: plotly hides a label that would pass the chart's edge, and
    # that was the latest month (the Overview's "Oct 2026", the month What changed tests)
    fig.update_layout(margin_r=60)
    return fig.update_xaxes(
        type="date",
        dtick=step,
        tickformat=shown,
        title_text="",
        range=[months[0] - pd.Timedelta(days=16), months[-1] + pd.Timedelta(days=16)],
    )


# A month whose figures are not final is marked on every monthly chart: a partial month, not over on the
# data date (column `complete` false: month_complete() in the SQL), and by date of service a month over but
# still being answered (column `answering` true: month_answering(), by column `answer_days`), whose claims are
# still to come. They are shaded under one label, their line segment dashed, their bars lighter, and
# not_final_note() says why. On the payer-by-month heatmap each payer answers at its own pace (answering per
# row): a partial month's column is labelled, a cell still being answered outlined.
PARTIAL = "partial month"
NOT_FINAL = "not final"


def partial_months(frame_: pd.DataFrame) -> list:
    """Months not over on the data date (column complete false)."""
    return _months_where(frame_, "complete", False)


def answering_months(frame_: pd.DataFrame) -> list:
    """Months of service over but still being answered (column answering)."""
    return _months_where(frame_, "answering", True)


def _months_where(frame_: pd.DataFrame, flag: str, value: bool) -> list:
    if flag not in frame_.columns or "month" not in frame_.columns:
        return []
    chosen = frame_[flag].fillna(not value).astype(bool) == value
    return sorted(pd.Timestamp(m) for m in frame_.loc[chosen, "month"].unique())


def unfinished_months(frame_: pd.DataFrame) -> dict:
    """Each month whose figures are not final, with its label: PARTIAL or NOT_FINAL."""
    by_month = {**dict.fromkeys(answering_months(frame_), NOT_FINAL), **dict.fromkeys(partial_months(frame_), PARTIAL)}
    return dict(sorted(by_month.items()))


def not_final_label(unfinished: dict) -> str:
    """The one label of the months not final: "not final" when one is still being answered, else "partial month"."""
    return NOT_FINAL if NOT_FINAL in unfinished.values() else PARTIAL


def in_months(frame_: pd.DataFrame, months) -> pd.Series:
    """Which rows of the frame fall in `months`."""
    return pd.to_datetime(frame_["month"]).isin(list(months))


def mark_not_final(fig, frame_: pd.DataFrame):
    """Shade the months whose figures are not final (unfinished_months) on a figure whose x axis is `month`,
    under one label (not_final_label); returns the figure."""
    months = unfinished_months(frame_)
    if months:
        fig.add_vrect(
            x0=min(months) - pd.Timedelta(days=15),
            x1=max(months) + pd.Timedelta(days=15),
            fillcolor="lightgrey",
            opacity=0.4,
            line_width=0,
            layer="below",
            annotation_text=not_final_label(months),
            annotation_position="outside top",  # above the plot: inside, it sat on a line at 100%
        )
    return fig


def not_final_note(frame_: pd.DataFrame, outlined: bool = False) -> None:
    """The caption under a monthly chart with months not final: up to which date the data goes, and for how
    long payers go on answering a month of service (outlined: per payer, the heatmap's outlined cells)."""
    partial, answering = partial_months(frame_), answering_months(frame_)
    notes = []
    if partial:
        as_of = data.record("recovery/data_date", path=data.database_path())["data_date"]
        notes.append(
            f"Partial month: data up to {as_of:%d %B %Y}. {_month_names(partial)} is not over yet, so its figures "
            "are incomplete (marked on the chart)."
        )
    if answering and outlined:
        days = frame_.loc[frame_["answering"].fillna(False).astype(bool), "answer_days"].astype(int)
        span = f"{days.min()}" if days.min() == days.max() else f"{days.min()} to {days.max()}"
        notes.append(
            f"Outlined: a month of service its payer is still answering (90% of a payer's claims are answered "
            f"within {span} days of the date of service here), so its rate will still change."
        )
    elif answering:
        days = int(frame_["answer_days"].max())  # the days the SQL judged by (month_answering)
        notes.append(
            f"Not final: payers are still answering claims for {_month_names(answering)} (90% of claims are "
            f"answered within {days} days of the date of service), so {'its' if len(answering) == 1 else 'their'} "
            "counts and dollars will still grow."
        )
    if notes:
        them = "it" if len(partial) + len(answering) == 1 else "them"
        st.caption(" ".join([*notes, f"Month-over-month comparisons leave {them} out."]))


def not_final_headline(frame_: pd.DataFrame) -> None:
    """Under a period's headline figures (frame_: its months with their claims): when most of its claims are
    in months not final, say so there, not only under the trend: the last complete month by date of service
    is still being answered, and its tiles read as a usual month's."""
    unfinished = unfinished_months(frame_)
    if not unfinished or "claims" not in frame_.columns:
        return
    inside = int(frame_.loc[in_months(frame_, unfinished), "claims"].sum())
    total = int(frame_["claims"].sum())
    if inside * 2 > total:
        which = "every claim here is" if inside == total else f"{inside:,} of these {total:,} claims are"
        st.warning(
            f"Not final: {which} in {_month_names(list(unfinished))}, whose figures will still change (see the "
            "note under the trend)."
        )


def _month_names(months: list) -> str:
    return ", ".join(f"{m:%B %Y}" for m in months)


def month_label(month, partial: bool = False) -> str:
    """'Sep 2026', or 'Sep 2026 (partial month)'."""
    return f"{pd.Timestamp(month):%b %Y}" + (f" ({PARTIAL})" if partial else "")
