"""Tokenise X12 text into segments, whatever the sender's delimiters and layout.

Real remittance files use `*` or `|` between elements, `~`, newline or CRLF after segments, may start
with a UTF-8 byte-order mark, indent segments, hold several interchanges (each with its own ISA), or be
bare ST..SE fragments cut out of an interchange. Everything here is about finding segments reliably and
fast; what the segments mean is the business of `remittance` (835) and later readers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

# Characters that may surround a segment without belonging to it: white space from pretty-printed files,
# and the stray `~` some tools put at the start of newline-terminated segments.
_PADDING = " \t\r\n\f\v~"

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
# The composite qualifier at the start of SVC01 tells the component separator of a bare fragment.
_SVC_COMPOSITE = re.compile(r"SVC.(?:HC|AD|ER|IV|N4|NU|WK|ZZ|HP|N6|NH|RB|HS)([^A-Za-z0-9])")


class NotX12Error(ValueError):
    """The input is not X12 text at all (empty, binary, or something else)."""


@dataclass(frozen=True)
class Delimiters:
    element: str
    component: str
    repetition: str | None
    segment: str


@dataclass
class Chunk:
    """A run of segments sharing one set of delimiters: one interchange, or one bare fragment."""

    delimiters: Delimiters
    segments: list[str]
    enveloped: bool


def decode(data: bytes) -> str:
    """Bytes to text, refusing what cannot be X12 (binary content, nothing at all)."""
    if not data.strip():
        raise NotX12Error("the file is empty")
    if b"\x00" in data[:65536]:
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
        raise NotX12Error("the ISA header is cut short")
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
            raise NotX12Error("the ISA header is cut short (fewer than 16 elements)")
    if len(text) < at + 3:
        raise NotX12Error("the ISA header is cut short (no segment terminator)")
    component = text[at + 1]
    terminator = text[at + 2]
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


def chunks(text: str) -> Iterator[Chunk]:
    """Split decoded X12 text into interchanges (or one bare fragment), each with its segment strings."""
    pos = _start(text)
    if text.startswith("ISA", pos):
        while pos < len(text):
            delimiters, body_start = _isa_delimiters(text, pos)
            # The next interchange starts at an ISA segment after a terminator (plus any padding).
            # It may declare other delimiters, so any separator may follow "ISA".
            next_isa = re.compile(re.escape(delimiters.segment) + r"[\s~]*(?=ISA[^A-Za-z0-9\s])").search(text, body_start)
            end = next_isa.end() if next_isa else len(text)
            isa = text[pos : body_start].rstrip(_PADDING)
            body = text[body_start:end].split(delimiters.segment)
            segments = [isa] + [s.strip(_PADDING) for s in body]
            yield Chunk(delimiters, [s for s in segments if s], True)
            pos = _start(text, end) if next_isa else len(text)
    elif text.startswith(("ST", "GS"), pos) and len(text) > pos + 2 and not text[pos + 2].isalnum():
        delimiters = _fragment_delimiters(text, pos)
        body = text[pos:].split(delimiters.segment)
        yield Chunk(delimiters, [s for s in (b.strip(_PADDING) for b in body) if s], False)
    else:
        sample = text[pos : pos + 20].splitlines()[0] if text[pos:] else ""
        raise NotX12Error(f"not an X12 file: it starts with {sample!r} where an ISA header or ST segment was expected")


def is_segment_id(value: str) -> bool:
    return bool(_SEGMENT_ID.fullmatch(value))
