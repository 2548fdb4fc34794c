"""Scoring with a stored model, the RFM baseline it is compared with, and the rank metrics."""

from __future__ import annotations

import duckdb
import lightgbm as lgb
import numpy as np
import polars as pl

from ecom.ml.metrics import average_precision, roc_auc, top_k
from ecom.ml.propensity import KEY_COLUMNS, SCORE_BATCH_ROWS, float_features, matrix

# The columns of propensity_scores, propensity_evaluation and propensity_feature_importance,
# for the empty tables of a warehouse whose data cannot train a model.
SCORES_SCHEMA: dict[str, pl.DataType] = {
    "snapshot": pl.String(), "cutoff_date": pl.Date(), "user_id": pl.Int32(), "label_purchased": pl.Boolean(),
    "score": pl.Float64(), "baseline_score": pl.Float64(), "model_rank": pl.Int64(), "baseline_rank": pl.Int64(),
    "model_decile": pl.Int32(), "baseline_decile": pl.Int32(), "scoring_inputs": pl.String(),
}
EVALUATION_SCHEMA: dict[str, pl.DataType] = {
    "ranker": pl.String(), "cutoff_date": pl.Date(), "users": pl.Int64(), "buyers": pl.Int64(),
    **{c: pl.Float64() for c in ("base_rate", "roc_auc", "pr_auc", "k_pct")},
    "targeted_users": pl.Int64(), "targeted_buyers": pl.Int64(),
    **{c: pl.Float64() for c in ("precision_at_k", "lift_at_k", "recall_at_k")},
}
IMPORTANCE_SCHEMA: dict[str, pl.DataType] = {
    "feature": pl.String(), "gain": pl.Float64(), "splits": pl.Int64(), "gain_share": pl.Float64(),
    "importance_rank": pl.Int32(),
}


def rfm_baseline(frame: pl.DataFrame) -> pl.Series:
    """The simple ranking a marketer would use: R + F + M scores; recency of any visit breaks ties."""
    rfm = (pl.col("r_score") + pl.col("f_score") + pl.col("m_score")).cast(pl.Float64)
    recency = 1.0 / (1.0 + pl.col("days_since_last_event").cast(pl.Float64))
    return frame.select((rfm + recency).alias("baseline_score")).to_series()


def score(booster: lgb.Booster, features: list[str], frame: pl.DataFrame) -> pl.DataFrame:
    """Model and baseline scores, ranks (1 = best; ties broken by user id) and deciles per snapshot."""
    return rank_scores(_scored(booster, features, frame))


def score_snapshots(
    booster: lgb.Booster, features: list[str], snapshots: duckdb.DuckDBPyRelation, batch_rows: int = SCORE_BATCH_ROWS
) -> pl.DataFrame:
    """``score`` over a relation, streamed in batches: only the keys and scores of all users are
    held at once, never every feature of every user (millions of rows on the full preset)."""
    scored = [
        _scored(booster, features, pl.from_arrow(batch))  # type: ignore[arg-type]
        for batch in float_features(snapshots).to_arrow_reader(batch_rows)
    ]
    return rank_scores(pl.concat(scored))


def _scored(booster: lgb.Booster, features: list[str], frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(*KEY_COLUMNS, "label_purchased").with_columns(
        score=pl.Series(booster.predict(matrix(frame, features)), dtype=pl.Float64),
        baseline_score=rfm_baseline(frame),
    )


def rank_scores(scored: pl.DataFrame) -> pl.DataFrame:
    """Ranks (1 = best, ties broken by user id) and deciles per snapshot, for model and baseline."""
    # Rank by sorting once per ranker (best first, ties by user id) and numbering the rows of
    # each snapshot: a struct rank over a window took minutes on the full preset's millions of users.
    for ranker, prefix in (("score", "model"), ("baseline_score", "baseline")):
        scored = scored.sort(["snapshot", ranker, "user_id"], descending=[False, True, False]).with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("snapshot").alias(f"{prefix}_rank")
        )
    scored = scored.with_columns(
        (
            (pl.col(f"{p}_rank") - 1) * 10 // pl.len().over("snapshot") + 1
        ).cast(pl.Int32).alias(f"{p}_decile")
        for p in ("model", "baseline")
    )
    return scored.sort("snapshot", "model_rank")


def evaluate(scores: pl.DataFrame, k_pct: float) -> pl.DataFrame:
    """One row per ranker (model, RFM baseline) on the evaluation snapshot: AUCs and top-k% metrics
    (no rows when nothing was scored: no model, or no users in the evaluation snapshot)."""
    frame = scores.filter(pl.col("snapshot") == "evaluation")
    if frame.height == 0:
        return pl.DataFrame(schema=EVALUATION_SCHEMA)
    y = frame["label_purchased"].cast(pl.Int8).to_numpy()
    rows = []
    for ranker, column, rank in (
        ("model", "score", "model_rank"),
        ("rfm_baseline", "baseline_score", "baseline_rank"),
    ):
        s = frame[column].to_numpy()
        rows.append(
            {
                "ranker": ranker,
                "cutoff_date": frame["cutoff_date"][0],
                "users": frame.height,
                "buyers": int(y.sum()),
                "base_rate": float(y.mean()),
                "roc_auc": roc_auc(y, s),
                "pr_auc": average_precision(y, s),
                "k_pct": float(k_pct),
                **top_k(y, frame[rank].to_numpy(), k_pct),
            }
        )
    return pl.DataFrame(rows)


def feature_importance(booster: lgb.Booster, features: list[str]) -> pl.DataFrame:
    """Total gain and split count per feature, with each feature's share of the gain."""
    gain = booster.feature_importance("gain")
    frame = pl.DataFrame(
        {
            "feature": features,
            "gain": gain.astype(np.float64),
            "splits": booster.feature_importance("split").astype(np.int64),
        }
    )
    total = float(gain.sum()) or 1.0
    return frame.with_columns(
        gain_share=pl.col("gain") / total,
        importance_rank=pl.struct(pl.col("gain").neg(), pl.col("feature")).rank("ordinal").cast(pl.Int32),
    ).sort("importance_rank")
