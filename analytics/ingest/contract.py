"""The reader contract: every input format is a module with a `read(data, options)` that returns a
ParsedFile, registered with one line in ingest/formats.py.

A reader turns one file's bytes (or text) into rows, one list per kind of row named in TABLES, each row
a tuple (or list) in that kind's column order, with values as text the way the file sent them (amounts
as plain decimals, dates CCYYMMDD): the store casts them in bulk. A reader knows nothing of DuckDB.
It refuses a file it cannot read at all by raising ReadError (x12.NotX12Error, csv_import.CsvRefused);
anything odd it can read past becomes a diagnostic row.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

# Column layouts. The store names these columns in its INSERT statements, so names and order matter.
# 835 remittances (analytics/remittance.py, the CSV remittance layout):
PAYMENT_COLUMNS = (
    "payment_seq",
    "segment_position",
    "isa_control",
    "gs_version",
    "st_control",
    "handling_code",
    "payment_amount",
    "credit_debit",
    "payment_method",
    "payment_format",
    "payment_date",
    "trace_type",
    "trace_number",
    "originator_id",
    "production_date",
    "payer_name",
    "payer_id_qualifier",
    "payer_id",
    "payer_ref_id",
    "payee_name",
    "payee_id_qualifier",
    "payee_id",
    "payee_tax_id",
    "receiver_id",
)
CLAIM_COLUMNS = (
    "claim_seq",
    "payment_seq",
    "segment_position",
    "claim_id",
    "status_code",
    "charge_amount",
    "paid_amount",
    "patient_responsibility",
    "filing_indicator",
    "payer_claim_number",
    "facility_code",
    "frequency_code",
    "drg_code",
    "patient_last_name",
    "patient_first_name",
    "patient_member_id",
    "insured_last_name",
    "insured_first_name",
    "insured_member_id",
    "rendering_provider_name",
    "rendering_provider_npi",
    "service_date_from",
    "service_date_to",
    "received_date",
    "crossover_payer_name",
)
LINE_COLUMNS = (
    "line_seq",
    "claim_seq",
    "segment_position",
    "procedure_qualifier",
    "procedure_code",
    "modifier_1",
    "modifier_2",
    "modifier_3",
    "modifier_4",
    "procedure_description",
    "charge_amount",
    "paid_amount",
    "revenue_code",
    "units_paid",
    "original_procedure_qualifier",
    "original_procedure_code",
    "original_modifiers",
    "units_billed",
    "service_date",
    "service_date_from",
    "service_date_to",
    "line_control_number",
    "policy_reference",
    "prior_authorization",
    "allowed_amount",
)
ADJUSTMENT_COLUMNS = (
    "claim_seq",
    "line_seq",
    "segment_position",
    "triple_index",
    "group_code",
    "reason_code",
    "amount",
    "quantity",
)
REMARK_COLUMNS = ("claim_seq", "line_seq", "segment_position", "source", "qualifier", "code")
REFERENCE_COLUMNS = ("claim_seq", "line_seq", "segment_position", "qualifier", "value")
AMOUNT_COLUMNS = ("claim_seq", "line_seq", "segment_position", "qualifier", "amount")
PROVIDER_ADJUSTMENT_COLUMNS = (
    "payment_seq",
    "segment_position",
    "pair_index",
    "provider_id",
    "fiscal_period_date",
    "reason_code",
    "reference",
    "amount",
)
# 837 billed claims (analytics/billed_claims.py, the CSV claims layout):
BILLED_CLAIM_COLUMNS = (
    "submission_seq",
    "segment_position",
    "transaction_type",
    "gs_version",
    "st_control",
    "submitted_date",
    "billing_provider_name",
    "billing_provider_npi",
    "payer_name",
    "payer_id",
    "filing_indicator",
    "subscriber_last_name",
    "subscriber_first_name",
    "subscriber_member_id",
    "patient_last_name",
    "patient_first_name",
    "patient_birth_date",
    "claim_id",
    "charge_amount",
    "facility_code",
    "facility_qualifier",
    "frequency_code",
    "prior_authorization",
    "referral_number",
    "original_reference",
    "service_date_from",
    "service_date_to",
    "admission_date",
    "diagnosis_codes",
    "rendering_provider_npi",
)
BILLED_LINE_COLUMNS = (
    "bill_line_seq",
    "submission_seq",
    "segment_position",
    "line_number",
    "procedure_qualifier",
    "procedure_code",
    "modifier_1",
    "modifier_2",
    "modifier_3",
    "modifier_4",
    "procedure_description",
    "revenue_code",
    "charge_amount",
    "unit_basis",
    "units_billed",
    "place_of_service",
    "service_date_from",
    "service_date_to",
    "line_control_number",
    "prior_authorization",
    "ndc",
    "ndc_quantity",
    "ndc_unit",
)
# Any reader's: what it noticed, by segment (X12) or line (CSV) position.
DIAGNOSTIC_COLUMNS = ("segment_position", "severity", "segment_id", "message")

# Kind of row -> its columns; the kind's name is also its count in ParsedFile.counts / FileResult.counts.
TABLES = {
    "payments": PAYMENT_COLUMNS,
    "claims": CLAIM_COLUMNS,
    "lines": LINE_COLUMNS,
    "adjustments": ADJUSTMENT_COLUMNS,
    "remarks": REMARK_COLUMNS,
    "references": REFERENCE_COLUMNS,
    "amounts": AMOUNT_COLUMNS,
    "provider_adjustments": PROVIDER_ADJUSTMENT_COLUMNS,
    "billed_claims": BILLED_CLAIM_COLUMNS,
    "billed_lines": BILLED_LINE_COLUMNS,
    "diagnostics": DIAGNOSTIC_COLUMNS,
}
# Columns holding whole numbers (the readers' per-file sequence numbers and positions); the rest is text.
INTEGER_COLUMNS = frozenset(
    {
        "payment_seq",
        "claim_seq",
        "line_seq",
        "submission_seq",
        "bill_line_seq",
        "segment_position",
        "triple_index",
        "pair_index",
    }
)


class ReadError(ValueError):
    """A file a reader refuses whole: its message says why; `problems` lists (line, column, message) of
    the rows at fault when the reader can name them (CSV)."""

    problems: list = []


@dataclass(frozen=True)
class ReadOptions:
    """What a reader may be given besides the bytes (ingest/formats.py passes it to every reader; each
    uses what it needs): a CSV mapping file (csv_import.Mapping), and the claim statuses and adjustment
    groups the database knows (its reference tables; None: the shipped lists)."""

    mapping: object = None
    statuses: set | None = None
    groups: set | None = None


@dataclass(eq=False)
class ParsedFile:
    """What a reader made of one file: its rows per kind, what kind of file it is, and counts.

    `kind` is '835', '837', '835+837', 'csv remittances' or 'csv claims'; '' when the file holds
    nothing to load (e.g. only 999 acknowledgements: `skipped_sets` says what it held). The source
    (path, size, digest) is set by whoever read the bytes, not by the reader."""

    kind: str = ""
    rows: dict = field(default_factory=dict)  # kind of row (a key of TABLES) -> list of rows
    interchanges: int = 0
    transaction_sets: int = 0
    segments: int = 0  # X12 segments, or CSV data rows
    skipped_sets: dict = field(default_factory=dict)  # transaction set id -> count, of sets not read
    # per X12 interchange: (ISA06 sender, ISA13 control number, position of its ISA, fingerprint)
    interchange_keys: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # kind of row -> rows; from `rows` unless given
    path: Path | None = None
    size: int = 0
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = {name: len(self.rows.get(name, ())) for name in TABLES}

    @property
    def diagnostics(self) -> list:
        return self.rows.get("diagnostics", [])

    def skipped_text(self) -> str | None:
        """The sets skipped as stored in source_files.skipped_sets: '999 x2, 277 x1', or None."""
        return ", ".join(f"{k} x{v}" for k, v in sorted(self.skipped_sets.items())) or None


@functools.cache
def row_types() -> dict:
    """Kind of row -> its Arrow struct type (pyarrow imported on first use: a reader alone needs none)."""
    import pyarrow as pa

    return {
        name: pa.struct([(column, pa.int64() if column in INTEGER_COLUMNS else pa.string()) for column in columns])
        for name, columns in TABLES.items()
    }


def arrow_tables(rows: dict, owners: dict) -> dict:
    """Rows (keyed by kind of row, in TABLES column order) as one Arrow table per kind, each row tagged
    with the file_index in `owners` (the position of its file among those stored together)."""
    import pyarrow as pa

    types = row_types()
    tables = {}
    for name in TABLES:
        found = rows.get(name)
        if found:
            # Arrow reads tuples as structs in C++, about twice as fast as a column at a time from
            # Python (the readers' rows still filled in later are lists: tuple() of a tuple is itself)
            table = pa.Table.from_struct_array(pa.array(list(map(tuple, found)), type=types[name]))
            tables[name] = table.append_column("file_index", pa.array(owners[name], pa.int64()))
    return tables
