"""Write X12 837 claims: 005010X222A1 (837P, professional) and 005010X223A2 (837I, institutional).

The counterpart of analytics.remittance_writer: the demo generator writes, for each day the practice
sends claims, one interchange holding the claims it sent that day (a submission batch), professional
and institutional claims in a functional group each. Amounts are integer cents; the claim total
(CLM02) is the sum of its lines. The tests validate the output with pyx12.

What each claim carries, with the 835 element it must agree with:
- CLM01 = CLP01 (patient control number), CLM02 = CLP03 of the first adjudication (total charge),
  CLM05 = facility code : B (professional, the place of service) or A (institutional, 2 digits of the
  type of bill) : frequency (1 original, 7 replacement), the facility code being CLP08 and the
  frequency CLP09;
- REF*F8 on a replacement = the payer's claim control number (CLP07) of the claim it replaces;
  REF*G1 = the prior authorisation number, when there is one;
- per line SV1 (837P) / SV2 (837I) with the procedure and modifiers the 835 echoes in SVC01, the
  charge (SVC02) and the billed units (SVC07 when the payer paid fewer, else SVC05); REF*6R = the line
  control number the 835 echoes; LIN*N4 + CTP for the NDC of a drug line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from analytics.remittance_writer import Payer, d8, money

_money = lru_cache(maxsize=16384)(money)  # charges repeat: unit price x units

PROFESSIONAL = "005010X222A1"
INSTITUTIONAL = "005010X223A2"


@dataclass(slots=True)
class BilledLine:
    code: str  # HCPCS / CPT
    modifiers: tuple
    charge: int  # cents
    units: int  # billed units
    service_date: date
    control: str  # REF*6R line item control number
    revenue_code: str | None = None  # SV201, institutional claims
    ndc: str | None = None  # 11 digits, LIN03 (N4)
    ndc_quantity: str | None = None  # CTP04, in units (UN)


@dataclass(slots=True)
class BilledClaim:
    claim_id: str  # CLM01
    payer: Payer
    filing_indicator: str  # SBR09
    patient: tuple  # (last, first, member id); the patient is the subscriber
    birth_date: date
    sex: str  # M, F or U
    institutional: bool
    facility_code: str  # place of service, or the first two digits of the type of bill
    frequency: str  # 1 original, 7 replacement
    service_from: date
    service_to: date
    diagnoses: tuple  # ICD-10-CM codes without the dot; the first is the principal one
    lines: list = field(default_factory=list)
    prior_authorization: str | None = None  # REF*G1
    original_reference: str | None = None  # REF*F8: the payer claim number this claim replaces
    related_cause: str | None = None  # CLM11-1 (837P only), e.g. EM (employment) for workers' comp

    @property
    def charge(self) -> int:
        return sum(line.charge for line in self.lines)


@dataclass(frozen=True)
class Provider:
    """The billing provider, who is also the submitter."""

    name: str
    npi: str
    tax_id: str
    address: str = "100 MAIN STREET"
    city: str = "SPRINGFIELD"
    state: str = "IL"
    zip_code: str = "627011234"
    phone: str = "2175550100"
    submitter_id: str = "DEMOCLINIC"
    attending: tuple = ("NGUYEN", "ANNA", "1245319599")  # institutional claims: last, first, NPI


def write_837(
    claims: list[BilledClaim],
    sent: date,
    control: int,
    provider: Provider,
    receiver: tuple = ("DEMO CLEARINGHOUSE", "DEMOCH"),
) -> str:
    """One interchange holding the claims sent on `sent`: a functional group (GS..GE, one transaction
    set) for the professional claims and one for the institutional ones, whichever there are.
    `control` numbers the interchange; its groups are control * 10 + 1 and + 2."""
    if not claims:
        raise ValueError("a submission batch holds at least one claim")
    receiver_name, receiver_id = receiver
    segments, count = [], 0
    for n, (institutional, version) in enumerate(((False, PROFESSIONAL), (True, INSTITUTIONAL)), 1):
        mine = [c for c in claims if c.institutional == institutional]
        if not mine:
            continue
        count += 1
        group_control = control * 10 + n
        segments.append(f"GS*HC*{provider.submitter_id}*{receiver_id}*{d8(sent)}*0900*{group_control}*X*{version}")
        segments += _transaction(mine, sent, f"{group_control}", version, provider, receiver_name, receiver_id)
        segments.append(f"GE*1*{group_control}")
    isa = (
        f"ISA*00*          *00*          *ZZ*{provider.submitter_id:<15}*ZZ*{receiver_id:<15}*"
        f"{sent:%y%m%d}*0900*^*00501*{control:09d}*0*P*:"
    )
    return "~\n".join([isa, *segments, f"IEA*{count}*{control:09d}"]) + "~\n"


def _transaction(
    claims: list[BilledClaim],
    sent: date,
    reference: str,
    version: str,
    provider: Provider,
    receiver_name: str,
    receiver_id: str,
) -> list[str]:
    institutional = version == INSTITUTIONAL
    out = [
        f"ST*837*0001*{version}",
        f"BHT*0019*00*{reference}*{d8(sent)}*0900*CH",
        f"NM1*41*2*{provider.name}*****46*{provider.submitter_id}",
        f"PER*IC*BILLING OFFICE*TE*{provider.phone}",
        f"NM1*40*2*{receiver_name}*****46*{receiver_id}",
        "HL*1**20*1",
        f"NM1*85*2*{provider.name}*****XX*{provider.npi}",
        f"N3*{provider.address}",
        f"N4*{provider.city}*{provider.state}*{provider.zip_code}",
        f"REF*EI*{provider.tax_id}",
    ]
    for n, claim in enumerate(claims, 2):
        out += _claim(claim, n, institutional, provider)
    out.append(f"SE*{len(out) + 1}*0001")
    return out


def _claim(claim: BilledClaim, hl: int, institutional: bool, provider: Provider) -> list[str]:
    last, first, member = claim.patient
    street, city, state, zip_code = _address(member)
    out = [
        f"HL*{hl}*1*22*0",
        f"SBR*P*18*******{claim.filing_indicator}",
        f"NM1*IL*1*{last}*{first}****MI*{member}",
        f"N3*{street}",
        f"N4*{city}*{state}*{zip_code}",
        f"DMG*D8*{d8(claim.birth_date)}*{claim.sex}",
        f"NM1*PR*2*{claim.payer.name}*****PI*{claim.payer.payer_id}",
    ]
    kind = "A" if institutional else "B"
    facility = f"{claim.facility_code}:{kind}:{claim.frequency}"
    if institutional:
        out.append(f"CLM*{claim.claim_id}*{money(claim.charge)}***{facility}**A*Y*Y")
        out.append(f"DTP*434*RD8*{d8(claim.service_from)}-{d8(claim.service_to)}")
        out.append("CL1***01")  # patient status: discharged to home (an outpatient visit)
    else:
        # CLM06-09: signature on file, assignment accepted, benefits assigned, release signed; CLM11
        out.append(
            f"CLM*{claim.claim_id}*{money(claim.charge)}***{facility}*Y*A*Y*Y"
            + (f"**{claim.related_cause}" if claim.related_cause else "")
        )
    if claim.original_reference:
        out.append(f"REF*F8*{claim.original_reference}")
    if claim.prior_authorization:
        out.append(f"REF*G1*{claim.prior_authorization}")
    principal, *secondary = claim.diagnoses
    others = "".join(f"*ABF:{code}" for code in secondary[:11])
    if institutional:  # the principal diagnosis, the others, the patient's reason for the visit
        out += [f"HI*ABK:{principal}", *([f"HI{others}"] if others else []), f"HI*APR:{principal}"]
    else:
        out.append(f"HI*ABK:{principal}{others}")
    if institutional:
        attending_last, attending_first, attending_npi = provider.attending
        out.append(f"NM1*71*1*{attending_last}*{attending_first}****XX*{attending_npi}")
    for n, line in enumerate(claim.lines, 1):
        composite = ":".join(["HC", line.code, *line.modifiers[:4]])
        out.append(f"LX*{n}")
        if institutional:
            out.append(f"SV2*{line.revenue_code}*{composite}*{_money(line.charge)}*UN*{line.units}")
        else:
            # SV105 (place of service) only when it differs from CLM05-1, as the guide asks: never here
            out.append(f"SV1*{composite}*{_money(line.charge)}*UN*{line.units}***1")
        out.append(f"DTP*472*D8*{d8(line.service_date)}")
        out.append(f"REF*6R*{line.control}")
        if line.ndc:
            out.append(f"LIN**N4*{line.ndc}")
            out.append(f"CTP****{line.ndc_quantity}*UN")
    return out


_STREETS = ("OAK STREET", "MAPLE AVENUE", "CEDAR LANE", "ELM STREET", "PARK ROAD", "LAKE DRIVE", "HILL STREET")
_TOWNS = (
    ("SPRINGFIELD", "IL", "62704"),
    ("DECATUR", "IL", "62521"),
    ("CHAMPAIGN", "IL", "61820"),
    ("PEORIA", "IL", "61604"),
    ("BLOOMINGTON", "IL", "61701"),
)


def _address(member: str) -> tuple:
    """An invented address that stays the same for a member id."""
    number = int(member[1:]) if member[1:].isdigit() else sum(map(ord, member))
    town = _TOWNS[number % len(_TOWNS)]
    return (f"{100 + number % 9800} {_STREETS[number % len(_STREETS)]}", *town)
