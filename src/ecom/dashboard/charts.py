"""The dashboard's pictures, each made to answer one question (Altair, rendered by Streamlit)."""

from __future__ import annotations

import altair as alt
import polars as pl

BLUE, GREY, ORANGE = "#1f77b4", "#9aa5b1", "#e8743b"


def anomalies(frame: pl.DataFrame, day: str, value: str, threshold: float = 3.0) -> pl.DataFrame:
    """Days whose ``value`` is more than ``threshold`` robust deviations (median absolute
    deviation) from the median: the breaks worth a note on a chart, found from the data."""
    if frame.height < 7:
        return frame.head(0).select(day, value, note=pl.lit(""))
    median = frame[value].median()
    spread = (frame[value] - median).abs().median() or 1e-12
    return frame.filter(((pl.col(value) - median).abs() / (1.4826 * spread)) > threshold).select(
        day, value,
        note=pl.format("{}x the median day", ((pl.col(value) / median) if median else pl.lit(0.0)).round(1)),
    )


def daily_area(frame: pl.DataFrame, day: str, value: str, title: str, value_format: str) -> alt.LayerChart:
    """A day-by-day series with its unusual days marked and labelled."""
    base = alt.Chart(frame).encode(x=alt.X(f"{day}:T", title=None, axis=alt.Axis(format="%-d %b")))
    area = base.mark_area(opacity=0.55, color=BLUE).encode(
        y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=value_format)),
        tooltip=[alt.Tooltip(f"{day}:T", title="Day", format="%a %-d %b %Y"),
                 alt.Tooltip(f"{value}:Q", title=title, format=value_format)],
    )
    marks = anomalies(frame, day, value)
    notes = alt.Chart(marks).mark_text(dy=-10, color=ORANGE, fontWeight="bold").encode(
        x=f"{day}:T", y=f"{value}:Q", text="note:N")
    dots = alt.Chart(marks).mark_point(color=ORANGE, filled=True, size=60).encode(x=f"{day}:T", y=f"{value}:Q")
    return alt.layer(area, dots, notes)


def period_bars(frame: pl.DataFrame, grain: str, first_day: str, last_day: str) -> alt.Chart:
    """Revenue per day, ISO week or month on a proper period axis; periods the data or the chosen
    range covers only in part are drawn lighter and say so."""
    unit = {"day": "yearmonthdate", "week": "yearweek", "month": "yearmonth"}[grain]
    axis_format = {"day": "%-d %b", "week": "W%V %Y", "month": "%b %Y"}[grain]
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("period:O", timeUnit=unit, title=None, axis=alt.Axis(format=axis_format, labelAngle=0)),
        y=alt.Y("revenue:Q", title="Revenue (USD)", axis=alt.Axis(format="$,.0f")),
        opacity=alt.condition("datum.complete", alt.value(1.0), alt.value(0.4)),
        color=alt.Color("coverage:N", title=None, scale=alt.Scale(domain=["whole period", "partial period"],
                                                                   range=[BLUE, GREY])),
        tooltip=[alt.Tooltip("period:T", title=grain.title(), format="%-d %b %Y"),
                 alt.Tooltip("revenue:Q", title="Revenue", format="$,.0f"),
                 alt.Tooltip("orders:Q", title="Orders", format=",.0f"), alt.Tooltip("coverage:N", title="Coverage")],
    )


def ranked_bars(frame: pl.DataFrame, label: str, selection_name: str) -> alt.Chart:
    """Children of the current drill level by revenue; clicking a bar selects it."""
    pick = alt.selection_point(name=selection_name, fields=["node"], on="click")
    return alt.Chart(frame.head(25)).mark_bar(color=BLUE, cursor="pointer").encode(
        x=alt.X("revenue:Q", title="Revenue (USD)", axis=alt.Axis(format="$,.0f")),
        y=alt.Y("node:N", sort="-x", title=label),
        tooltip=[alt.Tooltip("node:N", title=label), alt.Tooltip("revenue:Q", title="Revenue", format="$,.0f"),
                 alt.Tooltip("orders:Q", title="Orders", format=",.0f")],
    ).add_params(pick)


