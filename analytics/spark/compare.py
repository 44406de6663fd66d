"""The lake's marts against a DuckDB database loaded from the same files, row for row (tests, bench).

Both sides are read by DuckDB (the lake through read_parquet, as the dashboard reads it): the rows of
one side missing from the other, counted with EXCEPT ALL both ways. Money is DECIMAL on both sides and
compared exactly; ratios (DOUBLE in DuckDB, DECIMAL in Spark) are compared rounded to 9 places.
Surrogate keys (file_id, claim_key, line_key, ...) are compared too unless left out by `ignore`.
"""

from __future__ import annotations

import duckdb

from analytics.spark import lake as lakes


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {relation}").fetchall()]


def differences(con: duckdb.DuckDBPyConnection, root: str, name: str, ignore: tuple = ()) -> dict:
    """{'duckdb': rows, 'lake': rows, 'only_duckdb': n, 'only_lake': n, 'missing_columns': [...]} for one
    mart of the newest committed build of the local lake at `root`."""
    folder = lakes.local_mart_paths(root)[name]
    lake_rel = f"read_parquet('{folder}/*.parquet')"
    ours = dict(_columns(con, name))
    theirs = dict(_columns(con, f"SELECT * FROM {lake_rel}"))
    shared = [c for c in ours if c in theirs and c not in ignore]

    def expr(column: str, kind: str) -> str:
        if kind in ("DOUBLE", "FLOAT") or kind.startswith("DECIMAL") and kind != theirs.get(column, kind):
            return f"round({column}::DOUBLE, 9) AS {column}"
        return column

    select = ", ".join(expr(c, ours[c]) for c in shared)
    lake_select = ", ".join(expr(c, ours[c]) if expr(c, ours[c]) != c else f"{c}::{ours[c]} AS {c}" for c in shared)
    a = f"SELECT {select} FROM {name}"
    b = f"SELECT {lake_select} FROM {lake_rel}"
    count = lambda q: con.execute(f"SELECT count(*) FROM ({q})").fetchall()[0][0]  # noqa: E731
    return {
        "duckdb": count(a),
        "lake": count(b),
        "only_duckdb": count(f"{a} EXCEPT ALL {b}"),
        "only_lake": count(f"{b} EXCEPT ALL {a}"),
        "missing_columns": [c for c in ours if c not in theirs],
    }


def sample(con: duckdb.DuckDBPyConnection, root: str, name: str, ignore: tuple = (), limit: int = 5) -> tuple:
    """A few rows of each side that the other lacks (to see why they differ)."""
    folder = lakes.local_mart_paths(root)[name]
    lake_rel = f"read_parquet('{folder}/*.parquet')"
    ours = dict(_columns(con, name))
    shared = [c for c in ours if c not in ignore]
    cols = ", ".join(shared)
    cast = ", ".join(f"{c}::{ours[c]} AS {c}" for c in shared)
    a = f"SELECT {cols} FROM {name}"
    b = f"SELECT {cast} FROM {lake_rel}"
    return (
        con.execute(f"{a} EXCEPT ALL {b} LIMIT {limit}").fetchall(),
        con.execute(f"{b} EXCEPT ALL {a} LIMIT {limit}").fetchall(),
    )
