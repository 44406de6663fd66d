"""The filters in the sidebar and in the URL (the registry is analytics/filters.py), and the click-through
to the Claims page (drill)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from analytics import data
from analytics.filters import LISTS, MISSING_JW_JZ
from analytics.ui.frames import category_labels, options, site_labels

CLAIMS_PAGE = "app_pages/claims.py"


# Date presets (sidebar, kept in the URL as period=...): a complete month is over on the data date (the
# latest payment loaded), as month_complete() in queries/marts/initial_claims.sql decides.
PERIODS = {
    "custom": "All dates, or a range below",  # the default: every date loaded until one is chosen
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
    drilled = st.session_state.pop("_drill", False)
    st.sidebar.header("Filters")
    basis = st.sidebar.radio(
        "Dates by",
        ["service", "payment"],
        horizontal=True,
        index=1 if st.query_params.get("dates") == "payment" else 0,
        format_func=lambda b: "date of service" if b == "service" else "date paid",
        help="Filter and group by the date of service or the date the payer paid.",
    )
    if pd.isna(known["first_date"]) or pd.isna(known["last_date"]):  # nothing adjudicated yet (only claims loaded)
        first = last = as_of = date.today()
    else:
        first, last = pd.Timestamp(known["first_date"]).date(), pd.Timestamp(known["last_date"]).date()
        as_of = pd.Timestamp(known["data_date"]).date() if not pd.isna(known.get("data_date")) else last
    period, start, end = _dates(first, last, as_of, drilled)
    result = data.Filters(basis, start, end, **_lists(known, drilled))
    _to_url(result, first, last, period)
    return result


def _from_url(key: str, value, drilled: bool) -> None:
    """Each widget's value is set from the URL when the session starts (or a click opened the Claims page),
    then kept by its key: a widget given both a default and a value by key warns on the page."""
    if drilled or key not in st.session_state:
        st.session_state[key] = value


def _dates(first: date, last: date, as_of: date, drilled: bool) -> tuple[str, date, date]:
    """The period chosen and its first and last date, within the data's."""
    params = st.query_params
    _from_url("filter_period", params.get("period") if params.get("period") in PERIODS else "custom", drilled)
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
        return period, start, end
    start = _date(params.get("from"), first, last) or first
    end = _date(params.get("to"), first, last) or last
    _from_url("filter_dates", (start, end), drilled)
    if any(not first <= d <= last for d in st.session_state["filter_dates"]):  # the data changed since
        st.session_state["filter_dates"] = (start, end)
    chosen = st.sidebar.date_input("Date range", min_value=first, max_value=last, key="filter_dates")
    start, end = (chosen + (end,))[:2] if isinstance(chosen, tuple) else (chosen, chosen)
    return period, start, end


def _lists(known: dict, drilled: bool) -> dict[str, tuple]:
    """The values chosen in each list filter (payer, category, code, modifier, site), by Filters field."""
    selected = {}
    shown: dict[str, dict[str, str]] = {
        "categories": category_labels(),
        "sites": site_labels(),
        "modifiers": {MISSING_JW_JZ: "JW/JZ missing (denied for it)"},
    }
    for listed in LISTS:
        key = f"filter_{listed.url_key}"
        allowed = [str(v) for v in known[listed.field]]
        _from_url(key, [v for v in st.query_params.get_all(listed.url_key) if v in allowed], drilled)
        if any(v not in allowed for v in st.session_state[key]):  # the data changed since
            st.session_state[key] = [v for v in st.session_state[key] if v in allowed]
        names = shown.get(listed.field, {})
        selected[listed.field] = tuple(
            st.sidebar.multiselect(listed.label, allowed, key=key, format_func=_named(names))
        )
    return selected


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
