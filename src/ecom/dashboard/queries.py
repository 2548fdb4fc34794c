"""Every query behind the dashboard, by page, against a serving version (see ``ecom.warehouse.serving``).

The app and the query benchmark (``ecom bench``) run exactly these statements on a read-only
connection to the version's DuckDB file, so the latencies reported are the ones users get.
Parameters are DuckDB named parameters ($name); $start and $end bound the period (both included).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from ecom.warehouse.serving import DATABASE

# The serving copy keeps gold and silver tables in their schemas; queries name tables alone.
SEARCH_PATH = "set search_path = 'gold,silver'"

_PERIOD_KPIS = """
    -- Distinct visitors, buyers and orders of the period: each counts on its first active day
    -- in it, the day whose previous active day is before the period (see period_kpi_days).
    select
        cast(sum(revenue) as decimal(18, 2)) as revenue,
        coalesce(cast(sum(entities) filter (where entity = 'order' and first_in_period) as bigint), 0) as orders,
        coalesce(cast(sum(entities) filter (where entity = 'buyer' and first_in_period) as bigint), 0) as buyers,
        coalesce(cast(sum(units) as bigint), 0) as units,
        coalesce(cast(sum(sessions) as bigint), 0) as sessions,
        coalesce(cast(sum(entities) filter (where entity = 'visitor' and first_in_period) as bigint), 0) as visitors,
        coalesce(cast(sum(converted_sessions) as bigint), 0) as converted_sessions
    from (
        select *, coalesce(previous_date < $start, true) as first_in_period
        from period_kpi_days where activity_date between $start and $end
    )"""

QUERIES: dict[str, dict[str, str]] = {
    "Overview": {
        "bounds": "select min(day_start) as first_day, max(day_start) as last_day from sales_daily",
        "kpis": _PERIOD_KPIS,
        "daily": """
            select day_start, revenue, orders, visitors, conversion_rate from sales_daily
            where day_start between $start and $end order by day_start""",
    },
    "Sales": {
        "level1": """
            select category_l1 as node, sum(revenue) as revenue, sum(orders) as orders, sum(units) as units
            from sales_by_category where sales_date between $start and $end
            group by all order by revenue desc""",
        "level2": """
            select category_l2 as node, sum(revenue) as revenue, sum(orders) as orders, sum(units) as units
            from sales_by_category where sales_date between $start and $end and category_l1 = $l1
            group by all order by revenue desc""",
        "level3": """
            select category_l3 as node, sum(revenue) as revenue, sum(orders) as orders, sum(units) as units
            from sales_by_category
            where sales_date between $start and $end and category_l1 = $l1 and category_l2 = $l2
            group by all order by revenue desc""",
        "brands": """
            select brand as node, sum(revenue) as revenue, sum(orders) as orders, sum(units) as units
            from sales_by_brand
            where sales_date between $start and $end and category_l1 = $l1 and category_l2 = $l2
                and category_l3 = $l3
            group by all order by revenue desc limit 50""",
        "products": """
            select cast(product_id as varchar) as node, sum(price) as revenue, count(distinct session_id) as orders,
                count(*) as units
            from fct_purchases
            where purchase_date between $start and $end and coalesce(category_l1, 'unknown') = $l1
                and coalesce(category_l2, '(none)') = $l2 and coalesce(category_l3, '(none)') = $l3
                and coalesce(brand, 'unknown') = $brand
            group by all order by revenue desc limit 50""",
        "trend": """
            select date_trunc($grain, sales_date) as period, sum(revenue) as revenue, sum(orders) as orders,
                min(sales_date) as first_day, max(sales_date) as last_day
            from sales_by_category
            where sales_date between $start and $end and ($l1 is null or category_l1 = $l1)
                and ($l2 is null or category_l2 = $l2) and ($l3 is null or category_l3 = $l3)
            group by all order by period""",
        "brand_trend": """
            select date_trunc($grain, sales_date) as period, sum(revenue) as revenue, sum(orders) as orders,
                min(sales_date) as first_day, max(sales_date) as last_day
            from sales_by_brand
            where sales_date between $start and $end and category_l1 = $l1 and category_l2 = $l2
                and category_l3 = $l3 and brand = $brand
            group by all order by period""",
    },
    "Funnel": {
        "totals": """
            select sum(sessions) as sessions, sum(view_sessions) as view_sessions, sum(cart_sessions) as cart_sessions,
                sum(purchase_sessions) as purchase_sessions, sum(view_cart_sessions) as view_cart_sessions,
                sum(cart_purchase_sessions) as cart_purchase_sessions,
                sum(purchase_without_cart_sessions) as purchase_without_cart_sessions
            from funnel_daily where session_date between $start and $end""",
        "daily": "select * from funnel_daily where session_date between $start and $end order by session_date",
        "by_category": """
            select category_l1, sum(sessions) as sessions, sum(view_sessions) as view_sessions,
                sum(cart_sessions) as cart_sessions, sum(purchase_sessions) as purchase_sessions,
                sum(view_cart_sessions) / nullif(sum(view_sessions), 0) as view_to_cart_rate,
                sum(cart_purchase_sessions) / nullif(sum(cart_sessions), 0) as cart_to_purchase_rate,
                sum(purchase_sessions) / nullif(sum(view_sessions), 0) as view_to_purchase_rate
            from funnel_by_category where session_date between $start and $end
            group by all order by sessions desc""",
    },
    "Customers": {
        "grid": """
            select r_score, f_score, count(*) as buyers, sum(monetary) as revenue
            from customer_rfm where last_purchase_date between $start and $end group by all""",
        "segments": """
            select s.segment, s.priority, s.description, s.suggested_action, count(c.user_id) as buyers,
                coalesce(sum(c.monetary), 0) as revenue
            from rfm_segments as s
            left join customer_rfm as c on c.segment = s.segment and c.last_purchase_date between $start and $end
            group by all order by s.priority""",
        "members": """
            select user_id, recency_days, frequency, monetary, rfm_cell, last_purchase_date
            from customer_rfm where segment = $segment and last_purchase_date between $start and $end
            order by monetary desc""",
        "analysis_date": "select max(analysis_date) as analysis_date from customer_rfm",
    },
    "Retention": {
        "cohorts": """
            select * from cohort_retention where cohort_week between $start and $end
            order by cohort_week, weeks_since_first_seen""",
        "warning": """
            select * from churn_early_warning where last_seen_at::date between $start and $end
            order by risk_rank limit 500""",
    },
    "Recommendations": {
        "products": """
            select * from recommendable_products
            where $search is null or cast(product_id as varchar) = $search or lower(brand) = lower($search)
            order by purchases desc, views desc, product_id limit 500""",
        "bought_with": """
            with top as (
                select * from product_pairs_both_ways where product_id = $product and pair_baskets >= $min_baskets
                order by lift desc, pair_baskets desc, other_product limit 20
            )
            select top.other_product, p.category_code as other_category_code, p.brand as other_brand,
                top.pair_baskets, top.support, top.confidence, top.lift
            from top join dim_products as p on p.product_id = top.other_product
            order by top.lift desc, top.pair_baskets desc, top.other_product""",
        "viewed_with": """
            with top as (
                select * from also_viewed_pairs_both_ways where product_id = $product and pair_sessions >= $min_baskets
                order by lift desc, pair_sessions desc, other_product limit 20
            )
            select top.other_product, p.category_code as other_category_code, p.brand as other_brand,
                top.pair_sessions, top.support, top.confidence, top.lift
            from top join dim_products as p on p.product_id = top.other_product
            order by top.lift desc, top.pair_sessions desc, top.other_product""",
        "categories": """
            select category_a, category_b, pair_baskets, support, confidence_a_to_b, confidence_b_to_a, lift
            from category_pairs where pair_baskets >= $min_baskets order by lift desc, pair_baskets desc limit 20""",
    },
    "Propensity": {
        "evaluation": "select * from propensity_evaluation order by ranker",
        "model": "select train_cutoff, validation_cutoff, label_days, train_rows, best_iteration from propensity_model",
        "deciles": "select * from propensity_deciles order by ranker, decile",
        "calibration": "select * from propensity_calibration order by score_bin",
        "scored_at": "select max(cutoff_date) as cutoff_date from propensity_scores where snapshot = 'score'",
        "importance": "select * from propensity_feature_importance order by importance_rank limit 15",
        "budget_curve": "select top_percent, users, expected_purchases from propensity_budget_curve order by top_percent",
        "targets": """
            select s.user_id, s.score, s.model_decile, s.model_rank, coalesce(c.segment, 'No purchase yet') as segment,
                s.cutoff_date
            from propensity_scores as s
            left join customer_rfm as c on c.user_id = s.user_id
            where s.snapshot = 'score' and s.model_rank <= $contacts
            order by s.model_rank""",
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
    """Representative parameters for every query: the whole period, the biggest category path,
    segment and product."""
    bounds = serving.query("Overview", "bounds").row(0, named=True)
    period = {"start": bounds["first_day"] or date(2019, 10, 1), "end": bounds["last_day"] or date(2019, 11, 30)}
    top = serving.query("Sales", "level1", **period).row(0, named=True)["node"]
    l2 = serving.query("Sales", "level2", l1=top, **period).row(0, named=True)["node"]
    l3 = serving.query("Sales", "level3", l1=top, l2=l2, **period).row(0, named=True)["node"]
    brand = serving.query("Sales", "brands", l1=top, l2=l2, l3=l3, **period).row(0, named=True)["node"]
    products = serving.query("Recommendations", "products", search=None)
    product = products.row(0, named=True)["product_id"] if products.height else 0
    segments = serving.query("Customers", "segments", **period).sort("buyers", descending=True)
    common = {**period, "l1": top, "l2": l2, "l3": l3, "brand": brand, "grain": "day",
              "segment": segments.row(0, named=True)["segment"], "product": product, "search": None,
              "min_baskets": 2, "contacts": 1000}
    return {(page, name): common for page, queries in QUERIES.items() for name in queries}


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
