"""The claims side on hand-written 837/835 pairs: billed claims matched to their remittances, the
claim_status view, and the denial-prevention checks with their precision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from analytics import data, reference
from conftest import claim_837, load_text, remittance_835, rows

# A professional claim: an office visit and infliximab (J1745, single-dose vials) with line control
# numbers, place of service 11.
VISIT = "LX*{n}~SV1*HC:99213{mods}*100*UN*1*{pos}**1~DTP*472*D8*{served}~REF*6R*{control}"
DRUG = (
    "LX*{n}~SV1*HC:J1745{mods}*200*UN*{units}*{pos}**1~DTP*472*D8*20240301~REF*6R*{control}~LIN**N4*{ndc}~CTP****1*UN"
)


def clm(claim_id: str, total: str, *lines: str, freq: str = "1", pos: str = "11", extra: str = "") -> str:
    return f"CLM*{claim_id}*{total}***{pos}:B:{freq}*Y*A*Y*Y{extra}~HI*ABK:M069~" + "~".join(lines)


def visit(n: int, control: str, mods: str = "", pos: str = "", served: str = "20240301") -> str:
    return VISIT.format(n=n, control=control, mods=mods, pos=pos, served=served)


def drug(n: int, control: str, units: int = 10, mods: str = "", pos: str = "", ndc: str = "11111111111") -> str:
    return DRUG.format(n=n, control=control, units=units, mods=mods, pos=pos, ndc=ndc)


def load(con, tmp_path, text: str, name: str) -> None:
    result = load_text(con, tmp_path, text, name=name)
    assert result.status == "loaded", result.message


def status(con) -> list[tuple]:
    return rows(
        con,
        "SELECT claim_id, status, paid_amount, denied_amount, adjudications FROM claim_status "
        "ORDER BY submitted_date, claim_id",
    )


def test_a_claim_matched_line_by_line(con, tmp_path):
    load(con, tmp_path, claim_837(clm("A1", "300", visit(1, "L1"), drug(2, "L2", mods=":JZ"))), "a1.837")
    remit = remittance_835(
        "CLP*A1*1*300*80*0*12*P1*11*1~SVC*HC:99213*100*80**1~DTM*472*20240301~CAS*CO*45*20~REF*6R*L1"
        "~SVC*HC:J1745:JZ*200*0**10~DTM*472*20240301~CAS*CO*50*200~REF*6R*L2",
        payment="80",
    )
    load(con, tmp_path, remit, "a1.835")
    assert status(con) == [("A1", "partially paid", Decimal("80.00"), Decimal("200.00"), 1)]
    assert rows(
        con,
        """SELECT b.line_control_number, m.match_basis FROM line_matches m
        JOIN billed_lines b USING (bill_line_key) ORDER BY 1""",
    ) == [("L1", "line control number"), ("L2", "line control number")]
    assert rows(con, "SELECT match_basis FROM claim_matches") == [("claim id, payer and dates",)]


def test_denied_no_answer_and_billed(con, tmp_path):
    load(
        con,
        tmp_path,
        claim_837(clm("D1", "100", visit(1, "L1", served="20240105")), submitted="20240110", control="000000001"),
        "d1.837",
    )
    load(
        con,
        tmp_path,
        claim_837(clm("N1", "100", visit(1, "L1", served="20240105")), submitted="20240111", control="000000002"),
        "n1.837",
    )
    load(
        con, tmp_path, claim_837(clm("B1", "100", visit(1, "L1")), submitted="20240310", control="000000003"), "b1.837"
    )
    remit = remittance_835("CLP*D1*1*100*0*0*12*P1*11*1~SVC*HC:99213*100*0**1~DTM*472*20240105~CAS*CO*50*100~REF*6R*L1")
    load(con, tmp_path, remit, "d1.835")  # paid 2024-03-15: the data date
    assert status(con) == [
        ("D1", "denied", Decimal("0.00"), Decimal("100.00"), 1),
        ("N1", "no answer", Decimal("0.00"), Decimal("0.00"), 0),  # 64 days > 45
        ("B1", "billed", Decimal("0.00"), Decimal("0.00"), 0),  # 5 days
    ]
    assert rows(con, "SELECT days_since_sent FROM claim_status WHERE claim_id = 'N1'") == [(64,)]
    # the number of days is a setting
    settings = tmp_path / "settings.csv"
    settings.write_text("setting,value,description\nno_answer_days,90,our payers are slow\n")
    reference.load(con, "settings", settings)
    assert rows(con, "SELECT status FROM claim_status WHERE claim_id = 'N1'") == [("billed",)]


def test_a_claim_file_dated_before_its_services_counts_as_sent_once_they_were_given(con, tmp_path):
    """Sample 837s dated 1996 bill services of 2017: the Worklist listed them as sent in 1996, 10,705 days
    without an answer. A claim counts as sent on its file's date, but never before its last date of service."""
    load(con, tmp_path, claim_837(clm("E1", "100", visit(1, "L1")), submitted="19960918"), "e1.837")
    served = visit(1, "L1", served="20240105")
    load(con, tmp_path, claim_837(clm("N1", "100", served), submitted="20240111", control="2"), "n1.837")
    remit = remittance_835("CLP*D1*1*100*0*0*12*P1*11*1~SVC*HC:99213*100*0**1~DTM*472*20240301~CAS*CO*50*100")
    load(con, tmp_path, remit, "d1.835")  # paid 2024-03-15: the data date
    assert rows(con, "SELECT claim_id, submitted_date, sent_date, days_since_sent, status FROM claim_status") == [
        ("E1", date(1996, 9, 18), date(2024, 3, 1), 14, "billed"),  # served on 2024-03-01
        ("N1", date(2024, 1, 11), date(2024, 1, 11), 64, "no answer"),
    ]
    con.close()  # the dashboard opens the database read-only
    listed = data.dashboard("unanswered_claims", data.Filters(), tmp_path / "test.duckdb")
    assert listed[["claim_id", "sent_date", "days_since_sent"]].values.tolist() == [
        ["N1", pd.Timestamp(2024, 1, 11), 64]
    ]


