"""The rule set (issue 14, item 5) on hand-written 835s through the views: the CAQH CORE business scenario
of a denial, the three-state preventability of a category, and the corrections to the shipped tables
(upheld and appeal-process codes, CARC 243, the CARC + RARC refinements, J2506)."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from analytics import database, models, reference
from conftest import REFERENCE, claim_837, load_text, needs_shared, remittance_835, rows

pytestmark = needs_shared

DATA = Path(__file__).resolve().parent.parent / "data"

# A line of 100 denied with one CAS and maybe one remark; {reason} is 'GROUP*CARC'.
LINE = (
    "CLP*{id}*1*100*0*0*12*P{id}*11*1~NM1*QC*1*DOE*JANE****MI*M1~SVC*HC:99213*100*0**1~DTM*472*20240301"
    "~CAS*{reason}*100~REF*6R*L1"
)


def denied_line(claim_id: str, reason: str, rarc: str = "") -> str:
    return LINE.format(id=claim_id, reason=reason) + (f"~LQ*HE*{rarc}" if rarc else "")


def load(con, tmp_path, *claims: str, day: str = "20240315", name: str = "test.835", payment: str = "0") -> None:
    result = load_text(con, tmp_path, remittance_835(*claims, payment=payment, payment_date=day), name=name)
    assert result.status == "loaded", result.message


def read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def denial(con) -> tuple:
    """(primary reason, category, subcategory, denied amount, CAQH scenario, preventability, preventable) of
    the only denial."""
    [found] = rows(
        con,
        """SELECT primary_reason, category, subcategory, denied_amount, caqh_scenario, preventability,
        preventable FROM denials""",
    )
    return found


# --- CAQH CORE business scenarios -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason, rarc, scenario",
    [
        ("CO*16", "M127", "additional_documentation"),
        ("CO*16", "N706", "additional_documentation"),
        ("CO*252", "", "additional_documentation"),
        ("CO*226", "N706", "additional_documentation"),
        ("CO*16", "M51", "missing_invalid_data"),
        ("CO*16", "", "missing_invalid_data"),
        ("CO*4", "N519", "missing_invalid_data"),
        ("CO*189", "", "missing_invalid_data"),
        ("CO*5", "", "missing_invalid_data"),
        ("CO*5", "N428", "not_covered"),  # a rule naming the remark wins over one for any remark
        ("PR*96", "N130", "not_covered"),
        ("CO*50", "N115", "not_covered"),
        ("CO*119", "", "not_covered"),
        ("CO*97", "M15", "not_separately_payable"),
        ("CO*234", "", "not_separately_payable"),
        ("CO*B15", "", "not_separately_payable"),
        ("CO*29", "", None),
        ("CO*197", "N54", None),
    ],
)
def test_caqh_scenario_of_the_primary_reason(con, tmp_path, reason, rarc, scenario):
    load(con, tmp_path, denied_line("C1", reason, rarc))
    assert denial(con)[4] == scenario
    assert rows(con, "SELECT caqh_scenario FROM fact_units") == [(scenario,)]


def test_caqh_scenario_only_for_denials(con, tmp_path):
    # a paid line, and a partial denial whose primary reason (the larger) is CO-97
    paid = "CLP*C2*1*100*80*0*12*PC2*11*1~SVC*HC:99213*100*80**1~DTM*472*20240301~CAS*CO*45*20"
    partial = "CLP*C3*1*300*100*0*12*PC3*11*1~SVC*HC:99214*300*100**1~DTM*472*20240301~CAS*CO*97*150**16*50~LQ*HE*M127"
    load(con, tmp_path, paid, partial, payment="180")
    assert rows(con, "SELECT claim_id, denial_type, caqh_scenario FROM fact_units ORDER BY claim_id") == [
        ("C2", None, None),
        ("C3", "partial", "not_separately_payable"),
    ]


def test_a_user_scenario_table_judges_the_denials_again(con, tmp_path):
    load(con, tmp_path, denied_line("C4", "CO*50"), denied_line("C5", "PR*50"))
    mine = tmp_path / "scenarios.csv"
    reference.export(con, "caqh-scenarios", mine)
    # CARC 50 only counts as not covered when the patient owes it (group PR)
    text = mine.read_text().replace("\n50,,,not_covered,", "\n50,,PR,not_covered,")
    mine.write_text(text)
    reference.load(con, "caqh-scenarios", mine)
    query = "SELECT claim_id, caqh_scenario FROM denials ORDER BY claim_id"
    assert rows(con, query) == [("C4", None), ("C5", "not_covered")]
    reference.reset(con, "caqh-scenarios")
    assert rows(con, query) == [("C4", "not_covered"), ("C5", "not_covered")]


def test_a_changed_macro_of_the_units_query_judges_the_stored_units_again(con, tmp_path, monkeypatch):
    """The stored units are judged again when anything the units query reads changes, the macros it calls
    (site_key) included, not only the query itself and the rule set."""
    load(con, tmp_path, denied_line("C6", "CO*16"))
    assert rows(con, "SELECT site FROM fact_units") == [("POS 11",)]
    text = models.owner("site_key").text().replace("'POS '", "'Place '")
    read_file = models.Model.text
    monkeypatch.setattr(models.Model, "text", lambda self: text if self.node == "site_key" else read_file(self))
    database.ensure_schema(con)  # as on opening the database with the new release
    assert rows(con, "SELECT site FROM fact_units") == [("Place 11",)]


@pytest.mark.parametrize(
    "content, problem",
    [
        ("carc,rarc,group_code,scenario,rule\n16,,,missing_data,x\n", "unknown scenario 'missing_data'"),
        ("carc,rarc,group_code,scenario,rule\n,M51,,missing_invalid_data,x\n", "no carc"),
        ("carc,rarc,group_code,scenario,rule\n16,,,not_covered,x\n16,,,missing_invalid_data,y\n", "repeated"),
        ("carc,rarc,scenario,rule\n16,,not_covered,x\n", r"missing column\(s\) group_code"),
    ],
)
def test_a_bad_scenario_table_is_refused_and_changes_nothing(con, tmp_path, content, problem):
    before = rows(con, "SELECT * FROM ref_caqh_scenarios ORDER BY ALL")
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    with pytest.raises(reference.ReferenceTableError, match=problem):
        reference.load(con, "caqh-scenarios", bad)
    assert rows(con, "SELECT * FROM ref_caqh_scenarios ORDER BY ALL") == before


# --- preventability: yes, partly, no, from the category ----------------------------------------------------


@pytest.mark.parametrize(
    "reason, rarc, category, preventability, preventable",
    [
        ("CO*197", "", "authorization", "yes", True),
        ("CO*27", "", "eligibility", "yes", True),
        ("CO*29", "", "timely_filing", "yes", True),
        ("CO*50", "", "medical_necessity", "partly", False),
        ("CO*97", "", "bundling", "partly", False),
        ("CO*242", "", "network", "partly", False),
        ("CO*96", "N428", "site_of_care", "partly", False),
        ("OA*18", "", "duplicate", "no", False),
        ("CO*A1", "", "other", "no", False),
    ],
)
def test_preventability_comes_from_the_category(con, tmp_path, reason, rarc, category, preventability, preventable):
    load(con, tmp_path, denied_line("V1", reason, rarc))
    assert denial(con)[1:2] + denial(con)[5:] == (category, preventability, preventable)
    # the recovery model carries it too
    assert rows(con, "SELECT category, preventability, preventable FROM recoveries") == [
        (category, preventability, preventable)
    ]


def test_claim_status_4_without_a_reason_is_preventable_eligibility(con, tmp_path):
    load(con, tmp_path, "CLP*V2*4*120*0*0*12*PV2*11*1~SVC*HC:99213*120*0**1")  # CLP02 4 without any CAS
    assert denial(con) == (None, "eligibility", None, Decimal("120.00"), None, "yes", True)


def test_shipped_category_labels_fit_the_payers_scorecard_on_a_1600_px_screen():
    """The scorecard's last column is each payer's top category: at 1,600 px beside the sidebar ten columns leave
    it room for 32 characters ("Prior authorization and referral"); "Missing information or documentation" lost
    its last letter."""
    labels = [r["label"] for r in read(DATA / "denial_categories.csv")]
    assert max(map(len, labels)) <= len("Prior authorization and referral"), labels


def test_shipped_code_descriptions_fit_three_lines_of_the_reasons_table():
    """The Reasons table wraps what a reason and a remark mean in rows of three lines (labels.WRAPPED_TABLES),
    each line some 35 characters wide at 1,600 px: a description past 100 characters would lose its end."""
    for name in ("carc.csv", "rarc.csv"):
        longest = max((r["description"] for r in read(DATA / name)), key=len)
        assert len(longest) <= 100, (name, longest)


def test_what_a_prevention_rule_checks_fits_its_table_on_a_1600_px_screen():
    """Prevention's rules table leaves what a rule checks the room after the rule, the category (both of fixed
    width) and the counts: 30 characters at 1,600 px beside the sidebar. "JW or JZ missing on a single-dose drug"
    lost its last word. The browser test sees the checks the test history's rules run; this one every check."""
    assert max(map(len, reference.PREVENTION_CHECKS.values())) <= 30, reference.PREVENTION_CHECKS


