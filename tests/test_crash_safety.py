"""Crash safety: kill the loader (SIGKILL) in the middle of a load, start again, and the database holds
each file whole or not at all.

A folder of demo history (835 remittances and 837 claims) plus one large 835 made of its interchanges
is loaded by the command line in a child process, which is killed at chosen moments:

- after a few files were reported loaded (between batch transactions, or inside one);
- while the large file is being written piece by piece (the child lowers the streaming threshold, so
  that a file of a few MB is streamed as a file of hundreds would be);
- right after the last file was reported, while the recovery tables are being rebuilt;
- at fixed times from the start, which land in the opening of the database, in parsing, in commits
  and in checkpoints.

After every kill the database is opened as the dashboard and the command line open it, and:
- every file in source_files has exactly its rows: per file, the payments, claims, service lines,
  adjustments, billed claims and lines, and the claim charges the parser finds in that file;
- no row of any table belongs to a file that is not registered;
- the recovery tables were rebuilt on opening (their fingerprint matches the files loaded).
In the end the folder is loaded again to completion, and the database equals a clean single load
(counts and sums per table, and per file).
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from analytics import (
    __main__ as cli,
    billed_claims,
    database,
    demo,
    derived,
    loader,
    publishing,
    remittance,
    writer_lock,
    x12_file,
)
from analytics.ingest import memory, workers
from analytics.x12 import decode
from conftest import LOADED_TABLES, remittance_835, rows

ROOT = Path(__file__).resolve().parent.parent
BIG = "zz_big.835"  # sorts after the demo's files: loaded last
# The command line with the loader's sizes scaled down to this small folder, so that it is written as a
# large one would be: in many transactions (of about 200 kB of files instead of 16 MB), and with its
# large file (about 1 MB instead of over 64 MB) streamed in pieces of 50,000 characters.
SCALED = (
    "import sys; from analytics.ingest import memory; memory.WRITE_BYTES = 200_000; memory.CHUNK_BYTES = 50_000;"
    " memory.STREAM_BYTES = 500_000; memory.PIECE_CHARS = 50_000;"
    " from analytics.__main__ import main; sys.exit(main(sys.argv[1:]))"
)
# Tables holding a file's rows (file_id), and amounts summed to compare two databases.
FILE_TABLES = tuple(table for table in LOADED_TABLES if table != "source_files")
SUMS = {
    "remit_payments": "payment_amount",
    "remit_claims": "charge_amount",
    "remit_service_lines": "paid_amount",
    "remit_adjustments": "amount",
    "remit_amounts": "amount",
    "remit_provider_adjustments": "amount",
    "bill_claims": "charge_amount",
    "bill_lines": "charge_amount",
    "fact_units": "denied_amount",
}


def _big_file(folder: Path) -> Path:
    """The demo's 835 interchanges in one file, each with its own control number (ISA13, IEA02)."""
    parts = []
    for n, path in enumerate(sorted(folder.glob("*.835"))):
        text = path.read_text().lstrip("\ufeff")
        isa = text[: text.index("~")].split("*")
        old, new = isa[13], f"{900_000_000 + n:09d}"
        parts.append(text.replace(f"*{old}*", f"*{new}*", 1).replace(f"IEA*1*{old}", f"IEA*1*{new}"))
    big = folder / BIG
    big.write_text("\n".join(parts))
    return big


