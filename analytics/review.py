"""The monthly revenue-recovery review: its tables, charts and definitions, shared by the Monthly review
page and its exports (a self-contained HTML report and an Excel workbook), so that all three show the
same numbers with the same words."""

from __future__ import annotations

import html
import io
from datetime import date

import pandas as pd
import plotly.express as px

from analytics import findings, labels

# Each part of the review: (query in queries/recovery/, title, definition).
PARTS = {
    "review_sources": (
        "Recovered this month, by denial month",
        "Recovered $ whose recovery date falls in the month, by the month the denial was paid: how old "
        "the money coming back is.",
    ),
    "review_cohorts": (
        "Recovery rate by cohort",
        "For the denials of each month (rows), the share of their denied $ recovered within k months "
        "(columns; 0 = the same month), as known at the end of the review month.",
    ),
    "review_ageing": (
        "Open inventory by age",
        "Denials still open at the end of the month, by days since the denial was paid.",
    ),
    "review_expiring": (
        "About to pass the deadline",
        "Open denials whose deadline falls within 30 days after the month end, soonest first: the appeal "
        "window, or timely filing from the date of service for a denial fixed by a corrected claim "
        "(deadline basis). Days left are counted from the month end.",
    ),
    "review_movers": (
        "Top movers",
        "Denied $ by payer, category and code in the month against the month before and the average of "
        "the 12 months before it; the five biggest changes against that average per dimension. Complete "
        "months only: for a month not over on the data date, the month before it (column month).",
    ),
    "review_detail": (
        "The month's denials",
        "Every denial paid in the month with its outcome as known at the month end (largest first, "
        "at most 20,000): initial denials and denials on readjudication (kind); presumed lost: nothing "
        "back by the deadline.",
    ),
}

# The change findings of the month (analytics/findings.py), first in the exports: not a query of
# queries/recovery/ but the page's findings for the month, put into the parts by findings_part().
FINDINGS = (
    "What changed",
    "Slices (payer, category, reason, code, modifier, site and their pairs) whose initial claim denial rate "
    "in the month differs from the 12 complete months before by more than chance allows (beta-binomial or "
    "Fisher test, Benjamini-Hochberg q at most 0.05), largest dollar effect first, each with its rate's 95% "
    "confidence interval and its monthly rate (red: the month; dotted: the baseline's rate); the What changed "
    "page has the attribution and the control charts. The sidebar's filters do not apply.",
)
SECTIONS = {"review_findings": FINDINGS, **PARTS}

# Excel's sheet names hold 31 characters: the parts whose title is longer
SHEETS = {"review_sources": "Recovered, by denial month"}

# The headline numbers: (column, label, kind, definition). The denials are the ones every page counts:
# initial adjudications' denials, not duplicate claims nor expected GA/GY/GZ denials (the Overview's
# denied $ with dates by payment in the month); recovery figures count those still pursued.
SUMMARY = (
    (
        "denials_opened",
        "Denials opened",
        "count",
        "Initial denials paid in the month: a line or claim denied on the payer's first adjudication of the claim. "
        "Duplicate-claim and expected (GA/GY/GZ) denials are not counted, as on the Overview.",
    ),
    (
        "denied_amount",
        "Denied $",
        "money",
        "Denial-class adjustment dollars of the denials opened in the month: the Overview's denied $ with dates by "
        "payment in this month.",
    ),
    (
        "recovered_amount",
        "Recovered $",
        "money",
        "What later adjudications paid on denied lines, net of reversals and recoupments and never more than was "
        "denied, for denials whose recovery date falls in the month (whatever month they were denied). Counts the "
        "denials still pursued, initial or on readjudication; denials billed to the patient are not pursued.",
    ),
    (
        "written_off_amount",
        "Presumed lost $",
        "money",
        "Denied $ with nothing back by the deadline, where the deadline passed in the month: the appeal window, or "
        "timely filing from the date of service for a denial fixed by a corrected claim.",
    ),
    (
        "open_amount",
        "Open $",
        "money",
        "Denied $ of denials still open at the month end (deadline not passed; not billed to the patient), initial or "
        "on readjudication: the Worklist's inventory at that date.",
    ),
    (
        "expiring_amount",
        "Expiring within 30 days $",
        "money",
        "Open denied $ whose deadline falls within 30 days after the month end.",
    ),
    (
        "recovery_rate_12_months",
        "Recovery rate, 12 months",
        "percent",
        "Recovered $ ÷ denied $ of the denials of the 12 months to the month end still pursued (not billed to the "
        "patient). "
        "Recoveries are paid at the payer's allowed amount, so a fully won denial counts for less than its charge: "
        "see the rate against expected reimbursement.",
    ),
    (
        "recovery_rate_expected_12_months",
        "Recovery rate vs expected $",
        "percent",
        "Recovered $ ÷ what the same denials would have been paid (denied $ × the payer's paid-to-charge ratio for "
        "the code): like compared with like.",
    ),
    (
        "readjudication_denied_amount",
        "Denied on readjudication $",
        "money",
        "Denials paid in the month on a later adjudication of a claim (a paid claim denied on reprocessing, a "
        "corrected claim denied): counted apart from the denials opened.",
    ),
)


