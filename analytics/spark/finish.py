"""What the DuckDB store does after a batch's rows are in (ingest.store.finish), on Spark, with the same SQL.

- Patient data hashed when asked (`--hash-patient-data`): queries/privacy/hash_patient_data.sql, the
  file `privacy.protect` runs, read with sqlglot. Its UPDATEs become selects (each SET column is
  `CASE WHEN <where> THEN <new value> ELSE <column> END`), its INSERT a query of its own; the salt is the
  lake's (`meta/patient_data_salt`, random, made once), so the same salt gives DuckDB's hashes.
- The balance checks of queries/checks/ (ingest.store.BALANCE_CHECKS) on the run's tables, as
  load_diagnostics rows.

Imports pyspark only inside the functions that run on Spark.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlglot import exp

from analytics.database import sql
from analytics.ingest.store import BALANCE_CHECKS
from analytics.spark import sql as spark_sql
from analytics.spark.lake import Lake, schema_of, spark_type

SALT_FILE = ("meta", "patient_data_salt")
_TEMP_MACRO = re.compile(r"create\s+or\s+replace\s+temporary\s+macro\s+(\w+)\s*\(([^)]*)\)\s+as\s+(.*)", re.S | re.I)
_CREATE = re.compile(r"create\s+table\s+if\s+not\s+exists\s+(\w+)\s*\((.*)\)", re.S | re.I)


def salt(lake: Lake, given: str | None = None) -> str:
    """The lake's salt for patient data hashes (written once: `given`, else random), as DuckDB keeps
    its own in meta."""
    path = lake.path(*SALT_FILE)
    if lake.exists(path):
        return lake.read_text(path).strip()
    value = given or secrets.token_hex(32)
    lake.write_text(path, value)
    return value


@dataclass
class Hashing:
    """hash_patient_data.sql as Spark: per table, its columns' new values; the extra tables it fills
    (name -> (Spark SQL query, [(column, DuckDB type)]))."""

    updates: dict  # table -> {column: Spark SQL expression}
    inserts: dict  # table -> (query, columns)


def hashing(salt_value: str, first_id: int, last_id: int) -> Hashing:
    """The statements of queries/privacy/hash_patient_data.sql for files first_id..last_id, in Spark SQL."""
    params = {"salt": "'" + salt_value.replace("'", "''") + "'", "first_id": str(first_id), "last_id": str(last_id)}
    text = re.sub(r"--[^\n]*", "", sql("privacy/hash_patient_data"))
    macros: dict = {}
    creates: dict = {}
    updates: dict = {}
    inserts: dict = {}
    for statement in (s.strip() for s in text.split(";")):
        if not statement or statement.lower().startswith("drop "):
            continue
        found = _TEMP_MACRO.match(statement)
        if found:
            names = tuple(p.strip() for p in found.group(2).split(","))
            macros[found.group(1).lower()] = spark_sql.Macro(found.group(1).lower(), names, False, found.group(3))
            continue
        found = _CREATE.match(statement)
        if found:
            columns = [c.strip().split()[:2] for c in found.group(2).split(",")]
            creates[found.group(1)] = [(name, kind) for name, kind in columns]
            continue
        (tree,) = spark_sql.spark_trees(statement, macros, params)
        if isinstance(tree, exp.Update):
            table = tree.this.name
            where = tree.args["where"].this
            updates[table] = {
                eq.this.name: exp.Case(ifs=[exp.If(this=where.copy(), true=eq.expression)], default=eq.this.copy()).sql(
                    dialect="spark"
                )
                for eq in tree.expressions
            }
        elif isinstance(tree, exp.Insert):
            table = tree.this.name
            inserts[table] = (tree.expression.sql(dialect="spark"), creates[table])
        else:
            raise ValueError(f"privacy/hash_patient_data.sql: a statement the Spark load cannot run: {statement}")
    return Hashing(updates, inserts)


def hashed(frame, table: str, plan: Hashing):
    """The frame of `table` with its patient data hashed as the plan says (unchanged when it names none)."""
    from pyspark.sql import functions as F

    changes = plan.updates.get(table)
    if not changes:
        return frame
    return frame.select(*(F.expr(changes[c]).alias(c) if c in changes else F.col(c) for c in frame.columns))


def inserted(spark, plan: Hashing, views: dict) -> dict:
    """The rows of the tables the plan fills (bill_birth_date_hashes), from the run's unhashed rows
    (`views`: table -> frame, registered under the table's name for the query)."""
    for name, frame in views.items():
        frame.createOrReplaceTempView(name)
    try:
        return {
            table: spark.sql(query)
            .toDF(*(c for c, _ in columns))
            .selectExpr(*(f"CAST(`{c}` AS {spark_type(k).simpleString()}) AS `{c}`" for c, k in columns))
            for table, (query, columns) in plan.inserts.items()
        }
    finally:
        for name in views:
            spark.catalog.dropTempView(name)


def balance_checks(spark, tables: dict, first_id: int, last_id: int):
    """The balance checks of files first_id..last_id as load_diagnostics rows, run on `tables` (name ->
    the run's frame of that loaded table)."""
    params = {"first_id": str(first_id), "last_id": str(last_id)}
    columns = [f.name for f in schema_of("load_diagnostics").fields]
    types = {f.name: f.dataType for f in schema_of("load_diagnostics").fields}
    for name, frame in tables.items():
        frame.createOrReplaceTempView(name)
    try:
        out = None
        for check in BALANCE_CHECKS:
            for statement in spark_sql.to_spark(sql(check), {}, params):
                found = spark.sql(statement)
                found = found.select(*(found[c].cast(types[c]).alias(c) for c in columns))
                out = found if out is None else out.unionByName(found)
        return out  # analysed already: the views may go
    finally:
        for name in tables:
            spark.catalog.dropTempView(name)