def _expected(path: Path) -> dict:
    """What the parser finds in one file: row counts and claim charges."""
    text = decode(path.read_bytes())
    parsed = x12_file.read(text)
    remit = SimpleNamespace(
        **{name: parsed.rows.get(name, []) for name in ("payments", "claims", "lines", "adjustments")}
    )
    billed = SimpleNamespace(claims=parsed.rows.get("billed_claims", []), lines=parsed.rows.get("billed_lines", []))
    charge = remittance.CLAIM_COLUMNS.index("charge_amount")
    billed_charge = billed_claims.CLAIM_COLUMNS.index("charge_amount")
    return {
        "payments": len(remit.payments),
        "claims": len(remit.claims),
        "lines": len(remit.lines),
        "adjustments": len(remit.adjustments),
        "charge": sum((Decimal(c[charge]) for c in remit.claims), Decimal(0)),
        "billed_claims": len(billed.claims),
        "billed_lines": len(billed.lines),
        "billed_charge": sum((Decimal(c[billed_charge]) for c in billed.claims), Decimal(0)),
    }


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The folder, each file's expected figures, and a clean single load of it to compare with."""
    work = tmp_path_factory.mktemp("crash")
    folder = work / "in"
    demo.generate(folder, months=4, lines=8_000, seed=5)
    _big_file(folder)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    clean = work / "clean.duckdb"
    done = _run(folder, clean, scaled=True)
    assert done.returncode == 0, done.stderr
    con = database.connect(clean)
    summary = _summary(con)
    con.close()
    return folder, {str(p.resolve()): _expected(p) for p in files}, summary, work


def _command(folder: Path, db: Path, scaled: bool) -> list[str]:
    start = ["-c", SCALED] if scaled else ["-m", "analytics"]
    return [sys.executable, *start, "--db", str(db), "load", str(folder)]


