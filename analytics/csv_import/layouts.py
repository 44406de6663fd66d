"""The two CSV layouts (docs/csv.md): their columns, and the Mapping an export's own layout is read with."""

from __future__ import annotations

from dataclasses import dataclass, field

LAYOUTS = ("claims", "remittances")
KINDS = {"claims": "csv claims", "remittances": "csv remittances"}
MAX_PROBLEMS = 50  # problems listed per refused file; the rest are counted
MAX_ADJUSTMENTS = 99  # per row


@dataclass(frozen=True)
class Column:
    name: str
    level: str  # 'payment', 'claim' or 'line': rows of one payment / claim must agree on its columns
    kind: str  # how the value is read: see _NORMALISERS
    required: bool = False


# The two layouts, in the order docs/csv.md lists them. Claim-level columns of the claims layout and
# payment- and claim-level columns of the remittance layout are repeated on every row of the claim.
CLAIM_LAYOUT = (
    Column("claim_id", "claim", "text", True),
    Column("payer_name", "claim", "text", True),
    Column("payer_id", "claim", "text"),
    Column("filing_indicator", "claim", "filing"),
    Column("submitted_date", "claim", "date", True),
    Column("claim_charge", "claim", "amount"),
    Column("site_of_care", "claim", "site", True),
    Column("frequency_code", "claim", "frequency"),
    Column("prior_authorization", "claim", "text"),
    Column("original_reference", "claim", "text"),
    Column("transaction_type", "claim", "transaction_type"),
    Column("billing_provider_npi", "claim", "npi"),
    Column("diagnosis_codes", "claim", "diagnoses"),
    Column("line_number", "line", "line_number"),
    Column("procedure_code", "line", "procedure"),
    Column("modifiers", "line", "modifiers"),
    Column("revenue_code", "line", "revenue"),
    Column("charge_amount", "line", "amount", True),
    Column("units_billed", "line", "units"),
    Column("service_date", "line", "date", True),
    Column("line_control_number", "line", "text"),
    Column("ndc", "line", "ndc"),
)
REMITTANCE_LAYOUT = (
    Column("payer_name", "payment", "text", True),
    Column("payer_id", "payment", "text"),
    Column("payment_date", "payment", "date", True),
    Column("trace_number", "payment", "text", True),
    Column("payment_method", "payment", "payment_method"),
    Column("claim_id", "claim", "text", True),
    Column("claim_status", "claim", "status"),
    Column("payer_claim_number", "claim", "text"),
    Column("filing_indicator", "claim", "filing"),
    Column("site_of_care", "claim", "site"),
    Column("frequency_code", "claim", "frequency"),
    Column("original_reference", "claim", "text"),
    Column("received_date", "claim", "date"),
    Column("procedure_code", "line", "procedure"),
    Column("modifiers", "line", "modifiers"),
    Column("revenue_code", "line", "revenue"),
    Column("charge_amount", "line", "amount", True),
    Column("paid_amount", "line", "amount", True),
    Column("units_paid", "line", "units"),
    Column("units_billed", "line", "units"),
    Column("service_date", "line", "date", True),
    Column("line_control_number", "line", "text"),
    Column("adjustments", "line", "adjustments"),
    Column("remark_codes", "line", "remarks"),
)
LAYOUT_COLUMNS = {"claims": CLAIM_LAYOUT, "remittances": REMITTANCE_LAYOUT}
# Columns a mapping may fill from several of the export's columns (their values are joined).
MULTI_COLUMNS = {"modifiers", "remark_codes", "diagnosis_codes"}
DEFAULT_DATES = ("%Y-%m-%d", "%Y%m%d")


class MappingError(ValueError):
    """A mapping file that cannot be used."""


@dataclass
class Mapping:
    """How an export's columns and values map to a layout (docs/csv.md, "Mapping files")."""

    layout: str
    columns: dict = field(default_factory=dict)  # our column -> header, or list of headers
    constants: dict = field(default_factory=dict)  # our column -> value (text, as in the file)
    values: dict = field(default_factory=dict)  # our column -> {value in the export: our value}
    adjustments: list = field(
        default_factory=list
    )  # [{'group': header, 'reason': header, 'amount': header, 'quantity': header}]
    dates: tuple = DEFAULT_DATES
    decimal: str = "."
    thousands: str = ","
    delimiter: str | None = None  # None: found from the header
    encoding: str | None = None  # None: UTF-8, else Windows-1252
    name: str = ""  # the mapping file, for messages
