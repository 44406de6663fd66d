"""The start page runs headless (AppTest) and shows what the database holds."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics import database, loader
from conftest import CORPUS_835

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_first_start_builds_the_demo_and_labels_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DENIALS_DB", str(tmp_path / "none.duckdb"))
    monkeypatch.setenv("DENIALS_DEMO_DB", str(tmp_path / "demo.duckdb"))
    at = AppTest.from_file(APP).run(timeout=120)
    assert not at.exception
    assert (tmp_path / "demo.duckdb").exists() and not (tmp_path / "none.duckdb").exists()
    assert "Demo data" in at.warning[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Service lines"].replace(",", "")) > 50_000

    # the user's own data replaces the demo, and the label goes
    con = database.connect(tmp_path / "none.duckdb")
    loader.load_paths(con, [CORPUS_835 / "edi835parser__emedny_sample.txt"])
    con.close()
    at = AppTest.from_file(APP).run(timeout=60)
    assert not at.exception and not at.warning
    assert {m.label: m.value for m in at.metric}["Files"] == "1"


def test_page_shows_the_loaded_figures(tmp_path, monkeypatch):
    db = tmp_path / "d.duckdb"
    con = database.connect(db)
    loader.load_paths(con, [CORPUS_835 / "edi835parser__emedny_sample.txt", CORPUS_835 / "lfh-x12__managed-care.835"])
    denied = con.execute("SELECT sum(denied_amount), count(*) FROM denials").fetchall()[0]
    con.close()
    monkeypatch.setenv("DENIALS_DB", str(db))
    at = AppTest.from_file(APP).run(timeout=60)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Files"] == "2" and metrics["Claims"] == "5" and metrics["Service lines"] == "12"
    assert metrics["Denials"] == f"{denied[1]:,}" and metrics["Denied $"] == f"${denied[0]:,.2f}"
    assert all(m.help for m in at.metric)  # every number carries its definition
    files = at.dataframe[0].value
    assert sorted(files["file_name"]) == ["edi835parser__emedny_sample.txt", "lfh-x12__managed-care.835"]
