"""The same interchange sent again with other bytes (CRLF or newlines for `~`, `|` for `*`) is loaded
once: recognised by its sender (ISA06), control number (ISA13) and segments with canonical delimiters,
not by the file's bytes. A new interchange that reuses a control number loads, with a diagnostic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from analytics import __main__ as cli, loader
from analytics.ingest import memory
from conftest import remittance_835, rows

DENIED = "CLP*D1*1*100*0*0*12*X1*11*1~CAS*CO*50*100"  # a denied claim: CO-50, nothing paid
PAID = "CLP*P1*1*200*150*50*12*X2*11*1~CAS*PR*1*50"


def variants(text: str) -> dict[str, str]:
    """The interchange as other senders' software writes it."""
    return {
        "crlf.835": text.replace("~\n", "\r\n"),
        "newline.835": text.replace("~\n", "\n"),
        "bars.835": text.replace("*", "|").replace("|:\n", "|^\n"),  # another component separator too
        "one-line.835": text.replace("~\n", "~"),
    }


def totals(con) -> list:
    return rows(
        con,
        "SELECT (SELECT count(*) FROM remit_payments), (SELECT sum(payment_amount) FROM remit_payments),"
        " (SELECT count(*) FROM denials), (SELECT sum(denied_amount) FROM denials)",
    )


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_the_same_interchange_with_other_delimiters_or_line_endings_is_loaded_once(
    con, tmp_path, monkeypatch, streamed
):
    text = remittance_835(DENIED, PAID, payment="150")
    (tmp_path / "march.835").write_text(text)
    [first] = loader.load_paths(con, [tmp_path / "march.835"])
    assert first.status == "loaded"
    once = totals(con)
    assert once == [(1, Decimal("150.00"), 1, Decimal("100.00"))]
    if streamed:
        monkeypatch.setattr(memory, "STREAM_BYTES", 0)
    for name, content in variants(text).items():
        (tmp_path / name).write_text(content)
    results = loader.load_paths(con, [tmp_path / name for name in variants(text)])
    assert [(r.path.name, r.status, r.message) for r in results] == [
        (
            name,
            "already loaded",
            "already loaded as march.835: the same interchange (sender SENDER, control number"
            " 000000001) with other bytes (delimiters, line endings); nothing changed",
        )
        for name in variants(text)
    ]
    assert totals(con) == once  # payments and denials not doubled
    assert rows(con, "SELECT count(*) FROM source_files") == [(1,)]


def test_variants_in_one_load_are_loaded_once(con, tmp_path):
    text = remittance_835(DENIED, payment="0")
    folder = tmp_path / "in"
    folder.mkdir()
    for name, content in {"a.835": text, **variants(text)}.items():
        (folder / name).write_text(content)
    results = loader.load_paths(con, [folder])
    assert sorted(r.status for r in results) == ["already loaded"] * 4 + ["loaded"]
    assert rows(con, "SELECT count(*) FROM denials") == [(1,)]


def test_a_new_interchange_reusing_a_control_number_loads_with_a_diagnostic(con, tmp_path):
    (tmp_path / "march.835").write_text(remittance_835(DENIED, payment="0", control="000000007"))
    (tmp_path / "april.835").write_text(remittance_835(PAID, payment="150", control="000000007"))
    loader.load_paths(con, [tmp_path / "march.835"])
    [april] = loader.load_paths(con, [tmp_path / "april.835"])
    assert april.status == "loaded" and april.diagnostics == 1
    assert rows(
        con,
        "SELECT d.segment_position, d.severity, d.segment_id, d.message FROM load_diagnostics d"
        " JOIN source_files f USING (file_id) WHERE f.file_name = 'april.835'",
    ) == [
        (
            1,
            "warning",
            "ISA",
            "ISA13 control number 000000007 of sender SENDER was used before by march.835 for other"
            " content: loaded as another interchange",
        )
    ]
    assert rows(con, "SELECT sum(payment_amount) FROM remit_payments") == [(Decimal("150.00"),)]


def test_a_file_holding_a_loaded_interchange_and_a_new_one_is_refused_whole(con, tmp_path):
    old = remittance_835(DENIED, payment="0", control="000000001")
    (tmp_path / "march.835").write_text(old)
    loader.load_paths(con, [tmp_path / "march.835"])
    before = totals(con)
    (tmp_path / "both.835").write_text(
        old.replace("~\n", "\n") + remittance_835(PAID, payment="150", control="000000002")
    )
    [both] = loader.load_paths(con, [tmp_path / "both.835"])
    assert cli.result_line(both) == (
        f"failed          {tmp_path / 'both.835'}: the interchange at segment 1 (sender SENDER, control"
        " number 000000001) is already loaded as march.835, the others in the file are not: nothing"
        " loaded, as it would count twice; load the others in a file of their own"
    )
    assert totals(con) == before
