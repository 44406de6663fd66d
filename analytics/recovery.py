"""Follow every denial to its outcome: link each claim's and line's adjudications across payments and
files, and rebuild the recovery tables the `recoveries` view and the review pages read; match billed
claims and lines (837) to the remittances that answer them (`claim_status`, the prevention page).

A file's own units are judged as it loads (queries/marts/adjudication_units.sql), but whether a denial
came back depends on files loaded before or after it, so these tables are derived from all of them:
rebuilt after every load, and on opening a database whose files or rules changed since (for instance
when a load was interrupted between committing its files and this step).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from analytics import findings
from analytics.database import QUERIES, sql
from analytics.transaction import transaction

# Derived tables, in the order they are built: each reads the ones before it. The recovery model, and
# the match of billed claims (837) to the remittances that answer them.
TABLES = ("adjudication_links", "recovery_denials", "recovery_events", "recovery_outcomes", "recovery_ledger",
          "claim_matches", "line_matches", "claim_answers", "flagged_lines")
# Reference tables these read besides the rule set that judged fact_units.
RULES = ("prevention-rules", "ndc-crosswalk", "appeal-windows", "timely-filing")


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    files = con.execute("SELECT count(*), coalesce(max(file_id), 0), coalesce(sum(file_id), 0) FROM source_files").fetchall()[0]
    facts = con.execute("SELECT coalesce(max(value), '') FROM meta WHERE key = 'facts_fingerprint'").fetchall()[0][0]
    rules = con.execute("SELECT string_agg(name || ':' || sha256, ',' ORDER BY name) FROM ref_sources WHERE name IN ?",
                        [list(RULES)]).fetchall()[0][0]
    text = "".join(sql(f"marts/{name}") for name in TABLES) + sql("marts/recoupments") + sql("marts/claim_rollup")
    # the change findings of the default period (analytics/findings.py) are rebuilt in the same step
    text += "".join(p.read_text() for p in sorted((QUERIES / "findings").glob("*.sql")))
    text += Path(findings.__file__).read_text()
    return hashlib.sha256(f"{files}|{facts}|{rules}|{text}".encode()).hexdigest()


def refresh(con: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
    """Rebuild the links and recovery tables when the loaded files or the rules changed; returns
    whether it did. One transaction: a reader sees the old tables or the new ones."""
    fingerprint = _fingerprint(con)
    current = con.execute("SELECT value FROM meta WHERE key = 'recovery_fingerprint'").fetchall()
    if not force and current and current[0][0] == fingerprint:
        return False
    with transaction(con) as cur:
        for name in TABLES:
            cur.execute(f"CREATE OR REPLACE TABLE {name} AS {sql(f'marts/{name}')}")
        # an initial adjudication is the first of its encounter; the denial rates count only those (a
        # claim no longer followed, after the rules changed, is initial again)
        cur.execute("""
            UPDATE fact_units SET readjudication = links.readjudication
            FROM (SELECT DISTINCT claim_key, readjudication FROM adjudication_links) AS links
            WHERE fact_units.claim_key = links.claim_key
              AND fact_units.readjudication IS DISTINCT FROM links.readjudication""")
        cur.execute("""
            UPDATE fact_units SET readjudication = false
            WHERE readjudication AND claim_key NOT IN (SELECT claim_key FROM adjudication_links)""")
        # the claim-level facts of initial adjudications, which every claim denial rate reads
        # (initial_claims): after readjudication is marked
        cur.execute("CREATE OR REPLACE TABLE claim_facts AS "
                    "SELECT * FROM claim_rollup([]::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[])")
        # the change findings read initial adjudications: after readjudication is marked
        findings.refresh(cur)
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('recovery_fingerprint', ?)", [fingerprint])
    return True