def funnel(steps: pl.DataFrame) -> alt.LayerChart:
    """The funnel as a funnel: centred bars narrowing step by step, each labelled with its
    sessions and its conversion from the step before."""
    frame = steps.with_columns(half=pl.col("sessions") / 2, neg=-pl.col("sessions") / 2)
    base = alt.Chart(frame).encode(y=alt.Y("step:N", sort=None, title=None))
    bars = base.mark_bar(color=BLUE).encode(
        x=alt.X("neg:Q", axis=None), x2="half:Q",
        tooltip=[alt.Tooltip("step:N", title="Step"), alt.Tooltip("sessions:Q", title="Sessions", format=",.0f"),
                 alt.Tooltip("from_previous:Q", title="From the step before", format=".2%")],
    )
    text = base.mark_text(color="white", fontWeight="bold").encode(x=alt.value(0), text="label:N")
    return alt.layer(bars, text).properties(height=180)


def rfm_grid(grid: pl.DataFrame) -> alt.LayerChart:
    """Buyers by recency (R) and frequency (F) score: where the value sits at a glance."""
    base = alt.Chart(grid).encode(
        x=alt.X("f_score:O", title="Frequency score (5 = most purchases)"),
        y=alt.Y("r_score:O", title="Recency score (5 = most recent)", sort="descending"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("buyers:Q", title="Buyers", scale=alt.Scale(scheme="blues")),
        tooltip=[alt.Tooltip("r_score:O", title="R"), alt.Tooltip("f_score:O", title="F"),
                 alt.Tooltip("buyers:Q", title="Buyers", format=",.0f"),
                 alt.Tooltip("revenue:Q", title="Revenue", format="$,.0f")],
    )
    text = base.mark_text(fontSize=12).encode(text="label:N", color=alt.condition(
        alt.datum.buyers > grid["buyers"].max() / 2 if grid.height else alt.datum.buyers > 0,
        alt.value("white"), alt.value("black")))
    return alt.layer(cells, text).properties(height=320)


def cohort_heatmap(cohorts: pl.DataFrame) -> alt.LayerChart:
    """Share of each weekly cohort active N weeks later, in percent in every cell; week 0 (always
    100%) is left out of the colour scale, so the later weeks keep their contrast."""
    frame = cohorts.with_columns(
        cohort=pl.format("{} ({} users)", pl.col("cohort_week").dt.strftime("%-d %b"), pl.col("cohort_users")),
        pct_label=pl.format("{}%", (pl.col("retention_rate") * 100).round(0).cast(pl.Int64)),
        shade=pl.when(pl.col("weeks_since_first_seen") > 0).then(pl.col("retention_rate")),
    )
    order = frame.sort("cohort_week")["cohort"].unique(maintain_order=True).to_list()
    base = alt.Chart(frame).encode(
        x=alt.X("weeks_since_first_seen:O", title="Weeks since first seen"),
        y=alt.Y("cohort:N", sort=order, title="Cohort (first week, size)"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("shade:Q", title="Active", scale=alt.Scale(scheme="greens"),
                        legend=alt.Legend(format=".0%")),
        tooltip=[alt.Tooltip("cohort_week:T", title="Cohort week", format="%-d %b %Y"),
                 alt.Tooltip("cohort_users:Q", title="Cohort users", format=",.0f"),
                 alt.Tooltip("weeks_since_first_seen:O", title="Weeks later"),
                 alt.Tooltip("retention_rate:Q", title="Active", format=".1%")],
    )
    text = base.mark_text(fontSize=11).encode(text="pct_label:N")
    return alt.layer(cells, text).properties(height=max(220, 28 * len(order)))


def gain_curve(deciles: pl.DataFrame) -> alt.LayerChart:
    """Share of buyers reached by targeting the top deciles, from (0, 0), against random targeting."""
    start = pl.DataFrame({"ranker": deciles["ranker"].unique().to_list()}).with_columns(
        cumulative_users_share=pl.lit(0.0), cumulative_buyers_share=pl.lit(0.0))
    frame = pl.concat([start, deciles.select(start.columns)], how="vertical_relaxed").with_columns(
        ranker=pl.col("ranker").replace({"model": "Model", "rfm_baseline": "RFM baseline"}))
    diagonal = alt.Chart(pl.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]})).mark_line(
        strokeDash=[4, 4], color=GREY).encode(x="x:Q", y="y:Q")
    lines = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("cumulative_users_share:Q", title="Share of users targeted", axis=alt.Axis(format="%")),
        y=alt.Y("cumulative_buyers_share:Q", title="Share of buyers reached", axis=alt.Axis(format="%")),
        color=alt.Color("ranker:N", title=None),
        tooltip=[alt.Tooltip("ranker:N", title="Ranker"),
                 alt.Tooltip("cumulative_users_share:Q", title="Users targeted", format=".0%"),
                 alt.Tooltip("cumulative_buyers_share:Q", title="Buyers reached", format=".1%")],
    )
    return alt.layer(diagonal, lines)


