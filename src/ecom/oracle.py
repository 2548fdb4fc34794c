"""The honest yardstick for the propensity model: ranking by the generator's hidden truth.

The oracle knows each user's true purchase propensity over the label window (from the truth
sidecar, which the dbt models never read) and ranks the same evaluation users by it. Its lift at
the top k% is what a perfect model could reach on this data; the model's lift is reported as a
share of it, beside the RFM baseline's.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import duckdb
import polars as pl

from ecom.errors import EcomError
from ecom.paths import DataDir
from ecom.population import purchase_propensity

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

    @property
    def model_share_of_oracle(self) -> float:
        return self.model_lift / self.oracle_lift

    def as_dict(self) -> dict[str, float]:
        return asdict(self) | {"model_share_of_oracle": self.model_share_of_oracle}


def oracle_lift(scores: pl.DataFrame, truth: pl.DataFrame, label_days: float, k_pct: float) -> float:
    """Lift at the top k% of ``scores``' users ranked by true propensity over ``label_days``."""
    truth = truth.with_columns(
        true_propensity=pl.Series(
            purchase_propensity(
                truth["is_regular"].to_numpy(),
                truth["sessions_per_day"].to_numpy(),
                truth["purchase_prob_per_session"].to_numpy(),
                label_days,
            )
        )
    )
    users = scores.join(truth.select("user_id", "true_propensity"), on="user_id", how="left")
    missing = users["true_propensity"].null_count()
    if missing:
        raise EcomError(f"{missing} evaluation users are not in the truth file: was this data generated?")
    targeted = math.ceil(users.height * k_pct / 100)
    top = users.sort(["true_propensity", "user_id"], descending=[True, False]).head(targeted)
    return float(top["label_purchased"].mean() / users["label_purchased"].mean())


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
        label_days = con.execute("select label_days from gold.propensity_model").fetchone()[0]
    model, baseline = metrics["model"], metrics["rfm_baseline"]
    return OracleComparison(
        users=model["users"],
        buyers=model["buyers"],
        base_rate=model["base_rate"],
        k_pct=model["k_pct"],
        model_lift=model["lift_at_k"],
        baseline_lift=baseline["lift_at_k"],
        oracle_lift=oracle_lift(scores, pl.read_parquet(truth_path), float(label_days), model["k_pct"]),
        model_roc_auc=model["roc_auc"],
        baseline_roc_auc=baseline["roc_auc"],
    )


def describe(c: OracleComparison) -> str:
    return (
        f"evaluation: {c.users:,} users, base rate {c.base_rate:.2%}; lift at top {c.k_pct:g}%: "
        f"model {c.model_lift:.2f}x, RFM baseline {c.baseline_lift:.2f}x, oracle {c.oracle_lift:.2f}x "
        f"(model = {c.model_share_of_oracle:.0%} of the oracle); ROC-AUC model {c.model_roc_auc:.3f}, "
        f"baseline {c.baseline_roc_auc:.3f}"
    )