def test_a_claim_with_no_answer_shows_its_payers_filing_deadline(con, tmp_path):
    """The deadline of a claim the payer never answered: its first date of service + the timely-filing
    limit of the most specific rule (payer id, then filing indicator, then the default), as for a denial
    fixed by a corrected claim; the Worklist lists those still in time first, the soonest first."""
    limits = tmp_path / "timely_filing.csv"
    limits.write_text(
        "scope,value,days,description\ndefault,*,90,common\nfiling_indicator,MB,365,Medicare Part B\n"
        "payer_id,99999,30,a strict plan\n"
    )
    reference.load(con, "timely-filing", limits)
    billed = [("N1", "12345", "12"), ("M1", "12345", "MB"), ("P1", "99999", "MB"), ("D1", "12345", "12")]
    for n, (claim_id, payer_id, filing) in enumerate(billed):  # every line served on 2024-03-01
        text = claim_837(clm(claim_id, "100", visit(1, "L1")), payer_id=payer_id, filing=filing, control=f"00000000{n}")
        load(con, tmp_path, text, f"{claim_id}.837")
    remit = remittance_835(
        "CLP*D1*1*100*0*0*12*P1*11*1~SVC*HC:99213*100*0**1~DTM*472*20240301~CAS*CO*50*100~REF*6R*L1",
        payment_date="20240601",  # the data date
    )
    load(con, tmp_path, remit, "d1.835")
    unanswered = "SELECT claim_id, filing_deadline, days_left_to_file FROM claim_status WHERE status = 'no answer'"
    assert rows(con, unanswered + " ORDER BY 1") == [
        ("M1", date(2025, 3, 1), 273),  # Medicare Part B: a year
        ("N1", date(2024, 5, 30), -2),  # the default 90 days
        ("P1", date(2024, 3, 31), -62),  # the payer's own rule wins over its filing indicator's
    ]
    con.close()  # the dashboard opens the database read-only
    listed = data.dashboard("unanswered_claims", data.Filters(), tmp_path / "test.duckdb")
    assert list(listed["claim_id"]) == ["M1", "N1", "P1"]
    counts = data.dashboard("claim_status_counts", data.Filters(), tmp_path / "test.duckdb").set_index("status")
    assert counts.loc["no answer", "within_filing_deadline"] == 1  # M1, whose worklist caption counts it


def test_lines_without_control_numbers_match_on_code_modifiers_date_and_charge(con, tmp_path):
    plain = "LX*1~SV1*HC:99213:25*100*UN*1***1~DTP*472*D8*20240301"
    load(con, tmp_path, claim_837(clm("C1", "100", plain)), "c1.837")
    load(
        con,
        tmp_path,
        remittance_835(
            "CLP*C1*1*100*70*0*12*P1*11*1~SVC*HC:99213:25*100*70**1~DTM*472*20240301~CAS*CO*45*30", payment="70"
        ),
        "c1.835",
    )
    assert rows(con, "SELECT match_basis FROM line_matches") == [("code, modifiers, date and charge",)]
    assert status(con) == [("C1", "paid", Decimal("70.00"), Decimal("0.00"), 1)]


