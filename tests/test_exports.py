"""What leaves the dashboard looks finished and cannot run: the Monthly review's HTML (formatted numbers,
distinct colours with a legend, A4 landscape) and Excel workbook (number formats, frozen headers, full
sheet names), and every CSV download, with text from the files that a spreadsheet would run as a
formula neutralised (OWASP CSV injection) while numbers stay numbers."""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from datetime import date

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from analytics import data, database, labels, loader, review
from analytics.filters import scope_text
from analytics.review.parts import COHORT_COLOURS
from conftest import app_runner, remittance_835

# a payer name and claim ids from a hostile file: formulas a spreadsheet would run
FORMULA_PAYER = '=HYPERLINK("http://attacker.example/","click")'
FORMULA_CLAIMS = ("=1+2-0", "+SUM(A1)", "-2+3", "@NOW()")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """Denied claims whose payer and claim ids look like formulas, over three months."""
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "hostile.duckdb"
    con = database.connect(db)
    for n, (claim_id, day) in enumerate(
        zip(FORMULA_CLAIMS, ("20240115", "20240215", "20240315", "20240415"), strict=True), 1
    ):
        claim = (
            f"CLP*{claim_id}*1*100*0*0*12*ICN{n}*11*1~NM1*QC*1*DOE*JANE****MI*M{n}"
            f"~SVC*HC:99213*100*0**1~DTM*472*{day[:6]}01~CAS*CO*50*100"
        )
        path = folder / f"{n}.835"
        path.write_text(remittance_835(claim, payer=FORMULA_PAYER, payment_date=day, control=f"{n:09d}"))
        loader.load_paths(con, [path])
    con.close()
    return db


def parts_for(db, month: date) -> dict:
    return review.frames(lambda name, **extra: data.dashboard(name, data.Filters(), db, **extra), month)


