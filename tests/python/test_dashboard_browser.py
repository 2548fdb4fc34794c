"""The dashboard in a real browser: headless Chromium loads the running app, drills down through
the sales hierarchy and saves a screenshot. Skips (saying why) where no Chromium is installed;
`.ci/run` installs Debian's chromium and sets ECOM_REQUIRE_BROWSER=1, so in CI it must run."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ecom.paths import DataDir
from tests.python.warehouse_helpers import query

pytestmark = pytest.mark.slow


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("ECOM_REQUIRE_BROWSER") == "1":
        pytest.fail("ECOM_REQUIRE_BROWSER=1 but no chromium on PATH (.ci/run installs Debian's chromium package)")
    pytest.skip("no chromium on PATH: install Debian's `chromium` package to run the browser test")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dashboard_url(tiny_warehouse: DataDir, tmp_path: Path):
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecom.cli", "dashboard", "--data-dir", str(tiny_warehouse.root), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dashboard did not start: {(tmp_path / 'streamlit.log').read_text()}") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_browser_drills_down_from_category_to_brand(
    tiny_warehouse: DataDir, dashboard_url: str, tmp_path: Path
) -> None:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    top = query(
        tiny_warehouse,
        "select category_l1, category_l2, category_l3 from gold.sales_by_category "
        "where category_l3 <> '(none)' group by all order by sum(revenue) desc limit 1",
    ).row(0, named=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(dashboard_url, wait_until="networkidle")
        page.get_by_text("Daily revenue").wait_for(timeout=60_000)
        page.get_by_text("Revenue (all time)").wait_for()

        page.get_by_text("Sales", exact=True).first.click()
        page.get_by_text("Sales drill-down").wait_for()
        path = "All categories"
        for label, value in (("Category level 1", top["category_l1"]), ("Category level 2", top["category_l2"]),
                             ("Category level 3", top["category_l3"])):
            box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label)
            box.locator("input").click()
            page.get_by_role("option", name=value, exact=True).click()
            path += f" › {value}"
            page.get_by_text(f"Path: {path}", exact=True).wait_for()  # the breadcrumb follows each click
        page.get_by_text(path).wait_for(timeout=30_000)
        page.get_by_text("Revenue by brand").wait_for()
        screenshot = tmp_path / "dashboard-drill-down.png"
        page.screenshot(path=str(screenshot), full_page=True)
        body = page.inner_text("body")
        browser.close()
    assert path in body
    assert "Brand" in body
    assert screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}")
