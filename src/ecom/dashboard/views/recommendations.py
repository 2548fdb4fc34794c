"""Recommendations: what is bought and viewed with a product, found by its id or brand."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ecom.dashboard import state
from ecom.dashboard.formats import count_column, product_label, rate_column, ratio_column, text_column
from ecom.dashboard.queries import Serving
from ecom.dashboard.state import Period


def _pairs(frame: pl.DataFrame, count: str, count_label: str) -> None:
    shown = frame.with_columns(
        other=pl.struct("other_category_code", "other_brand", "other_product").map_elements(
            lambda r: product_label(r["other_category_code"], r["other_brand"], r["other_product"]),
            return_dtype=pl.String)).select("other", count, "support", "confidence", "lift")
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "other": text_column("Product"), count: count_column(count_label),
        "support": rate_column("Support", "Share of all baskets with both products."),
        "confidence": rate_column("Confidence", "Share of this product's baskets that also have the other one."),
        "lift": ratio_column("Lift", "How many times more often than chance the two go together."),
    })


def _categories(s: Serving, min_baskets: int) -> None:
    """Category pairs: the cross-sell worth a campaign, before single products."""
    pairs = s.query("Recommendations", "categories", min_baskets=min_baskets)
    with st.expander(f"Categories bought together ({pairs.height} pairs)", expanded=False):
        st.dataframe(pairs, hide_index=True, width="stretch", column_config={
            "category_a": text_column("Category"), "category_b": text_column("Bought with"),
            "pair_baskets": count_column("Baskets"),
            "support": rate_column("Support", "Share of all baskets with both categories."),
            "confidence_a_to_b": rate_column("Confidence ->", "Share of the first category's baskets that also "
                                             "have the second."),
            "confidence_b_to_a": rate_column("Confidence <-", "Share of the second category's baskets that also "
                                             "have the first."),
            "lift": ratio_column("Lift", "How many times more often than chance the two go together."),
        })


def render(s: Serving, period: Period, compare: Period | None) -> None:
    st.header("Recommendations")
    st.caption("Pairs are counted over all the data (a pair needs enough baskets to mean something), not only "
               "the chosen period.")
    left, right = st.columns([2, 1])
    search = left.text_input("Product id or brand (exact)", value=state.get("q") or "").strip() or None
    if search != state.get("q"):
        state.put(q=search)
    min_baskets = right.slider("Seen together in at least", 2, 20, int(state.get("min", "3") or 3),
                               help="Pairs seen in few baskets get huge lifts by chance: ask for more baskets.")
    if str(min_baskets) != state.get("min"):
        state.put(min=min_baskets)
    _products(s, search, min_baskets)
    _categories(s, min_baskets)


def _products(s: Serving, search: str | None, min_baskets: int) -> None:
    products = s.query("Recommendations", "products", search=search)
    if products.height == 0:
        st.info("No product with recommendations matches." if search else
                "No product pairs yet: pairs need at least basket_min_baskets baskets.")
        return
    labels = [product_label(r["category_code"], r["brand"], r["product_id"]) for r in products.iter_rows(named=True)]
    ids = products["product_id"].to_list()
    wanted = state.get("product")
    index = ids.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in ids else 0
    chosen = st.selectbox("Product", range(len(ids)), index=index, format_func=lambda i: labels[i])
    product = ids[chosen]
    if str(product) != wanted:
        state.put(product=product)
    st.markdown(f"Recommendations for **{labels[chosen]}**")
    bought = s.query("Recommendations", "bought_with", product=product, min_baskets=min_baskets)
    viewed = s.query("Recommendations", "viewed_with", product=product, min_baskets=min_baskets)
    left, right = st.columns(2)
    with left:
        st.subheader("Bought with it")
        _pairs(bought, "pair_baskets", "Baskets") if bought.height else st.info("No pair with enough baskets.")
    with right:
        st.subheader("Viewed with it")
        _pairs(viewed, "pair_sessions", "Sessions") if viewed.height else st.info("No pair with enough sessions.")
