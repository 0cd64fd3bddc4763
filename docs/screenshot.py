#!/usr/bin/env python3
"""Re-make docs/ui-groups.png: the Groups page of the analysed samples, its story header and the
shells conflict, as a new user sees it after `make demo`.

Run from the repository root after `make demo` (or `.venv/bin/workbench analyze data/samples
--workspace demo`), with Debian's chromium installed (`make browser-deps`):

    WORKBENCH_HOME=$PWD .venv/bin/python docs/screenshot.py [--workspace demo] [--out docs/ui-groups.png]

It starts `workbench ui` on a free port, drives /usr/bin/chromium headless with Playwright (as
tests/test_browser.py does), waits for the conflict's card and stops the server.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CONFLICT = ["CONFLICT", "more than 1,000,000 shell", "nearly 5,000,000 shell"]
A_CARD_SHOWS = """texts => [...document.querySelectorAll("div[class*='st-key-group-']")].some(
    card => texts.every(text => card.innerText.includes(text)))"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--out", default="docs/ui-groups.png")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1250)
    parser.add_argument("--analyst", default="Ana", help="the analyst name the page is opened with")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://localhost:{port}"
    server = subprocess.Popen([sys.executable, "-m", "workbench", "ui", "--workspace", args.workspace,
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"`workbench ui` did not start (exit {server.poll()})")
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.set_default_timeout(120_000)
            page.goto(f"{url}/?analyst={args.analyst}")
            page.wait_for_function(A_CARD_SHOWS, arg=CONFLICT, polling="raf")
            time.sleep(1.0)  # let the last fragments and fonts settle
            page.screenshot(path=args.out)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
