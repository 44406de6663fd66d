"""Text for people: text from the files made safe for markdown and for plotly labels, money and percentages."""

from __future__ import annotations

import re

import pandas as pd


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


def quantity(value) -> str:
    """Units, which may be fractions (249.993 mg-units of a drug): as billed, to three decimals at most
    (X12's own), none when whole; rounding to whole units put the tiles off from their tables."""
    return f"{float(value or 0):,.3f}".rstrip("0").rstrip(".")


def uncategorised_note(filters) -> str:
    """Said of billed claims with no answer under a denial category filter, which cannot narrow them (a claim
    without an answer has no denial reason: filtered_claim_status keeps every one); else nothing."""
    if not filters.categories:
        return ""
    return " The denial category filter does not narrow them: a claim with no answer has no denial reason."


def percent(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):.1%}"


def missing_remittances(months: pd.DataFrame) -> str | None:
    """What the remittances loaded lack, in words (queries/app/remittance_months.sql: months with no payment
    at all, payers paid in the months around one but not in it), or None when nothing is missing."""
    gaps = [f"{m:%B %Y}" for m in months.loc[months["gap"], "month"]]
    missing = [
        f"{md(row.payers_missing)} in {row.month:%B %Y}"
        for row in months.itertuples()
        if isinstance(row.payers_missing, str)  # NULL comes as None, or NaN once a frame has been through pandas
    ]
    said = []
    if gaps:
        said.append(
            f"No payment was loaded for {len(gaps):,} of the {len(months):,} months from "
            f"{months['month'].min():%B %Y} to {months['month'].max():%B %Y}: {_first(gaps, ', ')}."
        )
    if missing:
        said.append(
            f"Paid in the month before and the month after but not in the month itself: {_first(missing, '; ')}."
        )
    if not said:
        return None
    return " ".join(
        [
            *said,
            "A month missing from the files reads as a month without claims or denials on every page: load its "
            "835 files if you have them.",
        ]
    )


def missing_in_month(months: pd.DataFrame, month) -> str | None:
    """What one month's remittances may lack, in words (the month of a review), or None."""
    row = months[months["month"] == pd.Timestamp(month)]
    if row.empty:
        return None
    if row["gap"].iloc[0]:
        return (
            f"No payment at all was loaded for {month:%B %Y}: its denials and recoveries are missing, not zero. "
            "Load its 835 files if you have them."
        )
    payers = row["payers_missing"].iloc[0]
    if not isinstance(payers, str):
        return None
    return (
        f"{md(payers)}: nothing paid in {month:%B %Y}, though paid in the month before and the month after. If "
        "their remittances for the month were not loaded, its denials and recoveries are undercounted."
    )


def _first(items: list, separator: str, shown: int = 6) -> str:
    """The first few of a list, and how many more."""
    more = f" and {len(items) - shown:,} more" if len(items) > shown else ""
    return separator.join(items[:shown]) + more
