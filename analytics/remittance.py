"""Read X12 835 remittance advice into rows, one list per kind of row (the reader contract,
analytics/ingest/contract.py): `read(bytes or text) -> ParsedFile`.

One pass over the segments: `Reader` dispatches each segment to a small handler, and the handlers keep
track of the loop the segments belong to (header, 1000A payer, 1000B payee, 2000 header number, 2100
claim, 2110 service line, PLB provider adjustments). Amounts and dates stay the text the payer sent:
DuckDB casts them in bulk to DECIMAL and DATE when the rows are stored, which is exact and far faster
than `Decimal` per value. Nothing here raises on odd content: structural problems become diagnostics
stored with the file. Only input that is not X12 at all, or that ends inside an envelope (a truncated
file), is refused. The envelope (ISA/GS/ST and their trailers' counts and control numbers) is checked
here, for every file; the 837 reader (`claims`) leaves it to this one.

About 650 lines, past the ~400 the house keeps to: one transaction's loops and their handlers, which
read best side by side.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from analytics.ingest.contract import (  # noqa: F401 - the column layouts, under the names this reader always had
    ADJUSTMENT_COLUMNS,
    AMOUNT_COLUMNS,
    CLAIM_COLUMNS,
    DIAGNOSTIC_COLUMNS,
    LINE_COLUMNS,
    PAYMENT_COLUMNS,
    PROVIDER_ADJUSTMENT_COLUMNS,
    REFERENCE_COLUMNS,
    REMARK_COLUMNS,
    ParsedFile,
)
from analytics.x12 import (  # noqa: F401 - TruncatedError, count_of: once defined here, still found here
    Chunk,
    NotX12Error,
    TruncatedError,
    control_problem,
    count_of,
    count_problem,
    is_segment_id,
    read_whole,
    se_problems,
    unclosed,
)

# The loops a segment may belong to: where REF / DTM / N1 / AMT details go.
HEADER = "header"
PAYER = "1000A payer"
PAYEE = "1000B payee"
HEADER_NUMBER = "2000 header number"
CLAIM = "2100 claim"
SERVICE_LINE = "2110 service line"
PROVIDER_ADJUSTMENTS = "PLB provider adjustments"

# The kinds of row this reader makes (keys of contract.TABLES).
ROWS = (
    "payments",
    "claims",
    "lines",
    "adjustments",
    "remarks",
    "references",
    "amounts",
    "provider_adjustments",
    "diagnostics",
)

# Claim and line rows are lists created when CLP / SVC arrive and filled in by the segments that
# follow; these are the positions of the fields filled in later.
(
    _C_PAT_LAST,
    _C_PAT_FIRST,
    _C_PAT_ID,
    _C_INS_LAST,
    _C_INS_FIRST,
    _C_INS_ID,
    _C_REND_NAME,
    _C_REND_NPI,
    _C_FROM,
    _C_TO,
    _C_RECEIVED,
    _C_CROSSOVER,
) = range(13, 25)
(_L_DATE, _L_FROM, _L_TO, _L_CONTROL, _L_POLICY, _L_AUTH, _L_ALLOWED) = range(18, 25)
# Payment rows are lists too; positions of the fields filled in after ST.
_P = {name: i for i, name in enumerate(PAYMENT_COLUMNS)}

_MOA_REMARKS = (3, 4, 5, 6, 7)
_MIA_REMARKS = (5, 20, 21, 22, 23)
# Appended to every split segment so fields can be read by position without bounds checks; X12
# elements are 1-based, so elements[i] is the i-th element and '' or None both mean "not sent".
# (Typed Any: they extend the list[str] of a split segment, whose fields are then str or None.)
_PADS: list[list[Any]] = [[None] * (12 - n) for n in range(12)]
_PAD: list[Any] = [None] * 24
# A date (DTM) by loop and qualifier -> the row field it fills.
_LINE_DATES = {"472": _L_DATE, "150": _L_FROM, "151": _L_TO}
_CLAIM_DATES = {"232": _C_FROM, "233": _C_TO, "050": _C_RECEIVED, "50": _C_RECEIVED}
_LINE_REFERENCES: dict[str | None, int] = {"6R": _L_CONTROL, "0K": _L_POLICY, "G1": _L_AUTH}

# A segment handler: (elements, number of elements sent, position). None in a handler table: read, not kept.
Handler = Callable[[list, int, int], None]
# A loop's handlers are in use only once the segment that opens its row was read: ST the payment row, CLP
# the claim's (2100), SVC the line's (2110). The handlers assert it, for the type checker, with these.
_NO_PAYMENT = "no payment row: a handler of an 835 loop ran before its ST"
_NO_CLAIM = "no claim row: a 2100 claim handler ran before its CLP"
_NO_LINE = "no line row: a 2110 service line handler ran before its SVC"


def read(data: bytes | str) -> ParsedFile:
    """The reader contract: one file's 835 rows. Raises NotX12Error (TruncatedError for a cut-off file)."""
    return read_whole(Reader(), data)


