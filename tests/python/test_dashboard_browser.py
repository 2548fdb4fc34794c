"""The dashboard in a real browser (headless Chromium through Playwright): every page opened by
its URL shows the warehouse's numbers for the period in the URL, reads like a BI tool (no raw
column names, no unformatted large numbers), survives a phone's width, drills by click into a URL
that a reload restores, and keeps the period across page switches and Back. Skips (saying why)
where no Chromium is installed; `.ci/run` installs Debian's chromium and sets
ECOM_REQUIRE_BROWSER=1, so in CI it must run."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from ecom.dashboard import browser
from ecom.dashboard.formats import count, money, pct
from ecom.paths import DataDir
from tests.python.warehouse_helpers import query

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

START, END = date(2019, 11, 1), date(2019, 11, 20)
PERIOD = f"from={START}&to={END}"
SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
# Five or more digits in a row not preceded by '#' (a product's id) or part of a formatted number.
RAW_NUMBER = re.compile(r"(?<![\d#.,])\d{5,}(?![\d,])")


def _chromium() -> str:
    found = browser.chromium()
    if found:
        return found
    if os.environ.get("ECOM_REQUIRE_BROWSER") == "1":
        pytest.fail("ECOM_REQUIRE_BROWSER=1 but no chromium on PATH (.ci/run installs Debian's chromium package)")
    pytest.skip("no chromium on PATH: install Debian's `chromium` package to run the browser tests")


@pytest.fixture(scope="module")
def url(tiny_warehouse: DataDir, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _chromium()
    with browser.served(tiny_warehouse, tmp_path_factory.mktemp("streamlit") / "streamlit.log") as served:
        yield served


@pytest.fixture(scope="module")
def chrome(url: str) -> Iterator[object]:
    with browser.browser(_chromium()) as launched:
        yield launched


def _expected(data: DataDir) -> dict[str, Callable[[], str]]:
    """Per page (URL path, extra query), a text the page must show, computed from the warehouse."""
    between = f"between '{START}' and '{END}'"

    def revenue() -> str:
        return money(query(data, f"select sum(price)::double as r from silver.int_events "
                                 f"where event_type = 'purchase' and event_date {between}")["r"][0])

    def view_to_cart() -> str:
        row = query(data, f"select count(*) filter (where has_view and has_cart) as vc, "
                          f"count(*) filter (where has_view) as v from gold.fct_sessions "
                          f"where session_date {between}").row(0, named=True)
        return pct(row["vc"] / row["v"])

    def champions() -> str:
        n = query(data, f"select count(*) as n from gold.customer_rfm where segment = 'Champions' "
                        f"and last_purchase_date {between}")["n"][0]
        return f"{n:,} buyers in Champions"

    def week1_churn() -> str:
        row = query(data, f"select sum(active_users) as a, sum(cohort_users) as c from gold.cohort_retention "
                          f"where cohort_week {between} and is_complete_week and weeks_since_first_seen = 1"
                    ).row(0, named=True)
        return pct(1 - row["a"] / row["c"], 1)

    def top_product() -> str:
        row = query(data, "select product_id from gold.recommendable_products "
                          "order by purchases desc, views desc, product_id limit 1").row(0, named=True)
        return f"#{row['product_id']}"

    def contacts() -> str:
        scored = query(data, "select count(*) as n from gold.propensity_scores where snapshot = 'score'")["n"][0]
        return count(math.ceil(scored * 10 / 100))

    return {"": revenue, "sales": revenue, "funnel": view_to_cart, "customers": champions,
            "retention": week1_churn, "recommendations": top_product, "propensity": contacts}


def _visible_text(page) -> str:  # type: ignore[no-untyped-def]
    """The main area's text as a reader sees it: icons are ligatures (``keyboard_arrow_right``)
    that the browser draws as symbols, so their names are left out."""
    text = page.inner_text('[data-testid="stMain"]')
    for icon in page.locator('[data-testid="stMain"] [data-testid="stIconMaterial"]').all_inner_texts():
        text = text.replace(icon, "")
    return text


def _category_words(data: DataDir) -> set[str]:
    """Category names are data (`sewing_machine`), not column names."""
    codes = query(data, "select distinct category_code from gold.dim_products where category_code is not null")
    return {part for code in codes["category_code"] for part in code.split(".")}


@pytest.mark.parametrize(("title", "path"), browser.PAGES)
def test_each_page_opened_by_its_url_shows_the_warehouse_numbers_readably(
    tiny_warehouse: DataDir, url: str, chrome, title: str, path: str  # type: ignore[no-untyped-def]
) -> None:
    extra = "&segment=Champions" if path == "customers" else ""
    page = chrome.new_page(viewport=browser.DESKTOP)
    browser.open_page(page, url, path, title, PERIOD + extra)
    body = _visible_text(page)
    expected = _expected(tiny_warehouse)[path]()
    assert expected in body, (title, expected)
    allowed = _category_words(tiny_warehouse)
    assert not [w for w in SNAKE.findall(body) if w not in allowed], (title, SNAKE.findall(body))
    assert not RAW_NUMBER.findall(body), (title, RAW_NUMBER.findall(body))
    assert "00:00:00" not in body, title

    page.set_viewport_size(browser.MOBILE)
    browser.open_page(page, url, path, title, PERIOD + extra)
    overflow = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        return [main.scrollWidth - main.clientWidth, document.documentElement.scrollWidth - window.innerWidth];
    }""")
    assert max(overflow) <= 1, (title, overflow)  # no horizontal scrolling at 390 px
    page.close()


