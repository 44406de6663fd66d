"""Load test: N users browsing the dashboard at the same time, against one alone.

    python bench/load_test.py                                   # 20 users, 60 s, bench/work/scale-1000000.duckdb
    python bench/load_test.py --think 0                          # stress: every user clicks on at once
    python bench/load_test.py --browsers 20 --think 10           # every user a Chromium on this machine
    python bench/load_test.py --sessions 5 --seconds 30 --db path/to/any.duckdb

Starts `streamlit run app.py` headless on a free port with DENIALS_DB pointing at the database (each
script run timed on the server). The users are of two kinds, both real Streamlit sessions on the
server, each with its own websocket, session state and script runs:

- --browsers of them (default 1) are Chromium (/usr/bin/chromium; never `playwright install`) browser
  contexts driven by Playwright, clicking the pages in the sidebar. A page is timed in the browser
  from the click until Streamlit has finished running it and the page is drawn (its root element says
  "notRunning", no element is left stale from the page before, and the page's title is shown).
- the others speak Streamlit's websocket protocol as a browser does (a BackMsg asking to run a page,
  with the page's URL and query string), and a page is timed from the request until the server's
  "script finished" message, every element of the page received. They do not draw the page: a user's
  browser draws on the user's own computer, while one 2-core machine running 20 Chromiums spends twelve
  times the server's CPU on drawing (measured: `--browsers 20 --think 10`), which measures this machine,
  not the dashboard.

Each user visits the pages in a loop (every page of analytics/pages.py but the Data page; each starts at
another page), reading each page between
0.5 and 1.5 times --think seconds. A share of the visits (--filtered, websocket users) carry filters in
the URL, as a shared link does: a payer, or a quarter of dates, or a denial category, picked at random
from what the data holds, so the server's query cache does not answer everything. Errors: a Streamlit
exception on the page, a run that did not finish, a page not done within --timeout, a lost connection.

First a warm-up (every page once, as the first user of the day), then a baseline: one user of each
kind alone, clicking on at once, then the N users for --seconds. Prints median and 95th percentile per
page and overall, per kind of user, the errors, the ratio to the baseline, where the CPU went (the
server, the browsers and this rig, other programs) and the server's own script-run times. Target on a
2-core machine at 1M lines: no errors, p95 under 2 s with 20 users.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import data, publishing  # noqa: E402
from analytics.pages import PAGES as DASHBOARD_PAGES  # noqa: E402
from tests.chromium import ARGS, CHROMIUM  # noqa: E402

# page title -> its URL path: every page but the Data page (uploads)
PAGES = {page.title: page.url_path for page in DASHBOARD_PAGES if page.title != "Data"}
# Installed in every page before Streamlit's own scripts: notes when the user last clicked, in the page's
# clock. A page is done when Streamlit is not running its script (the attribute it keeps on its root
# element; React may batch "running" and "not running" into one update under load, so a change of the
# attribute is not awaited), no element is stale from the page before, and the page's title is shown;
# the check notes when it first held, so a page's time is measured in the page, not by the test's polls.
WATCH = """
window.__clickAt = 0; window.__doneAt = 0;
document.addEventListener('click', () => { window.__clickAt = performance.now(); }, true);
"""
DONE = """([title]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const h1 = document.querySelector('h1');
  const done = !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !document.querySelector('[data-testid="stStatusWidget"]')
      && !document.querySelector('[data-stale="true"]')
      && !!h1 && h1.textContent.trim().startsWith(title);
  if (done) window.__doneAt = performance.now();
  return done;
}"""
STATE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const h1 = document.querySelector('h1');
  return `at ${location.pathname}, script ${app && app.getAttribute('data-test-script-state')}, `
       + `connection ${app && app.getAttribute('data-test-connection-state')}, title ${h1 && h1.innerText.trim()}, `
       + `status widget ${!!document.querySelector('[data-testid="stStatusWidget"]')}, `
       + `stale ${document.querySelectorAll('[data-stale="true"]').length}`;
}"""


