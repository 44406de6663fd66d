"""Change findings (analytics/findings.py, queries/findings/, the view change_findings): hand-built
histories where one slice changes and where nothing does, Benjamini-Hochberg across slices, the exact
shift-share decomposition, partial months, and the demo's dated patterns found (and none without them)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from scipy import stats

from analytics import data, database, demo, findings
from conftest import load_text, remittance_835, rows
from test_app import values

MONTHS = [date(2024, m, 1) for m in range(1, 8)]  # Jan-May baseline, June the period, July partial


def claim(claim_id: str, denied: bool, code: str = "99213", served: str = "20240101") -> str:
    """A one-line claim of $100: denied in full (CO-50, medical necessity), or paid."""
    status = f"CLP*{claim_id}*1*100*{0 if denied else 100}*0*12*{claim_id}X*11*1"
    line = f"SVC*HC:{code}*100*{0 if denied else 100}**1"
    return "~".join((status, f"DTM*232*{served}", line, *(["CAS*CO*50*100"] if denied else [])))


def month_file(con, tmp_path, month: date, payer: str, denied: int, claims: int = 30, code: str = "99213"):
    """One payment on the 5th of the month: `claims` claims of the payer, the first `denied` denied."""
    tag = f"{payer[:2]}{month:%y%m}"
    paid_on = f"{month:%Y%m}05"
    text = remittance_835(
        *(claim(f"{tag}{n:03d}", n < denied, code, served=f"{month:%Y%m}01") for n in range(claims)),
        payer=payer,
        payment_date=paid_on,
        control=f"{month:%y%m}{len(payer):02d}{ord(payer[0]):03d}"[:9],
    )
    result = load_text(con, tmp_path, text, f"{tag}.835")
    assert result.status == "loaded", result.message


def history(con, tmp_path, beta_period: int, partial_beta: int = 3):
    """ACME and BETA, 30 claims a month each, 3 denied a month from January to May; in June ACME 3 and
    BETA `beta_period`; July (paid on the 5th: partial) BETA `partial_beta`."""
    for month in MONTHS[:5]:
        month_file(con, tmp_path, month, "ACME HEALTH PLAN", 3)
        month_file(con, tmp_path, month, "BETA MUTUAL", 3)
    month_file(con, tmp_path, MONTHS[5], "ACME HEALTH PLAN", 3)
    month_file(con, tmp_path, MONTHS[5], "BETA MUTUAL", beta_period)
    month_file(con, tmp_path, MONTHS[6], "BETA MUTUAL", partial_beta)


def found(con) -> dict:
    return {
        (r[0], r[1]): r
        for r in rows(
            con,
            """select dimension, slice, claims, denied_claims, baseline_claims,
        baseline_denied_claims, effect_amount, direction, finding, test, p_value, q_value, period_from, baseline_from,
        baseline_months, sentence from change_findings""",
        )
    }


def test_one_payer_that_changes_is_found_with_its_counts_direction_and_effect(con, tmp_path):
    history(con, tmp_path, beta_period=15)
    tested = found(con)
    beta = tested[("payer", "BETA MUTUAL")]
    assert beta[2:6] == (30, 15, 150, 15)  # June's claims and denials against January to May's
    # 15 denied where the baseline rate (10%) expects 3: 12 excess claims at June's $100 per denied claim
    assert beta[6] == Decimal("1200.00") and beta[7] == "up" and beta[8] is True
    assert beta[9] == "fisher"  # every baseline month exactly 3 of 30: no overdispersion
    assert beta[10] == pytest.approx(stats.fisher_exact([[15, 15], [15, 135]]).pvalue)
    assert beta[12:15] == (date(2024, 6, 1), date(2024, 1, 1), 5)
    assert beta[15].startswith(
        "BETA MUTUAL denied 50.0% of claims in Jun 2024 (95% CI 33.2–66.8%) against 10.0% "
        "over the prior 5 months (+$1,200, q "
    )
    # the interval in the sentence: the Wilson score interval of June's 15 of 30 (no overdispersion to widen it)
    [interval] = rows(con, "select rate_ci_low, rate_ci_high from change_findings_rows where slice = 'BETA MUTUAL'")
    centre, half = (15 + 1.96**2 / 2) / (30 + 1.96**2), 1.96 * (30 * 0.25 + 1.96**2 / 4) ** 0.5 / (30 + 1.96**2)
    assert interval == pytest.approx((centre - half, centre + half), abs=1e-4)
    assert "mostly CO-50 (medical necessity)" in beta[15]
    acme = tested[("payer", "ACME HEALTH PLAN")]
    assert acme[2:6] == (30, 3, 150, 15) and acme[6] == Decimal("0.00") and acme[8] is False
    assert acme[7] == "none" and acme[15] is None
    # the same claims moved the pair BETA x medical necessity and the category: found; ACME's pair not
    assert tested[("payer_category", "BETA MUTUAL × medical_necessity")][8] is True
    assert tested[("payer_category", "ACME HEALTH PLAN × medical_necessity")][8] is False
    category = tested[("category", "medical_necessity")]
    assert category[2:6] == (60, 18, 300, 30) and category[8] is True
    # the payer slices agree with monthly_measures (one definition of a denied claim)
    assert rows(
        con,
        """select sum(initial_claims), sum(denied_claims) from monthly_measures
        where payer_name = 'BETA MUTUAL' and month = DATE '2024-06-01'""",
    ) == [(30, 15)]


def test_nothing_changes_no_finding(con, tmp_path):
    history(con, tmp_path, beta_period=3)
    tested = found(con)
    assert tested and not any(r[8] for r in tested.values())
    assert all(r[10] == pytest.approx(1.0) for r in tested.values())  # every rate exactly its baseline's


def test_a_partial_month_is_never_a_finding(con, tmp_path):
    history(con, tmp_path, beta_period=3, partial_beta=30)  # July: every BETA claim denied, but July is not over
    tested = found(con)
    assert {r[12] for r in tested.values()} == {date(2024, 6, 1)}  # the period is June, the last complete month
    assert not any(r[8] for r in tested.values())
    fetch = findings.fetcher(con)
    _, usable = findings.payment_months(fetch)
    assert usable == MONTHS[:6] and findings.period_for(MONTHS[6], usable) is None
    assert findings.latest_period(usable, "month") == findings.Period("month", (MONTHS[5],), (MONTHS[4],))


def test_small_slices_are_not_tested(con, tmp_path):
    history(con, tmp_path, beta_period=15)
    # BETA's June claims all bill 99213; a code with too few claims in June would not appear
    for month in MONTHS[:6]:
        month_file(con, tmp_path, month, "GAMMA CARE", 1, claims=5, code="J1322")
    tested = found(con)
    assert ("payer", "GAMMA CARE") not in tested and ("code", "J1322") not in tested
    assert ("payer", "BETA MUTUAL") in tested


def row(dimension: str, value: str, month: date, claims: int, denied: int, charges="0", denied_amount="0") -> dict:
    out = {
        "dimension": dimension,
        **{k: None for k in findings.KEYS},
        "month": month,
        "claims": claims,
        "denied_claims": denied,
        "charges": Decimal(charges),
        "denied_amount": Decimal(denied_amount),
    }
    out[findings.DIMENSIONS[dimension][1][0]] = value
    return out


def test_benjamini_hochberg_across_slices():
    """Twenty payers, the same baseline; in the period one moves a lot, one a little, the rest not at all:
    q is scipy's Benjamini-Hochberg of the p-values, and a p under 0.05 whose q is not is no finding."""
    period = findings.Period("default", (MONTHS[5],), tuple(MONTHS[:5]))
    period_denied = {"P00": 40, "P01": 19}
    data = [row("payer", f"P{n:02d}", m, 100, 10) for n in range(20) for m in MONTHS[:5]]
    data += [row("payer", f"P{n:02d}", MONTHS[5], 100, period_denied.get(f"P{n:02d}", 10)) for n in range(20)]
    tested = {r["payer_name"]: r for r in findings.analyse(data, period)}
    assert len(tested) == 20
    ps = [tested[f"P{n:02d}"]["p_value"] for n in range(20)]
    for n, q in enumerate(stats.false_discovery_control(ps, method="bh")):
        assert tested[f"P{n:02d}"]["q_value"] == pytest.approx(q)
    assert tested["P00"]["finding"] and tested["P00"]["q_value"] < 0.05
    assert tested["P01"]["p_value"] < 0.05 < tested["P01"]["q_value"] and not tested["P01"]["finding"]
    assert [r["finding"] for r in tested.values()].count(True) == 1


