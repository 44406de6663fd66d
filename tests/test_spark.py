"""The loads and the SQL graph on Apache Spark (analytics/spark/): pyspark in local mode, one session
for the module, and one load on a standalone cluster (executors in processes of their own). Skipped, with
the reason, where there is no Java or no pyspark."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analytics import database, loader, models
from analytics.spark import session
from tests.conftest import CORPUS_835, CORPUS_837, free_port, needs_shared

MISSING = session.java_missing()
pytestmark = [needs_shared, pytest.mark.skipif(MISSING is not None, reason=f"Spark cannot run here: {MISSING}")]


@pytest.fixture(scope="module")
def spark():
    return session.start("local[2]", shuffle_partitions=2)


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    """A small demo history (four months, about 1,000 service lines in 200 files, its recoveries and
    corrected claims), with a file the reader refuses."""
    from analytics import demo

    folder = tmp_path_factory.mktemp("demo") / "files"
    demo.generate(folder, months=4, lines=1500, seed=11)
    (folder / "refused.835").write_text("not an X12 interchange\n")
    return folder


@pytest.fixture(scope="module")
def history_db(tmp_path_factory, demo_files):
    """DuckDB loaded as the lake is: the corpus in one load, then the demo history in a second."""
    path = tmp_path_factory.mktemp("duckdb") / "history.duckdb"
    con = database.connect(path)
    corpus = loader.load_paths(con, [CORPUS_835, CORPUS_837])
    demo = loader.load_paths(con, [demo_files])
    con.close()
    return path, corpus, demo


@pytest.fixture(scope="module")
def history_lake(spark, tmp_path_factory, demo_files):
    """The lake: the corpus in one run, the demo history in a second (keys and file ids continue),
    then one build of the marts over both."""
    from analytics.spark import load, sql

    root = str(tmp_path_factory.mktemp("lake") / "lake")
    corpus = load.load(spark, [str(CORPUS_835), str(CORPUS_837)], root)
    demo = load.load(spark, [str(demo_files)], root)
    builder = sql.build(spark, root)  # denials, recoveries, monthly_measures, claim_status
    return root, corpus, demo, builder


def _count(con, query: str) -> int:
    return con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0]


def test_every_file_transpiles_or_has_a_spark_variant():
    from analytics.spark import sql

    macros = {m.name: m for model in models.graph().values() for m in sql.macros_of(model)}
    for model in models.graph().values():
        if model.kind in ("macros", "units table") or sql.has_variant(model):
            continue  # macros are inlined where they are called; fact_units is built from its query
        statements = sql.to_spark(model.text(), macros, sql.ALL_FILES)
        assert statements and all(s.strip() for s in statements), model.path
    # a variant carries the header of the file it stands for
    for model in models.graph().values():
        if sql.has_variant(model):
            head = sql.variant_path(model).read_text().splitlines()[:2]
            assert head == model.text().splitlines()[:2], model.path


LOADED = (
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
)


def _same_rows(con, root: str, table: str) -> tuple:
    """(rows in DuckDB, rows in the lake, rows only in DuckDB, rows only in the lake) of a loaded table."""
    if table in ("load_diagnostics", "bill_birth_date_hashes"):  # not partitioned
        theirs = f"SELECT * FROM read_parquet('{root}/raw/{table}/*.parquet')"
    else:
        theirs = (
            "SELECT * EXCLUDE (payment_month)"
            f" FROM read_parquet('{root}/raw/{table}/**/*.parquet', hive_partitioning = true)"
        )
    ours = f"SELECT * FROM {table}"
    return (
        _count(con, ours),
        _count(con, theirs),
        _count(con, f"{ours} EXCEPT ALL {theirs}"),
        _count(con, f"{theirs} EXCEPT ALL {ours}"),
    )


def test_corpus_and_demo_history_load_into_the_lake_like_duckdb(spark, history_lake, history_db):
    import duckdb

    root, corpus, demo, _ = history_lake
    path, corpus_results, demo_results = history_db
    con = duckdb.connect(str(path), read_only=True)
    corpus_files = sum(r.status == "loaded" for r in corpus_results)
    assert corpus.counts() == {"loaded": corpus_files, "already loaded": 1}
    assert demo.counts() == {"loaded": sum(r.status == "loaded" for r in demo_results), "failed": 1}
    assert demo.counts()["loaded"] > 150 and demo.lines > 500
    # every loaded table and the diagnostics (the readers', unreadable values, the balance checks),
    # keys and file ids included: the demo's run numbers its files and keys after the corpus's
    for table in (*LOADED, "load_diagnostics"):
        duckdb_rows, lake_rows, only_duckdb, only_lake = _same_rows(con, root, table)
        assert (lake_rows, only_duckdb, only_lake) == (duckdb_rows, 0, 0), table
        if table in ("remit_claims", "bill_claims", "remit_service_lines"):
            assert _count(con, f"SELECT 1 FROM {table} WHERE file_id > {corpus_files}") > 300, table
    checks = "message LIKE '%does not balance%' OR message LIKE '%has no readable charge%'"
    assert _count(con, f"SELECT 1 FROM load_diagnostics WHERE {checks}") > 10  # the balance checks ran
    # same columns and types as the DuckDB tables (money DECIMAL(18, 2))
    from analytics.spark.lake import Lake, schema_of

    lake = Lake(spark, root)
    assert lake.read_raw("remit_service_lines").schema == schema_of("remit_service_lines")
    assert dict(lake.read_raw("remit_claims").dtypes)["paid_amount"] == "decimal(18,2)"


def test_refused_and_skipped_files_are_in_the_lake_as_duckdb_reports_them(history_lake, history_db):
    import duckdb

    root, corpus, demo, _ = history_lake
    _, corpus_results, demo_results = history_db
    ours = {(r.path.name, r.status, r.message) for r in corpus_results + demo_results}
    con = duckdb.connect()
    theirs = set(
        con.execute(
            "SELECT regexp_extract(path, '[^/]+$'), status, message"
            f" FROM read_parquet('{root}/results/*.parquet') WHERE status <> 'loaded'"
        ).fetchall()
    )
    assert theirs == {r for r in ours if r[1] != "loaded"}
    assert ("refused.835", "failed") in {r[:2] for r in theirs}


@pytest.mark.parametrize("mart", ["denials", "recoveries", "monthly_measures", "claim_status"])
def test_marts_on_spark_equal_duckdb_row_for_row(history_lake, history_db, mart):
    import duckdb

    from analytics.spark import compare

    root, corpus, _, _ = history_lake
    con = duckdb.connect(str(history_db[0]), read_only=True)
    found = compare.differences(con, root, mart)
    assert found == {**found, "lake": found["duckdb"], "only_duckdb": 0, "only_lake": 0, "missing_columns": []}
    # both histories are in it: the corpus (file ids first) and the demo (after them)
    corpus_files = corpus.counts()["loaded"]
    columns = {r[0] for r in con.execute(f"DESCRIBE {mart}").fetchall()}
    if "file_id" in columns:
        assert _count(con, f"SELECT 1 FROM {mart} WHERE file_id <= {corpus_files}") > 30
        assert _count(con, f"SELECT 1 FROM {mart} WHERE file_id > {corpus_files}") > 5
    else:
        assert found["duckdb"] > 30


def test_a_rerun_loads_nothing_twice_and_a_killed_run_leaves_nothing(spark, history_lake, tmp_path):
    from analytics.spark import load
    from analytics.spark.lake import Lake

    root, first, _, _ = history_lake
    lake = Lake(spark, root)
    lines = lake.read_raw("remit_service_lines").count()
    again = load.load(spark, [str(CORPUS_835)], root)
    assert set(again.counts()) == {"already loaded"} and again.lines == 0
    assert lake.read_raw("remit_service_lines").count() == lines
    # a run killed before it was READY: its staged files are never read, and the next run drops them
    killed = lake.path("_staging", "20000101T000000-dead")
    lake.write_text(f"{killed}/remit_claims/payment_month=2020-01-01/part-0.parquet", "not parquet")
    assert lake.read_raw("remit_claims").count() > 0
    load.recover(lake)
    assert not lake.exists(killed)
    # a run killed while publishing (READY): the next run finishes it, and only then is it read
    runs = lake.committed_runs()
    assert runs and first.run in runs


def test_the_dashboard_reads_the_lake_through_duckdb(history_lake, history_db, monkeypatch):
    import duckdb

    from analytics import data

    root, _, _, _ = history_lake
    monkeypatch.setenv("DENIALS_LAKE", root)
    path = data.database_path()
    lake = duckdb.connect(str(path), read_only=True)
    own = duckdb.connect(str(history_db[0]), read_only=True)
    query = "SELECT count(*), sum(denied_amount), count(DISTINCT file_id) FROM denials"
    assert lake.execute(query).fetchall() == own.execute(query).fetchall()
    query = "SELECT count(*), sum(paid_amount) FROM remit_service_lines"
    assert lake.execute(query).fetchall() == own.execute(query).fetchall()


def test_patient_data_hashed_on_spark_as_in_duckdb(spark, tmp_path):
    """--hash-patient-data: with the same salt, the lake holds DuckDB's hashes (names, member ids, birth
    dates, diagnostics quoting them); here with one file per task, the load's other packing, and the
    837 folder named first: files are numbered in the order named, as the DuckDB loader numbers them."""
    import duckdb

    from analytics import privacy
    from analytics.spark import finish, load
    from analytics.spark.lake import Lake

    inputs = [CORPUS_837, *sorted(CORPUS_835.iterdir())[:12]]
    path = tmp_path / "hashed.duckdb"
    con = database.connect(path)
    with privacy.hashing(True):
        loader.load_paths(con, inputs)
    salt = con.execute("SELECT value FROM meta WHERE key = 'patient_data_salt'").fetchall()[0][0]
    con.close()
    root = str(tmp_path / "lake")
    outcome = load.load(spark, [str(p) for p in inputs], root, task_bytes=0, hash_patient_data=True, salt=salt)
    assert outcome.counts()["loaded"] > 20
    assert finish.salt(Lake(spark, root)) == salt
    con = duckdb.connect(str(path), read_only=True)
    for table in ("remit_claims", "bill_claims", "bill_birth_date_hashes", "load_diagnostics"):
        duckdb_rows, lake_rows, only_duckdb, only_lake = _same_rows(con, root, table)
        assert (lake_rows, only_duckdb, only_lake) == (duckdb_rows, 0, 0), table
    hashed = "SELECT subscriber_member_id FROM bill_claims WHERE subscriber_member_id IS NOT NULL"
    assert _count(con, hashed) > 100
    assert all(privacy.is_hashed(v) for (v,) in con.execute(hashed).fetchall())
    assert _count(con, "SELECT 1 FROM bill_birth_date_hashes") > 100
    hashed = "SELECT patient_member_id FROM remit_claims WHERE patient_member_id IS NOT NULL"
    assert _count(con, hashed) > 20
    assert all(privacy.is_hashed(v) for (v,) in con.execute(hashed).fetchall())


def test_files_named_with_underscore_or_dot_load_as_the_duckdb_loader_loads_them(spark, tmp_path):
    """Spark's file listing leaves out names starting with '_' or '.' (Hadoop's hidden files) wherever it
    meets them, a file named itself too: the load still reads every file the DuckDB loader reads (a
    '_remit.835', a folder '_old/', a file named '_named.835'), and, as it does, leaves out of a folder
    only the names starting with '.'; each file is reported under its own path, none silently dropped."""
    import shutil
    from pathlib import Path

    from analytics.spark import load

    files = [p for p in sorted(CORPUS_835.iterdir()) if p.is_file()][:6]
    folder = tmp_path / "in"
    (folder / "_old").mkdir(parents=True)
    (folder / ".cache").mkdir()
    shutil.copy(files[0], folder / "_remit.835")
    shutil.copy(files[1], folder / "plain.835")
    shutil.copy(files[2], folder / "_old" / "_older.835")
    shutil.copy(files[3], folder / ".hidden.835")  # left out of a folder by both loaders
    shutil.copy(files[4], folder / ".cache" / "cached.835")
    named = tmp_path / "_named.835"
    shutil.copy(files[5], named)
    inputs = [str(folder), str(named)]
    con = database.connect(tmp_path / "db.duckdb")
    theirs = loader.load_paths(con, inputs)
    con.close()
    root = str(tmp_path / "lake")
    outcome = load.load(spark, inputs, root)
    ours = sorted((Path(path).name, status) for path, status, _, _ in outcome.files)
    assert ours == sorted((r.path.name, r.status) for r in theirs)
    assert {name for name, _ in ours} == {"_remit.835", "plain.835", "_older.835", "_named.835"}
    assert all("_staging" not in path and path.startswith("file:" + str(tmp_path)) for path, *_ in outcome.files)
    import duckdb

    con = duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True)
    for table in ("remit_claims", "remit_service_lines", "load_diagnostics"):
        duckdb_rows, lake_rows, only_duckdb, only_lake = _same_rows(con, root, table)
        assert (lake_rows, only_duckdb, only_lake) == (duckdb_rows, 0, 0), table
    assert _count(con, "SELECT DISTINCT file_id FROM remit_claims") == 4


def _first_load(path, last_file: int):
    """DuckDB's database at `path` as its first load left it (files 1..last_file): each loaded table and
    the diagnostics a view of their rows (in a connection of its own)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{path}' AS history (READ_ONLY)")
    for table in (*LOADED, "load_diagnostics"):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM history.{table} WHERE file_id <= {last_file}")
    return con


