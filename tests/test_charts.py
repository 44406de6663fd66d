"""Every page answers its question at a glance (issue 15): charts draw what the SQL computed (no chart
bins or aggregates; codes, sites and modifiers on categorical axes; months as months, one point each;
rates from 0 with the precision they need), tables show labels for people, sites are sites (POS for
professional claims, TOB for institutional ones, also for claims without lines), and a click on a chart
or a table row opens the matching denied lines on the Claims page with the filters in the URL."""

from __future__ import annotations

import ast
import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import data, database, loader
from conftest import APP, CORPUS_835, PAGES, app_runner, claim_837, load_text, remittance_835, small_history
from test_app import expected, values

MONTHLY = "monthly"  # trend charts: x is a month


@pytest.fixture(scope="module")
def history_db(tmp_path_factory):
    return small_history(tmp_path_factory.mktemp("charts"))


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("charts-corpus") / "own.duckdb"
    con = database.connect(path)
    loader.load_paths(con, [CORPUS_835])
    con.close()
    return path


@pytest.fixture
def app(history_db, monkeypatch, tmp_path):
    return app_runner(history_db, monkeypatch, tmp_path)


def figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def one(db, query: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def check_chart(fig: dict, page: str) -> list[str]:
    """What is wrong with one figure: a trace that bins or aggregates on the client, a code/site/modifier
    axis that is not categorical, a monthly axis that is not months or repeats a month in a trace."""
    wrong = []
    layout = fig["layout"]
    for trace in fig["data"]:
        kind = trace.get("type", "scatter")
        if kind in ("histogram", "histogram2d", "histogram2dcontour", "densitymapbox", "densitymap"):
            wrong.append(f"{page}: a {kind} trace bins on the client")
        if kind in ("treemap", "pie") or trace.get("meta") == "click layer":  # a heatmap's invisible click targets
            continue
        horizontal = trace.get("orientation") == "h"
        axis = layout.get("yaxis" if horizontal else "xaxis", {})
        xs = trace.get("y" if horizontal else "x")
        if xs is None:
            continue
        xs = values(xs)
        if axis.get("type") == "date":
            assert (axis.get("dtick"), axis.get("tickformat")) in (
                ("M1", "%b %Y"),
                ("M3", "%b %Y"),
                ("M6", "%b %Y"),
                ("M12", "%Y"),
            ), (page, axis)
            if len(set(xs)) != len(xs):
                wrong.append(f"{page}: a month twice in one trace")
            if any(pd.Timestamp(x) != pd.Timestamp(x).normalize().replace(day=1) for x in xs):
                wrong.append(f"{page}: a point not on a month: {xs[:3]}")
        elif kind in ("bar", "heatmap"):
            if axis.get("type") != "category":
                wrong.append(f"{page}: a {kind} axis that is not categorical ({axis.get('type')})")
            if kind == "heatmap" and layout.get("yaxis", {}).get("type") != "category":
                wrong.append(f"{page}: a heatmap's rows not categorical")
        else:
            wrong.append(f"{page}: a {kind} trace on a {axis.get('type')} axis")
        if kind != "heatmap" and len(xs) == 0:
            wrong.append(f"{page}: an empty trace")
    return wrong


@pytest.mark.parametrize("which", ["history", "corpus"])
def test_every_chart_draws_aggregates_on_the_right_axes(which, history_db, corpus_db, monkeypatch, tmp_path):
    db = history_db if which == "history" else corpus_db
    run = app_runner(db, monkeypatch, tmp_path)
    wrong, charts = [], 0
    for page in PAGES:
        if page.endswith("monthly_review.py"):  # its charts are analytics/review/parts.py's (another change)
            continue
        at = run(page)
        for fig in figures(at):
            charts += 1
            wrong += check_chart(fig, page)
        if which == "history" and page.endswith(
            ("overview.py", "payers.py", "site_of_care.py", "codes.py", "modifiers.py", "reasons.py")
        ):
            assert figures(at), f"{page} shows no chart on the demo history"
            for fig in figures(at):
                assert any(
                    values(t.get("x") if t.get("x") is not None else t.get("values", [])) for t in fig["data"]
                ), page
    assert charts >= 10 and not wrong, wrong


def imported_modules(path: Path):
    """The modules a file imports, as written (`import a.b`, `from a.b import c`: a.b)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


def test_pages_draw_their_charts_with_the_shared_helpers():
    """A page asks analytics.ui for a chart by its kind and builds none itself, so that every chart of a kind
    reads alike and the checks above reach it (the Reasons treemap and the Prevention bars were built in their
    pages)."""
    builders = [
        page
        for page in PAGES
        if any(module.split(".")[0] == "plotly" for module in imported_modules(Path(APP).parent / page))
    ]
    assert len(PAGES) >= 12 and builders == []


def test_code_profile_breaks_down_by_modifier_and_site(app, history_db):
    """The second and third `union all by name` branches left dimension/value unnamed: always empty."""
    at = app("app_pages/codes.py")
    at.selectbox(key="codes_page_code").set_value("J1322").run()
    bars = figures(at)[:3]
    assert [len(values(b["data"][0]["x"])) > 0 for b in bars] == [True, True, True]
    site = values(bars[2]["data"][0]["x"])
    assert all(s.startswith(("POS ", "TOB ")) and " " in s[4:] for s in site), site  # named sites
    modifiers = at.dataframe[1].value
    assert "JW" in set(modifiers["value"]) or "JZ" in set(modifiers["value"])
    lines = one(
        history_db,
        """select count(*) from fact_units where procedure_code = 'J1322' and unit_kind = 'line'
        and claim_kind = 'adjudicated' and not readjudication""",
    )[0][0]
    assert modifiers["lines"].sum() == at.dataframe[2].value["lines"].sum() == lines


def test_code_by_site_heatmap_keeps_codes_as_codes(app):
    at = app("app_pages/site_of_care.py")
    [heat] = [f for f in figures(at) if f["data"][0]["type"] == "heatmap"]
    trace, layout = heat["data"][0], heat["layout"]
    assert layout["yaxis"]["type"] == layout["xaxis"]["type"] == "category"
    codes = values(trace["y"])
    assert any(c.startswith("J") for c in codes) and all(isinstance(c, str) for c in codes)
    assert all(s.startswith(("POS ", "TOB ")) for s in values(trace["x"]))
    # the caption counts the codes drawn (the history has fewer than 15 with denied dollars)
    assert any(f"Denial rate of the {len(set(codes))} codes" in c.value for c in at.caption)
    z = trace["z"]
    rates = (
        values(z) if isinstance(z, dict) else [v for row in z for v in (values(row) if isinstance(row, dict) else row)]
    )
    rates = [v for v in rates if v is not None and v == v]
    if max(rates) < 0.1 or max(rates) - min(rates) < 0.1:  # a decimal on the colour bar, not "10%, 10%, 9%"
        assert trace["colorbar"]["tickformat"] == ".1%"


def test_payer_heatmap_has_one_column_per_month(app, history_db):
    at = app("app_pages/payers.py")
    [heat] = [f for f in figures(at) if f["data"][0]["type"] == "heatmap"]
    months = one(
        history_db,
        "select count(distinct service_month) from fact_units where not readjudication and claim_kind = 'adjudicated'",
    )[0][0]
    columns = values(heat["data"][0]["x"])
    assert len(columns) == len(set(columns)) == months
    assert all(c[:3].isalpha() and c[4:8].isdigit() for c in columns)  # "Sep 2026"


def test_a_one_month_range_reads_as_that_month(app):
    at = app(**{"from": "2026-03-01", "to": "2026-03-31"})
    rate, amount = figures(at)[:2]
    for fig in (rate, amount):
        axis = fig["layout"]["xaxis"]
        assert axis["tickformat"] == "%b %Y" and axis["type"] == "date"
        start, end = (date.fromisoformat(x[:10]) for x in axis["range"])
        assert (end - start).days <= 33  # the month, half a month either side: no hours, no minutes
    assert rate["layout"]["yaxis"]["range"][0] == 0  # the rate axis starts at 0 (not -50%)
    assert len(values(rate["data"][0]["x"])) == 1


def test_percent_ticks_keep_the_precision_small_rates_need():
    from analytics import ui

    assert ui.percent_format([0.012, 0.034]) == ".1%"
    assert ui.percent_format([0.002]) == ".2%"
    assert ui.percent_format([0.25, 0.4]) == ".0%" == ui.percent_format([0, 0.5])
    assert ui.percent_format([0.09, 0.14]) == ".1%"  # close rates: not "10%, 10%, 9%"


def test_tables_show_labels_for_people(app):
    """Every table through ui.table: labels without underscores and no two alike, money as dollars, rates as
    percent, internal keys hidden; the CSV keeps the machine-readable names. A count of adjudicated lines reads
    "lines" (it read "units" beside the Codes page's units billed)."""
    lines_columns = 0
    for page in PAGES:
        at = app(page)
        for frame in at.dataframe:
            config = json.loads(frame.proto.columns) if frame.proto.columns else {}
            shown = [
                c
                for c in frame.value.columns
                if (config.get(f"col:{c}") or config.get(c) or {}).get("hidden") is not True
            ]
            headers = [(config.get(f"col:{c}") or config.get(c) or {}).get("label", c) for c in shown]
            assert not {h for h in headers if headers.count(h) > 1}, (page, list(zip(shown, headers, strict=True)))
            for column in shown:
                spec = config.get(f"col:{column}") or config.get(column) or {}
                label = spec.get("label", column)
                assert "_" not in label, (page, column, label)
                assert label.strip(), (page, column)  # a column without a header: the reader guesses what it is
                if column.endswith("_amount") or column in ("this_month", "previous_month", "change"):
                    assert spec.get("type_config", {}).get("format") == "dollar", (page, column, spec)
                if column.endswith("_rate"):  # in points, one decimal, whatever the value: 4.7% shows 4.7%
                    assert spec.get("type_config", {}).get("format") == "%.1f%%", (page, column, spec)
                if column == "units":
                    assert label == "lines", (page, label)
                    lines_columns += 1
            for hidden in ("key", "complete", "answering"):
                if hidden in frame.value.columns:
                    assert hidden not in shown, (page, hidden)
    assert lines_columns >= 2  # Payers, Site of care
    overview = app()
    categories = overview.dataframe[0].value
    assert "category" in categories.columns  # the CSV's column; shown as its label
    assert any("machine-readable" in c.value for c in overview.caption)


def test_a_table_shows_every_rate_as_points_with_one_decimal():
    """Streamlit's own percent format showed 4.7% above 32.18%; printf on points rounds (0.32184 reads 32.2%)."""
    from streamlit.testing.v1 import AppTest

    def page():
        import pandas as pd

        from analytics import ui

        frame_ = pd.DataFrame({"payer": ["A", "B"], "denial_rate": [0.32184, 0.047], "share": [0.5, 0.25]})
        ui.table(frame_, "rates", share=ui.tables.st.column_config.NumberColumn("share", format="percent"))

    at = AppTest.from_function(page).run()
    shown = at.dataframe[0]
    config = json.loads(shown.proto.columns)
    formats = [(config.get(f"col:{c}") or config[c])["type_config"]["format"] for c in ("denial_rate", "share")]
    assert formats == ["%.1f%%"] * 2
    assert shown.value["denial_rate"].round(6).tolist() == [32.184, 4.7]
    assert shown.value["share"].tolist() == [50.0, 25.0]


def test_sites_are_sites(tmp_path, monkeypatch):
    """A hospital outpatient claim denied whole (no lines) is TOB 13x, not POS 13 (assisted living), when
    the payment's claims with lines at that CLP08 carry revenue codes; a professional POS 13 stays POS 13."""
    path = tmp_path / "own.duckdb"
    con = database.connect(path)
    hospital = [
        "CLP*H1*1*500*400**12*PH1*13*1~DTM*232*20240301~SVC*HC:96365*500*400*0260*1~CAS*CO*45*100",
        "CLP*H2*4*800*0**12*PH2*13*1~DTM*232*20240302~CAS*CO*27*800",
    ]
    clinic = ["CLP*C1*1*100*0**12*PC1*13*1~DTM*232*20240303~SVC*HC:99213*100*0**1~CAS*CO*50*100"]
    assert load_text(con, tmp_path, remittance_835(*hospital, payer="HOSPITAL PLAN"), "h.835").status == "loaded"
    assert (
        load_text(con, tmp_path, remittance_835(*clinic, payer="CLINIC PLAN", control="000000002"), "c.835").status
        == "loaded"
    )
    sites = dict(con.execute("select claim_id, site from fact_units where unit_kind <> 'claim_adjustment'").fetchall())
    con.close()
    assert sites == {"H1": "TOB 13x", "H2": "TOB 13x", "C1": "POS 13"}
    known = data.query("dashboard/filter_options", path=path).iloc[0]
    assert dict(zip(known["sites"], known["site_labels"], strict=True)) == {
        "POS 13": "POS 13 assisted living facility",
        "TOB 13x": "TOB 13x hospital outpatient",
    }
    at = app_runner(path, monkeypatch, tmp_path)("app_pages/site_of_care.py", site="TOB 13x")
    by_site = next(f.value for f in at.dataframe if "grouping" in f.value.columns)
    rows = by_site[by_site["grouping"] == "site"]
    assert list(rows["value"]) == ["TOB 13x hospital outpatient"] and rows["units"].sum() == 2
    assert list(at.sidebar.multiselect(key="filter_site").value) == ["TOB 13x"]


def test_days_to_pay_under_a_code_filter(app):
    everyone = app("app_pages/payers.py").dataframe[0].value
    coded = app("app_pages/payers.py", code="J1322").dataframe[0].value
    assert everyone["median_days_to_pay"].notna().all()
    assert coded["median_days_to_pay"].notna().all() and (coded["claims"] > 0).all()


def test_days_to_pay_leave_out_a_receipt_dated_after_the_payment(tmp_path):
    """Two corpus claims of ANY PLAN USA carry a receipt date (DTM*050) months after their payment date: counted as
    -95 and -90 days, they pulled the payer's median days to pay from 270 down to 188. A receipt after the payment
    is a wrong date: that claim is left out of the median, not counted as negative days."""
    from analytics import ui

    con = database.connect(tmp_path / "own.duckdb")
    on_time = "CLP*C1*1*100*100*0*12*P1*11*1~DTM*050*20240301~SVC*HC:99213*100*100**1~DTM*472*20240220"
    misdated = "CLP*C2*1*100*100*0*12*P2*11*1~DTM*050*20240325~SVC*HC:99213*100*100**1~DTM*472*20240221"
    load_text(con, tmp_path, remittance_835(on_time, misdated, payment="200"), "paid.835")  # paid 2024-03-15
    con.close()
    scorecard, _ = ui.scorecard_and_heatmap(data.dashboard("payer_measures", data.Filters(), tmp_path / "own.duckdb"))
    assert scorecard["median_days_to_pay"].tolist() == [14]


def test_a_payer_s_paid_dollars_say_they_are_net_of_its_reversals(tmp_path):
    """Payers showed "paid $ -$123.59" for a corpus payer whose reversals (CLP02 22) took back more than it paid
    in the range, under a help that said "What the payer paid.": the column is the payments less the reversals,
    and says so."""
    from analytics import ui

    con = database.connect(tmp_path / "own.duckdb")
    paid = "CLP*R1*1*100*100*0*12*PR1*11*1~SVC*HC:99213*100*100**1~DTM*472*20240301"
    reversed_ = "CLP*R0*22*-300*-300*0*12*PR0*11*1~SVC*HC:99214*-300*-300**1~DTM*472*20240302"
    load_text(con, tmp_path, remittance_835(paid, reversed_, payment="-200"))
    con.close()
    scorecard, _ = ui.scorecard_and_heatmap(data.dashboard("payer_measures", data.Filters(), tmp_path / "own.duckdb"))
    assert scorecard["net_paid_amount"].tolist() == [-200]
    shown = ui.column_config(scorecard)["net_paid_amount"]
    assert shown["label"] == "paid $, net" and "reversals" in shown["help"]


def test_a_claim_denied_without_a_reason_reads_alike_in_every_list(tmp_path):
    """CLP02 4 with no adjustment: the Overview's top reasons named it 'CLP02 4', while the Claims page showed an
    empty reason and the Worklist and the review's lists none at all. Every list writes a reason with reason_code."""
    con = database.connect(tmp_path / "own.duckdb")
    load_text(con, tmp_path, remittance_835("CLP*V2*4*120*0*0*12*PV2*11*1~SVC*HC:99213*120*0**1~DTM*472*20240301"))
    con.close()
    db, everything = tmp_path / "own.duckdb", data.Filters()
    march = {"month": date(2024, 3, 1)}
    listed = {
        "top_reasons": data.dashboard("top_reasons", everything, db),
        "denied_lines": data.dashboard("denied_lines", everything, db, search=""),
        "worklist": data.dashboard("recovery/worklist", everything, db),
        "review_detail": data.dashboard("recovery/review_detail", everything, db, **march),
        # open at the end of April, its deadline (timely filing from 2024-03-01) within 30 days after
        "review_expiring": data.dashboard("recovery/review_expiring", everything, db, month=date(2024, 4, 1)),
    }
    assert {name: list(frame["reason"]) for name, frame in listed.items()} == {name: ["CLP02 4"] for name in listed}


def test_modifiers_read_alike_in_every_list_and_a_combination_is_one_row_whatever_its_order(tmp_path):
    """The review's list and Prevention's joined a line's modifiers with spaces ('JW JG') where the other lists
    join them with '+'; and the Modifiers page's denials that point at a modifier were grouped by the modifiers
    as billed (JW+JG and JG+JW two rows, a line without one blank) where the tables by modifier sort them and
    say '(none)'."""
    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    drug = "SVC*HC:J1745{}*300*0**10~DTM*472*20240301~CAS*CO*{}*300~LQ*HE*{}"
    load_text(
        con,
        tmp_path,
        remittance_835(
            "CLP*M1*4*300*0**12*PM1*11*1~" + drug.format(":JW:JG", 4, "N519"),
            "CLP*M2*4*300*0**12*PM2*11*1~" + drug.format(":JG:JW", 4, "N519"),
            "CLP*M3*4*300*0**12*PM3*11*1~" + drug.format("", 16, "N822"),
        ),
    )
    # billed to Medicare Part B with JZ and JW on one line: the shipped JW/JZ rule flags it
    jz_jw = "LX*1~SV1*HC:J1745:JZ:JW*300*UN*10***1~DTP*472*D8*20240301~LIN**N4*11111111111~CTP****1*UN"
    both = "CLM*F1*300***11:B:1*Y*A*Y*Y~HI*ABK:M069~" + jz_jw
    assert load_text(con, tmp_path, claim_837(both, filing="MB"), "f.837").status == "loaded"
    con.close()
    everything, march = data.Filters(), {"month": date(2024, 3, 1)}
    as_billed = {
        "denied_lines": sorted(data.dashboard("denied_lines", everything, db, search="")["modifiers"]),
        "review_detail": sorted(data.dashboard("recovery/review_detail", everything, db, **march)["modifiers"]),
    }
    assert as_billed == {name: ["", "JG+JW", "JW+JG"] for name in as_billed}
    flagged = data.dashboard("prevention/flagged_claims", everything, db)
    assert set(flagged["modifiers"]) == {"JZ+JW"}
    pointing = data.dashboard("modifier_denials", everything, db)
    assert sorted(zip(pointing["modifiers"], pointing["denials"], strict=True)) == [("(none)", 1), ("JG+JW", 2)]
    by_modifier = data.dashboard("by_modifier", everything, db)
    combinations = by_modifier[by_modifier["grouping"] == "combination"]
    assert sorted(zip(combinations["modifiers"], combinations["lines"], strict=True)) == [("(none)", 1), ("JG+JW", 2)]
    profile = data.dashboard("code_profile", everything, db, code="J1745")
    assert sorted(profile[profile["dimension"] == "modifiers"]["value"]) == ["(none)", "JG+JW"]


def test_a_missing_jw_jz_counts_under_the_modifier_it_lacked(tmp_path, monkeypatch):
    path = tmp_path / "own.duckdb"
    con = database.connect(path)
    claims = [
        "CLP*D1*4*900*0**12*PD1*11*1~DTM*232*20240301~SVC*HC:J1322*900*0**10~CAS*CO*16*900~LQ*HE*N822",
        "CLP*D2*1*300*300**12*PD2*11*1~DTM*232*20240301~SVC*HC:J1322:JZ*300*300**3",
    ]
    assert load_text(con, tmp_path, remittance_835(*claims), "d.835").status == "loaded"
    assert con.execute(
        "select claim_id, missing_modifier from fact_units where denial_type is not null"
    ).fetchall() == [("D1", "JW/JZ")]
    con.close()
    at = app_runner(path, monkeypatch, tmp_path)("app_pages/modifiers.py", modifier="JW/JZ")
    assert list(at.sidebar.multiselect(key="filter_modifier").value) == ["JW/JZ"]
    trend = [
        f
        for f in figures(at)
        if f["layout"].get("yaxis", {}).get("title", {}).get("text") == "missing-modifier denials"
    ]
    assert [values(f["data"][0]["y"]) for f in trend] == [[1]]
    claims_page = app_runner(path, monkeypatch, tmp_path)("app_pages/claims.py", modifier="JW/JZ")
    assert list(claims_page.dataframe[0].value["claim_id"]) == ["D1"]


def test_a_modifier_denied_only_as_expected_says_so_not_that_it_is_never_denied(tmp_path, monkeypatch):
    path = tmp_path / "own.duckdb"
    con = database.connect(path)
    claims = [
        "CLP*G1*4*100*0**12*PG1*11*1~DTM*232*20240301~SVC*HC:99213:GA*100*0**1~CAS*PR*50*100",
        "CLP*G2*1*100*80**12*PG2*11*1~DTM*232*20240301~SVC*HC:99213:25*100*80**1~CAS*CO*45*20",
        "CLP*G3*4*100*0**12*PG3*11*1~DTM*232*20240301~SVC*HC:99213*100*0**1~CAS*CO*50*100",
    ]
    assert load_text(con, tmp_path, remittance_835(*claims), "g.835").status == "loaded"
    con.close()
    at = app_runner(path, monkeypatch, tmp_path)("app_pages/modifiers.py")
    bars = figures(at)[0]["data"][0]
    text = dict(zip(bars["x"], bars["text"], strict=True))
    assert text == {"GA": "0.0% of 1<br>1 expected", "25": "0.0% of 1", "(none)": "100.0% of 1"}
    table = at.dataframe[0].value
    by_modifier = table[table["grouping"] == "modifier"].set_index("modifiers")
    assert by_modifier["expected_denied_lines"].to_dict() == {"GA": 1, "25": 0, "(none)": 0}
    assert "Expected denials (GA, GY, GZ" in " ".join(c.value for c in at.caption)
    # one claim's lines count units paid as the Codes page does: none on G1's line, denied in full (its SVC05
    # repeats the unit billed), beside $0 paid
    claim = app_runner(path, monkeypatch, tmp_path)("app_pages/claims.py")
    claim.text_input[0].input("G1").run(timeout=120)  # "Claim id contains": G1 alone
    assert claim.selectbox[0].options == ["G1 (ACME HEALTH PLAN)"]
    [lines] = [f.value for f in claim.dataframe if "units_paid" in f.value.columns]
    assert lines[["units_billed", "units_paid", "paid_amount"]].values.tolist() == [[1, 0, 0]]
    codes = app_runner(path, monkeypatch, tmp_path)("app_pages/codes.py")  # 99213's modifier combinations
    [combinations] = [f["data"][0] for f in figures(codes) if "GA" in values(f["data"][0]["x"])]
    assert dict(zip(combinations["x"], combinations["text"], strict=True))["GA"] == "0.0% of 1<br>1 expected"
    listed = app_runner(path, monkeypatch, tmp_path)("app_pages/claims.py").dataframe[0].value
    assert listed.set_index("claim_id")["counted_as"].to_dict() == {"G1": "expected", "G3": "denial"}


def test_claims_without_a_denial_draw_zero_dollars_plainly_and_no_empty_reasons_table(tmp_path, monkeypatch):
    path = tmp_path / "own.duckdb"
    con = database.connect(path)
    paid = "CLP*P1*1*100*80**12*PP1*11*1~DTM*232*20240301~SVC*HC:99213*100*80**1~CAS*CO*45*20"
    assert load_text(con, tmp_path, remittance_835(paid), "p.835").status == "loaded"
    con.close()
    at = app_runner(path, monkeypatch, tmp_path)()
    assert any("No denial matches these filters" in i.value for i in at.info)
    assert not [f for f in at.dataframe if "reason" in f.value.columns]  # not an empty table under the message
    [dollars] = [f for f in figures(at) if f["layout"]["yaxis"]["title"]["text"] == "denied $"]
    assert dollars["layout"]["yaxis"]["tickvals"] == [0]  # not "$0, $0, $1, $1"


def test_off_campus_total_on_site_of_care(app, history_db):
    at = app("app_pages/site_of_care.py")
    metrics = {m.label: m.value for m in at.metric}
    lines, denied = one(
        history_db,
        """select count(*), sum(denied_amount) filter (where denial_class = 'denial')
        from fact_units where unit_kind = 'line' and claim_kind = 'adjudicated' and not readjudication
        and (list_has_any(modifiers, ['PO', 'PN']) or site = 'POS 19')""",
    )[0]
    expected = one(
        history_db,
        # the denials the denied $ beside it counts: initial, class 'denial'
        """select sum(expected_reimbursement) from recovery_denials where unit_kind = 'line'
        and (list_has_any(modifiers, ['PO', 'PN']) or site = 'POS 19') and denial_class = 'denial'
        and not readjudication""",
    )[0][0]
    assert metrics["Off-campus lines"] == f"{lines:,}" and metrics["Denied $"] == f"${float(denied):,.0f}"
    assert metrics["Expected reimbursement $"] == f"${float(expected):,.0f}"
    parts = at.dataframe[0].value
    assert list(parts.iloc[:, 0])[-1] == "off-campus total" and len(parts) > 2  # the total under its parts
    # POS 19's row leaves out its lines with PO or PN (counted under those): named so, its count is not the site's
    assert "POS 19 without PO or PN" in list(parts.iloc[:, 0])


def test_date_presets_set_the_range_and_stay_in_the_url(app, history_db):
    from analytics import ui

    as_of = one(history_db, "select max(payment_date) from fact_units")[0][0]
    at = app(period="last-month")
    assert at.sidebar.selectbox(key="filter_period").value == "last-month"
    start, end = ui.period_range("last-month", as_of)
    assert at.query_params["period"] in ("last-month", ["last-month"])
    assert at.session_state["filters"].date_from == start and at.session_state["filters"].date_to == end
    assert end < as_of.replace(day=1) or end == as_of and start.day == 1
    at.switch_page("app_pages/payers.py").run(timeout=120)  # kept across pages
    assert at.session_state["filters"].date_from == start
    # opened without a period, every date loaded, and the period says so (it read "Custom range")
    fresh = app()
    period = fresh.sidebar.selectbox(key="filter_period")
    assert period.value == "custom" and period.format_func(period.value) == "All dates, or a range below"
    first, last = one(history_db, "select min(service_date), max(service_date) from fact_units")[0]
    chosen = fresh.session_state["filters"]
    assert chosen.date_from <= first and chosen.date_to >= last


def claims_filters(at) -> dict:
    return {
        k: sorted(
            at.query_params.get_all(k)
            if hasattr(at.query_params, "get_all")
            else ([v] if isinstance(v := at.query_params[k], str) else v)
        )
        for k in at.query_params
    }


def select_point(at, key: str, point: dict):
    at.session_state[key] = {"selection": {"points": [point], "point_indices": [0], "box": [], "lasso": []}}
    return at.run(timeout=120)


def test_a_category_bar_opens_its_denied_lines(app, history_db):
    at = app()
    categories = next(f.value for f in at.dataframe if "usual_path" in f.value.columns).set_index("category")
    denials = int(categories.loc["authorization", "denials"])
    select_point(at, "chart_categories", {"customdata": "authorization"})
    assert at.title[0].value == "Claims"
    assert at.query_params["category"] in ("authorization", ["authorization"])
    shown = at.dataframe[0].value
    assert len(shown) and set(shown["category"]) == {"Prior authorization and referral"}
    assert list(at.sidebar.multiselect(key="filter_category").value) == ["authorization"]
    # it says how many lines it lists of how many, and the category's denials are the Overview's
    [lines] = expected(
        history_db, "select count(*) from fact_units where denial_type is not null and category = 'authorization'"
    )
    listed = f"all {lines:,}" if lines <= 1000 else f"the newest 1,000 of {lines:,}"
    [caption] = [c.value for c in at.caption if c.value.startswith("Denied lines and claim-level denials")]
    assert f"newest payment first: {listed}" in caption and f"; {denials:,} of them count as denials, $" in caption


def test_a_category_bars_dollar_label_reads_level_however_thin_the_bar(app):
    """On the corpus one category's label did not fit in its bar and plotly turned it on its side."""
    [bars] = [f for f in figures(app()) if f["data"][0].get("orientation") == "h"]
    assert bars["data"][0]["textangle"] == 0
    assert all(t.startswith("$") for t in values(bars["data"][0]["text"]))


def test_a_payer_month_cell_opens_that_payer_and_month(app):
    at = app("app_pages/payers.py")
    select_point(at, "chart_payer_month", {"customdata": ["MEDICARE PART B J15", "2026-03-01"], "x": "Mar 2026"})
    assert at.title[0].value == "Claims"
    filters = at.session_state["filters"]
    assert filters.payers == ("MEDICARE PART B J15",)
    assert (filters.date_from, filters.date_to) == (date(2026, 3, 1), date(2026, 3, 31))
    assert at.query_params["from"] in ("2026-03-01", ["2026-03-01"])
    shown = at.dataframe[0].value
    assert set(shown["payer_name"]) == {"MEDICARE PART B J15"}


def test_a_code_site_cell_opens_that_code_at_that_site(app):
    at = app("app_pages/site_of_care.py")
    select_point(at, "chart_code_site", {"customdata": ["J1322", "POS 19"]})
    assert at.title[0].value == "Claims"
    filters = at.session_state["filters"]
    assert (filters.codes, filters.sites) == (("J1322",), ("POS 19",))
    shown = at.dataframe[0].value
    assert set(shown["procedure_code"]) == {"J1322"} and set(shown["site"]) == {"POS 19 off campus-outpatient hospital"}


def test_a_row_of_the_codes_tables_opens_its_denied_lines(app):
    at = app("app_pages/codes.py")
    at.selectbox(key="codes_page_code").set_value("J1322").run()
    payer = at.dataframe[0].value.iloc[0]["value"]
    at.session_state["table_J1322_by_payer"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run(timeout=120)
    assert at.title[0].value == "Claims"
    filters = at.session_state["filters"]
    assert (filters.codes, filters.payers) == (("J1322",), (payer,))
    assert at.query_params["code"] in ("J1322", ["J1322"])


def test_a_code_by_site_heatmap_of_close_rates_keeps_codes_and_a_readable_scale():
    """Codes that look like numbers stay codes (no 96k-99.5k axis), J codes stay, and rates between 9% and
    14% get a decimal on the colour bar (not "10%, 10%, 9%, 9%")."""
    import pandas as pd

    from analytics.ui import charts

    matrix = pd.DataFrame(
        {
            "procedure_code": ["96365", "99213", "J1322", "96365"],
            "site": ["POS 11", "POS 11", "TOB 13x", "TOB 13x"],
            "site_label": [
                "POS 11 office",
                "POS 11 office",
                "TOB 13x hospital outpatient",
                "TOB 13x hospital outpatient",
            ],
            "lines": [100, 200, 50, 80],
            "denial_rate": [0.09, 0.12, 0.14, 0.1],
        }
    )
    fig = json.loads(charts.heatmap_figure(matrix, "site_label", "procedure_code", "site", None).to_json())
    trace = fig["data"][0]
    assert values(trace["y"]) == ["96365", "99213", "J1322"]
    assert fig["layout"]["yaxis"]["type"] == fig["layout"]["xaxis"]["type"] == "category"
    assert trace["colorbar"]["tickformat"] == ".1%"
    assert trace["customdata"][0][0] == ["96365", "POS 11"]  # what a click on the cell opens


def test_a_payer_by_month_heatmap_spans_its_colours_over_the_final_cells_and_outlines_those_still_answered():
    """One claim of one payer denied in a partial month (100%) made every complete month's cell pale. A month
    still being answered is its payer's own: a slow payer's August is not final while a fast payer's is, so
    that cell alone is outlined (its colour kept: paler would read as a lower rate) and left out of the span."""
    import pandas as pd

    from analytics.ui import charts

    months = [pd.Timestamp("2026-07-01"), pd.Timestamp("2026-08-01"), pd.Timestamp("2026-09-01")]
    frame_ = pd.DataFrame(
        {
            "payer": ["A", "A", "A", "B", "B"],
            "month": months + months[:2],
            "complete": [True, True, False, True, True],
            "answering": [False, True, False, False, False],
            "claims": [200, 180, 1, 150, 160],
            "denial_rate": [0.12, 0.4, 1.0, 0.25, 0.2],
        }
    )
    fig = json.loads(charts.heatmap_figure(frame_, "month", "payer", None, None).to_json())
    trace = fig["data"][0]
    assert (trace["zmin"], trace["zmax"]) == (0, 0.25)
    assert values(trace["x"]) == ["Jul 2026", "Aug 2026", "Sep 2026 (partial month)"]
    [outline] = fig["layout"]["shapes"]
    assert (outline["x0"], outline["x1"], outline["y0"], outline["y1"]) == (0.5, 1.5, -0.5, 0.5)  # A, August
    assert outline["line"]["dash"] == "dot" and "fillcolor" not in outline
    clicks = fig["data"][-1]
    hover = dict(zip(zip(clicks["y"], clicks["x"], strict=True), clicks["hovertext"], strict=True))
    assert hover[("A", "Aug 2026")] == "denial rate 40.0% (not final: still being answered)"
    assert hover[("B", "Aug 2026")] == "denial rate 20.0%"


def test_a_heatmap_where_every_rate_is_0_starts_its_colours_at_0():
    """On the corpus under a category no initial claim had, every payer's rate was 0%: plotly centred that 0%
    on a scale from -50% to 50%, so the cells read orange, like a high rate, beside a negative colour bar."""
    import pandas as pd

    from analytics.ui import charts

    months = [pd.Timestamp("2026-08-01"), pd.Timestamp("2026-09-01")]
    frame_ = pd.DataFrame(
        {"payer": ["A", "A", "B", "B"], "month": months + months, "complete": [True] * 4, "claims": [200, 150, 30, 40]}
    )
    for rates in ([0.0] * 4, [0.0, 0.1, 0.0, 0.0]):
        frame_["denial_rate"] = rates
        trace = json.loads(charts.heatmap_figure(frame_, "month", "payer", None, None).to_json())["data"][0]
        assert (trace["zmin"], trace["zmax"]) == (0, max(rates) or 0.01), rates


def test_a_heatmap_cell_of_few_claims_is_grey_not_the_darkest_red():
    """1 of 1 denied read as the darkest cell of the Payers heatmap; a history where every cell is small keeps
    its colours."""
    import pandas as pd

    from analytics.ui import charts

    months = [pd.Timestamp("2026-08-01"), pd.Timestamp("2026-09-01")]
    frame_ = pd.DataFrame(
        {
            "payer": ["A", "A", "B", "B"],
            "month": months + months,
            "complete": [True] * 4,
            "claims": [200, 3, 150, 160],
            "denial_rate": [0.12, 1.0, 0.25, 0.2],
        }
    )
    rates, grey, clicks = json.loads(charts.heatmap_figure(frame_, "month", "payer", None, None).to_json())["data"]
    assert cells(rates["z"]) == [0.12, None, 0.25, 0.2]
    assert rates["zmax"] == 0.25
    assert cells(grey["z"]) == [None, 1.0, None, None]
    assert grey["showscale"] is False
    hover = dict(zip(zip(clicks["y"], clicks["x"], strict=True), clicks["hovertext"], strict=True))
    assert hover[("A", "Sep 2026")] == "denial rate 100.0% (too few for a rate)"
    assert hover[("A", "Aug 2026")] == "denial rate 12.0%"
    small = frame_.assign(claims=[10, 3, 15, 16])
    [rates, _] = json.loads(charts.heatmap_figure(small, "month", "payer", None, None).to_json())["data"]
    assert cells(rates["z"]) == [0.12, 1.0, 0.25, 0.2]


def test_a_heatmap_cell_with_nothing_to_rate_is_grey_not_white_like_a_rate_of_0():
    """An office visit code is never billed on a hospital claim (TOB 13x): its cell was left empty, white, the
    colour the scale gives a 0% rate, so it read as a code the payers never deny there."""
    import pandas as pd

    from analytics.ui import charts

    matrix = pd.DataFrame(
        {
            "procedure_code": ["99213", "J1322", "J1322"],
            "site": ["POS 11", "POS 11", "TOB 13x"],
            "site_label": ["POS 11 office", "POS 11 office", "TOB 13x hospital outpatient"],
            "lines": [300, 100, 80],
            "denial_rate": [0.1, 0.0, 0.2],
        }
    )
    figure = charts.heatmap_figure(matrix, "site_label", "procedure_code", "site", None)
    rates, grey, clicks = json.loads(figure.to_json())["data"]
    assert values(rates["x"]) == ["POS 11 office", "TOB 13x hospital outpatient"]
    assert cells(rates["z"]) == [0.1, None, 0.0, 0.2]  # 99213 at TOB 13x: no rate...
    assert cells(grey["z"]) == [None, 1.0, None, None] and grey["name"] == charts.TOO_FEW  # ...but grey
    assert ("99213", "TOB 13x hospital outpatient") not in set(zip(clicks["y"], clicks["x"], strict=True))


def cells(z) -> list:
    """A heatmap's z, row by row, None where empty (plotly's JSON encodes it typed and flat, or as lists)."""
    flat = values(z) if isinstance(z, dict) else [v for row in z for v in values(row)]
    return [None if v is None or v != v else v for v in flat]


def test_a_rate_trend_breaks_its_line_at_months_without_claims():
    """The corpus has claims in 2004 and 2008 only: the line joined them across four years of no data."""
    from datetime import date

    import pandas as pd

    from analytics.ui import charts

    frame_ = pd.DataFrame(
        {"month": [date(2004, 1, 1), date(2004, 2, 1), date(2004, 5, 1)], "denial_rate": [0.1, 0.2, 0.4]}
    )
    line = json.loads(charts._rate_trend(frame_, "denial rate", "denial_rate").to_json())["data"][0]
    assert [m[:7] for m in values(line["x"])] == ["2004-01", "2004-02", "2004-03", "2004-04", "2004-05"]
    assert values(line["y"])[:2] == [0.1, 0.2] and values(line["y"])[4] == 0.4
    assert all(v is None or v != v for v in values(line["y"])[2:4])  # no point, so no line, in March and April
    assert not line.get("connectgaps")


def test_a_month_of_few_claims_is_a_grey_circle_off_the_trend_line():
    """The corpus's months of one claim drew the Overview's trend as spikes to 100%."""
    from datetime import date

    import pandas as pd

    from analytics.ui import charts

    frame_ = pd.DataFrame(
        {
            "month": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)],
            "claims": [100, 1, 120, 7],
            "denial_rate": [0.1, 1.0, 0.12, 0.57],
            "complete": [True, True, True, False],  # April not over: 4 of 7 denied so far
        }
    )
    line, sparse = json.loads(charts._rate_trend(frame_, "denial rate", "denial_rate").to_json())["data"]
    assert [None if v != v else v for v in values(line["y"])] == [0.1, None, 0.12]  # the line breaks there
    assert [m[:7] for m in values(sparse["x"])] == ["2024-02", "2024-04"] and values(sparse["y"]) == [1.0, 0.57]
    assert sparse["marker"]["symbol"] == "circle-open" and sparse["name"] == charts.TOO_FEW
    assert "too few for a rate" in sparse["hovertemplate"]
    # a history where every month is small keeps its line
    small = frame_.assign(claims=[5, 1, 6, 2])
    [line, partial] = json.loads(charts._rate_trend(small, "r", "denial_rate").to_json())["data"]
    assert values(line["y"]) == [0.1, 1.0, 0.12] and values(partial["y"]) == [0.12, 0.57]


def test_a_trend_marks_only_its_months_not_final_as_open_circles():
    """The dash to the months not final starts at the last final month, whose open circle over its solid dot
    read as if that month were not final too."""
    from datetime import date

    import pandas as pd

    from analytics.ui import charts

    frame_ = pd.DataFrame(
        {
            "month": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)],
            "claims": [100, 120, 90],
            "denial_rate": [0.1, 0.12, 0.15],
            "complete": [True, True, False],
        }
    )
    line, tail = json.loads(charts._rate_trend(frame_, "denial rate", "denial_rate").to_json())["data"]
    assert [m[:7] for m in values(line["x"])] == ["2024-01", "2024-02"]
    assert [m[:7] for m in values(tail["x"])] == ["2024-02", "2024-03"] and tail["line"]["dash"] == "dash"
    assert values(tail["marker"]["size"]) == [0, 9]  # February keeps its one solid marker


