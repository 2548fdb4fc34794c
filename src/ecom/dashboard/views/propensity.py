"""Propensity: how good the purchase model is, how far its scores can be trusted, and a campaign
list sized by budget."""

from __future__ import annotations

import math
from datetime import timedelta

import polars as pl
import streamlit as st

from ecom.dashboard import charts, state
from ecom.dashboard.formats import count, count_column, humanize, money, pct, rate_column, text_column
from ecom.dashboard.queries import Serving
from ecom.dashboard.state import Period

MAX_BUDGET_PCT = 50
NO_MODEL = ("No propensity model yet: the data is too short or too small to train one (the train and validation "
            "snapshots need users who purchased in their label windows). Load more months of events and run "
            "`ecom build`.")


def _model_card(s: Serving, evaluation: pl.DataFrame) -> None:
    model = s.query("Propensity", "model").row(0, named=True)
    scored_at = s.query("Propensity", "scored_at").row(0, named=True)["cutoff_date"]
    evaluated_at = evaluation["cutoff_date"][0]
    days = model["label_days"]
    st.info(
        f"**Prediction:** the chance that a user buys anything in the **{days} days after** the snapshot date. "
        f"Trained on the snapshot of {model['train_cutoff']:%-d %b %Y} ({count(model['train_rows'])} users), "
        f"stopped early on {model['validation_cutoff']:%-d %b %Y}, judged on {evaluated_at:%-d %b %Y}; "
        f"today's scores use the snapshot of **{scored_at:%-d %b %Y}**, so they predict purchases up to "
        f"{(scored_at + timedelta(days=days)):%-d %b %Y}. The page shows the latest model, whatever the date range."
    )


def _headline(evaluation: pl.DataFrame, ece: float | None) -> None:
    model = evaluation.filter(pl.col("ranker") == "model").row(0, named=True)
    base = evaluation.filter(pl.col("ranker") == "rfm_baseline").row(0, named=True)
    k = f"{model['k_pct']:g}%"
    cols = st.columns(5)
    cols[0].metric(f"Lift in the top {k}", f"{model['lift_at_k']:.2f}x",
                   f"{model['lift_at_k'] - base['lift_at_k']:+.2f}x vs RFM baseline",
                   help=f"Purchase rate of the top {k} by score / the base rate, on the evaluation snapshot.")
    cols[1].metric(f"Precision in the top {k}", pct(model["precision_at_k"]),
                   f"{(model['precision_at_k'] - base['precision_at_k']) * 100:+.2f} pp vs RFM baseline",
                   help=f"Share of the top {k} who purchased in the prediction window.")
    cols[2].metric("Base rate", pct(model["base_rate"]), help="Share of all scored users who purchased.")
    cols[3].metric("ROC-AUC", f"{model['roc_auc']:.3f}", f"{model['roc_auc'] - base['roc_auc']:+.3f} vs RFM baseline",
                   help="Chance that a random buyer scores above a random non-buyer (0.5 = guessing).")
    cols[4].metric("Calibration error", pct(ece),
                   help="Expected calibration error: the user-weighted mean gap between the predicted and the "
                   "observed purchase rate over the ten score bins. Small means summed scores are trustworthy "
                   "counts of expected purchases.")


def _quality(s: Serving, calibration: pl.DataFrame, ece: float | None) -> None:
    deciles = s.query("Propensity", "deciles").with_columns(pl.col(pl.Decimal).cast(pl.Float64))
    left, right = st.columns(2)
    left.subheader("Cumulative gain")
    left.caption("Share of the buyers reached by contacting the top users by score; the dashed line is random "
                 "targeting.")
    left.altair_chart(charts.gain_curve(deciles), width="stretch")
    right.subheader("Lift by decile")
    right.caption("Purchase rate of each tenth of users (1 = highest scores) over the base rate.")
    right.altair_chart(charts.lift_bars(deciles), width="stretch")
    st.subheader("Calibration")
    st.caption(f"Predicted against observed purchase rate per score decile on the evaluation snapshot; on the "
               f"dashed line the scores are exact probabilities. Expected calibration error: {pct(ece)}.")
    st.altair_chart(charts.calibration(calibration), width="stretch")


