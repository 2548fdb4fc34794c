"""Funnel: view -> cart -> purchase, counted in sessions, for the period."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ecom.dashboard import charts
from ecom.dashboard.formats import DEFINITIONS, count, count_column, pct, rate_column, text_column
from ecom.dashboard.queries import Serving
from ecom.dashboard.state import Period


def render(s: Serving, period: Period, compare: Period | None) -> None:
    st.header("Funnel")
    st.caption(f"{period.label()}. Counted in sessions: a session that carts and buys three items is one cart "
               "and one purchase session, so every rate is between 0 and 100%.")
    t = s.query("Funnel", "totals", start=period.start, end=period.end).row(0, named=True)
    if not t["sessions"]:
        st.info("No sessions in this period.")
        return
    steps = pl.DataFrame({
        "step": ["Viewed a product", "Added to cart", "Purchased"],
        "sessions": [t["view_sessions"], t["cart_sessions"], t["purchase_sessions"]],
    }).with_columns(from_previous=pl.col("sessions") / pl.col("sessions").shift(1))
    steps = steps.with_columns(label=pl.format("{} sessions{}", pl.col("sessions").map_elements(count, return_dtype=pl.String),
                                               pl.when(pl.col("from_previous").is_not_null())
                                               .then(pl.format(" · {}% of the step before, {}% drop off",
                                                               (pl.col("from_previous") * 100).round(1),
                                                               ((1 - pl.col("from_previous")) * 100).round(1)))
                                               .otherwise(pl.lit(""))))
    st.altair_chart(charts.funnel(steps), width="stretch")
    cols = st.columns(3)
    cols[0].metric("View -> cart", pct(t["view_cart_sessions"] / t["view_sessions"] if t["view_sessions"] else None),
                   help=DEFINITIONS["view_to_cart"])
    cols[1].metric("Cart -> purchase", pct(t["cart_purchase_sessions"] / t["cart_sessions"] if t["cart_sessions"] else None),
                   help=DEFINITIONS["cart_to_purchase"])
    cols[2].metric("Purchases without a cart", count(t["purchase_without_cart_sessions"]),
                   help="Sessions that bought without adding to cart in the same session (one-click buys, or a "
                   "cart filled in an earlier session).")
    daily = s.query("Funnel", "daily", start=period.start, end=period.end)
    st.subheader("View -> cart by day")
    st.altair_chart(charts.daily_area(daily, "session_date", "view_to_cart_rate", "View -> cart", ".1%"), width="stretch")
    st.subheader("By category")
    st.dataframe(
        s.query("Funnel", "by_category", start=period.start, end=period.end), hide_index=True, width="stretch",
        column_config={
            "category_l1": text_column("Category"), "sessions": count_column("Sessions"),
            "view_sessions": count_column("View sessions"), "cart_sessions": count_column("Cart sessions"),
            "purchase_sessions": count_column("Purchase sessions"),
            "view_to_cart_rate": rate_column("View -> cart", DEFINITIONS["view_to_cart"]),
            "cart_to_purchase_rate": rate_column("Cart -> purchase", DEFINITIONS["cart_to_purchase"]),
            "view_to_purchase_rate": rate_column("View -> purchase"),
        },
    )