def test_shipped_preventable_flags_agree_with_their_category():
    states = {r["category"]: r["preventability"] for r in read(DATA / "denial_categories.csv")}
    assert set(states) == set(reference.CATEGORIES)
    assert set(states.values()) <= set(reference.PREVENTABILITY)
    disagree = [
        (r["carc"], r["category"], r["preventable"])
        for r in read(DATA / "carc_categories.csv")
        if r["category"] in states and (r["preventable"] == "true") != (states[r["category"]] == "yes")
    ]
    assert disagree == []


def test_a_carc_flag_that_disagrees_with_its_category_is_refused(con, tmp_path):
    before = rows(con, "SELECT * FROM ref_carc_categories ORDER BY carc")
    bad = tmp_path / "map.csv"
    bad.write_text("carc,category,class,preventable,appealable\n18,duplicate,denial,true,false\n")
    with pytest.raises(reference.ReferenceTableError, match="CARC 18 \\(duplicate\\) has preventable = true"):
        reference.load(con, "carc-categories", bad)
    assert rows(con, "SELECT * FROM ref_carc_categories ORDER BY carc") == before


def test_a_category_state_changes_with_its_carcs_flags(con, tmp_path):
    load(con, tmp_path, "CLP*V3*1*100*0*0*12*PV3*11*1~SVC*HC:99213*100*0**1~DTM*472*20240301~CAS*OA*18*100")
    assert denial(con)[5:] == ("no", False)
    categories, carcs = tmp_path / "categories.csv", tmp_path / "carcs.csv"
    reference.export(con, "denial-categories", categories)
    reference.export(con, "carc-categories", carcs)
    categories.write_text(
        categories.read_text().replace(
            "check how the first claim was paid,no", "check how the first claim was paid,yes"
        )
    )
    # the category alone disagrees with its CARCs (18 and B13 say false): refused
    with pytest.raises(reference.ReferenceTableError, match="CARC 18 \\(duplicate\\) has preventable = false"):
        reference.load(con, "denial-categories", categories)
    assert denial(con)[5:] == ("no", False)
    carcs.write_text(
        carcs.read_text()
        .replace("\n18,duplicate,denial,false,", "\n18,duplicate,denial,true,")
        .replace("\nB13,duplicate,denial,false,", "\nB13,duplicate,denial,true,")
    )
    # both together agree
    reference.load(con, "denial-categories", categories, ("carc-categories", carcs))
    assert denial(con)[5:] == ("yes", True)


