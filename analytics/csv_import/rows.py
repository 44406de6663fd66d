"""A CSV file's rows: decoded, each column found by its header (or the mapping's), each value read, and every
problem collected with its line number (the header is line 1) and column."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from analytics.csv_import.layouts import LAYOUT_COLUMNS, LAYOUTS, MAX_PROBLEMS, Column, Mapping
from analytics.csv_import.values import ADJUSTMENT, Bad, normalise, read_amount, read_units, show
from analytics.ingest.contract import ReadError


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


def decode(data: bytes, fmt: Mapping) -> str:
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
class Row:
    line: int
    values: dict


class Problems:
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


def read_rows(layout: str, text: str, fmt: Mapping, problems: Problems) -> tuple[list[Row], dict]:
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
                value = _read_value(source, translate(fmt, name, raw), fmt)
                if len(seen) < _SEEN_VALUES:
                    seen[raw] = value
            if value is None:
                continue
            if isinstance(value, Bad):
                problems.add(line, source.label, str(value))
            else:
                values[name] = value
        if triples:
            values["adjustments"] = _triples(line, fields, triples, fmt, problems)
        rows.append(Row(line, values))
    if not rows and not problems.count:
        raise CsvRefused(f"no data rows after the header (line {header_line}); nothing loaded")
    return rows, {name: source.label for name, source in sources.items()}


_UNSEEN = object()
_SEEN_VALUES = 50_000  # values remembered per column


def _read_value(source: _Source, raw: str, fmt: Mapping):
    """The value read, None for an empty optional value, or the problem (Bad)."""
    if not raw:
        return Bad("required value missing") if source.column.required else None
    try:
        return normalise(source.column, raw, fmt, constant=source.constant is not None)
    except Bad as e:
        return e


def translate(fmt: Mapping, column: str, raw: str) -> str:
    """The mapping's [values.column] translation of a value (exact, else ignoring case)."""
    table = fmt.values.get(column)
    if not table:
        return raw
    if raw in table:
        return table[raw]
    return next((ours for theirs, ours in table.items() if theirs.lower() == raw.lower()), raw)


def _triples(line: int, fields: list, triples: list, fmt: Mapping, problems: Problems) -> tuple:
    found = []
    for label, spots in triples:
        cell = {part: fields[p].strip() for part, p in spots.items()}
        cell = {part: translate(fmt, "adjustments", v) for part, v in cell.items()}
        if not any(cell.values()):
            continue
        code = f"{cell.get('group', '')}-{cell.get('reason', '')}" if "group" in cell else cell.get("reason", "")
        match = ADJUSTMENT.fullmatch(code)
        if not match or not cell.get("amount"):
            problems.add(
                line,
                label,
                f"{show(' '.join(v for v in cell.values() if v))} is not an adjustment (group, reason and amount)",
            )
            continue
        try:
            amount = read_amount(cell["amount"], fmt)
            quantity = read_units(cell["quantity"], fmt) if cell.get("quantity") else None
        except Bad as e:
            problems.add(line, label, str(e))
            continue
        found.append((match[1].upper(), match[2].upper(), amount, quantity))
    return tuple(found)
