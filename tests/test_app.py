"""Every page runs headless (AppTest) on a small fixed database and shows what that database must give."""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import database, labels, loader, pages
from analytics.filters import scope_text
from conftest import APP, CORPUS_835, CORPUS_837, app_runner, load_text, needs_shared, remittance_835, small_history

pytestmark = needs_shared

PAGES = [page.script for page in pages.PAGES]


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    """A fixed database: a year of demo history (seeded) plus two corpus files."""
    db = small_history(tmp_path_factory.mktemp("app"))
    con = database.connect(db)
    loader.load_paths(con, [CORPUS_835 / "edi835parser__emedny_sample.txt"])
    con.close()
    return db


@pytest.fixture
def app(small_db, monkeypatch, tmp_path):
    return app_runner(small_db, monkeypatch, tmp_path)


def values(encoded) -> list:
    """A plotly array from figure JSON: a list, or plotly's typed-array encoding (dtype + base64)."""
    if isinstance(encoded, dict):
        return numpy.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"]).tolist()
    return list(encoded)


def expected(db: Path, query: str) -> tuple:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()[0]
    finally:
        con.close()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(app, page):
    at = app(page)
    assert at.title[0].value == Path(page).stem.replace("_", " ").capitalize()
    assert not any("Demo data" in w.value for w in at.warning)  # the user's own data: no demo label
    assert [m.label for m in at.metric if not m.help] == []  # every number carries its definition


def test_overview_kpis_are_the_databases(app, small_db):
    at = app()
    metrics = {m.label: m.value for m in at.metric}
    # initial adjudications only: a claim's later adjudications are followed by the recovery pages
    # (the demo history's payers are all primary: the default payer order shows every claim)
    units, denied, amount, claims, denied_claims, orders = expected(
        small_db,
        """select
        (select count(*) from fact_units where claim_kind = 'adjudicated' and unit_kind <> 'claim_adjustment'
            and not readjudication),
        (select count(*) from denials where not readjudication and denial_class = 'denial' and (level = 'line'
            or line_key is null and claim_key in (select claim_key from fact_units where unit_kind = 'claim'))),
        (select sum(denied_amount) from denials where not readjudication and denial_class = 'denial'),
        (select count(distinct claim_key) from fact_units where claim_kind = 'adjudicated' and not readjudication),
        (select count(distinct claim_key) from denials where not readjudication and denial_class = 'denial'),
        (select list(distinct status_code) from fact_units where claim_kind = 'adjudicated' and not readjudication)""",
    )
    assert set(orders) <= {"1", "19"}
    assert metrics["Claims adjudicated"] == f"{claims:,}"
    assert metrics["Initial denial rate (claims)"] == f"{denied_claims / claims:.1%}"
    assert metrics["Lines adjudicated"] == f"{units:,}"
    assert metrics["Line denial rate"] == f"{denied / units:.1%}"
    assert metrics["Denied $"] == f"${float(amount):,.0f}"
    assert all(m.help for m in at.metric)  # every number carries its definition
    # a year of history: its denials are mostly closed, so no note that its recovery rate is young
    assert not [c.value for c in at.caption if c.value.startswith("Recovery rate:")]


def test_overview_trend_chart_is_built_from_monthly_figures(app, small_db):
    at = app()
    figure = json.loads(at.get("plotly_chart")[1].proto.spec)  # denied $ per month
    plotted = sum(Decimal(str(round(v, 2))) for v in values(figure["data"][0]["y"]))
    total = expected(
        small_db,
        "select sum(denied_amount) from denials where service_date is not null"
        " and not readjudication and denial_class = 'denial'",
    )[0]
    assert abs(plotted - total) < Decimal("0.01")


def test_a_chart_is_made_once_per_content_shared_and_shows_text_as_text():
    import pandas as pd
    import plotly.express as px

    from analytics import ui

    made = []

    @ui.figure
    def chart(frame_, title):
        made.append(frame_)
        return px.bar(frame_, x="payer", y="denials", title=title)

    hostile = pd.DataFrame({"payer": ["<b>Acme</b>"], "denials": [3]})
    first = chart(hostile, "a")
    assert chart(hostile.copy(), "a") is first  # the same content: the same figure, not made again
    assert len(made) == 1 and list(made[0]["payer"]) == ["&lt;b&gt;Acme&lt;/b&gt;"]
    chart(hostile, "b")
    chart(pd.DataFrame({"payer": ["Acme"], "denials": [4]}), "a")
    assert len(made) == 3  # other options or other content: made anew


def test_a_payer_filter_from_the_url_narrows_the_numbers(app, small_db):
    everyone = {m.label: m.value for m in app().metric}
    medicare = {m.label: m.value for m in app(payer="MEDICARE PART B J15").metric}
    units = expected(
        small_db,
        """select count(*) from fact_units where payer_name = 'MEDICARE PART B J15'
        and claim_kind = 'adjudicated' and unit_kind <> 'claim_adjustment' and not readjudication""",
    )[0]
    assert medicare["Lines adjudicated"] == f"{units:,}" != everyone["Lines adjudicated"]


def test_unknown_filter_values_from_the_url_are_ignored(app):
    assert {m.label: m.value for m in app(payer="NOT A PAYER'; DROP TABLE claims;--").metric} == {
        m.label: m.value for m in app().metric
    }


def test_a_filter_that_matches_nothing_shows_a_friendly_empty_state(app):
    at = app(**{"from": "2024-11-01", "to": "2024-11-01", "code": "J3399"})
    assert at.info and "No" in at.info[0].value


