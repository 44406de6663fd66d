"""Loads while the dashboard is open: a command-line load while pages are queried from several threads,
an upload on the Data page while a command-line load runs, and the writer's lock and its timeout
(analytics/publishing.py). Every query answers, nobody sees a load half done, the final counts are exact."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from analytics import data, demo, publishing, uploads, writer_lock
from conftest import CORPUS_835, needs_shared

pytestmark = needs_shared

ROOT = Path(__file__).resolve().parent.parent
READERS = 6


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "analytics", *map(str, args)]


@pytest.fixture(scope="module")
def histories(tmp_path_factory):
    """Two demo histories (835s and the 837s behind them): a small one loaded first, and a bigger one
    the concurrent load brings (about 1,500 files, several seconds); and the figures of a clean load
    of both at once."""
    folder = tmp_path_factory.mktemp("concurrency")
    first, second = folder / "first", folder / "second"
    demo.generate(first, months=12, lines=4000, seed=3)
    demo.generate(second, months=24, lines=30000, seed=4)
    clean = folder / "clean.duckdb"
    subprocess.run(cli("--db", clean, "load", first, second), check=True, cwd=ROOT, capture_output=True)
    return first, second, clean


@pytest.fixture
def own(histories, tmp_path, monkeypatch):
    """The user's own database holding the first history, published; the dashboard pointed at it."""
    first, _, _ = histories
    db = tmp_path / "own.duckdb"
    subprocess.run(cli("--db", db, "load", first), check=True, cwd=ROOT, capture_output=True)
    monkeypatch.setenv("DENIALS_DB", str(db))
    monkeypatch.setenv("DENIALS_DEMO_DB", str(tmp_path / "unused-demo.duckdb"))
    return db


def figures(path: Path | None = None) -> tuple:
    """What one page run sees: service lines, adjudicated units, open denials on the worklist, billed
    claims by answer, files loaded; all from one copy of the database."""
    with data.session():
        kpis = data.dashboard("claim_measures", data.Filters(), path).iloc[0]  # all payer orders, whole period
        worklist = data.dashboard("recovery/worklist", data.Filters(), path)
        status = data.dashboard("claim_status_counts", data.Filters(), path)
        lines = data.dashboard("claim_measures", data.Filters(date_basis="payment"), path).iloc[0]
        files = data.query("app/loaded_files", path=path)
    return (
        int(kpis["units"]),
        int(lines["units"]),
        len(worklist),
        tuple(sorted(zip(status["status"], status["claims"], strict=True))),
        len(files),
    )


def counted(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            table: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            for table in (
                "source_files",
                "payments",
                "claims",
                "service_lines",
                "adjustments",
                "denials",
                "recoveries",
                "billed_lines",
                "claim_status",
            )
        }
    finally:
        con.close()


class Readers:
    """Threads running page queries in a loop, as browser sessions do, until stopped."""

    def __init__(self, count: int):
        self.seen: list[tuple] = []
        self.errors: list[str] = []
        self.queries = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(count)]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.seen.append((time.monotonic(), figures()))
                self.queries += 5
            except Exception as e:  # noqa: BLE001 - every failure is a finding
                self.errors.append(f"{type(e).__name__}: {e}")

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)


def test_pages_answer_while_the_command_line_loads(histories, own):
    _, second, clean = histories
    before = figures()
    with Readers(READERS) as readers:
        time.sleep(0.5)
        started = time.monotonic()
        load = subprocess.run(cli("--db", own, "load", second), cwd=ROOT, capture_output=True, text=True)
        finished = time.monotonic()
        time.sleep(1.0)  # the readers pick up the published copy on their next page run
    assert load.returncode == 0, load.stderr
    assert finished - started > 3  # the load took long enough for the readers to run during it
    during = [f for t, f in readers.seen if started < t < finished]
    assert readers.errors == []  # every query answered
    assert len(during) >= 10, len(during)
    after = figures()
    assert before != after
    assert {f for _, f in readers.seen} <= {before, after}  # before the load or after it, never in between
    assert readers.seen[-1][1] == after
    # the figures and counts of a clean load of both histories at once
    assert after == figures(publishing.current(clean))
    assert counted(own) == counted(clean)
    assert counted(publishing.current(own)) == counted(own)


