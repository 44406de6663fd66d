"""HFMA's initial denial rates (initial_claims, monthly_measures, the Overview), denial classes
(expected, duplicate), CLP02 4 without a denial reason, and partial months, on hand-written 835s."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from analytics import data, database
from analytics.database import sql
from conftest import app_runner, load_text, remittance_835, rows
from test_app import values

MEASURE_COLUMNS = (
    "month",
    "payer_name",
    "payer_order",
    "initial_claims",
    "denied_claims",
    "fully_denied_claims",
    "claim_denial_rate",
    "charges",
    "denied_charges",
    "dollar_denial_rate",
    "denied_amount",
    "lines",
    "denied_lines",
    "line_denial_rate",
    "complete",
    "duplicate_denied_claims",
    "duplicate_denied_amount",
    "expected_denied_lines",
    "expected_denied_amount",
    "status_4_without_reason_claims",
)


def claim(claim_id: str, status: str, charge: str, paid: str, *segments: str, served: str = "20240301") -> str:
    """A CLP loop: the claim (service date DTM*232) and its segments (SVC, CAS, LQ...)."""
    return "~".join((f"CLP*{claim_id}*{status}*{charge}*{paid}*0*12*{claim_id}X*11*1", f"DTM*232*{served}", *segments))


def load(con, tmp_path, *claims: str, payer: str = "ACME HEALTH PLAN", paid_on: str = "20240315"):
    """One payment (its own file) from one payer; every file here must load."""
    name = f"{payer.split()[0].lower()}-{paid_on}.835"
    result = load_text(
        con, tmp_path, remittance_835(*claims, payer=payer, payment_date=paid_on, control=paid_on[-6:] + "001"), name
    )
    assert result.status == "loaded", result.message


def measures(con) -> list[dict]:
    return [
        dict(zip(MEASURE_COLUMNS, r, strict=True))
        for r in rows(con, f"SELECT {', '.join(MEASURE_COLUMNS)} FROM monthly_measures")
    ]


def dashboard_rows(con, name: str, **filters) -> list[dict]:
    """The rows of queries/dashboard/<name>.sql under the given filters, as dicts."""
    result = con.execute(sql(f"dashboard/{name}"), data.Filters(**filters).params())
    names = [d[0] for d in result.description]
    return [dict(zip(names, r, strict=True)) for r in result.fetchall()]


def kpis(con, **filters) -> dict:
    """The Overview's tiles per payer order ('all', 'primary', ...) under the given filters: the whole period's
    rows of claim_measures."""
    return {r["payer_order"]: r for r in dashboard_rows(con, "claim_measures", **filters) if r["month"] is None}


# Payer ACME as primary: a full denial, a partial one (one line of two), a claim paid.
# Payer BETA as secondary: a full denial and a claim paid after the prior payer (OA-23).
MIXED_PRIMARY = (
    claim("P1", "1", "200", "0", "SVC*HC:99213*200*0**1", "CAS*CO*50*200"),
    claim("P2", "1", "300", "150", "SVC*HC:99214*200*150**1", "CAS*CO*45*50", "SVC*HC:97110*100*0**1", "CAS*CO*97*100"),
    claim("P3", "1", "100", "80", "SVC*HC:99213*100*80**1", "CAS*CO*45*20"),
)
MIXED_SECONDARY = (
    claim("S1", "2", "400", "0", "SVC*HC:J1322*400*0**4", "CAS*CO*16*400", "LQ*HE*M51"),
    claim("S2", "2", "250", "50", "SVC*HC:99215*250*50**1", "CAS*OA*23*200"),
)


def load_mixed_month(con, tmp_path):
    load(con, tmp_path, *MIXED_PRIMARY)
    load(con, tmp_path, *MIXED_SECONDARY, payer="BETA MUTUAL")


def test_a_ga_gy_gz_line_denied_is_an_expected_denial_not_in_the_claim_denial_rate(con, tmp_path):
    load(
        con,
        tmp_path,
        claim("E1", "1", "180", "100", "SVC*HC:99213*100*100**1", "SVC*HC:G0439:GA*80*0**1", "CAS*PR*96*80"),
        claim("E2", "1", "60", "0", "SVC*HC:A4550:GY*60*0**1", "CAS*CO*96*60"),
    )
    assert rows(con, "SELECT claim_id, denial_class, denied_amount FROM denials ORDER BY claim_id") == [
        ("E1", "expected", Decimal("80.00")),
        ("E2", "expected", Decimal("60.00")),
    ]
    [m] = measures(con)
    assert (m["initial_claims"], m["denied_claims"], m["fully_denied_claims"], m["claim_denial_rate"]) == (2, 0, 0, 0)
    assert (m["denied_charges"], m["dollar_denial_rate"], m["denied_amount"]) == (Decimal("0.00"), 0, Decimal("0.00"))
    assert (m["lines"], m["denied_lines"], m["line_denial_rate"]) == (3, 0, 0)
    assert (m["expected_denied_lines"], m["expected_denied_amount"]) == (2, Decimal("140.00"))


def test_the_modifier_and_site_of_care_denial_lists_leave_expected_denials_apart(con, tmp_path):
    """Every page counts a denial of class 'denial' only: a GZ line denied for a modifier problem (CO-4) or for
    its site (CO-58) is an expected denial, not one of the Modifiers or Site of care pages' denials. Nor is a
    denial for medical necessity (CO-50) a site-of-care one: a comment once swallowed the category condition."""
    load(
        con,
        tmp_path,
        claim("G1", "1", "100", "0", "SVC*HC:99213:GZ*100*0**1", "CAS*CO*4*100"),
        claim("G2", "1", "100", "0", "SVC*HC:99214:GZ*100*0**1", "CAS*CO*58*100"),
        claim("G3", "1", "100", "0", "SVC*HC:99215*100*0**1", "CAS*CO*58*100"),
        claim("G4", "1", "100", "0", "SVC*HC:99212*100*0**1", "CAS*CO*50*100"),
    )
    params = data.Filters().params()
    assert rows(con, sql("dashboard/modifier_denials"), params) == []
    assert [r[2:] for r in rows(con, sql("dashboard/site_denials_by_payer"), params)] == [(1, Decimal("100.00"))]


def test_a_duplicate_claim_denial_is_counted_apart(con, tmp_path):
    load(
        con,
        tmp_path,
        claim("D1", "1", "100", "0", "SVC*HC:99213*100*0**1", "CAS*OA*18*100"),
        claim("D2", "1", "200", "0", "SVC*HC:99214*200*0**1", "CAS*CO*50*200"),
    )
    assert rows(con, "SELECT claim_id, category, denial_class FROM denials ORDER BY claim_id") == [
        ("D1", "duplicate", "duplicate"),
        ("D2", "medical_necessity", "denial"),
    ]
    [m] = measures(con)
    assert (m["initial_claims"], m["denied_claims"], m["claim_denial_rate"]) == (2, 1, 0.5)
    assert (m["charges"], m["denied_charges"], m["denied_amount"]) == (
        Decimal("300.00"),
        Decimal("200.00"),
        Decimal("200.00"),
    )
    assert (m["duplicate_denied_claims"], m["duplicate_denied_amount"]) == (1, Decimal("100.00"))
    # nor in the avoidable share's denied dollars
    assert kpis(con)["all"]["denied_amount"] == Decimal("200.00")


def test_status_4_with_only_capitation_is_not_a_denial_but_counted_apart(con, tmp_path):
    load(con, tmp_path, claim("C4", "4", "150", "0", "SVC*HC:99213*150*0**1", "CAS*CO*24*150"))
    assert rows(con, "SELECT count(*) FROM denials") == [(0,)]
    assert rows(con, "SELECT status_4_without_reason, denial_type FROM fact_units") == [(True, None)]
    [m] = measures(con)
    assert (m["initial_claims"], m["denied_claims"], m["status_4_without_reason_claims"]) == (1, 0, 1)


def test_status_4_with_the_prior_payer_s_carc_at_claim_level_is_a_secondary_claim(con, tmp_path):
    """CLP02 4 does not say which payer answered: a claim carrying CARC 23 (the prior payer's adjudication) is
    a secondary one. Sent at claim level, where it denies nothing, it is no unit of its own, and the claim was
    counted primary."""
    load(con, tmp_path, claim("C6", "4", "120", "0", "CAS*OA*23*0", "SVC*HC:99213*120*0**1", "CAS*CO*16*120"))
    assert rows(con, "SELECT level, reason_code FROM adjustments ORDER BY level") == [("claim", "23"), ("line", "16")]
    [m] = measures(con)
    assert (m["payer_order"], m["initial_claims"], m["denied_claims"]) == ("secondary", 1, 1)


def test_status_4_without_any_adjustment_stays_an_eligibility_denial(con, tmp_path):
    load(con, tmp_path, claim("C5", "4", "120", "0", "SVC*HC:99213*120*0**1"))
    assert rows(con, "SELECT category, denial_class, denied_amount FROM denials") == [
        ("eligibility", "denial", Decimal("120.00"))
    ]
    [m] = measures(con)
    assert (m["payer_order"], m["denied_claims"], m["fully_denied_claims"], m["status_4_without_reason_claims"]) == (
        "primary",
        1,
        1,
        0,
    )


def test_monthly_measures_of_a_mixed_month(con, tmp_path):
    load_mixed_month(con, tmp_path)
    acme, beta = measures(con)
    assert acme == {
        "month": date(2024, 3, 1),
        "payer_name": "ACME HEALTH PLAN",
        "payer_order": "primary",
        "initial_claims": 3,
        "denied_claims": 2,
        "fully_denied_claims": 1,
        "claim_denial_rate": 2 / 3,
        "charges": Decimal("600.00"),
        "denied_charges": Decimal("500.00"),
        "dollar_denial_rate": 500 / 600,
        "denied_amount": Decimal("300.00"),
        "lines": 4,
        "denied_lines": 2,
        "line_denial_rate": 0.5,
        "complete": False,  # paid 15 March: the month is not over on the data date
        "duplicate_denied_claims": 0,
        "duplicate_denied_amount": Decimal("0.00"),
        "expected_denied_lines": 0,
        "expected_denied_amount": Decimal("0.00"),
        "status_4_without_reason_claims": 0,
    }
    assert (
        beta["payer_name"],
        beta["payer_order"],
        beta["initial_claims"],
        beta["denied_claims"],
        beta["fully_denied_claims"],
    ) == ("BETA MUTUAL", "secondary", 2, 1, 1)
    assert (beta["charges"], beta["denied_charges"], beta["denied_amount"]) == (
        Decimal("650.00"),
        Decimal("400.00"),
        Decimal("400.00"),
    )
    assert Fraction(beta["denied_charges"]) / Fraction(beta["charges"]) == Fraction(8, 13)
    assert beta["dollar_denial_rate"] == 400 / 650 and beta["claim_denial_rate"] == 0.5
    # the Overview reads the same macro: primary by default, each order apart, and all together
    figures = kpis(con)
    assert (figures["primary"]["claims"], figures["primary"]["denied_claims"]) == (3, 2)
    assert (figures["secondary"]["claims"], figures["secondary"]["denied_claims"]) == (2, 1)
    assert (figures["all"]["claims"], figures["all"]["denied_claims"], figures["all"]["claim_denial_rate"]) == (
        5,
        3,
        0.6,
    )
    assert figures["all"]["dollar_denial_rate"] == 900 / 1250
    assert (figures["tertiary"]["claims"], figures["tertiary"]["claim_denial_rate"]) == (0, None)


def test_a_month_is_complete_once_the_data_date_reaches_its_last_day(con, tmp_path):
    load(
        con, tmp_path, claim("M1", "1", "100", "100", "SVC*HC:99213*100*100**1", served="20240201"), paid_on="20240229"
    )
    assert [(m["month"], m["complete"]) for m in measures(con)] == [(date(2024, 2, 1), True)]  # 29 Feb 2024
    load(con, tmp_path, claim("M2", "1", "100", "100", "SVC*HC:99213*100*100**1"), paid_on="20240330")
    assert [(m["month"], m["complete"]) for m in measures(con)] == [(date(2024, 2, 1), True), (date(2024, 3, 1), False)]
    load(con, tmp_path, claim("M3", "1", "100", "100", "SVC*HC:99213*100*100**1"), paid_on="20240331")
    assert [(m["month"], m["complete"]) for m in measures(con)] == [(date(2024, 2, 1), True), (date(2024, 3, 1), True)]


def load_runout(con, tmp_path):
    """ACME's claims answered 30, 30 and 15 days after service, BETA's one in 10 (90% of all four within 30 days);
    data up to 20 March 2024: March is not over, February (ended 29 Feb) still being answered until 30 March,
    January final."""
    acme, beta = "ACME HEALTH PLAN", "BETA MUTUAL"
    for answer, payer, paid_on in (
        (claim("J1", "1", "100", "0", "SVC*HC:99213*100*0**1", "CAS*CO*50*100", served="20240110"), acme, "20240209"),
        (claim("B1", "1", "400", "0", "SVC*HC:99213*400*0**1", "CAS*CO*50*400", served="20240130"), beta, "20240209"),
        (claim("F1", "1", "200", "0", "SVC*HC:99213*200*0**1", "CAS*CO*50*200", served="20240210"), acme, "20240311"),
        (claim("M1", "1", "100", "100", "SVC*HC:99213*100*100**1", served="20240305"), acme, "20240320"),
    ):
        load(con, tmp_path, answer, payer=payer, paid_on=paid_on)


def test_a_month_of_service_still_being_answered_is_not_final_and_movers_leave_it_out(con, tmp_path):
    """By date of service, February's claims were still arriving on 20 March: its denied dollars fell against
    January's and the movers read it as a drop."""
    load_runout(con, tmp_path)
    assert rows(con, "SELECT scope, payer_name, days_90, claims FROM answer_lag ORDER BY scope, payer_name") == [
        ("all", None, 30, 4),
        ("payer", "ACME HEALTH PLAN", 30, 3),
        ("payer", "BETA MUTUAL", 10, 1),
    ]
    # under a payer filter, by the chosen payers' own pace (the slowest of them): BETA answers within 10 days,
    # so its February was final on 10 March
    answering = "SELECT month_answering('service', DATE '2024-02-01', ?::VARCHAR[])"
    assert [rows(con, answering, [p])[0][0] for p in ([], ["BETA MUTUAL"], ["ACME HEALTH PLAN", "BETA MUTUAL"])] == [
        True,
        False,
        True,
    ]
    trend = (
        "SELECT month, complete, answering FROM (" + sql("dashboard/claim_measures") + ") "
        "WHERE payer_order = 'all' AND month IS NOT NULL ORDER BY month"
    )
    service = data.Filters().params()
    assert rows(con, trend, service) == [
        (date(2024, 1, 1), True, False),
        (date(2024, 2, 1), True, True),
        (date(2024, 3, 1), False, False),
    ]
    # by date of payment a month over is final: its payments are all in
    payment = data.Filters(date_basis="payment").params()
    assert rows(con, trend, payment) == [(date(2024, 2, 1), True, False), (date(2024, 3, 1), False, False)]
    movers = sorted(r[:6] for r in rows(con, sql("dashboard/movers"), data.Filters().params()))
    assert movers == [  # January against December, not February (still arriving) against January
        ("category", "medical_necessity", date(2024, 1, 1), Decimal("500.00"), Decimal("0"), Decimal("500.00")),
        ("payer", "ACME HEALTH PLAN", date(2024, 1, 1), Decimal("100.00"), Decimal("0"), Decimal("100.00")),
        ("payer", "BETA MUTUAL", date(2024, 1, 1), Decimal("400.00"), Decimal("0"), Decimal("400.00")),
    ]
    by_payment = sorted(r[2] for r in rows(con, sql("dashboard/movers"), data.Filters(date_basis="payment").params()))
    assert set(by_payment) == {date(2024, 2, 1)}


def test_the_payer_heatmap_judges_each_payers_month_by_its_own_pace(con, tmp_path):
    """Judged by all payers' pace, BETA's February (it answers within 10 days) read as still being answered, and
    a slow payer's month as final once most payers' were: each row goes by its own payer's days."""
    load_runout(con, tmp_path)
    beta_february = claim("B2", "1", "300", "0", "SVC*HC:99213*300*0**1", "CAS*CO*50*300", served="20240225")
    load(con, tmp_path, beta_february, payer="BETA MUTUAL", paid_on="20240306")
    heatmap = (
        "SELECT payer_name, month, complete, answering, answer_days FROM ("
        + sql("dashboard/payer_measures")
        + ") WHERE month IS NOT NULL"
    )
    assert rows(con, heatmap, data.Filters().params()) == [
        ("ACME HEALTH PLAN", date(2024, 1, 1), True, False, 30),
        ("ACME HEALTH PLAN", date(2024, 2, 1), True, True, 30),  # until 30 March
        ("ACME HEALTH PLAN", date(2024, 3, 1), False, False, 30),
        ("BETA MUTUAL", date(2024, 1, 1), True, False, 10),
        ("BETA MUTUAL", date(2024, 2, 1), True, False, 10),  # final since 10 March
    ]


def test_the_overview_marks_a_month_still_being_answered_not_final_and_says_for_how_long(con, tmp_path, monkeypatch):
    load_runout(con, tmp_path)
    con.close()
    at = app_runner(tmp_path / "test.duckdb", monkeypatch, tmp_path)()
    at.radio(key="payer_order").set_value("All").run(timeout=120)
    rate = json.loads(at.get("plotly_chart")[0].proto.spec)
    solid, tail = rate["data"]
    assert [x[:7] for x in solid["x"]] == ["2024-01"]
    assert tail["name"] == "not final" and tail["line"]["dash"] == "dash"
    assert [x[:7] for x in tail["x"]] == ["2024-01", "2024-02", "2024-03"]
    [shade] = rate["layout"]["shapes"]  # February and March under one label
    assert shade["x0"][:10] == "2024-01-17" and shade["x1"][:10] == "2024-03-16"
    [label] = rate["layout"]["annotations"]
    # above the plot (the top of its domain, anchored at its bottom): inside, it sat on a line at 100%
    assert (label["text"], label["yref"], label["y"], label["yanchor"]) == ("not final", "y domain", 1, "bottom")
    [note] = [c.value for c in at.caption if "Not final" in c.value]
    assert "Partial month: data up to 20 March 2024. March 2024 is not over yet" in note
    assert "payers are still answering claims for February 2024 (90% of claims are answered within 30 days" in note
    assert note.endswith("Month-over-month comparisons leave them out.")
    assert not at.warning  # 2 of the 4 claims are in months not final: the tiles are mostly final
    # and every denial is still open on 20 March: the recovery rate (0%) is young, and says so
    [young] = [c.value for c in at.caption if c.value.startswith("Recovery rate:")]
    assert young.startswith("Recovery rate: 100.0% of the pursued denied dollars here are still open ($700;")
    # February alone (as the last complete month by date of service would be): the tiles say it is not final
    february = app_runner(tmp_path / "test.duckdb", monkeypatch, tmp_path)(**{"from": "2024-02-01", "to": "2024-02-29"})
    [warning] = [w.value for w in february.warning]
    assert warning.startswith("Not final: every claim here is in February 2024, whose figures will still change")


def test_a_code_filter_keeps_the_claims_that_have_the_code(con, tmp_path):
    load_mixed_month(con, tmp_path)
    # P2's second line is 97110: before, only a claim's first line counted its claim, so 0 claims showed
    figures = kpis(con, codes=("97110",))["primary"]
    assert (figures["claims"], figures["denied_claims"], figures["claim_denial_rate"]) == (1, 1, 1.0)
    assert (figures["charges"], figures["denied_charges"]) == (Decimal("300.00"), Decimal("300.00"))
    assert (figures["units"], figures["denied_units"], figures["denied_amount"]) == (1, 1, Decimal("100.00"))
    assert kpis(con, codes=("99214",))["primary"]["claims"] == 1


def test_under_a_code_or_modifier_filter_a_claim_is_denied_by_the_lines_the_filter_keeps(con, tmp_path):
    """A claim is kept under a code or modifier filter by a line it matches, and denied when such a line is: P2's
    99214 was paid and its 97110 denied, so under 99214 it is a claim adjudicated, not denied (the Overview read
    "1 of 1 claims denied, $0 denied" before); the same under modifier 25 for a 25 line paid beside a line denied."""
    load_mixed_month(con, tmp_path)
    load(
        con,
        tmp_path,
        claim(
            "M1",
            "1",
            "300",
            "150",
            "SVC*HC:99214:25*200*150**1",
            "CAS*CO*45*50",
            "SVC*HC:20610*100*0**1",
            "CAS*CO*97*100",
        ),
        paid_on="20240320",
    )
    for filters in ({"codes": ("99214",)}, {"modifiers": ("25",)}, {"modifiers": ("25", "59")}):
        figures = kpis(con, **filters)["primary"]
        shown = (figures["claims"], figures["denied_claims"], figures["denied_charges"], figures["denied_amount"])
        assert shown == (2 if "codes" in filters else 1, 0, 0, 0), filters
    # the line denied keeps its claim denied under its own code, with the whole claim's charge
    figures = kpis(con, codes=("20610",))["primary"]
    assert (figures["claims"], figures["denied_claims"], figures["denied_charges"]) == (1, 1, Decimal("300.00"))
    [primary] = [m for m in measures(con) if m["payer_order"] == "primary"]
    assert primary["denied_claims"] == 3  # P1, P2 and M1, without a filter


def test_a_modifier_given_twice_on_a_line_counts_the_line_once_on_every_page(con, tmp_path):
    """A line billed 99213-25-25 is one line under modifier 25: the Modifiers page and What changed's slice
    counted it once per copy ($200 denied of a $100 line), while the Overview under 25 counted it once."""
    load(con, tmp_path, claim("D1", "1", "100", "0", "SVC*HC:99213:25:25*100*0**1", "CAS*CO*50*100"))
    overview = kpis(con, modifiers=("25",))["primary"]
    assert (overview["units"], overview["denied_units"], overview["denied_amount"]) == (1, 1, Decimal("100.00"))
    [single] = [r for r in dashboard_rows(con, "by_modifier") if r["grouping"] == "modifier"]
    assert (single["modifiers"], single["lines"], single["denied_amount"]) == ("25", 1, Decimal("100.00"))
    sliced = rows(
        con,
        f"SELECT claims, denied_claims, charges, denied_amount FROM ({sql('findings/slice_counts')})"
        " WHERE dimension = 'modifier' AND modifier = '25'",
        {"months": [date(2024, 3, 1)]},
    )
    assert sliced == [(1, 1, Decimal("100.00"), Decimal("100.00"))]


def load_february_and_march(con, tmp_path) -> None:
    """ACME denies $50 paid in February, then $200 paid in March."""
    load(
        con,
        tmp_path,
        claim("F1", "1", "50", "0", "SVC*HC:99213*50*0**1", "CAS*CO*50*50", served="20240201"),
        paid_on="20240215",
    )
    load(con, tmp_path, claim("F2", "1", "200", "0", "SVC*HC:99213*200*0**1", "CAS*CO*50*200"), paid_on="20240315")


def review_rows(con, name: str, columns: str, month: date, where: str = "true") -> list[tuple]:
    """Columns of a Monthly review query (queries/recovery/<name>.sql) for the month, dates by payment."""
    params = {k: v for k, v in data.Filters(date_basis="payment").params().items() if k not in ("date_from", "date_to")}
    return rows(con, f"SELECT {columns} FROM ({sql('recovery/' + name)}) WHERE {where}", {**params, "month": month})


def test_movers_leave_out_a_partial_latest_month(con, tmp_path):
    load_february_and_march(con, tmp_path)
    load(
        con,
        tmp_path,
        claim("F3", "1", "999", "0", "SVC*HC:99213*999*0**1", "CAS*CO*50*999", served="20240401"),
        payer="BETA MUTUAL",
        paid_on="20240410",
    )
    # the first six columns (name, the label people read, comes last)
    moved = [r[:6] for r in rows(con, sql("dashboard/movers"), data.Filters(date_basis="payment").params())]
    assert sorted(moved) == [  # March against February; April (data up to 10 April) left out
        ("category", "medical_necessity", date(2024, 3, 1), Decimal("200.00"), Decimal("50.00"), Decimal("150.00")),
        ("payer", "ACME HEALTH PLAN", date(2024, 3, 1), Decimal("200.00"), Decimal("50.00"), Decimal("150.00")),
    ]
    columns = "dimension, value, this_month, previous_month, month"
    review = review_rows(con, "review_movers", columns, date(2024, 4, 1), "dimension = 'payer'")
    assert review == [("payer", "ACME HEALTH PLAN", Decimal("200.00"), Decimal("50.00"), date(2024, 3, 1))]


def test_the_12_month_average_of_a_shorter_history_is_over_the_months_it_holds(con, tmp_path):
    """The Monthly review's movers compare a month with the average of the 12 before it: a history of one month
    before March averaged over 12 read February's $50 as $4.17 a month, and March as a big mover."""
    load_february_and_march(con, tmp_path)
    load(con, tmp_path, claim("F3", "1", "100", "100", "SVC*HC:99213*100*100**1"), paid_on="20240401")
    columns = "value, this_month, average_12_months, change_from_average"
    review = review_rows(con, "review_movers", columns, date(2024, 3, 1), "dimension = 'payer'")
    assert review == [("ACME HEALTH PLAN", Decimal("200.00"), 50, 150)]


def scorecard(con, **filters) -> dict:
    """The Payers page's row per payer under the given filters: the rows of payer_measures without a month."""
    return {r["payer_name"]: r for r in dashboard_rows(con, "payer_measures", **filters) if r["month"] is None}


def test_a_payer_s_paid_net_counts_the_payment_on_reprocessing_after_a_reversal(con, tmp_path):
    """Paid $, net is what the payer paid less what its reversals took back: the payment on reprocessing that
    follows a reversal is a readjudication, which the denial figures leave out, and it was left out here too
    (80 paid, 80 taken back, 90 paid again read $0)."""
    load(con, tmp_path, claim("R1", "1", "100", "80", "SVC*HC:99213*100*80**1", "CAS*CO*45*20"))
    load(
        con,
        tmp_path,
        claim("R1", "22", "-100", "-80", "SVC*HC:99213*-100*-80**1", "CAS*CO*45*-20"),
        claim("R1", "1", "100", "90", "SVC*HC:99213*100*90**1", "CAS*CO*45*10"),
        paid_on="20240415",
    )
    assert rows(con, "SELECT count(*) FROM fact_units WHERE readjudication") == [(1,)]
    assert scorecard(con)["ACME HEALTH PLAN"]["net_paid_amount"] == Decimal("90.00")
    assert scorecard(con, date_basis="payment", date_to=date(2024, 3, 31))["ACME HEALTH PLAN"]["net_paid_amount"] == 80


def test_under_a_category_filter_a_line_denied_for_another_category_still_counts_as_adjudicated(con, tmp_path):
    """The category filter narrows the denials, not the lines they are counted against: the Payers page dropped
    the lines denied for other categories from its line count and line rate, so both differed from the
    Overview's under the same filter."""
    load_mixed_month(con, tmp_path)
    category = rows(con, "SELECT category FROM denials WHERE claim_id = 'P1'")[0][0]
    row = scorecard(con, categories=(category,))["ACME HEALTH PLAN"]
    overview = kpis(con, categories=(category,))["primary"]
    # P1's line denied for this category; P2's 97110 (denied for another) and the paid lines stay adjudicated
    assert (row["units"], row["line_denial_rate"]) == (4, 0.25)
    assert (overview["units"], overview["denied_units"]) == (4, 1)
    assert row["denied_amount"] == Decimal("200.00")


def test_the_off_campus_expected_reimbursement_values_the_denials_beside_it(con, tmp_path):
    """Site of care values the off-campus denials at what the payer would have paid: the denials its denied $
    counts (class 'denial'), not a duplicate-claim line's (OA-18) too."""
    load(
        con,
        tmp_path,
        "CLP*O1*1*300*80*0*12*O1X*19*1~DTM*232*20240301~SVC*HC:99213*100*80**1~CAS*CO*45*20"
        "~SVC*HC:99214*100*0**1~CAS*CO*50*100~SVC*HC:99215*100*0**1~CAS*OA*18*100",
    )
    found = dashboard_rows(con, "by_site")
    [total] = [r for r in found if r["grouping"] == "off_campus" and r["value"] == "off-campus total"]
    assert total["denied_amount"] == Decimal("100.00")
    assert total["expected_reimbursement"] == Decimal("80.00")  # 100 denied at the payer's 80 of 100


@pytest.fixture
def mixed_db(tmp_path):
    """The mixed month (ACME primary, BETA secondary, paid 15 March) and a February claim ACME paid in full."""
    path = tmp_path / "own.duckdb"
    con = database.connect(path)
    load(
        con, tmp_path, claim("F0", "1", "100", "100", "SVC*HC:99213*100*100**1", served="20240201"), paid_on="20240215"
    )
    load_mixed_month(con, tmp_path)
    con.close()
    return path


def test_overview_headline_is_the_claim_level_rate_by_payer_order(mixed_db, monkeypatch, tmp_path):
    app = app_runner(mixed_db, monkeypatch, tmp_path)
    at = app()
    metrics = {m.label: m.value for m in at.metric}
    # primary by default: 4 initial claims (F0, P1-P3), 2 denied; $500 of $700 charged; 2 of 5 lines
    assert (metrics["Initial denial rate (claims)"], metrics["Initial denial rate ($)"]) == ("50.0%", "71.4%")
    assert (metrics["Claims adjudicated"], metrics["Line denial rate"], metrics["Denied $"]) == ("4", "40.0%", "$300")
    assert "HFMA" in next(m.help for m in at.metric if m.label == "Initial denial rate (claims)")
    assert "Status 4 without a denial reason" not in metrics  # shown only when there are any
    at.radio(key="payer_order").set_value("Secondary").run(timeout=120)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Initial denial rate (claims)"], metrics["Initial denial rate ($)"]) == ("50.0%", "61.5%")
    at.radio(key="payer_order").set_value("All").run(timeout=120)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Initial denial rate (claims)"], metrics["Initial denial rate ($)"]) == ("50.0%", "66.7%")
    assert metrics["Claims adjudicated"] == "6"


def test_overview_trend_marks_the_partial_month(mixed_db, monkeypatch, tmp_path):
    at = app_runner(mixed_db, monkeypatch, tmp_path)()
    rate = json.loads(at.get("plotly_chart")[0].proto.spec)
    solid, partial = rate["data"]
    assert [x[:10] for x in solid["x"]] == ["2024-02-01"] and values(solid["y"]) == [0]  # February, complete
    assert partial["name"] == "partial month" and partial["line"]["dash"] == "dash"
    assert [x[:10] for x in partial["x"]] == ["2024-02-01", "2024-03-01"] and values(partial["y"]) == [0, 2 / 3]
    [shade] = rate["layout"]["shapes"]  # March shaded
    assert shade["x0"][:10] == "2024-02-15" and shade["x1"][:10] == "2024-03-16"
    assert any("Partial month: data up to 15 March 2024" in c.value for c in at.caption)


def test_overview_shows_status_4_without_a_denial_reason_only_when_there_is_one(tmp_path, monkeypatch):
    path = tmp_path / "own.duckdb"
    con = database.connect(path)
    load(
        con,
        tmp_path,
        claim("C4", "4", "150", "0", "SVC*HC:99213*150*0**1", "CAS*CO*24*150"),
        claim("P9", "1", "100", "100", "SVC*HC:99213*100*100**1"),
    )
    con.close()
    metrics = {m.label: m.value for m in app_runner(path, monkeypatch, tmp_path)().metric}
    assert metrics["Status 4 without a denial reason"] == "1 claim"
    assert (metrics["Claims adjudicated"], metrics["Initial denial rate (claims)"]) == ("2", "0.0%")
