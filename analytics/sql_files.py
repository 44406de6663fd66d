"""The SQL files under queries/: their folder and their text. At the bottom of the import graph, so that every
module that reads a SQL file (the database's set-up, the after-load step, the findings, the pages' queries) can
import it without importing the others."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES = PROJECT_ROOT / "queries"


def sql(name: str) -> str:
    """The text of queries/<name>.sql."""
    return (QUERIES / f"{name}.sql").read_text()
