"""What a page reads: a query's frame for the filters (cached until the database changes), the filter
options and their labels, and the empty state and the demo label."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from analytics import data, database
from analytics.filters import LISTS


@st.cache_data(ttl=300, show_spinner=False)
def _cached(name: str, filters: data.Filters, path: str, stamp: float, extra: tuple) -> pd.DataFrame:
    return data.dashboard(name, filters, data.Path(path), **dict(extra))


def frame(name: str, filters: data.Filters, **extra) -> pd.DataFrame:
    """A dashboard query, cached until the database file changes."""
    path = data.database_path()
    return _cached(name, filters, str(path), path.stat().st_mtime, tuple(sorted(extra.items())))


# How the claim-level figures read under a filter on lines (queries/marts/initial_claims.sql), said beside them
CLAIMS_UNDER_LINE_FILTERS = (
    "Under a code or modifier filter, a claim counts when one of its lines matches, and is denied when one of "
    "those lines is (as What changed counts a code or a modifier)."
)


def claim_measures(filters: data.Filters) -> tuple[dict[str, dict], dict[str, pd.DataFrame]]:
    """The initial claims' measures (queries/dashboard/claim_measures.sql), read once for a page's tiles and
    trends: per payer order ('all', 'primary', 'secondary', 'tertiary'), the whole period's figures and its
    months in order."""
    measures = frame("claim_measures", filters)
    whole = measures["month"].isna()
    periods = {row["payer_order"]: row for row in measures[whole].to_dict("records")}
    months = {order: measures[~whole & (measures["payer_order"] == order)].reset_index(drop=True) for order in periods}
    return periods, months


# the heatmap's columns of payer_measures.sql that the scorecard's rows leave NULL
_PAYER_MONTH = ["month", "complete", "answering", "answer_days"]


def payer_measures(filters: data.Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Payers page's figures (queries/dashboard/payer_measures.sql), read once: the scorecard, one row per
    payer, and the heatmap, one row per payer and month."""
    return scorecard_and_heatmap(frame("payer_measures", filters))


def scorecard_and_heatmap(measures: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """payer_measures' rows apart: the payers' (month NULL) with the scorecard's columns, the months' with the
    heatmap's."""
    whole = measures["month"].isna()
    scorecard = measures[whole].drop(columns=_PAYER_MONTH).reset_index(drop=True)
    heatmap = measures.loc[~whole, ["payer_name", "claims", "denial_rate", *_PAYER_MONTH]].reset_index(drop=True)
    return scorecard, heatmap


@st.cache_data(ttl=300, show_spinner=False)
def _cached_options(path: str, stamp: float) -> dict:
    return data.query("dashboard/filter_options", path=data.Path(path)).iloc[0].to_dict()


@st.cache_data(ttl=300, show_spinner=False)
def _cached_remittance_months(path: str, stamp: float) -> pd.DataFrame:
    months = data.query("app/remittance_months", path=data.Path(path))
    return months.assign(month=pd.to_datetime(months["month"]))


def remittance_months() -> pd.DataFrame:
    """The remittances loaded per month of payment, with the months and payers missing (whatever the filters)."""
    path = data.database_path()
    return _cached_remittance_months(str(path), path.stat().st_mtime)


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


def demo_label() -> None:
    if data.is_demo(data.database_path()):
        st.warning(
            "**Demo data**: a synthetic remittance history, not real patients or payers. Load your own "
            "835 files on the Data page or with `python -m analytics load FOLDER`; the dashboard then "
            "shows them instead." + _named_database_missing(),
            icon=":material/science:",
        )


def _named_database_missing() -> str:
    """Why the demo shows when DENIALS_DB names a file that is not there: a mistyped path would otherwise
    go unnoticed behind the demo."""
    if not os.environ.get("DENIALS_DB") or database.default_path().exists():
        return ""
    return (
        f"\n\n`DENIALS_DB` names `{database.default_path().resolve()}`, where there is no database yet: "
        "your files load there. If you meant another file, correct the path and start the dashboard again."
    )


def empty(frame_: pd.DataFrame, what: str = "data") -> bool:
    """Show a friendly note and return True when the filters leave nothing to show."""
    if frame_.empty:
        st.info(f"No {what} matches these filters. Widen the date range or clear a filter in the sidebar.")
        return True
    return False
