"""In a real browser (as tests/test_browser.py): a payer named `<script>alert(1)</script><b>BOLD</b> *star*`
is shown as those characters on the pages, in captions, tables and charts; no script runs, no dialog
opens, nothing turns bold or italic. Hostile URLs (unknown page, SQL in a filter) show the dashboard."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from analytics import database, loader
from chromium import ARGS, CHROMIUM
from conftest import remittance_835, small_history
from test_browser import playwright, settle, streamlit_server

HOSTILE = "<script>alert(1)</script><b>BOLD</b> *star*"
PATIENT = "ZQXPATLAST"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-safety")
    db = small_history(folder)
    clp = (
        f"CLP|ZQCLAIM1|1|100|0||12|PZQ1|11|1~NM1|QC|1|{PATIENT}|ZQXPATFIRST||||MI|ZQXMEMBER77"
        "~SVC|HC:99213|100|0||1~DTM|472|20261001~CAS|CO|50|100"
    )
    text = remittance_835(clp.replace("|", "*"), payer="PAYERNAME", payment_date="20261020")
    (folder / "hostile.835").write_text(text.replace("*", "|").replace("PAYERNAME", HOSTILE))
    con = database.connect(db)
    assert loader.load_paths(con, [folder / "hostile.835"])[0].status == "loaded"
    con.close()
    with streamlit_server(db, folder) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1100})
        tab.dialogs = []
        tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
        yield tab
        browser.close()


def nothing_ran(tab) -> None:
    assert tab.dialogs == []
    assert tab.locator("script", has_text="alert(1)").count() == 0
    # the page's own bold may hold the whole name; the name's tags and stars make nothing of their own
    assert tab.locator("b, strong").filter(has_text=re.compile(r"^\s*BOLD\s*$")).count() == 0
    assert tab.locator("em, i").filter(has_text=re.compile(r"^\s*star\s*$")).count() == 0
    assert tab.locator('[data-testid="stException"]').count() == 0


def test_a_hostile_payer_name_is_shown_as_text(server, page):
    page.goto(f"{server}/payers?payer={urllib.parse.quote(HOSTILE)}")
    settle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="alert(1)").first
    assert caption.inner_text().startswith(HOSTILE)
    charts = " ".join(page.locator('[data-testid="stPlotlyChart"] .main-svg').all_text_contents())
    assert HOSTILE.split("*")[0].strip() in charts  # the heatmap's axis: the name as it is
    nothing_ran(page)

    page.goto(f"{server}/claims")
    settle(page)
    page.locator('input[aria-label="Claim id contains"]').fill("ZQCLAIM1")
    page.keyboard.press("Enter")
    heading = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="ZQCLAIM1").filter(has_text="patient")
    heading.first.wait_for(timeout=60_000)
    shown = heading.first.inner_text()
    assert HOSTILE in shown and PATIENT not in shown  # the payer as it is; the patient masked
    assert PATIENT not in page.locator("body").inner_text()
    nothing_ran(page)


def test_hostile_urls_show_the_dashboard(server, page):
    page.goto(f"{server}/no-such-page?payer={urllib.parse.quote(chr(39) + ' OR 1=1 --')}&from=2024-99-99")
    settle(page)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "OR 1=1" not in page.url
    nothing_ran(page)
