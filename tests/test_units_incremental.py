"""fact_units is built as files load, batch by batch (ingest/store.py) and piece by piece for a streamed
file (ingest/streaming.py): it must equal queries/marts/adjudication_units.sql run once over every row
loaded, with the database's own rules and with patient data stored hashed."""

from __future__ import annotations

import pytest

from analytics import database, loader, privacy
from analytics.database import sql
from analytics.ingest import memory, workers
from conftest import CORPUS_835, CORPUS_837, needs_shared, rows

pytestmark = needs_shared

# a rule of the database's own, to see that the load judges with it
_RULES = "UPDATE ref_carc_categories SET category = 'timely_filing' WHERE carc IN ('97', '16', '96')"


def _stored_and_rederived(con) -> tuple[list, list]:
    """fact_units as stored, and as the units query gives it on the rows stored (readjudication is set
    after the load, across files)."""
    last = rows(con, "SELECT max(file_id) FROM source_files")[0][0]
    result = con.execute(
        f"SELECT * FROM ({sql('marts/adjudication_units')}) ORDER BY ALL", {"first_id": 0, "last_id": last}
    )
    columns = [column[0] for column in result.description]
    again = result.fetchall()
    return rows(con, f"SELECT {', '.join(columns)} FROM fact_units ORDER BY ALL"), again


@pytest.mark.parametrize("processes", [1, 2])
def test_units_stored_as_files_load_are_the_units_query_over_everything_loaded(tmp_path, monkeypatch, processes):
    monkeypatch.setattr(memory, "CHUNK_BYTES", 128 * 1024)  # many groups and transactions
    monkeypatch.setattr(memory, "WRITE_BYTES", 512 * 1024)
    monkeypatch.setattr(memory, "STREAM_BYTES", 256 * 1024)  # the largest corpus files streamed
    monkeypatch.setattr(workers, "PROCESSES", processes)
    con = database.connect(tmp_path / "units.duckdb")
    con.execute(_RULES)
    assert not [r for r in loader.load_paths(con, [CORPUS_835, CORPUS_837]) if r.failed]
    stored, again = _stored_and_rederived(con)
    assert stored == again and len(stored) > 5000
    assert rows(con, "SELECT count(*) FROM fact_units WHERE primary_reason = '97' AND category = 'timely_filing'")[0][0]
    con.close()


def test_with_patient_data_hashed_units_are_derived_from_the_hashed_rows(tmp_path):
    con = database.connect(tmp_path / "hashed.duckdb")
    with privacy.hashing(True):
        loader.load_paths(con, [CORPUS_835])
    assert rows(con, "SELECT bool_and(patient_member_id IS NULL OR length(patient_member_id) = 64) FROM remit_claims")
    stored, again = _stored_and_rederived(con)
    assert stored == again and len(stored) > 1000
    con.close()
