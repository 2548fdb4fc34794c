"""The dashboard in headless Chromium: serve it, open a page, wait until it has fully rendered,
take screenshots, time page switches. Used by `ecom dashboard --screenshots`, the benchmark and
the browser tests (Playwright drives Debian's ``chromium`` through ``executable_path``)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ecom.dashboard.views import PAGES as SIDEBAR
from ecom.errors import EcomError
from ecom.paths import DataDir

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# (title, URL path) of every page in the sidebar's order; the default page is served at "/".
PAGES = [(page.title, "" if i == 0 else page.path) for i, page in enumerate(SIDEBAR)]
DESKTOP = {"width": 1440, "height": 900}
MOBILE = {"width": 390, "height": 844}


def chromium() -> str | None:
    """Path of an installed Chromium (Debian's package), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def command(port: int) -> list[str]:
    """The Streamlit command line that serves the dashboard on ``port``."""
    app = importlib.util.find_spec("ecom.dashboard.app")
    assert app is not None and app.origin is not None
    return [sys.executable, "-m", "streamlit", "run", app.origin, "--server.headless", "true",
            "--server.port", str(port), "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(data: DataDir, log: Path | None = None) -> Iterator[str]:
    """Serve the dashboard over ``data`` on a free port for the duration; yield its URL."""
    port = _free_port()
    log = log or Path(tempfile.mkstemp(prefix="ecom-dashboard-", suffix=".log")[1])
    with log.open("w") as out:
        proc = subprocess.Popen(command(port), stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **data.env()})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise EcomError(f"the dashboard did not start; its log: {log}") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def browser(executable: str | None = None) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    executable = executable or chromium()
    if executable is None:
        raise EcomError("no Chromium found: install Debian's `chromium` package (or pass its path)")
    with sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield chrome
        finally:
            chrome.close()


# A page is rendered when Streamlit reports its script run over, has dropped the previous run's
# (stale) elements and has drawn every chart.
_RENDERED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main || main.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
    const charts = [...main.querySelectorAll('[data-testid="stVegaLiteChart"]')];
    return charts.every(c => c.querySelector('canvas, svg'));
}"""


def wait_rendered(page: Page, title: str, timeout_ms: int = 60_000) -> None:
    """Wait until ``page`` shows the page titled ``title`` completely rendered."""
    page.get_by_role("heading", name=title).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(_RENDERED, timeout=timeout_ms, polling=50)


def open_page(page: Page, url: str, path: str, title: str, query: str = "") -> None:
    page.goto(f"{url}/{path}{'?' + query if query else ''}")
    wait_rendered(page, title)


def screenshots(url: str, out: Path, chrome: Browser) -> list[Path]:
    """A full-page PNG of every page at desktop (1440x900) and mobile (390x844) width."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for label, viewport in (("desktop", DESKTOP), ("mobile", MOBILE)):
        page = chrome.new_page(viewport=viewport)
        for title, path in PAGES:
            open_page(page, url, path, title)
            target = out / f"{path or 'overview'}-{label}.png"
            page.screenshot(path=str(target), full_page=True)
            written.append(target)
        page.close()
    return written


def switch_times(url: str, rounds: int, chrome: Browser) -> dict[str, list[float]]:
    """Milliseconds from a click on a page's sidebar link to its complete render, per page."""
    times: dict[str, list[float]] = {title: [] for title, _ in PAGES}
    page = chrome.new_page(viewport=DESKTOP)
    open_page(page, url, "", "Overview")
    for _ in range(rounds):
        for title, _path in [*PAGES[1:], PAGES[0]]:
            began = time.perf_counter()
            page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
            wait_rendered(page, title)
            times[title].append((time.perf_counter() - began) * 1000)
    page.close()
    return times