def test_the_corpus_overview_trend_greys_its_months_of_few_claims(corpus_db, monkeypatch, tmp_path):
    at = app_runner(corpus_db, monkeypatch, tmp_path)()
    trend = figures(at)[0]
    few = one(
        corpus_db,
        """select count(*) filter (where n < 20), count(*) filter (where n >= 20) from (
            select service_month, count(distinct claim_key) as n from fact_units
            where first_of_claim and claim_kind = 'adjudicated' and not readjudication group by all)""",
    )[0]
    assert few[0] and few[1]  # the corpus has both
    [sparse] = [t for t in trend["data"] if t.get("name") == "too few claims"]
    assert 0 < len(values(sparse["x"])) <= few[0]
    assert any("Grey circles: months of fewer than 20 claims" in c.value for c in at.caption)


def test_denied_dollars_per_category_are_stacked_bars_one_per_month_a_month_without_denials_at_zero():
    """The corpus denied dollars in 2004 and 2010 only: an area ran across the years between at their level.
    Months are counted apart, so each is a bar; the partial month's bars are lighter."""
    from datetime import date

    import pandas as pd

    from analytics.ui import charts

    frame_ = pd.DataFrame(
        {
            "month": [date(2004, 1, 1), date(2004, 1, 1), date(2004, 4, 1)],
            "category": ["medical_necessity", "timely_filing", "timely_filing"],
            "category_label": ["Medical necessity", "Timely filing", "Timely filing"],
            "denied_amount": [50.0, 900.0, 800.0],
            "complete": [True, True, False],
        }
    )
    fig = json.loads(charts._category_month_bars(frame_, "denied_amount", "denied $").to_json())
    timely, medical = fig["data"]  # the largest category first: the bottom of the stack
    assert fig["layout"]["barmode"] == "stack" and timely["type"] == medical["type"] == "bar"
    assert [m[:7] for m in values(timely["x"])] == ["2004-01", "2004-02", "2004-03", "2004-04"]
    assert values(timely["y"]) == [900.0, 0.0, 0.0, 800.0] and values(medical["y"]) == [50.0, 0.0, 0.0, 0.0]
    assert values(timely["marker"]["opacity"]) == [1.0, 1.0, 1.0, 0.4]  # April 2004 is not over