def test_an_upload_waits_for_a_command_line_load(histories, own, tmp_path):
    _, second, clean = histories
    sample = CORPUS_835 / "lfh-x12__managed-care.835"
    log = (tmp_path / "load.log").open("w+")  # not a pipe: a full pipe would stop the load
    load = subprocess.Popen(cli("--db", own, "load", second), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        lock = writer_lock.lock_file(own)
        deadline = time.monotonic() + 60
        while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)  # until the load holds the lock (it writes who it is into the file)
        assert "python -m analytics" in lock.read_text()
        results = uploads.load([(sample.name, sample.read_bytes())])  # waits for the load
        assert load.poll() is not None  # the load had finished when the upload went in
    finally:
        load.wait(timeout=300)
        log.seek(0)
    assert load.returncode == 0, log.read()
    assert [r.status for r in results] == ["loaded"]
    # both are in: the counts of a clean load of everything
    expected = tmp_path / "expected.duckdb"
    subprocess.run(
        cli("--db", expected, "load", histories[0], second, sample), check=True, cwd=ROOT, capture_output=True
    )
    assert counted(own) == counted(expected)
    assert figures() == figures(publishing.current(expected))


def test_a_writer_that_waits_too_long_names_the_database(own):
    started = threading.Event()
    release = threading.Event()

    def hold():
        with publishing.writing(own, what="a long load (test)"):
            started.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert started.wait(60)
        blocked = subprocess.run(
            cli("--db", own, "--wait", "1", "load", CORPUS_835 / "lfh-x12__managed-care.835"),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        with pytest.raises(writer_lock.Busy, match=str(own)):
            with publishing.writing(own, wait=0.3):
                pass
    finally:
        release.set()
        holder.join()
    assert blocked.returncode == 2
    assert f"waiting for a long load (test) (process {os.getpid()}" in blocked.stderr
    last = blocked.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: database {own} is busy: a long load (test)") and "nothing was changed" in last
    before = counted(own)
    assert (
        subprocess.run(
            cli("--db", own, "load", CORPUS_835 / "lfh-x12__managed-care.835"), cwd=ROOT, capture_output=True
        ).returncode
        == 0
    )  # free again
    assert counted(own)["source_files"] == before["source_files"] + 1


def test_a_failed_change_is_not_published_and_a_stale_copy_is_replaced(own):
    copy = publishing.current(own)
    with pytest.raises(RuntimeError):
        with publishing.writing(own) as con:
            con.execute("DELETE FROM meta WHERE key = 'dataset'")
            raise RuntimeError("stop")
    assert publishing.current(own) == copy  # nothing published
    assert publishing.stale(own)  # the database changed under the copy (as after a crash between commit and publish)
    path = data.database_path()  # the next page run publishes it again, as no load runs
    assert path != copy and not publishing.stale(own)
    assert not copy.exists()  # the older copy, read by no page, is removed
    assert [p.name for p in publishing.copies(own).glob("copy-*")] == [path.name]


def test_a_copy_a_page_still_reads_is_kept_until_it_is_done(own):
    with data.session():
        held = data.database_path()
        data.query("app/loaded_files")
        assert publishing.refresh(own) and not publishing.stale(own)  # nothing changed: nothing to publish
        with publishing.writing(own):
            pass  # a change: a new copy
        assert publishing.current(own) != held and held.exists()  # this page still reads the old one
        assert data.database_path() == held
        data.query("app/loaded_files")
    assert not held.exists()  # the last page out removed it
    assert data.database_path() == publishing.current(own)
