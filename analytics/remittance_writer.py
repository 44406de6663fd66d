"""Write X12 835 (005010X221A1) remittance advice from claims adjudicated in Python.

Amounts are integer cents. The writer derives every total from the lines, so what it writes balances
exactly at line (SVC02 - CAS = SVC03), claim (CLP03 - CAS = CLP04) and payment level
(sum CLP04 - sum PLB = BPR02). The demo generator is its only caller; the tests validate its output
with pyx12 and load it back through the normal loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache


@dataclass(slots=True)
class Adjustment:
    group: str  # CO, PR, OA, PI
    reason: str  # CARC
    cents: int
    quantity: int | None = None


@dataclass(slots=True)
class Line:
    code: str
    modifiers: tuple
    charge: int
    units_paid: int
    service_date: date
    control: str  # REF*6R
    adjustments: list = field(default_factory=list)
    remarks: list = field(default_factory=list)  # RARCs (LQ*HE)
    units_billed: int | None = None  # SVC07, written only when it differs from the units paid
    revenue_code: str | None = None
    qualifier: str = "HC"

    @property
    def paid(self) -> int:
        paid = self.charge
        for a in self.adjustments:
            paid -= a.cents
        return paid


@dataclass(slots=True)
class Claim:
    claim_id: str  # CLP01, the provider's patient control number
    status: str  # CLP02
    filing_indicator: str  # CLP06
    payer_claim_number: str  # CLP07
    facility_code: str  # CLP08
    frequency: str  # CLP09
    patient: tuple  # (last, first, member id)
    service_from: date
    service_to: date
    received: date
    lines: list = field(default_factory=list)
    adjustments: list = field(default_factory=list)  # claim level
    remarks: list = field(default_factory=list)  # MOA remark codes
    charge_without_lines: int = 0  # CLP03 of a claim adjudicated at claim level only
    original_reference: str | None = None  # REF*F8: the payer claim number a corrected claim replaces

    @property
    def charge(self) -> int:
        if not self.lines:
            return self.charge_without_lines
        charge = 0
        for line in self.lines:
            charge += line.charge
        return charge

    @property
    def paid(self) -> int:
        if not self.lines:
            paid = self.charge_without_lines
        else:
            paid = 0
            for line in self.lines:
                paid += line.charge
                for a in line.adjustments:
                    paid -= a.cents
        for a in self.adjustments:
            paid -= a.cents
        return paid

    @property
    def patient_responsibility(self) -> int:
        every = [*self.adjustments, *(a for line in self.lines for a in line.adjustments)]
        return sum(a.cents for a in every if a.group == "PR")

    def reversed(self) -> Claim:
        """The CLP02 = 22 reversal of this adjudication: the same claim with every amount negated."""

        def negate(adjustments):
            return [Adjustment(a.group, a.reason, -a.cents, a.quantity) for a in adjustments]

        lines = [
            Line(
                ln.code,
                ln.modifiers,
                -ln.charge,
                ln.units_paid,
                ln.service_date,
                ln.control,
                negate(ln.adjustments),
                [],
                ln.units_billed,
                ln.revenue_code,
                ln.qualifier,
            )
            for ln in self.lines
        ]
        return Claim(
            self.claim_id,
            "22",
            self.filing_indicator,
            self.payer_claim_number,
            self.facility_code,
            self.frequency,
            self.patient,
            self.service_from,
            self.service_to,
            self.received,
            lines,
            negate(self.adjustments),
            [],
            -self.charge_without_lines,
        )


@dataclass
class Payer:
    name: str
    payer_id: str
    city: str
    state: str
    zip_code: str


@dataclass
class Payment:
    """One 835 transaction set: one payer's payment run to the payee."""

    payer: Payer
    payee_name: str
    payee_npi: str
    payee_tax_id: str
    trace_number: str
    payment_date: date
    claims: list = field(default_factory=list)
    provider_adjustments: list = field(default_factory=list)  # (reason, reference, cents); + reduces payment
    fiscal_period_end: date | None = None

    @property
    def amount(self) -> int:
        return sum(c.paid for c in self.claims) - sum(cents for _, _, cents in self.provider_adjustments)


def money(cents: int) -> str:
    """Cents as an X12 decimal: 12345 -> '123.45', -5 -> '-0.05', 1200 -> '12', 1250 -> '12.5'."""
    if cents < 0:
        return "-" + money(-cents)
    whole, part = divmod(cents, 100)
    return f"{whole}{_CENTS[part]}"


# the decimals of 0 to 99 cents, trailing zeros dropped: '', '.01', ..., '.1', ..., '.99'
_CENTS = tuple("" if not n else f".{n:02d}".rstrip("0") for n in range(100))


@lru_cache(maxsize=4096)
def d8(day: date) -> str:
    return day.strftime("%Y%m%d")


