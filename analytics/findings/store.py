"""The stored findings: the monthly counts every period reads (slice_months, driver_months), counted once
per load, and the default period's findings (change_findings_rows, the view change_findings), rebuilt by
the after-load step (analytics/derived.py) only when a month they count changed."""

from __future__ import annotations

from analytics.findings import analysis
from analytics.findings.analysis import Result
from analytics.findings.periods import Period, fetcher, latest_period, payment_months
from analytics.findings.slices import KEYS, monthly_counts, slice_key, slice_label
from analytics.sql_files import sql

MONTHS_TYPE = "STRUCT(month DATE, claims BIGINT, denied_claims BIGINT)[]"
COLUMNS = (
    ("period_from", "DATE"),
    ("period_to", "DATE"),
    ("baseline_from", "DATE"),
    ("baseline_to", "DATE"),
    ("baseline_months", "INTEGER"),
    ("dimension", "VARCHAR"),
    ("slice", "VARCHAR"),
    ("payer_name", "VARCHAR"),
    ("category", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("remark", "VARCHAR"),
    ("procedure_code", "VARCHAR"),
    ("modifier", "VARCHAR"),
    ("site", "VARCHAR"),
    ("claims", "BIGINT"),
    ("denied_claims", "BIGINT"),
    ("claim_denial_rate", "DOUBLE"),
    ("baseline_claims", "BIGINT"),
    ("baseline_denied_claims", "BIGINT"),
    ("baseline_claim_denial_rate", "DOUBLE"),
    ("rate_change", "DOUBLE"),
    ("ci_low", "DOUBLE"),
    ("ci_high", "DOUBLE"),
    ("charges", "DECIMAL(18, 2)"),
    ("denied_amount", "DECIMAL(18, 2)"),
    ("baseline_charges", "DECIMAL(18, 2)"),
    ("baseline_denied_amount", "DECIMAL(18, 2)"),
    ("expected_denied_amount", "DECIMAL(18, 2)"),
    ("effect_amount", "DECIMAL(18, 2)"),
    ("p_value", "DOUBLE"),
    ("q_value", "DOUBLE"),
    ("direction", "VARCHAR"),
    ("finding", "BOOLEAN"),
    ("test", "VARCHAR"),
    ("dispersion", "DOUBLE"),
    ("sentence", "VARCHAR"),
    ("rank", "INTEGER"),
    # the period rate's 95% interval, the slice's months of the baseline and the period for its sparkline
    # (monthly_counts), the more specific finding that describes the same claims (_mark_same_claims), and the
    # finding of the change it is part of, or the parts of its change (changes.mark_parts)
    ("rate_ci_low", "DOUBLE"),
    ("rate_ci_high", "DOUBLE"),
    ("months", MONTHS_TYPE),
    ("same_as", "VARCHAR"),
    ("part_of", "VARCHAR"),
    ("parts", "VARCHAR[]"),
)


def _unchanged(cur, period: Period, changed: list) -> bool:
    """Whether change_findings_rows holds this period's findings and no changed month is in its window
    (the baseline's first month to the period's last: what slices.sql and drivers.sql count)."""
    stored = cur.execute(
        "SELECT DISTINCT period_from, period_to, baseline_from, baseline_to FROM change_findings_rows"
    ).fetchall()
    window = (period.baseline[0], period.months[-1])
    same = stored == [(period.months[0], period.months[-1], period.baseline[0], period.baseline[-1])]
    return same and not any(window[0] <= month <= window[1] for month in changed)


def table_rows(result: Result | None) -> list:
    if result is None:
        return []
    p = result.period
    out = []
    for rank, row in enumerate(result.tested, 1):
        out.append(
            {
                **{name: row.get(name) for name, _ in COLUMNS},
                "period_from": p.months[0],
                "period_to": p.months[-1],
                "baseline_from": p.baseline[0],
                "baseline_to": p.baseline[-1],
                "baseline_months": len(p.baseline),
                "slice": slice_label(row),
                "rank": rank,
                "months": monthly_counts(result.series.get(slice_key(row), {}), p),
            }
        )
    return out


# The counts per payment month that the findings of any period read (slices.sql, drivers.sql): counted once
# per load, so no page counts units. table -> the query that counts some months ($months), its columns.
MONTHLY_COUNTS = {
    "slice_months": (
        "findings/slice_counts",
        (
            *((name, "VARCHAR") for name in ("dimension", *KEYS)),
            ("month", "DATE"),
            ("claims", "BIGINT"),
            ("denied_claims", "BIGINT"),
            ("charges", "DECIMAL(18, 2)"),
            ("denied_amount", "DECIMAL(18, 2)"),
        ),
    ),
    "driver_months": (
        "findings/driver_counts",
        (
            *((name, "VARCHAR") for name in ("payer_name", "site", "procedure_code")),
            ("modifiers", "VARCHAR[]"),
            ("category", "VARCHAR"),
            ("reason", "VARCHAR"),
            ("remark_codes", "VARCHAR[]"),
            ("month", "DATE"),
            ("denials", "BIGINT"),
            ("denied_amount", "DECIMAL(18, 2)"),
        ),
    ),
}


def _create_monthly(cur, table: str) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in MONTHLY_COUNTS[table][1])
    cur.execute(f"CREATE OR REPLACE TABLE {table} ({columns})")


