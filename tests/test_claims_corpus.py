"""837 claims: every real 837 in ../shared/corpus/837 loads whole, and hand-written claims read exactly.

The expected figures are counted here from the raw text with a deliberately simple reader that shares
no code with the loader: delimiters from the ISA (as tests/test_corpus.py does for 835), then the CLM,
SV1 and SV2 segments of the 837 transaction sets counted and their charges summed with Decimal.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from analytics import database, loader
from analytics.__main__ import result_line
from analytics.ingest import memory
from conftest import CORPUS_835, CORPUS_837, SHARED, claim_837, corpus_files, load_cli, load_text, needs_shared, rows

pytestmark = needs_shared

MIXED = CORPUS_835 / "pyx12__mult_isa_mixed_278_835_837.txt"
FILES = corpus_files(CORPUS_837) + [MIXED]
BILL_TABLES = ("source_files", "bill_claims", "bill_lines", "load_diagnostics")


def expected(path: Path) -> dict:
    text = path.read_bytes().decode("utf-8-sig", errors="replace").lstrip(" \t\r\n\ufeff")
    element = text[3]
    terminator = text.split(element)[16][1]
    segments = [s.strip(" \t\r\n") for s in text.split("\n" if terminator in "\r\n" else terminator)]
    counts = {"claims": 0, "lines": 0, "sv1": 0, "sv2": 0, "claim_charge": Decimal(0), "line_charge": Decimal(0)}
    in_837 = False
    for segment in segments:
        fields = segment.split(element) + [""] * 4
        tag = fields[0]
        if tag == "ST":
            in_837 = fields[1] == "837"
        elif tag == "SE":
            in_837 = False
        elif in_837 and tag == "CLM":
            counts["claims"] += 1
            counts["claim_charge"] += _money(fields[2])
        elif in_837 and tag == "SV1":
            counts["sv1"] += 1
            counts["line_charge"] += _money(fields[2])
        elif in_837 and tag == "SV2":
            counts["sv2"] += 1
            counts["line_charge"] += _money(fields[3])
    counts["lines"] = counts["sv1"] + counts["sv2"]
    return counts


def _money(text: str) -> Decimal:
    try:
        return Decimal(text)
    except ArithmeticError:
        return Decimal(0)  # the loader stores NULL for an unreadable amount


def provenance() -> dict:
    """CLM, SV1, SV2 per file from the 837 table of PROVENANCE.md."""
    figures = {}
    section = (SHARED / "corpus" / "PROVENANCE.md").read_text().split("## 837", 1)[1]
    for line in section.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 13 and cells[2].startswith("`"):
            figures[cells[2].strip("`")] = tuple(int(cells[i].replace(",", "")) for i in (11, 12, 13))
    return figures


def test_the_counter_agrees_with_the_provenance_figures():
    figures = provenance()
    assert sorted(figures) == [p.name for p in FILES[:-1]]
    for path in FILES[:-1]:
        want = expected(path)
        assert (want["claims"], want["sv1"], want["sv2"]) == figures[path.name], path.name


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_stored_claims_match_the_file(con, path):
    [result] = loader.load_paths(con, [path])
    assert result.status == "loaded", result.message
    want = expected(path)
    got = rows(
        con,
        """
        SELECT
            (SELECT count(*) FROM billed_claims),
            (SELECT count(*) FROM billed_lines),
            (SELECT coalesce(sum(charge_amount), 0) FROM billed_claims),
            (SELECT coalesce(sum(charge_amount), 0) FROM billed_lines)
    """,
    )[0]
    assert got == (want["claims"], want["lines"], want["claim_charge"], want["line_charge"])
    # every line belongs to a claim of the file, and keys are unique
    assert rows(
        con,
        """SELECT count(*), count(DISTINCT l.bill_line_key) FROM billed_lines l
                        JOIN billed_claims c USING (submission_key) WHERE c.file_id = l.file_id""",
    ) == [(want["lines"],) * 2]


def test_mixed_file_keeps_its_835s_and_reads_its_837s(con):
    [result] = loader.load_paths(con, [MIXED])
    assert rows(con, "SELECT kind, transaction_sets, skipped_sets FROM source_files") == [("835+837", 4, "278 x6")]
    assert rows(con, "SELECT count(*) FROM payments") == [(4,)]
    assert "4 payment(s)" in result_line(result) and "0 claim(s) billed" in result_line(result)


def isa(control: str, guide: str, functional: str = "HC") -> list[str]:
    return [
        f"ISA*00*          *00*          *ZZ*CLINIC         *ZZ*CLEARINGHOUSE  *240305*1200*^*00501*{control}*0*P*:",
        f"GS*{functional}*CLINIC*CLEARINGHOUSE*20240305*1200*1*X*{guide}",
    ]


def claim_file(*subscribers: str, guide: str = "005010X222A1", control: str = "000000101") -> str:
    """An 837 from GOOD CLINIC around the given subscriber loops (HL 22 onwards, segments joined by '~')."""
    body = [
        f"ST*837*0001*{guide}",
        "BHT*0019*00*B1*20240305*1200*CH",
        "NM1*41*2*GOOD CLINIC*****46*S1",
        "NM1*40*2*CLEARINGHOUSE*****46*R1",
        "HL*1**20*1",
        "NM1*85*2*GOOD CLINIC*****XX*1234567893",
        "N3*1 MAIN ST",
        "N4*SPRINGFIELD*IL*62701",
        "REF*EI*123456789",
    ]
    for loop in subscribers:
        body += [s.strip() for s in loop.strip().strip("~").split("~") if s.strip()]
    body.append(f"SE*{len(body) + 1}*0001")
    return "~\n".join([*isa(control, guide), *body, "GE*1*1", f"IEA*1*{control}"]) + "~\n"


SUBSCRIBER = (
    "HL*2*1*22*0~SBR*P*18*GRP1******CI~NM1*IL*1*DOE*JANE****MI*M100~DMG*D8*19800101*F~"
    "NM1*PR*2*ACME HEALTH*****PI*ACME1~"
)

PROFESSIONAL = (
    SUBSCRIBER
    + """
    CLM*P100*150***11:B:7*Y*A*Y*Y~
    REF*G1*AUTH77~
    REF*F8*PAYER-CLM-9~
    REF*9F*REF55~
    HI*ABF:I10*ABK:E119~
    NM1*82*1*WELBY*MARCUS****XX*1999999984~
    SBR*S*18*******MC~
    NM1*IL*1*DOE*JANE****MI*OTHER1~
    NM1*PR*2*OTHER PLAN*****PI*OTHER~
    REF*F8*NOT-THIS-CLAIM~
    REF*G1*NOT-THIS-CLAIM~
    NM1*82*1*OTHER*DOC****XX*1000000004~
    LX*1~
    SV1*HC:J1428:JW:59:XE:KX:EXONDYS 51*100*UN*2***1~
    DTP*472*RD8*20240301-20240303~
    REF*6R*LINE-1~
    REF*G1*LINE-AUTH~
    LIN**N4*60923028410~
    CTP****1.5*ML~
    NM1*82*1*OTHER*DOC****XX*1000000004~
    REF*G1*NOT-THIS-LINE~
    LX*2~
    SV1*HC:99213*50*UN*1*12**1~
    DTP*472*D8*20240302~