def test_overdispersed_baseline_uses_the_beta_binomial_and_is_harder_to_pass():
    period = findings.Period("default", (MONTHS[5],), tuple(MONTHS[:5]))
    steady = [row("payer", "A", m, 200, 20) for m in MONTHS[:5]] + [row("payer", "A", MONTHS[5], 200, 34)]
    wandering = [row("payer", "A", m, 200, d) for m, d in zip(MONTHS[:5], (8, 32, 12, 30, 18), strict=True)]
    wandering.append(row("payer", "A", MONTHS[5], 200, 34))
    [a] = findings.analyse(steady, period)
    [b] = findings.analyse(wandering, period)
    assert (a["test"], b["test"]) == ("fisher", "beta-binomial") and b["dispersion"] > 1
    assert b["p_value"] > a["p_value"] and b["ci_high"] - b["ci_low"] > a["ci_high"] - a["ci_low"]
    assert a["rate_change"] == pytest.approx(0.07) and a["ci_low"] < 0.07 < a["ci_high"]


# (period denied, period claims, baseline denied, baseline claims): small and large, the observed table at
# either end of its support, nothing or everything denied in a row, the shapes of a 10M-line history
TABLES = [
    (15, 30, 15, 150),
    (0, 30, 40, 150),
    (30, 30, 3, 150),
    (1, 1, 0, 5),
    (5, 5, 0, 5),
    (3, 10, 3, 10),
    (7, 200, 97, 1000),
    (511, 14000, 4700, 160425),
    (1739, 45914, 15600, 480281),
    (36004, 40005, 352720, 400001),
    (2, 40000, 1200, 400000),
]


@pytest.mark.parametrize(("k1", "n1", "k0", "n0"), TABLES)
def test_fishers_exact_test_gives_scipys_two_sided_p_value(k1, n1, k0, n0):
    expected = stats.fisher_exact([[k1, n1 - k1], [k0, n0 - k0]]).pvalue
    assert findings.fisher_two_sided(k1, n1, k0, n0) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize(("k1", "n1", "k0", "n0"), TABLES)
@pytest.mark.parametrize(("a", "b"), [(0.4, 0.9), (2.5, 40.0), (160.0, 400.0), (177.0, 1668.0)])
def test_the_beta_binomial_tails_are_scipys(k1, n1, k0, n0, a, b):
    low, high = findings.beta_binomial_tails(k1, n1, a, b)
    # both take the upper tail as 1 less the lower: about 1e-10 of rounding either way over 40,000 terms
    assert low == pytest.approx(stats.betabinom.cdf(k1, n1, a, b), rel=1e-6, abs=1e-9)
    assert high == pytest.approx(stats.betabinom.sf(k1 - 1, n1, a, b), rel=1e-6, abs=1e-9)


def test_the_decomposition_adds_up_exactly():
    period = findings.Period("default", (MONTHS[2],), tuple(MONTHS[:2]))
    data = [
        row("payer", "A", MONTHS[0], 100, 10, "10000", "900"),
        row("payer", "A", MONTHS[1], 100, 12, "10000", "1100"),
        row("payer", "B", MONTHS[0], 50, 10, "8000", "1500"),
        row("payer", "B", MONTHS[1], 50, 10, "8000", "1700"),
        row("payer", "A", MONTHS[2], 80, 8, "9000", "800"),
        row("payer", "B", MONTHS[2], 120, 36, "20000", "6000"),
        row("payer", "C", MONTHS[2], 10, 5, "1000", "500"),
    ]  # C is new in the period
    series = findings.monthly_slices(data, period)
    result = findings.attribution(series, period, "payer")
    parts = result["rows"]
    assert result["rate_before"] == Fraction(42, 300) and result["rate_after"] == Fraction(49, 210)
    assert sum(p["rate_effect"] + p["mix_effect"] for p in parts) == result["rate_change"]
    assert result["volume_effect"] + sum(p["dollar_total"] for p in parts) == result["denied_change"]
    # per month: $2,600 denied on $18,000 charged before; $7,300 on $30,000 in the period
    assert (result["denied_before"], result["denied_after"]) == (Fraction(2600), Fraction(7300))
    b = next(p for p in parts if p["value"] == "B")
    # in dollars: B's share of charges went from 8,000/18,000 to 20,000/30,000, its denied $ per charged $ from
    # 1,600/8,000 to 6,000/20,000; charges a month from $18,000 to $30,000
    assert (b["charge_share_before"], b["charge_share_after"]) == (Fraction(4, 9), Fraction(2, 3))
    assert (b["dollar_rate_before"], b["dollar_rate_after"]) == (Fraction(1, 5), Fraction(3, 10))
    assert (result["charges_before"], result["charges_after"]) == (Fraction(18000), Fraction(30000))
    # B's share went from 1/3 to 4/7 and its rate from 0.2 to 0.3
    assert b["mix_effect"] == (Fraction(4, 7) - Fraction(1, 3)) * (Fraction(1, 5) + Fraction(3, 10)) / 2
    assert b["rate_effect"] == (Fraction(1, 3) + Fraction(4, 7)) / 2 * (Fraction(3, 10) - Fraction(1, 5))
    assert parts[0]["value"] == "B"  # the slice that explains most comes first
    c = next(p for p in parts if p["value"] == "C")
    assert c["rate_effect"] == 0 and c["mix_effect"] == Fraction(10, 210) * Fraction(1, 2)


def test_the_overall_change_says_whether_it_is_more_than_chance_allows():
    """Under "Findings: 0" the attribution gave the overall rate's move (-4.0 points on the demo) without saying
    whether it was more than chance: a manager read it as a real drop. It is tested as a slice is, on the
    partition's months summed, and the sentence gives its interval and the verdict."""
    period = findings.Period("default", (MONTHS[5],), tuple(MONTHS[:5]))
    steady = [row("payer", payer, month, 100, 10) for payer in ("A", "B") for month in MONTHS[:5]]

    def sentence(denied_a: int, denied_b: int) -> str:
        now = [row("payer", "A", MONTHS[5], 100, denied_a), row("payer", "B", MONTHS[5], 100, denied_b)]
        series = findings.monthly_slices([*steady, *now], period)
        return findings.attribution_sentence(findings.attribution(series, period, "payer"), period)

    small = findings.test([(200, 20)] * 5, [(200, 23)])  # both payers' months summed
    assert f"(+1.5 points, 95% CI {small['ci_low'] * 100:+.1f} to {small['ci_high'] * 100:+.1f}: within what " in (
        sentence(11, 12)
    )
    assert "(+10.0 points, 95% CI" in sentence(20, 20) and ": more than chance allows);" in sentence(20, 20)


