"""The tokenizer finds segments whatever the delimiters and layout, and refuses what is not X12."""

from __future__ import annotations

import pytest

from analytics.x12 import NotX12Error, chunks, decode

ISA = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*P*:"


def test_delimiters_come_from_the_isa_header():
    [chunk] = list(chunks(ISA + "~GS*HP*A*B*20240101*1200*1*X*005010X221A1~IEA*1*000000001~"))
    d = chunk.delimiters
    assert (d.element, d.component, d.repetition, d.segment) == ("*", ":", "^", "~")
    assert chunk.segments[1].startswith("GS*HP")


def test_4010_has_no_repetition_separator():
    header = ISA.replace("*^*00501*", "*U*00401*")
    [chunk] = list(chunks(header + "~IEA*1*000000001~"))
    assert chunk.delimiters.repetition is None


def test_several_interchanges_with_their_own_delimiters():
    second = ISA.replace("*", "|").replace("|:", "|^") + "\nGS|HP\nIEA|1|000000001\n"
    parts = list(chunks(ISA + "~IEA*1*000000001~\n" + second))
    assert [(c.delimiters.element, c.delimiters.component, c.delimiters.segment) for c in parts] == [
        ("*", ":", "~"),
        ("|", "^", "\n"),
    ]
    assert parts[1].segments[1:] == ["GS|HP", "IEA|1|000000001"]


def test_crlf_bom_and_indentation():
    text = "\ufeff" + ISA + "\r\n   GS*HP\r\n      IEA*1*000000001\r\n"
    [chunk] = list(chunks(decode(text.encode("utf-8"))))
    assert chunk.segments[1:] == ["GS*HP", "IEA*1*000000001"]


def test_bare_fragment_guesses_delimiters():
    [chunk] = list(chunks("ST*835*1~CLP*1*1*10*10~SVC*HC>99213*10*10~SE*4*1~"))
    assert not chunk.enveloped
    assert (chunk.delimiters.element, chunk.delimiters.component, chunk.delimiters.segment) == ("*", ">", "~")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"Name,Amount\nSmith,10\n", "not an X12 file"),
        (b"ISA*00*", "cut short"),
    ],
)
def test_not_x12(data, message):
    with pytest.raises(NotX12Error, match=message):
        list(chunks(decode(data)))


def test_latin1_text_is_accepted():
    text = decode((ISA + "~NM1*QC*1*MU\xd1OZ~IEA*1*000000001~").encode("latin-1"))
    assert "MU\xd1OZ" in text