def test_unanswered_claims_follow_the_code_filter(app, history_db):
    """Under a code filter the Overview counted every unanswered claim (109 whatever the code)."""
    everyone = {m.label: m.value for m in app().metric}["Billed claims with no answer"]
    coded = {m.label: m.value for m in app(code="J1322").metric}["Billed claims with no answer"]
    expected = one(
        history_db,
        """select count(*) from claim_status where status = 'no answer' and submission_key in
        (select submission_key from billed_lines where procedure_code = 'J1322')""",
    )[0][0]
    assert coded == f"{expected:,}" != everyone
    # a denial category cannot narrow them (no answer, no denial reason): the tile keeps them all and says so
    tile = next(m for m in app(category="timely_filing").metric if m.label == "Billed claims with no answer")
    assert tile.value == everyone and tile.proto.delta.endswith(" billed, every category")
    assert "The denial category filter does not narrow them" in tile.help
    worklist = app("app_pages/worklist.py", category="timely_filing")
    assert any("The denial category filter does not narrow them" in c.value for c in worklist.caption)
    assert not any("does not narrow them" in c.value for c in app("app_pages/worklist.py").caption)


def test_the_unanswered_claims_listed_are_those_the_status_counts_count_under_every_filter(history_db):
    """The Worklist's list of unanswered claims and the claim status counts (Overview, Worklist) narrow the
    billed claims by one definition (filtered_claim_status), filter by filter."""
    payer, site, code, modifier, first_day, last_day = one(
        history_db,
        """select mode(payer_name), mode(site), any_value(procedure_code), any_value(modifier_1),
        min(claims.service_date_from) + 30, min(claims.service_date_from) + 365
        from filtered_claim_status('service', null, null, [], [], [], [], []) as claims
        join bill_lines using (submission_key)
        where status = 'no answer' and modifier_1 is not null""",
    )[0]
    cases = [
        data.Filters(),
        data.Filters(payers=(payer,)),
        data.Filters(sites=(site,)),
        data.Filters(codes=(code,)),
        data.Filters(modifiers=(modifier,)),
        data.Filters(date_from=first_day),
        data.Filters(payers=(payer,), sites=(site,), date_to=last_day),
    ]
    counted = []
    for filters in cases:
        statuses = data.dashboard("claim_status_counts", filters, history_db)
        no_answer = int(statuses.loc[statuses["status"] == "no answer", "claims"].sum())
        assert len(data.dashboard("unanswered_claims", filters, history_db)) == no_answer, filters
        counted.append(no_answer)
    assert counted[0] > max(counted[1:]) and min(counted[1:]) > 0  # each filter narrows, none to nothing


