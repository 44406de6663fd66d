"""The loads and the SQL graph on Apache Spark (analytics/spark/): pyspark in local mode, one session
for the module. Skipped, with the reason, where there is no Java or no pyspark."""

from __future__ import annotations

import pytest

from analytics import database, loader, models
from analytics.spark import session
from tests.conftest import CORPUS_835, CORPUS_837, needs_shared

MISSING = session.java_missing()
pytestmark = [needs_shared, pytest.mark.skipif(MISSING is not None, reason=f"Spark cannot run here: {MISSING}")]


@pytest.fixture(scope="module")
def spark():
    return session.start("local[2]", shuffle_partitions=2)


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("duckdb") / "corpus.duckdb"
    con = database.connect(path)
    loader.load_paths(con, [CORPUS_835, CORPUS_837])
    con.close()
    return path


@pytest.fixture(scope="module")
def corpus_lake(spark, tmp_path_factory):
    from analytics.spark import load, sql

    root = str(tmp_path_factory.mktemp("lake") / "lake")
    outcome = load.load(spark, [str(CORPUS_835), str(CORPUS_837)], root)
    builder = sql.build(spark, root)  # denials, recoveries, monthly_measures, claim_status
    return root, outcome, builder


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


def test_corpus_loads_into_the_lake_like_duckdb(spark, corpus_lake, corpus_db):
    import duckdb

    root, outcome, _ = corpus_lake
    con = duckdb.connect(str(corpus_db), read_only=True)
    assert outcome.counts() == {
        "loaded": con.execute("SELECT count(*) FROM source_files").fetchall()[0][0],
        "already loaded": 1,
    }
    for table in (
        "remit_payments",
        "remit_claims",
        "remit_service_lines",
        "remit_adjustments",
        "remit_remarks",
        "bill_claims",
        "bill_lines",
    ):
        lake_rel = f"read_parquet('{root}/raw/{table}/**/*.parquet', hive_partitioning = true)"
        theirs = f"SELECT * EXCLUDE (payment_month) FROM {lake_rel}"
        count = lambda q: con.execute(f"SELECT count(*) FROM ({q})").fetchall()[0][0]  # noqa: E731
        assert count(f"SELECT * FROM {table} EXCEPT ALL {theirs}") == 0, table
        assert count(f"{theirs} EXCEPT ALL SELECT * FROM {table}") == 0, table
    # same columns and types as the DuckDB tables (money DECIMAL(18, 2))
    from analytics.spark.lake import Lake, schema_of

    lake = Lake(spark, root)
    assert lake.read_raw("remit_service_lines").schema == schema_of("remit_service_lines")
    assert dict(lake.read_raw("remit_claims").dtypes)["paid_amount"] == "decimal(18,2)"


@pytest.mark.parametrize("mart", ["denials", "recoveries", "monthly_measures", "claim_status"])
def test_marts_on_spark_equal_duckdb_row_for_row(corpus_lake, corpus_db, mart):
    import duckdb

    from analytics.spark import compare

    root, _, _ = corpus_lake
    con = duckdb.connect(str(corpus_db), read_only=True)
    found = compare.differences(con, root, mart)
    assert found["duckdb"] > 30
    assert found == {**found, "lake": found["duckdb"], "only_duckdb": 0, "only_lake": 0, "missing_columns": []}


def test_a_rerun_loads_nothing_twice_and_a_killed_run_leaves_nothing(spark, corpus_lake, tmp_path):
    from analytics.spark import load
    from analytics.spark.lake import Lake

    root, first, _ = corpus_lake
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


def test_the_dashboard_reads_the_lake_through_duckdb(corpus_lake, corpus_db, monkeypatch):
    import duckdb

    from analytics import data

    root, _, _ = corpus_lake
    monkeypatch.setenv("DENIALS_LAKE", root)
    path = data.database_path()
    lake = duckdb.connect(str(path), read_only=True)
    own = duckdb.connect(str(corpus_db), read_only=True)
    query = "SELECT count(*), sum(denied_amount), count(DISTINCT file_id) FROM denials"
    assert lake.execute(query).fetchall() == own.execute(query).fetchall()
    query = "SELECT count(*), sum(paid_amount) FROM remit_service_lines"
    assert lake.execute(query).fetchall() == own.execute(query).fetchall()