def test_p_chart_marks_a_month_outside_the_baseline_limits():
    period = findings.Period("default", (MONTHS[5],), tuple(MONTHS[:5]))
    series = {m: {"claims": 100, "denied_claims": d} for m, d in zip(MONTHS[:6], (10, 10, 10, 10, 10, 25), strict=True)}
    points = findings.p_chart(series, period)
    assert [p["outside"] for p in points] == [False] * 5 + [True]
    assert points[0]["centre"] == 0.1 and points[0]["upper"] == pytest.approx(0.1 + 3 * (0.09 / 100) ** 0.5)


# -- the demo's dated patterns -----------------------------------------------------------------------------
# By payment month (what the remittances show and when): month 1 of the demo is November 2024.
START = demo.Generator(months=24).start


def month_number(month: date) -> int:
    return (month.year - START.year) * 12 + month.month - START.month + 1


def every_month(db) -> dict:
    """month number -> the findings (findings.Result) with that month as the period (default baseline)."""
    con = database.connect(db)
    try:
        fetch = findings.fetcher(con)
        _, usable = findings.payment_months(fetch)
        out = {}
        for month in usable:
            period = findings.period_for(month, usable)
            if period is not None:
                out[month_number(month)] = findings.compute(fetch, period)
        return out
    finally:
        con.close()


# the slices that name each pattern
def prior_authorization(f):
    return (
        f["payer_name"] == "SUMMIT MEDICARE ADVANTAGE" and f["category"] == "authorization" and f["direction"] == "up"
    )


def waste_modifier_lapse(f):  # JW/JZ left off at POS 19: Medicare's CO-16 + N822 (coding)
    return f["direction"] == "up" and (
        f["site"] == "POS 19"
        and f["category"] in (None, "coding")
        or f["remark"] == "N822"
        or f["reason"] == "CO-16"
        and "POS 19" in f["sentence"]
        or f["payer_name"] == "MEDICARE PART B J15"
        and f["category"] == "coding"
    )


def late_filing(f):
    return f["category"] == "timely_filing" and f["payer_name"] is None and f["site"] is None and f["direction"] == "up"


def site_of_care_program(f):  # BLUE RIDGE PPO denies infliximab in hospital outpatient departments
    return (
        f["payer_name"] == "BLUE RIDGE PPO"
        and (f["category"] == "site_of_care" or f["procedure_code"] == "J1745")
        and f["direction"] == "up"
    )


# month the pattern starts in the remittances (payment month), the generator's month (service month)
PATTERNS = {
    "prior authorisation": (prior_authorization, 10, 10),
    "JW/JZ lapse at POS 19": (waste_modifier_lapse, 6, 6),
    # sent 95-160 days late, answered weeks after: CO-29 reaches the remittances in month 19
    "late filing": (late_filing, 19, 15),
    # an edit on the claims the payer processes from month 23, the demo's last complete month
    "site-of-care program": (site_of_care_program, 23, 23),
}


@pytest.fixture(scope="module")
def demo_findings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("findings")
    demo.build(folder / "p.duckdb", folder / "p", months=24, lines=150_000, seed=7)
    demo.build(folder / "n.duckdb", folder / "n", months=24, lines=150_000, seed=7, patterns=False)
    return every_month(folder / "p.duckdb"), every_month(folder / "n.duckdb")


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_each_dated_pattern_is_found_in_the_month_it_starts_or_the_month_after(demo_findings, pattern):
    with_patterns, _ = demo_findings
    matches, starts, _ = PATTERNS[pattern]
    months = sorted(m for m, result in with_patterns.items() if any(matches(f) for f in result.findings))
    assert months and months[0] in (starts, starts + 1), (pattern, months)


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_each_dated_pattern_is_one_change_in_the_month_it_is_found(demo_findings, pattern):
    """In the month a pattern is found, its slices (8 to 10 findings: the payer, the payer × category, the
    reason, its codes, its sites) are one change, led by a slice of the pattern, the others named under it:
    a manager reads one problem, not ten."""
    with_patterns, _ = demo_findings
    matches = PATTERNS[pattern][0]
    month = min(m for m, result in with_patterns.items() if any(matches(f) for f in result.findings))
    result = with_patterns[month]
    [change] = result.changes
    label = findings.slice_label(change)
    # the lead, or a slice found on its very claims (the category timely filing is CO-29's claims)
    assert any(matches(f) for f in result.findings if f is change or f["same_as"] == label), label
    assert len(change["parts"]) == sum(f["part_of"] == label for f in result.findings)


def test_without_patterns_at_most_one_finding_in_24_months(demo_findings):
    _, without = demo_findings
    assert len(without) >= 18  # every month with at least 3 usable months before it was a period
    assert sum(len(result.findings) for result in without.values()) <= 1, {
        m: [findings.slice_label(f) for f in result.findings] for m, result in without.items() if result.findings
    }


def test_the_sidebar_s_filters_name_a_slice_when_each_keys_one_dimension_with_one_value():
    from analytics.filters import MISSING_JW_JZ, Filters

    def named(**chosen) -> dict | None:
        wanted = findings.slice_of(Filters(**chosen))
        return None if wanted is None else {k: v for k, v in wanted.items() if v is not None}

    assert named(payers=("A",)) == {"dimension": "payer", "payer_name": "A"}
    assert named(payers=("A",), categories=("coding",)) == {
        "dimension": "payer_category",
        "payer_name": "A",
        "category": "coding",
    }
    assert named(codes=("J1745",), sites=("POS 19",)) == {
        "dimension": "code_site",
        "procedure_code": "J1745",
        "site": "POS 19",
    }
    assert named() is None and named(payers=("A", "B")) is None
    assert named(categories=("coding",), modifiers=("25",)) is None  # no dimension pairs them
    assert named(modifiers=(MISSING_JW_JZ,)) is None  # a modifier the lines lacked: no slice


def test_the_overview_payers_and_codes_say_whether_the_slice_they_show_moved_more_than_chance(tmp_path, monkeypatch):
    """Filtered to one payer, the Overview's tiles showed that payer while its What changed section gave only the
    findings and the overall rate: a manager could not tell whether the payer's own move was more than chance.
    Payers (one payer's trend), Codes (one code) and What changed had the same gap."""
    from conftest import app_runner

    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    history(con, tmp_path, beta_period=15)
    month_file(con, tmp_path, MONTHS[5], "TINY PLAN", 1, claims=5)  # 5 claims in June only: not tested
    con.close()
    run = app_runner(db, monkeypatch, tmp_path)

    def said(**query) -> list[str]:
        return [m.value for m in run(**query).markdown if "Under the sidebar's filters" in m.value]

    [beta] = said(payer="BETA MUTUAL")
    assert beta.startswith(
        "Under the sidebar's filters, BETA MUTUAL denied 50.0% of claims in Jun 2024 against 10.0% over the prior "
        "5 months (+40.0 points, 95% CI +"
    )
    assert beta.endswith("): more than chance allows: a finding.")
    [acme] = said(payer="ACME HEALTH PLAN")
    assert (
        "ACME HEALTH PLAN denied 10.0% of claims in Jun 2024 against 10.0% over the prior 5 months (+0.0 points" in acme
    )
    assert acme.endswith("): within what chance allows.")
    [tiny] = said(payer="TINY PLAN")
    assert tiny == (
        "Under the sidebar's filters, TINY PLAN was not tested in Jun 2024, too few claims for any change to pass "
        "the bar: a slice is tested with at least 20 claims in Jun 2024, 60 over the prior 5 months and 5 denied "
        "claims between them."
    )
    assert said(payer=["ACME HEALTH PLAN", "BETA MUTUAL"]) == [] and said() == []  # no one slice named
    # Payers says it under one payer's trend, for the payer chosen there
    payers = run("app_pages/payers.py")
    lead = "What changed's test (by payment month, every payer order): "
    [first] = [m.value for m in payers.markdown if m.value.startswith(lead)]
    assert first.startswith(lead + "BETA MUTUAL denied 50.0% of claims in Jun 2024") and "a finding." in first
    next(box for box in payers.selectbox if box.label == "Payer").set_value("ACME HEALTH PLAN").run(timeout=120)
    [acme] = [m.value for m in payers.markdown if m.value.startswith(lead)]
    assert acme.startswith(lead + "ACME HEALTH PLAN denied 10.0%") and acme.endswith("within what chance allows.")
    # What changed under its findings, for the period compared
    [beta] = [m.value for m in run("app_pages/what_changed.py", payer="BETA MUTUAL").markdown if "sidebar's" in m.value]
    assert beta.startswith("Under the sidebar's filters, BETA MUTUAL denied 50.0% of claims in Jun 2024")
    # and Codes under its tiles, for the code it shows: 19 of June's 65 claims against 30 of 300
    [code] = [m.value for m in run("app_pages/codes.py").markdown if m.value.startswith(lead)]
    assert code.startswith(lead + "29.2% of 99213 claims were denied in Jun 2024 against 10.0% over the prior 5 months")