@pytest.mark.parametrize(
    "shipped, edited, refusal",
    [
        (",partly,", ",sometimes,", "preventability 'sometimes'"),
        (",corrected_claim", ",phone_call", "resolved_by 'phone_call'"),
    ],
    ids=["preventability", "resolved_by"],
)
def test_an_unknown_value_in_the_categories_table_is_refused(con, tmp_path, shipped, edited, refusal):
    bad = tmp_path / "categories.csv"
    reference.export(con, "denial-categories", bad)
    bad.write_text(bad.read_text().replace(shipped, edited, 1))
    with pytest.raises(reference.ReferenceTableError, match=refusal):
        reference.load(con, "denial-categories", bad)


def test_a_user_categories_table_from_an_older_release_gets_the_new_column(con, tmp_path):
    older = tmp_path / "categories.csv"
    reference.export(con, "denial-categories", older)
    reference.load(con, "denial-categories", older)
    con.execute("ALTER TABLE ref_denial_categories DROP COLUMN preventability")
    reference.ensure_tables(con)
    assert rows(con, "SELECT DISTINCT preventability FROM ref_denial_categories") == [(None,)]
    # denials are still judged; preventable falls back to the CARC's flag
    load(con, tmp_path, denied_line("O1", "CO*197"))
    assert denial(con)[5:] == (None, True)


