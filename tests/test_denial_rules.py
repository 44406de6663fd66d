"""The denial rules of DOMAIN.md §2 on hand-written 835 snippets, through the public views."""

from __future__ import annotations

from decimal import Decimal

from conftest import load_text, remittance_835, rows

DENIAL_COLUMNS = (
    "claim_id",
    "procedure_code",
    "modifiers",
    "denial_type",
    "denied_amount",
    "primary_reason",
    "category",
    "patient_liable",
    "reason_codes",
    "remark_codes",
)


def load(con, tmp_path, text):
    """Load a hand-written 835; every file here must load (a failed load would hide a rule)."""
    result = load_text(con, tmp_path, text)
    assert result.status == "loaded", result.message
    return result


def denials(con) -> list[dict]:
    query = f"SELECT {', '.join(DENIAL_COLUMNS)}, subcategory, level FROM denials ORDER BY claim_id, procedure_code"
    return [dict(zip((*DENIAL_COLUMNS, "subcategory", "level"), r, strict=True)) for r in rows(con, query)]


def diagnostics(con) -> list[str]:
    return [r[0] for r in rows(con, "SELECT message FROM load_diagnostics ORDER BY segment_position")]


def test_full_denial(con, tmp_path):
    text = remittance_835(
        "CLP*A1*1*100*0*0*12*P1*11*1~NM1*QC*1*DOE*JANE****MI*M1~SVC*HC:99213:25*100*0**1~DTM*472*20240301"
        "~CAS*CO*50*100~REF*6R*L1",
    )
    load(con, tmp_path, text)
    [d] = denials(con)
    assert d["denial_type"] == "full"
    assert d["denied_amount"] == Decimal("100.00")
    assert (d["primary_reason"], d["category"], d["patient_liable"]) == ("50", "medical_necessity", False)
    assert d["procedure_code"] == "99213" and d["modifiers"] == ["25"]
    assert diagnostics(con) == []  # balanced: 100 - 100 = 0 paid, payment 0


def test_partial_denial_units_cut_refined_by_rarc(con, tmp_path):
    # 8 units billed, 6 paid; the excess 2 units denied as CO-151 with N362 (MUE)
    text = remittance_835(
        "CLP*A2*1*1000*600*0*MB*P2*11*1~SVC*HC:J1322:JZ*1000*600**6**8~DTM*472*20240301"
        "~CAS*CO*45*100*1*151*300*2~LQ*HE*N362",
        payment="600",
    )
    load(con, tmp_path, text)
    [d] = denials(con)
    assert (d["denial_type"], d["denied_amount"]) == ("partial", Decimal("300.00"))
    assert (d["primary_reason"], d["category"], d["subcategory"]) == ("151", "coding", "units")
    assert d["reason_codes"] == ["45", "151"] and d["remark_codes"] == ["N362"]
    line = rows(con, "SELECT units_billed, units_paid, modifiers FROM service_lines")[0]
    assert line == (Decimal("8.000"), Decimal("6.000"), ["JZ"])
    assert diagnostics(con) == []


def test_contractual_and_patient_share_is_not_a_denial(con, tmp_path):
    text = remittance_835(
        "CLP*A3*1*200*120*30*12*P3*11*1~SVC*HC:99214*200*120**1~CAS*CO*45*50~CAS*PR*1*20*PR*2*10",
        payment="120",
    )
    load(con, tmp_path, text)
    assert denials(con) == []
    classes = rows(
        con, "SELECT group_code, reason_code, class FROM adjustments ORDER BY segment_position, triple_index"
    )
    assert classes == [("CO", "45", "non_denial"), ("PR", "1", "non_denial"), ("PR", "2", "non_denial")]


def test_pended_is_not_a_denial(con, tmp_path):
    load(con, tmp_path, remittance_835("CLP*A4*1*100*0*0*12*P4*11*1~SVC*HC:99213*100*0**1~CAS*OA*133*100"))
    assert denials(con) == []
    assert rows(con, "SELECT class FROM adjustments") == [("pended",)]


def test_patient_liable_denial(con, tmp_path):
    # PR-96 after a signed waiver (modifier GA): still a denial, but the patient owes it
    load(con, tmp_path, remittance_835("CLP*A5*1*80*0*80*12*P5*11*1~SVC*HC:G0439:GA*80*0**1~CAS*PR*96*80~LQ*HE*N130"))
    [d] = denials(con)
    assert (d["denial_type"], d["category"], d["patient_liable"]) == ("full", "non_covered", True)
    assert d["remark_codes"] == ["N130"]


def test_reversal_is_not_a_denial(con, tmp_path):
    original = "CLP*A6*1*100*0*0*12*P6*11*1~SVC*HC:99213*100*0**1~CAS*CO*197*100"
    reversal = "CLP*A6*22*-100*0*0*12*P6*11*1~SVC*HC:99213*-100*0**1~CAS*CO*197*-100"
    corrected = "CLP*A6*1*100*90*0*12*P6B*11*1~SVC*HC:99213*100*90**1~CAS*CO*45*10"
    load(con, tmp_path, remittance_835(original, reversal, corrected, payment="90"))
    found = denials(con)
    assert [(d["claim_id"], d["category"], d["denied_amount"]) for d in found] == [
        ("A6", "authorization", Decimal("100.00"))
    ]
    assert rows(con, "SELECT status_code FROM claims ORDER BY claim_key") == [("1",), ("22",), ("1",)]