def test_a_slice_within_chance_names_the_findings_inside_it(tmp_path, monkeypatch):
    """Filtered to a payer, the pages said its rate moved within what chance allows, and no more: the payer's
    infusion claims, a tenth of its claims, had jumped well beyond chance (a new site-of-care edit, say), and a
    manager read the payer as quiet."""
    from conftest import app_runner

    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    # 400 office visits a month, 40 denied; 25 infusions, 2 denied, then 15 in June; July (partial) ends the history
    for n, month in enumerate(MONTHS[:7]):
        tag, served = f"GA{month:%y%m}", f"{month:%Y%m}01"
        text = remittance_835(
            *(claim(f"{tag}{i:03d}", i < 40, "99213", served) for i in range(400 if n < 6 else 10)),
            *(
                claim(f"{tag}{400 + i:03d}", i < (15 if n == 5 else 2), "J1745", served)
                for i in range(25 if n < 6 else 0)
            ),
            payer="GAMMA CARE",
            payment_date=f"{month:%Y%m}05",
            control=f"{month:%y%m}777",
        )
        assert load_text(con, tmp_path, text, f"{tag}.835").status == "loaded"
    con.close()
    run = app_runner(db, monkeypatch, tmp_path)
    inside = (
        " Inside it, more than chance allows: GAMMA CARE denied 60.0% of J1745 claims in Jun 2024 against 8.0% "
        "(q \\< 0.001)."
    )
    # the Overview reads the stored findings, What changed the ones it has just tested
    for page in ("app_pages/overview.py", "app_pages/what_changed.py"):
        [said] = [m.value for m in run(page, payer="GAMMA CARE").markdown if "Under the sidebar's filters" in m.value]
        assert said.startswith("Under the sidebar's filters, GAMMA CARE denied 12.9% of claims in Jun 2024")
        assert "within what chance allows." in said and said.endswith(inside), said
    # filtered to the infusions themselves, the slice is the finding (BETA MUTUAL's test, above, checks that a
    # payer found as its one code does not name that code again)
    [said] = [m.value for m in run(payer="GAMMA CARE", code="J1745").markdown if "sidebar's" in m.value]
    assert said.endswith("more than chance allows: a finding.") and "Inside it" not in said


def test_a_slice_names_at_most_three_findings_inside_it_the_largest_dollar_effect_first():
    """Inside a payer, its categories, codes, modifiers and sites: five findings would make a paragraph of the
    sentence; the first three by dollar effect are named, then how many more (What changed lists them)."""
    from analytics.filters import Filters

    wanted = findings.slice_of(Filters(payers=("GAMMA CARE",)))
    period = findings.Period("default", (MONTHS[5],), tuple(MONTHS[:5]))

    def row(dimension: str, effect: int, **keys) -> dict:
        return {
            **dict.fromkeys(findings.KEYS),
            "payer_name": "GAMMA CARE",
            **keys,
            "dimension": dimension,
            "claims": 100,
            "claim_denial_rate": 0.2,
            "baseline_claim_denial_rate": 0.1,
            "rate_change": 0.1,
            "ci_low": 0.02,
            "ci_high": 0.18,
            "q_value": 0.01,
            "effect_amount": Decimal(effect),
            "finding": True,
            "same_as": None,
        }

    tested = [row("payer", 100)] + [
        row("payer_code", effect, procedure_code=code) for effect, code in ((50, "A1"), (900, "B2"), (300, "C3"))
    ]
    tested += [row("payer_category", 700, category="coding"), row("payer_modifier", 10, modifier="25")]
    tested[0]["finding"] = False  # the payer itself: within chance
    inside = findings.findings_inside(tested, wanted)
    assert [r["effect_amount"] for r in inside] == [900, 700, 300, 50, 10]
    said = findings.filtered_slice_sentence(findings.slice_row(tested, wanted), wanted, period, {}, "", inside)
    assert said.endswith(
        "Inside it, more than chance allows: GAMMA CARE denied 20.0% of B2 claims in Jun 2024 against 10.0% "
        "(q = 0.010); GAMMA CARE denied 20.0% of claims for coding in Jun 2024 against 10.0% (q = 0.010); GAMMA "
        "CARE denied 20.0% of C3 claims in Jun 2024 against 10.0% (q = 0.010); and 2 more."
    ), said