def count_months(cur, complete: list, changed: list | None) -> None:
    """The tables of MONTHLY_COUNTS for the complete months (`complete`): in full, or after a load that only
    added files (`changed`: the payment months of the claim facts it changed) those months and the months
    newly complete (a month's counts are its own claims')."""
    for table, (name, _) in MONTHLY_COUNTS.items():
        if changed is None:
            _create_monthly(cur, table)
            months = complete
        else:
            stored = {m for (m,) in cur.execute(f"SELECT DISTINCT month FROM {table}").fetchall()}
            months = [m for m in complete if m in changed or m not in stored]
            if months:
                cur.execute(f"DELETE FROM {table} WHERE list_contains(?, month)", [months])
        if months:
            cur.execute(f"INSERT INTO {table}\n{sql(name)}", {"months": months})


def refresh(cur, changed: list | None = None) -> int:
    """Count the months (MONTHLY_COUNTS), then rebuild the table change_findings_rows (the view
    change_findings) for the default period: the last usable month against the 12 before. Runs inside the
    recovery rebuild's transaction, after the derived tables. `changed`: after a load that only added
    files, the payment months of the claim facts it changed (analytics/derived.py); the rows are kept as
    they are when the period is the one they hold and none of those months is in it or its baseline (every
    figure of a finding counts the claims of those months, by payment date). Returns the rows written (or
    kept)."""
    defined = cur.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'initial_claims'").fetchall()
    result = None
    if not defined[0][0]:  # a brand-new database creates its macros after this first rebuild: empty then
        for table in MONTHLY_COUNTS:
            _create_monthly(cur, table)
    else:
        fetch = fetcher(cur)
        complete, usable = payment_months(fetch)
        count_months(cur, complete, changed)
        period = latest_period(usable)
        if changed is not None and period is not None and _unchanged(cur, period, changed):
            return cur.execute("SELECT count(*) FROM change_findings_rows").fetchall()[0][0]
        result = analysis.compute(fetch, period) if period is not None else None
    rows = table_rows(result)
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    cur.execute(f"CREATE OR REPLACE TABLE change_findings_rows ({columns})")
    if rows:
        import pyarrow as pa

        types = {
            "DATE": pa.date32(),
            "INTEGER": pa.int32(),
            "VARCHAR": pa.string(),
            "BIGINT": pa.int64(),
            "DOUBLE": pa.float64(),
            "DECIMAL(18, 2)": pa.decimal128(18, 2),
            "BOOLEAN": pa.bool_(),
            "VARCHAR[]": pa.list_(pa.string()),
            MONTHS_TYPE: pa.list_(
                pa.struct([("month", pa.date32()), ("claims", pa.int64()), ("denied_claims", pa.int64())])
            ),
        }
        batch = pa.table({name: pa.array([r[name] for r in rows], type=types[kind]) for name, kind in COLUMNS})
        cur.register("new_change_findings", batch)
        try:
            cur.execute("INSERT INTO change_findings_rows SELECT * FROM new_change_findings")
        finally:
            cur.unregister("new_change_findings")
    return len(rows)
