"""What the stored model relies on: total gain and split count per feature."""


def model(dbt, session):
    dbt.config(materialized="table")
    import polars as pl

    from ecom.ml.propensity import load_booster
    from ecom.ml.scoring import IMPORTANCE_SCHEMA, feature_importance

    record = dbt.ref("propensity_model").pl()
    if record.height == 0:  # the data could not train a model (see propensity_model)
        return pl.DataFrame(schema=IMPORTANCE_SCHEMA).to_arrow()
    booster, features = load_booster(record)
    return feature_importance(booster, features).to_arrow()