def test_findings_whose_denials_moved_with_a_larger_finding_are_named_as_parts_of_its_change():
    """A payer starts denying one drug at three hospital sites (CO-58): the payer × category leads, and the
    category found on its very claims, the sites × category, the payer and the site found on the same claims as a
    site × category are its parts. The payer's own coding problem (CO-4) moved inside the payer too, for another
    reason: a change of its own."""
    from analytics.findings.changes import mark_parts
    from analytics.findings.sentences import Denials

    period = findings.Period("default", (MONTHS[5],), tuple(MONTHS[:5]))

    def cell(site: str, code: str, category: str, reason: str, now: int, before: int) -> dict:
        return {
            "payer_name": "BLUE",
            "site": site,
            "procedure_code": code,
            "modifiers": [],
            "category": category,
            "reason": reason,
            "remark_codes": [],
            "denials": now,
            "denied_amount": Decimal(100 * now),
            "baseline_denials": before,  # over the 5 baseline months
        }

    denials = Denials(
        [
            cell("POS 19", "J1745", "site_of_care", "CO-58", 4, 0),
            cell("POS 22", "J1745", "site_of_care", "CO-58", 4, 0),
            cell("TOB 13x", "J1745", "site_of_care", "CO-58", 6, 1),
            cell("POS 11", "99213", "timely_filing", "CO-29", 3, 15),  # 3 a month, as before
            cell("POS 11", "96413", "coding", "CO-4", 9, 5),
        ]
    )

    def finding(dimension: str, effect: int, same_as: str | None = None, **keys) -> dict:
        return {
            **dict.fromkeys(findings.KEYS),
            **keys,
            "dimension": dimension,
            "effect_amount": Decimal(effect),
            "direction": "up",
            "finding": True,
            "same_as": same_as,
        }

    tested = [
        finding("payer_category", 4800, payer_name="BLUE", category="site_of_care"),
        finding("category", 4800, "BLUE × site_of_care", category="site_of_care"),  # only BLUE denies it
        finding("payer", 2400, payer_name="BLUE"),
        finding("site_category", 1700, site="POS 19", category="site_of_care"),
        finding("site", 1700, "POS 19 × site_of_care", site="POS 19"),
        finding("payer_code", 800, payer_name="BLUE", procedure_code="96413"),
        finding("code", 100, procedure_code="99213"),
    ]
    tested[-1]["finding"] = False
    mark_parts(tested, denials, period, {"category": {"site_of_care": "Site of care"}})
    assert [r["part_of"] for r in tested] == [None, *["BLUE × site_of_care"] * 4, None, None]
    assert tested[0]["parts"] == ["Site of care", "BLUE", "POS 19 × Site of care", "POS 19"]
    assert tested[5]["parts"] == []  # the coding problem leads a change of its own, with no part
    assert findings.parts_sentence(tested[0]["parts"]) == (
        "The same change, found in 4 more slices (mostly the same denials, for the same reason): Site of care; "
        "BLUE; POS 19 × Site of care; POS 19."
    )
    # a change found in many slices names the first eight and how many more
    many = [f"J{n:04d}" for n in range(11)]
    assert findings.parts_sentence(many).endswith(
        ": J0000; J0001; J0002; J0003; J0004; J0005; J0006; J0007; and 3 more."
    )
    assert findings.parts_sentence(many).startswith("The same change, found in 11 more slices")
    # a fall is no part of a rise, whatever its denials: it leads a change of its own (with the site on its claims)
    tested[3]["direction"] = tested[4]["direction"] = "down"
    mark_parts(tested, denials, period, {})
    assert tested[3]["part_of"] is None and tested[4]["part_of"] == "POS 19 × site_of_care"


def test_what_changed_page_shows_the_finding_and_clicks_through_to_its_denied_lines(tmp_path, monkeypatch):
    from conftest import app_runner

    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    history(con, tmp_path, beta_period=15)
    con.close()
    at = app_runner(db, monkeypatch, tmp_path)("app_pages/what_changed.py")
    text = " ".join(m.value for m in at.markdown)
    assert (
        "BETA MUTUAL denied 50.0% of 99213 claims in Jun 2024 (95% CI 33.2–66.8%) against 10.0% over the "
        "prior 5 months (+\\$1,200" in text
    )
    assert any("15 of 30 claims denied; baseline 15 of 150" in c.value for c in at.caption)
    notes = [c.value for c in at.caption if "15 of 30 claims denied" in c.value]
    assert notes == [
        "15 of 30 claims denied; baseline 15 of 150. Change +40.0 points (95% CI +22.2 to +57.3); p = 2.1e-06, "
        "q = 8.5e-06 (fisher). Effect +$1,200: the excess denied claims at the period's denied $ per denied claim."
    ], notes
    # the payer and the payer × category (the same claims as the payer × code), the category, the code, the
    # reason and the site (BETA's 99213 denied CO-50 moved them): one change, its other slices named under it as
    # on the Overview and the Monthly review, not listed as changes of their own
    assert at.subheader[0].value == "Findings: 1"
    assert any(c.value.startswith("9 slices changed more than chance allows. One change shows") for c in at.caption)
    assert [c.value for c in at.caption if c.value.startswith("The same change")] == [PARTS]
    # by payment month, said so: the Overview's trend of the same month is by date of service and differs
    assert any("by the month of each claim's first adjudication" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) >= 3  # sparklines and the two p-charts
    # every slice tested, each change's interval in percentage points as the sentences say it (as -7.8% it
    # read as a relative change)
    tested = next(frame for frame in at.dataframe if "change_ci_low" in frame.value.columns)
    beta = tested.value[tested.value["slice"] == "BETA MUTUAL"].iloc[0]
    # each slice says which finding it is named under: the same claims, or a part of its change
    under = dict(zip(tested.value["slice"], tested.value["listed_under"], strict=True))
    assert under["BETA MUTUAL"] == under["99213 × POS 11 office"] == under["CO-50"] == "BETA MUTUAL × 99213"
    assert under["BETA MUTUAL × 99213"] is None and under["ACME HEALTH PLAN"] is None
    # a category and a site by their names, as the sentences say them ("medical_necessity" was the rule set's
    # key, "POS 11" the site's)
    assert {"BETA MUTUAL × Medical necessity", "99213 × POS 11 office"} <= set(tested.value["slice"])
    assert any("; POS 11 office explains " in m.value for m in at.markdown)  # the attribution by site
    # the attribution in dollars is a table of its own, with its own inputs: "-0.04 points" beside a "-$128,954"
    # rate effect in one table read as a contradiction (the dollars' rate is denied $ per charged $)
    by_points = next(f for f in at.dataframe if "rate_effect" in f.value.columns)
    by_dollars = next(f for f in at.dataframe if "dollar_rate_effect" in f.value.columns)
    assert "dollar_rate_effect" not in by_points.value.columns
    assert {"charge_share_before", "dollar_rate_before", "dollar_total"} <= set(by_dollars.value.columns)
    config = json.loads(by_dollars.proto.columns)
    rate_before = config.get("col:dollar_rate_before") or config["dollar_rate_before"]
    assert rate_before["label"] == "denied $ per charged $ before"
    assert (by_dollars.value["dollar_rate_effect"] % 1 == 0).all()  # whole dollars: a monthly estimate
    assert by_dollars.value["dollar_total"].abs().is_monotonic_decreasing
    assert not tested.value["slice"].str.contains("_").any()
    assert beta["change_ci_low"] < 40 < beta["change_ci_high"]  # +40 points: from 10.0% to 50.0%
    config = json.loads(tested.proto.columns)
    spec = config.get("col:change_ci_low") or config["change_ci_low"]
    assert spec["label"] == "change, 95% CI from (points)" and spec["type_config"]["format"] == "%+.1f"
    # the category's p-chart is named by its label, its legend above the plot (below, it hid the months)
    category = at.selectbox(key="pchart_category")
    assert category.value == "medical_necessity" and "Medical necessity" in category.options
    p_chart = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert p_chart["layout"]["title"]["text"] == "Medical necessity"
    assert p_chart["layout"]["legend"]["y"] > 1 and p_chart["layout"]["legend"]["yanchor"] == "bottom"
    at.radio(key="findings_period").set_value("month").run(timeout=120)
    assert not at.exception
    at.radio(key="findings_period").set_value("default").run(timeout=120)
    at.button(key="drill_0").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    wanted = {"payer": "BETA MUTUAL", "from": "2024-06-01", "to": "2024-06-30", "dates": "payment"}
    assert {k: at.query_params[k] for k in wanted} == wanted, dict(at.query_params)
    assert at.title[0].value == "Claims"
    lines = at.dataframe[0].value
    assert set(lines["payer_name"]) == {"BETA MUTUAL"} and len(lines) == 15