def _run(folder: Path, db: Path, scaled: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(_command(folder, db, scaled), cwd=ROOT, capture_output=True, text=True, timeout=600)


def _kill_when(folder: Path, db: Path, scaled: bool, ready) -> list[str]:
    """Start the loader, read its lines as they come, and SIGKILL it (and its workers: its process
    group) once ready(lines, seconds since start) is true; returns the lines it printed."""
    child = subprocess.Popen(
        _command(folder, db, scaled),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started, text = time.monotonic(), b""
    try:
        while child.poll() is None and not ready(text.decode().splitlines(), time.monotonic() - started):
            if select.select([child.stdout], [], [], 0.005)[0]:
                text += os.read(child.stdout.fileno(), 65536)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
    return text.decode().splitlines()


def _after(seconds: float, condition):
    """A ready() for _kill_when: true `seconds` after condition(lines) first held."""
    since = []

    def ready(lines: list, elapsed: float) -> bool:
        if not since and condition(lines):
            since.append(elapsed)
        return bool(since) and elapsed - since[0] >= seconds

    return ready


def _stale(db: Path) -> bool:
    """Whether the recovery tables lag behind the files loaded (read without opening as the loader does)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = con.execute("SELECT value FROM meta WHERE key = 'recovery_fingerprint'").fetchall()
        return stored != [(derived.fingerprint(con),)]
    finally:
        con.close()


def _check(db: Path, expected: dict) -> int:
    """Open the database as every command does, and check it; returns how many files it holds."""
    con = database.connect(db)  # rebuilds the recovery tables if the loaded files changed
    try:
        files = con.execute("SELECT file_id, file_path FROM source_files").fetchall()
        for file_id, path in files:
            want = expected[path]
            got = con.execute(
                """
                SELECT (SELECT count(*) FROM remit_payments WHERE file_id = $1),
                       (SELECT count(*) FROM remit_claims WHERE file_id = $1),
                       (SELECT count(*) FROM remit_service_lines WHERE file_id = $1),
                       (SELECT count(*) FROM remit_adjustments WHERE file_id = $1),
                       (SELECT coalesce(sum(charge_amount), 0) FROM remit_claims WHERE file_id = $1),
                       (SELECT count(*) FROM bill_claims WHERE file_id = $1),
                       (SELECT count(*) FROM bill_lines WHERE file_id = $1),
                       (SELECT coalesce(sum(charge_amount), 0) FROM bill_claims WHERE file_id = $1)""",
                [file_id],
            ).fetchall()[0]
            assert dict(zip(want, got, strict=True)) == want, path
        for table in FILE_TABLES:
            orphans = con.execute(
                f"SELECT count(*) FROM {table} WHERE file_id NOT IN (SELECT file_id FROM source_files)"
            ).fetchall()
            assert orphans == [(0,)], table
        # the files' units were judged with them, and the recovery model follows the files now loaded
        assert (
            con.execute("SELECT count(DISTINCT file_id) FROM fact_units").fetchall()
            == con.execute(
                "SELECT count(*) FROM source_files WHERE transaction_sets > 0 "
                "AND file_id IN (SELECT file_id FROM remit_claims)"
            ).fetchall()
        )
        assert con.execute("SELECT value FROM meta WHERE key = 'recovery_fingerprint'").fetchall() == [
            (derived.fingerprint(con),)
        ]
        assert not derived.refresh(con)  # nothing left to rebuild
        return len(files)
    finally:
        con.close()


def _summary(con) -> dict:
    """Counts and sums per table, and each file's row counts, by file name: what two loads of the
    same files must agree on (their keys may be numbered differently)."""
    out = {}
    for table in FILE_TABLES + ("source_files",):
        amount = SUMS.get(table)
        out[table] = con.execute(f"SELECT count(*){f', sum({amount})' if amount else ''} FROM {table}").fetchall()
    for table in FILE_TABLES:
        out[f"{table} by file"] = con.execute(
            f"SELECT f.file_name, count(*) FROM {table} JOIN source_files f USING (file_id) GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    out["files"] = con.execute(
        "SELECT file_name, sha256, kind, interchanges, transaction_sets, segments FROM source_files ORDER BY ALL"
    ).fetchall()
    out["derived"] = {
        t: con.execute(f"SELECT count(*) > 0 FROM {t}").fetchall() for t in ("adjudication_links", "recovery_denials")
    }
    return out


def test_killed_loads_leave_whole_files_and_finish_as_a_clean_load(inputs, tmp_path):
    folder, expected, clean, _ = inputs
    assert (folder / BIG).stat().st_size > 500_000  # streamed by the scaled command
    db = tmp_path / "killed.duckdb"
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    before_big = names[names.index(BIG) - 1]

    def loaded(line: str) -> bool:
        return line.startswith("loaded")

    # 1. after a few files were reported loaded: some transactions committed, one under way
    lines = _kill_when(folder, db, True, lambda out, t: sum(map(loaded, out)) >= 5)
    assert not any(line.endswith(".duckdb.") for line in lines), "the load finished before it was killed"
    held = _check(db, expected)
    assert 5 <= held < len(names)

    # 2. while the large file is written piece by piece (one transaction)
    lines = _kill_when(folder, db, True, _after(0.5, lambda out: any(before_big in line for line in out)))
    assert not any(BIG in line for line in lines), "the large file was loaded before the kill"
    assert _check(db, expected) == len(names) - 1
    con = database.connect(db)
    assert con.execute("SELECT count(*) FROM source_files WHERE file_name = ?", [BIG]).fetchall() == [(0,)]
    con.close()

    # 3. right after the last file is reported: while the recovery tables are rebuilt
    lines = _kill_when(folder, db, True, lambda out, t: any(BIG in line for line in out))
    assert not any(line.endswith(".duckdb.") for line in lines), "the load finished before it was killed"
    assert _stale(db)  # killed before the rebuild committed: opening the database rebuilds them
    assert _check(db, expected) == len(names)

    # start again: every file is recognised, nothing changes, and the database is a clean load's
    done = _run(folder, db)
    assert done.returncode == 0, done.stderr
    assert sum(line.startswith("already loaded") for line in done.stdout.splitlines()) == len(names)
    con = database.connect(db)
    assert _summary(con) == clean
    con.close()


@pytest.mark.parametrize("seconds", [0.8, 1.6])
def test_killed_at_any_moment_then_loaded_again_equals_a_clean_load(inputs, tmp_path, seconds):
    """`python -m analytics load` as users run it, killed at fixed times from its start: opening the
    database, parsing, writing (one transaction here), a checkpoint, the recovery rebuild."""
    folder, expected, clean, _ = inputs
    db = tmp_path / "timed.duckdb"
    _kill_when(folder, db, False, lambda out, t: t >= seconds)
    _check(db, expected)
    done = _run(folder, db)
    assert done.returncode == 0, done.stderr
    con = database.connect(db)
    assert _summary(con) == clean
    con.close()


def _holding(path: Path) -> list[int]:
    """The processes that have `path` open."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd")):
                found.append(int(pid))
        except OSError:
            continue  # ended meanwhile
    return found