def test_big_files_are_streamed_by_their_tasks_into_what_reading_them_whole_loads(
    spark, history_db, tmp_path, monkeypatch
):
    """A file over memory.STREAM_BYTES is not read by Spark: its task opens it and streams it as the
    DuckDB loader does. The threshold and the piece are lowered (read by the driver, handed to the
    tasks), so that most of the corpus is streamed, some files in tens of pieces: the results,
    every loaded table and the diagnostics, keys and file ids included, equal DuckDB's load of the corpus
    read whole (the first load of history_db)."""
    from analytics.ingest import memory
    from analytics.spark import load

    threshold = 1300
    monkeypatch.setattr(memory, "STREAM_BYTES", threshold)
    monkeypatch.setattr(memory, "PIECE_CHARS", 2000)
    root = str(tmp_path / "lake")
    outcome = load.load(spark, [str(CORPUS_835), str(CORPUS_837)], root)
    big = {p.name for folder in (CORPUS_835, CORPUS_837) for p in folder.iterdir() if p.stat().st_size > threshold}
    assert {path.rsplit("/", 1)[-1] for path in outcome.pieces} == big and len(big) > 30
    # a transaction set is never cut: files of one large set are one or two pieces
    assert sum(n > 1 for n in outcome.pieces.values()) > 15 and max(outcome.pieces.values()) > 50
    _, corpus_results, _ = history_db
    assert sorted((p.rsplit("/", 1)[-1], s, m) for p, s, m, _ in outcome.files) == sorted(
        (r.path.name, r.status, r.message) for r in corpus_results
    )
    con = _first_load(history_db[0], sum(r.status == "loaded" for r in corpus_results))
    for table in (*LOADED, "load_diagnostics"):
        duckdb_rows, lake_rows, only_duckdb, only_lake = _same_rows(con, root, table)
        assert (lake_rows, only_duckdb, only_lake) == (duckdb_rows, 0, 0), table


