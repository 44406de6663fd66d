"""Read X12 837 claims (professional 837P, institutional 837I, dental 837D; 5010 and 4010) into rows: the
reader contract (analytics/ingest/contract.py), `read(bytes or text) -> ParsedFile`.

What the provider billed: one row per claim (CLM) and one per service line (SV1 on a professional claim, SV2
on an institutional one, SV3 on a dental one). An 837 nests its claims in a hierarchy of HL loops: the billing
provider (HL level 20), under it each subscriber, the insured person, with the payer billed (level 22), and
under a subscriber a patient who is not the subscriber, e.g. a child on a parent's plan (level 23). Each claim
takes its billing provider, subscriber, payer and patient from the loops it sits in.

After the claim's own segments come loops about other people and other payers: the claim's providers
(referring, rendering, facility: loop 2310), then other payers the claim was also sent to (SBR of loop
2320 and its NM1/REF/DTP, loop 2330). Their REF*G1 or REF*F8 belong to the other payer, not to this claim,
so only the claim's own segments before them are read. Lines work the same way: a line's own REF/DTP
come before its drug (LIN), provider (NM1) and other-payer adjudication (SVD) loops.

One pass, as the 835 reader does (`remittance`): `Reader` dispatches each segment to a small handler,
and the handlers track the loop it belongs to (2000A billing provider, 2000B subscriber, 2000C patient,
2300 claim, 2310 claim providers, 2320 other payers, 2400 service line, 2410 drug, 2420/2430 line
providers and adjudication). Amounts and dates stay the text sent and are cast when stored; odd content
becomes a diagnostic, never an exception. Only an 837 transaction set that is never closed (a cut-off
file) is refused with `TruncatedError`. Envelopes (ISA/GS counts and control numbers) are checked by the
835 reader, which the loader runs on every file; this reader only reads them for the version in GS08.

About 490 lines, past the ~400 the house keeps to: one transaction's loops and their handlers, which
read best side by side.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from analytics.ingest.contract import BILLED_CLAIM_COLUMNS, BILLED_LINE_COLUMNS, ParsedFile
from analytics.x12 import ENVELOPE, Chunk, NotX12Error, read_whole, se_problems, unclosed

# Column layouts (contract.BILLED_*), under the names this reader always had.
CLAIM_COLUMNS = BILLED_CLAIM_COLUMNS
LINE_COLUMNS = BILLED_LINE_COLUMNS
_C = {name: i for i, name in enumerate(CLAIM_COLUMNS)}
_L = {name: i for i, name in enumerate(LINE_COLUMNS)}

# HL03, the level of a loop in the hierarchy.
BILLING_PROVIDER = "20"  # loop 2000A
SUBSCRIBER = "22"  # loop 2000B: the insured, and the payer billed
PATIENT = "23"  # loop 2000C: the patient, when not the subscriber
# Where the segments of a claim belong: its own segments, then loops about others.
CLAIM = "2300 claim"
CLAIM_PROVIDERS = "2310 claim providers"
OTHER_PAYERS = "2320 other payers"
SERVICE_LINE = "2400 service line"
DRUG = "2410 drug"
LINE_LOOPS = "2420/2430 line providers and adjudication"

# Implementation guides named in GS08 / ST03 (5010 and 4010).
_PROFESSIONAL = ("X222", "X098")
_INSTITUTIONAL = ("X223", "X096")
_DENTAL = ("X224", "X097")
# HI qualifiers that carry something other than a diagnosis on institutional claims: value, occurrence,
# occurrence span and condition codes, procedures (ICD and HCPCS), the DRG, treatment codes.
_NOT_DIAGNOSES = {"BE", "BG", "BH", "BI", "BO", "BP", "BQ", "BR", "BBQ", "BBR", "CAH", "DR", "TC"}
_PRINCIPAL = {"ABK", "BK"}  # principal diagnosis, ICD-10 / ICD-9
# None padding for a split segment (list[str]) so fields can be read by position: typed Any to extend it.
_PADS: list[list[Any]] = [[None] * (12 - n) for n in range(12)]
# The handlers of a claim's segments are in use only while a claim is open (CLM opens it, _close_claim
# ends it), and a drug's (CTP) only within a line: they assert it, for the type checker, with these.
_NO_CLAIM = "no open claim: a handler of a claim's segments ran outside a claim"
_NO_LINE = "no open line: a drug (LIN/CTP) handler ran outside a service line"


def read(data: bytes | str) -> ParsedFile:
    """The reader contract: one file's 837 rows. Raises NotX12Error (TruncatedError for a cut-off 837 set)."""
    return read_whole(Reader(), data)