def frames(fetch, month: date) -> dict:
    """Every table of the review; `fetch(name, **extra)` runs queries/<name>.sql under the page filters."""
    out = {"review_summary": fetch("recovery/review_summary", month=month)}
    for name in PARTS:
        out[name] = fetch(f"recovery/{name}", month=month)
    return out


def top_findings(result, top: int = 10) -> list:
    """The month's findings (findings.Result, or None when the month cannot be compared), largest dollar
    effect first, one for each set of claims (Result.distinct_findings): the page shows the first five,
    the exports the first ten."""
    return sorted(result.distinct_findings if result else [], key=lambda f: -abs(f["effect_amount"]))[:top]


FINDING_COLUMNS = [
    "finding",
    "claims",
    "denied_claims",
    "claim_denial_rate",
    "rate_ci_low",
    "rate_ci_high",
    "baseline_claim_denial_rate",
    "effect_amount",
    "q_value",
    "sparkline",
]


def findings_part(result, top: int = 10) -> pd.DataFrame:
    """The month's findings as a table: the sentence (the rate's 95% interval in it) and the figures
    behind it, the interval's bounds, and the slice's monthly rates (the HTML draws them as sparklines)."""
    rows = findings.shown(result, top_findings(result, top)) if result else []
    return pd.DataFrame(
        [
            {
                "finding": f["sentence"],
                "claims": f["claims"],
                "denied_claims": f["denied_claims"],
                "claim_denial_rate": f["claim_denial_rate"],
                "rate_ci_low": f["rate_ci_low"],
                "rate_ci_high": f["rate_ci_high"],
                "baseline_claim_denial_rate": f["baseline_claim_denial_rate"],
                "effect_amount": float(f["effect_amount"]),
                "q_value": f["q_value"],
                "sparkline": f["points"],
            }
            for f in rows
        ],
        columns=FINDING_COLUMNS,
    )