def test_claim_without_lines_is_judged_at_claim_level(con, tmp_path):
    load(con, tmp_path, remittance_835("CLP*A7*1*500*0*0*12*P7*11*1~CAS*CO*29*500~DTM*232*20240101"))
    [d] = denials(con)
    assert (d["level"], d["procedure_code"], d["category"], d["denial_type"]) == (
        "claim",
        None,
        "timely_filing",
        "full",
    )
    assert d["denied_amount"] == Decimal("500.00")


def test_co16_with_n822_is_a_modifier_problem(con, tmp_path):
    load(con, tmp_path, remittance_835("CLP*A8*1*400*0*0*MB*P8*11*1~SVC*HC:J1428*400*0**4~CAS*CO*16*400~LQ*HE*N822"))
    [d] = denials(con)
    assert (d["primary_reason"], d["category"], d["subcategory"]) == ("16", "coding", "modifier")


def test_co16_without_a_refining_remark_stays_documentation(con, tmp_path):
    load(con, tmp_path, remittance_835("CLP*A9*1*400*0*0*MB*P9*11*1~SVC*HC:J1428*400*0**4~CAS*CO*16*400~LQ*HE*N290"))
    [d] = denials(con)
    assert (d["category"], d["subcategory"]) == ("documentation", None)


def test_primary_reason_is_the_largest_denial_adjustment(con, tmp_path):
    load(
        con,
        tmp_path,
        remittance_835("CLP*B1*1*300*0*0*12*Q1*11*1~SVC*HC:97110*300*0**3~CAS*CO*97*100*1*50*150*1~CAS*CO*45*50"),
    )
    [d] = denials(con)
    assert (d["primary_reason"], d["denied_amount"]) == ("50", Decimal("250.00"))


def test_claim_status_4_denies_without_any_adjustment(con, tmp_path):
    # (with only non-denial adjustments, e.g. CO-24 or OA-23, it is no denial: tests/test_measures.py)
    load(con, tmp_path, remittance_835("CLP*B2*4*120*0*0*12*Q2*11*1~SVC*HC:99213*120*0**1"))
    [d] = denials(con)
    assert (d["denial_type"], d["category"], d["primary_reason"], d["denied_amount"]) == (
        "full",
        "eligibility",
        None,
        Decimal("120.00"),
    )


def test_claim_level_denial_on_a_claim_with_lines_gets_its_own_row(con, tmp_path):
    text = remittance_835(
        "CLP*B3*1*300*100*0*12*Q3*11*1~CAS*CO*18*100~SVC*HC:99213*200*100**1~CAS*CO*45*100~SVC*HC:99211*100*0**1",
        payment="100",
    )
    load(con, tmp_path, text)
    [d] = denials(con)
    assert (d["level"], d["category"], d["denial_type"], d["denied_amount"]) == (
        "claim",
        "duplicate",
        "partial",
        Decimal("100.00"),
    )


def test_every_cas_triple_counts(con, tmp_path):
    cas = "CAS*CO*45*1*1*50*2*1*97*3*1*16*4*1*29*5*1*197*6*1"
    load(con, tmp_path, remittance_835(f"CLP*B4*1*21*0*0*12*Q4*11*1~SVC*HC:99213*21*0**1~{cas}"))
    found = rows(con, "SELECT triple_index, reason_code, amount FROM adjustments ORDER BY triple_index")
    assert [r[1] for r in found] == ["45", "50", "97", "16", "29", "197"]
    assert sum(r[2] for r in found) == Decimal("21.00")
    [d] = denials(con)
    assert (d["denied_amount"], d["primary_reason"]) == (Decimal("20.00"), "197")


def test_provider_adjustments_every_pair(con, tmp_path):
    plb = "PLB*1234567893*20241231*WO:CLAIMX1*50*L6:INT*-2.50*FB:BAL*10"
    load(
        con, tmp_path, remittance_835("CLP*B5*1*100*100*0*12*Q5*11*1~SVC*HC:99213*100*100**1", payment="42.5", plb=plb)
    )
    found = rows(con, "SELECT reason_code, reference, amount FROM provider_adjustments ORDER BY pair_index")
    assert found == [
        ("WO", "CLAIMX1", Decimal("50.00")),
        ("L6", "INT", Decimal("-2.50")),
        ("FB", "BAL", Decimal("10.00")),
    ]
    assert diagnostics(con) == []  # 100 paid - 57.50 PLB = 42.50


def test_unbalanced_amounts_become_diagnostics(con, tmp_path):
    text = remittance_835("CLP*B6*1*100*70*0*12*Q6*11*1~SVC*HC:99213*100*70**1~CAS*CO*45*20", payment="99")
    load(con, tmp_path, text)
    found = diagnostics(con)
    assert any(
        "service line does not balance: charge 100.00 - adjustments 20.00 = 80.00, but 70.00 was paid" in m
        for m in found
    )
    assert any(m.startswith("claim B6 does not balance") for m in found)
    assert any(m.startswith("payment does not balance") and "BPR02 says 99.00" in m for m in found)
