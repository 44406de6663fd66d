"""The after-load step rebuilt for the claims a load touches (analytics/derived.py, when files were only
added) gives exactly what one full rebuild gives: every after-load table, the change findings and
fact_units.readjudication, on the public corpus and on a demo history loaded in batches, including later
files that reverse, recoup, correct or pay again a claim of an earlier batch."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from analytics import database, demo, derived, findings, loader, models, reference
from conftest import CORPUS_835, CORPUS_837, corpus_files, needs_shared, remittance_835, rows
from test_recovery import DENIED, REVERSAL, load_sequence, paid

# Hand-written remittances of one patient's claims across the batches: R1 denied, then reversed and paid,
# then part of it recouped through PLB WO naming its CLP07; C1 denied, then paid on a corrected claim
# under another claim id whose REF*F8 names C1's CLP07 (a tie between two claim groups).
HAND = (
    ("20240315", [DENIED.format(id="R1", icn="PR1"), DENIED.format(id="C1", icn="PC1")], ""),
    ("20240420", [REVERSAL.format(id="R1", icn="PR1"), paid("R1", "PR1", 8000)], ""),
    ("20240601", [paid("C1B", "PC2", 7000, freq="7", ref="~REF*F8*PC1")], "PLB*1234567893*20241231*WO:PR1*30"),
)


def hand_file(folder: Path, n: int) -> Path:
    day, claims, plb = HAND[n]
    total = sum(float(c.split("*")[4]) for c in claims) - (float(plb.split("*")[-1]) if plb else 0)
    path = folder / f"hand_{day}.835"
    path.write_text(remittance_835(*claims, payment=f"{total:.2f}", plb=plb, payment_date=day, control=f"{n + 1:09d}"))
    return path


def snapshot(con) -> dict:
    """Every table the step writes, the views that read them (claim_status judges claim_status_rows as of
    the data date) and the readjudication flags, as sorted rows (floats to 9 places)."""
    tables = {t: f"SELECT * FROM {t} ORDER BY ALL" for t in derived.TABLES}
    tables |= {m.names[0]: f"SELECT * FROM {m.names[0]} ORDER BY ALL" for m in models.derived() if m.kind == "view"}
    tables["fact_units.readjudication"] = "SELECT unit_id, readjudication FROM fact_units ORDER BY ALL"
    return {
        name: [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows(con, query)]
        for name, query in tables.items()
    }


@pytest.fixture
def incremental(monkeypatch):
    """The number of rebuilds that took the incremental path."""
    calls = []
    rebuild = derived._rebuild_touched

    def counted(cur, since, *timer):
        calls.append(since)
        return rebuild(cur, since, *timer)

    monkeypatch.setattr(derived, "_rebuild_touched", counted)
    return calls


def load_in_batches(db: Path, batches: list[list[Path]]) -> None:
    con = database.connect(db)
    for batch in batches:
        loader.load_paths(con, batch)  # (the corpus's defective files are refused, as in test_corpus.py)
    con.close()


def assert_as_full_rebuild(db: Path, tmp_path: Path) -> None:
    """The database equals a copy of itself rebuilt in full."""
    full = tmp_path / "full.duckdb"
    shutil.copy(db, full)
    con = database.connect(full)
    derived.refresh(con, force=True)
    expected = snapshot(con)
    con.close()
    con = database.connect(db)
    got = snapshot(con)
    con.close()
    assert sum(len(v) for v in expected.values()) > 0
    for name in expected:
        assert got[name] == expected[name], name


def scope_of_last_file(con) -> list[str]:
    """The claim ids of the 835 claims in the scope of the last file loaded (rebuild_scope)."""
    since = rows(con, "SELECT max(file_id) - 1 FROM source_files")[0][0]
    scoped = rows(
        con,
        "SELECT DISTINCT claim_id FROM claims WHERE claim_key IN "
        "(SELECT value FROM rebuild_scope(?) WHERE key = 'claim_key') ORDER BY 1",
        [since],
    )
    return [claim_id for (claim_id,) in scoped]


@needs_shared
def test_corpus_in_three_batches_equals_a_full_rebuild(tmp_path, incremental):
    remits = corpus_files(CORPUS_835)
    third = len(remits) // 3
    batches = [
        [*remits[:third], hand_file(tmp_path, 0)],
        [*remits[third : 2 * third], *corpus_files(CORPUS_837), hand_file(tmp_path, 1)],
        [*remits[2 * third :], hand_file(tmp_path, 2)],
    ]
    db = tmp_path / "batches.duckdb"
    load_in_batches(db, batches)
    assert len(incremental) == 2
    con = database.connect(db)
    # the later batches reached the earlier claims: reversed and paid, recouped, paid on a corrected claim
    assert rows(
        con, "SELECT claim_id, status, recouped_amount FROM recoveries WHERE claim_id IN ('R1', 'C1') ORDER BY 1"
    ) == [
        ("C1", "recovered", 0),
        ("R1", "partially_recovered", 30),
    ]
    con.close()
    assert_as_full_rebuild(db, tmp_path)


def test_demo_month_by_month_equals_a_full_rebuild(tmp_path, incremental):
    demo.generate(tmp_path / "files", months=5, lines=6000, seed=5)
    files = sorted((tmp_path / "files").iterdir())
    months = sorted({f.name[:6] for f in files})
    db = tmp_path / "monthly.duckdb"
    load_in_batches(db, [[f for f in files if f.name.startswith(month)] for month in months])
    assert len(incremental) == len(months) - 1
    assert_as_full_rebuild(db, tmp_path)


def test_a_rules_or_sql_change_or_a_removed_file_rebuilds_in_full(tmp_path, incremental):
    files = corpus_files(CORPUS_835)[:6] or [hand_file(tmp_path, 0)]
    db = tmp_path / "changes.duckdb"
    con = database.connect(db)
    loader.load_paths(con, files[:3])
    loader.load_paths(con, files[3:4])
    assert len(incremental) == 1
    # the rules: a new appeal window
    windows = tmp_path / "windows.csv"
    windows.write_text("scope,value,days,description\ndefault,*,90,every payer\n")
    reference.load(con, "appeal-windows", windows)
    assert len(incremental) == 1
    # the SQL (as a new release sees the stored basis of an older one), with a file added
    con.execute("UPDATE meta SET value = 'an older release' WHERE key = 'recovery_basis'")
    loader.load_paths(con, files[4:5])
    assert len(incremental) == 1
    # a file removed (and another added)
    con.execute("DELETE FROM source_files WHERE file_id = (SELECT min(file_id) FROM source_files)")
    loader.load_paths(con, files[5:6])
    assert len(incremental) == 1
    # force
    assert derived.refresh(con, force=True)
    assert len(incremental) == 1
    con.close()


def test_an_incremental_rebuild_leaves_the_fingerprint_so_reopening_rebuilds_nothing(tmp_path, incremental):
    db = tmp_path / "reopen.duckdb"
    load_in_batches(db, [[hand_file(tmp_path, 0)], [hand_file(tmp_path, 1)]])
    assert len(incremental) == 1
    con = database.connect(db)
    assert not derived.refresh(con)
    con.close()


def test_the_scope_of_a_load_follows_its_ties_and_leaves_the_rest(tmp_path):
    """The third hand file pays C1B (REF*F8 naming C1's CLP07) and recoups R1's CLP07 by PLB WO: the scope
    holds C1's and R1's claims from the earlier files, and not an unrelated claim of the first file."""
    other = paid("X1", "PX1", 5000)
    first = hand_file(tmp_path, 0)
    first.write_text(first.read_text().replace("LX*2~", f"LX*2~{other}~LX*3~", 1))
    db = tmp_path / "scope.duckdb"
    load_in_batches(db, [[first], [hand_file(tmp_path, 1)], [hand_file(tmp_path, 2)]])
    con = database.connect(db)
    assert scope_of_last_file(con) == ["C1", "C1B", "R1"]
    assert rows(con, "SELECT count(*) FROM claims WHERE claim_id = 'X1'") == [(1,)]
    con.close()


def test_a_claim_paid_under_its_id_with_a_suffix_is_rebuilt_with_the_claim_it_follows(tmp_path, incremental):
    """S1 denied, then paid as S1-01 (the '-01'-style counter some practice systems add when they send a
    claim again): the load of S1-01 rebuilds both, so S1 is recovered, as a full rebuild has it."""
    db = tmp_path / "suffix.duckdb"
    con = database.connect(db)
    load_sequence(con, tmp_path, ("20240315", [DENIED.format(id="S1", icn="PS1")], ""))
    load_sequence(con, tmp_path, ("20240420", [paid("S1-01", "PS2", 8000)], ""))
    assert scope_of_last_file(con) == ["S1", "S1-01"]
    assert len(incremental) == 1
    assert rows(con, "SELECT claim_id, status FROM recoveries") == [("S1", "recovered")]
    con.close()
    assert_as_full_rebuild(db, tmp_path)


def test_a_drug_line_that_becomes_a_readjudication_leaves_its_day_of_drug_line_cells(tmp_path, incremental):
    """A drug claim paid on 10 June, then a remittance of the same claim dated 10 May loaded after it: the
    June adjudication is now the later one, and drug_line_cells' June day (by payment) loses its line, a
    day none of the new files' lines falls in (the groups before the rebuild, analytics/derived.py)."""
    drug = paid("D1", "PD1", 8000, mods=":JZ").replace("HC:99213", "HC:J1428")
    files = []
    for n, day in enumerate(("20240610", "20240510")):
        files.append(tmp_path / f"drug_{day}.835")
        files[-1].write_text(remittance_835(drug, payment="80", payment_date=day, control=f"{n + 1:09d}"))
    db = tmp_path / "drug.duckdb"
    load_in_batches(db, [[files[0]], [files[1]]])
    assert len(incremental) == 1
    con = database.connect(db)
    assert rows(con, "SELECT payment_date, readjudication FROM fact_units WHERE unit_kind = 'line' ORDER BY 1") == [
        (date(2024, 5, 10), False),
        (date(2024, 6, 10), True),
    ]
    assert rows(con, "SELECT basis_date, lines FROM drug_line_cells WHERE basis = 'payment'") == [
        (date(2024, 5, 10), 1)
    ]
    con.close()
    assert_as_full_rebuild(db, tmp_path)


def test_the_change_findings_are_kept_when_no_month_they_count_changed(tmp_path, incremental, monkeypatch):
    """A six-month demo loaded up to 15 October, then the rest of October: the findings' period (September
    against the three months before) is the same and the new claims are October's, so the findings are
    kept, not tested again; then a remittance paid in September loaded late: tested again. Both equal a
    full rebuild."""
    computed = []
    compute = findings.compute

    def counted(fetch, period, *args):
        computed.append(period)
        return compute(fetch, period, *args)

    monkeypatch.setattr(findings.analysis, "compute", counted)  # where the after-load step looks it up
    demo.generate(tmp_path / "files", months=6, lines=8000, seed=5)
    files = sorted((tmp_path / "files").iterdir())
    db = tmp_path / "kept.duckdb"
    # (in two loads: the first rebuild of a new database comes before its macros, without findings)
    load_in_batches(
        db, [[f for f in files if f.name[:6] == "202605"], [f for f in files if "202606" <= f.name[:8] <= "20261015"]]
    )
    con = database.connect(db)
    assert rows(con, "SELECT DISTINCT period_from FROM change_findings_rows") == [(date(2026, 9, 1),)]
    con.close()
    computed.clear()
    load_in_batches(db, [[f for f in files if f.name[:8] > "20261015"]])
    assert len(incremental) == 2 and computed == []
    assert_as_full_rebuild(db, tmp_path)
    late = tmp_path / "late.835"
    late.write_text(remittance_835(paid("Z9", "PZ9", 5000), payment="50", payment_date="20260915", control="000000009"))
    computed.clear()
    load_in_batches(db, [[late]])
    assert len(incremental) == 3 and len(computed) == 1
    assert_as_full_rebuild(db, tmp_path)
