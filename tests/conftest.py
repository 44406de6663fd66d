"""Shared fixtures: a fresh database per test, and a way to write small 835 files by hand."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from analytics import database, loader
from analytics.ingest import store

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CORPUS_835 = SHARED / "corpus" / "835"
CORPUS_837 = SHARED / "corpus" / "837"
REFERENCE = SHARED / "reference"
# Every table a load writes (analytics/ingest/store.py), with the files and the units judged as each file
# loads: what "a file loads whole or not at all" and "loading a file twice changes nothing" compare.
LOADED_TABLES = ("source_files", *store.TARGETS.values(), "fact_units")
# Modules that read the public corpus or code lists set `pytestmark = needs_shared`: on a fresh clone
# without ../shared they are skipped with this reason; in CI (CI set) its absence fails the run instead.
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"needs the public corpus and code lists in {SHARED} (../shared beside the project; see shared/README.md)",
)


def corpus_files(folder: Path) -> list[Path]:
    """The files of a corpus folder; none when ../shared is absent (the module is skipped then)."""
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def pytest_sessionstart(session):
    if os.environ.get("CI") and not SHARED.is_dir():
        pytest.exit(f"CI needs ../shared beside the project ({SHARED} is missing)", returncode=1)


APP = str(Path(__file__).resolve().parent.parent / "app.py")
# every page of the app, as AppTest.switch_page names it
PAGES = sorted(f"app_pages/{p.name}" for p in (Path(APP).parent / "app_pages").glob("*.py"))


def app_runner(db: Path, monkeypatch, tmp_path: Path):
    """run(page=None, **query): the app headless (AppTest) on db, with query parameters in the URL, then
    switched to page; asserts no exception was shown."""
    monkeypatch.setenv("DENIALS_DB", str(db))
    monkeypatch.setenv("DENIALS_DEMO_DB", str(tmp_path / "unused-demo.duckdb"))

    def run(page: str | None = None, /, **query):  # query may hold "page" too
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(APP)
        for key, value in query.items():
            at.query_params[key] = value
        at.run(timeout=120)
        if page:
            at.switch_page(page).run(timeout=120)
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


@pytest.fixture
def con(tmp_path):
    connection = database.connect(tmp_path / "test.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def own_db(tmp_path, monkeypatch):
    """The user's own database with one corpus file loaded, as the dashboard reads it ($DENIALS_DB; the
    demo never built)."""
    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    loader.load_paths(con, [CORPUS_835 / "edi835parser__emedny_sample.txt"])
    con.close()
    monkeypatch.setenv("DENIALS_DB", str(db))
    monkeypatch.setenv("DENIALS_DEMO_DB", str(tmp_path / "unused-demo.duckdb"))
    return db


def remittance_835(
    *claims: str,
    payer: str = "ACME HEALTH PLAN",
    payment: str = "0",
    plb: str = "",
    payment_date: str = "20240315",
    control: str = "000000001",
) -> str:
    """A complete, balanced-enough 005010X221A1 835 around the given claim loops (segments joined
    by '~'); each claim string starts with its CLP segment."""
    body = [
        f"BPR*I*{payment}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*{payment_date}",
        "TRN*1*12345*1512345678",
        "DTM*405*20240314",
        f"N1*PR*{payer}*XV*12345",
        "N1*PE*GOOD CLINIC*XX*1234567893",
    ]
    for n, claim in enumerate(claims, 1):
        body.append(f"LX*{n}")
        body.extend(s for s in claim.strip().strip("~").split("~") if s.strip())
    if plb:
        body.append(plb)
    st = ["ST*835*0001", *body]
    st.append(f"SE*{len(st) + 1}*0001")
    isa = f"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240315*1200*^*00501*{control}*0*P*:"
    segments = [isa, "GS*HP*SENDER*RECEIVER*20240315*1200*1*X*005010X221A1", *st, "GE*1*1", f"IEA*1*{control}"]
    return "~\n".join(segments) + "~\n"


def load_cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    """`python -m analytics load ARGS` into db, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "analytics", "load", *args],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DENIALS_DB": str(db)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def load_text(con, tmp_path: Path, text: str, name: str = "test.835") -> loader.FileResult:
    path = tmp_path / name
    path.write_text(text)
    [result] = loader.load_paths(con, [path])
    return result


def table_counts(con) -> dict[str, int]:
    """The rows in each table a load writes."""
    return {table: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] for table in LOADED_TABLES}


def rows(con, query: str, params=None) -> list[tuple]:
    return con.execute(query, params or []).fetchall()


def small_history(folder: Path) -> Path:
    """A fixed database for page tests: a year of seeded demo history (so it holds the dated patterns:
    JW/JZ left off in months 6-11, the prior-authorisation spike from month 10), loaded as the user's own."""
    from analytics import demo

    db = folder / "own.duckdb"
    demo.generate(folder / "files", months=12, lines=5000, seed=3)
    con = database.connect(db)
    loader.load_paths(con, [folder / "files"])
    con.close()
    return db


def claim_837(
    *claims: str,
    payer: str = "ACME HEALTH PLAN",
    payer_id: str = "12345",
    filing: str = "12",
    submitted: str = "20240305",
    control: str = "000000001",
) -> str:
    """A 005010X222A1 837P from the practice to one payer around the given claims (segments joined by
    '~'); each claim string starts with its CLM segment and holds its lines (LX, SV1, ...)."""
    body = [
        f"BHT*0019*00*{control}*{submitted}*1200*CH",
        "NM1*41*2*GOOD CLINIC*****46*SUB1",
        "PER*IC*BILLING*TE*5555551234",
        f"NM1*40*2*{payer}*****46*{payer_id}",
        "HL*1**20*1",
        "NM1*85*2*GOOD CLINIC*****XX*1234567893",
        "N3*1 MAIN ST",
        "N4*SPRINGFIELD*IL*62701",
        "REF*EI*123456789",
    ]
    for n, claim in enumerate(claims):
        body += [
            f"HL*{n + 2}*1*22*0",
            f"SBR*P*18*******{filing}",
            "NM1*IL*1*DOE*JANE****MI*M1",
            "DMG*D8*19800101*F",
            f"NM1*PR*2*{payer}*****PI*{payer_id}",
        ]
        body.extend(s for s in claim.strip().strip("~").split("~") if s.strip())
    st = ["ST*837*0001*005010X222A1", *body]
    st.append(f"SE*{len(st) + 1}*0001")
    isa = f"ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *240305*1200*^*00501*{control}*0*P*:"
    segments = [isa, f"GS*HC*SUBMITTER*RECEIVER*{submitted}*1200*1*X*005010X222A1", *st, "GE*1*1", f"IEA*1*{control}"]
    return "~\n".join(segments) + "~\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db: Path, folder: Path, *options: str, unset: tuple = ()):
    """`streamlit run app.py` on a free port, reading db (and a demo database in folder, never built when
    db exists), with further command-line options and environment variables unset; yields (URL,
    process) once it answers. Its output goes to a log in folder, quoted when it does not start."""
    port = free_port()
    env = {**os.environ, "DENIALS_DB": str(db), "DENIALS_DEMO_DB": str(folder / "demo.duckdb")}
    for name in unset:
        env.pop(name, None)
    log = folder / f"server-{port}.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.address=127.0.0.1",
                f"--server.port={port}",
                "--server.headless=true",
                "--browser.gatherUsageStats=false",
                "--server.fileWatcherType=none",
                *options,
            ],
            cwd=Path(APP).parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError(f"streamlit did not start: {log.read_text()[-2000:]}")
    try:
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)