@pytest.mark.parametrize("sent", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_loader_killed_alone_leaves_no_worker_and_the_next_load_starts_at_once(inputs, tmp_path, sent):
    """A signal to the loader's process only (not its group, as `kill PID` or the OOM killer sends it):
    its parsing workers die with it, and the next load, told not to wait at all, takes the lock."""
    folder, expected, clean, _ = inputs
    db = tmp_path / "alone.duckdb"
    lock = writer_lock.lock_file(db)
    child = subprocess.Popen(
        _command(folder, db, scaled=True), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        loaded = 0
        while loaded < 5 and (line := child.stdout.readline()):
            loaded += line.startswith(b"loaded")
        workers = [pid for pid in _holding(lock) if pid != child.pid]
        assert workers, "the load should be parsing in worker processes"
        os.kill(child.pid, sent)
        child.wait()
        deadline = time.monotonic() + 5
        while _holding(lock) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _holding(lock) == []  # no worker outlived its loader
        _check(db, expected)
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "analytics", "--wait", "0", "--db", str(db), "load", str(folder)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        child.stdout.close()
        for pid in _holding(lock):  # the old code's orphans: they would never end
            os.kill(pid, signal.SIGKILL)
    assert done.returncode == 0, done.stderr
    assert "busy" not in done.stderr and time.monotonic() - started < 120
    con = database.connect(db)
    assert _summary(con) == clean
    con.close()


def test_a_worker_killed_while_parsing_fails_its_files_with_one_line_and_the_rest_load(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.835").write_text(
            remittance_835(f"CLP*P{n}*1*100*80*20*12*X{n}*11*1~CAS*PR*1*20", payment="80", control=f"{n + 1:09d}")
        )
    (folder / "3.835").rename(folder / "3-killer.835")
    real = workers.parse_files

    def parse_or_die(paths, known, contents, *how):  # how: the format named, its options
        if any(p.name == "3-killer.835" for p in paths):
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would: in the worker, and again on a retry
        return real(paths, known, contents, *how)

    monkeypatch.setattr(workers, "parse_files", parse_or_die)  # the forked workers inherit it
    monkeypatch.setattr(memory, "CHUNK_BYTES", 1)  # one file per group: several groups, in workers
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    con = database.connect(tmp_path / "d.duckdb")
    results = {r.path.name: r for r in loader.load_paths(con, [folder])}
    killed = results.pop("3-killer.835")
    # the signal when the worker's exit code could be read; on a busy machine the pool may reap it first
    assert cli.result_line(killed) in (
        f"failed          {folder / '3-killer.835'}: the parsing worker stopped: {why}; nothing of this file loaded"
        for why in (
            "it was killed by SIGKILL (out of memory, or stopped by hand)",
            "it stopped without finishing (killed, or out of memory)",
        )
    )
    assert {name: r.status for name, r in results.items()} == {f"{n}.835": "loaded" for n in (0, 1, 2, 4, 5)}
    assert rows(con, "SELECT count(*), sum(paid_amount) FROM remit_claims") == [(5, Decimal("400.00"))]
    con.close()


def test_a_dead_writers_lock_held_by_its_leftover_processes_is_taken_over(tmp_path):
    db = tmp_path / "d.duckdb"
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(ended.stdout)
    # a process holding the lock for a writer that has ended, as the workers of a killed load did
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"""
import fcntl, os, sys, time
fd = os.open({str(writer_lock.lock_file(db))!r}, os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, b"python -m analytics load x (process {dead}, since 2026-01-01 00:00:00)\\n{dead} 12345\\n")
print("held", flush=True)
time.sleep(60)
""",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        said = []
        with publishing.writing(db, wait=0, on_wait=said.append) as con:
            con.execute("SELECT 1")
        assert said == [
            f"python -m analytics load x (process {dead}, since 2026-01-01 00:00:00) is no longer running;"
            f" its lock on {db} is taken over"
        ]
        assert publishing.current(db) is not None  # published
        # a holder that runs is waited for, as before
        with publishing.writing(db, what="a long load (test)"):
            with pytest.raises(writer_lock.Busy):
                with publishing.writing(db, wait=0.3):
                    pass
    finally:
        holder.kill()
        holder.wait()