def test_payers_page_has_a_row_per_payer(app, small_db):
    at = app("app_pages/payers.py")
    scorecard = at.dataframe[0].value
    assert sorted(scorecard["payer_name"]) == sorted(
        expected(small_db, "select list(distinct payer_name) from fact_units")[0]
    )
    reasons = at.dataframe[1].value
    assert list(reasons.columns[:3]) == ["reason", "denials", "denied_amount"] and len(reasons)
    # at the page's full width, under the payer's trend: in half the page the descriptions were cut off
    assert not [column for column in at.columns if column.dataframe]


def test_data_page_and_overview_name_the_months_and_payers_missing_from_the_remittances(tmp_path, monkeypatch):
    """A month whose 835s were not loaded reads as a month without claims or denials on every page: the
    Data page says which months have no payment at all, and which payers were paid in the months around
    one but not in it."""
    from analytics import demo

    files = tmp_path / "files"
    demo.generate(files, months=12, lines=5000, seed=3)
    # all of May; Blue Ridge in March; the workers' comp fund every other month (a payer paid now and then)
    every_other = [
        f for month in ("202601", "202603", "202607", "202609") for f in files.glob(f"{month}??_WCF01_*.835")
    ]
    for remittance in [*files.glob("202605*.835"), *files.glob("202603??_BRP77_*.835"), *every_other]:
        remittance.unlink()
    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    loader.load_paths(con, [files])
    con.close()
    blue_ridge = expected(db, "select any_value(payer_name) from payments where file_name like '%BRP77%'")[0]

    at = app_runner(db, monkeypatch, tmp_path)("app_pages/data.py")
    months = next(f.value for f in at.dataframe if "payers_missing" in f.value.columns)
    by_month = months.set_index(months["month"].astype(str).str[:7])
    # the flag in words, not a faint checkbox beside the month
    assert by_month.loc["2026-05", "gap"] == "yes" and by_month.loc["2026-05", "payments"] == 0
    assert by_month.loc["2026-03", "payers_missing"] == blue_ridge
    assert by_month.loc["2026-04", "gap"] == "no" and by_month.loc["2026-04", "payers_missing"] is None
    # not named each time it skips a month: it is paid in fewer than three months in four
    workers_comp = expected(db, "select any_value(payer_name) from payments where file_name like '%WCF01%'")[0]
    paid = months.loc[months["gap"] == "no", "payers_missing"]
    assert every_other and not [p for p in paid if workers_comp in (p or "")]
    assert months["payments"].sum() == expected(db, "select count(payment_date) from payments")[0]
    [warning] = [w.value for w in at.warning]
    assert "No payment was loaded for 1 of the 12 months from November 2025 to October 2026: May 2026." in warning
    assert f"{blue_ridge} in March 2026" in warning
    # and the Overview, whose trend shows the missing month as a dip, says the same under it
    overview = app_runner(db, monkeypatch, tmp_path)()
    assert any(w.value.startswith(warning) for w in overview.warning)
    # and the Monthly review of such a month, whose denials and recoveries it undercounts
    review = app_runner(db, monkeypatch, tmp_path)("app_pages/monthly_review.py")
    review.selectbox[0].set_value(date(2026, 5, 1)).run(timeout=120)
    assert [w.value for w in review.warning][:1] == [
        "No payment at all was loaded for May 2026: its denials and recoveries are missing, not zero. Load its "
        "835 files if you have them."
    ]
    review.selectbox[0].set_value(date(2026, 3, 1)).run(timeout=120)
    assert review.warning[0].value.startswith(f"{blue_ridge}: nothing paid in March 2026, though paid in the month")
    review.selectbox[0].set_value(date(2026, 4, 1)).run(timeout=120)
    assert not review.warning
    # with every file loaded, nothing to say
    whole = app_runner(small_history(tmp_path / "whole"), monkeypatch, tmp_path)
    assert not whole("app_pages/data.py").warning
    assert not [
        w for w in whole().warning if "No payment was loaded" in w.value or "not in the month itself" in w.value
    ]


def test_data_page_loads_an_upload_and_lists_it(app, small_db):
    at = app("app_pages/data.py")
    before = expected(small_db, "select count(*) from source_files")[0]
    sample = CORPUS_835 / "lfh-x12__managed-care.835"  # loads with one diagnostic (an unreadable BPR16)
    at.file_uploader[0].set_value((sample.name, sample.read_bytes(), "text/plain")).run(timeout=120)
    at.button[0].click().run(timeout=120)
    assert not at.exception
    assert any(sample.name in s.value for s in at.success)
    assert "20002316" in " ".join(at.dataframe[0].value["message"])  # its diagnostic, shown under the result
    assert expected(small_db, "select count(*) from source_files")[0] == before + 1
    assert sample.name in list(at.dataframe[-1].value["file_name"])


def test_first_start_builds_the_demo_and_labels_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DENIALS_DB", str(tmp_path / "none.duckdb"))
    monkeypatch.setenv("DENIALS_DEMO_DB", str(tmp_path / "demo.duckdb"))
    AppTest.from_file(APP)  # the demo is built once per server: clear the cache of earlier tests
    import streamlit as st

    st.cache_resource.clear()
    at = AppTest.from_file(APP).run(timeout=180)
    assert not at.exception
    assert (tmp_path / "demo.duckdb").exists() and not (tmp_path / "none.duckdb").exists()
    assert "Demo data" in at.warning[0].value
    units = int({m.label: m.value for m in at.metric}["Lines adjudicated"].replace(",", ""))
    assert units > 50_000
    # the Claims page lists the newest 1,000 denied lines, and says of how many
    at.switch_page("app_pages/claims.py").run(timeout=120)
    [lines] = expected(tmp_path / "demo.duckdb", "select count(*) from fact_units where denial_type is not null")
    assert len(at.dataframe[0].value) == 1000 < lines
    assert any(f"newest payment first: the newest 1,000 of {lines:,} (narrow" in c.value for c in at.caption)


