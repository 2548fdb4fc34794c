"""The propensity layer on Spark: what the dbt Python models do on DuckDB, run by the CLI.

dbt-spark runs Python models only on Databricks, so on the ``spark`` target dbt builds the SQL
features and this module trains, scores and evaluates with the same ``ecom.ml`` code. The
feature table comes from Spark as Arrow record batches into an in-memory DuckDB, so sampling,
training and scoring are exactly the DuckDB path's; the results go back as Spark tables with the
columns the Python models write. The model is refitted on every build (the DuckDB path keeps an
unchanged one; see docs/scale-out.md for running these as dbt Python models on Databricks).
"""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pyarrow as pa

from ecom.ml.lineage import scoring_inputs, training_inputs
from ecom.ml.propensity import (
    MAX_TRAIN_ROWS,
    MAX_VALIDATION_ROWS,
    MODEL_SCHEMA,
    load_booster,
    model_record,
    sample_snapshot,
    train,
    untrainable,
)
from ecom.ml.scoring import IMPORTANCE_SCHEMA, SCORES_SCHEMA, evaluate, feature_importance, score_snapshots
from ecom.paths import DataDir

SCHEMA = "gold"


def _configs(data: DataDir) -> dict[str, object]:
    """The Python models' configs (cutoffs, label days, top k%) as the last dbt run rendered them."""
    manifest = json.loads((data.root / "dbt" / "target" / "manifest.json").read_text())
    configs: dict[str, object] = {}
    for name in ("propensity_model", "propensity_evaluation"):
        configs |= manifest["nodes"][f"model.ecom.{name}"]["config"]
    return configs


def _features(spark: object) -> duckdb.DuckDBPyRelation:
    """gold.propensity_features from Spark, as Arrow batches, in an in-memory DuckDB."""
    batches = spark.table(f"{SCHEMA}.propensity_features")._collect_as_arrow()  # type: ignore[attr-defined]
    table = pa.Table.from_batches(batches) if batches else pa.table({})
    con = duckdb.connect()
    con.register("propensity_features", table)
    return con.table("propensity_features")


def _write(spark: object, name: str, frame: pl.DataFrame) -> None:
    """Replace the Spark table gold.<name> with these rows (Parquet, like the dbt models)."""
    arrow = frame.to_arrow(compat_level=pl.CompatLevel.oldest())
    df = spark.createDataFrame(arrow) if frame.height else spark.createDataFrame([], _spark_schema(arrow.schema))  # type: ignore[attr-defined]
    df.write.mode("overwrite").format("parquet").saveAsTable(f"{SCHEMA}.{name}")


def _spark_schema(schema: pa.Schema) -> str:
    names = {pa.string(): "string", pa.large_string(): "string", pa.int32(): "int", pa.int64(): "bigint",
             pa.float64(): "double", pa.bool_(): "boolean", pa.date32(): "date"}
    return ", ".join(f"{f.name} {names[f.type]}" for f in schema)


def run_propensity(data: DataDir) -> str:
    """Train, score, evaluate and explain on the Spark-built features; a one-line summary."""
    from pyspark.sql import SparkSession

    # dbt-spark's session, started by the dbt runs before this one in this process.
    spark = SparkSession.builder.getOrCreate()
    configs = _configs(data)
    features = _features(spark)
    reason = untrainable(features)
    if reason is not None:
        for name, schema in (("propensity_model", MODEL_SCHEMA), ("propensity_scores", SCORES_SCHEMA),
                             ("propensity_feature_importance", IMPORTANCE_SCHEMA)):
            _write(spark, name, pl.DataFrame(schema=schema))
        _write(spark, "propensity_evaluation", evaluate(pl.DataFrame(schema=SCORES_SCHEMA), float(configs["top_k_pct"])))
        return f"propensity (Spark): no model trained: {reason}"
    cutoffs = {"train": str(configs["train_cutoff"]), "validation": str(configs["validation_cutoff"])}
    label_days = int(configs["label_days"])  # type: ignore[call-overload]
    trained = train(sample_snapshot(features.filter("snapshot = 'train'"), MAX_TRAIN_ROWS),
                    sample_snapshot(features.filter("snapshot = 'validation'"), MAX_VALIDATION_ROWS))
    record = model_record(trained, cutoffs, label_days, training_inputs(features, cutoffs, label_days))
    booster, names = load_booster(record)
    inputs = scoring_inputs(features, record["model_id"][0])
    scores = (
        score_snapshots(booster, names, features.filter("snapshot in ('evaluation', 'score')"))
        .with_columns(pl.col("snapshot").cast(pl.String))
        .with_columns(scoring_inputs=pl.col("snapshot").replace_strict(inputs))
    )
    evaluation = evaluate(scores, float(configs["top_k_pct"]))  # type: ignore[arg-type]
    for name, frame in (("propensity_model", record), ("propensity_scores", scores),
                        ("propensity_evaluation", evaluation),
                        ("propensity_feature_importance", feature_importance(booster, names))):
        _write(spark, name, frame)
    model = evaluation.filter(pl.col("ranker") == "model").row(0, named=True)
    return (f"propensity (Spark): trained on {trained.stats['train_rows']:,} users, scored {scores.height:,}; "
            f"lift at {model['k_pct']:g}% {model['lift_at_k']:.2f}x, ROC-AUC {model['roc_auc']:.3f}")
