"""Fuzz the readers with mutated corpus files: no exception escapes, only diagnostics and refusals.

Real 835 and 837 files from ../shared/corpus are mutated the ways files get damaged or mangled in real
use (segments deleted, repeated or swapped, elements changed or dropped, random bytes, truncation
anywhere, other delimiters in the ISA header, a byte-order mark or white space, huge numbers,
non-ASCII text), then:

- the 835 reader (remittance.read) and the 837 reader (billed_claims.read) either read the file
  or refuse it with one of the documented errors, NotX12Error or TruncatedError (a subclass);
- loader.load_file on a fresh database never raises: the file is loaded (with diagnostics), or
  reported 'failed' / 'skipped' with a message naming the problem and the database unchanged.

Hypothesis runs derandomized (the same examples on every run, so CI is deterministic) and bounded so
the module takes about half a minute.
"""

from __future__ import annotations

import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from analytics import __main__ as cli, billed_claims, database, loader, remittance
from analytics.ingest import memory
from analytics.x12 import NotX12Error, decode
from conftest import CORPUS_835, CORPUS_837, LOADED_TABLES, corpus_files, needs_shared

pytestmark = needs_shared

FILES = corpus_files(CORPUS_835) + corpus_files(CORPUS_837)
CONTENT = {p.name: p.read_bytes() for p in FILES}

# Values put into elements: empty, huge and odd numbers and dates, non-ASCII, separators, control text.
ODD_VALUES = [
    "",
    "0",
    "-0",
    "9" * 40,
    "99999999999999999.99",
    "-1E+400",
    "1e-400",
    "NaN",
    "inf",
    "1,000.00",
    "12.345.67",
    "²",
    "٣",
    "Ñ",
    "日本語",
    "\u00a0",
    "\u2028",
    "20241399",
    "00000000",
    "99999999",
    "20240230",
    "2024-03-01",
    "*",
    "~",
    ":",
    "^",
    "|",
    "\t",
    " " * 20,
    "ISA",
    "SE",
    "IEA*1*1",
    "\x00",
    "\x1c",
    "\ufeff",
    "A" * 300,
]
# Segments a mutation may aim at, so that the envelope and the segments the readers keep are hit often.
TAGS = [
    "ISA",
    "GS",
    "ST",
    "SE",
    "GE",
    "IEA",
    "BPR",
    "TRN",
    "N1",
    "CLP",
    "SVC",
    "CAS",
    "LQ",
    "MOA",
    "MIA",
    "PLB",
    "LX",
    "REF",
    "DTM",
    "AMT",
    "NM1",
    "BHT",
    "HL",
    "SBR",
    "CLM",
    "SV1",
    "SV2",
    "DTP",
    "HI",
    "LIN",
    "CTP",
    "SVD",
    "DMG",
]
NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]*)?")
value = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=12))
index = st.integers(min_value=0, max_value=10**6)
mutation = st.one_of(
    st.tuples(st.just("delete"), index),
    st.tuples(st.just("duplicate"), index),
    st.tuples(st.just("swap"), index, index),
    st.tuples(st.just("move"), index, index),
    st.tuples(st.just("set_element"), index, st.integers(0, 30), value),
    st.tuples(st.just("set_element@"), st.sampled_from(TAGS), st.integers(0, 30), value),
    st.tuples(st.just("drop_element"), index, st.integers(0, 30)),
    st.tuples(st.just("drop_element@"), st.sampled_from(TAGS), st.integers(0, 30)),
    st.tuples(st.just("delete@"), st.sampled_from(TAGS)),
    st.tuples(st.just("duplicate@"), st.sampled_from(TAGS)),
    st.tuples(st.just("move@"), st.sampled_from(TAGS), index),
    st.tuples(st.just("every_number"), value),
    st.tuples(st.just("every_element"), st.integers(1, 12), value),
    st.tuples(st.just("insert_bytes"), index, st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("replace_byte"), index, st.integers(0, 255)),
    st.tuples(st.just("truncate"), index),
    st.tuples(
        st.just("isa_delimiter"),
        st.sampled_from(["element", "component", "segment", "repetition"]),
        st.sampled_from(list("*|^:~!\n\r\t >+ A0") + ["\x1d", "Ñ"]),
    ),
    st.tuples(
        st.just("respell"), st.sampled_from(["element", "segment"]), st.sampled_from(list("|!^~\n+") + ["\r\n", "\x1c"])
    ),
    st.tuples(st.just("bom"), st.booleans()),
    st.tuples(st.just("whitespace"), index, st.sampled_from([" ", "\n", "\r\n", "\t\t", "   \n   ", "\x0b\x0c"])),
)


def _layout(text: str) -> tuple[str, str, int]:
    """Element separator, segment terminator and ISA offset of the (latin-1 decoded) text, as far as
    they can be told; the mutations only need a plausible split."""
    start = len(text) - len(text.lstrip("\ufeff\xef\xbb\xbf \t\r\n"))
    if text.startswith("ISA", start) and len(text) > start + 4:
        element = text[start + 3]
        fields = text[start : start + 400].split(element)
        if len(fields) > 16 and len(fields[16]) > 1:
            return element, fields[16][1], start
        return element, "~", start
    element = text[start + 2] if len(text) > start + 2 else "*"
    return element, "~" if "~" in text else "\n", start


