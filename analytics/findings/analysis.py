"""Everything for one period: every slice tested, the findings' sentences, the attribution and the
p-charts (compute); and the findings as the pages show them, from a computation or from the stored rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from analytics.findings.attribution import PARTITIONS, attribution
from analytics.findings.chance import FDR
from analytics.findings.changes import mark_parts
from analytics.findings.control_charts import p_chart
from analytics.findings.periods import Fetch, Period, months_from
from analytics.findings.sentences import Denials, sentence, slice_names
from analytics.findings.slices import (
    DIMENSIONS,
    KEYS,
    analyse_series,
    monthly_counts,
    monthly_slices,
    slice_key,
    sparkline,
)


@dataclass
class Result:
    period: Period
    tested: list  # every slice tested (analyse), sentences on the findings
    series: dict  # slice key -> {month: counts}
    attribution: dict = field(default_factory=dict)  # 'payer' / 'site' -> attribution()

    @property
    def findings(self) -> list:
        return [r for r in self.tested if r["finding"]]

    @property
    def changes(self) -> list:
        """The findings that lead a change, each naming its parts: one per change, as the pages list them. The
        others are parts of one (part_of: changes.mark_parts), those on the same claims as another among them."""
        return [r for r in self.findings if not r["part_of"]]

    def charts(self, dimension: str) -> dict:
        """p-charts per payer or per category: value -> points."""
        index = 1 + KEYS.index(DIMENSIONS[dimension][1][0])
        return {key[index]: p_chart(series, self.period) for key, series in self.series.items() if key[0] == dimension}


def compute(fetch: Fetch, period: Period, fdr: float = FDR) -> Result:
    """The findings, attribution and charts of a period (slices.sql, then the statistics)."""
    series = monthly_slices(fetch("findings/slices", period.params), period)
    tested = analyse_series(series, period, fdr)
    if any(r["finding"] for r in tested):
        words = fetch("findings/labels", {})
        labels = {(r["kind"], r["value"]): r["label"] for r in words}
        denials = Denials(fetch("findings/drivers", period.params))
        for row in tested:
            if row["finding"]:
                row["sentence"] = sentence(row, period, labels, denials)
        # the parts as the pages name slices: 'BETA MUTUAL × Medical necessity'
        names = slice_names({(r["kind"], r["value"]): r["name"] for r in words})
        mark_parts(tested, denials, period, names)
    return Result(period, tested, series, {d: attribution(series, period, d) for d in PARTITIONS})


def shown(result: Result, rows: list) -> list:
    """Findings of a Result as the pages show them: each with the points of its sparkline."""
    return [
        {
            **row,
            "points": sparkline(
                monthly_counts(result.series.get(slice_key(row), {}), result.period), row, result.period
            ),
        }
        for row in rows
    ]


def stored(rows: list) -> tuple:
    """(period, findings) from rows of the table change_findings_rows (queries/dashboard/top_findings.sql,
    its default period: no statistics run again): the findings as the pages show them (shown()), from
    the months stored with each slice; a row without a sentence says only the period. (None, []) when
    nothing was tested."""
    if not rows:
        return None, []
    first = rows[0]
    baseline = months_from(first["baseline_from"], first["baseline_to"])[-first["baseline_months"] :]
    period = Period("default", months_from(first["period_from"], first["period_to"]), baseline)
    return period, [
        {**row, "points": sparkline(row["months"] or [], row, period)} for row in rows if row["sentence"] is not None
    ]