def test_categories_and_carc_flags_load_together_from_the_command_line(tmp_path):
    db = tmp_path / "d.duckdb"
    root = Path(__file__).resolve().parent.parent
    categories, carcs = tmp_path / "categories.csv", tmp_path / "carcs.csv"
    categories.write_text(
        (DATA / "denial_categories.csv")
        .read_text()
        .replace("check how the first claim was paid,no", "check how the first claim was paid,yes")
    )
    carcs.write_text(
        (DATA / "carc_categories.csv")
        .read_text()
        .replace("\n18,duplicate,denial,false,", "\n18,duplicate,denial,true,")
        .replace("\nB13,duplicate,denial,false,", "\nB13,duplicate,denial,true,")
    )

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "analytics", "--db", str(db), "reference", "load", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )

    alone = run("denial-categories", str(categories))
    assert alone.returncode == 1 and "CARC 18 (duplicate) has preventable = false" in alone.stderr
    together = run("denial-categories", str(categories), "carc-categories", str(carcs))
    assert together.returncode == 0, together.stderr
    assert "carc-categories: loaded from" in together.stdout


# --- 193, 138, 285, 286: the payer keeps an earlier decision, never a new denial -------------------------


def test_carc_193_alone_is_not_a_new_denial(con, tmp_path):
    load(con, tmp_path, denied_line("U1", "CO*193"))
    assert rows(con, "SELECT count(*) FROM denials") == [(0,)]
    assert rows(con, "SELECT denial_type FROM fact_units") == [(None,)]
    assert rows(con, "SELECT reason_code, category, class FROM adjustments") == [("193", "none", "upheld")]
    assert rows(con, "SELECT count(*) FROM recoveries") == [(0,)]


@pytest.mark.parametrize("carc", ["193", "138", "285", "286"])
def test_an_upheld_decision_keeps_the_earlier_denial_upheld(con, tmp_path, carc):
    load(con, tmp_path, denied_line("U2", "CO*50"), name="first.835")
    load(con, tmp_path, denied_line("U2", f"CO*{carc}"), day="20240420", name="second.835")
    # one denial: the first; the decision that keeps it opens none
    assert rows(con, "SELECT primary_reason, category, denied_amount FROM denials") == [
        ("50", "medical_necessity", Decimal("100.00"))
    ]
    assert rows(con, "SELECT claim_id, status, recovered_amount, resolved_date FROM recoveries") == [
        ("U2", "upheld", Decimal("0.00"), date(2024, 4, 20))
    ]


@pytest.mark.parametrize("carc", ["138", "285", "286"])
def test_appeal_process_codes_are_not_timely_filing_denials(con, tmp_path, carc):
    load(con, tmp_path, denied_line("U3", f"CO*{carc}"))
    assert rows(con, "SELECT count(*) FROM denials") == [(0,)]
    assert rows(con, "SELECT category, class FROM adjustments") == [("none", "upheld")]


def test_a_denial_after_an_upheld_decision_is_not_a_new_one(con, tmp_path):
    load(con, tmp_path, denied_line("U4", "CO*50"), name="first.835")
    load(con, tmp_path, denied_line("U4", "CO*193"), day="20240420", name="second.835")
    load(con, tmp_path, denied_line("U4", "CO*50"), day="20240601", name="third.835")
    assert rows(con, "SELECT denial_date, status FROM recoveries") == [(date(2024, 3, 15), "open")]


def test_co243_is_authorization(con, tmp_path):
    load(con, tmp_path, denied_line("U5", "CO*243"))
    assert denial(con) == ("243", "authorization", None, Decimal("100.00"), None, "yes", True)