class _OpenClaim:
    """A claim being read: its row, and what is only settled when the claim ends."""

    __slots__ = ("row", "principal", "diagnoses", "statement", "service", "has_sv2")

    def __init__(self, row: list):
        self.row = row
        self.principal: list = []
        self.diagnoses: list = []
        self.statement: tuple | None = None  # DTP*434 (from, to)
        self.service: tuple | None = None  # DTP*472 (from, to)
        self.has_sv2 = False


class Reader:
    """The 837 reader's state machine: `feed` reads chunks of segments, carrying its state from call to
    call (a file read in pieces, see x12.stream); `finish` checks that no 837 set is left open; `take`
    hands out the rows read since the last `take`, with the counts of the file so far."""

    def __init__(self) -> None:
        self.position = 0
        self.gs_version: str | None = None
        self.in_837 = False
        self.st_position = 0
        self.st_control: str | None = None
        self.set_type: str | None = None
        self.submitted: str | None = None
        self.claim: _OpenClaim | None = None
        self.line: list | None = None
        self.claim_seq = self.line_seq = 0
        self.part: str | None = None  # where the claim's segments being read belong (CLAIM ... LINE_LOOPS)
        self.line_number: str | None = None  # LX01, waiting for its SV1/SV2/SV3
        self.hierarchy: dict = {}  # HL id -> (level, provider / subscriber / patient), per transaction set
        self.level: str | None = None
        self.provider: dict | None = None
        self.subscriber: dict | None = None
        self.patient: dict | None = None
        self.person: dict | None = None  # whose DMG follows
        self.interchanges = self.transaction_sets = 0
        self.skipped_sets: dict = {}
        self.rows: dict = {"billed_claims": [], "billed_lines": [], "diagnostics": []}
        self._before_claim = {
            "NM1": self._header_nm1,
            "DMG": self._dmg,
            "SBR": self._header_sbr,
            "BHT": self._bht,
            "SV1": self._line_outside,
            "SV2": self._line_outside,
            "SV3": self._line_outside,
        }
        self._in_claim = {
            "LX": self._lx,
            "SV1": self._sv1,
            "SV2": self._sv2,
            "SV3": self._sv3,
            "DTP": self._dtp,
            "REF": self._ref,
            "HI": self._hi,
            "NM1": self._claim_nm1,
            "SBR": self._claim_sbr,
            "LIN": self._lin,
            "CTP": self._ctp,
            "SVD": self._svd,
        }
        # other segments (PWK, CN1, AMT, K3, NTE, CL1, CR*, HCP, CAS, OI, MOA, FRM...) are not kept
        for handlers in (self._before_claim, self._in_claim):
            handlers.update({"SE": self._se, "HL": self._hl, "CLM": self._clm})
            handlers.update({tag: self._unclosed for tag in ENVELOPE})
        self.handlers = self._before_claim  # those of the segments read now: before a claim, or in one

    def diagnose(self, position: int, severity: str, segment_id: str, message: str) -> None:
        self.rows["diagnostics"].append((position, severity, segment_id, message))

    def feed(self, pieces: Iterable[Chunk]) -> None:
        position = self.position
        for chunk in pieces:
            sep = chunk.delimiters.element
            self.comp = chunk.delimiters.component
            if chunk.enveloped and not chunk.continued:
                self.interchanges += 1
            for raw in chunk.segments:
                position += 1
                if not self.in_837 and not (raw.startswith("ST") or raw.startswith("GS")):
                    continue  # between 837 sets only ST and GS matter (see below); no need to split the rest
                elements = raw.split(sep)
                n = len(elements)
                if n < 12:
                    elements += _PADS[n]
                tag = elements[0]
                if not self.in_837:
                    if tag == "ST":
                        self._st(elements, position)
                    elif tag == "GS":
                        self.gs_version = elements[8] or None
                    continue  # other sets, envelopes: the 835 reader's business
                handler = self.handlers.get(tag)
                if handler is not None:
                    handler(elements, position)
        self.position = position

    def finish(self) -> None:
        """The file ends here: an 837 set still open is a truncated file."""
        if self.in_837:
            raise unclosed(f"transaction set 837 {self.st_control or ''}", self.st_position, "SE")
        if self.position == 0:
            raise NotX12Error("the file holds no X12 segments")

    def take(self) -> ParsedFile:
        rows, self.rows = self.rows, {"billed_claims": [], "billed_lines": [], "diagnostics": []}
        return ParsedFile(
            "837" if self.transaction_sets else "",
            rows,
            self.interchanges,
            self.transaction_sets,
            self.position,
            dict(self.skipped_sets),
        )

    def _close_claim(self) -> None:
        if self.claim is not None:
            _finish(self.claim, self.set_type)
        self.claim = self.line = self.part = None
        self.handlers = self._before_claim

    def _unclosed(self, elements: list, position: int) -> None:
        raise unclosed(f"transaction set 837 {self.st_control or ''}", self.st_position, "SE")

    # --- the transaction set and its hierarchy ------------------------------------------------------

    def _st(self, elements: list, position: int) -> None:
        set_id = elements[1] or "?"
        if set_id != "837":
            self.skipped_sets[set_id] = self.skipped_sets.get(set_id, 0) + 1
            return
        self.in_837 = True
        self.transaction_sets += 1
        self.st_position = position
        self.st_control = elements[2] or None
        # ST03 names the guide in 5010; 4010 has only GS08
        self.set_type = _type_of(elements[3] or self.gs_version or "")
        self.submitted = None
        self.hierarchy = {}
        self.level = self.provider = self.subscriber = self.patient = self.person = None

    def _se(self, elements: list, position: int) -> None:
        self._close_claim()
        self.in_837 = False
        for problem in se_problems(elements, position, self.st_position, self.st_control):
            self.diagnose(position, "warning", "SE", problem)

    def _hl(self, elements: list, position: int) -> None:
        # A new loop in the hierarchy ends the claim before it.
        self._close_claim()
        level, parent = elements[3] or None, elements[2] or None
        entry: dict | None
        self.level = level
        self.person = None
        if level == BILLING_PROVIDER:
            self.provider = entry = {"name": None, "npi": None}
            self.subscriber = self.patient = None
        elif level == SUBSCRIBER:
            above = self.hierarchy.get(parent)
            if above is not None and above[0] == BILLING_PROVIDER:
                self.provider = above[1]
            self.subscriber = entry = {
                "last": None,
                "first": None,
                "member_id": None,
                "birth": None,
                "payer": None,
                "payer_id": None,
                "filing": None,
                "provider": self.provider,
            }
            self.patient = None
        elif level == PATIENT:
            above = self.hierarchy.get(parent)
            if above is not None and above[0] == SUBSCRIBER:
                self.subscriber = above[1]
                self.provider = self.subscriber["provider"]
            elif self.subscriber is None:
                self.diagnose(
                    position, "warning", "HL", "patient loop (HL 23) without a subscriber loop (HL 22) above it"
                )
            self.patient = entry = {"last": None, "first": None, "birth": None}
        else:
            entry = None
        if elements[1]:
            self.hierarchy[elements[1]] = (level, entry)

    def _header_nm1(self, elements: list, position: int) -> None:
        entity, level, subscriber = elements[1], self.level, self.subscriber
        self.person = None
        if entity == "85" and level == BILLING_PROVIDER:
            provider = self.provider
            assert provider is not None, "an HL at the billing provider level (20) opens its provider"
            provider["name"] = elements[3] or None
            provider["npi"] = (elements[9] or None) if elements[8] == "XX" else None
        elif entity == "IL" and subscriber is not None and level == SUBSCRIBER:
            subscriber["last"], subscriber["first"] = elements[3] or None, elements[4] or None
            subscriber["member_id"] = elements[9] or None
            self.person = subscriber
        elif entity == "PR" and subscriber is not None and level == SUBSCRIBER:
            subscriber["payer"], subscriber["payer_id"] = elements[3] or None, elements[9] or None
        elif entity == "QC" and self.patient is not None:
            self.patient["last"], self.patient["first"] = elements[3] or None, elements[4] or None
            self.person = self.patient

    def _dmg(self, elements: list, position: int) -> None:
        if self.person is not None:
            self.person["birth"] = elements[2] or None

    def _header_sbr(self, elements: list, position: int) -> None:
        if self.subscriber is not None and self.level == SUBSCRIBER:
            self.subscriber["filing"] = elements[9] or None

    def _bht(self, elements: list, position: int) -> None:
        self.submitted = elements[4] or None

    def _line_outside(self, elements: list, position: int) -> None:
        self.diagnose(position, "error", elements[0], f"{elements[0]} outside a claim; ignored")

    # --- 2300 claim and what follows it -------------------------------------------------------------

    def _clm(self, elements: list, position: int) -> None:
        self._close_claim()
        self.claim_seq += 1
        subscriber = self.subscriber
        if self.level not in (SUBSCRIBER, PATIENT) or subscriber is None:
            self.diagnose(
                position,
                "error",
                "CLM",
                "CLM outside a subscriber or patient loop (HL 22 / 23): kept without its subscriber, patient and payer",
            )
        who = self.patient or subscriber or {}
        payer = subscriber or {}
        billing = (subscriber or {}).get("provider") or self.provider or {}
        facility = (elements[5] or "").split(self.comp) + [None, None, None]
        row: list = [None] * len(CLAIM_COLUMNS)
        row[0], row[1] = self.claim_seq, position
        row[_C["gs_version"]], row[_C["st_control"]] = self.gs_version, self.st_control
        row[_C["submitted_date"]] = self.submitted
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
        self.rows["billed_claims"].append(row)
        self.claim = _OpenClaim(row)
        self.handlers = self._in_claim
        self.part = CLAIM
        self.line_number = None
        if row[_C["claim_id"]] is None:
            self.diagnose(position, "error", "CLM", "CLM without a patient control number (CLM01)")

    def _lx(self, elements: list, position: int) -> None:
        self.line, self.part, self.line_number = None, SERVICE_LINE, elements[1] or None

    def _new_line(self, position: int) -> list:
        claim = self.claim
        assert claim is not None, _NO_CLAIM
        self.line_seq += 1
        row: list = [None] * len(LINE_COLUMNS)
        row[0], row[1], row[2], row[3] = self.line_seq, claim.row[0], position, self.line_number
        self.line_number = None
        return row

    def _add_line(self, row: list, composite: str | None) -> None:
        # qualifier : code : up to four modifiers : description
        parts = (composite or "").split(self.comp) + [None] * 7
        for k in range(7):
            row[4 + k] = parts[k] or None
        self.rows["billed_lines"].append(row)
        self.line, self.part = row, SERVICE_LINE

    def _sv1(self, elements: list, position: int) -> None:
        """Professional: composite, charge, unit basis, units, place of service."""
        row = self._new_line(position)
        row[_L["charge_amount"]], row[_L["unit_basis"]] = elements[2] or None, elements[3] or None
        row[_L["units_billed"]], row[_L["place_of_service"]] = elements[4] or None, elements[5] or None
        self._add_line(row, elements[1])

    def _sv2(self, elements: list, position: int) -> None:
        """Institutional: revenue code, composite, charge, unit basis, units."""
        row = self._new_line(position)
        claim = self.claim
        assert claim is not None, _NO_CLAIM
        claim.has_sv2 = True
        row[_L["revenue_code"]], row[_L["charge_amount"]] = elements[1] or None, elements[3] or None
        row[_L["unit_basis"]], row[_L["units_billed"]] = elements[4] or None, elements[5] or None
        self._add_line(row, elements[2])

    def _sv3(self, elements: list, position: int) -> None:
        """Dental: composite (AD:D-code), charge, place of service, ..., procedure count."""
        row = self._new_line(position)
        row[_L["charge_amount"]], row[_L["place_of_service"]] = elements[2] or None, elements[3] or None
        # SV306, the procedure count, is sent only when the procedure was done more than once
        row[_L["units_billed"]], row[_L["unit_basis"]] = elements[6] or "1", "UN"
        self._add_line(row, elements[1])

    def _dtp(self, elements: list, position: int) -> None:
        qualifier, kind, value = elements[1], elements[2], elements[3] or None
        if self.part is CLAIM:
            claim = self.claim
            assert claim is not None, _NO_CLAIM
            if qualifier == "472":
                claim.service = _period(kind, value)
            elif qualifier == "434":
                claim.statement = _period(kind, value)
            elif qualifier == "435" and value:  # admission: D8, or DT with the hour
                claim.row[_C["admission_date"]] = value[:8]
        elif self.part is SERVICE_LINE and self.line is not None and qualifier == "472":
            self.line[_L["service_date_from"]], self.line[_L["service_date_to"]] = _period(kind, value)

    def _ref(self, elements: list, position: int) -> None:
        qualifier, value = elements[1], elements[2] or None
        if self.part is CLAIM:
            claim = self.claim
            assert claim is not None, _NO_CLAIM
            row = claim.row
            if qualifier == "G1":
                row[_C["prior_authorization"]] = value
            elif qualifier == "9F":
                row[_C["referral_number"]] = value
            elif qualifier == "F8":  # the payer's claim number of the claim this one replaces or voids
                row[_C["original_reference"]] = value
        elif self.part is SERVICE_LINE and self.line is not None:
            if qualifier == "6R":
                self.line[_L["line_control_number"]] = value
            elif qualifier == "G1":
                self.line[_L["prior_authorization"]] = value

    def _hi(self, elements: list, position: int) -> None:
        if self.line is not None or self.part is OTHER_PAYERS:
            return
        claim, comp = self.claim, self.comp
        assert claim is not None, _NO_CLAIM
        for composite in elements[1:]:
            if not composite:
                continue
            pieces = composite.split(comp)
            if len(pieces) < 2 or not pieces[1] or pieces[0] in _NOT_DIAGNOSES:
                continue
            (claim.principal if pieces[0] in _PRINCIPAL else claim.diagnoses).append(pieces[1])

    def _claim_nm1(self, elements: list, position: int) -> None:
        if self.part is CLAIM or self.part is CLAIM_PROVIDERS:
            self.part = CLAIM_PROVIDERS
            if elements[1] == "82":  # rendering provider of the claim
                claim = self.claim
                assert claim is not None, _NO_CLAIM
                claim.row[_C["rendering_provider_npi"]] = elements[9] or None
        elif self.line is not None:
            self.part = LINE_LOOPS

    def _claim_sbr(self, elements: list, position: int) -> None:
        if self.line is None:
            self.part = OTHER_PAYERS

    def _lin(self, elements: list, position: int) -> None:
        if self.line is not None:
            self.part = DRUG
            if elements[2] == "N4":
                self.line[_L["ndc"]] = elements[3] or None

    def _ctp(self, elements: list, position: int) -> None:
        if self.part is DRUG:  # set by LIN within a line only
            line = self.line
            assert line is not None, _NO_LINE
            line[_L["ndc_quantity"]] = elements[4] or None
            line[_L["ndc_unit"]] = (elements[5] or "").split(self.comp)[0] or None

    def _svd(self, elements: list, position: int) -> None:
        if self.line is not None:
            self.part = LINE_LOOPS


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