def write_835(payment: Payment, control: int, sender: str = "DEMOPAYER", receiver: str = "DEMOCLINIC") -> str:
    """One interchange holding one 835 transaction set for `payment`; `control` numbers the envelopes."""
    # the claims first: their segments and what they pay, each summed once (BPR02 needs the total)
    body: list[str] = []
    paid = 0
    for n, claim in enumerate(payment.claims, 1):
        body.append(f"LX*{n}")
        paid += _claim_segments(claim, body)
    amount = paid - sum(cents for _, _, cents in payment.provider_adjustments)
    if amount < 0:
        raise ValueError("a payment cannot be negative: carry the balance forward instead")
    day = payment.payment_date
    ymd = d8(day)
    segments = [
        "ST*835*0001",
        # BPR: ACH credit in CCP format; a zero payment is a notice (H) with method NON
        (
            f"BPR*I*{money(amount)}*C*ACH*CCP*01*011000015*DA*0001234567*1512345678**01*021000021*DA*0009876543*{ymd}"
            if amount
            else f"BPR*H*0*C*NON************{ymd}"
        ),
        f"TRN*1*{payment.trace_number}*1512345678",
        f"DTM*405*{ymd}",
        f"N1*PR*{payment.payer.name}*XV*{payment.payer.payer_id}",
        "N3*PO BOX 1000",
        f"N4*{payment.payer.city}*{payment.payer.state}*{payment.payer.zip_code}",
        f"REF*2U*{payment.payer.payer_id}",
        "PER*BL*EDI SUPPORT*TE*8005551234",
        f"N1*PE*{payment.payee_name}*XX*{payment.payee_npi}",
        "N3*100 MAIN STREET",
        "N4*SPRINGFIELD*IL*62701",
        f"REF*TJ*{payment.payee_tax_id}",
    ]
    segments += body
    if payment.provider_adjustments:
        fiscal = d8(payment.fiscal_period_end or date(day.year, 12, 31))
        for start in range(0, len(payment.provider_adjustments), 6):
            pairs = payment.provider_adjustments[start : start + 6]
            segments.append(
                f"PLB*{payment.payee_npi}*{fiscal}*"
                + "*".join(f"{reason}:{reference}*{money(cents)}" for reason, reference, cents in pairs)
            )
    segments.append(f"SE*{len(segments) + 1}*0001")
    isa = (
        f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*{receiver:<15}*{day:%y%m%d}*1200*^*00501*"
        f"{control:09d}*0*P*:"
    )
    envelope = [
        isa,
        f"GS*HP*{sender}*{receiver}*{ymd}*1200*{control}*X*005010X221A1",
        *segments,
        f"GE*1*{control}",
        f"IEA*1*{control:09d}",
    ]
    return "~\n".join(envelope) + "~\n"


def _claim_segments(claim: Claim, out: list[str]) -> int:
    """Append the claim's segments (CLP to its last line's remarks) to `out`; return what it pays (CLP04).
    Its charge, payment and patient share are summed in the one pass that writes its lines."""
    lines: list[str] = []
    charge = adjusted = patient = 0
    for line in claim.lines:
        line_charge = line.charge
        charge += line_charge
        line_adjusted = not_patient = 0
        for a in line.adjustments:
            line_adjusted += a.cents
            if a.group != "PR":
                not_patient += a.cents
        adjusted += line_adjusted
        patient += line_adjusted - not_patient
        composite = f"{line.qualifier}:{line.code}"
        if line.modifiers:
            composite += ":" + ":".join(line.modifiers)
        units_billed = line.units_billed
        svc = (
            f"SVC*{composite}*{money(line_charge)}*{money(line_charge - line_adjusted)}*{line.revenue_code or ''}"
            f"*{line.units_paid}"
        )
        if units_billed is not None and units_billed != line.units_paid:
            svc += f"**{units_billed}"
        lines.append(svc)
        lines.append(f"DTM*472*{d8(line.service_date)}")
        if line.adjustments:
            lines += _cas(line.adjustments)
        lines.append(f"REF*6R*{line.control}")
        allowed = line_charge - not_patient
        if line_charge and allowed:
            lines.append(f"AMT*B6*{money(allowed)}")
        for code in line.remarks:
            lines.append(f"LQ*HE*{code}")
    if not claim.lines:
        charge = claim.charge_without_lines
    for a in claim.adjustments:
        adjusted += a.cents
        if a.group == "PR":
            patient += a.cents
    paid = charge - adjusted
    out.append(
        f"CLP*{claim.claim_id}*{claim.status}*{money(charge)}*{money(paid)}*{money(patient)}*"
        f"{claim.filing_indicator}*{claim.payer_claim_number}*{claim.facility_code}*{claim.frequency}"
    )
    if claim.adjustments:
        out += _cas(claim.adjustments)
    last, first, member = claim.patient
    out.append(f"NM1*QC*1*{last}*{first}****MI*{member}")
    if claim.remarks:
        out.append("MOA***" + "*".join(claim.remarks[:5]))
    if claim.original_reference:
        out.append(f"REF*F8*{claim.original_reference}")
    out.append(f"DTM*232*{d8(claim.service_from)}")
    out.append(f"DTM*233*{d8(claim.service_to)}")
    out.append(f"DTM*050*{d8(claim.received)}")
    out += lines
    return paid


def _cas(adjustments: list[Adjustment]) -> list[str]:
    """CAS segments: one per group code, up to six (reason, amount, quantity) triples each."""
    if len(adjustments) == 1:
        a = adjustments[0]
        return [f"CAS*{a.group}*{a.reason}*{money(a.cents)}" + (f"*{a.quantity}" if a.quantity is not None else "")]
    groups: dict[str, list[str]] = {}
    for a in adjustments:
        triple = f"{a.reason}*{money(a.cents)}*{a.quantity if a.quantity is not None else ''}"
        if a.group in groups:
            groups[a.group].append(triple)
        else:
            groups[a.group] = [triple]
    out = []
    for group, triples in groups.items():
        for start in range(0, len(triples), 6):
            out.append(f"CAS*{group}*" + "*".join(triples[start : start + 6]).rstrip("*"))
    return out
