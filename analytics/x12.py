"""Tokenise X12 text into segments, whatever the sender's delimiters and layout.

Real remittance files use `*` or `|` between elements, `~`, newline or CRLF after segments, may start
with a UTF-8 byte-order mark, indent segments, hold several interchanges (each with its own ISA), or be
bare ST..SE fragments cut out of an interchange. Everything here is about finding segments reliably and
fast, plus the envelope basics every X12 reader shares (TruncatedError, the counts SE01 / GE01 / IEA01
declare); what the segments mean is the business of the transaction readers, `remittance` (835) and
`billed_claims` (837), which sit side by side on this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat

from analytics.ingest.contract import ReadError

# Characters that may surround a segment without belonging to it: white space from pretty-printed files,
# and the stray `~` some tools put at the start of newline-terminated segments.
_PADDING = " \t\r\n\f\v~"

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
# The composite qualifier at the start of SVC01 tells the component separator of a bare fragment.
_SVC_COMPOSITE = re.compile(r"SVC.(?:HC|AD|ER|IV|N4|NU|WK|ZZ|HP|N6|NH|RB|HS)([^A-Za-z0-9])")


class NotX12Error(ReadError):
    """The input is not X12 text at all (empty, binary, or something else)."""


class TruncatedError(NotX12Error):
    """The file ends before an envelope it opened was closed: the sender's copy was cut off."""


@dataclass(frozen=True)
class Delimiters:
    element: str
    component: str
    repetition: str | None
    segment: str


@dataclass
class Chunk:
    """A run of segments sharing one set of delimiters: one interchange, or one bare fragment (or, read
    in pieces by `stream`, part of one: `continued` when an earlier piece held its start)."""

    delimiters: Delimiters
    segments: list[str]
    enveloped: bool
    continued: bool = False


class _CutShort(NotX12Error):
    """The ISA header runs past the end of the text: with more text it may be complete."""


