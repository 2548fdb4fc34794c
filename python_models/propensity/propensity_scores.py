"""Score users with the stored model: the evaluation snapshot (to judge it) and the score
snapshot (the latest features: what a campaign targets). The booster is reloaded from the
propensity_model table, never refitted here."""


def model(dbt, session):
    dbt.config(materialized="table")
    import polars as pl

    from ecom.propensity import load_booster, score_snapshots

    booster, features = load_booster(dbt.ref("propensity_model").pl())
    snapshots = dbt.ref("propensity_features").filter("snapshot in ('evaluation', 'score')")
    scored = score_snapshots(booster, features, snapshots)
    return scored.with_columns(pl.col("snapshot").cast(pl.String)).to_arrow()
