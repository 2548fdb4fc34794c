"""Every query behind the dashboard, by page, against a serving version (see ``ecom.warehouse.serving``).

The app and the query benchmark (``ecom bench``) run exactly these statements on a read-only
connection to the version's DuckDB file, so the latencies reported are the ones users get.
Parameters are DuckDB named parameters ($name).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from ecom.warehouse.serving import DATABASE

# The serving copy keeps gold and silver tables in their schemas; queries name tables alone.
SEARCH_PATH = "set search_path = 'gold,silver'"

QUERIES: dict[str, dict[str, str]] = {
    "Overview": {
        "totals": "select * from overview_totals",
        "months": "select * from sales_monthly order by month_start",
        "daily": "select day_start, revenue, orders, visitors, conversion_rate from sales_daily order by day_start",
    },
    "Sales": {
        "level1": """
            select category_l1 as node, sum(revenue) as revenue, sum(orders) as orders, sum(units) as units
            from sales_by_category group by all order by revenue desc""",
        "level2": """
            select category_l2 as node, sum(revenue) as revenue, sum(orders) as orders, sum(units) as units
            from sales_by_category where category_l1 = $l1 group by all order by revenue desc""",
        "level3": """
            select category_l3 as node, sum(revenue) as revenue, sum(orders) as orders, sum(units) as units
            from sales_by_category where category_l1 = $l1 and category_l2 = $l2 group by all order by revenue desc""",
        "brands": """
            select brand as node, sum(revenue) as revenue, sum(orders) as orders, sum(units) as units
            from sales_by_brand where category_l1 = $l1 and category_l2 = $l2 and category_l3 = $l3
            group by all order by revenue desc limit 50""",
        "products": """
            select cast(product_id as varchar) as node, revenue, orders, units
            from sales_by_product
            where category_l1 = $l1 and category_l2 = $l2 and category_l3 = $l3 and brand = $brand
            order by revenue desc limit 50""",
        "trend": """
            select date_trunc($grain, sales_date) as period, sum(revenue) as revenue, sum(orders) as orders
            from sales_by_category
            where ($l1 is null or category_l1 = $l1) and ($l2 is null or category_l2 = $l2)
                and ($l3 is null or category_l3 = $l3)
            group by all order by period""",
        "brand_trend": """
            select date_trunc($grain, sales_date) as period, sum(revenue) as revenue, sum(orders) as orders
            from sales_by_brand
            where category_l1 = $l1 and category_l2 = $l2 and category_l3 = $l3 and brand = $brand
            group by all order by period""",
    },
    "Funnel": {
        "daily": "select * from funnel_daily order by session_date",
        "by_category": """
            select category_l1, sum(sessions) as sessions, sum(view_sessions) as view_sessions,
                sum(cart_sessions) as cart_sessions, sum(purchase_sessions) as purchase_sessions,
                sum(cart_sessions) / nullif(sum(view_sessions), 0) as view_to_cart_rate,
                sum(cart_purchase_sessions) / nullif(sum(cart_sessions), 0) as cart_to_purchase_rate,
                sum(purchase_sessions) / nullif(sum(view_sessions), 0) as view_to_purchase_rate
            from funnel_by_category group by all order by sessions desc""",
    },
    "Customers": {
        "segments": "select * from rfm_segment_summary order by priority",
        "members": """
            select user_id, recency_days, frequency, monetary, rfm_cell, last_purchase_date
            from customer_rfm where segment = $segment order by monetary desc""",
    },
    "Retention": {
        "cohorts": "select * from cohort_retention order by cohort_week, weeks_since_first_seen",
        "warning": """
            select * from churn_early_warning where risk_rank <= 500 order by risk_rank""",
    },
    "Recommendations": {
        "products": "select * from recommendable_products order by purchases desc, product_id",
        "bought_with": """
            select other_product, pair_baskets, support, confidence, lift
            from product_pairs_both_ways where product_id = $product
            order by lift desc, pair_baskets desc limit 20""",
        "viewed_with": """
            select other_product, pair_sessions, support, confidence, lift
            from also_viewed_pairs_both_ways where product_id = $product
            order by lift desc, pair_sessions desc limit 20""",
    },
    "Propensity": {
        "evaluation": "select * from propensity_evaluation order by ranker",
        "deciles": "select * from propensity_deciles order by ranker, decile",
        "importance": "select * from propensity_feature_importance order by importance_rank limit 15",
        "targets": "select * from campaign_targets order by target_rank",
    },
}


@dataclass(frozen=True)
class Serving:
    """A read-only view of one serving version."""

    folder: Path
    con: duckdb.DuckDBPyConnection

    @classmethod
    def open(cls, folder: Path) -> Serving:
        return cls(folder, duckdb.connect(str(folder / DATABASE), read_only=True))

    def query(self, page: str, name: str, **params: object) -> pl.DataFrame:
        sql = QUERIES[page][name]
        cursor = self.con.cursor()  # one cursor per call: Streamlit runs sessions on several threads
        try:
            cursor.execute(SEARCH_PATH)
            used = {k: v for k, v in params.items() if f"${k}" in sql}
            return cursor.sql(sql, params=used).pl() if used else cursor.sql(sql).pl()
        finally:
            cursor.close()


def benchmark_params(serving: Serving) -> dict[tuple[str, str], dict[str, object]]:
    """Representative parameters for every query: the biggest category path, segment, product."""
    top = serving.query("Sales", "level1").row(0, named=True)["node"]
    l2 = serving.query("Sales", "level2", l1=top).row(0, named=True)["node"]
    l3 = serving.query("Sales", "level3", l1=top, l2=l2).row(0, named=True)["node"]
    brand = serving.query("Sales", "brands", l1=top, l2=l2, l3=l3).row(0, named=True)["node"]
    product = serving.query("Recommendations", "products").row(0, named=True)["product_id"]
    segment = serving.query("Customers", "segments").sort("users", descending=True).row(0, named=True)["segment"]
    path = {"l1": top, "l2": l2, "l3": l3, "brand": brand, "grain": "day"}
    params: dict[tuple[str, str], dict[str, object]] = {}
    for page, queries in QUERIES.items():
        for name in queries:
            params[(page, name)] = {**path, "segment": segment, "product": product}
    return params


# Timed runs per query: with 100 the p95 is the 95th slowest run, so one stall of the machine
# cannot set it alone (with 20 runs it would be the slowest).
TIMED_RUNS = 100


def time_queries(serving: Serving, repeats: int = TIMED_RUNS) -> list[dict[str, object]]:
    """p50 and p95 latency of every dashboard query (after one warm-up run)."""
    out = []
    for (page, name), params in benchmark_params(serving).items():
        serving.query(page, name, **params)
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            rows = serving.query(page, name, **params).height
            times.append((time.perf_counter() - began) * 1000)
        times.sort()
        out.append({"page": page, "query": name, "rows": rows, "p50_ms": times[len(times) // 2],
                    "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))]})
    return out
