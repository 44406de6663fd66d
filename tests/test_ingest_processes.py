"""The number of parsing processes (ingest.workers.PROCESSES, set by bench/ingest.py to show how a load
scales) changes how fast a load is, never what it stores: the corpus loaded with 1 (parsed in the
loading process), 2 and 4 processes gives the same rows, units and diagnostics."""

from __future__ import annotations

import shutil

import pytest

from analytics import database, loader
from analytics.ingest import memory, workers
from conftest import CORPUS_835, corpus_files, needs_shared, rows

_TABLES = (
    "remit_payments",
    "remit_claims",
    "remit_service_lines",
    "remit_adjustments",
    "remit_references",
    "fact_units",
    "load_diagnostics",
)


def _stored(con) -> dict:
    return {table: rows(con, f"SELECT * EXCLUDE (file_id) FROM {table} ORDER BY ALL") for table in _TABLES}


@needs_shared
@pytest.mark.parametrize("processes", [2, 4])
def test_a_load_stores_the_same_whatever_the_number_of_parsing_processes(tmp_path, monkeypatch, processes):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in corpus_files(CORPUS_835)[:12]:
        shutil.copy(path, folder / path.name)
    monkeypatch.setattr(memory, "CHUNK_BYTES", 64 * 1024)  # several groups, so that the pool is used
    stored = {}
    for count in (1, processes):
        monkeypatch.setattr(workers, "PROCESSES", count)
        assert workers.processes() == count
        con = database.connect(tmp_path / f"{count}.duckdb")
        results = loader.load_paths(con, [folder])
        assert not [r for r in results if r.status == "failed"]
        stored[count] = _stored(con)
        con.close()
    assert stored[1] == stored[processes]
    assert stored[1]["remit_claims"]


def test_processes_defaults_to_every_core(monkeypatch):
    monkeypatch.setattr(workers, "PROCESSES", 0)
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 8)
    assert workers.processes() == 8