def test_a_corrected_claim_takes_the_later_answer(con, tmp_path):
    load(con, tmp_path, claim_837(clm("K1", "100", visit(1, "L1")), submitted="20240110"), "k1.837")
    load(
        con,
        tmp_path,
        remittance_835(
            "CLP*K1*1*100*0*0*12*ICN1*11*1~SVC*HC:99213*100*0**1~DTM*472*20240301~CAS*CO*16*100~REF*6R*L1",
            payment_date="20240201",
            control="000000001",
        ),
        "k1.835",
    )
    corrected = clm("K1", "100", visit(1, "L1", mods=":25"), freq="7", extra="~REF*F8*ICN1")
    load(con, tmp_path, claim_837(corrected, submitted="20240210", control="000000002"), "k1-corrected.837")
    load(
        con,
        tmp_path,
        remittance_835(
            "CLP*K1*1*100*75*0*12*ICN2*11*7~REF*F8*ICN1~SVC*HC:99213:25*100*75**1~DTM*472*20240301~CAS*CO*45*25~REF*6R*L1",
            payment="75",
            payment_date="20240301",
            control="000000002",
        ),
        "k1-corrected.835",
    )
    assert rows(con, "SELECT frequency_code, status, paid_amount FROM claim_status ORDER BY submitted_date") == [
        ("1", "denied", Decimal("0.00")),
        ("7", "paid", Decimal("75.00")),
    ]


def test_payer_ids_that_differ_match_on_the_filing_indicator_only(con, tmp_path):
    # the clearinghouse's payer id differs from the payer's own; the filing indicator (12) agrees
    load(con, tmp_path, claim_837(clm("P1", "100", visit(1, "L1")), payer="ACME", payer_id="CH999"), "p1.837")
    load(
        con,
        tmp_path,
        remittance_835(
            "CLP*P1*1*100*70*0*12*X1*11*1~SVC*HC:99213*100*70**1~DTM*472*20240301~CAS*CO*45*30~REF*6R*L1",
            payment="70",
            control="000000001",
        ),
        "p1.835",
    )
    # a secondary payer's remittance for the same claim id (Medicaid, MC) is not this claim's answer
    load(
        con,
        tmp_path,
        remittance_835(
            "CLP*P1*2*100*10*0*MC*Y1*11*1~SVC*HC:99213*100*10**1~DTM*472*20240301~CAS*OA*23*90~REF*6R*L1",
            payer="STATE MEDICAID",
            payment="10",
            control="000000002",
        ),
        "p1-secondary.835",
    )
    assert rows(con, "SELECT match_basis FROM claim_matches") == [("claim id, filing indicator and dates",)]
    assert status(con) == [("P1", "paid", Decimal("70.00"), Decimal("0.00"), 1)]


def rules(tmp_path, *extra: str):
    path = tmp_path / "rules.csv"
    shipped = (reference.DATA / "prevention_rules.csv").read_text().rstrip("\n")
    path.write_text("\n".join([shipped, *extra]) + "\n")
    return path


def flags(con) -> list[tuple]:
    return rows(con, "SELECT claim_id, procedure_code, rule_id, finding FROM prevention_flags ORDER BY ALL")


def test_prevention_checks(con, tmp_path):
    reference.load(
        con,
        "prevention-rules",
        rules(
            tmp_path,
            "units-J1745,max_units,,,J1745,,100,,,coding,our payers' limit",
            "site-96365,site_not_allowed,ACME HEALTH PLAN,,96365,19,,,,site_of_care,not at an off-campus department",
            "auth-J,prior_authorization,12345,,J*,,,2024-01-01,,authorization,ACME needs authorisation for drugs",
        ),
    )
    crosswalk = tmp_path / "crosswalk.csv"
    crosswalk.write_text("ndc,hcpcs,description\n22222-2222-22,J1745,infliximab 100 mg vial\n")
    # the shipped JW/JZ rules concern Medicare Part B (filing indicator MB), which these claims are
    reference.load(con, "ndc-crosswalk", crosswalk)
    unlisted = "LX*2~SV1*HC:J3490*50*UN*1***1~DTP*472*D8*20240301~REF*6R*U2~LIN**N4*22222222222~CTP****1*UN"
    infusion = "LX*1~SV1*HC:96365*300*UN*1*19**1~DTP*472*D8*20240301~REF*6R*S1"
    load(
        con,
        tmp_path,
        claim_837(
            clm("W1", "300", drug(1, "L1")),  # neither JW nor JZ, no authorisation
            clm("W2", "300", drug(1, "L1", mods=":JW:JZ")),  # both on one line
            clm("W3", "300", drug(1, "L1", units=120, mods=":JZ"), extra="~REF*G1*AUTH9"),  # too many units
            clm("W4", "350", infusion, unlisted),
            clm("W5", "300", drug(1, "L1", mods=":JZ"), extra="~REF*G1*AUTH10"),  # nothing to flag
            filing="MB",
        ),
        "w.837",
    )  # Medicare Part B: the shipped JW/JZ rules apply
    assert flags(con) == [
        ("W1", "J1745", "auth-J", "no prior authorisation number sent"),
        ("W1", "J1745", "waste-J1745", "neither JW nor JZ on any line of this drug"),
        ("W2", "J1745", "auth-J", "no prior authorisation number sent"),
        ("W2", "J1745", "waste-J1745", "JW and JZ on the same line"),
        ("W3", "J1745", "units-J1745", "120 units billed, more than the 100 allowed"),
        ("W4", "96365", "site-96365", "not allowed at POS 19"),
        ("W4", "J3490", "auth-J", "no prior authorisation number sent"),
        ("W4", "J3490", "unlisted-J3490", "NDC 22222222222 has its own code J1745"),
    ]


