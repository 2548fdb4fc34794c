"""Serving copies of the gold tables: what the dashboard reads, never the warehouse itself.

DuckDB allows one writer or many readers of a database file, never both, so a dashboard that
held the warehouse would make the next `dbt build` fail with "Could not set lock on file". After
each build, the gold tables the dashboard needs are copied into a new, small DuckDB file in a new
version folder (``serving/v<timestamp>/serving.duckdb``), written under a temporary folder name
and renamed when complete; then the ``CURRENT`` pointer file is replaced atomically. Readers open
a version read-only and nothing ever writes to it again, so a reader sees the previous complete
version or the new one, never a half-written one, and a build never waits for a reader. The
previous version is kept for readers still on it; older ones are removed.

Why a DuckDB file and not Parquet: the same query over a table with zone maps and DuckDB's own
buffer cache answered in 5 ms where the Parquet view took 24-55 ms (7.6M-row pair table).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ecom.errors import EcomError
from ecom.paths import DataDir

# What the dashboard reads: gold tables as they are, or sorted so that a filter on the sort key
# reads one block (zone maps), plus a few serving shapes derived from gold
# (totals, product sales, pairs in both directions). Large row-level tables (sessions, features,
# scores) stay in the warehouse. Every page query then stays well under 100 ms at full scale.
_AS_IS = (
    "sales_daily", "sales_weekly", "sales_monthly", "sales_by_category", "sales_by_brand", "funnel_daily",
    "funnel_by_category", "rfm_segment_summary", "cohort_retention", "category_pairs", "propensity_evaluation",
    "propensity_deciles", "propensity_feature_importance", "campaign_targets",
)
_PAIRS = """
    select product_a as product_id, product_b as other_product, {n}, support, confidence_a_to_b as confidence, lift
    from gold.{t}
    union all
    select product_b, product_a, {n}, support, confidence_b_to_a, lift
    from gold.{t}
    order by product_id, lift desc"""
SERVING_TABLES: dict[str, str] = {
    **{t: f"select * from gold.{t}" for t in _AS_IS},
    "overview_totals": """
        select sum(events) as events, count(*) as users, sum(sessions) as sessions,
            count(*) filter (where is_buyer) as buyers, sum(revenue) as revenue
        from gold.dim_users""",
    "sales_by_product": """
        select coalesce(category_l1, 'unknown') as category_l1, coalesce(category_l2, '(none)') as category_l2,
            coalesce(category_l3, '(none)') as category_l3, coalesce(brand, 'unknown') as brand, product_id,
            sum(price) as revenue, count(distinct session_id) as orders, count(*) as units
        from gold.fct_purchases
        group by all
        order by category_l1, category_l2, category_l3, brand, revenue desc""",
    "customer_rfm": "select * from gold.customer_rfm order by segment, monetary desc",
    "churn_early_warning": "select * from gold.churn_early_warning order by risk_rank",
    "product_pairs_both_ways": _PAIRS.format(t="product_pairs", n="pair_baskets"),
    "also_viewed_pairs_both_ways": _PAIRS.format(t="also_viewed_pairs", n="pair_sessions"),
    "recommendable_products": """
        select p.product_id, coalesce(p.category_code, '(no category code)') as category_code,
            coalesce(p.brand, '(none)') as brand, p.purchases
        from gold.dim_products as p
        where p.product_id in (select product_a from gold.product_pairs union select product_b from gold.product_pairs)
        order by p.purchases desc, p.product_id
        limit 200""",
}
POINTER = "CURRENT"
DATABASE = "serving.duckdb"
MANIFEST = "_manifest.json"


def export(data: DataDir) -> Path:
    """Export the gold tables to a new serving version and point CURRENT at it; return its folder."""
    if not data.warehouse.exists():
        raise EcomError(f"no warehouse at {data.warehouse}: run `ecom build` first")
    data.serving.mkdir(parents=True, exist_ok=True)
    version = "v" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    staging = data.serving / f".{version}.tmp"
    staging.mkdir()
    began = time.perf_counter()
    rows: dict[str, int] = {}
    failed: str | None = None
    with duckdb.connect(str(staging / DATABASE)) as con:
        # The warehouse is attached read-only: an export never takes the writer's lock.
        con.execute(f"attach '{data.warehouse}' as warehouse (read_only)")
        con.execute("use warehouse")
        for table, sql in SERVING_TABLES.items():
            try:
                con.execute(f"create table serving.main.{table} as {sql}")
            except duckdb.CatalogException as exc:
                failed = f"serving table {table} needs gold tables missing from {data.warehouse} ({exc})"
                break
            rows[table] = con.execute(f"select count(*) from serving.main.{table}").fetchall()[0][0]
        con.execute("use serving")
        con.execute("detach warehouse")
    if failed:
        shutil.rmtree(staging)
        raise EcomError(f"{failed}; run `ecom build`")
    (staging / MANIFEST).write_text(
        json.dumps({"version": version, "exported_at": datetime.now(UTC).isoformat(timespec="seconds"), "rows": rows,
                    "seconds": round(time.perf_counter() - began, 3)}, indent=2)
    )
    final = data.serving / version
    staging.rename(final)
    pointer_tmp = data.serving / f".{POINTER}.tmp"
    pointer_tmp.write_text(version)
    os.replace(pointer_tmp, data.serving / POINTER)
    _prune(data, keep={version, _previous(data, version)})
    return final


def current(data: DataDir) -> Path | None:
    """The serving version CURRENT points at, or None before the first export."""
    pointer = data.serving / POINTER
    if not pointer.exists():
        return None
    folder = data.serving / pointer.read_text().strip()
    return folder if (folder / MANIFEST).exists() else None


def _versions(data: DataDir) -> list[str]:
    return sorted(p.name for p in data.serving.glob("v*") if p.is_dir())


def _previous(data: DataDir, version: str) -> str | None:
    older = [v for v in _versions(data) if v < version]
    return older[-1] if older else None


def _prune(data: DataDir, keep: set[str | None]) -> None:
    for name in _versions(data):
        if name not in keep:
            shutil.rmtree(data.serving / name, ignore_errors=True)
    for stale in data.serving.glob(".v*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)