# --- CARC + RARC refinements ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "carc, rarc, category, subcategory",
    [
        ("16", "M62", "authorization", "authorization_number"),
        ("16", "N54", "authorization", "authorization_mismatch"),
        ("197", "N54", "authorization", "authorization_mismatch"),
        ("16", "M53", "coding", "units"),
        ("16", "M51", "coding", "procedure_code"),
        ("16", "N657", "coding", "procedure_code"),
        ("96", "N428", "site_of_care", "place_of_service"),
        ("5", "N428", "site_of_care", "place_of_service"),
        ("58", "N428", "site_of_care", "place_of_service"),
        ("16", "MA130", "documentation", "unprocessable"),
        ("16", "M127", "documentation", "medical_records"),
        ("16", "N706", "documentation", "records"),
        ("16", "MA04", "coordination_of_benefits", "primary_payer"),
        ("16", "N30", "eligibility", "not_eligible"),
        ("50", "N115", "medical_necessity", "lcd"),
        ("50", "N386", "medical_necessity", "ncd"),
        ("96", "N130", "non_covered", "plan_limits"),
        ("96", "N425", "non_covered", "statutory_exclusion"),
    ],
)
def test_a_remark_pins_the_denial_down(con, tmp_path, carc, rarc, category, subcategory):
    load(con, tmp_path, denied_line("R1", f"CO*{carc}", rarc))
    assert denial(con)[:4] == (carc, category, subcategory, Decimal("100.00"))


def test_co16_with_m62_is_authorization(con, tmp_path):
    # the remark may come at claim level (MOA) too; the line inherits it
    text = LINE.format(id="R2", reason="CO*16").replace("~SVC", "~MOA***M62~SVC")
    load(con, tmp_path, text)
    assert denial(con) == (
        "16",
        "authorization",
        "authorization_number",
        Decimal("100.00"),
        "missing_invalid_data",
        "yes",
        True,
    )


def test_every_refinement_names_a_known_active_carc_and_rarc():
    carc = {r["code"]: r for r in read(DATA / "carc.csv")}
    rarc = {r["code"]: r for r in read(DATA / "rarc.csv")}
    published = {r["code"]: r for r in read(REFERENCE / "rarc_x12_2024-06.csv")}
    named = [(r["carc"], r["rarc"]) for r in read(DATA / "rarc_refinements.csv")]
    named += [(r["carc"], r["rarc"]) for r in read(DATA / "caqh_scenarios.csv")]
    assert len(read(DATA / "rarc_refinements.csv")) > 40
    for c, r in named:
        assert c in carc and not carc[c]["stop_date"], c
        if r:
            assert r in rarc and not rarc[r]["stop_date"], r
            # the published list carries no stop dates: its notes say when a code is (to be) deactivated
            assert r in published and "deactivat" not in published[r]["notes"].lower(), r
    categories = {r["category"] for r in read(DATA / "rarc_refinements.csv")}
    assert categories <= set(reference.CATEGORIES)


# --- J2506 -----------------------------------------------------------------------------------------------


def test_pegfilgrastim_is_billed_as_j2506_per_half_milligram(con, tmp_path):
    codes = {r["code"]: r for r in read(DATA / "procedure_codes.csv")}
    hcpcs = {r["hcpcs_code"]: r for r in read(REFERENCE / "hcpcs_level2_2024-07.csv")}
    assert codes["J2506"]["billing_unit"] == "0.5 mg" and "0.5 mg" in hcpcs["J2506"]["long_description"]
    assert hcpcs["J2506"]["date_terminated"] == ""
    assert codes["J2505"]["billing_unit"] == "6 mg" and hcpcs["J2505"]["date_terminated"] == "2021-12-31"
    rules = {r["code"]: r for r in read(DATA / "prevention_rules.csv") if r["check"] == "waste_modifier"}
    assert "J2506" in rules and "J2505" not in rules
    # a Medicare Part B claim for a 6 mg syringe without JW or JZ is flagged before the payer answers
    line = "LX*1~SV1*HC:J2506*6240*UN*12***1~DTP*472*D8*20240301~REF*6R*L1"
    claim = f"CLM*G1*6240***11:B:1*Y*A*Y*Y~HI*ABK:C50911~{line}"
    result = load_text(con, tmp_path, claim_837(claim, filing="MB"), name="g.837")
    assert result.status == "loaded", result.message
    assert rows(con, "SELECT claim_id, procedure_code, rule_id FROM prevention_flags") == [
        ("G1", "J2506", "waste-J2506")
    ]
