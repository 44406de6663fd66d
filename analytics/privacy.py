"""Patient data: who a claim is for (patient and subscriber names, member ids, birth dates).

- The documented views, every chart, table, CSV download and the Parquet export leave them out; only the
  Claims page's claim detail shows them, masked until the user turns on "Show patient details".
- Optionally they are stored hashed (salted SHA-256 hex): `python -m analytics load --hash-patient-data`
  (also load-csv), the Data page's checkbox, or for every load into a database the setting
  hash_patient_data = true (reference table `settings`). The loader calls `protect` inside each load
  transaction, right after the files' rows are inserted; queries/privacy/hash_patient_data.sql does it.
  The same member id still links across files; nothing can be read back.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import secrets

from analytics.database import sql

SETTING = "hash_patient_data"
_TRUE = ("true", "1", "yes", "on")
# None: the database's setting decides; True / False: this load's choice (command line, Data page).
_choice: contextvars.ContextVar = contextvars.ContextVar("hash_patient_data", default=None)
_HASH = re.compile(r"[0-9a-f]{64}")


@contextlib.contextmanager
def hashing(enabled: bool | None):
    """Within this block, loads store patient data hashed (True), readable (False), or as the database's
    setting says (None)."""
    token = _choice.set(enabled)
    try:
        yield
    finally:
        _choice.reset(token)


def setting(con) -> bool:
    """The database's hash_patient_data setting (ref_settings); false when absent."""
    rows = con.execute("SELECT value FROM ref_settings WHERE setting = ?", [SETTING]).fetchall()
    return bool(rows) and str(rows[0][0]).strip().lower() in _TRUE


def protect(cur, first_id: int, last_id: int) -> bool:
    """Hash the patient data of files first_id..last_id when this load or the database asks for it;
    called by the loader inside its transaction. Returns whether it hashed."""
    chosen = _choice.get()
    if not (setting(cur) if chosen is None else chosen):
        return False
    params = {"salt": salt(cur), "first_id": first_id, "last_id": last_id}
    for statement in re.sub(r"--[^\n]*", "", sql("privacy/hash_patient_data")).split(";"):
        if statement.strip():  # one statement at a time: DuckDB binds parameters in the last one only
            cur.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
    return True


def salt(cur) -> str:
    """The database's salt for patient data hashes: random, created once, kept in meta."""
    cur.execute("INSERT OR IGNORE INTO meta VALUES ('patient_data_salt', ?)", [secrets.token_hex(32)])
    return cur.execute("SELECT value FROM meta WHERE key = 'patient_data_salt'").fetchall()[0][0]


def is_hashed(value) -> bool:
    return isinstance(value, str) and bool(_HASH.fullmatch(value))


def mask(value) -> str:
    """A name or member id masked: its first character, then dots (not as many as it has)."""
    if value is None or not str(value).strip():
        return ""
    text = str(value).strip()
    return text[0] + "•" * 5
