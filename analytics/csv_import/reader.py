"""The reader contract for CSV (analytics/ingest/contract.py): `read(layout, data, mapping) -> ParsedFile`;
`read_layout(layout, data, options)` is the same as ingest/formats.py calls it, one format per layout."""

from __future__ import annotations

from typing import cast

from analytics.csv_import.grouping import build_claims, build_remittances
from analytics.csv_import.layouts import KINDS, Mapping
from analytics.csv_import.rows import CsvRefused, Problems, decode, read_rows
from analytics.ingest.contract import ParsedFile, ReadOptions


def read(
    layout: str, data: bytes, mapping: Mapping | None = None, statuses: set | None = None, groups: set | None = None
) -> ParsedFile:
    """The reader contract for CSV: one file's rows (payments, claims, lines... for the remittances
    layout; billed_claims, billed_lines for the claims layout). Raises CsvRefused, with every problem
    found, when the file cannot load whole. `statuses`, `groups`: the claim statuses and adjustment
    groups known (the database's reference tables; the shipped lists when None)."""
    fmt = mapping or Mapping(layout)
    if fmt.layout != layout:
        raise CsvRefused(f"the mapping is for the {fmt.layout} layout; nothing loaded")
    text = decode(data, fmt)
    problems = Problems()
    rows, labels = read_rows(layout, text, fmt, problems)
    if layout == "claims":
        out = build_claims(rows, problems, labels)
    else:
        out = build_remittances(rows, problems, labels, statuses or _STATUSES, groups or _GROUPS)
    if problems.count:
        listed = problems.listed()
        shown = f" (the first {len(listed)} listed)" if problems.count > len(listed) else ""
        raise CsvRefused(f"{problems.count} problem(s) in the rows{shown}; nothing loaded", listed)
    return ParsedFile(KINDS[layout], out, transaction_sets=len(out.get("payments", ())), segments=len(rows))


def read_layout(layout: str, data: bytes, options: ReadOptions) -> ParsedFile:
    """`read` with what the loader gives every reader: the mapping and the database's code lists."""
    return read(layout, data, cast(Mapping | None, options.mapping), options.statuses, options.groups)


# The shipped code lists, used when no database is at hand (read() alone).
_STATUSES = {"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"}
_GROUPS = {"CO", "PR", "OA", "PI", "CR"}
