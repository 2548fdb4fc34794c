"""The dashboard: every page renders on a tiny built warehouse with the right numbers in place,
a friendly page before anything is built, and builds that never collide with it."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ecom.dashboard.app import PAGES
from ecom.paths import DATA_DIR_ENV, DataDir
from ecom.warehouse.serving import current
from tests.python.warehouse_helpers import query

pytestmark = pytest.mark.slow

APP = importlib.util.find_spec("ecom.dashboard.app").origin  # type: ignore[union-attr]


def _app(monkeypatch: pytest.MonkeyPatch, data: DataDir) -> AppTest:
    monkeypatch.setenv(DATA_DIR_ENV, str(data.root))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [str(m.value) for m in at.metric] + [m.label for m in at.metric]
    parts += [h.value for h in at.header] + [h.value for h in at.subheader] + [c.value for c in at.caption]
    return "\n".join(parts)


def test_every_page_renders_without_exceptions(monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir) -> None:
    at = _app(monkeypatch, tiny_warehouse)
    for page in PAGES:
        at.sidebar.radio[0].set_value(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.header, page


def test_overview_shows_the_revenue_in_sales_daily(monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir) -> None:
    at = _app(monkeypatch, tiny_warehouse)
    revenue = float(query(tiny_warehouse, "select sum(revenue) as r from gold.sales_daily")["r"][0])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Revenue (all time)"] == f"${revenue:,.0f}"
    users = query(tiny_warehouse, "select count(*) as n from gold.dim_users")["n"][0]
    assert metrics["Users"] == f"{users:,}"


def test_sales_drill_down_shows_the_path_and_the_level_below(monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir) -> None:
    at = _app(monkeypatch, tiny_warehouse)
    at.sidebar.radio[0].set_value("Sales").run()
    top = query(
        tiny_warehouse,
        "select category_l1, category_l2 from gold.sales_by_category group by all order by sum(revenue) desc limit 1",
    ).row(0, named=True)
    at.selectbox[0].set_value(top["category_l1"]).run()
    at.selectbox[1].set_value(top["category_l2"]).run()
    assert not at.exception
    assert f"All categories › {top['category_l1']} › {top['category_l2']}" in _texts(at)
    level3 = query(
        tiny_warehouse,
        f"select distinct category_l3 from gold.sales_by_category where category_l1 = '{top['category_l1']}' "
        f"and category_l2 = '{top['category_l2']}'",
    )["category_l3"].to_list()
    assert sorted(at.selectbox[2].options[1:]) == sorted(level3)


def test_customers_lists_the_chosen_segment(monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir) -> None:
    at = _app(monkeypatch, tiny_warehouse)
    at.sidebar.radio[0].set_value("Customers").run()
    segment = at.selectbox[0].value
    quoted = segment.replace("'", "''")
    members = query(tiny_warehouse, f"select count(*) as n from gold.customer_rfm where segment = '{quoted}'")["n"][0]
    assert f"{members:,} buyers in **{segment}**" in _texts(at)


def test_propensity_budget_slider_sizes_the_target_list(monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir) -> None:
    at = _app(monkeypatch, tiny_warehouse)
    at.sidebar.radio[0].set_value("Propensity").run()
    scored = query(tiny_warehouse, "select count(*) as n from gold.propensity_scores where snapshot = 'score'")["n"][0]
    at.slider[0].set_value(2).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Users contacted at top 2%"] == f"{-(-scored * 2 // 100):,}"


def test_a_fresh_clone_gets_the_command_to_run_not_a_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = _app(monkeypatch, DataDir.resolve(tmp_path / "empty"))
    assert not at.exception
    assert "make run" in at.info[0].value


def test_a_build_while_the_app_serves_succeeds_and_the_app_switches_over(
    monkeypatch: pytest.MonkeyPatch, tiny_warehouse: DataDir, tmp_path: Path
) -> None:
    """DuckDB allows one writer or many readers: the app must never hold the warehouse."""
    data = DataDir.resolve(tmp_path / "live")
    shutil.copytree(tiny_warehouse.root, data.root, ignore=shutil.ignore_patterns("dbt"))
    at = _app(monkeypatch, data)
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
            for page in ("Overview", "Sales", "Customers", "Propensity"):
                at.sidebar.radio[0].set_value(page).run()
                assert not at.exception, (page, [e.value for e in at.exception])
            reruns += 1
    assert build.returncode == 0, log.read_text()
    assert reruns >= 1
    after = current(data)
    assert after is not None and after != before
    assert before.exists()  # the previous version stays for readers still on it
    at.sidebar.radio[0].set_value("Overview").run()
    assert not at.exception
    exported_at = (after / "_manifest.json").read_text().split('"exported_at": "')[1].split('"')[0]
    assert any(exported_at in c.value for c in at.sidebar.caption)