def decode(data: bytes) -> str:
    """Bytes to text, refusing what cannot be X12 (binary content, nothing at all)."""
    if not data.strip():
        raise NotX12Error("the file is empty")
    if b"\x00" in data:  # anywhere: X12 text never holds one, and a NUL deep in a file is as binary as one at its start
        raise NotX12Error("the file is binary (it contains NUL bytes), not X12 text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # X12's extended character set is Latin-1 in practice; every byte decodes.
        return data.decode("latin-1")


def _start(text: str, pos: int = 0) -> int:
    n = len(text)
    while pos < n and text[pos] in _PADDING + "\ufeff":
        pos += 1
    return pos


def _isa_delimiters(text: str, pos: int) -> tuple[Delimiters, int]:
    """Read the delimiters an ISA header declares; return them and the offset after the ISA segment."""
    if len(text) < pos + 16:
        raise _CutShort("the ISA header is cut short")
    element = text[pos + 3]
    if element.isalnum() or element.isspace():
        raise NotX12Error(f"the ISA header has no usable element separator (found {element!r})")
    # ISA has 16 elements; ISA16 is the single character after the 16th separator, the segment
    # terminator the character after that. Counting separators instead of trusting the fixed width of
    # 106 characters tolerates headers whose padding was trimmed.
    at = pos
    for _ in range(16):
        at = text.find(element, at + 1)
        if at < 0:
            raise _CutShort("the ISA header is cut short (fewer than 16 elements)")
    if len(text) < at + 3:
        raise _CutShort("the ISA header is cut short (no segment terminator)")
    component = text[at + 1]
    terminator = text[at + 2]
    header = text[pos : at + 2]
    if terminator in (element, component) or terminator in header or "\n" in header or "\r" in header:
        # the 16 elements ran on into the segments after the header: it has fewer
        first = re.split(r"[~\r\n]", text[pos : pos + 1000], maxsplit=1)[0]
        raise NotX12Error(f"the ISA header is malformed: it has {first.count(element)} elements where 16 are needed")
    end = at + 3
    if terminator == "\r":
        terminator = "\n"  # CRLF: split on LF, the CR is stripped as padding
        if end < len(text) and text[end] == "\n":
            end += 1
    fields = text[pos:at].split(element)
    version = fields[12] if len(fields) > 12 else ""
    repetition = fields[11] if version >= "00501" and len(fields) > 11 else None
    return Delimiters(element, component, repetition, terminator), end


def _fragment_delimiters(text: str, pos: int) -> Delimiters:
    """Guess delimiters for a bare GS/ST fragment, which carries no ISA header to declare them."""
    element = text[pos + 2] if len(text) > pos + 2 else "*"
    head = text[pos : pos + 4000]
    terminator = "~" if "~" in head and element != "~" else "\n"
    found = _SVC_COMPOSITE.search(text, pos, pos + 200000)
    component = found.group(1) if found else ":"
    if component == element:
        component = ":"
    return Delimiters(element, component, None, terminator)


def _next_isa(delimiters: Delimiters) -> re.Pattern:
    """The next interchange starts at an ISA segment after a terminator (plus any padding). It may
    declare other delimiters, so any separator may follow "ISA"; the match ends where the ISA starts."""
    return re.compile(re.escape(delimiters.segment) + r"[\s~]*(?=ISA[^A-Za-z0-9\s])")


def chunks(text: str) -> Iterator[Chunk]:
    """Split decoded X12 text into interchanges (or one bare fragment), each with its segment strings."""
    pos = _start(text)
    if text.startswith("ISA", pos):
        while pos < len(text):
            delimiters, body_start = _isa_delimiters(text, pos)
            next_isa = _next_isa(delimiters).search(text, body_start)
            end = next_isa.end() if next_isa else len(text)
            isa = text[pos:body_start].rstrip(_PADDING)
            yield Chunk(delimiters, [isa, *_segments(text[body_start:end], delimiters.segment)], True)
            pos = _start(text, end) if next_isa else len(text)
    elif text.startswith(("ST", "GS"), pos) and len(text) > pos + 2 and not text[pos + 2].isalnum():
        delimiters = _fragment_delimiters(text, pos)
        yield Chunk(delimiters, _segments(text[pos:], delimiters.segment), False)
    else:
        raise _not_x12(text, pos)


def _segments(text: str, terminator: str) -> list[str]:
    """The segments of the text, without their padding; none empty (split and stripped in C)."""
    return list(filter(None, map(str.strip, text.split(terminator), repeat(_PADDING))))


def _not_x12(text: str, pos: int) -> NotX12Error:
    sample = text[pos : pos + 20].splitlines()[0] if text[pos:] else ""
    return NotX12Error(f"not an X12 file: it starts with {sample!r} where an ISA header or ST segment was expected")


# How far `chunks` looks ahead from the start (a bare fragment's component separator, from SVC01).
_LOOKAHEAD = 200_010
# The longest ISA header `stream` waits for (a real one is 106 characters).
_LONGEST_ISA = 1 << 20


def stream(blocks: Iterable[str], piece: int) -> Iterator[list[Chunk]]:  # noqa: C901 - one scanner reads better whole
    """What `chunks` yields for the text the blocks make up, read block by block and handed out in
    pieces of about `piece` characters, so that a file far larger than memory can be read.

    A piece ends after an SE segment or at the end of an interchange, nowhere else: there a reader holds
    no open claim or line, so each piece's rows are complete, and a reader that carries its state from
    piece to piece (remittance.read, billed_claims.read) reads exactly what it reads from the whole text. An
    interchange cut between pieces goes on in the next with the delimiters its ISA declared (marked
    `continued`, so that it is counted once). A transaction set larger than `piece` makes a piece that
    large. Raises NotX12Error as `chunks` does, once the text has reached the point where it would."""
    source = iter(blocks)
    buf = ""
    eof = False

    def more() -> None:
        nonlocal buf, eof
        for block in source:
            if block:
                buf += block
                return
        eof = True

    while not eof and len(buf) < _start(buf) + _LOOKAHEAD:
        more()
    pos = _start(buf)
    enveloped = buf.startswith("ISA", pos)
    if not enveloped and not (buf.startswith(("ST", "GS"), pos) and len(buf) > pos + 2 and not buf[pos + 2].isalnum()):
        raise _not_x12(buf, pos)

    out: list[Chunk] = []  # the piece being filled, and its size in characters
    size = 0
    while True:
        # One interchange (or the whole bare fragment): its header, then its body, in as many pieces as it takes.
        if enveloped:
            while True:
                try:
                    delimiters, at = _isa_delimiters(buf, pos)
                except NotX12Error as e:
                    if isinstance(e, _CutShort) and not eof and len(buf) - pos <= _LONGEST_ISA:
                        buf, pos = buf[pos:], 0  # keep only what is still to be read
                        more()
                        continue
                    if out:  # the interchanges before this one first, as `chunks` gives them
                        yield out
                    raise
                if at == len(buf) and buf[at - 1] == "\r" and not eof:
                    more()  # a CR terminator may be followed by the LF that belongs to it
                    continue
                break
            head = [buf[pos:at].rstrip(_PADDING)]
            find_end = _next_isa(delimiters)
        else:
            delimiters, at, head, find_end = _fragment_delimiters(buf, pos), pos, [], None
        term = delimiters.segment
        # an SE segment: after a terminator and padding, "SE" and an element separator
        find_se = re.compile(re.escape(term) + "[" + re.escape(_PADDING) + "]*SE" + re.escape(delimiters.element))
        search = at  # the interchange's end is not before this
        cut_from = None  # an SE that ends the piece is not before this
        continued = False
        while True:
            found = find_end.search(buf, search) if find_end is not None else None
            end, known = (found.end(), True) if found else (len(buf), eof)
            cut = None
            if not known or end - at > piece - size:
                # The piece fills up before the interchange ends: cut it after the first SE segment
                # past its size (an SE as the first segment after `at` has its terminator at at - 1).
                begin = max(at - 1 + max(piece - size, 0), 0) if cut_from is None else cut_from
                match = find_se.search(buf, begin, end)
                if match is not None:
                    stop = buf.find(term, match.end(), end)
                    if stop >= 0:
                        cut = stop + 1
                    else:
                        cut_from = match.start()  # the SE segment is not complete yet
                else:
                    # none yet; one may start at the last terminator, completed by text to come
                    last = buf.rfind(term, begin, end)
                    cut_from = last if last >= 0 else max(begin, end)
            if cut is None and not known:
                # Neither the end of the interchange nor a place to cut is in hand: read on. The next
                # ISA can only follow the last terminator read so far; what was read before `at` (less
                # the terminator before it) is not needed any more.
                last = buf.rfind(term, search)
                search = last if last >= 0 else len(buf)
                shift = max(min(at - 1, search, cut_from if cut_from is not None else at), 0)
                if shift:
                    buf = buf[shift:]
                    at, search = at - shift, search - shift
                    cut_from = cut_from - shift if cut_from is not None else None
                more()
                continue
            stop = end if cut is None else cut
            segments = _segments(buf[at:stop], term)
            if head or segments:
                out.append(Chunk(delimiters, head + segments, enveloped, continued))
                head, continued = [], True
            size += stop - at
            at = stop
            if size >= piece:
                yield out
                out, size = [], 0
            if cut is None:
                break
            # Cut after an SE: the interchange goes on. Its end cannot come before that SE's terminator.
            search, cut_from = cut - 1, None
            shift = max(at - 1, 0)
            buf, at, search = buf[shift:], at - shift, search - shift
        if found is None:
            break  # the end of the text
        pos = end
    if out:
        yield out


def is_segment_id(value: str) -> bool:
    return bool(_SEGMENT_ID.fullmatch(value))


# Envelope segments: between transaction sets only these (and ST) are expected; inside a set, one of
# them before its SE means the set was cut off.
ENVELOPE = ("ST", "GE", "IEA", "ISA", "GS")


def count_of(declared: str | None) -> int | None:
    """A count an envelope declares (SE01, GE01, IEA01): ASCII digits only ('²' is a digit to Python
    but not a number int() reads, nor an X12 one)."""
    text = (declared or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def count_problem(declared: str | None, actual: int, name: str, what: str) -> str | None:
    """The diagnostic when a declared count (SE01, GE01, IEA01) is not the count read, else None."""
    if count_of(declared) != actual:
        return f"{name} says {declared!r} {what}; counted {actual}"
    return None


def control_problem(found: str | None, name: str, expected: str | None, opener: str) -> str | None:
    """The diagnostic when a trailer's control number (SE02, GE02) is not its header's, else None."""
    if found != expected:
        return f"{name} {found!r} does not match {opener} {expected!r}"
    return None


def se_problems(elements: list, position: int, st_position: int, st_control: str | None) -> list[str]:
    """What an SE trailer gets wrong against its ST (SE01 the segments counted, SE02 the control
    number): the diagnostics every transaction reader records, in that order."""
    found = (
        count_problem(elements[1] or None, position - st_position + 1, "SE01", "segments in the transaction set"),
        control_problem(elements[2] or None, "SE02", st_control, "ST02"),
    )
    return [problem for problem in found if problem]


def read_whole(reader, data: bytes | str):
    """A transaction reader (remittance.Reader, billed_claims.Reader) over a whole file: the skeleton of their
    `read`. Bytes are decoded first (`decode` refuses what cannot be X12)."""
    reader.feed(chunks(decode(data) if isinstance(data, bytes) else data))
    reader.finish()
    return reader.take()


def unclosed(what: str, position: int, closer: str) -> TruncatedError:
    """The error for an envelope opened at segment `position` and never closed."""
    return TruncatedError(f"{what} starting at segment {position} has no {closer} trailer")