def test_the_overview_the_monthly_review_and_its_exports_read_the_findings(tmp_path, monkeypatch):
    from analytics import data, review
    from conftest import app_runner

    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    history(con, tmp_path, beta_period=15)
    con.close()
    run = app_runner(db, monkeypatch, tmp_path)
    # BETA MUTUAL's jump, as its most specific slice (the same claims as BETA MUTUAL and BETA × medical necessity)
    sentence = (
        "BETA MUTUAL denied 50.0% of 99213 claims in Jun 2024 (95% CI 33.2–66.8%) against 10.0% over the "
        "prior 5 months (+\\$1,200"
    )
    assert sentence in " ".join(m.value for m in run().markdown)
    reviewed = run("app_pages/monthly_review.py")
    reviewed.selectbox[0].set_value(date(2024, 6, 1)).run(timeout=120)
    assert sentence in " ".join(m.value for m in reviewed.markdown)
    month = date(2024, 6, 1)
    parts = review.frames(lambda name, **extra: data.dashboard(name, data.Filters(), db, **extra), month)
    parts["review_findings"] = review.findings_part(data.change_findings(db, month=month))
    assert list(parts["review_findings"]["effect_amount"]) == sorted(
        parts["review_findings"]["effect_amount"], key=abs, reverse=True
    )
    html = review.html_report(month, parts, "Filters: none.", demo=False)
    assert "<h2>What changed</h2>" in html and "BETA MUTUAL denied 50.0% of 99213 claims in Jun 2024" in html
    workbook = review.excel_workbook(month, parts, "Filters: none.")
    assert b'name="What changed"' in zipfile.ZipFile(io.BytesIO(workbook)).read("xl/workbook.xml")


@pytest.fixture(scope="module")
def beta_db(tmp_path_factory):
    """The history where BETA MUTUAL's rate jumps in June 2024: nine findings, two sets of claims, one change.
    BETA MUTUAL, BETA MUTUAL × medical necessity and BETA MUTUAL × 99213 are the same 15 of 30 claims; the
    category, the code, the reason, the site and their pairs are the same 18 of 60 (ACME's 3 with them), whose
    moved denials are BETA's: parts of its change."""
    folder = tmp_path_factory.mktemp("beta")
    con = database.connect(folder / "own.duckdb")
    history(con, folder, beta_period=15)
    con.close()
    return folder / "own.duckdb"


JUNE = {"dates": "payment", "from": "2024-06-01", "to": "2024-06-30"}
# The findings of beta_db the Overview and the Monthly review show: one per change, the most specific slice of
# its largest set of claims (same_as names it on the others, part_of on the other sets). Each: what its sentence
# starts with, the Claims page's filters its link sets, the payers and number of denied lines it opens, June's
# rate in its sparkline; and the other slices it names under it.
SHOWN = [
    (
        "BETA MUTUAL denied 50.0% of 99213 claims in Jun 2024 (95% CI 33.2–66.8%) against 10.0% over the "
        "prior 5 months",
        {"payer": "BETA MUTUAL", "code": "99213", **JUNE},
        {"BETA MUTUAL"},
        15,
        0.5,
    ),
]
PARTS = (
    "The same change, found in 8 more slices (mostly the same denials, for the same reason): BETA MUTUAL; BETA "
    "MUTUAL × Medical necessity; Medical necessity; 99213; 99213 × POS 11 office; CO-50; POS 11 office; POS 11 "
    "office × Medical necessity."
)


def test_findings_of_the_same_claims_name_the_most_specific_one(con, tmp_path):
    history(con, tmp_path, beta_period=15)
    marked = dict(rows(con, "select slice, same_as from change_findings where finding"))
    assert len(marked) == 9
    assert {s for s, same in marked.items() if same is None} == {"BETA MUTUAL × 99213", "99213 × POS 11"}
    assert marked["BETA MUTUAL"] == marked["BETA MUTUAL × medical_necessity"] == "BETA MUTUAL × 99213"
    assert marked["medical_necessity"] == marked["CO-50"] == marked["POS 11"] == "99213 × POS 11"


def sparklines(at, prefix: str) -> dict:
    """The page's sparklines by their number in its list of findings (plotly_chart keys {prefix}spark_{n})."""
    import json

    return {
        int(el.proto.id.rsplit("spark_", 1)[1]): json.loads(el.proto.spec)
        for el in at.get("plotly_chart")
        if el.proto.id.rsplit("-", 1)[-1].startswith(f"{prefix}spark_")
    }


def check_findings_shown(at, prefix: str) -> None:
    """Each finding shown as the What changed page shows one, one per change: its sentence with the rate's 95%
    interval, the other slices of its change, its sparkline (the slice's rate, one point per month of the
    baseline and the period, the period's month red) and its Denied lines button."""
    sentences = [  # not the overall rate's sentence under them
        m.value
        for m in at.markdown
        if "denied" in m.value and "Jun 2024" in m.value and not m.value.startswith("Overall")
    ]
    assert len(sentences) == len(SHOWN), sentences
    for (head, *_), sentence in zip(SHOWN, sentences, strict=True):
        assert sentence.replace("\\", "").startswith(head), sentence  # less Markdown's escapes ("30\\.0%")
    assert [c.value for c in at.caption if c.value.startswith("The same change")] == [PARTS]
    charts = sparklines(at, prefix)
    assert sorted(charts) == list(range(len(SHOWN))), charts.keys()
    for n, (*_, june) in enumerate(SHOWN):
        [trace] = charts[n]["data"]
        assert [x[:10] for x in values(trace["x"])] == [f"2024-0{m}-01" for m in range(1, 7)]  # a point a month
        assert values(trace["y"]) == pytest.approx([0.1] * 5 + [june])
        assert trace["marker"]["color"][-1] == "#d62728" and set(trace["marker"]["color"][:-1]) == {"#1f77b4"}
        button = at.button(key=f"{prefix}drill_{n}")
        assert button.label == "Denied lines" and button.help.startswith("The Claims page: "), button.help


def check_click_through(open_page, prefix: str) -> None:
    """Each finding's button opens the Claims page on that slice's denied lines in that month, its filters in
    the URL."""
    for n, (_, wanted, payers, denied_lines, _) in enumerate(SHOWN):
        at = open_page()
        at.button(key=f"{prefix}drill_{n}").click().run(timeout=120)
        assert not at.exception, [e.value for e in at.exception]
        assert at.title[0].value == "Claims"
        shown = {k: at.query_params[k] for k in at.query_params}
        shown = {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in shown.items()}
        assert shown == wanted, (n, shown)
        lines = at.dataframe[0].value
        assert set(lines["payer_name"]) == payers and len(lines) == denied_lines, (n, len(lines))


def test_each_overview_finding_has_its_sparkline_interval_and_denied_lines(beta_db, monkeypatch, tmp_path):
    from conftest import app_runner

    run = app_runner(beta_db, monkeypatch, tmp_path)
    with monkeypatch.context() as patched:  # the Overview reads what the last load stored: no test runs again

        def tested_again(*args, **kwargs):
            raise AssertionError("the Overview ran the findings' tests")

        patched.setattr(findings, "compute", tested_again)
        patched.setattr(data, "change_findings", tested_again)
        overview = run()
        check_findings_shown(overview, "overview_")
    assert any("by month of payment (the trend is by date of service)" in c.value for c in overview.caption)
    check_click_through(run, "overview_")


def test_each_monthly_review_finding_has_its_sparkline_interval_and_denied_lines(beta_db, monkeypatch, tmp_path):
    from conftest import app_runner

    run = app_runner(beta_db, monkeypatch, tmp_path)

    def review_of_june():
        at = run("app_pages/monthly_review.py")
        at.selectbox[0].set_value(date(2024, 6, 1)).run(timeout=120)
        assert not at.exception, [e.value for e in at.exception]
        return at

    check_findings_shown(review_of_june(), "review_")
    check_click_through(review_of_june, "review_")


