"""A real browser (Debian's headless Chromium, driven by Playwright) against `streamlit run app.py`:
every page renders without a Streamlit exception, a sidebar filter changes a number, a table downloads
as its CSV, an upload on the Data page is loaded and listed. Screenshots go to tests/screenshots/ (git-ignored)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from analytics import pages
from chromium import ARGS, CHROMIUM
from conftest import CORPUS_835, needs_shared, small_history, streamlit_server as running

pytestmark = needs_shared

ROOT = Path(__file__).resolve().parent.parent
SHOTS = Path(__file__).resolve().parent / "screenshots"
# The first page visited is not the start page: a shared link opened on a freshly started server must work.
PAGES = {
    page.script.rsplit("/", 1)[-1].removesuffix(".py"): page.url_path
    for page in sorted(pages.PAGES, key=lambda page: page.title != "Monthly review")
}

if not Path(CHROMIUM).exists():
    # CI installs Debian's chromium (.ci/run); elsewhere the check is skipped with this reason
    if os.environ.get("CI"):
        raise RuntimeError("chromium is missing: .ci/run should have installed it")
    pytest.skip("no chromium on this machine (apt-get install chromium)", allow_module_level=True)
playwright = (
    pytest.importorskip("playwright.sync_api")
    if not os.environ.get("CI")
    else __import__("playwright.sync_api", fromlist=["sync_playwright"])
)


@contextlib.contextmanager
def streamlit_server(db: Path, folder: Path):
    """`streamlit run app.py` on a free port, reading db; yields its URL once it answers."""
    with running(db, folder) as (url, _):
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    db = small_history(folder)
    with streamlit_server(db, folder) as url:
        yield url, db


@pytest.fixture(scope="module")
def page(server):
    SHOTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1100})
        yield tab
        browser.close()


def settle(tab) -> None:
    """Wait until Streamlit is connected and has finished running the script. The app's own state attributes
    say so (what Streamlit's end-to-end tests wait on): the status widget shows only some way into a run, so
    a check for its absence alone passes before a page's first run has begun, and widgets are disabled
    until the connection is up (an upload set then is dropped)."""
    tab.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=60_000)
    tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    tab.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    tab.wait_for_timeout(300)


def tables_drawn(tab) -> None:
    """Wait until every table on the page has drawn its grid: the grids appear one by one, and a wait on the
    first grid found could be met by a later table's before the first table had drawn its own."""
    tab.wait_for_function(
        """() => { const tables = [...document.querySelectorAll('[data-testid="stDataFrame"]')];
            return tables.length > 0 && tables.every(table => table.querySelector('[aria-rowcount]')); }""",
        timeout=60_000,
    )


def metric(tab, label: str) -> str:
    box = tab.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_without_an_exception(server, page, name):
    url, _ = server
    page.goto(f"{url}/{PAGES[name]}")
    settle(page)
    page.wait_for_selector("h1")
    if name not in ("data", "claims", "codes", "worklist"):
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_latest_month_keeps_its_label_on_the_monthly_charts(server, page):
    """Plotly hides a tick label that would pass the chart's edge: the Overview's trends lost their latest
    month's label (the month a manager looks for first)."""
    url, _ = server
    page.goto(url)
    settle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] g.xtick text', timeout=60_000)
    for chart in page.locator('[data-testid="stPlotlyChart"]').all()[:2]:  # the rate trend, the denied $ bars
        labels = chart.locator("g.xtick text")
        shown = [labels.nth(i).text_content() for i in range(labels.count()) if labels.nth(i).is_visible()]
        assert shown and len(shown) == labels.count(), shown


