"""An X12 file as the loader takes it: 835 remittances, 837 claims or both, read by both transaction
readers (`remittance`, `claims`) into one ParsedFile (the reader contract, analytics/ingest/contract.py).

The 835 reader reads every file (it checks the envelopes); the 837 reader reads it too when it holds
837 transaction sets. A cut-off file is refused as a truncated 835 or 837, whichever was cut off.
`Stream` does the same for a file read in pieces (x12.stream), carrying both readers' state along.
"""

from __future__ import annotations

from collections.abc import Iterator

from analytics import billed_claims, remittance
from analytics.ingest.contract import ParsedFile, ReadOptions
from analytics.x12 import Chunk, NotX12Error, TruncatedError, decode


def read(data: bytes | str, options: ReadOptions | None = None) -> ParsedFile:
    """The reader contract for X12: one file's 835 and 837 rows (`options`: none apply). Raises
    NotX12Error, or TruncatedError with a message saying which kind of file was cut off ('truncated
    835: ...')."""
    text = decode(data) if isinstance(data, bytes) else data
    try:
        remit = remittance.read(text)
        billed = billed_claims.read(text) if "837" in remit.skipped_sets else None
    except TruncatedError as e:
        raise TruncatedError(f"truncated {_which_cut(text, e)}") from None
    return _combine(remit, billed)


def _which_cut(text: str, error: TruncatedError) -> str:
    """Which kind of file was cut off, and where ('835: ...'). The 835 reader refuses every cut-off
    file, an 837 set included (it skips the set and never finds its SE); the 837 reader says whether
    an 837 is the one."""
    try:
        billed = billed_claims.read(text)
    except TruncatedError as cut:
        return f"837: {cut}"
    except NotX12Error:
        pass
    else:
        if billed.transaction_sets and "835" not in billed.skipped_sets:
            return f"837: {error}"  # an 837 file whose envelope is cut off
    return f"835: {error}"


def _combine(remit: ParsedFile, billed: ParsedFile | None) -> ParsedFile:
    """One ParsedFile from the two readers': what the file holds ('835', '837', '835+837', or '' for
    neither) from the 835 reader's sets, its 837 sets counting only when the 837 reader read them."""
    skipped = dict(remit.skipped_sets)
    billed_sets = billed.transaction_sets if billed is not None and skipped.pop("837", None) is not None else 0
    kind = "+".join(k for k, n in (("835", remit.transaction_sets), ("837", billed_sets)) if n)
    rows = dict(remit.rows)
    if billed is not None:
        rows["billed_claims"], rows["billed_lines"] = billed.rows["billed_claims"], billed.rows["billed_lines"]
        if billed.diagnostics:  # one list of diagnostics in file order
            rows["diagnostics"] = sorted(remit.diagnostics + billed.diagnostics, key=lambda d: d[0])
    return ParsedFile(
        kind, rows, remit.interchanges, remit.transaction_sets, remit.segments, skipped, remit.interchange_keys
    )


class Stream:
    """Both readers over a file read in pieces: `read(piece, rest)` gives the rows of each piece (with
    the counts of the file so far); the last call, with piece None, checks that nothing is left open."""

    def __init__(self) -> None:
        self.remit, self.bill = remittance.Reader(), billed_claims.Reader()
        self.claims_read = 0  # the 835 reader's claims before the piece read last

    def read(self, piece: list[Chunk] | None, rest: Iterator) -> ParsedFile:
        """The rows of `piece` (None: the end of the file). `rest`: the pieces after it, read on to
        say which kind of file was cut off when it was."""
        self.claims_read = self.remit.claim_seq
        try:
            self.remit.feed(piece or ())
            if piece is None:
                self.remit.finish()
        except TruncatedError as e:
            raise TruncatedError(f"truncated {self._which_cut(e, piece, rest)}") from None
        try:
            self.bill.feed(piece or ())
            if piece is None:
                self.bill.finish()
        except TruncatedError as e:
            raise TruncatedError(f"truncated 837: {e}") from None
        return _combine(self.remit.take(), self.bill.take())

    def _which_cut(self, error: TruncatedError, piece, rest: Iterator) -> str:
        """_which_cut for a file in pieces: the 835 reader stopped in `piece`; the 837 reader, where it
        stands, reads on through it and the rest of the file to say whether an 837 is the one cut off."""
        try:
            while True:
                self.bill.feed(piece or ())
                if piece is None:
                    self.bill.finish()
                    break
                piece = next(rest, None)
        except TruncatedError as cut:
            return f"837: {cut}"
        except NotX12Error:  # not X12 further on, or the file changed (streaming.Changed)
            return f"835: {error}"
        if self.bill.transaction_sets and "835" not in self.bill.skipped_sets:
            return f"837: {error}"  # an 837 file whose envelope is cut off
        return f"835: {error}"
