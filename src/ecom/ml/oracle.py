"""The honest yardstick for the propensity model: ranking by the generator's hidden truth.

The oracle knows each user's true purchase propensity over the label window (from the truth
sidecar, which the dbt models never read) and ranks the same evaluation users by it. Its lift at
the top k% is what a model that knew each user's hidden behaviour could reach; the model's lift
is reported as a share of it, beside the RFM baseline's.

No model sees that behaviour, only the history it left. How much of the labels the features can
predict at all is measured by fitting the same LightGBM to each user's chance of a purchase in
the label window, computed from the hidden rate, conversion and departure, instead of the 0/1
label: the truth-trained model. The label is a draw from that chance (up to the store's
calendar), so both fits aim at the same ranking, the label's expectation given the features; the
truth-trained one gets there without the label noise. A model close to it gets what its features
carry; what the oracle has beyond that, the features do not show.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import duckdb
import numpy as np
import polars as pl

from ecom.errors import EcomError
from ecom.ml.metrics import top_k
from ecom.ml.propensity import (
    MAX_TRAIN_ROWS,
    MAX_VALIDATION_ROWS,
    feature_columns,
    fit,
    matrix,
    params,
    sample_snapshot,
)
from ecom.ml.scoring import score_snapshots
from ecom.paths import DataDir
from ecom.synth.population import purchase_propensity

TRUTH_FILE = "user_propensity.parquet"


@dataclass(frozen=True)
class OracleComparison:
    users: int
    buyers: int
    base_rate: float
    k_pct: float
    model_lift: float
    baseline_lift: float
    oracle_lift: float
    model_roc_auc: float
    baseline_roc_auc: float
    truth_trained_lift: float | None  # None: the truth file predates departs_at

    @property
    def model_share_of_oracle(self) -> float:
        return self.model_lift / self.oracle_lift

    @property
    def truth_trained_share_of_oracle(self) -> float | None:
        return None if self.truth_trained_lift is None else self.truth_trained_lift / self.oracle_lift

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self) | {
            "model_share_of_oracle": self.model_share_of_oracle,
            "truth_trained_share_of_oracle": self.truth_trained_share_of_oracle,
        }


def true_propensity(truth: pl.DataFrame, label_days: float) -> pl.DataFrame:
    """(user_id, true_propensity): each user's chance of a purchase within ``label_days``, from the
    generator's hidden parameters in the truth sidecar."""
    return truth.select(
        "user_id",
        true_propensity=pl.Series(
            purchase_propensity(
                truth["is_regular"].to_numpy(),
                truth["sessions_per_day"].to_numpy(),
                truth["purchase_prob_per_session"].to_numpy(),
                label_days,
            )
        ),
    )


def oracle_lift(scores: pl.DataFrame, propensity: pl.DataFrame, k_pct: float) -> float:
    """Lift at the top k% of ``scores``' users ranked by their true propensity (``true_propensity``)."""
    users = scores.join(propensity, on="user_id", how="left")
    missing = users["true_propensity"].null_count()
    if missing:
        raise EcomError(f"{missing} evaluation users are not in the truth file: was this data generated?")
    targeted = math.ceil(users.height * k_pct / 100)
    top = users.sort(["true_propensity", "user_id"], descending=[True, False]).head(targeted)
    return float(top["label_purchased"].mean() / users["label_purchased"].mean())


def label_expectation(rows: pl.DataFrame, truth: pl.DataFrame, label_days: float) -> np.ndarray:
    """Each (user_id, cutoff_date) row's chance of a purchase in the ``label_days`` days from its
    cutoff, from the user's hidden parameters: purchases come at rate sessions per day x chance
    per session while the user is alive, and the user leaves at ``departs_at``. The store's
    calendar (weekends, the November spike) is left out: it scales every user's sessions alike and
    matters only for the few who leave during the window.
    """
    users = rows.select("user_id", "cutoff_date").join(
        truth.select("user_id", "sessions_per_day", "purchase_prob_per_session", "departs_at"),
        on="user_id",
        how="left",
        maintain_order="left",
    )
    missing = users["departs_at"].null_count()
    if missing:
        raise EcomError(f"{missing} snapshot users are not in the truth file: was this data generated?")
    alive_days = (
        (pl.col("departs_at") - pl.col("cutoff_date").cast(pl.Datetime("us"))).dt.total_seconds() / 86_400
    ).clip(0, label_days)
    rate = pl.col("sessions_per_day") * pl.col("purchase_prob_per_session")
    return users.select(1 - (-rate * alive_days).exp()).to_series().to_numpy()