def test_a_sidebar_filter_changes_a_number(server, page):
    url, _ = server
    page.goto(url)
    settle(page)
    before = metric(page, "Lines adjudicated")
    payer = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
    payer.click()
    page.keyboard.type("MEDICARE PART B")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(before) => { const v = [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
        ".find(m => m.innerText.includes('Lines adjudicated')); "
        "return v && !v.innerText.includes(before); }",
        arg=before,
        timeout=60_000,
    )
    assert metric(page, "Lines adjudicated") != before
    assert "payer=MEDICARE" in page.url.replace("+", " ").replace("%20", " ")
    page.screenshot(path=str(SHOTS / "filtered_overview.png"), full_page=True)


def test_a_table_downloads_as_the_csv_of_what_it_shows(server, page):
    """The CSV is written when the button is clicked (a deferred download): the file holds the table."""
    import io

    import pandas as pd

    from analytics import data, ui

    url, db = server
    tab = page.context.browser.new_page()  # a session of its own: no filter left by an earlier test
    tab.goto(f"{url}/payers")
    settle(tab)
    # both of the page's tables drawn (the scorecard, then one payer's top reasons): in one CI run on a busy
    # machine the click came while only the second was drawn, and downloaded it
    buttons = tab.get_by_role("button", name="Download CSV")
    tab.wait_for_function(
        "() => [...document.querySelectorAll('button')].filter(b => b.innerText.includes('Download CSV')).length >= 2",
        timeout=60_000,
    )
    settle(tab)
    with tab.expect_download(timeout=60_000) as download:
        buttons.first.click()
    assert download.value.suggested_filename == "payer_scorecard.csv"
    got = pd.read_csv(io.BytesIO(Path(download.value.path()).read_bytes()))
    dates = data.query("dashboard/filter_options", path=db).iloc[0]
    filters = data.Filters("service", dates["first_date"].date(), dates["last_date"].date())
    shown, _ = ui.scorecard_and_heatmap(data.dashboard("payer_measures", filters, db))
    assert list(got.columns) == list(shown.columns)
    assert list(got["payer_name"]) == list(shown["payer_name"]) and len(got) >= 2
    assert [round(float(v), 2) for v in got["denied_amount"]] == [round(float(v), 2) for v in shown["denied_amount"]]
    tab.close()


def choose(tab, sample: Path) -> None:
    """Choose sample in the X12 uploader as a user does (its button, then the file chooser) and wait for the
    Load button its upload brings. Three times on a loaded CI machine the Load button never came: twice with
    the file set straight on the hidden input, once after the file chooser with the file's chip shown. Then
    the file is removed and chosen once more, and a screenshot of the dropped upload kept."""
    for attempt in (1, 2):
        with tab.expect_file_chooser(timeout=60_000) as chooser:
            tab.locator('[data-testid="stFileUploaderDropzone"]').first.get_by_role(
                "button", name="Upload", exact=True
            ).click(timeout=60_000)
        chooser.value.set_files(str(sample))
        chip = tab.locator('[data-testid="stFileChip"]').filter(
            has=tab.locator(f'[data-testid="stFileChipName"][title="{sample.name}"]')
        )
        chip.wait_for(timeout=60_000)
        try:
            tab.get_by_role("button", name="Load", exact=True).wait_for(timeout=30_000)
            return
        except playwright.TimeoutError:
            if attempt == 2:
                raise
            tab.screenshot(path=str(SHOTS / "data_upload_dropped.png"), full_page=True)
            chip.locator('[data-testid="stFileChipDeleteBtn"]').click(timeout=60_000)
            chip.wait_for(state="detached", timeout=60_000)
            settle(tab)


def test_an_upload_on_the_data_page_is_loaded_and_listed(server, page):
    url, db = server
    sample = CORPUS_835 / "lfh-x12__secondary-payment.835"
    page.goto(f"{url}/data")
    settle(page)
    choose(page, sample)
    page.get_by_role("button", name="Load", exact=True).click(timeout=60_000)
    page.get_by_text(f"{sample.name}").first.wait_for(timeout=60_000)
    page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text=sample.name).wait_for(timeout=60_000)
    settle(page)
    listed = page.locator('[data-testid="stDataFrame"]').first.inner_text()
    page.screenshot(path=str(SHOTS / "data_after_upload.png"), full_page=True)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    names = [r[0] for r in con.execute("select file_name from source_files").fetchall()]
    con.close()
    assert sample.name in names
    assert sample.name in listed or page.get_by_text(sample.name).count() >= 1


