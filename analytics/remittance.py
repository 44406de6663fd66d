"""Read X12 835 remittance advice into rows, one list per table, ready for DuckDB.

One pass over the segments with a small state machine (header, payer, payee, claim, service line,
provider adjustments). Amounts and dates stay the text the payer sent: DuckDB casts them in bulk to
DECIMAL and DATE when the rows are stored, which is exact and far faster than `Decimal` per value.
Nothing here raises on odd content: structural problems become diagnostics stored with the file. Only
input that is not X12 at all, or that ends inside an envelope (a truncated file), is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterable

from analytics.x12 import Chunk, NotX12Error, chunks, decode, is_segment_id


class TruncatedError(NotX12Error):
    """The file ends before an envelope it opened was closed: the sender's copy was cut off."""


# Column layouts. The loader names these columns in its INSERT statements, so order matters.
PAYMENT_COLUMNS = (
    "payment_seq", "segment_position", "isa_control", "gs_version", "st_control",
    "handling_code", "payment_amount", "credit_debit", "payment_method", "payment_format",
    "payment_date", "trace_type", "trace_number", "originator_id", "production_date",
    "payer_name", "payer_id_qualifier", "payer_id", "payer_ref_id", "payee_name",
    "payee_id_qualifier", "payee_id", "payee_tax_id", "receiver_id",
)
CLAIM_COLUMNS = (
    "claim_seq", "payment_seq", "segment_position", "claim_id", "status_code", "charge_amount",
    "paid_amount", "patient_responsibility", "filing_indicator", "payer_claim_number",
    "facility_code", "frequency_code", "drg_code", "patient_last_name", "patient_first_name",
    "patient_member_id", "insured_last_name", "insured_first_name", "insured_member_id",
    "rendering_provider_name", "rendering_provider_npi", "service_date_from", "service_date_to",
    "received_date", "crossover_payer_name",
)
LINE_COLUMNS = (
    "line_seq", "claim_seq", "segment_position", "procedure_qualifier", "procedure_code",
    "modifier_1", "modifier_2", "modifier_3", "modifier_4", "procedure_description",
    "charge_amount", "paid_amount", "revenue_code", "units_paid", "original_procedure_qualifier",
    "original_procedure_code", "original_modifiers", "units_billed", "service_date",
    "service_date_from", "service_date_to", "line_control_number", "policy_reference",
    "prior_authorization", "allowed_amount",
)
ADJUSTMENT_COLUMNS = (
    "claim_seq", "line_seq", "segment_position", "triple_index", "group_code", "reason_code",
    "amount", "quantity",
)
REMARK_COLUMNS = ("claim_seq", "line_seq", "segment_position", "source", "qualifier", "code")
REFERENCE_COLUMNS = ("claim_seq", "line_seq", "segment_position", "qualifier", "value")
AMOUNT_COLUMNS = ("claim_seq", "line_seq", "segment_position", "qualifier", "amount")
PROVIDER_ADJUSTMENT_COLUMNS = (
    "payment_seq", "segment_position", "pair_index", "provider_id", "fiscal_period_date",
    "reason_code", "reference", "amount",
)
DIAGNOSTIC_COLUMNS = ("segment_position", "severity", "segment_id", "message")

# Claim and line rows are lists created when CLP / SVC arrive and filled in by the segments that
# follow; these are the positions of the fields filled in later.
(_C_PAT_LAST, _C_PAT_FIRST, _C_PAT_ID, _C_INS_LAST, _C_INS_FIRST, _C_INS_ID, _C_REND_NAME,
 _C_REND_NPI, _C_FROM, _C_TO, _C_RECEIVED, _C_CROSSOVER) = range(13, 25)
(_L_DATE, _L_FROM, _L_TO, _L_CONTROL, _L_POLICY, _L_AUTH, _L_ALLOWED) = range(18, 25)
# Payment rows are lists too; positions of the fields filled in after ST.
_P = {name: i for i, name in enumerate(PAYMENT_COLUMNS)}

_MOA_REMARKS = (3, 4, 5, 6, 7)
# Appended to every split segment so fields can be read by position without bounds checks; X12
# elements are 1-based, so elements[i] is the i-th element and '' or None both mean "not sent".
_PADS = [[None] * (12 - n) for n in range(12)]
_PAD = [None] * 24
_MIA_REMARKS = (5, 20, 21, 22, 23)