# The server, with each script run timed (wall and the script thread's CPU) into $LOAD_TEST_RUNS: how long
# the server itself takes for a page, apart from the browser's drawing.
SERVER = """
import os, sys, time
from streamlit.runtime.scriptrunner import script_runner
log = open(os.environ["LOAD_TEST_RUNS"], "a", buffering=1)
original = script_runner.ScriptRunner._run_script
def timed(self, rerun_data):
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        return original(self, rerun_data)
    finally:
        log.write(f"{time.perf_counter() - wall:.4f} {time.thread_time() - cpu:.4f}\\n")
script_runner.ScriptRunner._run_script = timed
from streamlit.web import cli
sys.argv = ["streamlit", *sys.argv[1:]]
sys.exit(cli.main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, scratch: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DENIALS_DB": str(db),
        "DENIALS_DEMO_DB": str(scratch / "unused-demo.duckdb"),
        "LOAD_TEST_RUNS": str(scratch / "runs.log"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVER,
            "run",
            "app.py",
            "--server.address=127.0.0.1",
            f"--server.port={port}",
            "--server.headless=true",
            "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(scratch / "server.log", "wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not start: {(scratch / 'server.log').read_text()[-2000:]}")


class Session:
    """One user: a browser context visiting the pages in a loop."""

    def __init__(self, browser, url: str, start: int, timeout: float, think: float = 0.0):
        self.browser, self.url, self.start, self.timeout, self.think = browser, url, start, timeout, think
        self.random = random.Random(start)
        self.times: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self.first_load = None

    async def open(self) -> None:
        self.context = await self.browser.new_context(viewport={"width": 1400, "height": 1100})
        await self.context.add_init_script(WATCH)
        self.page = await self.context.new_page()
        started = time.perf_counter()
        try:
            await self.page.goto(self.url, timeout=self.timeout * 1000)
            await self.page.wait_for_function(DONE, arg=["Overview"], timeout=self.timeout * 1000, polling=25)
        except Exception as e:  # noqa: BLE001
            self.errors.append(f"first load: {type(e).__name__}: {str(e).splitlines()[0][:160]}")
            await self.recover()
        self.first_load = time.perf_counter() - started

    async def browse(self, until: float, once: bool = False) -> None:
        titles = list(PAGES)
        n = self.start + 1 if self.start % len(titles) == 0 else self.start  # it is on the Overview already
        visits = 0
        while visits < len(titles) if once else time.monotonic() < until:
            await self.visit(titles[n % len(titles)])
            if self.think and not once:  # reading the page: between half and one and a half times --think
                await asyncio.sleep(self.think * self.random.uniform(0.5, 1.5))
            n += 1
            visits += 1

    async def visit(self, title: str) -> None:
        page = self.page
        try:
            link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{PAGES[title]}"]').first
            await link.click(timeout=self.timeout * 1000)
            await page.wait_for_function(DONE, arg=[title], timeout=self.timeout * 1000, polling=25)
            elapsed = await page.evaluate("() => (window.__doneAt - window.__clickAt) / 1000")
        except Exception as e:  # noqa: BLE001 - a timeout or a lost page is an error of this visit
            try:
                state = await page.evaluate(STATE)
            except Exception:  # noqa: BLE001
                state = "?"
            self.errors.append(f"{title}: {type(e).__name__}: {str(e).splitlines()[0][:100]} ({state})")
            await self.recover()
            return
        if await page.locator('[data-testid="stException"]').count():
            text = await page.locator('[data-testid="stException"]').first.inner_text()
            self.errors.append(f"{title}: exception shown: {text.splitlines()[0][:160]}")
            return
        if await page.get_by_text("Connection error").count():
            self.errors.append(f"{title}: connection error")
            await self.recover()
            return
        self.times.append((title, elapsed))

    async def recover(self) -> None:
        try:
            await self.page.goto(self.url, timeout=self.timeout * 1000)
            await self.page.wait_for_function(DONE, arg=["Overview"], timeout=self.timeout * 1000, polling=25)
        except Exception as e:  # noqa: BLE001
            self.errors.append(f"reload: {type(e).__name__}: {str(e).splitlines()[0][:160]}")

    async def close(self) -> None:
        await self.context.close()


class SocketSession(Session):
    """One user speaking Streamlit's websocket protocol: asks the server to run a page, as a browser
    does on a click or an opened link, and waits for every message of the run."""

    def __init__(
        self,
        browser,
        url: str,
        start: int,
        timeout: float,
        think: float = 0.0,
        filters: list[str] = (),
        filtered: float = 0.0,
    ):
        super().__init__(browser, url, start, timeout, think)
        self.filters, self.filtered = list(filters), filtered

    async def open(self) -> None:
        import websockets

        started = time.perf_counter()
        try:
            self.socket = await websockets.connect(
                self.url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"], max_size=None
            )
            await self.run_page("", "")
        except Exception as e:  # noqa: BLE001
            self.errors.append(f"first load: {type(e).__name__}: {str(e).splitlines()[0][:160]}")
        self.first_load = time.perf_counter() - started

    async def visit(self, title: str) -> None:
        query = self.random.choice(self.filters) if self.filters and self.random.random() < self.filtered else ""
        started = time.perf_counter()
        try:
            await asyncio.wait_for(self.run_page(PAGES[title], query), self.timeout)
        except Exception as e:  # noqa: BLE001 - a timeout, a failed run or a lost connection
            self.errors.append(
                f"{title}{' ?' + query if query else ''}: {type(e).__name__}: {(str(e).splitlines() or [''])[0][:160]}"
            )
            await self.close()
            await self.open()
            return
        self.times.append((title, time.perf_counter() - started))

    async def run_page(self, path: str, query: str) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        request = BackMsg()
        request.rerun_script.page_name = path
        request.rerun_script.query_string = query
        await self.socket.send(request.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.socket.recv())
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.new_element.WhichOneof("type") == "exception":
                raise RuntimeError(f"exception shown: {message.delta.new_element.exception.message}")
            if kind == "script_finished":
                if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"run ended with status {message.script_finished}")
                return

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.socket.close()


def url_filters(db: Path) -> list[str]:
    """Query strings a shared link could carry: each payer, each denial category, each quarter."""
    known = data.query("dashboard/filter_options", path=publishing.current(db) or db).iloc[0]
    links = [urllib.parse.urlencode({"payer": p}) for p in known["payers"]]
    links += [urllib.parse.urlencode({"category": c}) for c in known["categories"]]
    first, last = pd_date(known["first_date"]), pd_date(known["last_date"])
    quarter = first
    while quarter < last:
        end = min(last, quarter + timedelta(days=91))
        links.append(urllib.parse.urlencode({"from": quarter.isoformat(), "to": end.isoformat()}))
        quarter = end + timedelta(days=1)
    return links


def pd_date(value) -> date:
    return value.date() if hasattr(value, "date") else value


async def run(
    url: str,
    sessions: int,
    browsers: int,
    seconds: float,
    timeout: float,
    once: bool = False,
    think: float = 0.0,
    filters: list[str] = (),
    filtered: float = 0.0,
    meter: contextlib.AbstractContextManager | None = None,
) -> dict:
    """Runs the users; returns, per kind of user, (page times, errors, first-load times)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS) if browsers else None
        users = [
            Session(browser, url, start, timeout, think)
            if start < browsers
            else SocketSession(None, url, start, timeout, think, filters, filtered)
            for start in range(sessions)
        ]
        for user in users:  # users arrive one after another, then all browse at once
            await user.open()
        with meter or contextlib.nullcontext():  # the browsing only, not the arrivals
            until = time.monotonic() + seconds
            await asyncio.gather(*(u.browse(until, once) for u in users))
        for u in users:
            await u.close()
        if browser:
            await browser.close()
    kinds = {
        "browser": [u for u in users if type(u) is Session],
        "websocket": [u for u in users if type(u) is SocketSession],
    }
    return {
        kind: ([t for u in mine for t in u.times], [e for u in mine for e in u.errors], [u.first_load for u in mine])
        for kind, mine in kinds.items()
        if mine
    }