"""
)


def test_professional_claim_fields(con, tmp_path):
    result = load_text(con, tmp_path, claim_file(PROFESSIONAL), "professional.837")
    assert result.status == "loaded" and result.kind == "837"
    assert "1 claim(s) billed, 2 line(s) billed" in result_line(result) and "payment" not in result_line(result)
    [claim] = rows(
        con,
        """SELECT transaction_type, payer_name, payer_id, claim_id, charge_amount, frequency_code,
        site_of_care, filing_indicator, prior_authorization, original_reference, service_date_from, service_date_to,
        submitted_date, billing_provider_npi, diagnosis_codes, facility_qualifier, rendering_provider_npi
        FROM billed_claims""",
    )
    assert claim == (
        "professional",
        "ACME HEALTH",
        "ACME1",
        "P100",
        Decimal("150.00"),
        "7",
        "11",
        "CI",
        "AUTH77",
        "PAYER-CLM-9",
        _d("2024-03-01"),
        _d("2024-03-03"),
        _d("2024-03-05"),
        "1234567893",
        "E119 I10",
        "B",
        "1999999984",
    )
    assert rows(con, "SELECT referral_number FROM bill_claims") == [("REF55",)]
    lines = rows(
        con,
        """SELECT line_number, procedure_qualifier, procedure_code, modifiers, charge_amount, unit_basis,
        units_billed, place_of_service, service_date, service_date_to, line_control_number, prior_authorization, ndc,
        ndc_quantity, ndc_unit FROM billed_lines ORDER BY bill_line_key""",
    )
    assert lines == [
        (
            "1",
            "HC",
            "J1428",
            ["JW", "59", "XE", "KX"],
            Decimal("100.00"),
            "UN",
            Decimal("2.000"),
            "11",
            _d("2024-03-01"),
            _d("2024-03-03"),
            "LINE-1",
            "LINE-AUTH",
            "60923028410",
            Decimal("1.500"),
            "ML",
        ),
        (
            "2",
            "HC",
            "99213",
            [],
            Decimal("50.00"),
            "UN",
            Decimal("1.000"),
            "12",
            _d("2024-03-02"),
            _d("2024-03-02"),
            None,
            None,
            None,
            None,
            None,
        ),
    ]
    assert rows(con, "SELECT procedure_description FROM bill_lines ORDER BY bill_line_key") == [
        ("EXONDYS 51",),
        (None,),
    ]


INSTITUTIONAL = (
    SUBSCRIBER
    + """
    CLM*I200*2500***13:A:1**A*Y*Y~
    DTP*434*RD8*20240310-20240312~
    DTP*435*DT*202403100830~
    CL1*1*7*01~
    HI*ABK:N179*ABF:E871~
    HI*BE:80:::3*BH:11:D8:20240309~
    LX*1~
    SV2*0450*HC:99284:25*2000*UN*1~
    DTP*472*D8*20240310~
    LX*2~
    SV2*0300**500*UN*3~
