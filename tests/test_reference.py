"""Reference tables: complete, in our own words, and replaceable by the user without code changes."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import derived, loader, reference
from conftest import CORPUS_835, REFERENCE, corpus_files, load_text, needs_shared, remittance_835, rows

pytestmark = needs_shared

DATA = Path(__file__).resolve().parent.parent / "data"


def read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_carc_and_rarc_is_shipped_with_its_dates():
    carc = {r["code"]: r for r in read(DATA / "carc.csv")}
    source = read(REFERENCE / "carc_x12_2024-06.csv")
    assert set(carc) == {r["code"] for r in source}
    for r in source:
        assert (carc[r["code"]]["start_date"], carc[r["code"]]["stop_date"]) == (r["start_date"], r["stop_date"])
    rarc = {r["code"] for r in read(DATA / "rarc.csv")}
    assert rarc == {r["code"] for r in read(REFERENCE / "rarc_x12_2024-06.csv")}


@pytest.mark.parametrize(
    "ours, theirs, key",
    [
        ("carc.csv", "carc_x12_2024-06.csv", "code"),
        ("rarc.csv", "rarc_x12_2024-06.csv", "code"),
        ("modifiers.csv", "hcpcs_modifiers_northstar.csv", None),
    ],
)
def test_descriptions_are_our_own_words(ours, theirs, key):
    source = {
        r.get(key) or r.get("mod_code"): (r.get("description") or r.get("mod_description") or "").strip().lower()
        for r in read(REFERENCE / theirs)
    }
    shipped = read(DATA / ours)
    copied = [r for r in shipped if r["description"].strip().lower() == source.get(r.get("code") or r.get("modifier"))]
    assert copied == []
    assert all(r["description"].strip() for r in shipped)


def test_category_map_covers_every_carc_with_valid_values():
    mapping = read(DATA / "carc_categories.csv")
    assert {r["carc"] for r in mapping} == {r["code"] for r in read(DATA / "carc.csv")}
    for r in mapping:
        assert r["class"] in reference.CLASSES
        assert r["category"] in reference.CATEGORIES or (
            r["category"] == "none" and r["class"] in ("non_denial", "upheld")
        )
    by_code = {r["carc"]: r for r in mapping}
    # the anchors of DOMAIN.md §2 and §3
    assert by_code["45"]["class"] == by_code["253"]["class"] == by_code["23"]["class"] == "non_denial"
    assert by_code["133"]["class"] == "pended"
    assert {c: by_code[c]["category"] for c in ("29", "197", "16", "97", "58", "18", "22", "96", "242")} == {
        "29": "timely_filing",
        "197": "authorization",
        "16": "documentation",
        "97": "bundling",
        "58": "site_of_care",
        "18": "duplicate",
        "22": "coordination_of_benefits",
        "96": "non_covered",
        "242": "network",
    }


def test_database_has_every_reference_table(con):
    for spec in reference.TABLES.values():
        assert rows(con, f"SELECT count(*) FROM {spec.table}")[0][0] == len(read(spec.shipped))
    assert {r[0] for r in rows(con, "SELECT DISTINCT origin FROM ref_sources")} == {"shipped"}


def test_user_category_map_changes_the_denials_without_code_change(con, tmp_path):
    load_text(con, tmp_path, remittance_835("CLP*R1*1*100*0*0*12*P*11*1~SVC*HC:99213*100*0**1~CAS*CO*50*100"))
    assert rows(con, "SELECT category FROM denials") == [("medical_necessity",)]
    mine = tmp_path / "my_map.csv"
    reference.export(con, "carc-categories", mine)
    # (documentation is preventable 'yes': its CARCs say preventable = true)
    text = mine.read_text().replace("\n50,medical_necessity,denial,false,", "\n50,documentation,denial,true,")
    mine.write_text(text)
    assert reference.load(con, "carc-categories", mine) == len(read(DATA / "carc_categories.csv"))
    assert rows(con, "SELECT category FROM denials") == [("documentation",)]
    # the denials the pages count from (denial_units, a table rebuilt after the units are judged again) follow
    assert rows(con, "SELECT category, preventable FROM denial_units") == [("documentation", True)]
    assert rows(con, "SELECT origin FROM ref_sources WHERE name = 'carc-categories'") == [("user",)]
    # a user table stays in force when the database is opened again
    reference.ensure_tables(con)
    assert rows(con, "SELECT category FROM denials") == [("documentation",)]
    reference.reset(con, "carc-categories")
    assert rows(con, "SELECT category FROM denials") == [("medical_necessity",)]
    assert rows(con, "SELECT category, preventable FROM denial_units") == [("medical_necessity", False)]


def test_judging_every_unit_again_a_range_of_files_at_a_time_gives_the_units_the_loads_judged(con, monkeypatch):
    loader.load_paths(con, corpus_files(CORPUS_835))  # each file's units judged as it loads
    judged_at_load = rows(con, "SELECT * FROM fact_units ORDER BY ALL")
    monkeypatch.setattr(reference, "LINES_PER_PASS", 40)
    passes = reference._passes(con)
    assert len(passes) > 3 and any(last > first for first, last in passes[:-1])  # ranges, some of several files
    con.execute("DELETE FROM meta WHERE key = 'facts_fingerprint'")
    assert reference.refresh_facts(con)
    derived.refresh(con, force=True)  # the after-load step, as after a rule-set change: it flags readjudications
    assert rows(con, "SELECT * FROM fact_units ORDER BY ALL") == judged_at_load  # no file missed, none twice
    file_ids = [file_id for (file_id,) in rows(con, "SELECT file_id FROM fact_units")]
    assert file_ids == sorted(file_ids)  # in the order of the files, as the loads add them


@pytest.mark.parametrize(
    "content, problem",
    [
        ("carc,category,class,preventable\n50,coding,denial,true\n", r"missing column\(s\) appealable"),
        ("carc,category,class,preventable,appealable\n50,billing,denial,true,true\n", "unknown category 'billing'"),
        ("carc,category,class,preventable,appealable\n50,coding,maybe,true,true\n", "unknown class 'maybe'"),
        (
            "carc,category,class,preventable,appealable\n50,coding,denial,true,true\n50,other,denial,true,true\n",
            "repeated",
        ),
        (
            "carc,category,class,preventable,appealable\n50,coding,denial,perhaps,true\n",
            'Line: 2.*could not convert string "perhaps"',
        ),
    ],
)
def test_a_bad_user_table_is_refused_and_changes_nothing(con, tmp_path, content, problem):
    before = rows(con, "SELECT * FROM ref_carc_categories ORDER BY carc")
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    with pytest.raises(reference.ReferenceTableError, match=f"(?i){problem}"):
        reference.load(con, "carc-categories", bad)
    assert rows(con, "SELECT * FROM ref_carc_categories ORDER BY carc") == before


@pytest.mark.parametrize(
    "name, old, new, problem",
    [
        ("appeal-windows", "filing_indicator,MB,120", "plan,MB,120", "needs a scope among"),
        ("timely-filing", "default,*,", "payer_name,*,", "exactly one row with scope 'default'"),
        ("prevention-rules", ",waste_modifier,,MB,J1745,", ",waste_modifier,,MB,,", "needs a check among"),
        ("denial-categories", "rebill,yes,", "rebill,often,", "preventability 'often'"),
        ("denial-categories", "yes,corrected_claim", "yes,phone_call", "resolved_by 'phone_call'"),
    ],
)
def test_a_table_breaking_its_own_rules_is_refused_with_them(con, tmp_path, name, old, new, problem):
    """Beyond the keys, categories and classes every table keeps: a window table has known scopes and one
    default, a prevention rule what its check needs, a category a known preventability and way of resolution.
    The shipped table with one value changed is refused, and the table in force stays."""
    table = reference.TABLES[name].table
    before = rows(con, f"SELECT * FROM {table} ORDER BY ALL")
    shipped = (DATA / f"{name.replace('-', '_')}.csv").read_text()
    assert old in shipped
    bad = tmp_path / "bad.csv"
    bad.write_text(shipped.replace(old, new, 1))
    with pytest.raises(reference.ReferenceTableError, match=re.escape(problem)):
        reference.load(con, name, bad)
    assert rows(con, f"SELECT * FROM {table} ORDER BY ALL") == before


def test_a_newer_carc_list_loads_from_the_command_line(tmp_path):
    newer = tmp_path / "carc_2025.csv"
    lines = (DATA / "carc.csv").read_text().splitlines()
    newer.write_text("\n".join([*lines, "Z9,A code from a future list,2025-03-01,,"]) + "\n")
    db = tmp_path / "d.duckdb"
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(db), "reference", "load", "carc", str(newer)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"{len(lines)} rows loaded" in done.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(db), "reference", "list"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "carc" in listed.stdout and "user" in listed.stdout
