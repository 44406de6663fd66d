"""Filter values from the URL: checked against the values the data holds, hostile ones dropped without an
error, and every value reaches SQL only as a bound parameter (a payer whose name reads like SQL is just a
name; no page-side code builds SQL text)."""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import pytest

from analytics import database, loader
from conftest import PAGES, app_runner, remittance_835, small_history

ROOT = Path(__file__).resolve().parent.parent
SQLISH = 'O\'BRIEN "HEALTH"); DROP TABLE remit_claims; --'
HOSTILE = {
    "payer": "x' OR '1'='1",
    "category": "denial'); DELETE FROM remit_claims; --",
    "code": "J" * 20_000,
    "modifier": "%",
    "site": "' UNION SELECT patient_last_name FROM remit_claims --",
    "from": "2024-02-30",
    "to": "99999-01-01",
    "dates": "payment' --",
    "page": "../../etc/passwd",
    "x": "<script>alert(1)</script>",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("url")
    path = small_history(folder)
    (folder / "sqlish.835").write_text(
        remittance_835(
            "CLP*QB1*1*100*0**12*PQB1*11*1~SVC*HC:99213*100*0**1~DTM*472*20261001~CAS*CO*50*100",
            payer=SQLISH,
            payment_date="20261020",
        )
    )
    con = database.connect(path)
    assert loader.load_paths(con, [folder / "sqlish.835"])[0].status == "loaded"
    con.close()
    return path


@pytest.fixture
def app(db, monkeypatch, tmp_path):
    return app_runner(db, monkeypatch, tmp_path)


def counts(db: Path) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select (select count(*) from remit_claims), (select count(*) from source_files)"
        ).fetchall()[0]
    finally:
        con.close()


def test_hostile_query_parameters_are_dropped_on_every_page(app, db):
    before = counts(db)
    plain = {m.label: m.value for m in app().metric}
    hostile = app(**HOSTILE)
    assert {m.label: m.value for m in hostile.metric} == plain  # as if no filter were given
    assert all(not m.value for m in hostile.sidebar.multiselect)
    assert not set(hostile.query_params) & {"payer", "category", "code", "modifier", "site", "from", "to", "dates"}
    assert hostile.sidebar.radio[0].value == "service"
    for page in PAGES:
        at = app(page, **HOSTILE)
        assert not at.exception, page
        assert not [e for e in at.error if "Error" in e.value], page
    assert counts(db) == before


def test_a_payer_whose_name_reads_like_sql_is_just_a_name(app, db):
    at = app("app_pages/payers.py", payer=SQLISH)
    assert list(at.dataframe[0].value["payer_name"]) == [SQLISH]
    overview = app(payer=SQLISH)
    assert {m.label: m.value for m in overview.metric}["Lines adjudicated"] == "1"
    assert overview.query_params["payer"] == [SQLISH] or overview.query_params["payer"] == SQLISH
    claims = app("app_pages/claims.py", payer=SQLISH)
    assert set(claims.dataframe[0].value["payer_name"]) == {SQLISH}
    assert counts(db)[0] > 1  # nothing dropped


# Page-side code: the pages, the app and the modules they call to read the database.
PAGE_SIDE = [
    *sorted((ROOT / "app_pages").glob("*.py")),
    ROOT / "app.py",
    *(ROOT / "analytics" / f"{m}.py" for m in ("data", "access", "privacy", "uploads")),
    *sorted((ROOT / "analytics" / "ui").glob("*.py")),
    *sorted((ROOT / "analytics" / "review").glob("*.py")),
]


def built_text(node: ast.AST) -> bool:
    """An expression that builds text at run time: an f-string, + or % on strings, .format(), .join()."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join")


def test_no_page_builds_sql_text_from_values():
    offenders = []
    for path in PAGE_SIDE:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            # SQL runs through .execute / .sql; the pages name their queries (files in queries/) and pass
            # values as parameters (data.query / data.record / data.dashboard / ui.frame)
            if name in ("execute", "executemany", "sql", "query", "record", "dashboard", "frame") and built_text(
                node.args[0]
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:100]}")
        if path.parent.name == "app_pages":
            assert "duckdb" not in path.read_text(), f"{path.name} opens the database itself"
    assert not offenders, offenders


def test_queries_take_values_as_parameters_only():
    # the filters reach every dashboard query as $parameters; a query file has no other way in
    for path in (ROOT / "queries" / "dashboard").glob("*.sql"):
        text = path.read_text()
        assert "{" not in text.replace("{}", ""), f"{path.name} looks like a template"
