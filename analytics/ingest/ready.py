"""A batch made ready to store in the parsing process that parsed it, so that the one writing process
only inserts rows and commits: the rows cast, their balance checks and their adjudication units
derived there, by the store's own steps (store.insert, store.checks, store.add_units: the same SQL) in an
in-memory DuckDB that has the target database's tables, staging views and reference tables.

Keys and file ids are the writer's to give (store.first_keys, under its lock): here each file of the
batch has file_id = its file_index and keys offset past those of the files before it in the batch,
recorded in Batch.offsets; the writer moves every key by its own offset less that one
(store.insert_ready). A unit depends only on its file's rows and on how keys compare, never on their
values, so the units are those the writer would derive. Patient data hashed by the writer (privacy.py)
changes the units' patient keys: it then derives them again from the hashed rows (store.finish).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from analytics import database, models
from analytics.database import sql
from analytics.ingest import store
from analytics.ingest.store import TARGETS, Batch

# The in-memory database of this parsing process, opened on its first batch (open_scratch), and the
# target database's reference tables it is given (set when the process starts: workers._start).
_scratch: list[duckdb.DuckDBPyConnection] = []
_references: dict[str, pa.Table] = {}


def references(con: duckdb.DuckDBPyConnection) -> dict[str, pa.Table]:
    """The target database's reference tables (rules, categories, code lists: all small), as Arrow, to
    give the parsing processes of a load."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = 'main' AND starts_with(table_name, 'ref_')"
        ).fetchall()
    ]
    return {name: con.sql(f"SELECT * FROM {name}").to_arrow_table() for name in names}


def use_references(tables: dict[str, pa.Table]) -> None:
    """In a parsing process: the reference tables its batches are judged with (an in-memory database
    opened with others is closed)."""
    while _scratch:
        _scratch.pop().close()
    _references.clear()
    _references.update(tables)


def open_scratch() -> duckdb.DuckDBPyConnection:
    """This process's in-memory database: the schema's tables, the reference tables given, the staging
    views; one DuckDB thread (each parsing process has its core)."""
    if not _scratch:
        con = duckdb.connect(":memory:")
        con.execute("SET threads = 1")
        con.execute(sql("schema"))
        con.execute(sql("marts/fact_units"))
        for name, table in _references.items():
            con.register("reference", table)
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM reference")
            con.unregister("reference")
        database.build(con, models.before_load("staging"))
        _scratch.append(con)
    return _scratch[0]


def prepare(batch: Batch) -> Batch:
    """The batch's rows cast, checked and its units derived (in this process's in-memory database,
    left empty again): the writer only sets keys and file ids."""
    if not batch.files:
        return batch
    indexes = list(range(len(batch.files)))
    # here each file's id is its index, its keys past those of the files before it
    offsets = store.keyed_files(indexes, batch.files, 0)
    cur = open_scratch().cursor()
    cur.execute("BEGIN TRANSACTION")
    try:  # the rows are only lent to this database: rolled back whatever happens
        cur.register("batch_files", offsets)
        problems = []
        for name, table in TARGETS.items():
            if name in batch.tables:
                problems += store.insert(cur, table, batch.tables[name])
        store.register_sources(cur, indexes, batch.files)
        store.add_problems(cur, problems)
        store.checks(cur, 0, indexes[-1])
        store.add_units(cur, 0, indexes[-1])
        tables = {name: _exported(cur, table) for name, table in {**TARGETS, store.UNITS: "fact_units"}.items()}
    finally:
        cur.execute("ROLLBACK")
        cur.close()
    ready = {name: table for name, table in tables.items() if table.num_rows}
    return Batch(batch.files, ready, batch.results, offsets)


def _exported(cur, table: str) -> pa.Table:
    """A table's rows in the in-memory database, file_id (here, the file's index in its batch) renamed
    file_index, as store.insert_ready reads it."""
    rows = cur.sql(f"SELECT * FROM {table}").to_arrow_table()
    return rows.rename_columns(["file_index" if name == "file_id" else name for name in rows.column_names])