def cohort_matrix(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Cohorts as a table: a row per denial month, a column per months since denial."""
    if cohorts.empty:
        return pd.DataFrame()
    matrix = cohorts.pivot(index="denial_month", columns="months_since", values="recovery_rate")
    matrix.columns = [f"+{k}" for k in matrix.columns]
    return matrix.reset_index()


def figures(parts: dict) -> dict:
    """The review's charts, by part name. Colours are set here (not left to a theme), so that the exported
    HTML shows the same distinct colours, each cohort its own, with a legend."""
    out = {}
    sources = parts["review_sources"]
    if not sources.empty:
        out["review_sources"] = (
            px.bar(
                sources.assign(denial_month=_month_labels(sources["denial_month"])),
                x="denial_month",
                y="recovered_amount",
                color_discrete_sequence=[MAIN],
                labels={"denial_month": "denial month", "recovered_amount": "recovered $"},
            )
            .update_xaxes(type="category")
            .update_yaxes(tickprefix="$", tickformat=",.0f")
        )
    cohorts = parts["review_cohorts"]
    if not cohorts.empty:
        curves = px.line(
            cohorts.assign(cohort=_month_labels(cohorts["denial_month"])),
            x="months_since",
            y="recovery_rate",
            color="cohort",
            markers=True,
            color_discrete_sequence=COHORT_COLOURS,
            labels={
                "months_since": "months since the denial month",
                "recovery_rate": "recovered $ ÷ denied $",
                "cohort": "denials of",
            },
        )
        out["review_cohorts"] = curves.update_yaxes(tickformat=".0%", rangemode="tozero").update_xaxes(dtick=1)
    ageing = parts["review_ageing"]
    if not ageing.empty:
        out["review_ageing"] = px.bar(
            ageing,
            x="age",
            y="denied_amount",
            text="denials",
            color_discrete_sequence=[MAIN],
            labels={"age": "days since denial", "denied_amount": "open denied $"},
        ).update_yaxes(tickprefix="$", tickformat=",.0f")
    return out


MAIN = "#1f77b4"
# twelve cohorts, twelve colours that tell apart on screen and in print
COHORT_COLOURS = px.colors.qualitative.Dark24[:12]


def _month_labels(months: pd.Series) -> pd.Series:
    return pd.to_datetime(months).dt.strftime("%b %Y")


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


def _html_table(frame: pd.DataFrame) -> str:
    """A table with the dashboard's labels and formats; every value is escaped, since names and codes come
    from the payers' files. A findings table's sparkline column is drawn (svg_sparkline), last."""
    columns = _shown_columns(frame)
    drawn = "sparkline" in frame.columns
    head = "".join(
        f"<th>{html.escape(labels.describe(str(c))[0] if not str(c).startswith('+') else str(c))}</th>" for c in columns
    ) + ("<th>month by month</th>" if drawn else "")
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(labels.formatted(str(c), row[c], _kind(c)))}</td>" for c in columns)
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


def html_report(month: date, parts: dict, scope: str, demo: bool) -> str:
    """The review as one HTML file that opens offline: plotly.js is embedded once, then every chart."""
    charts = figures(parts)
    summary = parts["review_summary"].iloc[0]
    tiles = "".join(
        f"<div class='tile'><div class='label'>{html.escape(label)}</div>"
        f"<div class='value'>{html.escape(labels.formatted(column, summary[column], TILE_KINDS[kind]))}</div>"
        f"<div class='help'>{html.escape(definition)}</div></div>"
        for column, label, kind, definition in SUMMARY
    )
    sections, plotly_included = [], False
    for name, (title, definition) in SECTIONS.items():
        if name not in parts:
            continue
        shown = cohort_matrix(parts[name]) if name == "review_cohorts" else parts[name]
        chart = ""
        if name in charts:
            chart = charts[name].to_html(full_html=False, include_plotlyjs=not plotly_included, default_height="380px")
            plotly_included = True
        table = _html_table(shown) if not shown.empty else "<p>Nothing this month.</p>"
        sections.append(
            f"<section><h2>{html.escape(title)}</h2><p class='help'>{html.escape(definition)}</p>"
            f"{chart}{table}</section>"
        )
    label = (
        "<p class='demo'>Demo data: a synthetic remittance history, not real patients or payers.</p>" if demo else ""
    )
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
{"".join(sections)}
</body></html>"""


def sheet_name(part: str) -> str:
    """A part's sheet in the workbook: its title, or its short name where the title passes 31 characters."""
    return SHEETS.get(part, SECTIONS[part][0])


# Excel number formats by kind of column
_EXCEL_FORMATS = {
    "money": "$#,##0.00",
    "rate": "0.0%",
    "count": "#,##0",
    "days": "0",
    "probability": "0.000",
    "date": "yyyy-mm-dd",
    "month": "mmm yyyy",
}


def excel_workbook(month: date, parts: dict, scope: str) -> bytes:
    """The review as an Excel workbook: a summary sheet with the definitions, then a sheet per part, each
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
        for name, (title, definition) in SECTIONS.items():
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
            )
    return buffer.getvalue()


def _part_sheet(book, name: str, title: str, definition: str, frame: pd.DataFrame, formats: dict, bold) -> None:
    sheet = book.add_worksheet(name)
    sheet.write(0, 0, f"{title}: {definition}")
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