@dataclass
class Remittance:
    """Everything read from one file: rows per table, counts of what was seen, and diagnostics."""

    payments: list = field(default_factory=list)
    claims: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    adjustments: list = field(default_factory=list)
    remarks: list = field(default_factory=list)
    references: list = field(default_factory=list)
    amounts: list = field(default_factory=list)
    provider_adjustments: list = field(default_factory=list)
    diagnostics: list = field(default_factory=list)
    interchanges: int = 0
    transaction_sets: int = 0
    skipped_sets: dict = field(default_factory=dict)  # transaction set id -> count
    segments: int = 0
    # per interchange ended: (ISA06 sender, ISA13 control number, position of its ISA, fingerprint)
    interchange_keys: list = field(default_factory=list)

    def diagnose(self, position: int, severity: str, segment_id: str, message: str) -> None:
        self.diagnostics.append((position, severity, segment_id, message))


@dataclass
class ReadState:
    """Where the reader stands between two calls of `read`: what a file read in pieces (cut after an SE
    segment or at the end of an interchange, see x12.stream) carries from one piece to the next, so
    that positions, sequence numbers and envelope checks continue as if the file were read whole."""

    position: int = 0  # 1-based ordinal of the last segment read, used in diagnostics
    payment_seq: int = 0
    claim_seq: int = 0
    line_seq: int = 0
    in_835: bool = False  # inside an 835 ST..SE
    skipping: str | None = None  # id of a non-835 transaction set being skipped
    level: int = 0
    payment: list | None = None
    claim: list | None = None
    line: list | None = None
    st_position: int = 0
    st_count: int = 0
    st_control: str = ""
    isa_control: str | None = None
    gs_version: str | None = None
    gs_control: str | None = None
    gs_position: int = 0
    isa_position: int = 0
    gs_sets: int = 0
    isa_groups: int = 0
    interchange: list | None = None  # the interchange being fingerprinted: [sender, control, position, sha256]


def parse_bytes(data: bytes) -> Remittance:
    return parse_text(decode(data))


def parse_text(text: str) -> Remittance:
    out = Remittance()
    read(chunks(text), out, ReadState(), final=True)
    return out