"""
)


def test_institutional_claim_fields(con, tmp_path):
    assert load_text(con, tmp_path, claim_file(INSTITUTIONAL, guide="005010X223A2"), "hospital.837").status == "loaded"
    assert rows(
        con,
        """SELECT transaction_type, claim_id, charge_amount, site_of_care, facility_qualifier, frequency_code,
        service_date_from, service_date_to, admission_date, diagnosis_codes FROM billed_claims""",
    ) == [
        (
            "institutional",
            "I200",
            Decimal("2500.00"),
            "13",
            "A",
            "1",
            _d("2024-03-10"),
            _d("2024-03-12"),
            _d("2024-03-10"),
            "N179 E871",
        )
    ]
    assert rows(
        con,
        """SELECT revenue_code, procedure_code, modifiers, charge_amount, units_billed, place_of_service,
        service_date, service_date_to FROM billed_lines ORDER BY bill_line_key""",
    ) == [
        ("0450", "99284", ["25"], Decimal("2000.00"), Decimal("1.000"), None, _d("2024-03-10"), _d("2024-03-10")),
        ("0300", None, [], Decimal("500.00"), Decimal("3.000"), None, _d("2024-03-10"), _d("2024-03-12")),
    ]


def test_institutional_by_its_claim_when_the_guide_is_not_named(con, tmp_path):
    text = claim_file(INSTITUTIONAL, guide="999999X999X9").replace("ST*837*0001*999999X999X9", "ST*837*0001")
    assert load_text(con, tmp_path, text, "deidentified.837").status == "loaded"
    assert rows(con, "SELECT transaction_type, gs_version FROM bill_claims") == [("institutional", "999999X999X9")]


def test_patient_loop_under_the_subscriber(con, tmp_path):
    child = """
        HL*2*1*22*1~SBR*P**GRP1******CI~NM1*IL*1*DOE*JANE****MI*M100~DMG*D8*19800101*F~
        NM1*PR*2*ACME HEALTH*****PI*ACME1~
        HL*3*2*23*0~PAT*19~NM1*QC*1*DOE*TIMMY~DMG*D8*20150601*M~
        CLM*C1*80***11:B:1*Y*A*Y*Y~HI*ABK:J069~LX*1~SV1*HC:99213*80*UN*1***1~DTP*472*D8*20240304~
        HL*4*1*22*0~SBR*P*18*GRP2******MC~NM1*IL*1*ROE*RICHARD****MI*M200~DMG*D8*19500202*M~
        NM1*PR*2*STATE MEDICAID*****PI*MCD1~
        CLM*C2*40***11:B:1*Y*A*Y*Y~HI*ABK:I10~LX*1~SV1*HC:99212*40*UN*1***1~DTP*472*D8*20240304~
    """
    assert load_text(con, tmp_path, claim_file(child), "family.837").status == "loaded"
    assert rows(
        con,
        """SELECT claim_id, payer_name, filing_indicator, subscriber_last_name, subscriber_first_name,
        subscriber_member_id, patient_last_name, patient_first_name, patient_birth_date FROM bill_claims
        ORDER BY claim_id""",
    ) == [
        ("C1", "ACME HEALTH", "CI", "DOE", "JANE", "M100", "DOE", "TIMMY", _d("2015-06-01")),
        ("C2", "STATE MEDICAID", "MC", "ROE", "RICHARD", "M200", "ROE", "RICHARD", _d("1950-02-02")),
    ]
    # who the patient is stays out of the public view
    columns = [c for (c, *_) in rows(con, "DESCRIBE billed_claims")]
    assert not [c for c in columns if "patient" in c or "subscriber" in c or "birth" in c or "member" in c]


def test_claim_outside_a_subscriber_loop_and_a_wrong_count_are_diagnosed(con, tmp_path):
    text = re.sub(
        r"SE\*\d+\*0001", "SE*99*0001", claim_file("CLM*X1*10***11:B:1*Y*A*Y*Y~LX*1~SV1*HC:99211*10*UN*1***1~")
    )
    result = load_text(con, tmp_path, text, "odd.837")
    assert result.status == "loaded" and result.diagnostics == 2
    messages = [m for (m,) in rows(con, "SELECT message FROM load_diagnostics ORDER BY segment_position")]
    assert "CLM outside a subscriber or patient loop" in messages[0]
    assert "SE01 says '99'" in messages[1]
    assert rows(con, "SELECT claim_id, payer_name FROM billed_claims") == [("X1", None)]


def test_835_and_837_in_one_file(con, tmp_path):
    from conftest import remittance_835

    remit = remittance_835(
        "CLP*P100*1*150*100*0*12*PCN9*11*1~SVC*HC:J1428:JW*100*100**2", payment="100", control="000000201"
    )
    result = load_text(con, tmp_path, remit + claim_file(PROFESSIONAL), "both.x12")
    assert result.status == "loaded" and result.kind == "835+837"
    assert "1 payment(s), 1 claim(s)" in result_line(result) and "1 claim(s) billed, 2 line(s) billed" in result_line(
        result
    )
    assert rows(con, "SELECT kind, skipped_sets FROM source_files") == [("835+837", None)]
    assert rows(con, "SELECT (SELECT count(*) FROM claims), (SELECT count(*) FROM billed_claims)") == [(1, 1)]


def test_keys_are_unique_across_files(con, tmp_path):
    for n in range(3):
        load_text(con, tmp_path, claim_file(PROFESSIONAL, control=f"00000030{n}"), f"p{n}.837")
    assert rows(con, "SELECT count(*), count(DISTINCT submission_key) FROM billed_claims") == [(3, 3)]
    assert rows(
        con,
        """SELECT count(*), count(DISTINCT bill_line_key) FROM billed_lines l
                        JOIN billed_claims c USING (submission_key, file_id)""",
    ) == [(6, 6)]


def counts(db: Path) -> list[int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in BILL_TABLES]
    finally:
        con.close()


@pytest.mark.parametrize("cut", ["inside the claim", "after SE"])
def test_truncated_837_is_refused_and_nothing_loaded(tmp_path, cut):
    db = tmp_path / "d.duckdb"
    good = tmp_path / "good.837"
    good.write_text(claim_file(PROFESSIONAL))
    assert load_cli(str(good), db=db).returncode == 0
    before = counts(db)
    text = claim_file(INSTITUTIONAL, guide="005010X223A2", control="000000102")
    path = tmp_path / "cut.837"
    path.write_text(text[: text.index("LX*2")] if cut == "inside the claim" else text[: text.index("GE*")])
    done = load_cli(str(path), db=db)
    assert done.returncode == 1
    problem = [line for line in done.stderr.splitlines() if line.strip()]
    assert (
        len(problem) == 1
        and "cut.837" in problem[0]
        and "truncated 837" in problem[0]
        and "nothing loaded" in problem[0]
    )
    assert counts(db) == before


def test_loading_the_same_837_twice_changes_nothing(tmp_path):
    db = tmp_path / "d.duckdb"
    path = CORPUS_837 / "oopfactory__837I_4010_Swreed_Batch1.txt"
    first = load_cli(str(path), db=db)
    assert first.returncode == 0 and "54 claim(s) billed, 182 line(s) billed" in first.stdout
    assert "54 billed claim(s), 182 billed line(s)" in first.stdout.splitlines()[-1]
    before = counts(db)
    copy = tmp_path / "copy.txt"
    copy.write_bytes(path.read_bytes())
    again = load_cli(str(path), str(copy), db=db)
    assert (
        again.returncode == 0
        and [out.split()[:2] for out in again.stdout.splitlines()[:2]] == [["already", "loaded"]] * 2
    )
    assert counts(db) == before


def test_parallel_chunked_load_stores_what_a_sequential_load_does(tmp_path, monkeypatch):
    def snapshot(con):
        return {
            "claims": rows(
                con, "SELECT file_name, claim_id, charge_amount, service_date_from FROM billed_claims ORDER BY ALL"
            ),
            "lines": rows(
                con,
                "SELECT l.file_name, c.claim_id, l.procedure_code, l.charge_amount FROM billed_lines l"
                " JOIN billed_claims c USING (submission_key) ORDER BY ALL",
            ),
            "keys": rows(con, "SELECT count(DISTINCT submission_key), count(*) FROM bill_claims"),
        }

    sequential = database.connect(tmp_path / "sequential.duckdb")
    for path in FILES:
        loader.load_file(sequential, path)
    monkeypatch.setattr(memory, "CHUNK_BYTES", 64 * 1024)
    monkeypatch.setattr(memory, "WRITE_BYTES", 256 * 1024)
    parallel = database.connect(tmp_path / "parallel.duckdb")
    assert {r.status for r in loader.load_paths(parallel, FILES)} == {"loaded"}
    assert snapshot(parallel) == snapshot(sequential)


def _d(text: str):
    from datetime import date

    return date.fromisoformat(text)


def test_a_dental_claim_is_read_with_its_sv3_lines(con, tmp_path):
    """An 837D (005010X224A2): its lines are SV3 segments (procedure, charge, place of service, ...,
    procedure count), read as the lines of a dental claim; once they were dropped and the claim called
    professional."""
    text = claim_837(
        "CLM*D1*250***11:B:1*Y*A*Y*Y~DTP*472*D8*20240301~LX*1~SV3*AD:D1110*100****1~TOO*JP*3"
        "~LX*2~SV3*AD:D0120:XX*150*22***2"
    ).replace("005010X222A1", "005010X224A2")
    path = tmp_path / "dental.837"
    path.write_text(text)
    [result] = loader.load_paths(con, [path])
    assert (result.status, result.kind, result.diagnostics) == ("loaded", "837", 0)
    assert rows(con, "SELECT claim_id, transaction_type, charge_amount FROM bill_claims") == [
        ("D1", "dental", Decimal("250.00"))
    ]
    assert rows(
        con,
        "SELECT procedure_qualifier, procedure_code, modifiers, charge_amount, units_billed, place_of_service,"
        " service_date FROM billed_lines ORDER BY procedure_code",
    ) == [
        ("AD", "D0120", ["XX"], Decimal("150.00"), Decimal("2"), "22", date(2024, 3, 1)),
        ("AD", "D1110", [], Decimal("100.00"), Decimal("1"), "11", date(2024, 3, 1)),
    ]
