"""What is derived from all loaded files, rebuilt after each load in one transaction: the tables and
updates of the SQL graph (analytics/models.py, in the order their headers give: the recovery model
that follows every denial to its outcome, the match of billed claims (837) to the remittances that
answer them, the claim facts behind the denial rates, the deadlines and recovery rates), then the
change findings (analytics/findings.py).

A file's own units are judged as it loads (queries/marts/adjudication_units.sql), but whether a denial
came back depends on files loaded before or after it, so these tables are derived from all of them:
rebuilt after every load, and on opening a database whose files, rules or SQL changed since (for
instance when a load was interrupted between committing its files and this step).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from analytics import findings, models
from analytics.sql_files import QUERIES
from analytics.transaction import transaction

# The tables this step writes: the SQL graph's after-load tables, then the change findings.
TABLES = (*(m.names[0] for m in models.after_load() if m.kind == "table"), *models.PYTHON_TABLES)
# Reference tables these read besides the rule set that judged fact_units.
RULES = ("prevention-rules", "ndc-crosswalk", "appeal-windows", "timely-filing", "settings")


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A hash of everything the derived tables are built from (the loaded files, the rules, the SQL and
    the findings code): stored in meta as recovery_fingerprint when they are rebuilt."""
    files = con.execute(
        "SELECT count(*), coalesce(max(file_id), 0), coalesce(sum(file_id), 0) FROM source_files"
    ).fetchall()[0]
    facts = con.execute("SELECT coalesce(max(value), '') FROM meta WHERE key = 'facts_fingerprint'").fetchall()[0][0]
    rules = con.execute(
        "SELECT string_agg(name || ':' || sha256, ',' ORDER BY name) FROM ref_sources WHERE name IN ?", [list(RULES)]
    ).fetchall()[0][0]
    # the after-load tables and everything they read (analytics/models.py)
    text = "".join(model.text() for model in models.closure(models.after_load()))
    # the change findings of the default period (analytics/findings.py) are rebuilt in the same step
    text += "".join(p.read_text() for p in sorted((QUERIES / "findings").glob("*.sql")))
    text = models.without_comments(text) + Path(findings.__file__).read_text()
    return hashlib.sha256(f"{files}|{facts}|{rules}|{text}".encode()).hexdigest()


def refresh(con: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
    """Rebuild the links and recovery tables when the loaded files or the rules changed; returns
    whether it did. One transaction: a reader sees the old tables or the new ones."""
    inputs = fingerprint(con)
    current = con.execute("SELECT value FROM meta WHERE key = 'recovery_fingerprint'").fetchall()
    if not force and current and current[0][0] == inputs:
        return False
    with transaction(con) as cur:
        # the tables, updates and macros of the SQL graph, in the order of what they need (analytics/models.py)
        for model in models.after_load():
            models.build(cur, model)
        # the change findings read the claim facts (initial_claims, built above): after them
        findings.refresh(cur)
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('recovery_fingerprint', ?)", [inputs])
    return True
