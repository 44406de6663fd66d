"""One write transaction on its own cursor, for the steps that rebuild derived tables or replace
reference tables: a reader sees the state before or after, never between."""

from __future__ import annotations

import contextlib

import duckdb


@contextlib.contextmanager
def begun(cur):
    """BEGIN ... COMMIT on this cursor; rolled back on any exception."""
    cur.execute("BEGIN TRANSACTION")
    try:
        yield
        cur.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.TransactionException):  # a COMMIT that failed (a full disk) ended it
            cur.execute("ROLLBACK")
        raise


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """A cursor inside BEGIN ... COMMIT; rolled back on any exception, closed either way."""
    cur = con.cursor()
    try:
        with begun(cur):
            yield cur
    finally:
        cur.close()
