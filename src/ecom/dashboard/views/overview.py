"""Overview: the period's KPIs against the comparison period, and revenue day by day."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ecom.dashboard import charts
from ecom.dashboard.formats import DEFINITIONS, count, delta_pct, delta_pp, money, pct
from ecom.dashboard.queries import Serving
from ecom.dashboard.state import Period


def _kpis(s: Serving, period: Period) -> dict[str, float | None]:
    row = s.query("Overview", "kpis", start=period.start, end=period.end).row(0, named=True)
    revenue = float(row["revenue"] or 0)
    return {
        "revenue": revenue, "orders": row["orders"], "buyers": row["buyers"], "sessions": row["sessions"],
        "aov": revenue / row["orders"] if row["orders"] else None,
        "conversion": row["buyers"] / row["visitors"] if row["visitors"] else None,
        "session_conversion": row["converted_sessions"] / row["sessions"] if row["sessions"] else None,
    }


def render(s: Serving, period: Period, compare: Period | None) -> None:
    st.header("Overview")
    now = _kpis(s, period)
    before = _kpis(s, compare) if compare else {}
    versus = f"vs {compare.label()}" if compare else None
    st.caption(f"{period.label()}" + (f", compared with {compare.label()}" if compare else ""))
    cols = st.columns(4)
    rows = [
        ("Revenue", "revenue", money, delta_pct), ("Orders", "orders", count, delta_pct),
        ("Buyers", "buyers", count, delta_pct), ("Average order value", "aov", lambda v: money(v), delta_pct),
        ("Sessions", "sessions", count, delta_pct), ("Conversion (buyers / visitors)", "conversion", pct, delta_pp),
        ("Session conversion", "session_conversion", pct, delta_pp),
    ]
    for i, (label, key, fmt, delta) in enumerate(rows):
        change = delta(now[key], before.get(key)) if compare else None
        cols[i % 4].metric(label, fmt(now[key]), change, help=DEFINITIONS[key],
                           delta_description=versus if change else None)
    daily = s.query("Overview", "daily", start=period.start, end=period.end).with_columns(
        pl.col("revenue").cast(pl.Float64))
    st.subheader("Revenue by day")
    if daily.height == 0:
        st.info("No sales in this period.")
        return
    st.caption("Marked days differ from the period's median day by more than three robust deviations "
               "(a sale, an outage): the note says by how much.")
    st.altair_chart(charts.daily_area(daily, "day_start", "revenue", "Revenue (USD)", "$,.0f"), width="stretch")