def test_claims_page_masks_the_patient_until_asked(app, small_db):
    at = app("app_pages/claims.py")
    heading = next(m.value for m in at.markdown if "patient" in m.value)
    claim_id = heading.split("**")[1]
    last = expected(small_db, f"select patient_last_name from remit_claims where claim_id = '{claim_id}' limit 1")[0]
    assert last not in heading and last[0] + "•" in heading
    at.toggle[0].set_value(True).run(timeout=120)
    assert last in next(m.value for m in at.markdown if "patient" in m.value)
    history = at.dataframe[1].value
    assert list(history["status"])[0].startswith(("1 ", "2 ", "3 ", "4 "))


def test_modifiers_page_reports_jw_jz_per_drug_code(app, small_db):
    at = app("app_pages/modifiers.py")
    compliance = at.dataframe[1].value
    assert set(compliance["procedure_code"]) and all(c.startswith("J") for c in compliance["procedure_code"])
    assert (compliance["with_both_on_a_line"] == 0).all()
    # counted here straight from the service lines of initial adjudications: claims whose drug has
    # neither JW nor JZ anywhere
    neither = expected(
        small_db,
        """select count(*) from (
        select l.claim_key, l.procedure_code from service_lines l join claims c using (claim_key)
        where l.procedure_code like 'J%' and c.status_code not in ('22', '23', '25')
            and claim_key in (select claim_key from fact_units where not readjudication)
        group by all having not bool_or(list_contains(l.modifiers, 'JW') or list_contains(l.modifiers, 'JZ')))""",
    )[0]
    assert compliance["with_neither"].sum() == neither > 0
    by_modifier = at.dataframe[0].value
    jw = by_modifier[(by_modifier["grouping"] == "modifier") & (by_modifier["modifiers"] == "JW")]["lines"].sum()
    assert (
        jw
        == expected(
            small_db,
            """select count(*) from service_lines l join claims c using (claim_key)
        where list_contains(l.modifiers, 'JW') and c.status_code not in ('22', '23', '25')
            and claim_key in (select claim_key from fact_units where not readjudication)""",
        )[0]
        > 0
    )


def test_codes_page_opens_on_the_code_with_the_most_denied_dollars(app, small_db):
    at = app("app_pages/codes.py")
    (first, runner_up), (most, next_most) = expected(
        small_db,
        """select list(procedure_code order by denied desc)[1:2], list(denied order by denied desc)[1:2]
        from (select procedure_code, sum(denied_amount) as denied from fact_units
            where unit_kind = 'line' and claim_kind = 'adjudicated' and denial_class = 'denial' group by all)""",
    )
    assert most > next_most  # not a tie: the default is decided by the denied dollars alone
    shown = at.selectbox(key="codes_page_code")
    assert shown.value == first
    assert first not in ("J1322", shown.options[0])  # neither earlier default would pass