def test_a_click_on_the_sales_table_drills_into_a_url_that_reload_and_back_follow(
    url: str, chrome  # type: ignore[no-untyped-def]
) -> None:
    page = chrome.new_page(viewport=browser.DESKTOP)
    browser.open_page(page, url, "sales", "Sales", PERIOD)
    table = page.locator('[data-testid="stDataFrame"]').first
    box = table.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection box, under the header
    page.wait_for_url(re.compile(r"[?&]l1="), timeout=30_000)
    browser.wait_rendered(page, "Sales")
    l1 = parse_qs(urlparse(page.url).query)["l1"][0]
    crumb = page.get_by_role("button", name=f"› {l1}")
    crumb.wait_for()
    assert parse_qs(urlparse(page.url).query)["from"] == [str(START)]  # the period stays

    page.reload()
    browser.wait_rendered(page, "Sales")
    expect(page.get_by_role("button", name=f"› {l1}")).to_have_count(1, timeout=30_000)  # restored

    page.go_back()  # back to the top level: the URL without l1, and the page follows it
    page.wait_for_url(lambda u: "l1=" not in u, timeout=30_000)
    expect(page.get_by_role("button", name=f"› {l1}")).to_have_count(0, timeout=30_000)
    page.close()


def test_switching_pages_changes_the_url_path_and_keeps_the_period(url: str, chrome) -> None:  # type: ignore[no-untyped-def]
    page = chrome.new_page(viewport=browser.DESKTOP)
    browser.open_page(page, url, "", "Overview", PERIOD)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Funnel", exact=True).click()
    browser.wait_rendered(page, "Funnel")
    where = urlparse(page.url)
    assert where.path.endswith("/funnel")
    assert parse_qs(where.query)["from"] == [str(START)] and parse_qs(where.query)["to"] == [str(END)]
    page.go_back()
    page.wait_for_url(lambda u: not urlparse(u).path.endswith("/funnel"), timeout=30_000)
    expect(page.get_by_role("heading", name="Overview")).to_have_count(1, timeout=30_000)
    page.close()


def test_screenshots_of_every_page_at_desktop_and_phone_width(url: str, chrome, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    written = browser.screenshots(url, tmp_path, chrome)
    assert len(written) == 2 * len(browser.PAGES)
    assert all(p.stat().st_size > 10_000 for p in written)
    print(f"screenshots: {tmp_path}")
