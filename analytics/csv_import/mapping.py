"""Mapping files (TOML): read and checked into a Mapping before any file is read (docs/csv.md)."""

from __future__ import annotations

import codecs
import tomllib
from datetime import date, datetime
from pathlib import Path

from analytics.csv_import.layouts import LAYOUT_COLUMNS, LAYOUTS, MULTI_COLUMNS, Mapping, MappingError
from analytics.csv_import.rows import translate
from analytics.csv_import.values import Bad, normalise

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

    unknown = set(spec) - _MAPPING_KEYS
    if unknown:
        fail(f"unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(_MAPPING_KEYS))})")
    if "layout" in spec and spec["layout"] != layout:
        fail(f"it is for the {spec['layout']!r} layout, not {layout!r}")
    mapping = Mapping(layout, name=label)
    # one reader per table of the file; a constant is checked against the columns mapped before it, and read
    # through the values once they are known
    _read_format(_table(spec, "format", fail), mapping, fail)
    _read_columns(_table(spec, "columns", fail), mapping, fail)
    _read_constants(_table(spec, "constants", fail), mapping, fail)
    _read_values(_table(spec, "values", fail), mapping, fail)
    _read_adjustments(spec.get("adjustments", []), mapping, fail)
    _check_constants(mapping, fail)
    return mapping


def _ours(mapping: Mapping) -> dict:
    """The layout's columns by name."""
    return {c.name: c for c in LAYOUT_COLUMNS[mapping.layout]}


def _not_a_column(mapping: Mapping, table: str, column: str, which: str = "") -> str:
    """The problem of a name in [table] that is not a column of the layout (`which`: not one that can be
    there), with the columns there are."""
    return f"[{table}] {column!r} is not a column of the {mapping.layout} layout{which} ({', '.join(_ours(mapping))})"


def _read_format(fmt: dict, mapping: Mapping, fail) -> None:
    """[format]: dates, decimal and thousands marks, delimiter, encoding."""
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


def _read_columns(columns: dict, mapping: Mapping, fail) -> None:
    """[columns]: our column = the export's header (a list of headers for a column that takes several)."""
    ours = _ours(mapping)
    for column, header in columns.items():
        if column not in ours:
            fail(_not_a_column(mapping, "columns", column))
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


def _read_constants(constants: dict, mapping: Mapping, fail) -> None:
    """[constants]: one value for every row, for a column the export lacks."""
    ours = _ours(mapping)
    for column, value in constants.items():
        if column not in ours or ours[column].kind == "adjustments":
            fail(_not_a_column(mapping, "constants", column, " that takes a constant"))
        if column in mapping.columns:
            fail(f"{column} is both mapped to a column and given a constant: keep one")
        if isinstance(value, bool) or not isinstance(value, (str, int, date)):
            fail(f'[constants] {column} must be text, a whole number or a date (write decimals as text: "12.50")')
        mapping.constants[column] = value.strftime("%Y-%m-%d") if isinstance(value, date) else str(value)


def _read_values(values: dict, mapping: Mapping, fail) -> None:
    """[values.COLUMN]: the export's value = ours."""
    ours = _ours(mapping)
    for column, table in values.items():
        if column not in ours:
            fail(_not_a_column(mapping, "values", column))
        if not isinstance(table, dict) or not all(isinstance(v, (str, int)) for v in table.values()):
            fail(f'[values.{column}] must be a table of "value in the export" = "our value"')
        mapping.values[column] = {str(k).strip(): str(v).strip() for k, v in table.items()}


def _read_adjustments(triples, mapping: Mapping, fail) -> None:
    """[[adjustments]]: the headers of each group, reason, amount (and quantity) of a remittance line."""
    if not triples:
        return
    if mapping.layout != "remittances":
        fail("[[adjustments]] is for the remittances layout")
    if "adjustments" in mapping.columns:
        fail("adjustments are mapped both to one column ([columns]) and to column triples ([[adjustments]]): keep one")
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


def _check_constants(mapping: Mapping, fail) -> None:
    """Constants are read like the export's values, through [values]: a bad one is the mapping's fault."""
    ours = _ours(mapping)
    for column, value in mapping.constants.items():
        try:
            normalise(ours[column], translate(mapping, column, value), mapping, constant=True)
        except Bad as e:
            fail(f"[constants] {column}: {e}")


def _table(spec: dict, key: str, fail) -> dict:
    value = spec.get(key, {})
    if not isinstance(value, dict):
        fail(f"[{key}] must be a table")
    return value
