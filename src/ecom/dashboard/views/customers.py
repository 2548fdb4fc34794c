"""Customers: RFM segments of the buyers whose last purchase falls in the period."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ecom.dashboard import charts, state
from ecom.dashboard.formats import count, count_column, date_column, money, money_column, rate_column, text_column
from ecom.dashboard.queries import Serving
from ecom.dashboard.state import Period


def render(s: Serving, period: Period, compare: Period | None) -> None:
    st.header("Customers")
    analysis = s.query("Customers", "analysis_date").row(0, named=True)["analysis_date"]
    st.caption(f"RFM scores as of {analysis:%-d %b %Y}, of the buyers whose last purchase is in {period.label()}. "
               "R and M are quintiles among buyers (5 = most recent, highest spend); F counts purchase sessions."
               if analysis else "No purchases yet.")
    grid = s.query("Customers", "grid", start=period.start, end=period.end).with_columns(
        pl.col("revenue").cast(pl.Float64))
    if grid.height == 0:
        st.info("No buyers in this period.")
        return
    grid = grid.with_columns(label=pl.format("{}\n{}", pl.col("buyers").map_elements(count, return_dtype=pl.String),
                                             pl.col("revenue").map_elements(money, return_dtype=pl.String)))
    left, right = st.columns([3, 2])
    left.subheader("Buyers by recency and frequency")
    left.altair_chart(charts.rfm_grid(grid.with_columns(label=pl.col("buyers").map_elements(count, return_dtype=pl.String))),
                      width="stretch")
    segments = s.query("Customers", "segments", start=period.start, end=period.end).with_columns(
        pl.col("revenue").cast(pl.Float64))
    total_buyers, total_revenue = segments["buyers"].sum(), segments["revenue"].sum()
    segments = segments.with_columns(
        share_of_buyers=pl.col("buyers") / max(total_buyers, 1), share_of_revenue=pl.col("revenue") / (total_revenue or 1))
    right.subheader("Segments")
    right.dataframe(
        segments.select("segment", "buyers", "share_of_buyers", "revenue", "share_of_revenue"), hide_index=True,
        width="stretch",
        column_config={"segment": text_column("Segment"), "buyers": count_column("Buyers"),
                       "share_of_buyers": rate_column("Share of buyers"), "revenue": money_column("Revenue"),
                       "share_of_revenue": rate_column("Share of revenue")},
    )
    names = segments["segment"].to_list()
    wanted = state.get("segment", "Can't Lose Them")
    segment = st.selectbox("Segment", names, index=names.index(wanted) if wanted in names else 0)
    if segment != wanted:
        state.put(segment=segment)
    action = segments.filter(pl.col("segment") == segment).row(0, named=True)
    st.markdown(f"**{segment}**: {action['description']} *Suggested action:* {action['suggested_action']}")
    members = s.query("Customers", "members", segment=segment, start=period.start, end=period.end)
    st.write(f"{members.height:,} buyers in **{segment}**")
    st.dataframe(
        members.head(1000), hide_index=True, width="stretch",
        column_config={"user_id": text_column("User"), "recency_days": count_column("Days since last purchase"),
                       "frequency": count_column("Purchase sessions"), "monetary": money_column("Spent", cents=True),
                       "rfm_cell": text_column("R-F-M"), "last_purchase_date": date_column("Last purchase")},
    )
    st.download_button("Download the list as CSV", members.write_csv(), file_name=f"segment-{segment}.csv",
                       mime="text/csv")
