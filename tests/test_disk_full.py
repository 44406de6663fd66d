"""A database that cannot be written: a full disk during a load or while the dashboard's copy is made,
a read-only folder. One clear message naming the path and the room needed, never a traceback; what
was committed stays; no unfinished copy is left to hold the room; the dashboard keeps its last copy.

The disk is not filled for real: a load in a child process runs under a file-size limit
(RLIMIT_FSIZE), so DuckDB's own writes fail as on a full disk (with "File too large" where a full disk
says "No space left on device"; both take the same path); the copy for the dashboard is made to fail
with ENOSPC by a stand-in for shutil.copyfile. Tests run as root, where a read-only folder (chmod)
does not stop writes: the folder's refusal is simulated by a stand-in for os.open.
"""

from __future__ import annotations

import errno
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from analytics import __main__ as cli, database, demo, loader, publishing, writer_lock
from conftest import CORPUS_835, needs_shared, remittance_835

pytestmark = needs_shared

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
GOOD = CORPUS_835 / "edi835parser__emedny_sample.txt"
# The command line writing in small transactions, as a large load does.
SCALED = (
    "import sys; from analytics.ingest import memory; memory.WRITE_BYTES = 100_000; memory.CHUNK_BYTES = 50_000;"
    " from analytics.__main__ import main; sys.exit(main(sys.argv[1:]))"
)


def files_in(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM source_files").fetchall()[0][0]
    finally:
        con.close()


def test_a_disk_full_during_a_load_stops_it_with_one_message_and_keeps_what_was_loaded(tmp_path):
    folder = tmp_path / "in"
    demo.generate(folder, months=4, lines=6000, seed=2)
    db = tmp_path / "d.duckdb"
    assert cli.main(["--db", str(db), "load", str(GOOD)]) == 0
    shown = publishing.current(db)
    room = 1_500_000  # a file, the write-ahead log included, may grow to this: room for a few transactions, not all

    def full_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    done = subprocess.run(
        [sys.executable, "-c", SCALED, "--db", str(db), "load", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=full_disk,
        timeout=600,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "database error" not in done.stderr + done.stdout
    [message] = [line for line in done.stderr.splitlines() if line.strip()]
    assert message.startswith(f"error: cannot write database {db}: File too large. ")
    assert f" free in {tmp_path}; about " in message and " MB needed " in message
    assert "Files reported loaded are kept" in message
    loaded = sum(line.startswith("loaded") for line in done.stdout.splitlines())
    assert 0 < loaded < len(list(folder.iterdir()))
    assert publishing.current(db) == shown  # the dashboard keeps the copy it had
    assert list(publishing.copies(db).glob("*.partial")) == []
    # room again: what was reported loaded is there, the rest loads
    again = subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(db), "load", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert sum(line.startswith("already loaded") for line in again.stdout.splitlines()) == loaded
    assert files_in(db) == 1 + len(list(folder.iterdir()))
    assert files_in(publishing.current(db)) == files_in(db)


def test_a_disk_full_while_the_dashboards_copy_is_made_leaves_no_partial_copy(tmp_path, monkeypatch, capsys):
    db = tmp_path / "d.duckdb"
    assert cli.main(["--db", str(db), "load", str(GOOD)]) == 0
    shown = publishing.current(db)
    new = tmp_path / "new.835"
    new.write_text(remittance_835("CLP*N1*1*100*80*20*12*X1*11*1~CAS*PR*1*20", payment="80", control="000000042"))
    real = publishing.shutil.copyfile

    def full(source, target):
        Path(target).write_bytes(b"\0" * 4096)  # part of the copy, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(publishing.shutil, "copyfile", full)
    capsys.readouterr()
    assert cli.main(["--db", str(db), "load", str(new)]) == 2  # no traceback: a message
    out, err = capsys.readouterr()
    assert "1 loaded" in out
    folder = publishing.copies(db)
    # the free room as the message gave it: anything else writing to the disk meanwhile moves it by a MB or so
    said = re.search(r", ([\d,.]+) MB free\.", err)
    assert said and abs(float(said[1].replace(",", "")) - shutil.disk_usage(tmp_path).free / 1e6) < 100
    assert err.strip() == (
        f"error: the change is saved in {db}, but the dashboard's copy of it cannot be written in {folder}: No space"
        f" left on device. It needs {db.stat().st_size / 1e6:,.0f} MB, {said[1]} MB free."
        " The dashboard keeps showing the data as it was before; make room, and the next load, or the dashboard"
        " when no load runs, publishes it."
    )
    assert sorted(p.name for p in folder.iterdir()) == ["copy-000001.duckdb", "current"]  # no partial copy
    assert publishing.current(db) == shown and publishing.stale(db)
    monkeypatch.setattr(publishing.shutil, "copyfile", real)  # room again
    assert cli.main(["--db", str(db), "load", str(new)]) == 0
    assert "already loaded" in capsys.readouterr().out
    assert files_in(publishing.current(db)) == 2


def test_an_unfinished_copy_left_by_a_dead_writer_is_removed_before_the_next_change(tmp_path):
    db = tmp_path / "d.duckdb"
    assert cli.main(["--db", str(db), "load", str(GOOD)]) == 0
    leftover = publishing.copies(db) / "copy-000002.duckdb.partial"
    leftover.write_bytes(b"\0" * 100_000)  # the room a full disk lacks
    with publishing.writing(db) as con:
        assert not leftover.exists()  # gone before the change writes anything
        loader.load_paths(con, [CORPUS_835 / "lfh-x12__managed-care.835"])
    assert files_in(publishing.current(db)) == 2


def test_a_read_only_database_folder_gives_the_data_page_a_message_not_an_exception(tmp_path, monkeypatch):
    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    loader.load_paths(con, [GOOD])
    con.close()
    monkeypatch.setenv("DENIALS_DB", str(db))
    monkeypatch.setenv("DENIALS_DEMO_DB", str(tmp_path / "unused-demo.duckdb"))
    at = AppTest.from_file(APP).run(timeout=120)
    at.switch_page("app_pages/data.py").run(timeout=120)
    new = remittance_835("CLP*N1*1*100*80*20*12*X1*11*1", payment="80", control="000000042").encode()
    at.file_uploader[0].set_value([("new.835", new, "application/octet-stream")])
    at.run(timeout=120)
    real = os.open

    def read_only(path, flags, *args, **kwargs):
        if Path(path).parent == tmp_path and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    next(b for b in at.button if b.label == "Load").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [
        f"**new.835**: cannot write database {db}: Permission denied ({writer_lock.lock_file(db)}); nothing was changed"
    ]
    monkeypatch.setattr(os, "open", real)
    assert files_in(db) == 1