def test_a_click_on_a_chart_opens_its_denied_lines(server, page):
    """A browser sends no selection for a click on a heatmap cell (only on markers and bars): the
    invisible click layer of ui.rate_heatmap takes it. Clicking a code x site cell, then a category bar,
    opens the Claims page with the filters in the URL."""
    url, _ = server
    tab = page.context.browser.new_page(viewport={"width": 1600, "height": 2400})
    tab.goto(f"{url}/site_of_care")
    settle(tab)
    heat = tab.locator('[data-testid="stPlotlyChart"]').nth(1).locator("g.hm image").first
    heat.wait_for(timeout=60_000)
    box = heat.bounding_box()
    tab.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    tab.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    tab.wait_for_url("**/claims?**", timeout=60_000)
    settle(tab)
    assert "code=" in tab.url and "site=" in tab.url
    assert tab.locator("h1").first.inner_text() == "Claims"
    tab.goto(url)
    settle(tab)
    bar = tab.locator('[data-testid="stPlotlyChart"]').nth(2).locator("g.trace.bars path").first
    bar.wait_for(timeout=60_000)
    bar.click(force=True)
    tab.wait_for_url("**/claims?**", timeout=60_000)
    assert "category=" in tab.url
    tab.close()


def test_a_short_table_shows_every_row_without_scrolling(server, page):
    """Streamlit's default height shows ten rows: the Overview's eleventh category and its reasons past the
    tenth were hidden below a scroll bar. A table of up to ui.tables.WHOLE_ROWS rows is drawn whole."""
    from analytics.ui.tables import WHOLE_ROWS

    url, _ = server
    page.goto(url)
    settle(page)
    tables_drawn(page)
    tables = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(table => {
            const scroller = table.querySelector('.dvn-scroller'), grid = table.querySelector('[aria-rowcount]');
            return {rows: grid && Number(grid.getAttribute('aria-rowcount')) - 1,
                    hidden: scroller && scroller.scrollHeight - scroller.clientHeight};
        })"""
    )
    short = [t for t in tables if t["rows"] is not None and t["rows"] <= WHOLE_ROWS]
    assert any(t["rows"] > 10 for t in short), tables  # else the check below could not fail
    assert all(t["hidden"] <= 1 for t in short), tables


# A wide table's columns that matter, in view beside the sidebar on a 1,600 px screen: (page, its first headers
# (a claim id pinned first; three tables of Claims start with "paid on"), the last column that must show whole).
# Sized to their content, the payer and category pushed the Worklist's next action past the edge, and the Monthly
# review's list of the month's denials, largest first, cut its denied $; Prevention's rules lost their "not
# denied" count, then what each checks ("JW or JZ missing on a single-dose d"); the Claims page's denied lines
# cut their category.
IN_VIEW = [
    ("worklist", ("claim id", "priority"), "next action"),
    ("monthly_review", ("claim id", "denied on"), "recovered $"),
    ("prevention", ("rule",), "check"),
    ("claims", ("claim id", "paid on", "payer"), "category"),
]


def on_a_1600_px_screen(page, server, name: str, script: str):
    """What script (JavaScript) returns on the page `name` drawn 1,600 px wide, its tables drawn."""
    url, _ = server
    page.set_viewport_size({"width": 1600, "height": 1100})
    try:
        page.goto(f"{url}/{PAGES[name]}")
        settle(page)
        tables_drawn(page)
        return page.evaluate(script)
    finally:
        page.set_viewport_size({"width": 1400, "height": 1100})


@pytest.mark.parametrize(("name", "first", "last"), IN_VIEW)
def test_a_wide_table_shows_the_columns_that_matter_on_a_1600_px_screen(server, page, name, first, last):
    """The grid draws a header cell only for a column within its view: when the column after `last` has one,
    `last` shows whole."""
    headers = on_a_1600_px_screen(
        page,
        server,
        name,
        """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(
            table => [...table.querySelectorAll('th')].map(th => th.textContent))""",
    )
    [shown] = [h for h in headers if tuple(h[: len(first)]) == first]
    assert last in shown[:-1], shown


@pytest.mark.parametrize("name", ["claims", "worklist", "monthly_review", "prevention"])
def test_a_wide_list_of_claims_keeps_its_claim_id_in_view_when_scrolled_to_its_last_column(server, page, name):
    """Past a 1,600 px screen, a list of claims scrolled sideways to its site of care, remarks or file showed
    rows without saying which claim each was: the claim id is pinned at the list's left edge (labels.PINNED)."""
    tables = on_a_1600_px_screen(
        page,
        server,
        name,
        """async () => {
            const lists = [];
            for (const table of document.querySelectorAll('[data-testid="stDataFrame"]')) {
                const headers = () => [...table.querySelectorAll('th')].map(th => th.textContent);
                const before = headers(), scroller = table.querySelector('.dvn-scroller');
                if (!before.includes('claim id')) continue;
                const wide = scroller.scrollWidth - scroller.clientWidth;
                scroller.scrollLeft = scroller.scrollWidth;
                await new Promise(done => setTimeout(done, 800));
                lists.push({before, after: headers(), wide});
            }
            return lists;
        }""",
    )
    # wider than its view by more than a claim id's column, so that scrolled to its end, an unpinned claim id
    # would be out of view (else the check below could not fail)
    wide = [t for t in tables if t["wide"] > 150]
    assert wide, tables
    for table in wide:
        assert table["after"] != table["before"], table  # scrolled: the columns in view changed
        assert table["before"][0] == table["after"][0] == "claim id", table  # at the left edge, and stays


