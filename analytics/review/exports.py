"""The monthly review exported: a self-contained HTML report and an Excel workbook of the same parts, with
the same numbers and words as the page."""

from __future__ import annotations

import html
import io
from datetime import date

import pandas as pd

from analytics import labels
from analytics.review.parts import MAIN, SECTIONS, SHEETS, SUMMARY, cohort_matrix, figures, sections


def _kind(column: str) -> str | None:
    """The kind of a review column: the cohort matrix's +k columns are rates."""
    return "rate" if str(column).startswith("+") else labels.describe(str(column))[1]


def _shown_columns(frame: pd.DataFrame) -> list:
    """The columns people read: hidden ones and keys standing beside their label left out."""
    return [
        c
        for c in frame.columns
        if _kind(c) != "hidden" and not set(labels.HIDDEN_BESIDE.get(c, ())) & set(frame.columns)
    ]


def _cell_class(column: str) -> str:
    """Numbers right-aligned, so that dollars line up by their digits as in the dashboard's tables; numbers and
    dates kept on one line (a wide table wrapped 2026-09-14 after its year)."""
    kind = _kind(column)
    return " class='num'" if kind in labels.NUMBER_KINDS else " class='date'" if kind in ("date", "month") else ""


def _html_table(frame: pd.DataFrame) -> str:
    """A table with the dashboard's labels and formats; every value is escaped, since names and codes come
    from the payers' files. A findings table's sparkline column is drawn (svg_sparkline), last."""
    columns = _shown_columns(frame)
    drawn = "sparkline" in frame.columns
    align = {c: _cell_class(c) for c in columns}
    head = "".join(
        f"<th{align[c]}>{html.escape(labels.describe(str(c))[0] if not str(c).startswith('+') else str(c))}</th>"
        for c in columns
    ) + ("<th>month by month</th>" if drawn else "")
    body = "".join(
        "<tr>"
        + "".join(f"<td{align[c]}>{html.escape(labels.formatted(str(c), row[c], _kind(c)))}</td>" for c in columns)
        + (f"<td>{svg_sparkline(row['sparkline'])}</td>" if drawn else "")
        + "</tr>"
        for _, row in frame.iterrows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def svg_sparkline(points: list, width: int = 132, height: int = 30) -> str:
    """A finding's monthly claim denial rates (findings.sparkline points) as a small inline SVG, as the
    pages draw it: a line from 0 up, the period's months red, the baseline's rate dotted; each month's
    rate on hover. Numbers and escaped month labels only."""
    if not points:
        return ""
    first = points[0]["month"]
    index = [(p["month"].year - first.year) * 12 + p["month"].month - first.month for p in points]
    span, top = max(max(index), 1), max(max(p["rate"] for p in points), points[0]["baseline_rate"], 1e-9) * 1.1
    x = [3 + i * (width - 6) / span for i in index]
    y = [height - 3 - p["rate"] / top * (height - 6) for p in points]
    base = height - 3 - points[0]["baseline_rate"] / top * (height - 6)
    line = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
    dots = "".join(
        f"<circle cx='{a:.1f}' cy='{b:.1f}' r='2' fill='{'#d62728' if p['period'] else MAIN}'>"
        f"<title>{p['month']:%b %Y}: {p['rate']:.1%}</title></circle>"
        for a, b, p in zip(x, y, points, strict=True)
    )
    return (
        f"<svg class='spark' width='{width}' height='{height}' viewBox='0 0 {width} {height}' role='img' "
        f"aria-label='claim denial rate by month'><line x1='0' x2='{width}' y1='{base:.1f}' y2='{base:.1f}' "
        f"stroke='grey' stroke-dasharray='2 2' stroke-width='1'/><polyline points='{line}' fill='none' "
        f"stroke='{MAIN}' stroke-width='1.5'/>{dots}</svg>"
    )


TILE_KINDS = {"money": "money", "percent": "rate", "count": "count"}


def html_report(
    month: date, parts: dict, scope: str, demo: bool, warning: str | None = None, findings_note: str = ""
) -> str:
    """The review as one HTML file that opens offline: plotly.js is embedded once, then every chart. warning:
    what the month's remittances may lack (ui.missing_in_month), said under the title as on the page;
    findings_note: what the findings section says when it lists none (findings_note in parts.py)."""
    charts = figures(parts)
    summary = parts["review_summary"].iloc[0]
    tiles = "".join(
        f"<div class='tile'><div class='label'>{html.escape(label)}</div>"
        f"<div class='value'>{html.escape(labels.formatted(column, summary[column], TILE_KINDS[kind]))}</div>"
        f"<div class='help'>{html.escape(definition)}</div></div>"
        for column, label, kind, definition in SUMMARY
    )
    blocks, plotly_included = [], False
    for name, (title, definition) in sections(parts).items():
        if name not in parts:
            continue
        shown = cohort_matrix(parts[name]) if name == "review_cohorts" else parts[name]
        chart = ""
        if name in charts:
            chart = charts[name].to_html(full_html=False, include_plotlyjs=not plotly_included, default_height="380px")
            plotly_included = True
        empty = findings_note if name == "review_findings" and findings_note else "Nothing this month."
        table = _html_table(shown) if not shown.empty else f"<p>{html.escape(empty)}</p>"
        blocks.append(
            f"<section><h2>{html.escape(title)}</h2><p class='help'>{html.escape(definition)}</p>"
            f"{chart}{table}</section>"
        )
    label = (
        "<p class='demo'>Demo data: a synthetic remittance history, not real patients or payers.</p>" if demo else ""
    ) + (f"<p class='demo'>{html.escape(warning)}</p>" if warning else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Revenue-recovery review {month:%B %Y}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
.tiles {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 1rem; }}
.tile {{ border: 1px solid #ddd; border-radius: .5rem; padding: .75rem; }}
.value {{ font-size: 1.6rem; font-weight: 600; }}
.help {{ color: #666; font-size: .85rem; }}
.demo {{ background: #fff3cd; padding: .5rem; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .85rem; }}
th, td {{ border-bottom: 1px solid #eee; padding: .25rem .6rem; text-align: left; }}
td {{ font-variant-numeric: tabular-nums; }}
.num {{ text-align: right; white-space: nowrap; }}
.date {{ white-space: nowrap; }}
@page {{ size: A4 landscape; margin: 12mm; }}
@media print {{
  body {{ margin: 0; font-size: 10pt; }}
  section {{ break-inside: avoid-page; }}
  .tiles {{ grid-template-columns: repeat(4, 1fr); }}
  table {{ font-size: 8pt; }}
}}
</style></head><body>
<h1>Revenue-recovery review: {month:%B %Y}</h1>
{label}<p class="help">{html.escape(scope)}</p>
<div class="tiles">{tiles}</div>
{"".join(blocks)}
</body></html>"""


def sheet_name(part: str) -> str:
    """A part's sheet in the workbook: its title, or its short name where the title passes 31 characters."""
    return SHEETS.get(part, SECTIONS[part][0])


# Excel number formats by kind of column
_EXCEL_FORMATS = {
    "money": "$#,##0.00",
    "rate": "0.0%",
    "points": "+0.0;-0.0;0.0",
    "count": "#,##0",
    "days": "#,##0",
    "probability": "0.000",
    "date": "yyyy-mm-dd",
    "month": "mmm yyyy",
}


def excel_workbook(month: date, parts: dict, scope: str, warning: str | None = None, findings_note: str = "") -> bytes:
    """The review as an Excel workbook: a summary sheet with the definitions (and the warning of html_report
    under its title), then a sheet per part (the findings' with html_report's findings_note when empty), each
    with the dashboard's column labels, number formats (currency, percent, dates, months), a frozen header
    row and columns wide enough to read. Text from the files stays text: xlsxwriter writes no formula
    from a string (a payer named =HYPERLINK(...) is a name, not a link)."""
    summary = parts["review_summary"].iloc[0]
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        book = writer.book
        formats = {kind: book.add_format({"num_format": code}) for kind, code in _EXCEL_FORMATS.items()}
        bold = book.add_format({"bold": True})
        sheet = book.add_worksheet("Summary")
        sheet.write(0, 0, f"Revenue-recovery review: {month:%B %Y}. {scope}", bold)
        if warning:
            sheet.write(1, 0, warning)
        for col, head in enumerate(("measure", "value", "definition")):
            sheet.write(2, col, head, bold)
        for row, (column, label, kind, definition) in enumerate(SUMMARY, start=3):
            sheet.write(row, 0, label)
            value = summary[column]
            if value is None or pd.isna(value):
                sheet.write_blank(row, 1, None)
            else:
                sheet.write_number(row, 1, float(value), formats[TILE_KINDS[kind]])
            sheet.write(row, 2, definition)
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 1, 16)
        sheet.set_column(2, 2, 110)
        sheet.freeze_panes(3, 0)
        for name, (title, definition) in sections(parts).items():
            if name not in parts:
                continue
            _part_sheet(
                book,
                sheet_name(name),
                title,
                definition,
                cohort_matrix(parts[name]) if name == "review_cohorts" else parts[name],
                formats,
                bold,
                findings_note if name == "review_findings" else "",
            )
    return buffer.getvalue()


def _part_sheet(
    book, name: str, title: str, definition: str, frame: pd.DataFrame, formats: dict, bold, empty: str = ""
) -> None:
    sheet = book.add_worksheet(name)
    sheet.write(0, 0, f"{title}: {definition}")
    if frame.empty and empty:
        sheet.write(1, 0, empty)
    columns = _shown_columns(frame)
    for col, column in enumerate(columns):
        label = str(column) if str(column).startswith("+") else labels.describe(str(column))[0]
        sheet.write(2, col, label, bold)
        kind = _kind(column)
        values = frame[column]
        width = max([len(label)] + [len(labels.formatted(str(column), v, kind)) for v in values.head(200)])
        sheet.set_column(col, col, min(max(width + 2, 10), 60))
        for row, value in enumerate(values, start=3):
            if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
                continue
            if isinstance(value, (pd.Timestamp, date)):
                sheet.write_datetime(
                    row, col, pd.Timestamp(value).to_pydatetime(), formats["month" if kind == "month" else "date"]
                )
            elif isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "is_integer"):
                sheet.write_string(row, col, str(value))
            else:
                sheet.write_number(
                    row, col, float(value), formats.get(kind or "count", formats["count"]) if kind != "text" else None
                )
    sheet.freeze_panes(3, 0)