def _budget(s: Serving) -> None:
    st.subheader("Campaign budget")
    curve = s.query("Propensity", "budget_curve")
    if curve.height == 0:
        st.info("No users to score on the latest snapshot.")
        return
    left, right = st.columns(2)
    wanted = int(state.get("top", "10") or 10)
    top = left.slider("Contact the top % of users by score", 1, MAX_BUDGET_PCT,
                      min(max(wanted, 1), MAX_BUDGET_PCT), help="A budget buys a number of contacts, so the list is "
                      "cut by rank, not by a score threshold.")
    if top != wanted:
        state.put(top=top)
    cost = right.number_input("Cost per contact (USD)", min_value=0.0, value=float(state.get("cost", "0.10") or 0.1),
                              step=0.05, format="%.2f")
    if f"{cost:.2f}" != state.get("cost", "0.10"):
        state.put(cost=f"{cost:.2f}")
    scored = int(curve["users"].sum())
    curve = curve.with_columns(
        contacts=pl.col("users").cum_sum(), expected_purchases=pl.col("expected_purchases").cum_sum(),
    ).with_columns(cost_per_purchase=pl.col("contacts") * cost / pl.col("expected_purchases"))
    contacts = math.ceil(scored * top / 100)
    targets = s.query("Propensity", "targets", contacts=contacts)
    expected = float(targets["score"].sum()) if targets.height else 0.0
    cols = st.columns(4)
    cols[0].metric("Users contacted", count(contacts), help=f"The top {top}% of the {count(scored)} scored users.")
    cols[1].metric("Expected purchases", count(expected), help="The sum of the contacted users' scores: a count of "
                   "buyers only as far as the scores are calibrated (see above).")
    cols[2].metric("Campaign cost", money(contacts * cost))
    cols[3].metric("Cost per expected purchase", f"${contacts * cost / expected:,.2f}" if expected else "-")
    st.altair_chart(charts.budget_curve(curve.filter(pl.col("top_percent") <= MAX_BUDGET_PCT), top), width="stretch")
    st.dataframe(
        targets.head(1000), hide_index=True, width="stretch",
        column_config={"user_id": text_column("User"), "score": rate_column("Chance to buy"),
                       "model_decile": count_column("Decile"), "model_rank": count_column("Rank"),
                       "segment": text_column("RFM segment"), "cutoff_date": None},
    )
    st.download_button(f"Download the {count(contacts)} users as CSV", targets.write_csv(),
                       file_name=f"campaign-top-{top}pct.csv", mime="text/csv")


def _importance(s: Serving) -> None:
    st.subheader("What the model relies on")
    importance = s.query("Propensity", "importance").with_columns(
        pl.col("feature").map_elements(humanize, return_dtype=pl.String))
    st.caption("Share of the model's total gain per feature (the top 15).")
    st.altair_chart(charts.importance_bars(importance), width="stretch")
    with st.expander("As a table"):
        st.dataframe(importance.select("feature", "gain_share", "splits"), hide_index=True, width="stretch",
                     column_config={"feature": text_column("Feature"), "gain_share": rate_column("Share of gain"),
                                    "splits": count_column("Splits")})


def render(s: Serving, period: Period, compare: Period | None) -> None:
    st.header("Propensity")
    evaluation = s.query("Propensity", "evaluation")
    if evaluation.height == 0:
        st.info(NO_MODEL)
        return
    _model_card(s, evaluation)
    calibration = s.query("Propensity", "calibration")
    ece = float(calibration["expected_calibration_error"][0]) if calibration.height else None
    _headline(evaluation, ece)
    _quality(s, calibration, ece)
    _budget(s)
    _importance(s)