def test_a_streamed_file_is_refused_as_duckdb_refuses_it_and_a_rerun_changes_nothing(spark, tmp_path, monkeypatch):
    """Files streamed on both loaders: one that is not X12, one cut short after some of its pieces were
    read, one binary (refused before its first piece), one good: the same statuses and messages, the good
    one's rows; run again, the good one is already loaded (by the digest its task computed) and nothing
    changes."""
    from analytics.ingest import memory
    from analytics.spark import load
    from analytics.spark.lake import Lake
    from tests.test_streaming import _big_835

    monkeypatch.setattr(memory, "STREAM_BYTES", 20_000)
    monkeypatch.setattr(memory, "PIECE_CHARS", 3000)
    folder = tmp_path / "in"
    folder.mkdir()
    big = _big_835(6)
    (folder / "big.835").write_text(big)
    (folder / "cut.835").write_text(big[: big.rindex("SE*") - 40])
    (folder / "not_x12.835").write_text("not an X12 interchange\n" * 2000)
    (folder / "binary.835").write_bytes(b"ISA" + b"\0" * 30_000)
    con = database.connect(tmp_path / "db.duckdb")
    theirs = sorted((r.path.name, r.status, r.message) for r in loader.load_paths(con, [folder]))
    con.close()
    assert [status for _, status, _ in theirs] == ["loaded", "failed", "failed", "failed"]
    assert "truncated 835" in theirs[2][2]
    root = str(tmp_path / "lake")
    first = load.load(spark, [str(folder)], root)
    assert sorted((p.rsplit("/", 1)[-1], s, m) for p, s, m, _ in first.files) == theirs
    pieces = {p.rsplit("/", 1)[-1]: n for p, n in first.pieces.items()}
    assert pieces["binary.835"] == 0 and pieces["cut.835"] > 10 and pieces["big.835"] > pieces["cut.835"]
    import duckdb

    con = duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True)
    for table in ("remit_payments", "remit_claims", "remit_service_lines", "remit_adjustments", "load_diagnostics"):
        duckdb_rows, lake_rows, only_duckdb, only_lake = _same_rows(con, root, table)
        assert (lake_rows, only_duckdb, only_lake) == (duckdb_rows, 0, 0), table
    lake = Lake(spark, root)
    before = {table: lake.read_raw(table).count() for table in (*LOADED, "load_diagnostics")}
    again = load.load(spark, [str(folder)], root)
    refused = [r for r in theirs if r[1] == "failed"]
    assert sorted((p.rsplit("/", 1)[-1], s, m) for p, s, m, _ in again.files) == sorted(
        [*refused, ("big.835", "already loaded", "same content as big.835; nothing changed")]
    )
    assert again.pieces[f"file:{folder}/big.835"] == 0 and again.lines == 0
    assert {table: lake.read_raw(table).count() for table in before} == before
    assert lake.read_meta("files").count() == 1


