"""Train the purchase-propensity LightGBM model on the train snapshot of propensity_features.

Early stopping watches the validation snapshot, which is cut later than the train snapshot:
time-ordered, like the real use. The booster is stored as text with its features, parameters
and training stats, one row, so scoring (and anyone auditing) reloads exactly this model.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from ecom.propensity import MAX_TRAIN_ROWS, MAX_VALIDATION_ROWS, model_record, sample_snapshot, train

    features = dbt.ref("propensity_features")
    trained = train(
        sample_snapshot(features.filter("snapshot = 'train'"), MAX_TRAIN_ROWS),
        sample_snapshot(features.filter("snapshot = 'validation'"), MAX_VALIDATION_ROWS),
    )
    cutoffs = {
        "train": dbt.config.get("train_cutoff"),
        "validation": dbt.config.get("validation_cutoff"),
    }
    return model_record(trained, cutoffs, int(dbt.config.get("label_days"))).to_arrow()