def test_the_reasons_table_wraps_what_each_code_means_rather_than_cut_it(server, page):
    """On one line each, what a remark means ran past the Reasons table's edge at 1,600 px ("Treatment
    authorization code ab"): its explanations wrap in rows of three lines, every column in view."""
    from analytics.ui.tables import WRAPPED_ROW

    [table] = on_a_1600_px_screen(
        page,
        server,
        "reasons",
        """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(table => {
            const scroller = table.querySelector('.dvn-scroller'), grid = table.querySelector('[aria-rowcount]');
            return {headers: [...table.querySelectorAll('th')].map(th => th.textContent),
                    rows: Number(grid.getAttribute('aria-rowcount')) - 1,
                    wide: scroller.scrollWidth - scroller.clientWidth, high: scroller.scrollHeight};
        })""",
    )
    assert table["headers"][-3:] == ["what the reason means", "what the remark means", "usual way back"], table
    assert table["wide"] <= 1, table  # nothing past the edge
    assert table["rows"] > 10 and table["high"] >= 35 + WRAPPED_ROW * table["rows"], table  # three lines a row


def test_a_long_table_shows_twenty_rows_then_scrolls(server, page):
    """The worklist (a thousand open denials on the demo) showed ten rows at a time, Streamlit's default."""
    from analytics.ui.tables import LONG_ROWS, WHOLE_ROWS

    url, _ = server
    page.goto(f"{url}/worklist")
    settle(page)
    tables_drawn(page)
    tables = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(table => {
            const scroller = table.querySelector('.dvn-scroller'), grid = table.querySelector('[aria-rowcount]');
            return {rows: grid && Number(grid.getAttribute('aria-rowcount')) - 1,
                    seen: scroller && Math.round(scroller.clientHeight / 35) - 1};
        })"""
    )
    long = [t for t in tables if t["rows"] is not None and t["rows"] > WHOLE_ROWS]
    assert long, tables  # the worklist
    assert all(t["seen"] == LONG_ROWS for t in long), tables
