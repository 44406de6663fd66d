"""One definition of a denial: the same figure under the same filters is the same on the Overview, the
Payers and Reasons pages, the Monthly review, its HTML and Excel exports and the Worklist, on the demo history and
on the public corpus. Read from what each page shows (AppTest) and from the export files."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from analytics import data, database, loader, review
from analytics.database import sql
from analytics.filters import scope_text
from conftest import CORPUS_835, app_runner, needs_shared, small_history
from test_app import values

pytestmark = needs_shared


@pytest.fixture(scope="module", params=["demo", "corpus"])
def history(request, tmp_path_factory):
    """(database, its busiest complete payment month, its busiest payer and category in that month)."""
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "demo":
        db = small_history(folder)
    else:
        db = folder / "corpus.duckdb"
        con = database.connect(db)
        loader.load_paths(con, [CORPUS_835])
        con.close()
    con = duckdb.connect(str(db), read_only=True)
    month, payer, category = con.execute("""
        SELECT denial_month, arg_max(payer_name, denied_amount), arg_max(category, denied_amount)
        FROM recoveries WHERE denial_class = 'denial' AND NOT readjudication AND month_complete(denial_month)
        GROUP BY denial_month ORDER BY sum(denied_amount) DESC LIMIT 1""").fetchall()[0]
    con.close()
    return db, month, payer, category


def money(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", ""))


def shown(at, label: str) -> str:
    [metric] = [m for m in at.metric if m.label == label]
    return metric.value


def excel_summary(workbook: bytes) -> dict:
    """The Summary sheet's measure -> value, read from the workbook's XML."""
    book = zipfile.ZipFile(io.BytesIO(workbook))
    strings = [
        re.sub(r"<[^>]+>", "", s)
        for s in re.findall(r"<si>(.*?)</si>", book.read("xl/sharedStrings.xml").decode(), re.S)
    ]
    cells = {}
    for ref, kind, value in re.findall(
        r'<c r="([A-Z]+\d+)"[^>]*?(?: t="(\w+)")?[^>]*><v>([^<]*)</v></c>',
        book.read("xl/worksheets/sheet1.xml").decode(),
    ):
        cells[ref] = strings[int(value)] if kind == "s" else value
    return {cells[f"A{row}"]: cells.get(f"B{row}") for row in range(4, 40) if f"A{row}" in cells}


@pytest.mark.parametrize("narrowed", [False, True], ids=["all", "one payer and category"])
def test_denied_dollars_are_the_same_on_every_page_and_export(history, narrowed, monkeypatch, tmp_path):
    db, month, payer, category = history
    run = app_runner(db, monkeypatch, tmp_path)
    last = date(month.year + month.month // 12, month.month % 12 + 1, 1).toordinal() - 1
    query = {"dates": "payment", "from": str(month), "to": str(date.fromordinal(last))}
    if narrowed:
        query |= {"payer": payer, "category": category}

    overview = run(**query)
    overview.radio(key="payer_order").set_value("All").run(timeout=120)
    denied = money(shown(overview, "Denied $"))
    assert denied > 0

    payers = run("app_pages/payers.py", **query)
    assert round(Decimal(str(payers.dataframe[0].value["denied_amount"].sum()))) == denied

    reasons = run("app_pages/reasons.py", **query)
    assert round(Decimal(str(reasons.dataframe[0].value["denied_amount"].sum()))) == denied
    [stacked] = [json.loads(c.proto.spec) for c in reasons.get("plotly_chart") if '"barmode":"stack"' in c.proto.spec]
    assert round(sum(Decimal(str(y)) for trace in stacked["data"] for y in values(trace["y"]))) == denied

    reviewed = run("app_pages/monthly_review.py", **query)
    reviewed.selectbox[0].set_value(month).run(timeout=120)
    assert money(shown(reviewed, "Denied $")) == denied

    # the exports are made from the same parts as the page
    filters = data.Filters("payment", None, None, *(((payer,), (category,)) if narrowed else ((), ())))
    parts = review.frames(lambda name, **extra: data.dashboard(name, filters, db, **extra), month)
    page = review.html_report(month, parts, scope_text(filters), demo=False)
    assert re.search(r"Denied \$</div><div class='value'>\$" + f"{denied:,}", page)
    summary = excel_summary(review.excel_workbook(month, parts, scope_text(filters)))
    assert round(Decimal(summary["Denied $"])) == denied


def whole_period(measures) -> dict:
    """The Overview's tiles per payer order: claim_measures' rows of the whole period (month NULL)."""
    return {row["payer_order"]: row for row in measures[measures["month"].isna()].to_dict("records")}


def test_the_payers_lines_add_up_to_the_overview_s_under_every_filter(history):
    """The Payers page's line rate counts the lines initial_claims counts, as the Overview's tiles do: summed over
    the payers, its lines and denied lines are the Overview's, whatever the filter."""
    from analytics import ui

    db, *_ = history
    con = duckdb.connect(str(db), read_only=True)
    top = "SELECT {0} FROM {1} WHERE {0} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    modifiers = "(SELECT unnest(modifiers) AS modifier FROM fact_units)"
    [(modifier,)] = con.execute(top.format("modifier", modifiers)).fetchall()
    [(code,)] = con.execute(top.format("procedure_code", "fact_units")).fetchall()
    [(category,)] = con.execute(top.format("category", "denials")).fetchall()
    con.close()
    chosen = [{}, {"modifiers": (modifier,)}, {"codes": (code,)}, {"categories": (category,)}]
    for lists in chosen:
        filters = data.Filters(**lists)
        payers, _ = ui.scorecard_and_heatmap(data.dashboard("payer_measures", filters, db))
        tiles = whole_period(data.dashboard("claim_measures", filters, db))["all"]
        assert (payers["units"].sum(), payers["line_denial_rate"].notna().any()) == (tiles["units"], True), lists
        denied_lines = (payers["line_denial_rate"].fillna(0) * payers["units"]).sum()
        assert round(denied_lines) == tiles["denied_units"], lists


