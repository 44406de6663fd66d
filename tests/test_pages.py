"""The page registry (analytics/pages.py) is the one list of pages: every page file is in it, and the
README's page table and the page benchmark follow it."""

import re
from pathlib import Path

from analytics import pages

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_file_is_registered_once():
    scripts = [page.script for page in pages.PAGES]
    assert len(set(scripts)) == len(scripts)
    assert sorted(scripts) == sorted(f"app_pages/{p.name}" for p in (ROOT / "app_pages").glob("*.py"))
    assert all((ROOT / script).exists() for script in scripts)


def test_the_start_page_is_served_at_the_root_and_the_others_by_file_name():
    assert pages.PAGES[0].url_path == ""
    assert pages.by_title("Monthly review").url_path == "monthly_review"


def test_the_readme_describes_every_page_in_the_sidebar_order():
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| page | what it shows |") :]
    rows = re.findall(r"^\| ([^|]+?) \| ", table.split("\n\n")[0], re.M)[
        1:
    ]  # less the header (the rule row does not match)
    assert rows == [page.title for page in pages.PAGES]


def test_the_page_benchmark_times_registered_pages():
    text = (ROOT / "bench" / "pages.py").read_text()
    block = text[text.index("PAGES = {") : text.index("\n}\n")]
    timed = re.findall(r'^    "(\w+)":', block, re.M)
    stems = {page.script.rsplit("/", 1)[-1].removesuffix(".py") for page in pages.PAGES}
    assert timed and set(timed) <= stems