def read(pieces: Iterable[Chunk], out: Remittance, state: ReadState, final: bool) -> None:  # noqa: C901 - one state machine reads better whole
    """Read chunks of segments into `out`, continuing from `state` and leaving it where the chunks end.
    `final`: the chunks end the file, so an envelope still open is a truncated file."""
    diagnose = out.diagnose
    payments_append = out.payments.append
    claims_append = out.claims.append
    lines_append = out.lines.append
    adjustments_append = out.adjustments.append
    remarks_append = out.remarks.append
    references_append = out.references.append
    amounts_append = out.amounts.append
    plb_append = out.provider_adjustments.append

    position = start = state.position
    payment, claim, line = state.payment, state.claim, state.line
    payment_seq, claim_seq, line_seq = state.payment_seq, state.claim_seq, state.line_seq
    # Where REF / DTM / N1 details belong: 0 header, 1 payer, 2 payee, 3 claim, 4 line, 5 trailer,
    # 6 header number (LX).
    level = state.level
    in_835, skipping = state.in_835, state.skipping
    st_position, st_count, st_control = state.st_position, state.st_count, state.st_control
    isa_control, gs_version, gs_control = state.isa_control, state.gs_version, state.gs_control
    gs_position, isa_position = state.gs_position, state.isa_position
    gs_sets, isa_groups = state.gs_sets, state.isa_groups

    for chunk in pieces:
        sep = chunk.delimiters.element
        comp = chunk.delimiters.component
        if chunk.enveloped:
            if not chunk.continued:
                out.interchanges += 1
                _end_interchange(out, state)
                state.interchange = _start_interchange(chunk, position + 1)
            _fingerprint(state.interchange, chunk)
        for raw in chunk.segments:
            position += 1
            elements = raw.split(sep)
            n = len(elements)
            if n < 12:
                elements += _PADS[n]
            tag = elements[0]
            st_count += 1

            if skipping is not None:
                if tag == "SE":
                    skipping = None
                elif tag in ("ST", "GE", "IEA"):
                    raise TruncatedError(f"transaction set {skipping} starting at segment {st_position} has no SE trailer")
                continue

            if in_835:
                if tag == "REF":
                    qualifier = (elements[1] or None)
                    value = (elements[2] or None)
                    if level == 4:
                        if qualifier == "6R":
                            line[_L_CONTROL] = value
                        elif qualifier == "0K":
                            line[_L_POLICY] = value
                        elif qualifier == "G1":
                            line[_L_AUTH] = value
                        references_append((claim_seq, line[0], position, qualifier, value))
                    elif level == 3:
                        references_append((claim_seq, None, position, qualifier, value))
                    elif level == 1 and qualifier == "2U":
                        payment[_P["payer_ref_id"]] = value
                    elif level == 2 and qualifier == "TJ":
                        payment[_P["payee_tax_id"]] = value
                    elif level == 0 and qualifier == "EV":
                        payment[_P["receiver_id"]] = value
                    continue
                if tag == "DTM":
                    qualifier = (elements[1] or None)
                    value = (elements[2] or None)
                    if level == 4:
                        if qualifier == "472":
                            line[_L_DATE] = value
                        elif qualifier == "150":
                            line[_L_FROM] = value
                        elif qualifier == "151":
                            line[_L_TO] = value
                    elif level == 3:
                        if qualifier == "232":
                            claim[_C_FROM] = value
                        elif qualifier == "233":
                            claim[_C_TO] = value
                        elif qualifier in ("050", "50"):
                            claim[_C_RECEIVED] = value
                    elif level == 0 and qualifier == "405":
                        payment[_P["production_date"]] = value
                    continue
                if tag == "CAS":
                    group = (elements[1] or None)
                    if claim is None:
                        diagnose(position, "error", tag, "CAS outside a claim; ignored")
                        continue
                    owner_line = line[0] if line is not None else None
                    elements += _PAD[:2]
                    for k in range(6):
                        at = 2 + 3 * k
                        if at >= n:
                            break
                        reason = elements[at] or None
                        amount = elements[at + 1] or None
                        if reason is None and amount is None:
                            continue
                        adjustments_append((claim_seq, owner_line, position, k + 1, group, reason, amount, elements[at + 2] or None))
                    if group is None:
                        diagnose(position, "error", tag, "CAS without a group code (CAS01)")
                    continue
                if tag == "SVC":
                    if claim is None:
                        diagnose(position, "error", tag, "SVC outside a claim; ignored")
                        continue
                    line_seq += 1
                    level = 4
                    composite = (elements[1] or "").split(comp)
                    composite += _PAD
                    original = (elements[6] or "").split(comp)
                    original += _PAD
                    line = [
                        line_seq, claim_seq, position, composite[0] or None, composite[1] or None,
                        composite[2] or None, composite[3] or None, composite[4] or None, composite[5] or None,
                        composite[6] or None, (elements[2] or None), (elements[3] or None), (elements[4] or None),
                        (elements[5] or None), original[0] or None, original[1] or None,
                        comp.join(m for m in original[2:6] if m) or None, (elements[7] or None),
                        None, None, None, None, None, None, None,
                    ]
                    lines_append(line)
                    continue
                if tag == "AMT":
                    qualifier = (elements[1] or None)
                    value = (elements[2] or None)
                    if level == 4:
                        if qualifier == "B6":
                            line[_L_ALLOWED] = value
                        amounts_append((claim_seq, line[0], position, qualifier, value))
                    elif level == 3:
                        amounts_append((claim_seq, None, position, qualifier, value))
                    continue
                if tag == "LQ":
                    if line is None:
                        diagnose(position, "warning", tag, "LQ outside a service line; ignored")
                        continue
                    code = (elements[2] or None)
                    if code:
                        remarks_append((claim_seq, line[0], position, "LQ", (elements[1] or None), code))
                    continue
                if tag == "CLP":
                    if payment is None:
                        continue
                    claim_seq += 1
                    level = 3
                    line = None
                    claim = [
                        claim_seq, payment_seq, position, (elements[1] or None), (elements[2] or None),
                        (elements[3] or None), (elements[4] or None), (elements[5] or None), (elements[6] or None),
                        (elements[7] or None), (elements[8] or None), (elements[9] or None), (elements[11] or None),
                        None, None, None, None, None, None, None, None, None, None, None, None,
                    ]
                    claims_append(claim)
                    if claim[3] is None:
                        diagnose(position, "error", tag, "CLP without a patient control number (CLP01)")
                    continue
                if tag == "NM1":
                    if level == 4 or claim is None:
                        continue
                    entity = (elements[1] or None)
                    if entity == "QC":
                        claim[_C_PAT_LAST], claim[_C_PAT_FIRST], claim[_C_PAT_ID] = (elements[3] or None), (elements[4] or None), (elements[9] or None)
                    elif entity == "IL":
                        claim[_C_INS_LAST], claim[_C_INS_FIRST], claim[_C_INS_ID] = (elements[3] or None), (elements[4] or None), (elements[9] or None)
                    elif entity == "82":
                        claim[_C_REND_NAME], claim[_C_REND_NPI] = (elements[3] or None), (elements[9] or None)
                    elif entity == "TT":
                        claim[_C_CROSSOVER] = (elements[3] or None)
                    continue
                if tag == "MOA" or tag == "MIA":
                    if claim is None:
                        continue
                    elements += _PAD
                    for i in _MOA_REMARKS if tag == "MOA" else _MIA_REMARKS:
                        code = elements[i]
                        if code:
                            remarks_append((claim_seq, None, position, tag, "HE", code))
                    continue
                if tag == "LX":
                    # a new header-number loop: what follows until the next CLP (TS3, TS2) is not
                    # part of the previous claim
                    level = 6
                    claim = line = None
                    continue
                if tag == "PLB":
                    level = 5
                    claim = line = None
                    provider, fiscal = (elements[1] or None), (elements[2] or None)
                    elements += _PAD[:2]
                    for k in range(6):
                        at = 3 + 2 * k
                        if at >= n:
                            break
                        ident = elements[at].split(comp, 1)
                        amount = elements[at + 1] or None
                        if not ident[0] and amount is None:
                            continue
                        plb_append((payment_seq, position, k + 1, provider, fiscal, ident[0] or None,
                                    ident[1] if len(ident) > 1 and ident[1] else None, amount))
                    continue
                if tag == "N1":
                    entity = (elements[1] or None)
                    if claim is not None:
                        continue
                    if entity == "PR":
                        level = 1
                        payment[_P["payer_name"]] = (elements[2] or None)
                        payment[_P["payer_id_qualifier"]] = (elements[3] or None)
                        payment[_P["payer_id"]] = (elements[4] or None)
                    elif entity == "PE":
                        level = 2
                        payment[_P["payee_name"]] = (elements[2] or None)
                        payment[_P["payee_id_qualifier"]] = (elements[3] or None)
                        payment[_P["payee_id"]] = (elements[4] or None)
                    continue
                if tag == "BPR":
                    elements += _PAD
                    payment[_P["handling_code"]] = (elements[1] or None)
                    payment[_P["payment_amount"]] = (elements[2] or None)
                    payment[_P["credit_debit"]] = (elements[3] or None)
                    payment[_P["payment_method"]] = (elements[4] or None)
                    payment[_P["payment_format"]] = (elements[5] or None)
                    payment[_P["payment_date"]] = (elements[16] or None)
                    continue
                if tag == "TRN":
                    payment[_P["trace_type"]] = (elements[1] or None)
                    payment[_P["trace_number"]] = (elements[2] or None)
                    payment[_P["originator_id"]] = (elements[3] or None)
                    continue
                if tag == "SE":
                    in_835 = False
                    _check_count(out, position, tag, (elements[1] or None), st_count, "SE01", "segments in the transaction set")
                    if (elements[2] or None) != st_control:
                        diagnose(position, "warning", tag, f"SE02 {(elements[2] or None)!r} does not match ST02 {st_control!r}")
                    continue
                if tag in ("ST", "GE", "IEA", "ISA", "GS"):
                    raise TruncatedError(f"transaction set 835 {st_control} starting at segment {st_position} has no SE trailer")
                continue  # segments we do not keep (N3, N4, PER, TS3, TS2, QTY, CUR, RDM ...)

            # Envelope segments, between transaction sets.
            if tag == "ST":
                st_position, st_count = position, 1
                st_control = (elements[2] or None) or ""
                gs_sets += 1
                set_id = (elements[1] or None)
                if set_id == "835":
                    in_835 = True
                    out.transaction_sets += 1
                    payment_seq += 1
                    level = 0
                    claim = line = None
                    payment = [None] * len(PAYMENT_COLUMNS)
                    payment[0], payment[1] = payment_seq, position
                    payment[2], payment[3], payment[4] = isa_control, gs_version, st_control or None
                    payments_append(payment)
                else:
                    skipping = set_id or "?"
                    out.skipped_sets[skipping] = out.skipped_sets.get(skipping, 0) + 1
            elif tag == "ISA":
                if gs_version is not None:
                    raise TruncatedError(f"functional group starting at segment {gs_position} has no GE trailer")
                if isa_control is not None:
                    raise TruncatedError(f"interchange starting at segment {isa_position} has no IEA trailer")
                # a stray or cut-down ISA segment may lack ISA13
                isa_control = ((elements[13] if n > 13 else None) or "").strip() or None
                isa_position, isa_groups = position, 0
            elif tag == "GS":
                if gs_version is not None:
                    raise TruncatedError(f"functional group starting at segment {gs_position} has no GE trailer")
                gs_version = (elements[8] or None) or ""
                gs_control = (elements[6] or None)
                gs_position, gs_sets = position, 0
                isa_groups += 1
            elif tag == "GE":
                if gs_version is None:
                    diagnose(position, "warning", tag, "GE without a matching GS")
                else:
                    _check_count(out, position, tag, (elements[1] or None), gs_sets, "GE01", "transaction sets in the group")
                    if (elements[2] or None) != gs_control:
                        diagnose(position, "warning", tag, f"GE02 {(elements[2] or None)!r} does not match GS06 {gs_control!r}")
                gs_version = None
            elif tag == "IEA":
                if gs_version is not None:
                    raise TruncatedError(f"functional group starting at segment {gs_position} has no GE trailer")
                if isa_control is None:
                    diagnose(position, "warning", tag, "IEA without a matching ISA")
                else:
                    _check_count(out, position, tag, (elements[1] or None), isa_groups, "IEA01", "functional groups in the interchange")
                    control = ((elements[2] or None) or "").strip()
                    if control != isa_control:
                        diagnose(position, "warning", tag, f"IEA02 {control!r} does not match ISA13 {isa_control!r}")
                isa_control = None
            elif is_segment_id(tag):
                diagnose(position, "warning", tag, f"{tag} segment outside any transaction set; ignored")
            else:
                diagnose(position, "error", tag[:3], f"unreadable segment {raw[:30]!r}; ignored")

    out.segments += position - start
    state.position = position
    state.payment, state.claim, state.line = payment, claim, line
    state.payment_seq, state.claim_seq, state.line_seq = payment_seq, claim_seq, line_seq
    state.level, state.in_835, state.skipping = level, in_835, skipping
    state.st_position, state.st_count, state.st_control = st_position, st_count, st_control
    state.isa_control, state.gs_version, state.gs_control = isa_control, gs_version, gs_control
    state.gs_position, state.isa_position = gs_position, isa_position
    state.gs_sets, state.isa_groups = gs_sets, isa_groups
    if not final:
        return
    _end_interchange(out, state)
    if skipping is not None:
        raise TruncatedError(f"transaction set {skipping} starting at segment {st_position} has no SE trailer")
    if in_835:
        raise TruncatedError(f"transaction set 835 {st_control} starting at segment {st_position} has no SE trailer")
    if gs_version is not None:
        raise TruncatedError(f"functional group starting at segment {gs_position} has no GE trailer")
    if isa_control is not None:
        raise TruncatedError(f"interchange starting at segment {isa_position} has no IEA trailer")
    if position == 0:
        raise NotX12Error("the file holds no X12 segments")


