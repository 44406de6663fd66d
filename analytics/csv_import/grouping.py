"""Checked rows to the reader contract's rows: claims and lines for the claims layout; payments, claims,
lines, adjustments and remarks for the remittances layout, with the checks that span rows (a claim's rows
agree, a claim balances)."""

from __future__ import annotations

from decimal import Decimal

from analytics.csv_import.layouts import CLAIM_LAYOUT, MAX_ADJUSTMENTS, REMITTANCE_LAYOUT
from analytics.csv_import.rows import Problems, Row
from analytics.ingest.contract import (
    BILLED_CLAIM_COLUMNS,
    BILLED_LINE_COLUMNS,
    CLAIM_COLUMNS,
    LINE_COLUMNS,
    PAYMENT_COLUMNS,
)

# the columns the rows of one claim or payment must agree on
_BILLED_CLAIM_LEVEL = [c.name for c in CLAIM_LAYOUT if c.level == "claim"]
_CLAIM_LEVEL = [c.name for c in REMITTANCE_LAYOUT if c.level == "claim"]
_PAYMENT_LEVEL = [c.name for c in REMITTANCE_LAYOUT if c.level == "payment"]


def _agree(rows: list[Row], columns: list, what: str, problems: Problems, labels: dict) -> None:
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


def _site_frequency(row: Row, problems: Problems, labels: dict) -> None:
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


def _row(columns: tuple, **values) -> tuple:
    """A row of the reader contract: its columns in their order, those not given empty."""
    row = dict.fromkeys(columns)
    row.update(values)
    return tuple(row.values())


def _modifiers(v: dict) -> dict:
    """modifier_1 to modifier_4 from a row's modifiers, empty past the last."""
    given = (v.get("modifiers") or ()) + (None,) * 4
    return {f"modifier_{n}": given[n - 1] for n in range(1, 5)}


def build_claims(rows: list[Row], problems: Problems, labels: dict) -> dict:
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
        out_claims.append(_billed_claim(group, seq, problems, labels))
        for number, row in _line_numbers(group, problems, labels):
            line_seq += 1
            out_lines.append(_billed_line(row, number, seq, line_seq))
    return {"billed_claims": out_claims, "billed_lines": out_lines}