def test_the_trend_s_months_add_up_to_the_tiles_of_each_payer_order(history):
    """The Overview's tiles and its trend are one query's rows (claim_measures): per payer order, the months'
    claims, denied claims, charges and denied dollars add up to the whole period's, less the claims with no date
    in the basis, which count in the whole period alone."""
    db, *_ = history
    con = duckdb.connect(str(db), read_only=True)
    [(category,)] = con.execute("SELECT category FROM denials GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchall()
    figures = ["claims", "denied_claims", "charges", "denied_amount"]
    undated = """SELECT payer_order, count(*), count(*) FILTER (WHERE denied), sum(charges), sum(denied_amount)
        FROM initial_claims($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
        WHERE basis_month IS NULL GROUP BY 1"""
    for filters in (data.Filters(), data.Filters(date_basis="payment"), data.Filters(categories=(category,))):
        measures = data.dashboard("claim_measures", filters, db)
        tiles = whole_period(measures)
        assert sorted(tiles) == ["all", "primary", "secondary", "tertiary"]
        without_date = {
            order: [float(v) for v in rest] for order, *rest in con.execute(undated, filters.params()).fetchall()
        }
        without_date["all"] = [sum(column) for column in zip(*without_date.values(), strict=True)] or [0] * 4
        for order, whole in tiles.items():
            months = measures[(measures["payer_order"] == order) & measures["month"].notna()]
            assert months["month"].is_monotonic_increasing and months["month"].is_unique
            summed = [round(float(months[f].sum()), 2) for f in figures]
            less = without_date.get(order, [0] * 4)
            expected = [round(float(whole[f]) - gone, 2) for f, gone in zip(figures, less, strict=True)]
            assert summed == expected, (filters, order)
        assert tiles["all"]["claims"] > 0
    con.close()


def test_the_heatmap_s_months_add_up_to_each_payer_s_scorecard_row(history):
    """The Payers page's scorecard and heatmap are one query's rows (payer_measures): per payer, the months'
    claims and denied claims add up to the scorecard's, less the claims with no date in the basis, which count in
    the scorecard alone; under two modifiers too (their claims summed at load)."""
    from analytics import ui

    db, *_ = history
    con = duckdb.connect(str(db), read_only=True)
    top = "SELECT unnest(modifiers) FROM fact_units GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2"
    two = tuple(modifier for (modifier,) in con.execute(top).fetchall())
    undated = """SELECT payer_name, count(*), count(*) FILTER (WHERE denied)
        FROM initial_claims($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
        WHERE basis_month IS NULL GROUP BY 1"""
    for filters in (data.Filters(), data.Filters(date_basis="payment"), data.Filters(modifiers=two)):
        scorecard, heatmap = ui.scorecard_and_heatmap(data.dashboard("payer_measures", filters, db))
        without_date = {payer: rest for payer, *rest in con.execute(undated, filters.params()).fetchall()}
        assert set(heatmap["payer_name"]) <= set(scorecard["payer_name"]) and scorecard["claims"].sum() > 0
        for payer in scorecard.to_dict("records"):
            months = heatmap[heatmap["payer_name"] == payer["payer_name"]]
            assert months["month"].is_monotonic_increasing and months["month"].is_unique
            claims, denied = without_date.get(payer["payer_name"], (0, 0))
            # a payer with no initial claim under the filters (only reversals in the range) has no rate
            denied_claims = round(payer["claims"] * payer["denial_rate"]) if payer["claims"] else 0
            summed = (int(months["claims"].sum()), round((months["claims"] * months["denial_rate"]).sum()))
            assert summed == (payer["claims"] - claims, denied_claims - denied), (filters, payer["payer_name"])
    con.close()


def test_worklist_holds_the_open_inventory_of_the_recovery_figures(history, monkeypatch, tmp_path):
    db, *_ = history
    run = app_runner(db, monkeypatch, tmp_path)
    worklist = run("app_pages/worklist.py")
    con = duckdb.connect(str(db), read_only=True)
    # the open denials the recovery tiles count: pursued (not billed to the patient, not duplicates)
    count, amount = con.execute("""SELECT count(*), sum(open_amount) FROM (SELECT denied_amount AS open_amount
        FROM filtered_recoveries(data_date(), 'service', NULL, NULL, [], [], [], [], [])
        WHERE pursued AND status = 'open')""").fetchall()[0]
    kpis = data.dashboard("recovery_kpis", data.Filters(), db).iloc[0]
    con.close()
    assert kpis["open_denials"] == count
    if not count:  # the corpus's payments are years old: every deadline has passed
        assert any(i.value.startswith("No open denial under these filters") for i in worklist.info)
        return
    assert shown(worklist, "Open denials") == f"{count:,}"
    assert money(shown(worklist, "Open denied $")) == round(amount)


def test_the_worklist_page_shows_the_first_rows_of_its_csv(history):
    db, *_ = history
    page = data.dashboard("recovery/worklist_page", data.Filters(), db)
    whole = data.dashboard("recovery/worklist", data.Filters(), db)
    assert len(page) == min(len(whole), 1000)
    assert page.equals(whole.head(len(page)))


def test_no_page_shows_a_recovery_rate_above_one(history, monkeypatch, tmp_path):
    db, month, *_ = history
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM recoveries WHERE recovered_amount > denied_amount").fetchall() == [(0,)]
    con.close()
    run = app_runner(db, monkeypatch, tmp_path)
    rates = [shown(run(), "Recovery rate")]
    reviewed = run("app_pages/monthly_review.py")
    reviewed.selectbox[0].set_value(month).run(timeout=120)
    rates.append(shown(reviewed, "Recovery rate, 12 months"))
    assert all(r == "–" or float(r.rstrip("%")) <= 100 for r in rates), rates


def test_under_a_category_filter_the_duplicate_and_expected_denials_are_of_that_category(history):
    """The Overview's duplicate-claim and expected-denial tiles (claim_measures, claim level) count what the line-level
    pages count under the same category filter, not every category's; a CLP02 4 claim without a denial reason
    has no category."""
    db, *_ = history
    con = duckdb.connect(str(db), read_only=True)
    [(expected_category,)] = con.execute(
        "SELECT coalesce(any_value(category), 'none') FROM fact_units WHERE denial_class = 'expected'"
    ).fetchall()
    lines = """SELECT
        count(DISTINCT claim_key) FILTER (WHERE denial_class = 'duplicate'),
        coalesce(sum(denied_amount) FILTER (WHERE denial_class = 'duplicate'), 0),
        count(*) FILTER (WHERE denial_class = 'expected' AND adjudicated_unit),
        coalesce(sum(denied_amount) FILTER (WHERE denial_class = 'expected'), 0)
        FROM filtered_units('service', NULL, NULL, [], $categories, [], [], []) WHERE claim_kind = 'adjudicated'"""
    counts = {}
    for categories in ((), ("duplicate",), ("authorization",), (expected_category,)):
        [line_level] = con.execute(lines, {"categories": list(categories)}).fetchall()
        tiles = whole_period(data.dashboard("claim_measures", data.Filters(categories=categories), db))["all"]
        claim_level = (
            int(tiles["duplicate_denied_claims"]),
            Decimal(str(tiles["duplicate_denied_amount"])),
            int(tiles["expected_denied_lines"]),
            Decimal(str(tiles["expected_denied_amount"])),
        )
        assert claim_level == line_level, categories
        assert categories == () or tiles["status_4_without_reason_claims"] == 0
        counts[categories] = line_level
    con.close()
    assert counts[()][0] > 0 and counts[("duplicate",)][:2] == counts[()][:2]
    assert counts[("authorization",)][:2] == (0, 0)
    if expected_category != "none":  # the demo's GA/GY/GZ lines; the corpus has none
        assert counts[(expected_category,)][2:] == counts[()][2:] and counts[()][2] > 0


def test_every_unit_of_a_claim_carries_the_claim_s_site(history):
    """initial_claims keeps or leaves out whole claims under the site filter (claim_facts.site): right only while
    a unit's site is its claim's (CLP08 with the claim's type), as adjudication_units.sql makes it."""
    db, *_ = history
    con = duckdb.connect(str(db), read_only=True)
    [(claims, sited, mixed)] = con.execute("""SELECT count(*), count(*) FILTER (WHERE sites = 1 AND unsited = 0),
        count(*) FILTER (WHERE sites > 1 OR (sites = 1 AND unsited > 0))
        FROM (SELECT claim_key, count(DISTINCT site) AS sites, count(*) FILTER (WHERE site IS NULL) AS unsited
              FROM fact_units GROUP BY claim_key)""").fetchall()
    con.close()
    assert mixed == 0 and 0 < sited <= claims


# The claims under the filters as every unit of every claim rolls up to them, in one pass: what initial_claims
# gave before it read the claim facts built at load with only the figures a filter changes counted again
# (queries/marts/claim_rollup.sql). $categories narrow the denials that count; the other lists the units, and
# a claim is denied by a counted denial on a unit they match.
ROLLED_UP = """
WITH units AS (
    SELECT *,
        (len($codes) = 0 OR list_contains($codes, procedure_code))
            AND (len($modifiers) = 0 OR list_has_any($modifiers, modifiers)
                 OR coalesce(list_contains($modifiers, missing_modifier), false))
            AND (len($sites) = 0 OR list_contains($sites, site)) AS matches,
        len($categories) = 0 OR list_contains($categories, category) AS chosen,
        denial_class = 'denial' AND chosen AS counted
    FROM fact_units WHERE claim_kind = 'adjudicated' AND NOT readjudication
        AND (len($payers) = 0 OR list_contains($payers, payer_name))
)
SELECT
    claim_key, any_value(payer_name) AS payer_name, any_value(claim_id) AS claim_id,
    any_value(payment_month) AS month,
    any_value(claim_paid_amount) AS paid_amount,
    coalesce(sum(charge_amount) FILTER (WHERE unit_kind <> 'claim_adjustment'), 0) AS charges,
    coalesce(bool_or(counted AND matches), false) AS denied,
    coalesce(bool_or(counted AND matches), false) AND any_value(claim_paid_amount) = 0 AND (
        coalesce(bool_or(counted AND unit_kind <> 'line' AND denial_type = 'full'), false)
        OR coalesce(bool_and(denial_type IS NOT NULL) FILTER (WHERE unit_kind = 'line' AND charge_amount > 0), false)
    ) AS fully_denied,
    count(*) FILTER (WHERE matches AND unit_kind <> 'claim_adjustment') AS lines,
    count(*) FILTER (WHERE matches AND unit_kind <> 'claim_adjustment' AND counted) AS denied_lines,
    coalesce(sum(denied_amount) FILTER (WHERE matches AND counted), 0) AS denied_amount,
    coalesce(sum(denied_amount) FILTER (WHERE matches AND counted AND preventable), 0) AS avoidable_amount,
    coalesce(bool_or(matches AND chosen AND denial_class = 'duplicate'), false) AS duplicate_denied,
    coalesce(sum(denied_amount) FILTER (WHERE matches AND chosen AND denial_class = 'duplicate'), 0)
        AS duplicate_denied_amount,
    count(*) FILTER (WHERE matches AND chosen AND unit_kind <> 'claim_adjustment' AND denial_class = 'expected')
        AS expected_denied_lines,
    coalesce(sum(denied_amount) FILTER (WHERE matches AND chosen AND denial_class = 'expected'), 0)
        AS expected_denied_amount,
    coalesce(bool_or(status_4_without_reason), false) AND len($categories) = 0 AS status_4_without_reason
FROM units
GROUP BY claim_key
HAVING bool_or(matches)
"""


NO_UNIT_FILTER = {"payers": [], "categories": [], "codes": [], "modifiers": [], "sites": []}


def unit_filter_choices(con) -> list[dict]:
    """The code, modifier, site and category filters the unit-level tests run under, from the history's most
    frequent values: categories alone, of the denials counted apart, with a code, a site or a modifier."""

    def most(query: str) -> list:
        return [value for (value,) in con.execute(f"{query} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3").fetchall()]

    categories = most("SELECT category FROM denials WHERE denial_class = 'denial'")
    codes = most("SELECT procedure_code FROM fact_units WHERE procedure_code IS NOT NULL")
    modifiers = [*most("SELECT unnest(modifiers) FROM fact_units"), "JW/JZ"]
    # two modifiers billed together on one line, which must count once when both are chosen
    pairs = "SELECT list_sort(list_distinct(modifiers))[1:2] FROM fact_units WHERE len(list_distinct(modifiers)) > 1"
    together = most(pairs)
    sites = most("SELECT site FROM fact_units WHERE site IS NOT NULL")
    # the categories of the denials counted apart: 'duplicate', and an expected denial's reason
    apart = most("SELECT category FROM fact_units WHERE denial_class IN ('duplicate', 'expected')")
    assert len(categories) == len(codes) == len(sites) == 3 and len(modifiers) > 1 and apart
    return [
        *({"categories": [c]} for c in categories),
        {"categories": categories},
        {"categories": apart},
        {"categories": [*apart[:1], *categories[:1]], "codes": codes[:1]},
        *({"codes": [c]} for c in codes),
        *({"modifiers": [m]} for m in modifiers),
        {"modifiers": modifiers[:2]},
        {"modifiers": [modifiers[0], "JW/JZ"]},
        *({"modifiers": pair} for pair in together[:1]),
        *({"sites": [s]} for s in sites),
        {"categories": categories[:1], "codes": codes[:2]},
        {"categories": categories[1:2], "sites": sites[:1]},
        {"codes": codes[:1], "modifiers": modifiers[:1], "sites": sites[:2]},
        {"categories": categories[:2], "modifiers": modifiers[-1:]},
        {},
    ]


def test_under_every_unit_filter_the_claims_are_what_their_units_roll_up_to(history):
    """initial_claims under a category, code, modifier or site filter reads the claim facts built at load and
    counts again only the figures the filter changes, from the units it concerns (rolling every unit up again
    took over a second at 10M lines): each claim and figure must be what the units roll up to, with a payer
    chosen too (claim_lines and claim_denials leave out the other payers' units)."""
    db, _, payer, _ = history
    con = duckdb.connect(str(db), read_only=True)
    chosen = unit_filter_choices(con)
    steps = ("matches", "chosen", "counted")
    named = ["claim_key", *(c for c in re.findall(r" AS (\w+)", ROLLED_UP) if c not in steps)]
    columns = ", ".join(named)
    filtered = "SELECT * FROM initial_claims('service', NULL, NULL, $payers, $categories, $codes, $modifiers, $sites)"
    # the filters under which some claim has a denial, a duplicate or an expected one: most of them, on the
    # demo and on the corpus
    denied = 0
    flags = [named.index(c) for c in ("denied", "duplicate_denied", "expected_denied_lines")]
    one_payer = [
        {**c, "payers": [payer]} for c in chosen if c.get("codes") or c.get("modifiers") or c.get("categories")
    ]
    for lists in [*chosen, *one_payer]:
        params = {**NO_UNIT_FILTER, **lists}
        expected = con.execute(f"SELECT {columns} FROM ({ROLLED_UP}) ORDER BY claim_key", params).fetchall()
        got = con.execute(f"SELECT {columns} FROM ({filtered}) ORDER BY claim_key", params).fetchall()
        assert got == expected, lists
        denied += any(row[i] for row in expected for i in flags)
    con.close()
    assert denied > len(chosen) // 2 and one_payer


def test_the_overview_under_a_code_or_modifier_counts_the_claims_what_changed_counts_in_that_slice(history):
    """What changed judges a slice of lines (a code, a modifier) by the claims with a line in it, denied when such
    a line is denied (queries/findings/slice_counts.sql). The claims the Overview and the Payers page read under
    that code or modifier (initial_claims) must be as many, as many denied and with the same denied dollars each
    payment month: a claim denied on its other lines only is not denied under the filter (it was, with $0 denied,
    until the claims under a filter were judged by the lines it keeps)."""
    db, *_ = history
    con = duckdb.connect(str(db), read_only=True)
    months = [month for (month,) in con.execute("SELECT DISTINCT month FROM claim_facts ORDER BY 1").fetchall()]
    counted = con.execute(
        "SELECT dimension, coalesce(procedure_code, modifier), month, claims, denied_claims, denied_amount"
        f" FROM ({sql('findings/slice_counts')}) WHERE dimension IN ('code', 'modifier')",
        {"months": months},
    ).fetchall()
    totals: dict = {}
    for dimension, value, _, claims, *_ in counted:
        totals[dimension, value] = totals.get((dimension, value), 0) + claims
    busiest = sorted(totals, key=lambda key: (-totals[key], key))
    chosen = [key for key in busiest if key[0] == "code"][:4] + [key for key in busiest if key[0] == "modifier"][:4]
    claims = """SELECT month, count(*), count(*) FILTER (WHERE denied), sum(denied_amount),
            count(*) FILTER (WHERE claim_key IN (SELECT claim_key FROM claim_facts WHERE denied))
        FROM initial_claims('payment', NULL, NULL, [], [], $codes, $modifiers, [])
        GROUP BY month ORDER BY month"""
    denied_elsewhere = 0
    for dimension, value in chosen:
        lists = {"codes": [], "modifiers": [], f"{dimension}s": [value]}
        overview = con.execute(claims, lists).fetchall()
        expected = sorted((m, c, d, a) for k, v, m, c, d, a in counted if (k, v) == (dimension, value))
        assert [row[:4] for row in overview] == expected, (dimension, value)
        denied_elsewhere += sum(whole - denied for _, _, denied, _, whole in overview)
    con.close()
    # the rule is exercised: some claims of these slices were denied on lines outside them
    assert len(chosen) == 8 and denied_elsewhere > 0


def test_the_denials_read_apart_are_the_filtered_units_denials_under_every_filter(history):
    """The queries that count only denials read filtered_denials, which narrows the scan to the chosen
    categories' denials: it must give filtered_units' denied units (the CASEs of another category's denial
    applied), row for row, under every filter, a payer and dates among them."""
    db, month, payer, _ = history
    con = duckdb.connect(str(db), read_only=True)
    # the payer's payments from the busiest month on, and every date of service of every payer
    dated = {"date_basis": "payment", "date_from": month, "payers": [payer]}
    everywhere = {"date_basis": "service", "date_from": None, "payers": []}
    choices = unit_filter_choices(con)
    args = "$date_basis, $date_from, NULL, $payers, $categories, $codes, $modifiers, $sites"
    kept = 0
    for lists in [*({**everywhere, **c} for c in choices), *({**dated, **c} for c in choices[:4])]:
        params = {**NO_UNIT_FILTER, **lists}
        expected = con.execute(
            f"SELECT * FROM filtered_units({args}) WHERE denial_type IS NOT NULL ORDER BY ALL", params
        ).fetchall()
        got = con.execute(f"SELECT * FROM filtered_denials({args}) ORDER BY ALL", params).fetchall()
        assert got == expected, lists
        kept += bool(expected)
    con.close()
    assert kept > len(choices) // 2


def test_the_recovery_figures_under_every_filter_judge_the_denials_the_filters_keep(history):
    """filtered_recoveries narrows the ledger before it works out each denial's status (narrowed_recoveries): it
    must give the rows of recovery_status judged over every denial, kept where filtered_adjudications keeps the
    denied unit (denials on readjudication too), under every filter, a payer and dates among them, as of the data
    date and of a month's end."""
    db, month, payer, _ = history
    con = duckdb.connect(str(db), read_only=True)
    dated = {"date_basis": "payment", "date_from": month, "payers": [payer]}
    everywhere = {"date_basis": "service", "date_from": None, "payers": []}
    # dates of service from a line's own date, after its claim's first: the claim's date decides (none on the demo)
    [(inside,)] = con.execute(
        "SELECT max(service_date) FROM denial_units WHERE period_from < service_date AND claim_kind = 'adjudicated'"
    ).fetchall()
    served = {"date_basis": "service", "date_from": inside or month, "payers": []}
    choices = unit_filter_choices(con)
    args = "$date_basis, $date_from, NULL, $payers, $categories, $codes, $modifiers, $sites"
    chosen = [{**everywhere, **c} for c in choices] + [{**d, **c} for d in (dated, served) for c in ({}, *choices[:4])]
    kept = 0
    for as_of in ("data_date()", "last_day($month::date)"):
        for lists in chosen:
            params = {**NO_UNIT_FILTER, **lists} | ({"month": month} if "$month" in as_of else {})
            expected = con.execute(
                f"""SELECT * FROM recovery_status({as_of}) WHERE denial_id IN
                    (SELECT unit_id FROM filtered_adjudications({args}) WHERE denial_type IS NOT NULL) ORDER BY ALL""",
                params,
            ).fetchall()
            got = con.execute(
                f"""SELECT * EXCLUDE (basis_date, initial_denial, pursued)
                    FROM filtered_recoveries({as_of}, {args}) ORDER BY ALL""",
                params,
            ).fetchall()
            assert got == expected, (as_of, lists)
            kept += bool(expected)
    con.close()
    assert kept > len(choices)


def test_the_review_s_open_inventory_by_age_and_its_expiring_list_are_the_summary_s(history):
    """The Monthly review's ageing chart and its list of denials about to expire count the open inventory of its
    tiles (Open $, Expiring within 30 days $), as of the busiest month's end and of each of the last three months',
    with and without a filter."""
    db, month, payer, _ = history
    con = duckdb.connect(str(db), read_only=True)
    latest = "SELECT DISTINCT denial_month FROM recoveries ORDER BY denial_month DESC LIMIT 3"
    months = [month, *(m for (m,) in con.execute(latest).fetchall())]
    opened = 0
    for when in months:
        for filters in (data.Filters(), data.Filters(payers=(payer,))):
            params = {**filters.params(), "month": when}
            [summary] = data.records("recovery/review_summary", params, db)
            ageing = data.records("recovery/review_ageing", params, db)
            expiring = data.records("recovery/review_expiring", params, db)
            assert sum(row["denials"] for row in ageing) == summary["open_denials"], (when, filters)
            assert sum(row["denied_amount"] for row in ageing) == summary["open_amount"], (when, filters)
            assert len(expiring) == min(summary["expiring_denials"], 500), (when, filters)
            if summary["expiring_denials"] <= 500:
                assert sum(row["denied_amount"] for row in expiring) == summary["expiring_amount"], (when, filters)
            assert all(0 <= row["days_left"] <= 30 for row in expiring)
            opened += bool(summary["open_denials"])
    con.close()
    assert opened > 0


def test_the_denied_units_read_apart_are_every_denied_unit_of_fact_units(history):
    """denial_units, which the queries that count only denials read, is a copy of fact_units' denied units made
    after each load: every one of them, column for column (the readjudication flags set after the load too), and
    nothing else."""
    db, *_ = history
    con = duckdb.connect(str(db), read_only=True)
    denied = "SELECT * FROM fact_units WHERE denial_type IS NOT NULL"
    [(copied, missing, extra)] = con.execute(f"""SELECT
        (SELECT count(*) FROM denial_units),
        (SELECT count(*) FROM ({denied} EXCEPT ALL SELECT * FROM denial_units)),
        (SELECT count(*) FROM (SELECT * FROM denial_units EXCEPT ALL {denied}))""").fetchall()
    con.close()
    assert (missing, extra) == (0, 0) and copied > 0


def test_the_queries_that_count_only_denials_read_the_denied_units_alone(history):
    """filtered_denials reads denial_units (at 10M lines 0.85M of 9.2M units: the top reasons under JW and JZ in
    46 ms against 178), filtered_units every unit of fact_units, whatever the filters."""
    db, *_ = history
    con = duckdb.connect(str(db), read_only=True)
    args = "'service', NULL, NULL, [], $categories, [], $modifiers, []"

    def reads(macro: str, **lists) -> set:
        params = {"categories": [], "modifiers": [], **lists}
        plan = "\n".join(row[1] for row in con.execute(f"EXPLAIN SELECT * FROM {macro}({args})", params).fetchall())
        return {t for t in ("fact_units", "denial_units") if t in plan}

    for lists in ({}, {"modifiers": ["JW", "JZ"]}, {"categories": ["authorization"]}):
        assert reads("filtered_denials", **lists) == {"denial_units"}, lists
        assert reads("filtered_units", **lists) == {"fact_units"}, lists
    con.close()


def test_the_sums_made_at_load_are_what_the_claims_macros_count_under_each_category_and_modifier(history):
    """claim_category_facts and claim_modifier_facts hold, per claim, what claim_denials and claim_lines count
    under that one category or modifier (flags included, which no page shows apart): row for row, for every
    category and every modifier the history has."""
    db, *_ = history
    con = duckdb.connect(str(db), read_only=True)
    denials = "claim_key, denied, claim_fully_denied, denied_lines, denied_amount, avoidable_amount, duplicate_denied"
    denials += ", duplicate_denied_amount, expected_denied_lines, expected_denied_amount"
    categories = [c for (c,) in con.execute("SELECT DISTINCT category FROM claim_category_facts ORDER BY 1").fetchall()]
    assert len(categories) > 3
    for category in categories:
        summed = f"SELECT {denials} FROM claim_category_facts WHERE category = $c ORDER BY claim_key"
        counted = f"SELECT {denials} FROM claim_denials([], [$c], [], [], []) ORDER BY claim_key"
        assert con.execute(summed, {"c": category}).fetchall() == con.execute(counted, {"c": category}).fetchall()
    modifiers = [m for (m,) in con.execute("SELECT DISTINCT modifier FROM claim_modifier_facts ORDER BY 1").fetchall()]
    assert len(modifiers) > 3
    figures = "denied_lines, denied_amount, avoidable_amount, duplicate_denied_amount, expected_denied_lines"
    figures += ", expected_denied_amount"
    # a claim without a denial of the modifier's lines has no row of claim_denials: not denied, nothing counted
    flags = "denied, duplicate_denied"
    read = [f"coalesce({f}, false)" for f in flags.split(", ")] + [f"coalesce({f}, 0)" for f in figures.split(", ")]
    for modifier in modifiers:
        summed = f"SELECT claim_key, lines, {flags}, {figures} FROM claim_modifier_facts WHERE modifier = $m ORDER BY 1"
        counted = f"""SELECT claim_key, lines, {", ".join(read)}
            FROM claim_lines([], [], [$m], [])
            LEFT JOIN claim_denials([], [], [], [$m], []) USING (claim_key) ORDER BY 1"""
        assert con.execute(summed, {"m": modifier}).fetchall() == con.execute(counted, {"m": modifier}).fetchall()
    con.close()


def test_under_modifiers_or_categories_alone_the_claims_are_read_from_the_sums_made_at_load(history):
    """Under one modifier and no code or category (the usual choice), initial_claims reads claim_modifier_facts,
    summed at load, and not the units (at 10M lines under modifier 25, 0.21 s against 0.75 s); under several,
    claim_modifier_list_facts (under JW and JZ, 0.5 s against 1.1 s); under categories and no code or
    modifier, claim_category_facts. Under a code with either, it counts from the units. The roll-up test above
    checks that both ways give the same claims."""
    db, *_ = history
    con = duckdb.connect(str(db), read_only=True)
    query = "EXPLAIN SELECT * FROM initial_claims('service', NULL, NULL, [], $categories, $codes, $modifiers, $sites)"

    def reads(**lists) -> set:
        params = {"categories": [], "codes": [], "modifiers": [], "sites": [], **lists}
        plan = "\n".join(row[1] for row in con.execute(query, params).fetchall())
        tables = (
            "claim_modifier_facts",
            "claim_modifier_list_facts",
            "claim_category_facts",
            "fact_units",
            "denial_units",
        )
        return {t for t in tables if t in plan}

    # categories and a site the history has (DuckDB leaves out the scan of a value outside a column's range)
    top = "SELECT {0} FROM {1} WHERE {0} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2"
    categories = [category for (category,) in con.execute(top.format("category", "claim_category_facts")).fetchall()]
    sites = [site for (site,) in con.execute(top.format("site", "claim_facts")).fetchall()][:1]
    assert len(categories) == 2 and sites
    assert reads(modifiers=["25"]) == reads(modifiers=["JW/JZ"]) == {"claim_modifier_facts"}
    assert reads(modifiers=["25", "59"]) == reads(modifiers=["JW", "JZ"]) == {"claim_modifier_list_facts"}
    # under a code, the claims with a unit it matches (fact_units), their denials apart (denial_units)
    assert reads(modifiers=["25"], codes=["J1322"]) == {"fact_units", "denial_units"}
    assert reads(categories=categories[:1]) == {"claim_category_facts"}
    assert reads(categories=categories, sites=sites) == {"claim_category_facts"}
    assert reads(categories=categories[:1], codes=["J1322"]) == {"fact_units", "denial_units"}
    assert reads(modifiers=["25"], categories=categories[:1]) == {"fact_units", "denial_units"}
    assert reads() == set()
    con.close()