def test_category_keys_read_as_labels_in_every_table(app):
    """A table whose query has only the category key (the Worklist's) shows the category's label; its
    CSV keeps the key."""
    at = app("app_pages/worklist.py")
    shown = at.dataframe[0].value
    labels = {
        "Prior authorization and referral",
        "Timely filing",
        "Medical necessity",
        "Eligibility and registration",
        "Missing info or documentation",
        "Coding, modifiers and units",
        "Bundling and NCCI edits",
        "Network and credentialing",
        "Not a covered benefit",
        "Coordination of benefits",
        "Site of care",
        "Duplicate claim",
        "Other denial",
    }
    assert len(shown) and set(shown["category"]) <= labels


def test_rate_bars_leave_out_rates_of_too_few_lines_and_say_which():
    """One line denied of one reads 100% and dwarfs every real rate: such a bar is not drawn; the caption
    names it (the page's table lists it)."""
    from streamlit.testing.v1 import AppTest

    def page():
        import pandas as pd

        from analytics import ui

        sites = pd.DataFrame(
            {
                "value": ["POS 11 office", "POS 13 assisted living facility"],
                "key": ["POS 11", "POS 13"],
                "units": [2400, 1],
                "denial_rate": [0.1, 1.0],
                "denied_amount": [1000, 50],
            }
        )
        ui.rate_bars(sites, "value", "units", key="chart_sites", x_key="key")

    at = AppTest.from_function(page).run(timeout=60)
    assert not at.exception
    [fig] = figures(at)
    assert values(fig["data"][0]["x"]) == ["POS 11 office"]
    assert "fewer than 20 lines" in at.caption[0].value and "POS 13 assisted living facility" in at.caption[0].value