def test_codes_page_describes_the_code_and_compares_units(app, small_db):
    at = app("app_pages/codes.py")
    at.selectbox(key="codes_page_code").set_value("J1322").run()
    assert any("J1322" in m.value and "Elosulfase alfa" in m.value for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    billed, paid = expected(
        small_db,
        """select sum(l.units_billed), sum(l.units_paid) filter (where l.line_key not in (
            select line_key from fact_units where denial_type = 'full' and line_key is not null))
        from service_lines l
        join claims c using (claim_key) where l.procedure_code = 'J1322' and c.status_code not in ('22', '23', '25')
        and claim_key in (select claim_key from fact_units where not readjudication)""",
    )
    assert metrics["Units billed"] == f"{billed.normalize():,f}" and metrics["Units paid"] == f"{paid.normalize():,f}"
    assert paid < billed  # a line denied in full paid none of the units its answer repeats
    # a JW claim's administered amount is on a line without a modifier: "(none)" read as a JW/JZ lapse
    [combinations] = [c.value for c in at.caption if c.value.startswith("Denial rate") and "(none):" in c.value]
    assert "administered amount beside its JW line" in combinations and "Modifiers page" in combinations


def test_unit_tiles_keep_the_fractions_their_tables_show():
    """A corpus code billed 3,448 + 547 + 249.993 units: the tile said 4,245, its table the units as billed."""
    from analytics import ui

    assert ui.quantity(3448.0 + 547 + 249.993) == "4,244.993"
    assert ui.quantity(Decimal("3448.000")) == "3,448" and ui.quantity(None) == "0"


def test_overview_top_reasons_give_each_reason_its_own_categorys_figures(app, small_db):
    """A reason's denials can fall in several categories (CO-16 refined by its remark codes): the table
    showed one reason with any one of its categories beside all of its dollars (CO-16, $3.5M, "Missing
    information", of which $1.7M were coding denials). Each row is now one reason in one category."""
    shown = next(f.value for f in app().dataframe if "description" in f.value.columns)
    import duckdb

    con = duckdb.connect(str(small_db), read_only=True)
    split = con.execute(
        """select coalesce(primary_group || '-', '') || primary_reason as reason, category, count(*), sum(denied_amount)
        from fact_units where denial_class = 'denial' and not readjudication and claim_kind = 'adjudicated'
        group by all order by 4 desc limit 15"""
    ).fetchall()
    con.close()
    assert len({reason for reason, *_ in split}) < len(split)  # one reason in two categories among them
    assert [(r, c, n, float(d)) for r, c, n, d in split] == [
        (row.reason, row.category, row.denials, float(row.denied_amount)) for row in shown.itertuples()
    ]


def test_overview_says_its_categories_count_every_payer_order_when_the_tiles_do_not(tmp_path, monkeypatch):
    """The tiles follow the payer order chosen (primary by default); the categories, reasons and movers below
    count every order. With secondary denials loaded the category table added up to more than Denied $,
    and nothing said why."""
    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    loader.load_paths(
        con,
        [
            CORPUS_835 / name
            for name in ("oopfactory__4010_Nth_835_DeIdent_01.dat", "py835__X221-claim-adjustment-reason-code-45.edi")
        ],
    )
    con.close()
    every, primary = expected(
        db,
        """select sum(denied_amount), sum(denied_amount) filter (where status_code not in ('2', '20', '3', '21'))
        from fact_units where denial_class = 'denial' and not readjudication and claim_kind = 'adjudicated'""",
    )
    assert every > primary > 0  # the file's secondary claims
    at = app_runner(db, monkeypatch, tmp_path)()
    categories = next(f.value for f in at.dataframe if "share_of_denied" in f.value.columns)
    assert float(categories["denied_amount"].sum()) == pytest.approx(float(every))
    assert {m.label: m.value for m in at.metric}["Denied $"] == f"${primary:,.0f}"
    [said] = [c.value for c in at.caption if c.value.startswith("Below, every payer order")]
    assert f"add up to ${every:,.0f}, the Denied $ of all payer orders" in said
    assert f"the tiles above are for primary payers (${primary:,.0f})" in said
    at.radio(key="payer_order").set_value("All").run(timeout=120)
    assert not [c for c in at.caption if c.value.startswith("Below, every payer order")]  # the tiles agree


def test_rows_with_the_same_denied_dollars_come_by_volume_then_name(small_db):
    """Modifiers and payers with no denied dollars came in any order, from one run of a page to the next."""
    from analytics import data, ui

    dates = data.query("dashboard/filter_options", path=small_db).iloc[0]
    filters = data.Filters("service", dates["first_date"].date(), dates["last_date"].date())
    ties = 0
    for name, volume, key in (("by_modifier", "lines", "modifiers"), ("payer_measures", "claims", "payer_name")):
        frame = data.dashboard(name, filters, small_db)
        if name == "by_modifier":
            frame = frame[frame["grouping"] == "modifier"]
        else:
            frame = ui.scorecard_and_heatmap(frame)[0]
        for _, same in frame.groupby("denied_amount", sort=False):
            ties += len(same) > 1
            order = list(zip(-same[volume], same[key], strict=True))
            assert order == sorted(order)
    assert ties  # else the order within a tie is not checked


def test_overview_shows_what_came_back(app, small_db):
    metrics = {m.label: m.value for m in app().metric}
    # the denials still pursued: not billed to the patient, not expected denials, not duplicate claims
    recovered, rate, against_expected = expected(
        small_db,
        """select sum(recovered_amount),
        sum(recovered_amount) / sum(denied_amount), sum(recovered_amount) / sum(expected_reimbursement)
        from recovery_status(data_date()) where status not in ('billed_to_patient', 'expected', 'duplicate')""",
    )
    assert recovered > 0
    assert metrics["Recovered $"] == f"${float(recovered):,.0f}"
    assert metrics["Recovery rate"] == f"{rate:.1%}"
    [tile] = [m for m in app().metric if m.label == "Recovery rate"]
    assert tile.delta == f"{against_expected:.1%} of expected reimbursement"


def test_monthly_review_reports_the_chosen_month(app, small_db):
    at = app("app_pages/monthly_review.py")
    # it opens on the latest month over on the data date; a newer month not over yet is marked partial
    month = at.selectbox[0].value
    [over] = expected(small_db, f"select data_date() >= last_day(DATE '{month}')")
    assert over
    options = at.selectbox[0].options
    chosen = options.index(f"{month:%B %Y}")
    [partial] = expected(small_db, "select data_date() < last_day(data_date())")
    assert chosen == int(partial) and partial  # the demo's last payment run is before its month's end
    assert options[0].endswith("(partial month: not over on the data date)")
    metrics = {m.label: m.value for m in at.metric}
    # opened: the initial denials every page counts; recovered: the denials still pursued
    opened, denied, recovered = expected(
        small_db,
        f"""select
        count(*) filter (where denial_month = DATE '{month}' and denial_class = 'denial' and not readjudication),
        sum(denied_amount) filter (where denial_month = DATE '{month}' and denial_class = 'denial'
                                   and not readjudication),
        sum(recovered_amount) filter (where date_trunc('month', recovery_date) = DATE '{month}'
                                      and status not in ('billed_to_patient', 'expected', 'duplicate'))
        from recovery_status(last_day(DATE '{month}'))""",
    )
    assert metrics["Denials opened"] == f"{opened:,}" and opened > 0
    assert metrics["Denied $"] == f"${float(denied):,.0f}"
    assert metrics["Recovered $"] == f"${float(recovered or 0):,.0f}"
    assert all(m.help for m in at.metric)
    # the month's denials, one by one: all of them, initial and on readjudication, and the caption says so
    [readjudicated] = expected(
        small_db,
        f"""select count(*) from recovery_status(last_day(DATE '{month}'))
        where denial_month = DATE '{month}' and denial_class = 'denial' and readjudication""",
    )
    [detail] = [t.value for t in at.dataframe if "recovery_path" in t.value.columns]
    assert len(detail) == opened + readjudicated
    # sites named as on every page: CLP08's bare '13' read alike for a place of service and a type of bill
    assert detail["site_label"].str.fullmatch(r"(POS \d\d|TOB \d\dx) [a-z].*").all()
    assert any(f"largest first (all {len(detail):,})" in c.value for c in at.caption)
    # an earlier month: its figures as they stood then
    at.selectbox[0].select_index(3).run(timeout=120)
    assert not at.exception
    earlier = at.selectbox[0].value
    assert earlier < month
    opened = expected(
        small_db,
        f"""select count(*) from recovery_status(last_day(DATE '{earlier}'))
        where denial_month = DATE '{earlier}' and denial_class = 'denial' and not readjudication""",
    )[0]
    assert {m.label: m.value for m in at.metric}["Denials opened"] == f"{opened:,}"


def test_reasons_show_the_remark_that_refined_the_category(monkeypatch, tmp_path):
    """CO-16 sent with N290 (rendering provider id) and then N822 (drug waste modifier missing) is a coding
    denial by the rule set's CO-16 + N822; under "Coding" the tree showed N290, a remark that says nothing
    of coding. A remark that refines nothing leaves the first one sent."""
    con = database.connect(tmp_path / "remarks.duckdb")
    refined = "CLP*R1*1*100*0*0*12*P1*11*1~SVC*HC:J1745*100*0**1~DTM*472*20240105~CAS*CO*16*100~LQ*HE*N290~LQ*HE*N822"
    plain = "CLP*R2*1*60*0*0*12*P2*11*1~SVC*HC:99213*60*0**1~DTM*472*20240105~CAS*CO*16*60~LQ*HE*N290"
    load_text(con, tmp_path, remittance_835(refined, plain, payment_date="20240115"), "remarks.835")
    con.close()
    at = app_runner(tmp_path / "remarks.duckdb", monkeypatch, tmp_path)("app_pages/reasons.py")
    tree = at.dataframe[0].value
    rows = {(r.category, r.reason, r.remark): r.denied_amount for r in tree.itertuples()}
    assert rows == {
        ("Coding, modifiers and units", "CO-16", "N822"): 100,
        ("Missing info or documentation", "CO-16", "N290"): 60,
    }
    assert tree.set_index("remark").loc["N822", "remark_description"].startswith("Procedure modifier")


def test_a_code_missing_from_the_lists_is_said_to_be_missing_not_to_be_no_reason(monkeypatch, tmp_path):
    """A CARC newer than the list loaded (CO-999) read "Claim denied without a reason code", what a claim
    denied by its status alone (CLP02 4) is; a remark the list lacks read as nothing. Each says the list lacks
    it, and how to load a newer one."""
    con = database.connect(tmp_path / "unknown.duckdb")
    unknown = "CLP*U1*1*100*0*0*12*P1*11*1~SVC*HC:99213*100*0**1~DTM*472*20240105~CAS*CO*999*100~LQ*HE*X999"
    status_only = "CLP*U2*4*60*0*0*12*P2*11*1~SVC*HC:99214*60*0**1~DTM*472*20240105"
    load_text(con, tmp_path, remittance_835(unknown, status_only, payment_date="20240115"), "unknown.835")
    con.close()
    run = app_runner(tmp_path / "unknown.duckdb", monkeypatch, tmp_path)
    tree = run("app_pages/reasons.py").dataframe[0].value.set_index("reason")
    assert tree.loc["CO-999", "reason_description"] == (
        "Not in the CARC list loaded (python -m analytics reference load carc FILE)"
    )
    assert tree.loc["CO-999", "remark_description"] == (
        "Not in the RARC list loaded (python -m analytics reference load rarc FILE)"
    )
    assert tree.loc["CLP02 4", "reason_description"] == "Claim denied without a reason code"
    assert tree.loc["CLP02 4", "remark_description"] == ""  # no remark sent: nothing to explain
    overview = run()
    top = next(f.value for f in overview.dataframe if "description" in f.value.columns).set_index("reason")
    assert top.loc["CO-999", "description"].startswith("Not in the CARC list loaded")
    assert top.loc["CLP02 4", "description"] == "Claim denied without a reason code"


def test_monthly_review_opens_on_the_latest_complete_month_with_denials(monkeypatch, tmp_path):
    """Denials in January, a payment without one in March, April not over: February and March are over on
    the data date but had no denial (they read as months where nothing happened), so the review opens on
    January and says so of the others."""
    con = database.connect(tmp_path / "gaps.duckdb")
    denied = "CLP*G1*1*100*0*0*12*P1*11*1~SVC*HC:99213*100*0**1~DTM*472*20240105~CAS*CO*50*100"
    paid = "CLP*G2*1*100*80*0*12*P2*11*1~SVC*HC:99213*100*80**1~DTM*472*20240301~CAS*CO*45*20"
    load_text(con, tmp_path, remittance_835(denied, payment_date="20240115"), "january.835")
    load_text(con, tmp_path, remittance_835(paid, payment="80", payment_date="20240320", control="2"), "march.835")
    # a denial on a remittance without a payment date (BPR16) or a production date: denied in no month
    undated = remittance_835(denied.replace("G1", "G3"), payment_date="", control="3")
    load_text(con, tmp_path, undated.replace("DTM*405*20240314~\n", ""), "undated.835")
    april = remittance_835(denied.replace("G1", "G4"), payment_date="20240410", control="4")
    load_text(con, tmp_path, april, "april.835")
    con.close()
    at = app_runner(tmp_path / "gaps.duckdb", monkeypatch, tmp_path)("app_pages/monthly_review.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox[0].value.isoformat() == "2024-01-01"
    assert at.selectbox[0].options == [
        "April 2024 (partial month: not over on the data date)",
        "March 2024 (no denial)",
        "February 2024 (no denial)",
        "January 2024",
    ]


def test_monthly_review_exports_open_offline(app, small_db):
    import io
    import zipfile
    from datetime import date

    from analytics import data, review

    # the same parts the page exports, for its latest month
    month = app("app_pages/monthly_review.py").selectbox[0].value
    assert isinstance(month, date)
    parts = review.frames(lambda name, **extra: data.dashboard(name, data.Filters(), small_db, **extra), month)
    page = review.html_report(month, parts, scope_text(data.Filters()), demo=False)
    assert "<script src=" not in page.replace('<script src="data:', "")  # nothing fetched from the network
    assert page.count("Plotly.newPlot") == len(review.figures(parts)) >= 3
    assert f"Revenue-recovery review: {month:%B %Y}" in page
    workbook = zipfile.ZipFile(io.BytesIO(review.excel_workbook(month, parts, "Filters: none.")))
    sheets = workbook.read("xl/workbook.xml").decode()
    for part in review.PARTS:
        assert f'name="{review.sheet_name(part)}"' in sheets
    assert 'name="Summary"' in sheets


def test_worklist_ranks_open_denials(app, small_db):
    at = app("app_pages/worklist.py")
    worklist = at.dataframe[0].value
    open_count = expected(small_db, """select count(*) from recovery_status(data_date()) where status = 'open'""")[0]
    assert len(worklist) == open_count > 0
    urgent = worklist["priority"] == "urgent"
    assert (worklist["days_left"][urgent] <= 14).all() and (worklist["days_left"][~urgent] > 14).all()
    # urgent first, the soonest deadline first; then by expected recoverable $
    assert list(urgent) == sorted(urgent, reverse=True)
    assert list(worklist[urgent]["days_left"]) == sorted(worklist[urgent]["days_left"])
    assert list(worklist[~urgent]["expected_recoverable"]) == sorted(
        worklist[~urgent]["expected_recoverable"], reverse=True
    )
    assert worklist["next_action"].str.len().min() > 0


def test_the_worklist_s_next_action_comes_within_the_first_screen(app):
    """Sized to their content, the payer and category columns pushed the next action past a 1,600 px screen:
    the columns up to it are given widths that fit there (tests/test_browser.py measures the table)."""
    frame = app("app_pages/worklist.py").dataframe[0]
    config = json.loads(frame.proto.columns)
    first = list(labels.TABLE_WIDTHS["worklist"])
    assert list(frame.proto.column_order)[: len(first)] == first and first[-1] == "next_action"
    assert {c: config[c]["width"] for c in first} == labels.TABLE_WIDTHS["worklist"]


def test_a_list_s_payer_column_holds_its_longest_payer_name(app):
    """Streamlit sized a column to the rows it draws first: a longer payer further down the Claims page's
    denied lines or the Monthly review's lists was cut ("SUMMIT MEDICARE ADVANT"). The payer column holds the
    longest name in the list, up to FIT_MAX (a longer one is cut rather than the table pushed)."""
    from analytics.ui.tables import FIT_MAX, fitted_width

    frame = app("app_pages/claims.py").dataframe[0]
    payers = frame.value["payer_name"]
    width = json.loads(frame.proto.columns)["payer_name"]["width"]
    assert width == fitted_width(payers, "payer") >= 7 * payers.str.len().max()
    assert fitted_width(pd.Series(["BLUE CROSS AND BLUE SHIELD OF NORTH CAROLINA", None])) == FIT_MAX
    assert fitted_width(pd.Series(["PAYER", "PAYER 1"])) < fitted_width(pd.Series(["SUMMIT MEDICARE ADVANTAGE"]))
    # a list without a payer name keeps its header readable
    assert fitted_width(pd.Series([None, None]), "payer") == fitted_width(pd.Series(["payer"]))


def test_a_list_s_flags_read_yes_or_no_not_as_checkboxes(app):
    """Streamlit drew a true/false column (the Claims list's "patient liable") as a faint greyed checkbox, easily
    taken for the row's selection box beside it. A flag reads yes or no; an unknown stays empty; the CSV keeps
    true and false."""
    from analytics.ui.tables import _labelled

    frame = app("app_pages/claims.py").dataframe[0]
    liable = frame.value["patient_liable"]
    assert set(liable) == {"yes", "no"}
    assert json.loads(frame.proto.columns)["patient_liable"].get("type_config", {}).get("type") != "checkbox"
    unknown = _labelled(pd.DataFrame({"flag": [True, None, False]}))["flag"]
    assert list(unknown) == ["yes", None, "no"]


def test_the_worklist_warns_when_no_remittance_was_loaded_for_more_than_a_week(app, small_db, monkeypatch, tmp_path):
    """The lists count days left from the latest payment loaded (the history ends in October 2026): opened
    weeks later, "3 days left" had long passed. The page says how old the data is and what reached its
    deadline since; with stale_data_days (ref_settings) above the data's age it says nothing."""
    import shutil

    age, lapsed, amount, as_of = expected(
        small_db,
        """select date_diff('day', data_date(), current_date), count(*) filter (where deadline < current_date),
        sum(denied_amount) filter (where deadline < current_date), data_date()
        from open_worklist('service', null, null, [], [], [], [], [])""",
    )
    assert age > 7 and lapsed > 0
    [warning] = [w.value for w in app("app_pages/worklist.py").warning]
    assert warning.startswith(f"The latest payment loaded is from {as_of:%d %B %Y}, {age} days ago")
    assert f"{lapsed:,} open denials (${amount:,.0f}) reached the deadline since then" in warning

    fresh = tmp_path / "fresh.duckdb"
    shutil.copy(small_db, fresh)
    con = database.connect(fresh)
    con.execute("update ref_settings set value = ? where setting = 'stale_data_days'", [str(age + 1)])
    con.close()
    assert not app_runner(fresh, monkeypatch, tmp_path)("app_pages/worklist.py").warning


def test_prevention_page_lists_rules_and_flags(app, small_db):
    at = app("app_pages/prevention.py")
    rules, flagged = at.dataframe[0].value, at.dataframe[1].value
    total = expected(small_db, "select count(*) from prevention_flags")[0]
    assert rules["flagged_lines"].sum() == total > 0
    assert len(flagged) == min(total, 5000)
    assert any(f"newest first (all {total:,})" in c.value for c in at.caption)  # the list says how many of how many
    assert set(flagged["rule_id"]) <= set(rules["rule_id"])
    # sent on as the Worklist says it (claim_status.sent_date: never before the last date of service), newest first
    import duckdb

    with duckdb.connect(str(small_db), read_only=True) as con:
        sent = set(con.execute("select claim_id, sent_date from claim_status").fetchall())
    assert {(c, d.date()) for c, d in zip(flagged["claim_id"], flagged["sent_date"], strict=True)} <= sent
    assert flagged["sent_date"].is_monotonic_decreasing
    assert all(m.help for m in at.metric)
    # each rule's check by what it checks, not its key in the rule set ("waste_modifier")
    checks = dict(zip(rules["rule_id"], rules["check"], strict=True))
    assert checks["waste-J1745"] == "no JW or JZ, single-dose drug"
    assert not set(checks.values()) & {"waste_modifier", "prior_authorization", "unlisted_code"}
    # precision beside the rule, in view before the counts (at the end, the check's names pushed it out of view);
    # what the rule checks after the counts (before them, it pushed "not denied" out of view)
    assert list(rules.columns)[:3] == ["rule_id", "category", "precision"]
    assert list(rules.columns).index("check") > list(rules.columns).index("not_denied")


def test_prevention_draws_each_answered_rule_as_shares_of_its_answered_lines(app):
    """In counts, the busiest rule (874 answered lines on the demo) flattened the others (6 to 42) to slivers,
    and the precision the section is named for could not be read off any bar."""
    at = app("app_pages/prevention.py")
    rules = at.dataframe[0].value.set_index("rule_id")
    [chart] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    traces = {t["name"]: t for t in chart["data"]}
    assert list(traces) == ["denied as foreseen", "denied otherwise", "not denied"]
    answered = rules[rules["answered_lines"] > 0]
    assert len(answered) >= 2 and len(answered) < len(rules)  # the demo has rules nobody answered yet
    labels = [f"{rule} ({lines:,} answered)" for rule, lines in answered["answered_lines"].items()]
    for trace in traces.values():
        assert trace["orientation"] == "h" and values(trace["y"]) == labels
    shares = numpy.array([values(t["x"]) for t in traces.values()])
    assert numpy.allclose(shares.sum(axis=0), 1)  # every bar is the whole of the rule's answered lines
    assert numpy.allclose(shares[0] * 100, answered["precision"].astype(float))  # the table shows points
    counts = answered[["denied_as_foreseen", "denied_otherwise", "not_denied"]].to_numpy(float).T
    assert numpy.allclose(shares, counts / answered["answered_lines"].to_numpy(float))
    assert chart["layout"]["xaxis"]["tickformat"] == ".0%"
    # the axis runs to 100% and says so: at the plot's edge, its last label needs room to the right (30 px)
    assert chart["layout"]["xaxis"]["range"] == [0, 1] and chart["layout"]["margin"]["r"] >= 30


def test_reasons_treemap_boxes_show_their_dollars_and_share(app):
    at = app("app_pages/reasons.py")
    [treemap] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")][:1]
    trace = treemap["data"][0]
    assert trace["type"] == "treemap"
    assert "%{value:$,.0f}" in trace["texttemplate"] and "%{percentRoot" in trace["texttemplate"]
    tree = at.dataframe[0].value
    root = values(trace["values"])[values(trace["ids"]).index("all denials")]
    assert root == pytest.approx(float(tree["denied_amount"].sum()))
    assert treemap["layout"]["height"] >= 600  # a reason's remark codes readable inside it
    # a category's header gives its denied dollars (plotly shows a header's name alone)
    headers = {i.split("/")[1] for i in values(trace["ids"]) if i.count("/") >= 1}
    totals = tree.groupby("category")["denied_amount"].sum()
    assert headers == {f"{category} · ${float(total):,.0f}" for category, total in totals.items()}
    # hovering a remark's box says what its reason and remark mean
    leaves = [t for i, t in zip(values(trace["ids"]), trace["hovertemplate"], strict=True) if i.count("/") == 3]
    assert leaves and all("%{customdata[0]}" in t and "%{customdata[1]}" in t for t in leaves)


def test_unanswered_claims_on_overview_and_worklist(app, small_db):
    unanswered = expected(small_db, "select count(*) from claim_status where status = 'no answer'")[0]
    assert unanswered > 0
    metrics = {m.label: m.value for m in app().metric}
    assert metrics["Billed claims with no answer"] == f"{unanswered:,}"
    worklist = app("app_pages/worklist.py")
    listed = worklist.dataframe[1].value
    assert len(listed) == unanswered
    in_time = int((listed["days_left_to_file"] >= 0).sum())
    assert 0 < in_time < unanswered  # the demo has both
    assert any(f"{in_time:,} of {unanswered:,} still within their filing deadline" in c.value for c in worklist.caption)


def test_codes_page_compares_billed_with_paid_units(app, small_db):
    at = app("app_pages/codes.py")
    at.selectbox(key="codes_page_code").set_value("J1322").run()
    billed = at.dataframe[-1].value
    units_billed, units_paid = expected(
        small_db,
        """select sum(b.units_billed), sum(u.units_paid) filter (where u.denial_type is distinct from 'full')
        from line_matches m join billed_lines b using (bill_line_key) join fact_units u using (line_key)
        where b.procedure_code = 'J1322' and u.claim_kind = 'adjudicated' and not u.readjudication""",
    )
    assert billed["units_billed"].sum() == units_billed and billed["units_paid"].sum() == units_paid


def test_prevention_says_when_no_billed_line_is_flagged(app, small_db):
    billed, payer = expected(
        small_db,
        """select (select count(*) from bill_lines), any_value(payer_name) from fact_units
        join source_files using (file_id) where file_name = 'edi835parser__emedny_sample.txt'""",
    )
    quiet = app("app_pages/prevention.py", payer=payer)  # a corpus payer: no billed claim of the demo's
    assert [i.value for i in quiet.info] == [
        f"None of the {billed:,} billed lines loaded is flagged by the rules under these filters."
    ]


def test_prevention_asks_for_837_files_when_none_is_loaded(own_db, monkeypatch, tmp_path):
    at = app_runner(own_db, monkeypatch, tmp_path)("app_pages/prevention.py")
    assert [i.value[:22] for i in at.info] == ["No billed claims yet: "]


def test_data_page_says_when_no_remittance_is_loaded(tmp_path, monkeypatch):
    con = database.connect(tmp_path / "billed.duckdb")
    loader.load_paths(con, [CORPUS_837])  # claims billed, no payer has answered
    con.close()
    at = app_runner(tmp_path / "billed.duckdb", monkeypatch, tmp_path)("app_pages/data.py")
    assert "No remittance with a payment date is loaded yet: load your 835 files above." in [i.value for i in at.info]
    assert not [f for f in at.dataframe if "payers_missing" in f.value.columns]


def test_data_page_counts_the_remittances_without_a_payment_date_apart(tmp_path, monkeypatch):
    """A corpus 835 with neither BPR16 nor DTM*405: the load reported its payment and claims, the Data page's
    tiles (by month of payment) left them out without a word."""
    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    loader.load_paths(
        con,
        [
            CORPUS_835 / "edi835parser__emedny_sample.txt",
            CORPUS_835 / "tigershark__X12-0.08_sample_835_placeholder_crlf.txt",
        ],
    )
    con.close()
    payments, claims, undated_payments, undated_claims = expected(
        db,
        """select (select count(*) from payments), (select count(*) from claims),
            (select count(*) from payments where payment_date is null),
            (select count(*) from claims where payment_date is null)""",
    )
    assert (undated_payments, undated_claims) == (1, 2)  # the tigershark file's one payment and its two claims
    at = app_runner(db, monkeypatch, tmp_path)("app_pages/data.py")
    tiles = {
        m.label: int(m.value.replace(",", ""))
        for m in at.metric
        if m.label in ("Payments", "Claims in the remittances")
    }
    assert tiles == {"Payments": payments - 1, "Claims in the remittances": claims - 2}
    assert "Also loaded: 1 payment(s) and 2 claim(s) with no payment date (neither BPR16 nor DTM*405)" in " ".join(
        c.value for c in at.caption
    )
    # every payment dated: nothing to say
    dated = app_runner(small_history(tmp_path / "dated"), monkeypatch, tmp_path)("app_pages/data.py")
    assert not [c for c in dated.caption if c.value.startswith("Also loaded:")]


def test_worklist_with_no_open_denial_still_lists_the_claims_with_no_answer(tmp_path_factory, monkeypatch, tmp_path):
    """The public corpus: every denial is years past its deadline, and most billed claims have no answer."""
    db = tmp_path_factory.mktemp("corpus") / "corpus.duckdb"
    con = database.connect(db)
    loader.load_paths(con, [CORPUS_835, CORPUS_837])
    con.close()
    # within the sidebar's default dates: those of the remittances (two corpus claims were billed before any)
    unanswered, as_of = expected(
        db,
        """select count(*) filter (where status = 'no answer' and service_date_from >=
            (select least(min(service_date), min(payment_date)) from fact_units)), data_date() from claim_status""",
    )
    at = app_runner(db, monkeypatch, tmp_path)("app_pages/worklist.py")
    assert [i.value[:52] for i in at.info] == [f"No open denial under these filters as of {as_of:%d %B %Y}"[:52]]
    assert [s.value for s in at.subheader] == ["Claims with no answer"]
    assert len(at.dataframe[0].value) == unanswered > 1000
