"""Units and checks derived in the parsing processes (ingest/ready.py) are those the writer derives: the
public corpus loaded through worker processes stores, row for row, what a load in one process (where the
writer casts, checks and derives units) stores, and fact_units is what queries/marts/adjudication_units.sql
gives on the rows loaded, with the target database's rules and with patient data hashed."""

from __future__ import annotations

import pytest

from analytics import database, loader, privacy
from analytics.database import sql
from analytics.ingest import memory, workers
from conftest import CORPUS_835, CORPUS_837, needs_shared, rows

pytestmark = needs_shared

_TABLES = (
    "source_files",
    "source_interchanges",
    "remit_payments",
    "remit_claims",
    "remit_service_lines",
    "remit_adjustments",
    "remit_remarks",
    "remit_references",
    "remit_amounts",
    "remit_provider_adjustments",
    "bill_claims",
    "bill_lines",
    "load_diagnostics",
    "fact_units",
)
# set when the file is stored, not read from it
_WHEN = {"source_files": " EXCLUDE (file_path, loaded_at)"}


@pytest.fixture
def in_workers(monkeypatch):
    """Loads through two worker processes, in groups small enough that there are many."""
    monkeypatch.setattr(memory, "CHUNK_BYTES", 128 * 1024)
    monkeypatch.setattr(memory, "WRITE_BYTES", 512 * 1024)
    monkeypatch.setattr(workers, "PROCESSES", 2)


def _load(db, processes: int, monkeypatch, rules: str = "") -> dict:
    monkeypatch.setattr(workers, "PROCESSES", processes)
    con = database.connect(db)
    if rules:
        con.execute(rules)
    results = loader.load_paths(con, [CORPUS_835, CORPUS_837])
    assert not [r for r in results if r.failed]
    stored = {t: rows(con, f"SELECT *{_WHEN.get(t, '')} FROM {t} ORDER BY ALL") for t in _TABLES}
    con.close()
    return stored


def _rederived(con) -> tuple[list, list]:
    """fact_units as stored, and as the units query gives it on the rows stored (readjudication is set
    after the load, across files)."""
    last = rows(con, "SELECT max(file_id) FROM source_files")[0][0]
    result = con.execute(
        f"SELECT * FROM ({sql('marts/adjudication_units')}) ORDER BY ALL", {"first_id": 0, "last_id": last}
    )
    columns = [column[0] for column in result.description]
    again = result.fetchall()
    stored = rows(con, f"SELECT {', '.join(columns)} FROM fact_units ORDER BY ALL")
    return stored, again


# a rule of the target database's own: the workers must judge with it, not with the shipped rules
_RULES = "UPDATE ref_carc_categories SET category = 'timely_filing' WHERE carc IN ('97', '16', '96')"


@pytest.mark.parametrize("rules", ["", _RULES], ids=["shipped rules", "the database's rules"])
def test_the_corpus_stores_the_same_with_units_from_the_workers_as_from_the_writer(
    tmp_path, monkeypatch, in_workers, rules
):
    writer = _load(tmp_path / "writer.duckdb", 1, monkeypatch, rules)
    ready = _load(tmp_path / "ready.duckdb", 2, monkeypatch, rules)
    for table in _TABLES:
        assert ready[table] == writer[table], table
    assert len(ready["fact_units"]) > 5000 and len(ready["load_diagnostics"]) > 1000


def test_units_from_the_workers_are_what_the_units_query_gives_on_the_rows_loaded(tmp_path, in_workers):
    con = database.connect(tmp_path / "ready.duckdb")
    con.execute(_RULES)
    loader.load_paths(con, [CORPUS_835, CORPUS_837])
    stored, again = _rederived(con)
    assert stored == again and len(stored) > 5000
    # the database's rule was applied
    assert rows(con, "SELECT count(*) FROM fact_units WHERE primary_reason = '97' AND category = 'timely_filing'")[0][0]
    con.close()


def test_with_patient_data_hashed_units_are_derived_from_the_hashed_rows(tmp_path, in_workers):
    con = database.connect(tmp_path / "hashed.duckdb")
    with privacy.hashing(True):
        loader.load_paths(con, [CORPUS_835])
    assert rows(con, "SELECT bool_and(patient_member_id IS NULL OR length(patient_member_id) = 64) FROM remit_claims")
    stored, again = _rederived(con)
    assert stored == again and len(stored) > 1000
    con.close()