def test_a_file_that_changes_while_its_task_streams_it_is_refused_as_duckdb_refuses_it(tmp_path, monkeypatch):
    """The file grows between the survey (size, SHA-256) and the pieces: refused with the DuckDB
    loader's message, in the executors' own function (a test's patch does not reach Spark's workers)."""
    from analytics.ingest import memory, streaming
    from analytics.spark import load
    from tests.test_streaming import _big_835

    path = tmp_path / "growing.835"
    real = streaming.survey

    def survey_then_append(*args):
        found = real(*args)
        with open(path, "a") as f:
            f.write("\n")
        return found

    monkeypatch.setattr(streaming, "survey", survey_then_append)
    monkeypatch.setattr(memory, "STREAM_BYTES", 0)
    monkeypatch.setattr(memory, "PIECE_CHARS", 2000)
    text = _big_835(8)  # more than x12.stream looks ahead: pieces are read before the change shows
    path.write_text(text)
    con = database.connect(tmp_path / "db.duckdb")
    theirs = loader.load_file(con, path)
    con.close()
    assert theirs.status == "failed" and "changed while it was being loaded" in theirs.message
    path.write_text(text)
    batches = list(load.streamed_envelope(f"file:{path}", frozenset(), 2000))
    ours = batches[-1].to_pylist()[-1]
    assert (ours["_table"], ours["_status"], ours["_message"]) == ("_file", "failed", theirs.message)
    assert ours["_pieces"] > 10 and len(batches) > 10


