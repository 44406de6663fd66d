"""Read X12 837 claims (professional 837P, institutional 837I, dental 837D; 5010 and 4010) into rows for DuckDB.

What the provider billed: one row per claim (CLM) and one per service line (SV1 on a professional claim,
SV2 on an institutional one, SV3 on a dental one). An 837 nests its claims in a hierarchy of HL loops: the billing provider
(HL level 20), under it each subscriber, the insured person, with the payer billed (level 22), and under
a subscriber a patient who is not the subscriber, e.g. a child on a parent's plan (level 23). Each claim
takes its billing provider, subscriber, payer and patient from the loops it sits in.

After the claim's own segments come loops about other people and other payers: the claim's providers
(referring, rendering, facility: loop 2310), then other payers the claim was also sent to (SBR of loop
2320 and its NM1/REF/DTP, loop 2330). Their REF*G1 or REF*F8 belong to the other payer, not to this claim,
so only the claim's own segments before them are read. Lines work the same way: a line's own REF/DTP
come before its drug (LIN), provider (NM1) and other-payer adjudication (SVD) loops.

One pass, as the 835 reader does (`remittance`): amounts and dates stay the text sent and are cast when
stored; odd content becomes a diagnostic, never an exception. Only an 837 transaction set that is never
closed (a cut-off file) is refused with `TruncatedError`. Envelopes (ISA/GS counts and control numbers)
are checked by the 835 reader, which the loader runs on every file; this reader only reads them for
the version in GS08.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from analytics.remittance import TruncatedError, count_of
from analytics.x12 import Chunk, NotX12Error, chunks, decode

# Column layouts. The loader and the SQL name these columns, so names and order matter.
CLAIM_COLUMNS = (
    "submission_seq", "segment_position", "transaction_type", "gs_version", "st_control",
    "submitted_date", "billing_provider_name", "billing_provider_npi", "payer_name", "payer_id",
    "filing_indicator", "subscriber_last_name", "subscriber_first_name", "subscriber_member_id",
    "patient_last_name", "patient_first_name", "patient_birth_date", "claim_id", "charge_amount",
    "facility_code", "facility_qualifier", "frequency_code", "prior_authorization", "referral_number",
    "original_reference", "service_date_from", "service_date_to", "admission_date", "diagnosis_codes",
    "rendering_provider_npi",
)
LINE_COLUMNS = (
    "bill_line_seq", "submission_seq", "segment_position", "line_number", "procedure_qualifier",
    "procedure_code", "modifier_1", "modifier_2", "modifier_3", "modifier_4", "procedure_description",
    "revenue_code", "charge_amount", "unit_basis", "units_billed", "place_of_service",
    "service_date_from", "service_date_to", "line_control_number", "prior_authorization", "ndc",
    "ndc_quantity", "ndc_unit",
)
_C = {name: i for i, name in enumerate(CLAIM_COLUMNS)}
_L = {name: i for i, name in enumerate(LINE_COLUMNS)}

# Implementation guides named in GS08 / ST03 (5010 and 4010).
_PROFESSIONAL = ("X222", "X098")
_INSTITUTIONAL = ("X223", "X096")
_DENTAL = ("X224", "X097")
# HI qualifiers that carry something other than a diagnosis on institutional claims: value, occurrence,
# occurrence span and condition codes, procedures (ICD and HCPCS), the DRG, treatment codes.
_NOT_DIAGNOSES = {"BE", "BG", "BH", "BI", "BO", "BP", "BQ", "BR", "BBQ", "BBR", "CAH", "DR", "TC"}
_PRINCIPAL = {"ABK", "BK"}  # principal diagnosis, ICD-10 / ICD-9
_ENVELOPE = ("ST", "GE", "IEA", "ISA", "GS")
_PADS = [[None] * (12 - n) for n in range(12)]


@dataclass
class ClaimFile:
    """Everything read from the 837 transaction sets of one file: rows per table, counts, diagnostics."""

    claims: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    diagnostics: list = field(default_factory=list)
    interchanges: int = 0
    transaction_sets: int = 0  # 837 sets read
    skipped_sets: dict = field(default_factory=dict)  # other transaction set id -> count
    segments: int = 0

    def diagnose(self, position: int, severity: str, segment_id: str, message: str) -> None:
        self.diagnostics.append((position, severity, segment_id, message))


class _OpenClaim:
    """A claim being read: its row, and what is only settled when the claim ends."""

    __slots__ = ("row", "principal", "diagnoses", "statement", "service", "has_sv2")

    def __init__(self, row: list):
        self.row = row
        self.principal: list = []
        self.diagnoses: list = []
        self.statement = self.service = None  # DTP*434 / DTP*472 (from, to)
        self.has_sv2 = False


@dataclass
class ReadState:
    """Where the reader stands between two calls of `read` (a file read in pieces, see x12.stream)."""

    position: int = 0
    gs_version: str | None = None
    in_837: bool = False
    st_position: int = 0
    st_count: int = 0
    st_control: str | None = None
    set_type: str | None = None
    submitted: str | None = None
    claim: _OpenClaim | None = None
    line: list | None = None
    claim_seq: int = 0
    line_seq: int = 0
    part: str | None = None
    line_number: str | None = None
    hierarchy: dict = field(default_factory=dict)
    level: str | None = None
    provider: dict | None = None
    subscriber: dict | None = None
    patient: dict | None = None
    person: dict | None = None


def parse_bytes(data: bytes) -> ClaimFile:
    return parse_text(decode(data))


def parse_text(text: str) -> ClaimFile:
    out = ClaimFile()
    read(chunks(text), out, ReadState(), final=True)
    return out


def read(pieces: Iterable[Chunk], out: ClaimFile, state: ReadState, final: bool) -> None:  # noqa: C901 - one state machine reads better whole
    """Read chunks of segments into `out`, continuing from `state` and leaving it where the chunks end.
    `final`: the chunks end the file, so an 837 set still open is a truncated file."""
    diagnose = out.diagnose
    position = start = state.position
    gs_version, in_837 = state.gs_version, state.in_837
    st_position, st_count = state.st_position, state.st_count
    st_control, set_type, submitted = state.st_control, state.set_type, state.submitted
    claim: _OpenClaim | None = state.claim
    line = state.line
    claim_seq, line_seq = state.claim_seq, state.line_seq
    # Where the segments being read belong: 'claim' (its own segments), 'claim_providers' (2310),
    # 'other_payers' (2320/2330), 'line' (its own), 'drug' (2410), 'line_loops' (2420 / 2430)
    part = state.part
    line_number = state.line_number  # LX01, waiting for its SV1/SV2
    hierarchy: dict = state.hierarchy  # HL id -> ('20', provider) / ('22', subscriber) / ('23', patient), per transaction set
    level, provider, subscriber = state.level, state.provider, state.subscriber
    patient, person = state.patient, state.person

    def close_claim() -> None:
        nonlocal claim, line, part
        if claim is not None:
            _finish(claim, set_type)
        claim = line = part = None

    for chunk in pieces:
        sep = chunk.delimiters.element
        comp = chunk.delimiters.component
        if chunk.enveloped and not chunk.continued:
            out.interchanges += 1
        for raw in chunk.segments:
            position += 1
            if not in_837 and not (raw.startswith("ST") or raw.startswith("GS")):
                continue  # between 837 sets only ST and GS matter (see below); no need to split the rest
            elements = raw.split(sep)
            n = len(elements)
            if n < 12:
                elements += _PADS[n]
            tag = elements[0]

            if not in_837:
                if tag == "ST":
                    set_id = elements[1] or "?"
                    if set_id != "837":
                        out.skipped_sets[set_id] = out.skipped_sets.get(set_id, 0) + 1
                        continue
                    in_837 = True
                    out.transaction_sets += 1
                    st_position, st_count = position, 1
                    st_control = elements[2] or None
                    # ST03 names the guide in 5010; 4010 has only GS08
                    set_type = _type_of(elements[3] or gs_version or "")
                    submitted = None
                    hierarchy = {}
                    level = provider = subscriber = patient = person = None
                elif tag == "GS":
                    gs_version = elements[8] or None
                continue  # other sets, envelopes: the 835 reader's business

            st_count += 1
            if tag == "SE":
                close_claim()
                in_837 = False
                declared = elements[1] or None
                if count_of(declared) != st_count:
                    diagnose(position, "warning", tag, f"SE01 says {declared!r} segments in the transaction set; counted {st_count}")
                if (elements[2] or None) != st_control:
                    diagnose(position, "warning", tag, f"SE02 {elements[2] or None!r} does not match ST02 {st_control!r}")
                continue
            if tag in _ENVELOPE:
                raise TruncatedError(f"transaction set 837 {st_control or ''} starting at segment {st_position} has no SE trailer")

            if tag == "HL":
                # A new loop in the hierarchy ends the claim before it.
                close_claim()
                level, parent = elements[3] or None, elements[2] or None
                person = None
                if level == "20":  # billing provider
                    provider = {"name": None, "npi": None}
                    subscriber = patient = None
                    entry = provider
                elif level == "22":  # subscriber: the insured, and the payer billed
                    above = hierarchy.get(parent)
                    if above is not None and above[0] == "20":
                        provider = above[1]
                    subscriber = {"last": None, "first": None, "member_id": None, "birth": None,
                                  "payer": None, "payer_id": None, "filing": None, "provider": provider}
                    patient = None
                    entry = subscriber
                elif level == "23":  # patient, when not the subscriber
                    above = hierarchy.get(parent)
                    if above is not None and above[0] == "22":
                        subscriber = above[1]
                        provider = subscriber["provider"]
                    elif subscriber is None:
                        diagnose(position, "warning", tag, "patient loop (HL 23) without a subscriber loop (HL 22) above it")
                    patient = {"last": None, "first": None, "birth": None}
                    entry = patient
                else:
                    entry = None
                if elements[1]:
                    hierarchy[elements[1]] = (level, entry)
                continue

            if tag == "CLM":
                close_claim()
                claim_seq += 1
                if level not in ("22", "23") or subscriber is None:
                    diagnose(position, "error", tag, "CLM outside a subscriber or patient loop (HL 22 / 23):"
                                                      " kept without its subscriber, patient and payer")
                who = patient or subscriber or {}
                payer = subscriber or {}
                billing = (subscriber or {}).get("provider") or provider or {}
                facility = (elements[5] or "").split(comp) + [None, None, None]
                row = [None] * len(CLAIM_COLUMNS)
                row[0], row[1] = claim_seq, position
                row[_C["gs_version"]], row[_C["st_control"]] = gs_version, st_control
                row[_C["submitted_date"]] = submitted
                row[_C["billing_provider_name"]] = billing.get("name")
                row[_C["billing_provider_npi"]] = billing.get("npi")
                row[_C["payer_name"]], row[_C["payer_id"]] = payer.get("payer"), payer.get("payer_id")
                row[_C["filing_indicator"]] = payer.get("filing")
                row[_C["subscriber_last_name"]] = payer.get("last")
                row[_C["subscriber_first_name"]] = payer.get("first")
                row[_C["subscriber_member_id"]] = payer.get("member_id")
                row[_C["patient_last_name"]], row[_C["patient_first_name"]] = who.get("last"), who.get("first")
                row[_C["patient_birth_date"]] = who.get("birth")
                row[_C["claim_id"]], row[_C["charge_amount"]] = elements[1] or None, elements[2] or None
                # CLM05: place of service (professional) or facility type (institutional) : B or A : frequency
                row[_C["facility_code"]] = facility[0] or None
                row[_C["facility_qualifier"]] = facility[1] or None
                row[_C["frequency_code"]] = facility[2] or None
                out.claims.append(row)
                claim = _OpenClaim(row)
                part = "claim"
                line_number = None
                if row[_C["claim_id"]] is None:
                    diagnose(position, "error", tag, "CLM without a patient control number (CLM01)")
                continue

            if claim is None:
                # The header and the hierarchy's loops, before any claim.
                if tag == "NM1":
                    entity = elements[1]
                    person = None
                    if entity == "85" and level == "20":
                        provider["name"] = elements[3] or None
                        provider["npi"] = (elements[9] or None) if elements[8] == "XX" else None
                    elif entity == "IL" and subscriber is not None and level == "22":
                        subscriber["last"], subscriber["first"] = elements[3] or None, elements[4] or None
                        subscriber["member_id"] = elements[9] or None
                        person = subscriber
                    elif entity == "PR" and subscriber is not None and level == "22":
                        subscriber["payer"], subscriber["payer_id"] = elements[3] or None, elements[9] or None
                    elif entity == "QC" and patient is not None:
                        patient["last"], patient["first"] = elements[3] or None, elements[4] or None
                        person = patient
                elif tag == "DMG":
                    if person is not None:
                        person["birth"] = elements[2] or None
                elif tag == "SBR":
                    if subscriber is not None and level == "22":
                        subscriber["filing"] = elements[9] or None
                elif tag == "BHT":
                    submitted = elements[4] or None
                elif tag in ("SV1", "SV2", "SV3"):
                    diagnose(position, "error", tag, f"{tag} outside a claim; ignored")
                continue

            # Inside a claim.
            if tag == "LX":
                line, part, line_number = None, "line", elements[1] or None
            elif tag == "SV1" or tag == "SV2" or tag == "SV3":
                line_seq += 1
                row = [None] * len(LINE_COLUMNS)
                row[0], row[1], row[2], row[3] = line_seq, claim.row[0], position, line_number
                line_number = None
                if tag == "SV1":  # professional: composite, charge, unit basis, units, place of service
                    composite = elements[1]
                    row[_L["charge_amount"]], row[_L["unit_basis"]] = elements[2] or None, elements[3] or None
                    row[_L["units_billed"]], row[_L["place_of_service"]] = elements[4] or None, elements[5] or None
                elif tag == "SV3":  # dental: composite (AD:D-code), charge, place of service, ..., procedure count
                    composite = elements[1]
                    row[_L["charge_amount"]], row[_L["place_of_service"]] = elements[2] or None, elements[3] or None
                    # SV306, the procedure count, is sent only when the procedure was done more than once
                    row[_L["units_billed"]], row[_L["unit_basis"]] = elements[6] or "1", "UN"
                else:  # institutional: revenue code, composite, charge, unit basis, units
                    claim.has_sv2 = True
                    composite = elements[2]
                    row[_L["revenue_code"]], row[_L["charge_amount"]] = elements[1] or None, elements[3] or None
                    row[_L["unit_basis"]], row[_L["units_billed"]] = elements[4] or None, elements[5] or None
                # qualifier : code : up to four modifiers : description
                parts = (composite or "").split(comp) + [None] * 7
                for k in range(7):
                    row[4 + k] = parts[k] or None
                out.lines.append(row)
                line, part = row, "line"
            elif tag == "DTP":
                qualifier, kind, value = elements[1], elements[2], elements[3] or None
                if part == "claim":
                    if qualifier == "472":
                        claim.service = _period(kind, value)
                    elif qualifier == "434":
                        claim.statement = _period(kind, value)
                    elif qualifier == "435" and value:  # admission: D8, or DT with the hour
                        claim.row[_C["admission_date"]] = value[:8]
                elif part == "line" and line is not None and qualifier == "472":
                    line[_L["service_date_from"]], line[_L["service_date_to"]] = _period(kind, value)
            elif tag == "REF":
                qualifier, value = elements[1], elements[2] or None
                if part == "claim":
                    if qualifier == "G1":
                        claim.row[_C["prior_authorization"]] = value
                    elif qualifier == "9F":
                        claim.row[_C["referral_number"]] = value
                    elif qualifier == "F8":  # the payer's claim number of the claim this one replaces or voids
                        claim.row[_C["original_reference"]] = value
                elif part == "line" and line is not None:
                    if qualifier == "6R":
                        line[_L["line_control_number"]] = value
                    elif qualifier == "G1":
                        line[_L["prior_authorization"]] = value
            elif tag == "HI":
                if line is None and part != "other_payers":
                    for composite in elements[1:]:
                        if not composite:
                            continue
                        pieces = composite.split(comp)
                        if len(pieces) < 2 or not pieces[1] or pieces[0] in _NOT_DIAGNOSES:
                            continue
                        (claim.principal if pieces[0] in _PRINCIPAL else claim.diagnoses).append(pieces[1])
            elif tag == "NM1":
                if part in ("claim", "claim_providers"):
                    part = "claim_providers"
                    if elements[1] == "82":  # rendering provider of the claim
                        claim.row[_C["rendering_provider_npi"]] = elements[9] or None
                elif line is not None:
                    part = "line_loops"
            elif tag == "SBR":
                if line is None:
                    part = "other_payers"
            elif tag == "LIN":
                if line is not None:
                    part = "drug"
                    if elements[2] == "N4":
                        line[_L["ndc"]] = elements[3] or None
            elif tag == "CTP":
                if part == "drug":
                    line[_L["ndc_quantity"]] = elements[4] or None
                    line[_L["ndc_unit"]] = (elements[5] or "").split(comp)[0] or None
            elif tag == "SVD":
                if line is not None:
                    part = "line_loops"
            # other segments (PWK, CN1, AMT, K3, NTE, CL1, CR*, HCP, CAS, OI, MOA, FRM...) are not kept

    out.segments += position - start
    state.position, state.gs_version, state.in_837 = position, gs_version, in_837
    state.st_position, state.st_count = st_position, st_count
    state.st_control, state.set_type, state.submitted = st_control, set_type, submitted
    state.claim, state.line, state.claim_seq, state.line_seq = claim, line, claim_seq, line_seq
    state.part, state.line_number, state.hierarchy = part, line_number, hierarchy
    state.level, state.provider, state.subscriber = level, provider, subscriber
    state.patient, state.person = patient, person
    if not final:
        return
    if in_837:
        raise TruncatedError(f"transaction set 837 {st_control or ''} starting at segment {st_position} has no SE trailer")
    if position == 0:
        raise NotX12Error("the file holds no X12 segments")


def _type_of(version: str) -> str | None:
    if any(guide in version for guide in _PROFESSIONAL):
        return "professional"
    if any(guide in version for guide in _INSTITUTIONAL):
        return "institutional"
    if any(guide in version for guide in _DENTAL):
        return "dental"
    return None


def _period(kind: str | None, value: str | None) -> tuple:
    """DTP value as (from, to): RD8 'CCYYMMDD-CCYYMMDD' splits, D8 is one day."""
    if value is None:
        return None, None
    if kind == "RD8" or "-" in value:
        start, _, end = value.partition("-")
        return start or None, end or None
    return value, value


def _finish(claim: _OpenClaim, set_type: str | None) -> None:
    """Settle what depends on the whole claim: its type, its service dates, its diagnoses."""
    row = claim.row
    kind = set_type
    if kind is None:  # the guide is not named (de-identified samples): institutional claims carry SV2 or CLM05-2 A
        kind = "institutional" if claim.has_sv2 or row[_C["facility_qualifier"]] == "A" else "professional"
    row[_C["transaction_type"]] = kind
    dates = claim.statement if kind == "institutional" else claim.service
    if dates is not None:
        row[_C["service_date_from"]], row[_C["service_date_to"]] = dates
    codes = claim.principal + claim.diagnoses
    row[_C["diagnosis_codes"]] = " ".join(codes) if codes else None
