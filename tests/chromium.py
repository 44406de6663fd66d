"""Debian's Chromium as the browser tests and bench/load_test.py launch it: Playwright's own browser
download does not work offline, so they use /usr/bin/chromium (.ci/run installs it) with these flags."""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# headless in a container: no sandbox, GPU or shared memory; nothing that reaches the network
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