def test_csv_exports_load_on_spark_as_load_csv_loads_them(spark, tmp_path):
    """`spark load --csv claims|remittances`: the CSV reader runs in the executors as `load-csv` runs it
    (the same reader contract, the format named, its mapping): the same rows, keys, diagnostics, and a
    refused file with its message and its rows' problems."""
    import json

    import duckdb

    from analytics import csv_import
    from analytics.ingest.contract import ReadOptions
    from analytics.spark import load
    from tests.test_csv_import import CLAIMS, EXPORTED_CLAIMS, MAPPINGS, REMITS

    claims = tmp_path / "claims"
    claims.mkdir()
    (claims / "claims.csv").write_text(CLAIMS)
    (claims / "refused.csv").write_text(CLAIMS.replace("2024-03-05", "2024-13-05"))
    exported = tmp_path / "exported"
    exported.mkdir()
    (exported / "exported.csv").write_text(EXPORTED_CLAIMS.replace("A100", "E100").replace("B200", "E200"))
    remits = tmp_path / "remits"
    remits.mkdir()
    (remits / "remits.csv").write_text(REMITS)
    mapping = csv_import.read_mapping(MAPPINGS / "claims-semicolon-decimal-comma.toml", "claims")
    runs = [("claims", claims, None), ("claims", exported, mapping), ("remittances", remits, None)]
    con = database.connect(tmp_path / "db.duckdb")
    theirs = []
    for layout, folder, rules in runs:
        items = [(p, None) for p in sorted(folder.iterdir())]
        theirs += loader.load_contents(con, items, fmt=csv_import.KINDS[layout], options=ReadOptions(mapping=rules))
    con.close()
    root = str(tmp_path / "lake")
    ours = []
    for layout, folder, rules in runs:
        options = ReadOptions(mapping=rules)
        ours += load.load(spark, [str(folder)], root, fmt=csv_import.KINDS[layout], options=options).files
    assert sorted((p.rsplit("/", 1)[-1], s, m) for p, s, m, _ in ours) == sorted(
        (r.path.name, r.status, r.message) for r in theirs
    )
    assert [r.status for r in theirs].count("loaded") == 3
    refused = next(r for r in theirs if r.status == "failed")
    assert refused.problems
    found = (
        duckdb.connect()
        .execute(f"SELECT problems FROM read_parquet('{root}/results/*.parquet') WHERE status = 'failed'")
        .fetchall()
    )
    assert [tuple(p) for p in json.loads(found[0][0])] == [tuple(p) for p in refused.problems]
    con = duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True)
    for table in (*LOADED, "load_diagnostics"):
        duckdb_rows, lake_rows, only_duckdb, only_lake = (
            _same_rows(con, root, table) if _count(con, f"SELECT 1 FROM {table}") else (0, 0, 0, 0)
        )
        assert (lake_rows, only_duckdb, only_lake) == (duckdb_rows, 0, 0), table
    assert _count(con, "SELECT 1 FROM bill_lines") > 6 and _count(con, "SELECT 1 FROM remit_adjustments") > 4


