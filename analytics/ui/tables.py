"""Tables with a CSV download: labels, formats and definitions from analytics/labels.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from analytics import labels
from analytics.reference import PREVENTION_CHECKS
from analytics.ui.frames import category_labels, site_labels

# Labels for people: every table shown through table() takes its column labels, formats and definitions
# from analytics/labels.py (the exports use the same registry); the CSV download keeps the column names.
_FORMATS = {
    "money": "dollar",
    "rate": "percent",
    "points": "%+.1f",  # a rate's change, already in percentage points: -4.0, not -4.0% (read as relative)
    "count": "localized",
    "days": "localized",
    "probability": "%.3f",
}
# A table of up to this many rows is shown whole: Streamlit's default height shows ten, and the eleventh
# category or the modifier combinations under the single modifiers were hidden below a scroll bar.
WHOLE_ROWS = 25
# A longer one (the worklist, the denied lines) shows this many and scrolls: twice Streamlit's ten, one
# screen of a laptop. Streamlit draws a row and the header 35 px high, plus a border.
LONG_ROWS = 20
_ROW = 35
# A row tall enough for three lines: Streamlit wraps a cell's text only in rows taller than 64 px.
WRAPPED_ROW = 66


def column_config(frame_: pd.DataFrame, **given) -> dict:
    """st.column_config for every column of a frame from the registry above: labels for people, money as
    $ with thousands, rates as %, days with thousands separators, dates as dates; unknown columns get their name
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
        elif pd.api.types.is_numeric_dtype(frame_[column]):
            config[column] = st.column_config.NumberColumn(label, format="localized", help=help_text)
        else:
            config[column] = st.column_config.TextColumn(label, help=help_text)
    return config


def _is_flag(values: pd.Series) -> bool:
    """True/false with perhaps some unknown (DuckDB hands a BOOLEAN column with a NULL over as objects)."""
    if pd.api.types.is_bool_dtype(values):
        return True
    if values.dtype != object:
        return False
    # the first value settles a text column without copying it (this runs on every table of every page run)
    known = values.notna().to_numpy()
    if not known.any() or not isinstance(values.iloc[int(known.argmax())], bool):
        return False
    return bool(values[known].map(type).eq(bool).all())


# A flag in words: Streamlit draws a boolean as a greyed checkbox, faint at a glance and easily taken for the
# row-selection box beside it on a list that opens denied lines.
_FLAG = {True: "yes", False: "no"}


def _labelled(frame_: pd.DataFrame) -> pd.DataFrame:
    """The frame as people read it: a category key ('authorization') shown as its label, a site key
    ('POS 19') as its name, a prevention check ('waste_modifier') as what it checks, when the query left
    no label beside it, and a flag as yes or no (the CSV keeps the keys and true/false)."""
    swaps: dict[str, dict] = {c: _FLAG for c in frame_.columns if _is_flag(frame_[c])}
    if "category" in frame_.columns and not {"category_label", "label"} & set(frame_.columns):
        swaps["category"] = category_labels()
    if "site" in frame_.columns and "site_label" not in frame_.columns:
        swaps["site"] = site_labels()
    if "check" in frame_.columns:
        swaps["check"] = PREVENTION_CHECKS
    if not swaps or frame_.empty:
        return frame_
    shown = frame_.copy()
    for column, names in swaps.items():
        shown[column] = (
            shown[column]
            .map(lambda v, names=names: names.get(v, v) if isinstance(v, (str, bool, np.bool_)) else v)
            .astype(object)
        )
    return shown


# a rate in percentage points as a table shows it (printf: rounded to one decimal)
POINTS = "%.1f%%"


def _rates_in_points(shown: pd.DataFrame, config: dict) -> tuple[pd.DataFrame, dict]:
    """Rates shown with one decimal, as the metrics and the Excel export show them: Streamlit's "percent"
    format drops trailing zeros ("4.7%" above "32.18%") and its step truncates, so a percent column is
    shown as points formatted by printf, which rounds (the CSV keeps the fractions). Returns the frame
    and the column config to show."""
    rates = [
        c
        for c, spec in config.items()
        if c in shown.columns and spec and spec.get("type_config", {}).get("format") == "percent"
    ]
    if not rates:
        return shown, config
    shown, config = shown.copy(), dict(config)
    for column in rates:
        shown[column] = pd.to_numeric(shown[column], errors="coerce").astype("float64") * 100
        config[column] = {**config[column], "type_config": {**config[column]["type_config"], "format": POINTS}}
    return shown, config


# Source Sans at the grid's 14 px: about 7.4 px a character of capitals (the widest text the lists hold), and the
# cell's padding. A column is never wider than FIT_MAX: a payer longer than that is cut, not the table pushed.
_CHARACTER, _PADDING, FIT_MAX = 7.4, 18, 260


def fitted_width(values: pd.Series, header: str = "") -> int:
    """The width in pixels that shows the longest of the values whole, and the header, up to FIT_MAX."""
    longest = values.dropna().astype(str).str.len().max()
    return min(FIT_MAX, round(_CHARACTER * max(0 if pd.isna(longest) else longest, len(header)) + _PADDING))


def table(frame_: pd.DataFrame, name: str, caption: str | None = None, on_select=None, download=None, **given) -> None:
    """A table with labels for people (column_config), its definitions (header hover and caption) and a
    CSV download of what it shows (with the machine-readable column names). on_select(row) -> the
    filters of the denied lines behind a row (drill()): clicking a row opens them on the Claims page.
    download() -> the whole frame when the table shows only its first rows: run when the button is clicked.
    Columns listed for the table's name in labels.TABLE_WIDTHS get those widths; in labels.WRAPPED_TABLES, those
    widths and rows of three lines, their text wrapped; else those in labels.FITTED the width of their longest
    value. The columns in labels.PINNED (what a row is: its claim, its rule) are pinned at the left edge, in view
    however far the table scrolls sideways."""
    shown = _labelled(frame_)
    shown, config = _rates_in_points(shown, column_config(shown, **given))
    widths = labels.TABLE_WIDTHS.get(name) or labels.WRAPPED_TABLES.get(name, {})
    fitted = {
        c: fitted_width(shown[c], config[c]["label"])
        for c in labels.FITTED
        if config.get(c) is not None and c not in widths and not shown.empty
    }
    for column, width in {**fitted, **widths}.items():
        config[column] = {**config[column], "width": width}
    for column in labels.PINNED:
        if config.get(column) is not None:
            config[column] = {**config[column], "pinned": True}
    row = WRAPPED_ROW if name in labels.WRAPPED_TABLES else _ROW
    order = []
    for column in frame_.columns:  # a label takes the place of the key it stands for
        if config.get(column) is not None and column not in order:
            order.append(column)
        elif config.get(column) is None:
            order += [c for c in labels.HIDDEN_BESIDE.get(column, ()) if c in frame_.columns and c not in order]
    layout: dict[str, Any] = {
        "hide_index": True,
        "width": "stretch",
        "row_height": row,
        "height": "content" if len(shown) <= WHOLE_ROWS else _ROW + row * LONG_ROWS + 3,
        "column_config": config,
        "column_order": order,
        "placeholder": "–",
    }
    if not on_select:
        st.dataframe(shown, **layout)
    else:
        event = st.dataframe(shown, on_select="rerun", selection_mode="single-row", key=f"table_{name}", **layout)
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
    if on_select and event.selection.rows:
        on_select(frame_.iloc[event.selection.rows[0]])
