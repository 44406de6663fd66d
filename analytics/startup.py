"""What the dashboard does once when a server starts (app.py): the demo database built on first start,
and the copies the pages read brought up to this version and to their databases."""

from __future__ import annotations

import shutil

from analytics import database, demo, publishing, writer_lock


def ensure_demo() -> None:
    """Build the demo database on first start, when the user's own database has no copy for the
    pages (none yet, or its first load is still running)."""
    own, final = database.default_path(), database.demo_path()
    if own.exists() and publishing.refresh(own, wait=5):  # published now if it had no copy yet
        return
    if publishing.current(final) is not None:
        return
    if final.exists() and writer_lock.busy(final):  # another server builds it now: wait for it
        if publishing.refresh(final, wait=600):
            return
    # A demo database without a copy was never finished (its build publishes it last): start over.
    for leftover in (final, final.with_name(final.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(database.demo_files(), ignore_errors=True)
    demo.build(final, database.demo_files())


def ensure_current() -> None:
    """Bring the copies the pages read up to this version (views, judged denials) and up to their
    databases: published again when missing, older than the database or made by another version;
    skipped when a load holds the database (it publishes when it is done)."""
    for db in (database.default_path(), database.demo_path()):
        if db.exists():
            publishing.refresh(db)