def lift_bars(deciles: pl.DataFrame) -> alt.Chart:
    frame = deciles.with_columns(ranker=pl.col("ranker").replace({"model": "Model", "rfm_baseline": "RFM baseline"}))
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("decile:O", title="Decile (1 = highest scores)"),
        xOffset="ranker:N",
        y=alt.Y("lift:Q", title="Lift over the base rate", axis=alt.Axis(format=".1f")),
        color=alt.Color("ranker:N", title=None),
        tooltip=[alt.Tooltip("ranker:N", title="Ranker"), alt.Tooltip("decile:O", title="Decile"),
                 alt.Tooltip("lift:Q", title="Lift", format=".2f"),
                 alt.Tooltip("conversion_rate:Q", title="Conversion", format=".2%")],
    )


def calibration(bins: pl.DataFrame) -> alt.LayerChart:
    """Predicted against observed purchase rate per score bin, against the perfect diagonal."""
    top = float(max(bins["mean_predicted"].max() or 0, bins["observed_rate"].max() or 0, 0.01))
    diagonal = alt.Chart(pl.DataFrame({"x": [0.0, top], "y": [0.0, top]})).mark_line(
        strokeDash=[4, 4], color=GREY).encode(x="x:Q", y="y:Q")
    points = alt.Chart(bins).mark_line(point=True, color=BLUE).encode(
        x=alt.X("mean_predicted:Q", title="Predicted purchase rate (mean score)", axis=alt.Axis(format="%")),
        y=alt.Y("observed_rate:Q", title="Observed purchase rate", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("score_bin:O", title="Score bin"), alt.Tooltip("users:Q", title="Users", format=",.0f"),
                 alt.Tooltip("mean_predicted:Q", title="Predicted", format=".2%"),
                 alt.Tooltip("observed_rate:Q", title="Observed", format=".2%")],
    )
    return alt.layer(diagonal, points)


def budget_curve(curve: pl.DataFrame, chosen: int) -> alt.LayerChart:
    """Expected purchases and cost per expected purchase as the budget grows."""
    base = alt.Chart(curve).encode(x=alt.X("top_percent:Q", title="Users targeted (top %)"))
    purchases = base.mark_line(color=BLUE).encode(
        y=alt.Y("expected_purchases:Q", title="Expected purchases", axis=alt.Axis(format=",.0f")),
        tooltip=[alt.Tooltip("top_percent:Q", title="Top %"), alt.Tooltip("contacts:Q", title="Contacts", format=",.0f"),
                 alt.Tooltip("expected_purchases:Q", title="Expected purchases", format=",.0f"),
                 alt.Tooltip("cost_per_purchase:Q", title="Cost per expected purchase", format="$,.2f")],
    )
    cost = base.mark_line(color=ORANGE, strokeDash=[6, 3]).encode(
        y=alt.Y("cost_per_purchase:Q", title="Cost per expected purchase (USD)", axis=alt.Axis(format="$,.2f")))
    rule = alt.Chart(pl.DataFrame({"top_percent": [chosen]})).mark_rule(color=GREY).encode(x="top_percent:Q")
    return alt.layer(purchases, cost, rule).resolve_scale(y="independent")


def importance_bars(importance: pl.DataFrame) -> alt.Chart:
    return alt.Chart(importance).mark_bar(color=BLUE).encode(
        x=alt.X("gain_share:Q", title="Share of gain", axis=alt.Axis(format="%")),
        y=alt.Y("feature:N", sort="-x", title=None),
        tooltip=[alt.Tooltip("feature:N", title="Feature"), alt.Tooltip("gain_share:Q", title="Share of gain", format=".1%"),
                 alt.Tooltip("splits:Q", title="Splits", format=",.0f")],
    )