def mutate(data: bytes, mutations: list) -> bytes:
    # latin-1 maps bytes to characters one to one, so any byte sequence survives the round trip
    text = data.decode("latin-1")
    for op, *args in mutations:
        element, terminator, isa = _layout(text)
        segments = text.split(terminator)
        n = len(segments)
        if op.endswith("@"):
            # aimed at a segment with this tag (one picked by the file's length), if there is one
            op = op[:-1]
            tagged = [i for i, s in enumerate(segments) if s.strip(" \t\r\n~").startswith(args[0] + element)]
            if not tagged:
                continue
            args = [tagged[(len(text) * 7 + len(mutations)) % len(tagged)], *args[1:]]
        if op == "delete":
            del segments[args[0] % n]
        elif op == "duplicate":
            i = args[0] % n
            segments.insert(i, segments[i])
        elif op == "swap":
            i, j = args[0] % n, args[1] % n
            segments[i], segments[j] = segments[j], segments[i]
        elif op == "move":
            segments.insert(args[1] % n, segments.pop(args[0] % n))
        elif op == "set_element":
            i = args[0] % n
            fields = segments[i].split(element)
            k = args[1] % max(len(fields), 1)
            fields[k] = args[2].encode("utf-8").decode("latin-1")
            segments[i] = element.join(fields)
        elif op in ("every_number", "every_element"):
            # the same value in many places at once: every number (amounts, counts, control numbers),
            # or one element position of every segment
            new = args[-1].encode("utf-8").decode("latin-1")
            for i, segment in enumerate(segments):
                fields = segment.split(element)
                for k in range(1, len(fields)) if op == "every_number" else [args[0]] if args[0] < len(fields) else []:
                    if op == "every_element" or NUMBER.fullmatch(fields[k]):
                        fields[k] = new
                segments[i] = element.join(fields)
        elif op == "drop_element":
            i = args[0] % n
            fields = segments[i].split(element)
            del fields[args[1] % len(fields)]
            segments[i] = element.join(fields)
        elif op == "insert_bytes":
            at = args[0] % (len(text) + 1)
            text = text[:at] + args[1].decode("latin-1") + text[at:]
            continue
        elif op == "replace_byte":
            if text:
                at = args[0] % len(text)
                text = text[:at] + chr(args[1]) + text[at + 1 :]
            continue
        elif op == "truncate":
            text = text[: args[0] % (len(text) + 1)]
            continue
        elif op == "isa_delimiter":
            # one of the ISA's delimiter characters changed, without changing the rest of the file
            at = {"element": isa + 3, "repetition": isa + 82, "component": isa + 104, "segment": isa + 105}[args[0]]
            if at < len(text):
                text = text[:at] + args[1].encode("utf-8").decode("latin-1") + text[at + 1 :]
            continue
        elif op == "respell":
            # the whole file written with another separator or terminator, ISA included
            old = element if args[0] == "element" else terminator
            text = text.replace(old, args[1])
            continue
        elif op == "bom":
            text = ("\xef\xbb\xbf" if args[0] else "\ufeff".encode("utf-8").decode("latin-1") + " \r\n") + text
            continue
        elif op == "whitespace":
            i = args[0] % n
            segments[i] = args[1] + segments[i]
        text = terminator.join(segments)
    return text.encode("latin-1")


def read_both(data: bytes) -> None:
    """Run both readers; only the documented refusals may come out."""
    try:
        remittance.read(data)
    except NotX12Error:  # TruncatedError included
        pass
    try:
        billed_claims.read(decode(data))
    except NotX12Error:
        pass


def fuzz(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@fuzz(700)
@given(name=st.sampled_from(sorted(CONTENT)), mutations=st.lists(mutation, min_size=1, max_size=4))
def test_readers_refuse_or_diagnose_never_crash(name, mutations):
    read_both(mutate(CONTENT[name], mutations))


@fuzz(250)
@given(name=st.sampled_from(sorted(CONTENT)), cut=st.integers(0, 10**7), extra=st.binary(max_size=8))
def test_truncated_anywhere(name, cut, extra):
    data = CONTENT[name]
    read_both(data[: cut % (len(data) + 1)] + extra)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A fresh database, made once and copied for each example (opening a copy is much faster)."""
    path = tmp_path_factory.mktemp("fuzz") / "template.duckdb"
    database.connect(path).close()
    return path


TABLES = (*LOADED_TABLES, "remarks", "denials", "billed_claims", "billed_lines")


def _counts(con) -> dict:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}


@fuzz(40)
@given(
    name=st.sampled_from(sorted(CONTENT)), mutations=st.lists(mutation, min_size=1, max_size=3), streamed=st.booleans()
)
def test_load_file_never_raises(template, tmp_path_factory, name, mutations, streamed):
    """Loaded whole, or streamed in small pieces (as a file over memory.STREAM_BYTES is)."""
    data = mutate(CONTENT[name], mutations)
    folder = tmp_path_factory.mktemp("example")
    path = folder / name
    path.write_bytes(data)
    shutil.copy(template, folder / "db.duckdb")
    con = database.connect(folder / "db.duckdb")
    sizes = memory.STREAM_BYTES, memory.PIECE_CHARS
    if streamed:
        memory.STREAM_BYTES, memory.PIECE_CHARS = 0, 700
    try:
        before = _counts(con)
        result = loader.load_file(con, path)
        assert result.status in ("loaded", "failed", "skipped"), cli.result_line(result)
        if result.status == "loaded":
            assert con.execute("SELECT count(*) FROM source_files").fetchall() == [(1,)]
            assert con.execute("SELECT count(*) FROM load_diagnostics").fetchall() == [(result.diagnostics,)]
        else:
            # a message naming the problem, never a database error (that would be a bug of ours)
            assert "nothing loaded" in result.message and "database error" not in result.message, cli.result_line(
                result
            )
            assert _counts(con) == before
    finally:
        memory.STREAM_BYTES, memory.PIECE_CHARS = sizes
        con.close()
        shutil.rmtree(folder, ignore_errors=True)
