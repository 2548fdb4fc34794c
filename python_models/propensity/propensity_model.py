"""Train the purchase-propensity LightGBM model on the train snapshot of propensity_features.

Early stopping watches the validation snapshot, which is cut later than the train snapshot:
time-ordered, like the real use. The booster is stored as text with its features, parameters
and training stats, one row, so scoring (and anyone auditing) reloads exactly this model.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from ecom.propensity import model_record, train

    features = dbt.ref("propensity_features")
    trained = train(
        features.filter("snapshot = 'train'").order("user_id").pl(),
        features.filter("snapshot = 'validation'").order("user_id").pl(),
    )
    cutoffs = {
        "train": dbt.config.get("train_cutoff"),
        "validation": dbt.config.get("validation_cutoff"),
    }
    return model_record(trained, cutoffs, int(dbt.config.get("label_days"))).to_arrow()
