"""Retention: weekly cohorts first seen in the period, and the churn early warning."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ecom.dashboard import charts
from ecom.dashboard.formats import count_column, date_column, money_column, pct, text_column
from ecom.dashboard.queries import Serving
from ecom.dashboard.state import Period


def render(s: Serving, period: Period, compare: Period | None) -> None:
    st.header("Retention")
    cohorts = s.query("Retention", "cohorts", start=period.start, end=period.end)
    st.caption(f"Users by the week they were first seen (weeks starting in {period.label()}): the share active N "
               "weeks later. Weeks the data covers only in part are left out.")
    if cohorts.height == 0:
        st.info("No cohort starts in this period.")
    else:
        complete = cohorts.filter(pl.col("is_complete_week"))
        st.altair_chart(charts.cohort_heatmap(complete), width="stretch")
        week1 = complete.filter(pl.col("weeks_since_first_seen") == 1)
        if week1.height:
            churn = 1 - week1["active_users"].sum() / week1["cohort_users"].sum()
            st.metric("Week-1 churn", pct(churn, 1),
                      help="Users of these cohorts not seen again in the week after their first (complete weeks only).")
    st.subheader("Churn early warning")
    st.caption("Users who used to be active and have been silent for the churn window, last seen in the period, "
               "highest stakes first.")
    warning = s.query("Retention", "warning", start=period.start, end=period.end).select(
        "risk_rank", "user_id", "risk_tier", "days_inactive", "sessions", "purchase_sessions", "revenue",
        "rfm_segment", "last_seen_at").with_columns(pl.col("last_seen_at").cast(pl.Date))
    st.dataframe(
        warning, hide_index=True, width="stretch",
        column_config={"risk_rank": count_column("Rank"), "user_id": text_column("User"),
                       "risk_tier": text_column("Risk"), "days_inactive": count_column("Days inactive"),
                       "sessions": count_column("Sessions"), "purchase_sessions": count_column("Purchase sessions"),
                       "revenue": money_column("Lifetime revenue"), "rfm_segment": text_column("RFM segment"),
                       "last_seen_at": date_column("Last seen")},
    )