def test_spreadsheet_text_is_neutralised_and_numbers_stay_numbers():
    frame = pd.DataFrame(
        {
            "payer_name": [FORMULA_PAYER, "ACME", "\tTAB", "\rCR", "-12", None],
            "denied_amount": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    safe = labels.safe_for_spreadsheets(frame)
    assert list(safe["payer_name"][:5]) == ["'" + FORMULA_PAYER, "ACME", "'\tTAB", "'\rCR", "'-12"]
    assert safe["payer_name"][5] is None
    assert list(safe["denied_amount"]) == [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_csv_downloads_cannot_run_formulas(hostile_db, monkeypatch, tmp_path):
    made = []
    deferred = MediaFileManager.add_deferred

    def make(self, data_callable, *args, **kwargs):  # the CSV as the click would make it
        made.append(data_callable().decode())
        return deferred(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", make)
    run = app_runner(hostile_db, monkeypatch, tmp_path)
    for page in ("app_pages/payers.py", "app_pages/claims.py", "app_pages/worklist.py"):
        run(page)
    assert made
    cells = [cell for text in made for line in text.splitlines()[1:] for cell in next(iter([line.split(",")]))]
    assert not [c for c in cells if c.strip('"').startswith(("=", "+", "@"))]
    assert any(FORMULA_PAYER.split(",")[0].replace('"', '""') in text for text in made)  # kept, behind an apostrophe


def test_the_html_review_reads_like_the_page(hostile_db):
    month = date(2024, 3, 1)
    parts = parts_for(hostile_db, month)
    page = review.html_report(month, parts, scope_text(data.Filters()), demo=False)
    tiles = dict(re.findall(r"<div class='label'>(.*?)</div><div class='value'>(.*?)</div>", page))
    assert tiles["Denials opened"] == "1" and tiles["Denied $"] == "$100"
    assert re.fullmatch(r"\d+\.\d%|–", tiles["Recovery rate, 12 months"])
    assert "@page { size: A4 landscape" in page
    assert "<th class='num'>denied $</th>" in page and "denied_amount" not in page.split("<body>")[1].split("Plotly")[0]
    assert re.search(r"<td class='num'>\$[\d,]+</td>", page) and "<td class='num'>Mar 2024" not in page  # money right
    # what the month's remittances may lack, under the title (escaped: a payer's name comes from the files)
    warned = review.html_report(month, parts, "Filters: none.", demo=False, warning="<b>ACME</b>: nothing paid")
    assert "<p class='demo'>&lt;b&gt;ACME&lt;/b&gt;: nothing paid</p>" in warned and "nothing paid" not in page
    # dates and numbers on one line: in the wide table of the month's denials, 2026-09-14 wrapped after its year
    assert re.search(r"<td class='date'>\d{4}-\d\d-\d\d</td>", page) and "<td class='date'>Mar 2024</td>" in page
    assert ".date { white-space: nowrap; }" in page and ".num { text-align: right; white-space: nowrap; }" in page
    # the cohort lines: one colour each, with a legend
    figure = review.figures(parts)["review_cohorts"]
    colours = [trace.line.color for trace in figure.data]
    assert len(colours) == len(set(colours)) == len(figure.data) >= 3
    assert min(map(colour_distance, *zip(*itertools.combinations(COHORT_COLOURS, 2), strict=True))) > 130
    assert figure.layout.legend.title.text == "denials of"
    assert json.loads(figure.to_json())["data"][0]["line"]["color"] == colours[0]
    assert -1 < figure.layout.xaxis.range[0] < 0  # a month alone was drawn from "-1" to "1"
    assert figure.layout.height >= 440  # twelve cohorts in the legend: the export's 380 px cut the last ones off
    ageing = review.figures(parts)["review_ageing"].data[0]
    open_by_age = parts["review_ageing"]
    assert list(ageing.text) == [f"{n:,} denials" if n else "" for n in open_by_age["denials"]]  # not dollars
    # every age, at zero where nothing is open that old: an age left out read as a gap
    assert list(open_by_age["age"])[::5] == ["0-30 days", "over 180 days"] and len(open_by_age) == 6
    assert 0 in set(open_by_age["denials"]) and open_by_age["denials"].sum() > 0


def colour_distance(one: str, other: str) -> float:
    """How far apart two colours look ("redmean", weighted RGB): under ~100 they read as one."""
    (r1, g1, b1), (r2, g2, b2) = (bytes.fromhex(c.lstrip("#")) for c in (one, other))
    red = (r1 + r2) / 2
    return ((2 + red / 256) * (r1 - r2) ** 2 + 4 * (g1 - g2) ** 2 + (2 + (255 - red) / 256) * (b1 - b2) ** 2) ** 0.5


def test_the_excel_review_has_formats_frozen_headers_and_whole_sheet_names(hostile_db):
    month = date(2024, 3, 1)
    book = zipfile.ZipFile(io.BytesIO(review.excel_workbook(month, parts_for(hostile_db, month), "Filters: none.")))
    names = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())
    assert names == ["Summary", *(review.sheet_name(p) for p in review.PARTS)]
    assert all(len(n) <= 31 for n in names) and "Recovered, by denial month" in names
    styles = book.read("xl/styles.xml").decode()
    for code in ("$#,##0.00", "0.0%", "yyyy-mm-dd", "mmm yyyy"):
        assert f'formatCode="{code}"' in styles.replace("&quot;", '"')
    sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
    assert all('ySplit="3"' in s for s in sheets)  # the header row stays in view
    assert not any("<f>" in s for s in sheets)  # no formula anywhere, whatever the files held
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "HYPERLINK" in strings and "<t>-2+3</t>" in strings  # kept as text (the March denial's claim id)
    # what the month's remittances may lack, under the title of the summary sheet
    warned = zipfile.ZipFile(
        io.BytesIO(review.excel_workbook(month, parts_for(hostile_db, month), "Filters: none.", "ACME: nothing paid"))
    )
    assert "<t>ACME: nothing paid</t>" in warned.read("xl/sharedStrings.xml").decode()
    assert "nothing paid" not in strings


def test_the_exported_review_says_how_many_of_the_month_s_denials_it_lists(hostile_db):
    """The month's denials stop at 20,000 rows (queries/recovery/review_detail.sql): a workbook of 20,000 rows
    read as every denial of a large group's month. Both exports say 'all N', or 'the first 20,000 of N'."""
    month = date(2024, 3, 1)
    parts = parts_for(hostile_db, month)
    assert len(parts["review_detail"]) == 1
    page = review.html_report(month, parts, "Filters: none.", demo=False)
    assert "with its outcome as known at the month end, largest first (all 1)" in page
    assert "<th>site of care</th>" in page and "<td>POS 11 office</td>" in page  # not CLP08's bare '11'
    summary = parts["review_summary"].copy()
    summary["denials_opened"] = 24_999  # as if the query had stopped at its first row
    summary["readjudication_denials"] = 1
    cut = {**parts, "review_summary": summary}
    said = "largest first (the first 1 of 25,000)"
    assert said in review.html_report(month, cut, "Filters: none.", demo=False)
    book = zipfile.ZipFile(io.BytesIO(review.excel_workbook(month, cut, "Filters: none.")))
    assert said in book.read("xl/sharedStrings.xml").decode()
