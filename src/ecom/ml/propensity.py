"""Purchase propensity: fit, store, reload and score a LightGBM model; rank metrics.

The dbt Python models in ``python_models/propensity/`` are thin: they read relations, call these
functions and return Arrow tables. Keeping the logic here makes it importable by tests and the
benchmark (which add the oracle from the generator's hidden truth) without going through dbt.
Everything stays in Polars and NumPy: no pandas.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

import duckdb
import lightgbm as lgb
import numpy as np
import polars as pl

from ecom.ml.metrics import roc_auc

# Columns of propensity_features that are not model inputs.
KEY_COLUMNS = ("snapshot", "cutoff_date", "user_id")
LABEL_COLUMNS = ("label_purchased", "label_revenue")

# The snapshots propensity_scores scores: the evaluation snapshot (to judge the model) and the
# score snapshot (what a campaign targets).
SCORED_SNAPSHOTS = ("evaluation", "score")

SEED = 46
MAX_ROUNDS = 400
EARLY_STOPPING_ROUNDS = 30
# Past this many training users, non-buyers are sampled (weighted back up, so scores stay
# probabilities): the full preset's 2.5M users would cost 2.5x as long per boosting round, and
# a sample of 1M users loses almost no ranking quality (docs/architecture.md, "Sampled training").
MAX_TRAIN_ROWS = 1_000_000
# Early stopping computes the validation AUC after every round. On the full preset's 2.9M
# validation users that sort cost twice the round itself; every buyer and a sample of the
# non-buyers up to this many users gives the same AUC in expectation (sampling one class
# uniformly does not move the AUC) at a standard error of about 0.001.
MAX_VALIDATION_ROWS = 500_000
# Users scored per batch: a batch's features as a float32 matrix are about 160 MB.
SCORE_BATCH_ROWS = 1_000_000


def feature_columns(frame: pl.DataFrame | duckdb.DuckDBPyRelation) -> list[str]:
    """Every column of the feature table except keys and labels, in table order."""
    return [c for c in frame.columns if c not in KEY_COLUMNS + LABEL_COLUMNS]


def matrix(frame: pl.DataFrame, features: list[str]) -> np.ndarray:
    """Features as a float32 matrix; nulls (e.g. no purchase yet) become NaN, which LightGBM handles."""
    return frame.select(pl.col(features).cast(pl.Float32)).to_numpy()


def labels(frame: pl.DataFrame) -> np.ndarray:
    return frame["label_purchased"].cast(pl.Int8).to_numpy()


def params(rows: int) -> dict[str, object]:
    """Seeded, deterministic LightGBM parameters; leaves need at least ~1% of rows (20-200)."""
    return {
        "objective": "binary",
        "metric": "auc",
        "learning_rate": 0.1,
        "num_leaves": 31,
        "max_bin": 63,
        "min_data_in_leaf": int(max(20, min(200, rows // 100))),
        "feature_fraction": 0.9,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "seed": SEED,
        "deterministic": True,
        # Row-wise histograms: ~15% faster than column-wise for 1M rows by 40 features here.
        "force_row_wise": True,
        "verbosity": -1,
    }


@dataclass
class TrainedModel:
    booster: lgb.Booster
    features: list[str]
    params: dict[str, object]
    stats: dict[str, object]


@dataclass
class SnapshotSample:
    """Every buyer of a feature snapshot and, past a row limit, a seeded sample of the
    non-buyers, with the weights that make them stand for all of them."""

    rows: pl.DataFrame  # by user_id: LightGBM's bagging depends on row order
    weights: np.ndarray | None
    snapshot_users: int


def float_features(snapshots: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """Keys and labels as they are, every feature cast to float32 by DuckDB, lineage left out: the
    wide integer and decimal columns never reach Python, which halves the bytes of a snapshot there."""
    keep = [f'"{c}"' for c in snapshots.columns if c in KEY_COLUMNS + LABEL_COLUMNS]
    cast = [f'cast("{c}" as float) as "{c}"' for c in feature_columns(snapshots)]
    return snapshots.select(", ".join(keep + cast))


def feature_frame(snapshots: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """Rows of ``float_features`` by user id, as Polars."""
    return float_features(snapshots).order("user_id").pl()


def sample_snapshot(snapshot: duckdb.DuckDBPyRelation, max_rows: int) -> SnapshotSample:
    """Every buyer of a snapshot and at most ``max_rows`` rows in all, sampled in DuckDB.

    Non-buyers are kept by the lowest seeded hash of their user id: deterministic, and only the
    sample ever reaches Python. A kept non-buyer stands for non-buyers / kept non-buyers, so the
    weighted label mean (and the model's calibration) is that of the whole snapshot. At or below
    ``max_rows`` nothing is dropped and there are no weights.
    """
    users, buyers = snapshot.aggregate(
        "count(*), coalesce(sum(cast(label_purchased as integer)), 0)"
    ).fetchall()[0]
    non_buyers = users - buyers
    if users <= max_rows or non_buyers == 0:
        return SnapshotSample(feature_frame(snapshot), None, users)
    keep = max(max_rows - buyers, 1)  # < non_buyers, since the snapshot is over max_rows
    kept = snapshot.filter("not label_purchased").order(f"hash(user_id, {SEED})").limit(keep)
    rows = feature_frame(snapshot.filter("label_purchased").union(kept))
    weights = np.where(rows["label_purchased"].to_numpy(), 1.0, non_buyers / keep)
    return SnapshotSample(rows, weights, users)


# propensity_model's columns: its one row, or none when the data cannot train a model.
MODEL_SCHEMA: dict[str, pl.DataType] = {
    "model_id": pl.String(), "train_cutoff": pl.Date(), "validation_cutoff": pl.Date(), "label_days": pl.Int64(),
    **{c: pl.Int64() for c in ("best_iteration", "train_rows", "train_rows_fitted", "train_positives",
                                "validation_rows", "validation_rows_scored", "validation_positives")},
    **{c: pl.Float64() for c in ("validation_auc", "validation_score_sum", "training_seconds")},
    **{c: pl.String() for c in ("feature_names", "params", "lightgbm_version", "training_inputs", "booster")},
}


def untrainable(features: duckdb.DuckDBPyRelation) -> str | None:
    """Why these feature snapshots cannot train a model, or None: the train or the validation
    snapshot has no users (the data does not reach back far enough before its cutoff) or none of
    them purchased in its label window (a month of data, a sample of rows)."""
    counts = {
        str(name): (users, buyers)
        for name, users, buyers in features.filter("snapshot in ('train', 'validation')")
        .aggregate("snapshot, count(*), coalesce(sum(cast(label_purchased as integer)), 0)", "snapshot")
        .fetchall()
    }
    for name in ("train", "validation"):
        users, buyers = counts.get(name, (0, 0))
        if users == 0 or buyers == 0:
            return (f"the {name} snapshot has {users:,} users and {buyers:,} purchasers: the data is too short or "
                    f"too small for propensity_{name}_cutoff and propensity_label_days")
    return None


def train(sample: SnapshotSample, validation: SnapshotSample) -> TrainedModel:
    """Fit on the train snapshot's sample, early-stopping on the later validation snapshot's AUC.

    The validation sample's weights are not used: the AUC of every buyer against a uniform
    sample of non-buyers estimates the AUC of the whole snapshot as it is.
    """
    for name, frame in (("train", sample.rows), ("validation", validation.rows)):
        if frame.height == 0 or frame["label_purchased"].sum() == 0:
            raise ValueError(
                f"the {name} snapshot has {frame.height} users and no purchasers: check the "
                f"propensity_{name}_cutoff var against the dates the data covers"
            )
    features = feature_columns(sample.rows)
    chosen = params(sample.snapshot_users)
    began = time.perf_counter()
    y_train, y_valid = labels(sample.rows), labels(validation.rows)
    x_valid = matrix(validation.rows, features)
    booster = fit(chosen, features, sample, y_train, x_valid, y_valid)
    seconds = time.perf_counter() - began
    validation_scores = booster.predict(x_valid, num_iteration=booster.best_iteration)
    stats = {
        "best_iteration": int(booster.best_iteration),
        "train_rows": sample.snapshot_users,
        "train_rows_fitted": sample.rows.height,
        "train_positives": int(y_train.sum()),
        "validation_rows": validation.snapshot_users,
        "validation_rows_scored": validation.rows.height,
        "validation_positives": int(y_valid.sum()),
        "validation_auc": roc_auc(y_valid, validation_scores),
        "validation_score_sum": float(np.sum(validation_scores, dtype=np.float64)),
        "training_seconds": seconds,
    }
    return TrainedModel(booster, features, chosen, stats)


def fit(
    chosen: dict[str, object],
    features: list[str],
    sample: SnapshotSample,
    target: np.ndarray,
    x_valid: np.ndarray,
    y_valid: np.ndarray,
    valid_weights: np.ndarray | None = None,
) -> lgb.Booster:
    """LightGBM boosted on the sample's rows towards ``target`` (weighted like the sample), for at
    most MAX_ROUNDS rounds, stopped early once the validation metric stops improving."""
    train_set = lgb.Dataset(matrix(sample.rows, features), label=target, weight=sample.weights, feature_name=features)
    valid_set = lgb.Dataset(x_valid, label=y_valid, weight=valid_weights, reference=train_set)
    return lgb.train(
        chosen,
        train_set,
        num_boost_round=MAX_ROUNDS,
        valid_sets=[valid_set],
        valid_names=["validation"],
        callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)],
    )


def model_record(model: TrainedModel, cutoffs: dict[str, str], label_days: int, inputs: str) -> pl.DataFrame:
    """One row holding everything needed to reload and audit the model."""
    text = model.booster.model_to_string(num_iteration=model.booster.best_iteration)
    return pl.DataFrame(
        [
            {
                "model_id": hashlib.md5(text.encode()).hexdigest(),
                "train_cutoff": cutoffs["train"],
                "validation_cutoff": cutoffs["validation"],
                "label_days": label_days,
                **model.stats,
                "feature_names": json.dumps(model.features),
                "params": json.dumps(model.params, sort_keys=True),
                "lightgbm_version": lgb.__version__,
                "training_inputs": inputs,
                "booster": text,
            }
        ]
    ).with_columns(pl.col("train_cutoff", "validation_cutoff").str.to_date())


def load_booster(record: pl.DataFrame) -> tuple[lgb.Booster, list[str]]:
    """The booster and its feature list back from the model table's single row."""
    if record.height != 1:
        raise ValueError(f"expected one model row, found {record.height}")
    row = record.row(0, named=True)
    return lgb.Booster(model_str=row["booster"]), json.loads(row["feature_names"])


