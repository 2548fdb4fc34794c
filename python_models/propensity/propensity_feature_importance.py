"""What the stored model relies on: total gain and split count per feature."""


def model(dbt, session):
    dbt.config(materialized="table")
    from ecom.ml.propensity import feature_importance, load_booster

    booster, features = load_booster(dbt.ref("propensity_model").pl())
    return feature_importance(booster, features).to_arrow()
