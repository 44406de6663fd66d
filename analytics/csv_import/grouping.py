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


def build_claims(rows: list[Row], problems: Problems, labels: dict) -> dict:
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


def build_remittances(rows: list[Row], problems: Problems, labels: dict, statuses: set, groups_known: set) -> dict:
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
