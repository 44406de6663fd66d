"""One value of a row, read and normalised to what the X12 readers emit (dates CCYYMMDD, amounts plain
decimal text); a value that cannot be read raises Bad with the problem in words."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from analytics.csv_import.layouts import DEFAULT_DATES, Column, Mapping


class Bad(ValueError):
    """A value that cannot be read; its text is the problem."""


def show(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:37] + "...")


def _date(raw: str, fmt: Mapping, constant: bool = False) -> str:
    patterns = fmt.dates + (DEFAULT_DATES if constant else ())
    for pattern in patterns:
        try:
            day = datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
        if not 1900 <= day.year <= 2100:
            raise Bad(f"{show(raw)}: year {day.year} is out of range")
        return day.strftime("%Y%m%d")
    raise Bad(f"{show(raw)} is not a date ({' or '.join(_readable(p) for p in fmt.dates)})")


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
        raise Bad(f"{show(raw)} is not a number ({separators})")
    try:
        value = Decimal(f"{whole or '0'}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - the patterns above admit only digits
        raise Bad(f"{show(raw)} is not a number") from None
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise Bad(f"{show(raw)} has more than {places} decimals")
    if value >= Decimal(10) ** 15:
        raise Bad(f"{show(raw)} is too large")
    return -value if negative else value


def read_amount(raw: str, fmt: Mapping, constant: bool = False) -> str:
    return format(_decimal(raw, fmt, 2).quantize(Decimal("0.01")), "f")


def read_units(raw: str, fmt: Mapping, constant: bool = False) -> str:
    value = _decimal(raw, fmt, 3)
    return format(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize(), "f")


def _code(pattern: str, what: str):
    def read(raw: str, fmt: Mapping, constant: bool = False) -> str:
        value = raw.upper()
        if not re.fullmatch(pattern, value):
            raise Bad(f"{show(raw)} is not {what}")
        return value

    return read


def _codes(pattern: str, what: str, most: int | None = None, strip: str = ""):
    def read(raw: str, fmt: Mapping, constant: bool = False) -> tuple:
        found = tuple(c.replace(strip, "") if strip else c for c in re.split(r"[\s,;:|]+", raw.upper()) if c)
        for code in found:
            if not re.fullmatch(pattern, code):
                raise Bad(f"{show(code)} is not {what}")
        if most is not None and len(found) > most:
            raise Bad(f"{show(raw)}: more than {most} modifiers")
        return found

    return read


def _site(raw: str, fmt: Mapping, constant: bool = False) -> tuple:
    """(facility code, frequency from a type of bill or None, whether it was a type of bill)."""
    if not raw.isdigit() or len(raw) > 4:
        raise Bad(f"{show(raw)} is not a place of service (2 digits) or a type of bill (3 digits)")
    if len(raw) <= 2:
        return raw.zfill(2), None, False
    if len(raw) == 4 and raw[0] != "0":
        raise Bad(f"{show(raw)} is not a type of bill (3 digits, or 4 with a leading 0)")
    bill = raw[-3:]
    return bill[:2], bill[2], True


def _revenue(raw: str, fmt: Mapping, constant: bool = False) -> str:
    if not raw.isdigit() or len(raw) > 4:
        raise Bad(f"{show(raw)} is not a revenue code (4 digits)")
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
        raise Bad(f"{show(raw)} is not an NDC (11 digits, or a hyphenated 10-digit form such as 1234-5678-90)")
    return digits


def _transaction_type(raw: str, fmt: Mapping, constant: bool = False) -> str:
    value = raw.lower()
    for kind in ("professional", "institutional"):
        if value in (kind, kind[0], "837" + kind[0]):
            return kind
    raise Bad(f"{show(raw)} is not professional or institutional (P / I)")


def _line_number(raw: str, fmt: Mapping, constant: bool = False) -> str:
    if not raw.isdigit() or int(raw) == 0:
        raise Bad(f"{show(raw)} is not a line number (1, 2, ...)")
    return str(int(raw))


def _status(raw: str, fmt: Mapping, constant: bool = False) -> str:
    return raw.lstrip("0") or raw  # checked against ref_claim_statuses with the rows


def _text(raw: str, fmt: Mapping, constant: bool = False) -> str:
    return raw


_NORMALISERS = {
    "text": _text,
    "date": _date,
    "amount": read_amount,
    "units": read_units,
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


def normalise(column: Column, raw: str, fmt: Mapping, constant: bool = False):
    if column.kind == "adjustments":
        return _adjustments(raw, fmt)
    return _NORMALISERS[column.kind](raw, fmt, constant)


ADJUSTMENT = re.compile(r"([A-Za-z]{2})-?([A-Za-z0-9]{1,3})")


def _adjustments(raw: str, fmt: Mapping) -> tuple:
    """'CO-45:20.00 PR-2:5.00' (group-reason:amount[:quantity], separated by spaces or ';')."""
    found = []
    for entry in (e for e in re.split(r"[\s;]+", raw) if e):
        code, _, rest = entry.partition(":")
        amount, _, quantity = rest.partition(":")
        match = ADJUSTMENT.fullmatch(code)
        if not match or not amount:
            raise Bad(f"{show(entry)} is not an adjustment (group-reason:amount, e.g. CO-45:20.00)")
        try:
            found.append(
                (
                    match[1].upper(),
                    match[2].upper(),
                    read_amount(amount, fmt),
                    read_units(quantity, fmt) if quantity else None,
                )
            )
        except Bad as e:
            raise Bad(f"adjustment {show(entry)}: {e}") from None
    return tuple(found)