def test_rule_precision_counts_what_the_payer_did_later(con, tmp_path):
    from analytics import data

    load(
        con, tmp_path, claim_837(clm("V1", "200", drug(1, "L1")), clm("V2", "200", drug(1, "L1")), filing="MB"), "v.837"
    )
    # V1 denied for the missing modifier (CO-16 + N822: coding), V2 paid anyway
    load(
        con,
        tmp_path,
        remittance_835(
            "CLP*V1*1*200*0*0*12*Q1*11*1~SVC*HC:J1745*200*0**10~DTM*472*20240301~CAS*CO*16*200~REF*6R*L1~LQ*HE*N822",
            "CLP*V2*1*200*150*0*12*Q2*11*1~SVC*HC:J1745*200*150**10~DTM*472*20240301~CAS*CO*45*50~REF*6R*L1",
            payment="150",
        ),
        "v.835",
    )
    db = tmp_path / "test.duckdb"
    con.close()
    precision = data.query("prevention/rule_precision", data.Filters().params(), db)
    row = precision[precision["rule_id"] == "waste-J1745"].iloc[0]
    assert (row["flagged_lines"], row["answered_lines"], row["denied_as_foreseen"], row["not_denied"]) == (2, 2, 1, 1)
    assert row["precision"] == 0.5


def test_a_code_or_modifier_filter_keeps_the_billed_claims_with_a_line_that_matches(con, tmp_path):
    """The claim status counts and the unanswered claims keep a billed claim when one of its lines bills the
    chosen code and modifier: a code or a modifier alone is looked up in the claim's lists (claim_status_rows),
    both together on its lines, so that 25 on the visit does not make the drug line of the same claim match."""
    billed = [
        ("A1", [visit(1, "L1", mods=":25"), drug(2, "L2", mods=":JW")]),
        ("B1", [visit(1, "L1"), drug(2, "L2")]),
        ("C1", [visit(1, "L1", mods=":59:25")]),
        ("D1", [drug(1, "L1", mods=":JZ")]),
    ]
    for n, (claim_id, lines) in enumerate(billed):
        load(con, tmp_path, claim_837(clm(claim_id, "300", *lines), control=f"00000000{n}"), f"{claim_id}.837")
    assert rows(con, "SELECT claim_id, billed_codes, billed_modifiers FROM claim_status ORDER BY 1") == [
        ("A1", ["99213", "J1745"], ["25", "JW"]),
        ("B1", ["99213", "J1745"], []),
        ("C1", ["99213"], ["25", "59"]),
        ("D1", ["J1745"], ["JZ"]),
    ]
    query = "SELECT claim_id FROM filtered_claim_status('service', NULL, NULL, [], [], $codes, $modifiers, [])"

    def kept(codes=(), modifiers=()) -> str:
        return "".join(sorted(c[0] for (c,) in rows(con, query, {"codes": list(codes), "modifiers": list(modifiers)})))

    assert kept() == "ABCD"
    assert kept(codes=["J1745"]) == "ABD"
    assert kept(codes=["99213", "J1745"]) == "ABCD"
    assert kept(modifiers=["25"]) == "AC"
    assert kept(modifiers=["59"]) == "C"
    assert kept(modifiers=["JW", "JZ"]) == "AD"
    assert kept(modifiers=["GA"]) == ""
    assert kept(codes=["99213"], modifiers=["25"]) == "AC"
    assert kept(codes=["J1745"], modifiers=["25"]) == ""  # 25 is on the visit, not on the drug line
    assert kept(codes=["J1745"], modifiers=["25", "JZ"]) == "D"
