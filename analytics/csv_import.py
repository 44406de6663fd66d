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
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from analytics import derived
from analytics.ingest.contract import (
    BILLED_CLAIM_COLUMNS,
    BILLED_LINE_COLUMNS,
    CLAIM_COLUMNS,
    LINE_COLUMNS,
    PAYMENT_COLUMNS,
    ParsedFile,
    ReadError,
)
from analytics.ingest.store import FileResult, store

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


# ---------------------------------------------------------------------------------------------------
# Mapping files


_MAPPING_KEYS = {"layout", "format", "columns", "constants", "values", "adjustments"}
_FORMAT_KEYS = {"dates", "date", "decimal", "thousands", "delimiter", "encoding"}
_TRIPLE_KEYS = {"group", "reason", "amount", "quantity"}


def read_mapping(source: str | Path | bytes, layout: str, name: str | None = None) -> Mapping:
    """A mapping file (path or bytes) checked against the layout; MappingError names what is wrong."""
    if layout not in LAYOUTS:
        raise MappingError(f"unknown layout {layout!r} (claims or remittances)")
    if isinstance(source, bytes):
        data, label = source, name or "mapping"
    else:
        label = name or str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as e:
            raise MappingError(f"mapping {label}: cannot be read ({e.strerror or e})") from None
    try:
        spec = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise MappingError(f"mapping {label}: not a TOML file ({e})") from None

    def fail(problem: str):
        raise MappingError(f"mapping {label}: {problem}")

    ours = {c.name: c for c in LAYOUT_COLUMNS[layout]}
    known = ", ".join(ours)
    unknown = set(spec) - _MAPPING_KEYS
    if unknown:
        fail(f"unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(_MAPPING_KEYS))})")
    if "layout" in spec and spec["layout"] != layout:
        fail(f"it is for the {spec['layout']!r} layout, not {layout!r}")
    mapping = Mapping(layout, name=label)

    fmt = _table(spec, "format", fail)
    if set(fmt) - _FORMAT_KEYS:
        fail(
            f"unknown [format] key(s) {', '.join(sorted(set(fmt) - _FORMAT_KEYS))} (allowed: "
            f"{', '.join(sorted(_FORMAT_KEYS))})"
        )
    dates = fmt.get("dates", fmt.get("date"))
    if dates is not None:
        dates = [dates] if isinstance(dates, str) else dates
        if not isinstance(dates, list) or not dates or not all(isinstance(d, str) for d in dates):
            fail('[format] dates must be a date format such as "%m/%d/%Y" or a list of them')
        for pattern in dates:
            sample = datetime(2024, 11, 28)
            try:
                readable = datetime.strptime(sample.strftime(pattern), pattern).date() == sample.date()
            except ValueError:
                readable = False
            if not readable:
                fail(f'[format] date format {pattern!r} does not read a full date (e.g. "%m/%d/%Y", "%Y-%m-%d")')
        mapping.dates = tuple(dates)
    mapping.decimal = fmt.get("decimal", ".")
    if mapping.decimal not in (".", ","):
        fail('[format] decimal must be "." or ","')
    mapping.thousands = fmt.get("thousands", "," if mapping.decimal == "." else ".")
    if mapping.thousands not in (",", ".", " ", "'", "") or mapping.thousands == mapping.decimal:
        fail('[format] thousands must be ",", ".", " ", "\'" or "", and differ from the decimal mark')
    delimiter = fmt.get("delimiter")
    if delimiter is not None:
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
            fail('[format] delimiter must be one character (",", ";", "\\t", "|")')
        mapping.delimiter = delimiter
    encoding = fmt.get("encoding")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            fail(f'[format] encoding {encoding!r} is not an encoding Python knows (e.g. "utf-8", "cp1252")')
        mapping.encoding = encoding

    for column, header in _table(spec, "columns", fail).items():
        if column not in ours:
            fail(f"[columns] {column!r} is not a column of the {layout} layout ({known})")
        if (
            isinstance(header, list)
            and column in MULTI_COLUMNS
            and header
            and all(isinstance(h, str) and h.strip() for h in header)
        ):
            mapping.columns[column] = [h.strip() for h in header]
        elif isinstance(header, str) and header.strip():
            mapping.columns[column] = header.strip()
        else:
            several = " (or a list of headers)" if column in MULTI_COLUMNS else ""
            fail(f"[columns] {column} must name a header of the export{several}")

    constants = _table(spec, "constants", fail)
    for column, value in constants.items():
        if column not in ours or ours[column].kind == "adjustments":
            fail(f"[constants] {column!r} is not a column of the {layout} layout that takes a constant ({known})")
        if column in mapping.columns:
            fail(f"{column} is both mapped to a column and given a constant: keep one")
        if isinstance(value, bool) or not isinstance(value, (str, int, date)):
            fail(f'[constants] {column} must be text, a whole number or a date (write decimals as text: "12.50")')
        mapping.constants[column] = value.strftime("%Y-%m-%d") if isinstance(value, date) else str(value)

    for column, table in _table(spec, "values", fail).items():
        if column not in ours:
            fail(f"[values] {column!r} is not a column of the {layout} layout ({known})")
        if not isinstance(table, dict) or not all(isinstance(v, (str, int)) for v in table.values()):
            fail(f'[values.{column}] must be a table of "value in the export" = "our value"')
        mapping.values[column] = {str(k).strip(): str(v).strip() for k, v in table.items()}

    triples = spec.get("adjustments", [])
    if triples:
        if layout != "remittances":
            fail("[[adjustments]] is for the remittances layout")
        if "adjustments" in mapping.columns:
            fail(
                "adjustments are mapped both to one column ([columns]) and to column triples ([[adjustments]]): "
                "keep one"
            )
        if not isinstance(triples, list) or not all(isinstance(t, dict) for t in triples):
            fail("[[adjustments]] must be a list of tables with group, reason and amount headers")
        for n, triple in enumerate(triples, 1):
            if (
                set(triple) - _TRIPLE_KEYS
                or not {"reason", "amount"} <= set(triple)
                or not all(isinstance(v, str) and v.strip() for v in triple.values())
            ):
                fail(
                    f"[[adjustments]] number {n} must name the headers of reason and amount, and may name group and "
                    'quantity (without group, the reason column holds group and reason: "CO-45")'
                )
            mapping.adjustments.append({k: v.strip() for k, v in triple.items()})

    # constants are read like the export's values: a bad one is the mapping's fault
    for column, value in mapping.constants.items():
        try:
            _normalise(ours[column], _translate(mapping, column, value), mapping, constant=True)
        except _Bad as e:
            fail(f"[constants] {column}: {e}")
    return mapping


