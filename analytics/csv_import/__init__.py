"""Load practice-management CSV exports: billed claims and lines, and remittance lines.

Two layouts (docs/csv.md describes every column):
- `claims`: one row per billed service line, the claim's fields repeated on each of its lines. Stored
  in bill_claims / bill_lines as an 837 would be.
- `remittances`: one row per remittance service line (or per claim the payer answered without lines).
  Rows with the same payer, payment date and trace number form one payment; stored in the remit_*
  tables as an 835 would be, so the same checks, denial judgement and recovery model apply.

A mapping file (TOML) lets another export layout load without a code change: which header is each of
our columns, the date formats, the decimal convention, constants for columns the export lacks, values
to translate, and how adjustments come.

Every row is read and checked before anything is written (`read`, the reader contract of
analytics/ingest/contract.py). Values are normalised to what the X12 readers emit (dates CCYYMMDD,
amounts plain decimal text), then stored by `ingest.store.store`, as an X12 file is: one transaction
per file, registered by the SHA-256 of its bytes, checked and judged like an 835. A file
with any bad row is refused whole, with each problem's line number (the header is line 1), column and
reason.

The package, one module per job: `layouts` (the two layouts' columns, the Mapping type), `mapping` (a TOML
mapping file read into a Mapping), `values` (one value read and normalised), `rows` (a file decoded and its
rows read and checked), `grouping` (rows grouped into payments, claims and lines: the reader contract's
rows), `reader` (`read`; `read_layout`, as the loader calls it). The loader reads a CSV file as it reads
any input format (analytics/ingest/formats.py: 'csv claims', 'csv remittances'): `loader.load_contents(con,
items, fmt=..., options=ReadOptions(mapping=...))`.
"""

from __future__ import annotations

from analytics.csv_import.layouts import KINDS, LAYOUT_COLUMNS, LAYOUTS, Column, Mapping, MappingError
from analytics.csv_import.mapping import read_mapping
from analytics.csv_import.reader import read
from analytics.csv_import.rows import CsvRefused

__all__ = [
    "LAYOUTS",
    "KINDS",
    "LAYOUT_COLUMNS",
    "Column",
    "Mapping",
    "MappingError",
    "read_mapping",
    "CsvRefused",
    "read",
]
