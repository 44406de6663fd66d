"""Load 835 and 837 files into the database: the public entry points, kept under the name every caller
knows. The work is done by the modules of analytics/ingest (files, workers, streaming, store, memory);
docs/architecture.md ("Load side") says which does what."""

from __future__ import annotations

from analytics.ingest.files import expand
from analytics.ingest.load import load_contents, load_file, load_paths, refresh_derived
from analytics.ingest.store import FileResult

__all__ = ["FileResult", "expand", "load_contents", "load_file", "load_paths", "refresh_derived"]
