"""The input formats' registry (analytics/ingest/formats.py): a format is its reader and one line in
FORMATS. A toy format registered here, and nowhere else, loads through the path X12 and CSV files take:
recognised from its bytes by `load` (load_paths), or chosen by name (load_contents), hashed, skipped when
loaded already, refused whole with its reader's reason, stored, reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import database, loader
from analytics.ingest import formats
from analytics.ingest.contract import BILLED_CLAIM_COLUMNS, ParsedFile, ReadError, ReadOptions
from conftest import remittance_835, rows


def read_toy(data: bytes, options: ReadOptions) -> ParsedFile:
    """A toy reader: after a 'TOY' line, one billed claim per line, 'claim id,charge,CCYYMMDD'."""
    lines = data.decode().splitlines()[1:]
    if not lines:
        raise ReadError("a toy file without claims")
    claims = []
    for n, line in enumerate(lines, start=1):
        claim_id, charge, submitted = line.split(",")
        values = {"claim_id": claim_id, "charge_amount": charge, "submitted_date": submitted, "payer_name": "TOY"}
        claims.append(
            tuple(n if c in ("submission_seq", "segment_position") else values.get(c) for c in BILLED_CLAIM_COLUMNS)
        )
    return ParsedFile("toy claims", {"billed_claims": claims, "billed_lines": []}, segments=len(lines))


TOY = formats.Format("toy", "toy", read_toy, lambda data: data.startswith(b"TOY\n"))


@pytest.fixture
def con(tmp_path, monkeypatch):
    monkeypatch.setitem(formats.FORMATS, TOY.name, TOY)  # the one registration line, made in the test
    connection = database.connect(tmp_path / "test.duckdb")
    yield connection
    connection.close()


def test_a_registered_format_loads_through_the_shared_path(con, tmp_path):
    toy = tmp_path / "claims.toy"
    toy.write_bytes(b"TOY\nC1,100.00,20240105\nC2,250.50,20240106\n")
    [result] = loader.load_paths(con, [toy])  # recognised from its bytes, as `python -m analytics load` reads
    assert (result.status, result.kind, result.counts["billed_claims"]) == ("loaded", "toy claims", 2), result.message
    assert rows(con, "SELECT claim_id, payer_name FROM bill_claims ORDER BY claim_id") == [("C1", "TOY"), ("C2", "TOY")]
    assert rows(con, "SELECT file_name, size_bytes FROM source_files") == [("claims.toy", toy.stat().st_size)]

    # the same bytes again, by name or recognised: loaded already, nothing changed
    [again] = loader.load_contents(con, [(Path("copy.toy"), toy.read_bytes())], fmt="toy")
    assert (again.status, again.message) == ("already loaded", "same content as claims.toy; nothing changed")

    # refused whole with the reader's reason
    [empty] = loader.load_contents(con, [(Path("empty.toy"), b"TOY\n")])
    assert (empty.status, empty.message) == ("failed", "a toy file without claims; nothing loaded")
    assert rows(con, "SELECT count(*) FROM source_files") == [(1,)]


def test_x12_is_recognised_by_its_isa_and_csv_is_read_only_when_named(con):
    x12 = remittance_835().encode()
    assert formats.chosen(None, x12).name == "x12"
    assert formats.chosen(None, b"\xef\xbb\xbf  " + x12).name == "x12"
    assert formats.chosen(None, b"payer_name,claim_id\n").name == formats.DEFAULT  # says why it is not X12
    assert formats.chosen("csv claims", x12).name == "csv claims"
    assert formats.chosen(None, b"TOY\n").name == "toy"
    with pytest.raises(ValueError, match="unknown input format 'xml'"):
        loader.load_contents(con, [(Path("a.xml"), b"<a/>")], fmt="xml")


def test_every_format_has_a_reader_and_a_name_it_is_registered_under():
    for name, found in formats.FORMATS.items():
        assert found.name == name and callable(found.read) and found.reads
    assert formats.DEFAULT in formats.FORMATS
