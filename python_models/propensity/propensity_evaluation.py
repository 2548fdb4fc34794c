"""Model against the RFM baseline on the evaluation snapshot: ROC-AUC, PR-AUC, base rate and
precision, lift and recall at the top k% (var propensity_top_k_pct)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from ecom.ml.scoring import evaluate

    scores = dbt.ref("propensity_scores").filter("snapshot = 'evaluation'").pl()
    return evaluate(scores, float(dbt.config.get("top_k_pct"))).to_arrow()
