"""Every real 835 in ../shared/corpus/835 loads, and what we stored is what the file holds.

The expected figures are counted here from the raw text with a deliberately simple reader that shares
no code with the loader: delimiters from the fixed ISA layout (or `*` and `~` for bare fragments),
then the CLP, SVC and CAS segments of the 835 transaction sets counted and summed with Decimal.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from analytics import database, loader
from conftest import CORPUS_835, corpus_files, needs_shared, rows, table_counts

pytestmark = needs_shared

FILES = corpus_files(CORPUS_835)
# Files that hold only interchanges another corpus file holds (PROVENANCE.md: the eMedNY sample concatenated
# 156 times, one ISA13, as x12parser-js__multi-line-not-delimited.edi holds it once): recognised by content
# and skipped, naming the file loaded first.
COPIES = {"x12parser-js__profee-multiple_156_isa.edi": "x12parser-js__multi-line-not-delimited.edi"}
# Files PROVENANCE.md describes as deliberately defective: they must load and carry diagnostics.
DEFECTIVE = {
    "pyx12__bad_header_looping_4010.txt": "broken looping",
    "x12parser-js__errorISA.edi": "IEA02 does not match ISA13",
    "tigershark__X12-0.08_sample_835_placeholder_crlf.txt": "placeholder values",
    "oopfactory__5010_Example1_indented_bom.txt": "a CLP cut off after CLP02",
}


def expected(path: Path) -> dict:
    text = path.read_bytes().decode("utf-8-sig", errors="replace").lstrip(" \t\r\n\ufeff")
    if text.startswith("ISA"):
        element = text[3]
        isa = text.split(element)
        terminator = isa[16][1]
    else:
        element = text[2]
        terminator = "~" if "~" in text else "\n"
    segments = [s.strip(" \t\r\n~") for s in text.split("\n" if terminator in "\r\n" else terminator)]
    counts = {"claims": 0, "lines": 0, "adjustments": 0, "charge": Decimal(0), "paid": Decimal(0)}
    in_835 = False
    for segment in segments:
        fields = segment.split(element)
        tag = fields[0]
        if tag == "ST":
            in_835 = fields[1] == "835"
        elif tag == "SE":
            in_835 = False
        elif in_835 and tag == "CLP":
            counts["claims"] += 1
            counts["charge"] += _money(fields[3] if len(fields) > 3 else "")
            counts["paid"] += _money(fields[4] if len(fields) > 4 else "")
        elif in_835 and tag == "SVC":
            counts["lines"] += 1
        elif in_835 and tag == "CAS":
            counts["adjustments"] += sum(
                1 for i in range(2, len(fields), 3) if fields[i] or (i + 1 < len(fields) and fields[i + 1])
            )
    return counts


def _money(text: str) -> Decimal:
    try:
        return Decimal(text)
    except ArithmeticError:
        return Decimal(0)  # cut-off or placeholder amounts in defective samples; the loader stores NULL


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    con = database.connect(tmp_path_factory.mktemp("corpus") / "corpus.duckdb")
    results = loader.load_paths(con, [CORPUS_835])
    yield con, {r.path.name: r for r in results}
    con.close()


def test_every_file_loads(corpus_db):
    _, results = corpus_db
    assert sorted(results) == sorted(p.name for p in FILES)
    assert {name: r.status for name, r in results.items() if r.status != "loaded"} == {
        name: "already loaded" for name in COPIES
    }


def test_a_file_repeating_another_files_interchange_stores_nothing(corpus_db):
    con, results = corpus_db
    for name, original in COPIES.items():
        assert original in results[name].message
        assert rows(con, "SELECT count(*) FROM source_files WHERE file_name = ?", [name]) == [(0,)]


@pytest.mark.parametrize(
    "path", [p for p in FILES if p.name not in COPIES], ids=[p.name for p in FILES if p.name not in COPIES]
)
def test_stored_figures_match_the_file(corpus_db, path):
    con, _ = corpus_db
    want = expected(path)
    [file_id] = rows(con, "SELECT file_id FROM source_files WHERE file_name = ?", [path.name])[0]
    got = rows(
        con,
        """
        SELECT
            (SELECT count(*) FROM claims WHERE file_id = $1),
            (SELECT count(*) FROM service_lines WHERE file_id = $1),
            (SELECT count(*) FROM adjustments WHERE file_id = $1),
            (SELECT coalesce(sum(charge_amount), 0) FROM claims WHERE file_id = $1),
            (SELECT coalesce(sum(paid_amount), 0) FROM claims WHERE file_id = $1)
    """,
        [file_id],
    )[0]
    assert dict(zip(("claims", "lines", "adjustments", "charge", "paid"), got, strict=True)) == want


@pytest.mark.parametrize("name", sorted(DEFECTIVE))
def test_defective_files_give_diagnostics_not_exceptions(corpus_db, name):
    con, results = corpus_db
    assert results[name].status == "loaded"
    assert results[name].diagnostics > 0
    messages = [
        m
        for (m,) in rows(
            con,
            "SELECT d.message FROM load_diagnostics d JOIN source_files USING (file_id) WHERE file_name = ?",
            [name],
        )
    ]
    assert messages


def test_known_figures_checked_by_hand(corpus_db):
    """A few figures read off the files by eye, independent of both counters."""
    con, _ = corpus_db
    # eMedNY sample: 3 claims; CO-29 timely filing and CO-251 on service lines; N206 remarks
    assert rows(
        con,
        """SELECT group_code || '-' || reason_code, count(*) FROM adjustments
        WHERE file_name = 'edi835parser__emedny_sample.txt' GROUP BY 1 ORDER BY 1""",
    ) == [("CO-251", 2), ("CO-29", 2)]
    # TigerShark: '|' separators, '^' components, newline terminators with a stray leading '~'
    assert rows(
        con,
        """SELECT procedure_code, paid_amount FROM service_lines
        WHERE file_name = 'tigershark__835-example_pipe_newline.txt' ORDER BY line_control_number""",
    ) == [("88888", Decimal("200.02")), ("88888", Decimal("12145.65"))]
    assert rows(
        con,
        """SELECT reason_code, reference, amount FROM provider_adjustments
        WHERE file_name = 'tigershark__835-example_pipe_newline.txt'""",
    ) == [("WO", "12104411559120820 001GAL295513", Decimal("-361.19"))]
    # Mixed file: 278 sets are skipped with a note, its four header-only 835s are kept (its two 837s too)
    assert rows(
        con,
        "SELECT transaction_sets, skipped_sets FROM source_files WHERE file_name = "
        "'pyx12__mult_isa_mixed_278_835_837.txt'",
    ) == [(4, "278 x6")]


def test_loading_the_corpus_twice_changes_nothing(corpus_db):
    con, _ = corpus_db
    before = table_counts(con)
    again = loader.load_paths(con, [CORPUS_835])
    assert {r.status for r in again} == {"already loaded"}
    assert table_counts(con) == before


def test_no_recovery_exceeds_its_denial(corpus_db):
    con, _ = corpus_db
    assert rows(con, "SELECT count(*) FROM recoveries WHERE recovered_amount > denied_amount") == [(0,)]
    # every denial whose later adjudications paid back more than it denied is capped and listed: here only
    # in the de-identified files, whose every claim carries the same placeholder ids
    paid_back = rows(
        con,
        """SELECT denial_id FROM recoveries JOIN (SELECT denial_id, sum(amount) AS paid_back
        FROM recovery_events GROUP BY ALL) USING (denial_id) WHERE paid_back > denied_amount ORDER BY ALL""",
    )
    assert paid_back == rows(con, "SELECT denial_id FROM recovery_diagnostics ORDER BY ALL")
    assert {name for (name,) in rows(con, "SELECT DISTINCT file_name FROM recovery_diagnostics")} <= {
        "oopfactory__4010_Nth_835_DeIdent_01.dat",
        "oopfactory__4010_Nth_835_DeIdent_02.dat",
    }


def test_patients_sharing_a_claim_id_are_initial_adjudications_each(corpus_db):
    # the TR3's multiple-claims example: nine patients under one claim id and payer claim number, each
    # claim its own encounter and so an initial adjudication
    con, _ = corpus_db
    assert rows(
        con,
        """SELECT count(*), count(*) FILTER (WHERE NOT readjudication) FROM fact_units
        JOIN source_files USING (file_id)
        WHERE file_name = 'py835__X221-multiple-claims-single-check.edi' AND first_of_claim""",
    ) == [(9, 9)]