class Meter:
    """CPU seconds over a phase: the server's, the browsers' (Chromium, Playwright's driver and this
    process: the test rig, everything but the server this process started) and the rest of the
    machine's (other programs)."""

    def __init__(self, server: subprocess.Popen, runs: Path):
        self.server, self.runs = server, runs

    def __enter__(self):
        self.start = self._sample()
        return self

    def __exit__(self, *exc):
        self.end = self._sample()

    def _sample(self) -> dict:
        ticks = os.sysconf("SC_CLK_TCK")
        parents, cpu = {}, {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(entry)] = int(fields[1])
                cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks

        def under(pid: int, root: int) -> bool:
            while pid > 1:
                if pid == root:
                    return True
                pid = parents.get(pid, 0)
            return False

        mine = os.getpid()
        total = sum(int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:8]) / ticks
        idle = sum(int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[4:6]) / ticks
        runs = self.runs.read_text().split("\n")[:-1] if self.runs.exists() else []
        return {
            "server": sum(c for p, c in cpu.items() if under(p, self.server.pid)),
            "browser": sum(c for p, c in cpu.items() if under(p, mine) and not under(p, self.server.pid)),
            "busy": total - idle,
            "wall": time.monotonic(),
            "runs": len(runs),
            "lines": runs,
        }

    def report(self, views: int) -> None:
        took = {k: self.end[k] - self.start[k] for k in ("server", "browser", "busy", "wall")}
        others = max(0.0, took["busy"] - took["server"] - took["browser"])
        cores = os.cpu_count() or 1
        runs = [tuple(map(float, line.split())) for line in self.end["lines"][self.start["runs"] : self.end["runs"]]]
        print(
            f"  CPU over {took['wall']:.0f} s on {cores} cores: server {took['server']:.0f} s, browsers and driver "
            f"{took['browser']:.0f} s, other programs {others:.0f} s ({took['busy'] / took['wall'] / cores:.0%} busy); "
            f"per page view: server {took['server'] / max(views, 1):.2f} s, browsers "
            f"{took['browser'] / max(views, 1):.2f} s"
        )
        if runs:
            walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
            print(
                f"  server script runs: {len(runs)}, wall median {statistics.median(walls):.2f} s, p95 "
                f"{p95(walls):.2f} s; script-thread CPU median {statistics.median(cpus):.2f} s"
            )


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def report(label: str, times: list, errors: list, first: list) -> dict:
    print(
        f"\n{label}: {len(times)} page views, {len(errors)} error(s); first load median "
        f"{statistics.median(first):.2f} s"
    )
    print(f"  {'page':<15} {'views':>6} {'median':>8} {'p95':>8}")
    figures = {}
    for title in PAGES:
        mine = [t for name, t in times if name == title]
        if mine:
            figures[title] = (statistics.median(mine), p95(mine))
            print(f"  {title:<15} {len(mine):>6} {figures[title][0]:>7.2f}s {figures[title][1]:>7.2f}s")
    everything = [t for _, t in times] or [float("nan")]
    figures["all"] = (statistics.median(everything), p95(everything))
    print(f"  {'all pages':<15} {len(everything):>6} {figures['all'][0]:>7.2f}s {figures['all'][1]:>7.2f}s")
    for error in errors[:20]:
        print(f"  error: {error}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        type=Path,
        default=ROOT / "bench" / "work" / "scale-1000000.duckdb",
        help="the database (default: the 1M-line one bench/pages.py builds)",
    )
    parser.add_argument("--sessions", type=int, default=20, help="users at once, browsers included")
    parser.add_argument("--browsers", type=int, default=1, help="how many of them are Chromium (default 1)")
    parser.add_argument("--seconds", type=float, default=60, help="how long the users browse")
    parser.add_argument("--baseline-seconds", type=float, default=20, help="how long each lone user browses")
    parser.add_argument(
        "--think",
        type=float,
        default=5.0,
        help="seconds a user reads each page before the next click (each time 0.5-1.5x this; "
        "default 5; 0: every user clicks on as soon as a page is done)",
    )
    parser.add_argument(
        "--filtered",
        type=float,
        default=0.3,
        help="share of a websocket user's visits with filters in the URL (default 0.3)",
    )
    parser.add_argument("--timeout", type=float, default=60, help="a page not finished after this is an error")
    args = parser.parse_args()
    if not args.db.exists():
        print(f"{args.db} does not exist: build it with `python bench/pages.py --lines 1000000`", file=sys.stderr)
        return 2
    if args.browsers and not Path(CHROMIUM).exists():
        print("no chromium: apt-get install chromium", file=sys.stderr)
        return 2
    started = time.perf_counter()
    publishing.refresh(args.db, wait=600)  # the copy the dashboard reads, published before the server starts
    filters = url_filters(args.db)
    print(
        f"database {args.db} ({args.db.stat().st_size / 1e6:.0f} MB); copy for the dashboard ready in "
        f"{time.perf_counter() - started:.1f} s; {len(filters)} URL filters to pick from"
    )
    print(
        f"{args.sessions} users ({args.browsers} Chromium), reading each page {args.think:g} s on average, "
        f"{args.filtered:.0%} of websocket visits filtered"
    )
    figures = {}
    with tempfile.TemporaryDirectory() as scratch:
        server, url = start_server(args.db, Path(scratch))
        runs = Path(scratch) / "runs.log"
        try:
            # warm-up: one visit of every page fills the server's query cache, as the first user of the day does
            warm = asyncio.run(run(url, 1, 0, 0, args.timeout, once=True))["websocket"]
            print(f"warm-up, every page once: {sum(t for _, t in warm[0]):.1f} s, {len(warm[1])} error(s)")
            for kind, browsers in (("browser", 1), ("websocket", 0)):
                if kind == "browser" and not args.browsers:
                    continue
                meter = Meter(server, runs)
                result = asyncio.run(
                    run(
                        url,
                        1,
                        browsers,
                        args.baseline_seconds,
                        args.timeout,
                        filters=filters,
                        filtered=args.filtered,
                        meter=meter,
                    )
                )[kind]  # clicking on at once
                figures[kind, 1] = report(f"baseline: 1 {kind} user alone, clicking on at once", *result)
                meter.report(len(result[0]))
            meter = Meter(server, runs)
            result = asyncio.run(
                run(
                    url,
                    args.sessions,
                    args.browsers,
                    args.seconds,
                    args.timeout,
                    think=args.think,
                    filters=filters,
                    filtered=args.filtered,
                    meter=meter,
                )
            )
            for kind, numbers in result.items():
                figures[kind, args.sessions] = report(f"{args.sessions} users at once: the {kind} users", *numbers)
            meter.report(sum(len(numbers[0]) for numbers in result.values()))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print()
    for kind in ("browser", "websocket"):
        if (kind, 1) in figures and (kind, args.sessions) in figures:
            alone, many = figures[kind, 1]["all"], figures[kind, args.sessions]["all"]
            print(
                f"{kind} users, {args.sessions} at once / alone: median {many[0] / alone[0]:.1f}x, "
                f"p95 {many[1] / alone[1]:.1f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