def test_the_review_exports_carry_each_findings_interval(beta_db):
    import re

    from analytics import data, review

    month = date(2024, 6, 1)
    parts = review.frames(lambda name, **extra: data.dashboard(name, data.Filters(), beta_db, **extra), month)
    parts["review_findings"] = review.findings_part(data.change_findings(beta_db, month=month))
    shown = parts["review_findings"]
    assert len(shown) == len(SHOWN) and shown["rate_ci_low"].notna().all()
    assert (shown["rate_ci_low"] < shown["claim_denial_rate"]).all()
    page = review.html_report(month, parts, "Filters: none.", demo=False)
    section = page.split("<h2>What changed</h2>")[1].split("</section>")[0]
    assert "<th class='num'>95% CI from</th><th class='num'>95% CI to</th>" in section
    assert section.count("<tr>") == len(shown) + 1
    pair = "<td class='num'>{}</td><td class='num'>{}</td>"
    assert section.count(pair.format("33.2%", "66.8%")) == 1
    assert "at POS 11 office. " + PARTS in section  # after the sentence, as the page says it under it
    assert section.count("(95% CI ") == len(shown)  # in every sentence
    assert section.count("<svg class='spark'") == len(shown)  # a sparkline each, Jan-Jun: six points
    assert section.split("<svg")[1].count("<circle") == 6 and "<title>Jun 2024: 50.0%</title>" in section
    book = zipfile.ZipFile(io.BytesIO(review.excel_workbook(month, parts, "Filters: none.")))
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "95% CI from" in strings and "95% CI to" in strings
    assert SHOWN[0][0] in strings and PARTS in strings
    sheet = book.read("xl/worksheets/sheet2.xml").decode()  # What changed, after the summary
    assert len(re.findall(r"<v>0\.3315\d*</v>", sheet)) == 1 and len(re.findall(r"<v>0\.6684\d*</v>", sheet)) == 1


def test_the_review_exports_carry_the_overall_rates_change_as_the_page_says_it(beta_db, tmp_path, monkeypatch):
    """The Monthly review says whether the overall rate moved more than chance allows; the HTML and Excel
    exports a lead brings to the meeting said nothing of it."""
    from analytics import data, review
    from conftest import app_runner

    month = date(2024, 6, 1)
    result = data.change_findings(beta_db, month=month)
    change = findings.overall_change(data.records("findings/overall", result.period.params, beta_db), result.period)
    part = review.overall_part(change, result.period)
    said = [m.value for m in app_runner(beta_db, monkeypatch, tmp_path)("app_pages/monthly_review.py").markdown]
    assert part["finding"].tolist() == [s for s in said if s.startswith("Overall, ")]  # the page's sentence
    assert part["claim_denial_rate"].iloc[0] == change["claim_denial_rate"] > change["baseline_claim_denial_rate"]
    # in percentage points, as the sentence says them (a rate difference shown as -7.8% read as a relative change)
    assert part["change_ci_low"].iloc[0] < change["rate_change"] * 100 < part["change_ci_high"].iloc[0]
    parts = review.frames(lambda name, **extra: data.dashboard(name, data.Filters(), beta_db, **extra), month)
    parts["review_findings"] = review.findings_part(result)
    parts["review_overall"] = part
    page = review.html_report(month, parts, "Filters: none.", demo=False)
    section = page.split("<h2>Overall claim denial rate</h2>")[1].split("</section>")[0]
    assert "<th class='num'>change, 95% CI from (points)</th><th class='num'>change, 95% CI to (points)</th>" in section
    low, high = (f"{part[c].iloc[0]:+.1f}" for c in ("change_ci_low", "change_ci_high"))
    assert f"<td class='num'>{low}</td><td class='num'>{high}</td>" in section and f"CI {low} to {high}:" in section
    assert "<th class='num'>claims</th><th class='num'>denied claims</th>" in section  # counts right-aligned alike
    assert section.count("<tr>") == 2 and "more than chance allows" in section
    book = zipfile.ZipFile(io.BytesIO(review.excel_workbook(month, parts, "Filters: none.")))
    assert "Overall claim denial rate" in book.read("xl/workbook.xml").decode()
    assert "change, 95% CI from (points)" in book.read("xl/sharedStrings.xml").decode()


def test_the_monthly_review_and_its_exports_test_the_slice_its_filters_name(beta_db, tmp_path, monkeypatch):
    """Reviewing one payer's month (the sidebar's payer filter applies to the review's figures), the lead saw the
    overall rate tested but not that payer's: the page says it under the overall rate, the exports in a second
    row of that section, with its q."""
    from analytics import data, review
    from conftest import app_runner

    said = [
        m.value
        for m in app_runner(beta_db, monkeypatch, tmp_path)("app_pages/monthly_review.py", payer="BETA MUTUAL").markdown
    ]
    [beta] = [s for s in said if s.startswith("Under the sidebar's filters, ")]
    assert beta.startswith("Under the sidebar's filters, BETA MUTUAL denied 50.0% of claims in Jun 2024 against 10.0%")
    month = date(2024, 6, 1)
    result = data.change_findings(beta_db, month=month)
    change = findings.overall_change(data.records("findings/overall", result.period.params, beta_db), result.period)
    wanted = findings.slice_of(data.Filters(payers=("BETA MUTUAL",)))
    row = findings.slice_row(result.tested, wanted)
    part = review.overall_part(change, result.period, (beta, row))
    assert part["finding"].tolist()[1] == beta and part["q_value"].iloc[1] == row["q_value"] <= findings.FDR
    assert part["change_ci_low"].iloc[1] < 40 < part["change_ci_high"].iloc[1]  # +40 points, as the sentence says
    assert part["q_value"].isna().iloc[0]  # the overall rate is one test: its p, no q
    parts = review.frames(lambda name, **extra: data.dashboard(name, data.Filters(), beta_db, **extra), month)
    parts["review_findings"] = review.findings_part(result)
    parts["review_overall"] = part
    page = review.html_report(month, parts, "Filters: payer: BETA MUTUAL.", demo=False)
    section = page.split("<h2>Overall claim denial rate</h2>")[1].split("</section>")[0]
    assert section.count("<tr>") == 3 and "BETA MUTUAL denied 50.0% of claims in Jun 2024" in section
    # a slice not tested has its sentence and no figures
    untested = review.overall_part(change, result.period, ("TINY PLAN was not tested ...", None))
    assert untested["claims"].isna().iloc[1] and untested["finding"].iloc[1] == "TINY PLAN was not tested ..."


def test_the_overview_says_when_nothing_changed(tmp_path, monkeypatch):
    from conftest import app_runner

    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    history(con, tmp_path, beta_period=3)
    con.close()
    shown = " ".join(m.value for m in app_runner(db, monkeypatch, tmp_path)().markdown)
    assert "No slice changed more than chance allows in June 2024." in shown
    # and whether the overall rate moved: 6 of 60 claims denied in June as in each month before
    assert "Overall, 10.0% of initial claims were denied in Jun 2024, against 10.0% over the prior 5 months " in shown
    assert "(+0.0 points, 95% CI " in shown and ": within what chance allows)." in shown


def test_the_overview_and_the_monthly_review_say_the_overall_rate_moved_more_than_chance_allows(tmp_path, monkeypatch):
    """With no finding, or one, a manager still asks whether the overall rate's move is real: both pages say
    it, in one sentence (the What changed page's attribution tests it the same way)."""
    from conftest import app_runner

    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    history(con, tmp_path, beta_period=15)  # June: 18 of 60 denied, against 6 of 60 a month before
    con.close()
    run = app_runner(db, monkeypatch, tmp_path)
    said = [
        [m.value for m in at.markdown if m.value.startswith("Overall, ")]
        for at in (run(), run("app_pages/monthly_review.py"))
    ]
    assert said[0] == said[1] and len(said[0]) == 1
    assert said[0][0].startswith("Overall, 30.0% of initial claims were denied in Jun 2024, against 10.0% over ")
    assert said[0][0].endswith(": more than chance allows).")