def test_the_code_by_site_heatmap_leaves_out_codes_with_no_denied_dollars(corpus_db, monkeypatch, tmp_path):
    at = app_runner(corpus_db, monkeypatch, tmp_path)("app_pages/site_of_care.py")
    [heat] = [f for f in figures(at) if f["data"][0]["type"] == "heatmap"]
    params = at.session_state["filters"].params()  # the page's own filters (all dates, by service date)
    con = duckdb.connect(str(corpus_db), read_only=True)
    try:
        denied = con.execute(
            "SELECT procedure_code, coalesce(sum(denied_amount) FILTER (WHERE denial_class = 'denial'), 0) "
            "FROM filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, "
            "$sites) WHERE unit_kind = 'line' AND claim_kind = 'adjudicated' GROUP BY ALL",
            params,
        ).fetchall()
    finally:
        con.close()
    most = sorted((-amount, code) for code, amount in denied if amount > 0)[:15]
    assert len(denied) > 15 > len(most)  # the corpus has codes with no denied dollars, and fewer than 15 with some
    assert set(values(heat["data"][0]["y"])) == {code for _, code in most}


def test_without_site_of_care_denials_the_site_of_care_page_says_so(corpus_db, monkeypatch, tmp_path):
    """The corpus has no denial in the site-of-care category: a sentence, not an empty grid."""
    at = app_runner(corpus_db, monkeypatch, tmp_path)("app_pages/site_of_care.py")
    assert any(i.value.startswith("No site-of-care denial matches these filters") for i in at.info)
    assert all(len(d.value) for d in at.dataframe)


def test_the_payer_trend_shows_that_payer_s_initial_denial_rate_per_month(app, history_db):
    """The Payers page's trend of the payer chosen (its row of the heatmap, not counted again): each month's
    initial claims denied ÷ initial claims of that payer, as initial_claims counts them under that payer alone."""
    at = app("app_pages/payers.py")
    payer = next(box for box in at.selectbox if box.label == "Payer").value
    counted = """select basis_month, count(*) filter (where denied) / count(*) from initial_claims(
        'service', null, null, [$payer], [], [], [], []) where basis_month is not null group by 1"""
    con = duckdb.connect(str(history_db), read_only=True)
    expected = {month.isoformat(): round(rate, 6) for month, rate in con.execute(counted, {"payer": payer}).fetchall()}
    con.close()
    [trend] = [f for f in figures(at) if f["data"][0].get("name") == "initial denial rate (claims)"]
    shown = {}
    for trace in trend["data"]:
        for x, y in zip(values(trace["x"]), values(trace["y"]), strict=True):
            if y is not None and y == y:  # the line breaks at a month without claims
                shown[x[:10]] = round(y, 6)
    assert shown == expected and len(shown) > 3
