"""Score users with the stored model: the evaluation snapshot (to judge it) and the score
snapshot (the latest features: what a campaign targets). The booster is reloaded from the
propensity_model table, never refitted here. A snapshot whose rows and model are unchanged keeps
its stored scores (see ecom.ml.propensity.scoring_inputs)."""


def model(dbt, session):
    dbt.config(materialized="table")
    import polars as pl

    from ecom.ml.lineage import retrain_forced, scoring_inputs, stored_scores
    from ecom.ml.propensity import SCORED_SNAPSHOTS, load_booster
    from ecom.ml.scoring import SCORES_SCHEMA, score_snapshots

    record = dbt.ref("propensity_model").pl()
    if record.height == 0:  # the data could not train a model (see propensity_model)
        return pl.DataFrame(schema=SCORES_SCHEMA).to_arrow()
    booster, features = load_booster(record)
    snapshots = dbt.ref("propensity_features")
    inputs = scoring_inputs(snapshots, record["model_id"][0])
    # After a new month only the score snapshot changed: the evaluation snapshot's scores are
    # the ones scoring it again would give. --vars '{propensity_retrain: true}' rescores anyway.
    kept = pl.DataFrame()
    if not retrain_forced(dbt.config.get("retrain")):
        kept = stored_scores(session, dbt.this.schema, dbt.this.identifier, inputs)
    done = set(kept["snapshot"]) if kept.height else set()
    todo = [s for s in SCORED_SNAPSHOTS if s not in done]
    if not todo:
        return kept.to_arrow()
    quoted = ", ".join(f"'{s}'" for s in todo)
    scored = (
        score_snapshots(booster, features, snapshots.filter(f"snapshot in ({quoted})"))
        .with_columns(pl.col("snapshot").cast(pl.String))
        .with_columns(scoring_inputs=pl.col("snapshot").replace_strict(inputs))
    )
    if kept.height:
        scored = pl.concat([kept.select(scored.columns).cast(scored.schema), scored]).sort("snapshot", "model_rank")
    return scored.to_arrow()