class Reader:
    """The 835 reader's state machine. `feed` reads chunks of segments (a whole file, or a file read in
    pieces cut after an SE segment or at the end of an interchange, see x12.stream) and carries its
    state from one call to the next, so positions, sequence numbers and envelope checks continue as if
    the file were read whole; `finish` checks that the file closed what it opened; `take` hands out the
    rows read since the last `take`, with the counts of the file so far."""

    def __init__(self) -> None:
        self.position = 0  # 1-based ordinal of the last segment read, used in diagnostics
        self.payment_seq = self.claim_seq = self.line_seq = 0
        self.in_835 = False  # inside an 835 ST..SE
        self.skipping: str | None = None  # id of a non-835 transaction set being skipped
        self.loop = HEADER
        self.payment: list | None = None
        self.claim: list | None = None
        self.line: list | None = None
        self.st_position = 0
        self.st_control = ""
        self.isa_control: str | None = None
        self.gs_version: str | None = None
        self.gs_control: str | None = None
        self.gs_position = self.isa_position = 0
        self.gs_sets = self.isa_groups = 0
        self.interchange: list | None = None  # being fingerprinted: [sender, control, position, sha256]
        self.interchanges = self.transaction_sets = 0
        self.skipped_sets: dict = {}
        self._new_rows()
        self.keys: list = []  # interchanges ended since the last take
        # Inside an 835 transaction set, each loop has its handlers: the segments all loops read, and the
        # details (REF, DTM, AMT) each loop reads its own way. Other segments (N3, N4, PER, TS3, TS2,
        # QTY, CUR, RDM ...) are not kept.
        every = {
            # read and not kept: None, so that the lookup finds every segment an 835 holds
            **dict.fromkeys(("N3", "N4", "PER", "RDM", "TS3", "TS2", "QTY", "CUR", "REF", "DTM", "AMT")),
            "CAS": self._cas,
            "SVC": self._svc,
            "LQ": self._lq,
            "CLP": self._clp,
            "NM1": self._nm1,
            "MOA": self._moa,
            "MIA": self._mia,
            "LX": self._lx,
            "PLB": self._plb,
            "N1": self._n1,
            "BPR": self._bpr,
            "TRN": self._trn,
            "SE": self._se,
            **dict.fromkeys(("ST", "GE", "IEA", "ISA", "GS"), self._open_envelope),
        }
        self._loops: dict[str, dict[str, Handler | None]] = {
            HEADER: {**every, "REF": self._header_ref, "DTM": self._header_dtm},
            PAYER: {**every, "REF": self._payer_ref},
            PAYEE: {**every, "REF": self._payee_ref},
            HEADER_NUMBER: every,
            CLAIM: {**every, "REF": self._claim_ref, "DTM": self._claim_dtm, "AMT": self._claim_amt},
            SERVICE_LINE: {**every, "REF": self._line_ref, "DTM": self._line_dtm, "AMT": self._line_amt},
            PROVIDER_ADJUSTMENTS: every,
        }
        self._loops[SERVICE_LINE]["NM1"] = None  # a line's NM1 (its rendering provider) is not kept
        self._claim_handlers, self._line_handlers = self._loops[CLAIM], self._loops[SERVICE_LINE]
        self._between: dict[str, Handler | None] = {
            "ST": self._st,
            "ISA": self._isa,
            "GS": self._gs,
            "GE": self._ge,
            "IEA": self._iea,
        }
        self._skipping: dict[str, Handler | None] = {
            "SE": self._end_skip,
            "ST": self._unclosed_skip,
            "GE": self._unclosed_skip,
            "IEA": self._unclosed_skip,
        }
        # those of the segments read now: between sets, skipping one, or a loop's
        self.handlers: dict[str, Handler | None] = self._between

    def diagnose(self, position: int, severity: str, segment_id: str, message: str) -> None:
        self.rows["diagnostics"].append((position, severity, segment_id, message))

    def feed(self, pieces: Iterable[Chunk]) -> None:
        position = self.position
        between = self._between
        for chunk in pieces:
            sep = chunk.delimiters.element
            self.comp = chunk.delimiters.component
            if chunk.enveloped:
                if not chunk.continued:
                    self.interchanges += 1
                    self._end_interchange()
                    self.interchange = _start_interchange(chunk, position + 1)
                interchange = self.interchange
                assert interchange is not None, "a continued chunk follows its interchange's first chunk"
                _fingerprint(interchange, chunk)
            for raw in chunk.segments:
                position += 1
                elements = raw.split(sep)
                n = len(elements)
                if n < 12:
                    elements += _PADS[n]
                handlers = self.handlers
                try:
                    handler = handlers[elements[0]]
                except KeyError:  # a segment an 835 does not hold (or garbage)
                    handler = None
                if handler is not None:
                    handler(elements, n, position)
                elif handlers is between:
                    tag = elements[0]
                    if is_segment_id(tag):
                        self.diagnose(position, "warning", tag, f"{tag} segment outside any transaction set; ignored")
                    else:
                        self.diagnose(position, "error", tag[:3], f"unreadable segment {raw[:30]!r}; ignored")
        self.position = position

    def finish(self) -> None:
        """The file ends here: an envelope still open is a truncated file."""
        self._end_interchange()
        if self.skipping is not None:
            raise unclosed(f"transaction set {self.skipping}", self.st_position, "SE")
        if self.in_835:
            raise unclosed(f"transaction set 835 {self.st_control}", self.st_position, "SE")
        if self.gs_version is not None:
            raise unclosed("functional group", self.gs_position, "GE")
        if self.isa_control is not None:
            raise unclosed("interchange", self.isa_position, "IEA")
        if self.position == 0:
            raise NotX12Error("the file holds no X12 segments")

    def _new_rows(self) -> None:
        self.rows: dict[str, list] = {name: [] for name in ROWS}
        # the lists the handlers append to most, at hand
        self.lines, self.adjustments, self.references = (
            self.rows["lines"],
            self.rows["adjustments"],
            self.rows["references"],
        )
        self.amounts, self.remarks = self.rows["amounts"], self.rows["remarks"]

    def take(self) -> ParsedFile:
        rows = self.rows
        self._new_rows()
        keys, self.keys = self.keys, []
        return ParsedFile(
            "835" if self.transaction_sets else "",
            rows,
            self.interchanges,
            self.transaction_sets,
            self.position,
            dict(self.skipped_sets),
            keys,
        )

    # --- inside an 835 transaction set -------------------------------------------------------------

    def _enter(self, loop: str) -> None:
        self.loop = loop
        self.handlers = self._loops[loop]

    def _header_ref(self, elements: list, n: int, position: int) -> None:
        if elements[1] == "EV":
            payment = self.payment
            assert payment is not None, _NO_PAYMENT
            payment[_P["receiver_id"]] = elements[2] or None

    def _header_dtm(self, elements: list, n: int, position: int) -> None:
        if elements[1] == "405":
            payment = self.payment
            assert payment is not None, _NO_PAYMENT
            payment[_P["production_date"]] = elements[2] or None

    def _payer_ref(self, elements: list, n: int, position: int) -> None:
        if elements[1] == "2U":
            payment = self.payment
            assert payment is not None, _NO_PAYMENT
            payment[_P["payer_ref_id"]] = elements[2] or None

    def _payee_ref(self, elements: list, n: int, position: int) -> None:
        if elements[1] == "TJ":
            payment = self.payment
            assert payment is not None, _NO_PAYMENT
            payment[_P["payee_tax_id"]] = elements[2] or None

    def _claim_ref(self, elements: list, n: int, position: int) -> None:
        self.references.append((self.claim_seq, None, position, elements[1] or None, elements[2] or None))

    def _claim_dtm(self, elements: list, n: int, position: int) -> None:
        field = _CLAIM_DATES.get(elements[1])
        if field is not None:
            claim = self.claim
            assert claim is not None, _NO_CLAIM
            claim[field] = elements[2] or None

    def _claim_amt(self, elements: list, n: int, position: int) -> None:
        self.amounts.append((self.claim_seq, None, position, elements[1] or None, elements[2] or None))

    def _line_ref(self, elements: list, n: int, position: int) -> None:
        qualifier, value = elements[1] or None, elements[2] or None
        line = self.line
        assert line is not None, _NO_LINE
        field = _LINE_REFERENCES.get(qualifier)
        if field is not None:
            line[field] = value
        self.references.append((self.claim_seq, line[0], position, qualifier, value))

    def _line_dtm(self, elements: list, n: int, position: int) -> None:
        field = _LINE_DATES.get(elements[1])
        if field is not None:
            line = self.line
            assert line is not None, _NO_LINE
            line[field] = elements[2] or None

    def _line_amt(self, elements: list, n: int, position: int) -> None:
        qualifier, value = elements[1] or None, elements[2] or None
        line = self.line
        assert line is not None, _NO_LINE
        if qualifier == "B6":
            line[_L_ALLOWED] = value
        self.amounts.append((self.claim_seq, line[0], position, qualifier, value))

    def _cas(self, elements: list, n: int, position: int) -> None:
        group = elements[1] or None
        if self.claim is None:
            self.diagnose(position, "error", "CAS", "CAS outside a claim; ignored")
            return
        claim_seq = self.claim_seq
        owner_line = self.line[0] if self.line is not None else None
        append = self.adjustments.append
        elements += _PAD[:2]
        for k in range(6):
            at = 2 + 3 * k
            if at >= n:
                break
            reason = elements[at] or None
            amount = elements[at + 1] or None
            if reason is None and amount is None:
                continue
            append((claim_seq, owner_line, position, k + 1, group, reason, amount, elements[at + 2] or None))
        if group is None:
            self.diagnose(position, "error", "CAS", "CAS without a group code (CAS01)")

    def _svc(self, elements: list, n: int, position: int) -> None:
        if self.claim is None:
            self.diagnose(position, "error", "SVC", "SVC outside a claim; ignored")
            return
        comp = self.comp
        self.line_seq += 1
        self.loop, self.handlers = SERVICE_LINE, self._line_handlers  # self._enter(SERVICE_LINE), at hand
        composite = (elements[1] or "").split(comp)
        composite += _PAD
        original = (elements[6] or "").split(comp)
        original += _PAD
        self.line = line = [
            self.line_seq,
            self.claim_seq,
            position,
            composite[0] or None,
            composite[1] or None,
            composite[2] or None,
            composite[3] or None,
            composite[4] or None,
            composite[5] or None,
            composite[6] or None,
            (elements[2] or None),
            (elements[3] or None),
            (elements[4] or None),
            (elements[5] or None),
            original[0] or None,
            original[1] or None,
            comp.join(m for m in original[2:6] if m) or None,
            (elements[7] or None),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ]
        self.lines.append(line)

    def _lq(self, elements: list, n: int, position: int) -> None:
        if self.line is None:
            self.diagnose(position, "warning", "LQ", "LQ outside a service line; ignored")
            return
        code = elements[2] or None
        if code:
            self.remarks.append((self.claim_seq, self.line[0], position, "LQ", elements[1] or None, code))

    def _clp(self, elements: list, n: int, position: int) -> None:
        if self.payment is None:
            return
        self.claim_seq += 1
        self.loop, self.handlers = CLAIM, self._claim_handlers  # self._enter(CLAIM), at hand
        self.line = None
        self.claim = claim = [
            self.claim_seq,
            self.payment_seq,
            position,
            (elements[1] or None),
            (elements[2] or None),
            (elements[3] or None),
            (elements[4] or None),
            (elements[5] or None),
            (elements[6] or None),
            (elements[7] or None),
            (elements[8] or None),
            (elements[9] or None),
            (elements[11] or None),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ]
        self.rows["claims"].append(claim)
        if claim[3] is None:
            self.diagnose(position, "error", "CLP", "CLP without a patient control number (CLP01)")

    def _nm1(self, elements: list, n: int, position: int) -> None:
        claim = self.claim
        if claim is None:
            return
        entity = elements[1] or None
        if entity == "QC":
            claim[_C_PAT_LAST], claim[_C_PAT_FIRST], claim[_C_PAT_ID] = (
                (elements[3] or None),
                (elements[4] or None),
                (elements[9] or None),
            )
        elif entity == "IL":
            claim[_C_INS_LAST], claim[_C_INS_FIRST], claim[_C_INS_ID] = (
                (elements[3] or None),
                (elements[4] or None),
                (elements[9] or None),
            )
        elif entity == "82":
            claim[_C_REND_NAME], claim[_C_REND_NPI] = (elements[3] or None), (elements[9] or None)
        elif entity == "TT":
            claim[_C_CROSSOVER] = elements[3] or None

    def _moa(self, elements: list, n: int, position: int, tag: str = "MOA", remarks: tuple = _MOA_REMARKS) -> None:
        if self.claim is None:
            return
        elements += _PAD
        append = self.remarks.append
        for i in remarks:
            code = elements[i]
            if code:
                append((self.claim_seq, None, position, tag, "HE", code))

    def _mia(self, elements: list, n: int, position: int) -> None:
        self._moa(elements, n, position, "MIA", _MIA_REMARKS)

    def _lx(self, elements: list, n: int, position: int) -> None:
        # a new header-number loop: what follows until the next CLP (TS3, TS2) is not part of the
        # previous claim
        self._enter(HEADER_NUMBER)
        self.claim = self.line = None

    def _plb(self, elements: list, n: int, position: int) -> None:
        self._enter(PROVIDER_ADJUSTMENTS)
        self.claim = self.line = None
        provider, fiscal = elements[1] or None, elements[2] or None
        comp, payment_seq, append = self.comp, self.payment_seq, self.rows["provider_adjustments"].append
        elements += _PAD[:2]
        for k in range(6):
            at = 3 + 2 * k
            if at >= n:
                break
            ident = elements[at].split(comp, 1)
            amount = elements[at + 1] or None
            if not ident[0] and amount is None:
                continue
            append(
                (
                    payment_seq,
                    position,
                    k + 1,
                    provider,
                    fiscal,
                    ident[0] or None,
                    ident[1] if len(ident) > 1 and ident[1] else None,
                    amount,
                )
            )

    def _n1(self, elements: list, n: int, position: int) -> None:
        if self.claim is not None:
            return
        entity, payment = elements[1] or None, self.payment
        assert payment is not None, _NO_PAYMENT
        if entity == "PR":
            self._enter(PAYER)
            payment[_P["payer_name"]] = elements[2] or None
            payment[_P["payer_id_qualifier"]] = elements[3] or None
            payment[_P["payer_id"]] = elements[4] or None
        elif entity == "PE":
            self._enter(PAYEE)
            payment[_P["payee_name"]] = elements[2] or None
            payment[_P["payee_id_qualifier"]] = elements[3] or None
            payment[_P["payee_id"]] = elements[4] or None

    def _bpr(self, elements: list, n: int, position: int) -> None:
        elements += _PAD
        payment = self.payment
        assert payment is not None, _NO_PAYMENT
        payment[_P["handling_code"]] = elements[1] or None
        payment[_P["payment_amount"]] = elements[2] or None
        payment[_P["credit_debit"]] = elements[3] or None
        payment[_P["payment_method"]] = elements[4] or None
        payment[_P["payment_format"]] = elements[5] or None
        payment[_P["payment_date"]] = elements[16] or None

    def _trn(self, elements: list, n: int, position: int) -> None:
        payment = self.payment
        assert payment is not None, _NO_PAYMENT
        payment[_P["trace_type"]] = elements[1] or None
        payment[_P["trace_number"]] = elements[2] or None
        payment[_P["originator_id"]] = elements[3] or None

    def _se(self, elements: list, n: int, position: int) -> None:
        self.in_835 = False
        self.handlers = self._between
        for problem in se_problems(elements, position, self.st_position, self.st_control):
            self.diagnose(position, "warning", "SE", problem)

    def _open_envelope(self, elements: list, n: int, position: int) -> None:
        raise unclosed(f"transaction set 835 {self.st_control}", self.st_position, "SE")

    # --- envelope segments, between transaction sets ------------------------------------------------

    def _st(self, elements: list, n: int, position: int) -> None:
        self.st_position = position
        self.st_control = st_control = (elements[2] or None) or ""
        self.gs_sets += 1
        set_id = elements[1] or None
        if set_id == "835":
            self.in_835 = True
            self.transaction_sets += 1
            self.payment_seq += 1
            self._enter(HEADER)
            self.claim = self.line = None
            payment: list = [None] * len(PAYMENT_COLUMNS)
            self.payment = payment
            payment[0], payment[1] = self.payment_seq, position
            payment[2], payment[3], payment[4] = self.isa_control, self.gs_version, st_control or None
            self.rows["payments"].append(payment)
        else:
            self.skipping = skipping = set_id or "?"
            self.skipped_sets[skipping] = self.skipped_sets.get(skipping, 0) + 1
            self.handlers = self._skipping

    def _end_skip(self, elements: list, n: int, position: int) -> None:
        self.skipping = None
        self.handlers = self._between

    def _unclosed_skip(self, elements: list, n: int, position: int) -> None:
        raise unclosed(f"transaction set {self.skipping}", self.st_position, "SE")

    def _isa(self, elements: list, n: int, position: int) -> None:
        if self.gs_version is not None:
            raise unclosed("functional group", self.gs_position, "GE")
        if self.isa_control is not None:
            raise unclosed("interchange", self.isa_position, "IEA")
        # a stray or cut-down ISA segment may lack ISA13
        self.isa_control = ((elements[13] if n > 13 else None) or "").strip() or None
        self.isa_position, self.isa_groups = position, 0

    def _gs(self, elements: list, n: int, position: int) -> None:
        if self.gs_version is not None:
            raise unclosed("functional group", self.gs_position, "GE")
        self.gs_version = (elements[8] or None) or ""
        self.gs_control = elements[6] or None
        self.gs_position, self.gs_sets = position, 0
        self.isa_groups += 1

    def _ge(self, elements: list, n: int, position: int) -> None:
        if self.gs_version is None:
            self.diagnose(position, "warning", "GE", "GE without a matching GS")
        else:
            for problem in (
                count_problem(elements[1] or None, self.gs_sets, "GE01", "transaction sets in the group"),
                control_problem(elements[2] or None, "GE02", self.gs_control, "GS06"),
            ):
                if problem:
                    self.diagnose(position, "warning", "GE", problem)
        self.gs_version = None

    def _iea(self, elements: list, n: int, position: int) -> None:
        if self.gs_version is not None:
            raise unclosed("functional group", self.gs_position, "GE")
        if self.isa_control is None:
            self.diagnose(position, "warning", "IEA", "IEA without a matching ISA")
        else:
            problem = count_problem(
                elements[1] or None, self.isa_groups, "IEA01", "functional groups in the interchange"
            )
            if problem:
                self.diagnose(position, "warning", "IEA", problem)
            control = ((elements[2] or None) or "").strip()
            if control != self.isa_control:
                self.diagnose(
                    position, "warning", "IEA", f"IEA02 {control!r} does not match ISA13 {self.isa_control!r}"
                )
        self.isa_control = None

    def _end_interchange(self) -> None:
        if self.interchange is not None:
            sender, control, position, digest = self.interchange
            self.keys.append((sender, control, position, digest.hexdigest()))
            self.interchange = None


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