def _table(spec: dict, key: str, fail) -> dict:
    value = spec.get(key, {})
    if not isinstance(value, dict):
        fail(f"[{key}] must be a table")
    return value


# ---------------------------------------------------------------------------------------------------
# Values


class _Bad(ValueError):
    """A value that cannot be read; its text is the problem."""


def _show(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:37] + "...")


def _date(raw: str, fmt: Mapping, constant: bool = False) -> str:
    patterns = fmt.dates + (DEFAULT_DATES if constant else ())
    for pattern in patterns:
        try:
            day = datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
        if not 1900 <= day.year <= 2100:
            raise _Bad(f"{_show(raw)}: year {day.year} is out of range")
        return day.strftime("%Y%m%d")
    raise _Bad(f"{_show(raw)} is not a date ({' or '.join(_readable(p) for p in fmt.dates)})")


def _readable(pattern: str) -> str:
    for code, shown in (("%Y", "YYYY"), ("%y", "YY"), ("%m", "MM"), ("%d", "DD"), ("%b", "Mon"), ("%B", "Month")):
        pattern = pattern.replace(code, shown)
    return pattern


def _decimal(raw: str, fmt: Mapping, places: int) -> Decimal:
    text = raw.replace("\u00a0", "").replace(" ", "")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.endswith("-"):  # trailing minus, as some report writers print it
        negative, text = not negative, text[:-1]
    if text[:1] in "+-":
        negative, text = negative != (text[0] == "-"), text[1:]
    text = text.lstrip("$€£")
    if text[:1] in "+-":  # $-12.00
        negative, text = negative != (text[0] == "-"), text[1:]
    whole, mark, fraction = text.partition(fmt.decimal)
    if fmt.thousands and fmt.thousands in whole:
        if not re.fullmatch(rf"\d{{1,3}}({re.escape(fmt.thousands)}\d{{3}})+", whole):
            whole = "?"
        whole = whole.replace(fmt.thousands, "")
    if not re.fullmatch(r"\d*", whole) or not re.fullmatch(r"\d*", fraction) or not (whole or fraction):
        separators = f"decimal mark {fmt.decimal!r}" + (f", thousands {fmt.thousands!r}" if fmt.thousands else "")
        raise _Bad(f"{_show(raw)} is not a number ({separators})")
    try:
        value = Decimal(f"{whole or '0'}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - the patterns above admit only digits
        raise _Bad(f"{_show(raw)} is not a number") from None
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise _Bad(f"{_show(raw)} has more than {places} decimals")
    if value >= Decimal(10) ** 15:
        raise _Bad(f"{_show(raw)} is too large")
    return -value if negative else value


def _amount(raw: str, fmt: Mapping, constant: bool = False) -> str:
    return format(_decimal(raw, fmt, 2).quantize(Decimal("0.01")), "f")


def _units(raw: str, fmt: Mapping, constant: bool = False) -> str:
    value = _decimal(raw, fmt, 3)
    return format(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize(), "f")


def _code(pattern: str, what: str):
    def read(raw: str, fmt: Mapping, constant: bool = False) -> str:
        value = raw.upper()
        if not re.fullmatch(pattern, value):
            raise _Bad(f"{_show(raw)} is not {what}")
        return value

    return read


def _codes(pattern: str, what: str, most: int | None = None, strip: str = ""):
    def read(raw: str, fmt: Mapping, constant: bool = False) -> tuple:
        found = tuple(c.replace(strip, "") if strip else c for c in re.split(r"[\s,;:|]+", raw.upper()) if c)
        for code in found:
            if not re.fullmatch(pattern, code):
                raise _Bad(f"{_show(code)} is not {what}")
        if most is not None and len(found) > most:
            raise _Bad(f"{_show(raw)}: more than {most} modifiers")
        return found

    return read


def _site(raw: str, fmt: Mapping, constant: bool = False) -> tuple:
    """(facility code, frequency from a type of bill or None, whether it was a type of bill)."""
    if not raw.isdigit() or len(raw) > 4:
        raise _Bad(f"{_show(raw)} is not a place of service (2 digits) or a type of bill (3 digits)")
    if len(raw) <= 2:
        return raw.zfill(2), None, False
    if len(raw) == 4 and raw[0] != "0":
        raise _Bad(f"{_show(raw)} is not a type of bill (3 digits, or 4 with a leading 0)")
    bill = raw[-3:]
    return bill[:2], bill[2], True


def _revenue(raw: str, fmt: Mapping, constant: bool = False) -> str:
    if not raw.isdigit() or len(raw) > 4:
        raise _Bad(f"{_show(raw)} is not a revenue code (4 digits)")
    return raw.zfill(4)


def _ndc(raw: str, fmt: Mapping, constant: bool = False) -> str:
    parts = raw.replace(" ", "").split("-")
    if (
        len(parts) == 3
        and all(p.isdigit() for p in parts)
        and all(len(p) <= n for p, n in zip(parts, (5, 4, 2), strict=True))
    ):
        return "".join(p.zfill(n) for p, n in zip(parts, (5, 4, 2), strict=True))  # 4-4-2, 5-3-2, 5-4-1 -> 5-4-2
    digits = "".join(parts)
    if len(digits) != 11 or not digits.isdigit():
        raise _Bad(f"{_show(raw)} is not an NDC (11 digits, or a hyphenated 10-digit form such as 1234-5678-90)")
    return digits


def _transaction_type(raw: str, fmt: Mapping, constant: bool = False) -> str:
    value = raw.lower()
    for kind in ("professional", "institutional"):
        if value in (kind, kind[0], "837" + kind[0]):
            return kind
    raise _Bad(f"{_show(raw)} is not professional or institutional (P / I)")


def _line_number(raw: str, fmt: Mapping, constant: bool = False) -> str:
    if not raw.isdigit() or int(raw) == 0:
        raise _Bad(f"{_show(raw)} is not a line number (1, 2, ...)")
    return str(int(raw))


def _status(raw: str, fmt: Mapping, constant: bool = False) -> str:
    return raw.lstrip("0") or raw  # checked against ref_claim_statuses with the rows


def _text(raw: str, fmt: Mapping, constant: bool = False) -> str:
    return raw


_NORMALISERS = {
    "text": _text,
    "date": _date,
    "amount": _amount,
    "units": _units,
    "site": _site,
    "revenue": _revenue,
    "ndc": _ndc,
    "transaction_type": _transaction_type,
    "line_number": _line_number,
    "status": _status,
    "filing": _code(r"[A-Z0-9]{1,2}", "a claim filing indicator (MA, MB, MC, CI, 12...)"),
    "frequency": _code(r"[0-9]", "a claim frequency code (one digit: 1 original, 7 replacement, 8 void)"),
    "procedure": _code(r"[A-Z0-9]{1,48}", "a procedure code (letters and digits)"),
    "npi": _code(r"[0-9]{10}", "an NPI (10 digits)"),
    "payment_method": _code(r"[A-Z]{3}", "a payment method (ACH, CHK, NON, BOP, FWT)"),
    "modifiers": _codes(r"[A-Z0-9]{2}", "a modifier (2 letters or digits)", most=4),
    "remarks": _codes(r"[A-Z0-9]{1,8}", "a remark code (RARC)"),
    "diagnoses": _codes(r"[A-Z0-9]{3,7}", "a diagnosis code (ICD-10)", strip="."),
}


def _normalise(column: Column, raw: str, fmt: Mapping, constant: bool = False):
    if column.kind == "adjustments":
        return _adjustments(raw, fmt)
    return _NORMALISERS[column.kind](raw, fmt, constant)


_ADJUSTMENT = re.compile(r"([A-Za-z]{2})-?([A-Za-z0-9]{1,3})")


def _adjustments(raw: str, fmt: Mapping) -> tuple:
    """'CO-45:20.00 PR-2:5.00' (group-reason:amount[:quantity], separated by spaces or ';')."""
    found = []
    for entry in (e for e in re.split(r"[\s;]+", raw) if e):
        code, _, rest = entry.partition(":")
        amount, _, quantity = rest.partition(":")
        match = _ADJUSTMENT.fullmatch(code)
        if not match or not amount:
            raise _Bad(f"{_show(entry)} is not an adjustment (group-reason:amount, e.g. CO-45:20.00)")
        try:
            found.append(
                (match[1].upper(), match[2].upper(), _amount(amount, fmt), _units(quantity, fmt) if quantity else None)
            )
        except _Bad as e:
            raise _Bad(f"adjustment {_show(entry)}: {e}") from None
    return tuple(found)


# ---------------------------------------------------------------------------------------------------
# Reading a file


class CsvRefused(ReadError):
    """A file that loads nothing: its message, and the bad rows' problems (line, column, message)."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class _Source:
    """Where one of our columns comes from: headers' positions, or a constant."""

    column: Column
    label: str  # for messages: the export's header, with our name when it differs
    positions: tuple = ()
    constant: str | None = None


def _decode(data: bytes, fmt: Mapping) -> str:
    if not data.strip():
        raise CsvRefused("empty file; nothing loaded")
    if b"\x00" in data[:65536]:
        raise CsvRefused("not a CSV text file (binary content); nothing loaded")
    try:
        text = data.decode(fmt.encoding or "utf-8-sig")
    except UnicodeDecodeError:
        if fmt.encoding:
            raise CsvRefused(
                f"not readable as {fmt.encoding} text (set [format] encoding in the mapping); nothing loaded"
            ) from None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise CsvRefused("not a CSV text file (neither UTF-8 nor Windows-1252 text); nothing loaded") from None
    if fmt.encoding:
        text = text.removeprefix("\ufeff")
    start = text.lstrip()[:4]
    if start.startswith("ISA") or start.startswith("ST*") or start.startswith("ST|"):
        raise CsvRefused("an X12 file, not CSV: load it with `python -m analytics load`; nothing loaded")
    return text


def _records(text: str, fmt: Mapping):
    """(line number where the record starts, fields) of every record that is not blank."""
    lines = io.StringIO(text, newline="").readlines()  # ends: \n, \r\n or \r, as the csv reader counts them
    skip, delimiter = 0, fmt.delimiter
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None:
        hint = re.fullmatch(r'"?sep=(.)"?\s*', lines[first], re.IGNORECASE)  # Excel's delimiter line
        if hint:
            delimiter, skip = delimiter or hint[1], first + 1
            first = next((i for i, line in enumerate(lines) if i >= skip and line.strip()), None)
    if delimiter is None:  # the most frequent candidate in the header
        delimiter = max((",", ";", "\t", "|"), key=(lines[first] if first is not None else "").count)
    reader = csv.reader(io.StringIO("".join(lines[skip:]), newline=""), delimiter=delimiter, strict=True)
    ended = skip
    try:
        for fields in reader:
            start, ended = ended + 1, skip + reader.line_num
            if any(f.strip() for f in fields):
                yield start, fields
    except csv.Error as e:
        raise CsvRefused(f"line {ended + 1}: unreadable CSV ({e}); nothing loaded") from None


def _key(header: str) -> str:
    return " ".join(header.strip().lower().split())


def _sources(layout: str, header: list, fmt: Mapping) -> tuple[dict, list]:
    positions: dict = {}
    for i, name in enumerate(header):
        positions.setdefault(_key(name), []).append(i)
    sources, missing, problems = {}, [], []

    def find(name: str) -> int | None:
        found = positions.get(_key(name), [])
        if len(found) > 1:
            problems.append(f"the header has {len(found)} columns named {name!r}")
        return found[0] if found else None

    for column in LAYOUT_COLUMNS[layout]:
        if column.name in fmt.constants:
            sources[column.name] = _Source(column, column.name, constant=fmt.constants[column.name])
            continue
        if column.name == "adjustments" and fmt.adjustments:
            continue  # triples, below
        wanted = fmt.columns.get(column.name, column.name)
        headers = wanted if isinstance(wanted, list) else [wanted]
        found = [find(h) for h in headers]
        mapped = column.name in fmt.columns
        if all(p is None for p in found) or (mapped and any(p is None for p in found)):
            absent = [h for h, p in zip(headers, found, strict=True) if p is None]
            if mapped:
                problems.append(
                    f"the mapping names {', '.join(map(repr, absent))} for {column.name}, which the header lacks"
                )
            elif column.required:
                missing.append(column.name)
            continue
        label = ", ".join(headers)
        if _key(label) != column.name:
            label = f"{label} ({column.name})"
        sources[column.name] = _Source(column, label, tuple(p for p in found if p is not None))
    triples = []
    for n, triple in enumerate(fmt.adjustments, 1):
        spots = {part: find(header) for part, header in triple.items()}
        absent = [triple[part] for part, p in spots.items() if p is None]
        if absent:
            problems.append(f"the mapping names {', '.join(map(repr, absent))} for adjustments, which the header lacks")
        triples.append(
            (f"adjustment {n} ({', '.join(triple[p] for p in ('group', 'reason', 'amount') if p in triple)})", spots)
        )
    if missing:
        where = f" (mapping {fmt.name})" if fmt.name else " (see docs/csv.md, or give a mapping file)"
        other = next(o for o in LAYOUTS if o != layout)
        if not fmt.columns and all(_key(c.name) in positions for c in LAYOUT_COLUMNS[other] if c.required):
            where = f" (it has the columns of the {other} layout: load it as {other})"
        problems.insert(0, f"the header has no column for the required {', '.join(missing)}{where}")
    if problems:
        raise CsvRefused("; ".join(problems) + "; nothing loaded")
    return sources, triples


@dataclass
class _Row:
    line: int
    values: dict


class _Problems:
    """Problems found, counted all and kept up to a bound; the first MAX_PROBLEMS by line are listed."""

    KEPT = 100_000

    def __init__(self) -> None:
        self.kept: list = []
        self.count = 0

    def add(self, line: int, column: str, message: str) -> None:
        self.count += 1
        if len(self.kept) < self.KEPT:
            self.kept.append((line, column, message))

    def listed(self) -> list:
        return sorted(self.kept, key=lambda p: p[0])[:MAX_PROBLEMS]  # stable: a row's problems in the order found


def _read_rows(layout: str, text: str, fmt: Mapping, problems: _Problems) -> tuple[list[_Row], dict]:
    """The data rows, their values read, and the label (the export's header) of each of our columns."""
    records = _records(text, fmt)
    first = next(records, None)
    if first is None:
        raise CsvRefused("empty file; nothing loaded")
    header_line, header = first
    sources, triples = _sources(layout, header, fmt)
    # Exports repeat their values (dates, payers, codes, amounts): each column reads a value once.
    read: dict[str, dict] = {name: {} for name in sources}  # column -> text as sent -> value read
    rows = []
    for line, fields in records:
        if len(fields) != len(header):
            problems.add(line, "", f"{len(fields)} fields where the header (line {header_line}) has {len(header)}")
            continue
        values = {}
        for name, source in sources.items():
            if source.constant is not None:
                raw = source.constant
            elif len(source.positions) == 1:
                raw = fields[source.positions[0]].strip()
            else:
                raw = " ".join(fields[p].strip() for p in source.positions if fields[p].strip())
            seen = read[name]
            value = seen.get(raw, _UNSEEN)
            if value is _UNSEEN:
                value = _read_value(source, _translate(fmt, name, raw), fmt)
                if len(seen) < _SEEN_VALUES:
                    seen[raw] = value
            if value is None:
                continue
            if isinstance(value, _Bad):
                problems.add(line, source.label, str(value))
            else:
                values[name] = value
        if triples:
            values["adjustments"] = _triples(line, fields, triples, fmt, problems)
        rows.append(_Row(line, values))
    if not rows and not problems.count:
        raise CsvRefused(f"no data rows after the header (line {header_line}); nothing loaded")
    return rows, {name: source.label for name, source in sources.items()}


_UNSEEN = object()
_SEEN_VALUES = 50_000  # values remembered per column


def _read_value(source: _Source, raw: str, fmt: Mapping):
    """The value read, None for an empty optional value, or the problem (_Bad)."""
    if not raw:
        return _Bad("required value missing") if source.column.required else None
    try:
        return _normalise(source.column, raw, fmt, constant=source.constant is not None)
    except _Bad as e:
        return e


def _translate(fmt: Mapping, column: str, raw: str) -> str:
    """The mapping's [values.column] translation of a value (exact, else ignoring case)."""
    table = fmt.values.get(column)
    if not table:
        return raw
    if raw in table:
        return table[raw]
    return next((ours for theirs, ours in table.items() if theirs.lower() == raw.lower()), raw)


def _triples(line: int, fields: list, triples: list, fmt: Mapping, problems: _Problems) -> tuple:
    found = []
    for label, spots in triples:
        cell = {part: fields[p].strip() for part, p in spots.items()}
        cell = {part: _translate(fmt, "adjustments", v) for part, v in cell.items()}
        if not any(cell.values()):
            continue
        code = f"{cell.get('group', '')}-{cell.get('reason', '')}" if "group" in cell else cell.get("reason", "")
        match = _ADJUSTMENT.fullmatch(code)
        if not match or not cell.get("amount"):
            problems.add(
                line,
                label,
                f"{_show(' '.join(v for v in cell.values() if v))} is not an adjustment (group, reason and amount)",
            )
            continue
        try:
            amount = _amount(cell["amount"], fmt)
            quantity = _units(cell["quantity"], fmt) if cell.get("quantity") else None
        except _Bad as e:
            problems.add(line, label, str(e))
            continue
        found.append((match[1].upper(), match[2].upper(), amount, quantity))
    return tuple(found)


# ---------------------------------------------------------------------------------------------------
# Rows -> the readers' rows


def _agree(rows: list[_Row], columns: list, what: str, problems: _Problems, labels: dict) -> None:
    """Rows of one payment or claim must carry the same values in its columns."""
    first = rows[0]
    for row in rows[1:]:
        for name in columns:
            if row.values.get(name) != first.values.get(name):
                problems.add(
                    row.line,
                    labels.get(name, name),
                    f"{_shown(row.values.get(name))} differs from {_shown(first.values.get(name))} on line "
                    f"{first.line}, the {what}'s first row",
                )


def _shown(value) -> str:
    if value is None:
        return "empty"
    if isinstance(value, tuple):  # a site of care (code, frequency of a type of bill, is a bill type), or codes
        value = value[0] + (value[1] or "") if value and isinstance(value[-1], bool) else " ".join(value)
    return repr(value)


def _site_frequency(row: _Row, problems: _Problems, labels: dict) -> None:
    """A type of bill gives the claim's frequency (its third digit) when frequency_code is empty."""
    site = row.values.get("site_of_care")
    if site and site[1] is not None:
        given = row.values.get("frequency_code")
        if given is None:
            row.values["frequency_code"] = site[1]
        elif given != site[1]:
            problems.add(
                row.line,
                labels.get("frequency_code", "frequency_code"),
                f"{given!r} differs from the frequency in the type of bill ({site[1]!r})",
            )


def _total(values) -> str:
    return format(sum((Decimal(v) for v in values if v is not None), Decimal("0.00")), "f")


def _build_claims(rows: list[_Row], problems: _Problems, labels: dict) -> dict:
    claim_columns = [c.name for c in CLAIM_LAYOUT if c.level == "claim"]
    groups: dict = {}
    for row in rows:
        _site_frequency(row, problems, labels)
        if not (row.values.get("procedure_code") or row.values.get("revenue_code")):
            problems.add(
                row.line,
                labels.get("procedure_code", "procedure_code"),
                "a billed line needs a procedure_code or a revenue_code",
            )
        v = row.values
        groups.setdefault(
            (v.get("claim_id"), v.get("payer_name"), v.get("payer_id"), v.get("submitted_date")), []
        ).append(row)
    out_claims, out_lines = [], []
    line_seq = 0
    for seq, group in enumerate(groups.values(), 1):
        _agree(group, claim_columns, "claim", problems, labels)
        first = group[0].values
        charges = _total(r.values.get("charge_amount") for r in group)
        complete = all(r.values.get("charge_amount") is not None for r in group)  # else already reported
        if first.get("claim_charge") is not None and complete and Decimal(first["claim_charge"]) != Decimal(charges):
            problems.add(
                group[0].line,
                labels.get("claim_charge", "claim_charge"),
                f"{first['claim_charge']} is not the sum of the claim's line charges ({charges})",
            )
        site = first.get("site_of_care")
        kind = first.get("transaction_type")
        if kind is None:
            kind = (
                "institutional"
                if (site and site[2]) or any(r.values.get("revenue_code") for r in group)
                else "professional"
            )
        elif kind == "professional" and site and site[2]:
            problems.add(
                group[0].line,
                labels.get("site_of_care", "site_of_care"),
                "a type of bill on a professional claim (give the place of service)",
            )
        claim = dict.fromkeys(BILLED_CLAIM_COLUMNS)
        claim.update(
            submission_seq=seq,
            segment_position=group[0].line,
            transaction_type=kind,
            submitted_date=first.get("submitted_date"),
            billing_provider_npi=first.get("billing_provider_npi"),
            payer_name=first.get("payer_name"),
            payer_id=first.get("payer_id"),
            filing_indicator=first.get("filing_indicator"),
            claim_id=first.get("claim_id"),
            charge_amount=first.get("claim_charge") or charges,
            facility_code=site[0] if site else None,
            facility_qualifier="A" if kind == "institutional" else "B",
            frequency_code=first.get("frequency_code") or "1",
            prior_authorization=first.get("prior_authorization"),
            original_reference=first.get("original_reference"),
            diagnosis_codes=" ".join(first["diagnosis_codes"]) if first.get("diagnosis_codes") else None,
        )
        out_claims.append(tuple(claim.values()))
        numbers: dict = {}
        for n, row in enumerate(group, 1):
            v = row.values
            number = v.get("line_number") or str(n)
            if number in numbers:
                problems.add(
                    row.line,
                    labels.get("line_number", "line_number"),
                    f"line number {number} is already used on line {numbers[number]} of the same claim",
                )
            numbers[number] = row.line
            line_seq += 1
            modifiers = (v.get("modifiers") or ()) + (None,) * 4
            code = v.get("procedure_code")
            line = dict.fromkeys(BILLED_LINE_COLUMNS)
            line.update(
                bill_line_seq=line_seq,
                submission_seq=seq,
                segment_position=row.line,
                line_number=number,
                procedure_qualifier="HC" if code else None,
                procedure_code=code,
                modifier_1=modifiers[0],
                modifier_2=modifiers[1],
                modifier_3=modifiers[2],
                modifier_4=modifiers[3],
                revenue_code=v.get("revenue_code"),
                charge_amount=v.get("charge_amount"),
                unit_basis="UN",
                units_billed=v.get("units_billed") or "1",
                service_date_from=v.get("service_date"),
                service_date_to=v.get("service_date"),
                line_control_number=v.get("line_control_number"),
                ndc=v.get("ndc"),
            )
            out_lines.append(tuple(line.values()))
    return {"billed_claims": out_claims, "billed_lines": out_lines}


def _build_remittances(rows: list[_Row], problems: _Problems, labels: dict, statuses: set, groups_known: set) -> dict:
    payment_columns = [c.name for c in REMITTANCE_LAYOUT if c.level == "payment"]
    claim_columns = [c.name for c in REMITTANCE_LAYOUT if c.level == "claim"]
    payments: dict = {}
    for row in rows:
        v = row.values
        v.setdefault("claim_status", "1")
        _site_frequency(row, problems, labels)
        if v["claim_status"] not in statuses:
            problems.add(
                row.line,
                labels.get("claim_status", "claim_status"),
                f"{v['claim_status']!r} is not a claim status (CLP02: {', '.join(sorted(statuses, key=_numeric))})",
            )
        for group, reason, _, _ in v.get("adjustments", ()):
            if group not in groups_known:
                problems.add(
                    row.line,
                    labels.get("adjustments", "adjustments"),
                    f"unknown adjustment group {group!r} in {group}-{reason} ({', '.join(sorted(groups_known))})",
                )
        if len(v.get("adjustments", ())) > MAX_ADJUSTMENTS:
            problems.add(row.line, labels.get("adjustments", "adjustments"), f"more than {MAX_ADJUSTMENTS} adjustments")
        key = (v.get("payer_name"), v.get("payer_id"), v.get("payment_date"), v.get("trace_number"))
        payments.setdefault(key, {}).setdefault((v.get("claim_id"), v["claim_status"]), []).append(row)

    out: dict[str, list] = {
        name: [] for name in ("payments", "claims", "lines", "adjustments", "remarks", "references")
    }
    claim_seq = line_seq = 0
    for payment_seq, claims_of in enumerate(payments.values(), 1):
        every = [row for group in claims_of.values() for row in group]
        _agree(sorted(every, key=lambda r: r.line), payment_columns, "payment", problems, labels)
        first_row = min(every, key=lambda r: r.line)
        paid_total = Decimal("0.00")
        for group in claims_of.values():
            claim_seq += 1
            _agree(group, claim_columns, "claim", problems, labels)
            first = group[0].values
            lineless = [r for r in group if not (r.values.get("procedure_code") or r.values.get("revenue_code"))]
            if lineless and (len(group) > 1):
                problems.add(
                    lineless[0].line,
                    labels.get("procedure_code", "procedure_code"),
                    "a row without procedure or revenue code stands for a claim answered without service "
                    f"lines, but claim {first.get('claim_id')} has {len(group) - 1} other row(s)",
                )
            responsibility = Decimal("0.00")
            for row in group:
                v = row.values
                claim_level = bool(lineless)
                owner = None
                if not claim_level:
                    line_seq += 1
                    owner = line_seq
                    code, revenue = v.get("procedure_code"), v.get("revenue_code")
                    modifiers = (v.get("modifiers") or ()) + (None,) * 4
                    line = dict.fromkeys(LINE_COLUMNS)
                    line.update(
                        line_seq=owner,
                        claim_seq=claim_seq,
                        segment_position=row.line,
                        # an 835 names a line by its revenue code (NU) when it has no procedure code
                        procedure_qualifier="HC" if code else "NU",
                        procedure_code=code or revenue,
                        modifier_1=modifiers[0],
                        modifier_2=modifiers[1],
                        modifier_3=modifiers[2],
                        modifier_4=modifiers[3],
                        charge_amount=v.get("charge_amount"),
                        paid_amount=v.get("paid_amount"),
                        revenue_code=revenue if code else None,
                        units_paid=v.get("units_paid"),
                        units_billed=v.get("units_billed"),
                        service_date=v.get("service_date"),
                        line_control_number=v.get("line_control_number"),
                    )
                    out["lines"].append(tuple(line.values()))
                    if v.get("line_control_number"):
                        out["references"].append((claim_seq, owner, row.line, "6R", v["line_control_number"]))
                for index, (group_code, reason, amount, quantity) in enumerate(v.get("adjustments", ()), 1):
                    out["adjustments"].append((claim_seq, owner, row.line, index, group_code, reason, amount, quantity))
                    if group_code == "PR":
                        responsibility += Decimal(amount)
                for code in v.get("remark_codes", ()):
                    out["remarks"].append((claim_seq, owner, row.line, "MOA" if claim_level else "LQ", "HE", code))
            dates = sorted(r.values["service_date"] for r in group if r.values.get("service_date"))
            paid = _total(r.values.get("paid_amount") for r in group)
            paid_total += Decimal(paid)
            site = first.get("site_of_care")
            claim = dict.fromkeys(CLAIM_COLUMNS)
            claim.update(
                claim_seq=claim_seq,
                payment_seq=payment_seq,
                segment_position=group[0].line,
                claim_id=first.get("claim_id"),
                status_code=first["claim_status"],
                charge_amount=_total(r.values.get("charge_amount") for r in group),
                paid_amount=paid,
                patient_responsibility=format(responsibility, "f"),
                filing_indicator=first.get("filing_indicator"),
                payer_claim_number=first.get("payer_claim_number"),
                facility_code=site[0] if site else None,
                frequency_code=first.get("frequency_code"),
                service_date_from=dates[0] if dates else None,
                service_date_to=dates[-1] if dates else None,
                received_date=first.get("received_date"),
            )
            out["claims"].append(tuple(claim.values()))
            if first.get("original_reference"):
                out["references"].append((claim_seq, None, group[0].line, "F8", first["original_reference"]))
        v = first_row.values
        payment = dict.fromkeys(PAYMENT_COLUMNS)
        payment.update(
            payment_seq=payment_seq,
            segment_position=first_row.line,
            payment_amount=format(paid_total, "f"),
            payment_method=v.get("payment_method"),
            payment_date=v.get("payment_date"),
            trace_number=v.get("trace_number"),
            payer_name=v.get("payer_name"),
            payer_id=v.get("payer_id"),
        )
        out["payments"].append(tuple(payment.values()))
    return out


def _numeric(code: str):
    return (0, int(code)) if code.isdigit() else (1, code)


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
    text = _decode(data, fmt)
    problems = _Problems()
    rows, labels = _read_rows(layout, text, fmt, problems)
    if layout == "claims":
        out = _build_claims(rows, problems, labels)
    else:
        out = _build_remittances(rows, problems, labels, statuses or _STATUSES, groups or _GROUPS)
    if problems.count:
        listed = problems.listed()
        shown = f" (the first {len(listed)} listed)" if problems.count > len(listed) else ""
        raise CsvRefused(f"{problems.count} problem(s) in the rows{shown}; nothing loaded", listed)
    return ParsedFile(KINDS[layout], out, transaction_sets=len(out.get("payments", ())), segments=len(rows))


# The shipped code lists, used when no database is at hand (read() alone).
_STATUSES = {"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"}
_GROUPS = {"CO", "PR", "OA", "PI", "CR"}


# ---------------------------------------------------------------------------------------------------
# Loading


def load(
    con: duckdb.DuckDBPyConnection,
    layout: str,
    items: list[tuple[Path, bytes | None]],
    mapping: Mapping | None = None,
    on_result=None,
) -> list[FileResult]:
    """Load CSV files of one layout (bytes given, e.g. uploads, or read from the path when None), each
    whole or not at all (ingest.store), then follow the denials across everything loaded once."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    results: list[FileResult] = []

    def report(result: FileResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    statuses = {r[0] for r in con.execute("SELECT status_code FROM ref_claim_statuses").fetchall()}
    groups = {r[0] for r in con.execute("SELECT group_code FROM ref_adjustment_groups").fetchall()}
    for path, data in items:
        path = Path(path)
        if data is None:
            if path.is_dir():
                report(FileResult(path, "failed", "a folder: name the CSV files in it"))
                continue
            try:
                data = path.read_bytes()
            except OSError as e:
                problem = "no such file" if isinstance(e, FileNotFoundError) else f"cannot be read ({e.strerror or e})"
                report(FileResult(path, "failed", problem))
                continue
        digest = hashlib.sha256(data).hexdigest()
        known = con.execute("SELECT file_name FROM source_files WHERE sha256 = ?", [digest]).fetchall()
        if known:
            report(FileResult(path, "already loaded", f"same content as {known[0][0]}; nothing changed"))
            continue
        try:
            parsed = read(layout, data, mapping, statuses, groups)
        except CsvRefused as e:
            report(FileResult(path, "failed", str(e), problems=e.problems))
            continue
        parsed.path, parsed.size, parsed.digest = path, len(data), digest
        report(store(con, parsed))
    derived.refresh(con)  # follow the denials across everything now loaded
    return results
