"""Sales: drill from category level 1 down to single products by clicking, with the path in the URL."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import streamlit as st

from ecom.dashboard import charts, state
from ecom.dashboard.formats import count_column, money, money_column, text_column
from ecom.dashboard.queries import Serving
from ecom.dashboard.state import Period

# The drill path: (query parameter, query of its children, what a child is called).
LEVELS = [("l1", "level1", "Category"), ("l2", "level2", "Subcategory"), ("l3", "level3", "Sub-subcategory"),
          ("brand", "brands", "Brand"), (None, "products", "Product")]
NONE = "(none)"


def _path() -> dict[str, str]:
    path: dict[str, str] = {}
    for param, _, _ in LEVELS[:-1]:
        value = state.get(param)
        if value is None:
            break
        path[param] = value
    return path


def _children(s: Serving, path: dict[str, str], period: Period) -> tuple[int, pl.DataFrame]:
    """The deepest level's children, going down by itself through levels whose only child is
    '(none)' (a category with no subcategory)."""
    while True:
        level = len(path)
        _, name, _ = LEVELS[level]
        children = s.query("Sales", name, start=period.start, end=period.end, **path).with_columns(
            pl.col("revenue").cast(pl.Float64))
        param = LEVELS[level][0]
        if param and children.height == 1 and children["node"][0] == NONE:
            path[param] = NONE
            state.put(**{param: NONE})
            continue
        return level, children


def _breadcrumb(path: dict[str, str]) -> None:
    cols = st.columns(len(path) + 1)
    if cols[0].button("All categories", key="crumb-all", type="tertiary"):
        state.put(**{p: None for p, _, _ in LEVELS[:-1]})
        st.rerun()
    for i, (param, value) in enumerate(path.items(), start=1):
        if cols[i].button(f"› {value}", key=f"crumb-{param}", type="tertiary"):
            state.put(**{p: None for p, _, _ in LEVELS[i:-1]})
            st.rerun()


def _drill(level: int, node: str) -> None:
    param = LEVELS[level][0]
    if param:
        state.put(**{param: node})
        st.rerun()


def _trend(s: Serving, path: dict[str, str], period: Period, grain: str) -> pl.DataFrame:
    name = "brand_trend" if "brand" in path else "trend"
    params = {"l1": None, "l2": None, "l3": None, **path}
    trend = s.query("Sales", name, start=period.start, end=period.end, grain=grain, **params).with_columns(
        pl.col("revenue").cast(pl.Float64), pl.col("period").cast(pl.Date))
    length = {"day": 1, "week": 7, "month": None}[grain]

    def whole(start: object, first: object, last: object) -> bool:
        if grain == "month":
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)  # type: ignore[attr-defined]
        else:
            end = start + timedelta(days=length - 1)  # type: ignore[operator]
        return start >= period.start and end <= period.end and first == start and last == end  # type: ignore[operator]

    flags = [whole(*row) for row in trend.select("period", "first_day", "last_day").iter_rows()]
    return trend.with_columns(complete=pl.Series(flags, dtype=pl.Boolean)).with_columns(
        coverage=pl.when(pl.col("complete")).then(pl.lit("whole period")).otherwise(pl.lit("partial period")))


def render(s: Serving, period: Period, compare: Period | None) -> None:
    st.header("Sales")
    path = _path()
    level, children = _children(s, path, period)
    _breadcrumb(path)
    label = LEVELS[level][2]
    grain = state.get("grain", "day")
    chosen = st.segmented_control("Grain", ["day", "week", "month"], default=grain if grain in ("day", "week", "month")
                                  else "day", format_func=str.title)
    if chosen and chosen != grain:
        state.put(grain=chosen)
        grain = chosen
    trend = _trend(s, path, period, grain or "day")
    left, right = st.columns([3, 2])
    left.subheader(f"Revenue by {grain}")
    left.altair_chart(charts.period_bars(trend, grain or "day", "first_day", "last_day"), width="stretch")
    right.subheader(f"Revenue by {label.lower()}")
    if children.height == 0:
        right.info("No sales at this level in this period.")
        return
    right.caption(f"{money(children['revenue'].sum())} in {period.label()}. "
                  + ("Click a bar or a row to drill down." if LEVELS[level][0] else "The products of this brand."))
    picked = right.altair_chart(charts.ranked_bars(children, label, "pick"), width="stretch", on_select="rerun",
                                key=f"bars-{level}")
    points = (picked or {}).get("selection", {}).get("pick") if isinstance(picked, dict) else None
    if points:
        _drill(level, str(points[0]["node"]))
    table = st.dataframe(
        children, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"rows-{level}",
        column_config={"node": text_column(label), "revenue": money_column("Revenue"),
                       "orders": count_column("Orders"), "units": count_column("Units")},
    )
    rows = table.selection.rows if table is not None else []
    if rows:
        _drill(level, str(children["node"][rows[0]]))
