"""A new database starts as a copy of the release's empty template: it must hold exactly what creating
one from nothing gives, never replace a database that exists, and not depend on the template at all."""

from __future__ import annotations

import re

import duckdb
import pytest

from analytics import database
from conftest import load_text, remittance_835


def _unordered_excludes(text: str) -> str:
    """A macro's definition with each EXCLUDE list sorted: DuckDB keeps the list as a set and writes it
    out in no fixed order."""
    return re.sub(r"EXCLUDE \(([^()]*)\)", lambda m: f"EXCLUDE ({', '.join(sorted(m.group(1).split(', ')))})", text)


def _contents(path) -> dict:
    """Every table's rows (sorted) and every view's definition, minus the time a reference table came in."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [name for (name,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        out = {}
        for name in tables:
            exclude = " EXCLUDE (loaded_at)" if name == "ref_sources" else ""
            out[name] = sorted(map(repr, con.execute(f"SELECT *{exclude} FROM {name}").fetchall()))
        out["views"] = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
        macros = con.execute(
            "SELECT function_name, macro_definition FROM duckdb_functions()"
            " WHERE NOT internal AND function_type LIKE '%macro%' ORDER BY 1"
        ).fetchall()
        out["macros"] = [(name, _unordered_excludes(text)) for name, text in macros]
        return out
    finally:
        con.close()


def test_a_copied_database_holds_what_a_created_one_holds(tmp_path, monkeypatch):
    created = tmp_path / "created.duckdb"
    con = duckdb.connect(str(created))
    database.ensure_schema(con)
    con.close()

    copied, copies = tmp_path / "copied.duckdb", []
    copy = database.from_template
    monkeypatch.setattr(database, "from_template", lambda path: copies.append(copy(path)) or copies[-1])
    con = database.connect(copied)
    assert copies == [True]
    stamped = con.execute("SELECT min(loaded_at) FROM ref_sources").fetchall()[0][0]
    con.close()

    contents = _contents(copied)
    assert contents == _contents(created)
    assert len(contents["ref_carc"]) > 300  # the shipped code list, not an empty table
    # the reference tables came into the copy when it was made, not when the template was
    con = duckdb.connect(str(created), read_only=True)
    assert stamped >= con.execute("SELECT max(loaded_at) FROM ref_sources").fetchall()[0][0]
    con.close()
    assert not list(tmp_path.glob(".*.part"))


def test_the_template_never_replaces_an_existing_database(tmp_path):
    db = tmp_path / "mine.duckdb"
    con = database.connect(db)
    result = load_text(con, tmp_path, remittance_835("CLP*X1*1*100*0*0*12*P*11*1~SVC*HC:99213*100*0**1~CAS*CO*50*100"))
    assert result.status == "loaded"
    con.close()
    before = db.read_bytes()

    assert not database.from_template(db)
    assert db.read_bytes() == before
    con = database.connect(db)
    assert con.execute("SELECT count(*) FROM claims").fetchall()[0][0] == result.counts["claims"] > 0
    con.close()


def test_without_a_usable_template_the_database_is_created(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("the templates folder cannot be made here")
    monkeypatch.setattr(database, "TEMPLATES", blocked / "templates")
    database.template.cache_clear()
    try:
        db = tmp_path / "plain.duckdb"
        with pytest.raises(OSError):
            database.template()
        con = database.connect(db)
        con.close()
        contents = _contents(db)
        assert contents["ref_carc"] and "denials" in dict(contents["views"])
    finally:
        database.template.cache_clear()


def test_a_database_made_before_the_837_views_were_renamed_keeps_no_stale_copy(tmp_path):
    db = tmp_path / "older.duckdb"
    database.connect(db).close()
    con = duckdb.connect(str(db))  # as a release before the rename left it
    con.execute("CREATE VIEW submitted_claims AS SELECT * FROM bill_claims")
    con.execute("CREATE VIEW submitted_lines AS SELECT * FROM bill_lines")
    con.close()

    con = database.connect(db)
    views = {name for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    con.close()
    assert {"billed_claims", "billed_lines"} <= views
    assert not views & {"submitted_claims", "submitted_lines"}