def test_the_dashboard_on_the_lake_has_every_table_its_pages_read(history_lake, history_db, monkeypatch):
    """With DENIALS_LAKE, the after-load tables the Spark build does not make (line_matches, flagged_lines,
    recovery_rates..., the change findings) are made by DuckDB from the lake with the same SQL: equal to
    the DuckDB database's row for row; remarks keep the order they were sent (rowid); every page runs."""
    import duckdb

    from analytics import data, derived
    from tests.conftest import APP, PAGES

    root, _, _, _ = history_lake
    monkeypatch.setenv("DENIALS_LAKE", root)
    path = data.database_path()
    lake = duckdb.connect(str(path), read_only=True)
    lake.execute(f"ATTACH '{history_db[0]}' AS own (READ_ONLY)")
    rows = {}
    for table in (*derived.TABLES, "remarks", "change_findings"):
        columns = ", ".join(f'"{r[0]}"' for r in lake.execute(f"DESCRIBE own.main.{table}").fetchall())
        # remarks: sent_order is a rowid, its values the load's own; what it says is the order within a claim
        sent = "row_number() OVER (PARTITION BY claim_key, line_key ORDER BY sent_order) AS sent_order"
        columns = columns.replace('"sent_order"', sent)
        ours, theirs = f"SELECT {columns} FROM own.main.{table}", f"SELECT {columns} FROM main.{table}"
        rows[table] = _count(lake, ours)
        found = (
            _count(lake, theirs),
            _count(lake, f"{ours} EXCEPT ALL {theirs}"),
            _count(lake, f"{theirs} EXCEPT ALL {ours}"),
        )
        assert found == (rows[table], 0, 0), table
    assert min(rows[t] for t in ("line_matches", "recovery_rates", "remarks")) > 0, rows
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DENIALS_DEMO_DB", str(root) + "-unused-demo.duckdb")
    for page in PAGES:
        at = AppTest.from_file(APP)
        at.run(timeout=300)
        at.switch_page(page).run(timeout=300)
        assert not at.exception, (page, [e.value for e in at.exception])


