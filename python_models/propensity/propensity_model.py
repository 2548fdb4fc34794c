"""Train the purchase-propensity LightGBM model on the train snapshot of propensity_features.

Early stopping watches the validation snapshot, which is cut later than the train snapshot:
time-ordered, like the real use. The booster is stored as text with its features, parameters
and training stats, one row, so scoring (and anyone auditing) reloads exactly this model.
A build whose training inputs are unchanged keeps that row instead of refitting (see
ecom.ml.propensity.training_inputs).
"""


def model(dbt, session):
    dbt.config(materialized="table")
    import sys

    import polars as pl

    from ecom.ml.lineage import retrain_forced, stored_model, training_inputs
    from ecom.ml.propensity import (
        MAX_TRAIN_ROWS,
        MAX_VALIDATION_ROWS,
        MODEL_SCHEMA,
        model_record,
        sample_snapshot,
        train,
        untrainable,
    )

    features = dbt.ref("propensity_features")
    cutoffs = {
        "train": dbt.config.get("train_cutoff"),
        "validation": dbt.config.get("validation_cutoff"),
    }
    label_days = int(dbt.config.get("label_days"))
    reason = untrainable(features)
    if reason is not None:
        print(f"propensity_model: no model trained: {reason}", file=sys.stderr)
        return pl.DataFrame(schema=MODEL_SCHEMA).to_arrow()
    # Trained on exactly these inputs already (a new month changes only the score snapshot):
    # keep that model, the one refitting would give again. --vars '{propensity_retrain: true}'
    # refits anyway.
    inputs = training_inputs(features, cutoffs, label_days)
    if not retrain_forced(dbt.config.get("retrain")):
        kept = stored_model(session, dbt.this.schema, dbt.this.identifier, inputs)
        if kept is not None:
            return kept.to_arrow()
    trained = train(
        sample_snapshot(features.filter("snapshot = 'train'"), MAX_TRAIN_ROWS),
        sample_snapshot(features.filter("snapshot = 'validation'"), MAX_VALIDATION_ROWS),
    )
    return model_record(trained, cutoffs, label_days, inputs).to_arrow()
