"""The monthly revenue-recovery review: its tables, charts and definitions, shared by the Monthly review
page and its exports (a self-contained HTML report and an Excel workbook), so that all three show the
same numbers with the same words.

`parts`: the review's tables, findings and charts (what the page shows); `exports`: the HTML report and the
Excel workbook made from them.
"""

from __future__ import annotations

from analytics.review.exports import excel_workbook, html_report, sheet_name, svg_sparkline
from analytics.review.parts import (
    FINDING_COLUMNS,
    FINDINGS,
    PARTS,
    SECTIONS,
    SHEETS,
    SUMMARY,
    cohort_matrix,
    figures,
    findings_note,
    findings_part,
    frames,
    overall_part,
    sections,
    top_findings,
)

__all__ = [
    "PARTS",
    "FINDINGS",
    "SECTIONS",
    "SHEETS",
    "SUMMARY",
    "FINDING_COLUMNS",
    "frames",
    "top_findings",
    "findings_note",
    "findings_part",
    "overall_part",
    "sections",
    "cohort_matrix",
    "figures",
    "svg_sparkline",
    "html_report",
    "sheet_name",
    "excel_workbook",
]