def _billed_claim(group: list[Row], seq: int, problems: Problems, labels: dict) -> tuple:
    """The billed claim of a group of rows, checked: its rows agree, its charge is its lines', a type of bill
    only on an institutional claim (a claim is institutional when it has a type of bill or a revenue code)."""
    _agree(group, _BILLED_CLAIM_LEVEL, "claim", problems, labels)
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
    return _row(
        BILLED_CLAIM_COLUMNS,
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


def _line_numbers(group: list[Row], problems: Problems, labels: dict):
    """(line number, row) of a claim's rows: the row's line_number, else its place; a number used twice is told."""
    numbers: dict = {}
    for n, row in enumerate(group, 1):
        number = row.values.get("line_number") or str(n)
        if number in numbers:
            problems.add(
                row.line,
                labels.get("line_number", "line_number"),
                f"line number {number} is already used on line {numbers[number]} of the same claim",
            )
        numbers[number] = row.line
        yield number, row


def _billed_line(row: Row, number: str, seq: int, line_seq: int) -> tuple:
    v = row.values
    code = v.get("procedure_code")
    return _row(
        BILLED_LINE_COLUMNS,
        bill_line_seq=line_seq,
        submission_seq=seq,
        segment_position=row.line,
        line_number=number,
        procedure_qualifier="HC" if code else None,
        procedure_code=code,
        **_modifiers(v),
        revenue_code=v.get("revenue_code"),
        charge_amount=v.get("charge_amount"),
        unit_basis="UN",
        units_billed=v.get("units_billed") or "1",
        service_date_from=v.get("service_date"),
        service_date_to=v.get("service_date"),
        line_control_number=v.get("line_control_number"),
        ndc=v.get("ndc"),
    )


def build_remittances(rows: list[Row], problems: Problems, labels: dict, statuses: set, groups_known: set) -> dict:
    payments: dict = {}
    for row in rows:
        _check_remittance_row(row, problems, labels, statuses, groups_known)
        v = row.values
        key = (v.get("payer_name"), v.get("payer_id"), v.get("payment_date"), v.get("trace_number"))
        payments.setdefault(key, {}).setdefault((v.get("claim_id"), v["claim_status"]), []).append(row)

    out: dict[str, list] = {
        name: [] for name in ("payments", "claims", "lines", "adjustments", "remarks", "references")
    }
    claim_seq = line_seq = 0
    for payment_seq, claims_of in enumerate(payments.values(), 1):
        every = sorted((row for group in claims_of.values() for row in group), key=lambda r: r.line)
        _agree(every, _PAYMENT_LEVEL, "payment", problems, labels)
        paid_total = Decimal("0.00")
        for group in claims_of.values():
            claim_seq += 1
            _agree(group, _CLAIM_LEVEL, "claim", problems, labels)
            claim_level = _answered_without_lines(group, problems, labels)
            for row in group:
                owner = None
                if not claim_level:
                    line_seq += 1
                    owner = line_seq
                    out["lines"].append(_remittance_line(row, claim_seq, owner))
                    if row.values.get("line_control_number"):
                        out["references"].append((claim_seq, owner, row.line, "6R", row.values["line_control_number"]))
                for index, (group_code, reason, amount, quantity) in enumerate(row.values.get("adjustments", ()), 1):
                    out["adjustments"].append((claim_seq, owner, row.line, index, group_code, reason, amount, quantity))
                for code in row.values.get("remark_codes", ()):
                    out["remarks"].append((claim_seq, owner, row.line, "MOA" if claim_level else "LQ", "HE", code))
            paid = _total(r.values.get("paid_amount") for r in group)
            paid_total += Decimal(paid)
            out["claims"].append(_remittance_claim(group, claim_seq, payment_seq, paid))
            if group[0].values.get("original_reference"):
                out["references"].append((claim_seq, None, group[0].line, "F8", group[0].values["original_reference"]))
        out["payments"].append(_payment(every[0], payment_seq, paid_total))
    return out


def _check_remittance_row(row: Row, problems: Problems, labels: dict, statuses: set, groups_known: set) -> None:
    """A remittance row's claim status (1, processed as primary, when none is given) and adjustment groups."""
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


def _answered_without_lines(group: list[Row], problems: Problems, labels: dict) -> bool:
    """A row without procedure or revenue code stands for a claim answered without service lines (its
    adjustments and remarks are the claim's): alone in its claim, else told."""
    lineless = [r for r in group if not (r.values.get("procedure_code") or r.values.get("revenue_code"))]
    if lineless and (len(group) > 1):
        problems.add(
            lineless[0].line,
            labels.get("procedure_code", "procedure_code"),
            "a row without procedure or revenue code stands for a claim answered without service "
            f"lines, but claim {group[0].values.get('claim_id')} has {len(group) - 1} other row(s)",
        )
    return bool(lineless)


def _remittance_line(row: Row, claim_seq: int, line_seq: int) -> tuple:
    v = row.values
    code, revenue = v.get("procedure_code"), v.get("revenue_code")
    return _row(
        LINE_COLUMNS,
        line_seq=line_seq,
        claim_seq=claim_seq,
        segment_position=row.line,
        # an 835 names a line by its revenue code (NU) when it has no procedure code
        procedure_qualifier="HC" if code else "NU",
        procedure_code=code or revenue,
        **_modifiers(v),
        charge_amount=v.get("charge_amount"),
        paid_amount=v.get("paid_amount"),
        revenue_code=revenue if code else None,
        units_paid=v.get("units_paid"),
        units_billed=v.get("units_billed"),
        service_date=v.get("service_date"),
        line_control_number=v.get("line_control_number"),
    )


def _remittance_claim(group: list[Row], claim_seq: int, payment_seq: int, paid: str) -> tuple:
    """The claim a group of rows answers; the patient owes its PR adjustments."""
    first = group[0].values
    dates = sorted(r.values["service_date"] for r in group if r.values.get("service_date"))
    site = first.get("site_of_care")
    return _row(
        CLAIM_COLUMNS,
        claim_seq=claim_seq,
        payment_seq=payment_seq,
        segment_position=group[0].line,
        claim_id=first.get("claim_id"),
        status_code=first["claim_status"],
        charge_amount=_total(r.values.get("charge_amount") for r in group),
        paid_amount=paid,
        patient_responsibility=_total(
            amount for r in group for group_code, _, amount, _ in r.values.get("adjustments", ()) if group_code == "PR"
        ),
        filing_indicator=first.get("filing_indicator"),
        payer_claim_number=first.get("payer_claim_number"),
        facility_code=site[0] if site else None,
        frequency_code=first.get("frequency_code"),
        service_date_from=dates[0] if dates else None,
        service_date_to=dates[-1] if dates else None,
        received_date=first.get("received_date"),
    )


def _payment(first: Row, payment_seq: int, paid_total: Decimal) -> tuple:
    """The payment of a group of claims, from its first row: what it paid is what its claims paid."""
    v = first.values
    return _row(
        PAYMENT_COLUMNS,
        payment_seq=payment_seq,
        segment_position=first.line,
        payment_amount=format(paid_total, "f"),
        payment_method=v.get("payment_method"),
        payment_date=v.get("payment_date"),
        trace_number=v.get("trace_number"),
        payer_name=v.get("payer_name"),
        payer_id=v.get("payer_id"),
    )


def _numeric(code: str):
    return (0, int(code)) if code.isdigit() else (1, code)