def test_spark_load_prints_a_refused_csv_files_row_problems_as_load_csv_does(spark, tmp_path, capsys):
    """`spark load --csv`: a refused file's line, then its rows' problems below it, one per line, in the
    words `load-csv` prints them (line, column, message)."""
    from analytics.__main__ import main
    from tests.test_csv_import import CLAIMS

    head = "".join(CLAIMS.splitlines(keepends=True)[:3])  # the header and claim A100's two lines
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad.csv").write_text(head.replace("2024-03-01,A100-2", "2024-02-30,A100-2"))
    args = ["spark", "load", "--csv", "claims", "--input", str(folder), "--lake", str(tmp_path / "lake")]
    assert main([*args, "--master", "local[2]", "--no-build"]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == [
        f"file:{folder}/bad.csv: failed: 1 problem(s) in the rows; nothing loaded",
        "    line 3, service_date: '2024-02-30' is not a date (YYYY-MM-DD or YYYYMMDD)",
    ]
    assert printed[2].startswith("run ") and printed[2].endswith(": 1 failed; 0 service lines loaded")


def _wait_for(log: Path, text: str, processes: list, seconds: float = 120) -> None:
    """Until `text` is in a daemon's log; fails with the log's end when it is not in time or a daemon died."""
    deadline = time.monotonic() + seconds
    while text not in log.read_text(errors="replace"):
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            pytest.fail(f"{log.name}: no {text!r}: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)


@pytest.fixture
def standalone_cluster(tmp_path):
    """A Spark standalone cluster on this machine: a Master and a Worker (2 cores) started from the pip
    pyspark install as processes of their own, on free ports; yields (master URL, the worker's work
    folder) once the worker has registered, and always stops both. Neither has PYTHONPATH: the executors
    import the project only from the zip `session.start` ships."""
    import pyspark

    home = Path(pyspark.__file__).parent
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(SPARK_HOME=str(home), SPARK_LOCAL_IP="127.0.0.1", SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false")
    url = f"spark://127.0.0.1:{free_port()}"
    work = tmp_path / "work"
    daemons = [
        ("master", ["org.apache.spark.deploy.master.Master", "--port", url.rsplit(":", 1)[1]], "elected leader"),
        (
            "worker",
            ["org.apache.spark.deploy.worker.Worker", url, "--cores", "2", "--memory", "1g", "--work-dir", str(work)],
            "Successfully registered with master",
        ),
    ]
    processes: list = []
    try:
        for name, args, ready in daemons:
            log = tmp_path / f"{name}.log"
            with open(log, "wb") as output:
                command = [str(home / "bin" / "spark-class"), *args, "--host", "127.0.0.1", "--webui-port", "0"]
                processes.append(
                    subprocess.Popen(command, cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT)
                )
            _wait_for(log, ready, processes)
        yield url, work
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_the_corpus_loads_on_a_standalone_cluster_as_into_duckdb(standalone_cluster, history_db, tmp_path):
    """`spark load --master spark://...` on a real cluster, where the readers run in executors of their
    own (JVMs, working folders, Python workers) importing the project from the shipped zip: the corpus's
    loaded tables and diagnostics equal a DuckDB load's row for row. (The build's SQL runs in the JVMs,
    no Python in the executors: its run on this cluster is in docs/scale.md, too long for here.)"""
    url, work = standalone_cluster
    _, theirs, _ = history_db  # its first load: the corpus
    loaded = sum(r.status == "loaded" for r in theirs)
    con = _first_load(history_db[0], loaded)
    lines = con.execute("SELECT count(*) FROM remit_service_lines").fetchall()[0][0]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    inputs = ["--input", str(CORPUS_835), "--input", str(CORPUS_837)]
    command = [sys.executable, "-m", "analytics", "spark", "load", *inputs, "--lake", str(tmp_path / "lake")]
    done = subprocess.run(
        [*command, "--master", url, "--no-build"],
        cwd=session.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-1].endswith(f": 1 already loaded, {loaded} loaded; {lines} service lines loaded")
    assert list(work.glob("app-*/*/analytics.zip"))  # the executor fetched the package, not the driver's folder
    for table in (*LOADED, "load_diagnostics"):
        duckdb_rows, lake_rows, only_duckdb, only_lake = _same_rows(con, str(tmp_path / "lake"), table)
        assert (lake_rows, only_duckdb, only_lake) == (duckdb_rows, 0, 0), table
