"""The dashboard in-process (Streamlit's AppTest): each page opened as a shared URL would open it,
its numbers against the warehouse computed independently, readable headers, the empty state of
a fresh clone, and builds that never collide with it. The real browser checks (navigation,
drill by click, mobile width) are in test_dashboard_browser.py."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from ecom.dashboard.formats import count, money
from ecom.dashboard.views import PAGES
from ecom.paths import DataDir
from ecom.warehouse.serving import current
from tests.python.dashboard_helpers import column_labels, open_page
from tests.python.warehouse_helpers import query

pytestmark = pytest.mark.slow

SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
START, END = date(2019, 11, 1), date(2019, 11, 20)
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}
BEFORE = (START - timedelta(days=20), START - timedelta(days=1))


def _metrics(at) -> dict[str, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return {m.label: (m.value, m.delta or None) for m in at.metric}


def _purchases(data: DataDir, start: date, end: date) -> dict[str, float]:
    """Revenue and buyers from silver's events, orders (purchase sessions) from fct_purchases:
    not the tables the page reads."""
    events = query(data, f"""
        select sum(price)::double as revenue, count(distinct user_id) as buyers from silver.int_events
        where event_type = 'purchase' and event_date between '{start}' and '{end}'""").row(0, named=True)
    orders = query(data, f"""
        select count(distinct session_id) as orders from gold.fct_purchases
        where purchase_date between '{start}' and '{end}'""")["orders"][0]
    return {**events, "orders": orders}


def test_every_page_renders_a_shared_url_with_readable_headers(
    monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir
) -> None:
    for page in PAGES:
        at = open_page(monkeypatch, tiny_warehouse, page.path, **PERIOD, compare="none")
        assert not at.exception, (page.title, [e.value for e in at.exception])
        assert [h.value for h in at.header] == [page.title]
        for labels in column_labels(at):
            assert all(label and not SNAKE.search(label) for label in labels), (page.title, labels)
        assert all(m.delta in (None, "") or "vs RFM baseline" in m.delta for m in at.metric), page.title
        assert dict(at.query_params).items() >= {"from": PERIOD["from"], "to": PERIOD["to"]}.items()


def test_overview_kpis_follow_the_period_and_compare_with_the_one_before(
    monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir
) -> None:
    at = open_page(monkeypatch, tiny_warehouse, **PERIOD)
    now, before = _purchases(tiny_warehouse, START, END), _purchases(tiny_warehouse, *BEFORE)
    metrics = _metrics(at)
    assert metrics["Revenue"] == (money(now["revenue"]), f"{now['revenue'] / before['revenue'] - 1:+.1%}")
    assert metrics["Orders"] == (count(now["orders"]), f"{now['orders'] / before['orders'] - 1:+.1%}")
    assert metrics["Buyers"][0] == count(now["buyers"])
    assert metrics["Average order value"][0] == money(now["revenue"] / now["orders"])
    assert metrics["Conversion (buyers / visitors)"][1].endswith(" pp")  # a rate's change, in points
    assert f"{START:%-d %b} - {END:%-d %b %Y}" in at.caption[0].value


def test_sales_opens_the_drill_path_in_the_url_and_skips_levels_of_none(
    monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir
) -> None:
    top = query(tiny_warehouse, f"""
        select category_l1 from gold.fct_purchases where purchase_date between '{START}' and '{END}'
            and category_l1 is not null
        group by all order by sum(price) desc limit 1""")["category_l1"][0]
    at = open_page(monkeypatch, tiny_warehouse, "sales", **PERIOD, l1=top)
    children = query(tiny_warehouse, f"""
        select coalesce(category_l2, '(none)') as node, sum(price)::double as revenue from gold.fct_purchases
        where purchase_date between '{START}' and '{END}' and category_l1 = '{top}' group by all""")
    table = at.dataframe[0].value
    assert sorted(table["node"]) == sorted(children["node"].to_list())
    assert table["revenue"].sum() == pytest.approx(children["revenue"].sum())
    assert column_labels(at)[0][0] == "Subcategory"

    # Products without a category have no subcategory: the page goes straight to their brands.
    at = open_page(monkeypatch, tiny_warehouse, "sales", **PERIOD, l1="unknown")
    assert (at.query_params.get("l2"), at.query_params.get("l3")) == ("(none)", "(none)")
    assert column_labels(at)[0][0] == "Brand"
    at.button(key="crumb-all").click().run()
    assert "l1" not in at.query_params and column_labels(at)[0][0] == "Category"


def test_customers_lists_the_segment_in_the_url_for_the_period(
    monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir
) -> None:
    segment = "Champions"
    at = open_page(monkeypatch, tiny_warehouse, "customers", **PERIOD, segment=segment)
    members = query(tiny_warehouse, f"""
        select count(*) as n from gold.customer_rfm
        where segment = '{segment}' and last_purchase_date between '{START}' and '{END}'""")["n"][0]
    assert f"{members:,} buyers in **{segment}**" in [m.value for m in at.markdown]
    assert at.selectbox[0].value == segment


def test_propensity_budget_reaches_30_percent_with_segment_and_decile_in_the_list(
    monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir
) -> None:
    at = open_page(monkeypatch, tiny_warehouse, "propensity", top=30, cost="0.50")
    assert not at.exception
    scores = query(tiny_warehouse, """
        select score from gold.propensity_scores where snapshot = 'score' order by model_rank""")["score"]
    contacts = math.ceil(len(scores) * 30 / 100)
    expected = float(scores.head(contacts).sum())
    metrics = _metrics(at)
    assert metrics["Users contacted"] == (count(contacts), None)
    assert metrics["Expected purchases"] == (count(expected), None)  # a value, not a growth arrow
    assert metrics["Cost per expected purchase"][0] == f"${contacts * 0.5 / expected:,.2f}"
    assert at.slider[0].max >= 30
    listed = at.dataframe[-2].value  # the campaign list; the last table is the importance
    assert {"segment", "model_decile"} <= set(listed.columns) and len(listed) == min(contacts, 1000)
    ece = query(tiny_warehouse, "select max(expected_calibration_error) as e from gold.propensity_calibration")["e"][0]
    assert f"{ece:.2%}" == metrics["Calibration error"][0]


def test_recommendations_keep_pairs_seen_often_enough_and_name_the_products(
    monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir
) -> None:
    product = query(tiny_warehouse, """
        select product from (select product_a as product from gold.product_pairs
                             union all select product_b from gold.product_pairs)
        group by all order by count(*) desc, product limit 1""")["product"][0]
    at = open_page(monkeypatch, tiny_warehouse, "recommendations", product=product, min=3)
    pairs = query(tiny_warehouse, f"""
        select count(*) as n from gold.product_pairs
        where (product_a = {product} or product_b = {product}) and pair_baskets >= 3""")["n"][0]
    bought = at.dataframe[0].value if pairs else None
    if bought is not None:
        assert len(bought) == min(pairs, 20)
        assert bought["pair_baskets"].min() >= 3
        assert all(re.search(r" · .+ · #\d+$", label) for label in bought["other"])


def test_a_fresh_clone_gets_the_command_to_run_not_a_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = open_page(monkeypatch, DataDir.resolve(tmp_path / "empty"))
    assert not at.exception
    assert "make run" in at.info[0].value


def test_a_build_while_the_app_serves_succeeds_and_the_app_switches_over(
    monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir, tmp_path: Path
) -> None:
    """DuckDB allows one writer or many readers: the app must never hold the warehouse."""
    data = DataDir.resolve(tmp_path / "live")
    shutil.copytree(tiny_warehouse.root, data.root, ignore=shutil.ignore_patterns("dbt"))
    before = current(data)
    assert before is not None
    # The build's output goes to a file: a pipe nobody reads until the end blocks the build once
    # dbt has written more than the pipe holds (64 KB), and this loop would spin forever.
    log = tmp_path / "build.log"
    with log.open("w") as out:
        build = subprocess.Popen([sys.executable, "-m", "ecom.cli", "build", "--data-dir", str(data.root)],
                                 stdout=out, stderr=subprocess.STDOUT)
        reruns = 0
        while build.poll() is None:
            for page in PAGES:
                at = open_page(monkeypatch, data, page.path)
                assert not at.exception, (page.title, [e.value for e in at.exception])
            reruns += 1
    assert build.returncode == 0, log.read_text()
    assert reruns >= 1
    after = current(data)
    assert after is not None and after != before
    assert before.exists()  # the previous version stays for readers still on it
    at = open_page(monkeypatch, data)
    assert not at.exception
    exported = datetime.fromisoformat(json.loads((after / "_manifest.json").read_text())["exported_at"])
    assert f"Data as of {exported:%-d %b %Y, %H:%M} UTC" in [c.value for c in at.sidebar.caption]