def truth_trained_lift(features: duckdb.DuckDBPyRelation, truth: pl.DataFrame, label_days: float, k_pct: float) -> float:
    """Lift at the top k% of the evaluation snapshot for the model fitted to ``label_expectation``.

    Everything but the target is the shipped model's: the train snapshot's sample (every buyer,
    weighted non-buyers), its parameters, early stopping on the validation snapshot, scoring and
    ranking. The target is a probability (so the cross-entropy objective) instead of the 0/1
    label, and the lift is measured on the evaluation users' real labels.
    """
    train = sample_snapshot(features.filter("snapshot = 'train'"), MAX_TRAIN_ROWS)
    validation = sample_snapshot(features.filter("snapshot = 'validation'"), MAX_VALIDATION_ROWS)
    names = feature_columns(train.rows)
    # Cross-entropy takes probabilities as targets; the validation sample is weighted like the
    # train sample here, since its loss (unlike the shipped model's AUC) depends on the class mix.
    chosen = params(train.snapshot_users) | {"objective": "cross_entropy", "metric": "cross_entropy"}
    booster = fit(
        chosen,
        names,
        train,
        label_expectation(train.rows, truth, label_days),
        matrix(validation.rows, names),
        label_expectation(validation.rows, truth, label_days),
        validation.weights,
    )
    scored = score_snapshots(booster, names, features.filter("snapshot = 'evaluation'"))
    labels = scored["label_purchased"].cast(pl.Int8).to_numpy()
    return top_k(labels, scored["model_rank"].to_numpy(), k_pct)["lift_at_k"]


def compare(data: DataDir) -> OracleComparison:
    """Model, RFM baseline and oracle on the evaluation snapshot of a built warehouse."""
    truth_path = data.truth / TRUTH_FILE
    if not truth_path.exists():
        raise EcomError(f"no truth file at {truth_path}: the oracle needs generated data (not the real files)")
    if not data.warehouse.exists():
        raise EcomError(f"no warehouse at {data.warehouse}: run `ecom build` first")
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        scores = con.sql(
            "select user_id, label_purchased from gold.propensity_scores where snapshot = 'evaluation'"
        ).pl()
        metrics = {
            r["ranker"]: r for r in con.sql("select * from gold.propensity_evaluation").pl().iter_rows(named=True)
        }
        label_days = con.execute("select label_days from gold.propensity_model").fetchall()[0][0]
        truth = pl.read_parquet(truth_path)
        propensity = true_propensity(truth, float(label_days))
        if "model" not in metrics:
            raise EcomError("the warehouse has no propensity model (the data is too short to train one)")
        model, baseline = metrics["model"], metrics["rfm_baseline"]
        truth_trained = None
        if "departs_at" in truth.columns:  # older truth files lack it
            features = con.table("gold.propensity_features")
            truth_trained = truth_trained_lift(features, truth, float(label_days), model["k_pct"])
    return OracleComparison(
        users=model["users"],
        buyers=model["buyers"],
        base_rate=model["base_rate"],
        k_pct=model["k_pct"],
        model_lift=model["lift_at_k"],
        baseline_lift=baseline["lift_at_k"],
        oracle_lift=oracle_lift(scores, propensity, model["k_pct"]),
        model_roc_auc=model["roc_auc"],
        baseline_roc_auc=baseline["roc_auc"],
        truth_trained_lift=truth_trained,
    )


def describe(c: OracleComparison) -> str:
    return (
        f"evaluation: {c.users:,} users, base rate {c.base_rate:.2%}; lift at top {c.k_pct:g}%: "
        f"model {c.model_lift:.2f}x, RFM baseline {c.baseline_lift:.2f}x, oracle {c.oracle_lift:.2f}x "
        f"(model = {c.model_share_of_oracle:.0%} of the oracle); ROC-AUC model {c.model_roc_auc:.3f}, "
        f"baseline {c.baseline_roc_auc:.3f}; "
        + (
            "the same model fitted to each user's true chance of a purchase instead of the labels: "
            f"{c.truth_trained_lift:.2f}x ({c.truth_trained_share_of_oracle:.0%} of the oracle: what the features "
            "carry)"
            if c.truth_trained_lift is not None
            else "no truth-trained model (the truth file predates departs_at: generate the data again)"
        )
    )