def _start_interchange(chunk: Chunk, position: int) -> list:
    """[ISA06 sender, ISA13 control number, position of the ISA, the fingerprint's hash so far]."""
    isa = chunk.segments[0].split(chunk.delimiters.element) + [""] * 14
    sender, control = isa[6].strip(), isa[13].strip()
    return [sender, control, position, hashlib.sha256(f"{sender}\0{control}\0".encode())]


def _fingerprint(interchange: list, chunk: Chunk) -> None:
    """Add the chunk's segments (after the ISA, which holds the delimiters and the date sent) to the
    interchange's fingerprint, with canonical delimiters: the same interchange sent with `|` for `*`, or
    newlines or CRLF for `~`, gives the same fingerprint (segments reach here without terminators)."""
    d = chunk.delimiters
    text = "\n".join(chunk.segments if chunk.continued else chunk.segments[1:]) + "\n"
    text = text.replace(d.element, "\x1f").replace(d.component, "\x1e")
    if d.repetition:
        text = text.replace(d.repetition, "\x1d")
    interchange[3].update(text.encode("utf-8", "surrogatepass"))


def _end_interchange(out: Remittance, state: ReadState) -> None:
    if state.interchange is not None:
        sender, control, position, digest = state.interchange
        out.interchange_keys.append((sender, control, position, digest.hexdigest()))
        state.interchange = None


def count_of(declared: str | None) -> int | None:
    """A count an envelope declares (SE01, GE01, IEA01): ASCII digits only ('²' is a digit to Python
    but not a number int() reads, nor an X12 one)."""
    text = (declared or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _check_count(out: Remittance, position: int, tag: str, declared: str | None, actual: int, name: str, what: str) -> None:
    if count_of(declared) != actual:
        out.diagnose(position, "warning", tag, f"{name} says {declared!r} {what}; counted {actual}")
