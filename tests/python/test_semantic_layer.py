"""The semantic layer (MetricFlow): its configs validate, and `mf query` returns the numbers of the
sales marts, by day, by ISO week and by category."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ecom.paths import DataDir
from ecom.warehouse.runner import dbt_env, project_dir
from tests.python.warehouse_helpers import copy_of, query

pytestmark = pytest.mark.slow

MF = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "mf"


def _mf(data: DataDir, *args: str) -> subprocess.CompletedProcess[str]:
    executable = str(MF) if MF.exists() else "mf"
    return subprocess.run([executable, *args], check=False, cwd=project_dir(), env=dbt_env(data), text=True,
                          capture_output=True, timeout=600)


@pytest.fixture(scope="module")
def warehouse(tiny_warehouse: DataDir, tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    """A copy: MetricFlow opens the warehouse for writing, which other tests' readers would block."""
    return copy_of(tiny_warehouse, tmp_path_factory.mktemp("metricflow") / "data")


def _query(data: DataDir, tmp: Path, metrics: str, group_by: str) -> pl.DataFrame:
    out = tmp / f"{group_by}.csv"
    result = _mf(data, "query", "--metrics", metrics, "--group-by", group_by, "--csv", str(out))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return pl.read_csv(out, try_parse_dates=True)


def test_metricflow_validates_the_semantic_models_and_metrics(warehouse: DataDir) -> None:
    # Against the warehouse too: every measure, dimension and metric is queried once.
    result = _mf(warehouse, "validate-configs")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    counts = re.findall(r"\(ERRORS: (\d+), FUTURE_ERRORS: (\d+), WARNINGS: (\d+)\)", result.stdout)
    assert len(counts) >= 6 and all(c == ("0", "0", "0") for c in counts), result.stdout[-3000:]


@pytest.mark.parametrize(("grain", "mart", "day"), [("day", "sales_daily", "day_start"),
                                                     ("week", "sales_weekly", "week_start")])
def test_revenue_and_orders_by_time_equal_the_sales_marts(warehouse: DataDir, tmp_path: Path, grain: str,
                                                          mart: str, day: str) -> None:
    got = _query(warehouse, tmp_path, "revenue,orders", f"metric_time__{grain}")
    got = got.select(pl.col(f"metric_time__{grain}").cast(pl.Date).alias("period"),
                     pl.col("revenue").cast(pl.Float64), pl.col("orders").cast(pl.Int64)).sort("period")
    expected = query(warehouse, f"select {day} as period, revenue::double as revenue, orders::bigint as orders "
                                f"from gold.{mart} where orders > 0 order by 1")
    assert got.height > 0
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-9)


def test_revenue_and_orders_by_category_equal_the_purchases(warehouse: DataDir, tmp_path: Path) -> None:
    got = _query(warehouse, tmp_path, "revenue,orders", "purchase__category_l1")
    got = got.select(pl.col("purchase__category_l1").alias("category_l1"), pl.col("revenue").cast(pl.Float64),
                     pl.col("orders").cast(pl.Int64)).sort("category_l1")
    by_mart = query(warehouse, "select category_l1, sum(revenue)::double as revenue from gold.sales_by_category "
                               "group by all order by 1")
    orders = query(warehouse, "select coalesce(category_l1, 'unknown') as category_l1, "
                              "count(distinct session_id) as orders from gold.fct_purchases group by all order by 1")
    assert_frame_equal(got.select("category_l1", "revenue"), by_mart, check_exact=False, rel_tol=1e-9)
    assert_frame_equal(got.select("category_l1", "orders"), orders)