def test_what_changed_says_why_a_history_with_gaps_cannot_be_compared(tmp_path, monkeypatch):
    """The corpus has months with claims years apart: the page said "not enough complete months yet", though
    there were years of them, only without claims."""
    from conftest import app_runner

    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    for month in (MONTHS[0], MONTHS[4], MONTHS[5], MONTHS[6]):  # January, May, June; July is not over
        month_file(con, tmp_path, month, "ACME HEALTH PLAN", 3)
    con.close()
    run = app_runner(db, monkeypatch, tmp_path)
    at = run("app_pages/what_changed.py")
    why = (
        "June 2024, the latest complete month with claims paid, cannot be compared: only 2 of the 12 months before "
        f"it have claims paid, and the comparison needs at least {findings.MIN_BASELINE_MONTHS}."
    )
    assert [i.value for i in at.info] == [why]
    overview = run()  # its What changed section says the same, rather than leave itself out
    assert "What changed" in [h.value for h in overview.subheader] and why in [m.value for m in overview.markdown]
    at.radio[0].set_value("quarter").run(timeout=120)
    assert [i.value for i in at.info] == [
        "No quarter can be compared with the quarter before it: that needs claims paid in each of the six months "
        "of two calendar quarters in a row, and the longest run of complete months with claims paid here is 2 "
        "(May 2024–Jun 2024)."
    ]
    at.radio[0].set_value("month").run(timeout=120)  # June against May: both have claims
    assert not at.info and at.subheader[0].value.startswith("Findings: ")


def test_the_latest_period_of_each_kind_says_which_months_stop_it():
    """months.sql rows: March 2024 started part way through (the first month loaded), April usable, May had no
    initial claim paid, June usable, July not over."""
    months = [
        {"month": date(2024, 3, 1), "complete": True, "usable": False},
        {"month": date(2024, 4, 1), "complete": True, "usable": True},
        {"month": date(2024, 6, 1), "complete": True, "usable": True},
        {"month": date(2024, 7, 1), "complete": False, "usable": False},
    ]

    def reason(kind, rows=months):
        return findings.no_latest_period_reason(kind, lambda name, params: rows)

    assert reason("default") == (
        "June 2024, the latest complete month with claims paid, cannot be compared: only 1 of the 12 months before "
        f"it has claims paid, and the comparison needs at least {findings.MIN_BASELINE_MONTHS}."
    )
    assert reason("month") == (
        "June 2024, the latest complete month with claims paid, cannot be compared with May 2024: no initial claim "
        "was paid in May 2024."
    )
    assert reason("quarter").endswith("the longest run of complete months with claims paid here is 1 (Apr 2024).")
    assert reason("default", [months[0], months[-1]]) == (
        "No month can be compared yet: March 2024: the files start part way through it, so its earlier payments "
        "are missing; July 2024: it is not over on the data date (the latest payment loaded)."
    )
    assert reason("month", []) == "No month can be compared yet: no initial claim with a payment date is loaded."


def test_the_monthly_review_and_its_exports_say_why_a_month_cannot_be_compared(tmp_path, monkeypatch):
    """The page said "not over on the data date, or fewer than 3 of the 12 months before it have claims" for
    any month, and the exports "Nothing this month.", which reads as "nothing changed"."""
    from analytics import data, review
    from conftest import app_runner

    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    for month in (MONTHS[0], MONTHS[4], MONTHS[5], MONTHS[6]):  # January, May, June; July is not over
        month_file(con, tmp_path, month, "ACME HEALTH PLAN", 3)
    con.close()
    at = app_runner(db, monkeypatch, tmp_path)("app_pages/monthly_review.py")
    assert at.selectbox[0].value == MONTHS[5]
    assert [i.value for i in at.info] == [
        "June 2024 cannot be compared: only 2 of the 12 months before it have claims paid, and the comparison needs "
        f"at least {findings.MIN_BASELINE_MONTHS}."
    ]
    at.selectbox[0].set_value(MONTHS[6]).run(timeout=120)
    assert [i.value for i in at.info] == [
        "July 2024 cannot be compared: it is not over on the data date (the latest payment loaded)."
    ]
    note = review.findings_note(MONTHS[5], None, data.no_comparison_reason(db, MONTHS[5]))
    parts = review.frames(lambda name, **extra: data.dashboard(name, data.Filters(), db, **extra), MONTHS[5])
    parts["review_findings"] = review.findings_part(None)
    page = review.html_report(MONTHS[5], parts, "Filters: none.", False, None, note)
    section = page.split("<h2>What changed</h2>")[1].split("</section>")[0]
    assert f"<p>{note}</p>" in section and "Nothing this month." not in section
    book = zipfile.ZipFile(io.BytesIO(review.excel_workbook(MONTHS[5], parts, "Filters: none.", None, note)))
    assert note in book.read("xl/sharedStrings.xml").decode()


def test_each_reason_a_month_cannot_be_compared_is_named():
    """months.sql rows: January started part way through (the first month loaded), February to April usable,
    June not over; May had no initial claim paid."""

    def fetch(name, params):
        assert name == "findings/months"
        return [
            {"month": date(2024, 1, 1), "complete": True, "usable": False},
            *({"month": date(2024, m, 1), "complete": True, "usable": True} for m in (2, 3, 4)),
            {"month": date(2024, 6, 1), "complete": False, "usable": False},
        ]

    def reason(month):
        return findings.no_period_reason(month, fetch)

    assert reason(date(2024, 1, 1)) == "the files start part way through it, so its earlier payments are missing"
    assert reason(date(2024, 2, 1)).startswith("none of the 12 months before it has claims paid, and the comparison")
    assert reason(date(2024, 3, 1)).startswith("only 1 of the 12 months before it has claims paid")
    assert reason(date(2024, 4, 1)).startswith("only 2 of the 12 months before it have claims paid")
    assert reason(date(2024, 5, 1)) == "no initial claim was paid in it"
    assert reason(date(2024, 6, 1)) == "it is not over on the data date (the latest payment loaded)"


def test_no_patterns_writes_the_same_practice_without_its_dated_patterns(tmp_path):
    from analytics.__main__ import main

    def text(folder):
        return "".join(p.read_text() for p in sorted(folder.glob("*.835")))

    demo.generate(tmp_path / "with", months=12, lines=6000, seed=3)
    demo.generate(tmp_path / "without", months=12, lines=6000, seed=3, patterns=False)
    with_patterns, without = text(tmp_path / "with"), text(tmp_path / "without")
    assert "N822" in with_patterns and "N822" not in without  # JW/JZ never left off at POS 19
    # no new authorisation rule at the Medicare Advantage plan from month 10 (other CO-197 denials stay)
    assert with_patterns.count("CAS*CO*197") > 1.4 * without.count("CAS*CO*197") > 0
    # the same practice: claims and payers as many
    assert abs(with_patterns.count("\nCLP*") - without.count("\nCLP*")) < 0.02 * with_patterns.count("\nCLP*")
    assert (
        main(
            [
                "demo",
                "--db",
                str(tmp_path / "flat.duckdb"),
                "--out",
                str(tmp_path / "flat"),
                "--months",
                "2",
                "--lines",
                "500",
                "--no-patterns",
            ]
        )
        == 0
    )
