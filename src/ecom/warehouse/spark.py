"""Build the warehouse on Apache Spark: the same dbt project through dbt-spark, in this process.

dbt runs in-process (``dbtRunner``), so the local Spark session dbt-spark's session method starts
(profiles.yml, target ``spark``) is started once and reused by every dbt invocation and by the
propensity step, which dbt-spark cannot run as dbt Python models outside Databricks
(``ecom.ml.on_spark``). Unit tests, which pin DuckDB fixtures, run on DuckDB only.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ecom.errors import EcomError
from ecom.ingest.manifest import read_manifest
from ecom.paths import DataDir
from ecom.progress import say

ENGINES = ("duckdb", "spark")
ENGINE_ENV = "ECOM_ENGINE"
CORES_ENV = "ECOM_SPARK_CORES"
# The propensity layer's Python models: on Spark the CLI runs them (ecom.ml.on_spark).
PYTHON_MODELS = ("propensity_model", "propensity_scores", "propensity_evaluation", "propensity_feature_importance")


def engine(choice: str | None) -> str:
    """The engine asked for (``--engine``, else ``$ECOM_ENGINE``, else duckdb); one clear error otherwise."""
    chosen = choice or os.environ.get(ENGINE_ENV) or "duckdb"
    if chosen not in ENGINES:
        raise EcomError(f"engine {chosen!r} is not one of {', '.join(ENGINES)} (--engine or ${ENGINE_ENV})")
    return chosen


def spark_root(data: DataDir) -> Path:
    """Where the local Spark keeps its warehouse and metastore (profiles.yml)."""
    return data.root / "spark"


def published_loads(data: DataDir) -> str:
    """The loads the manifest publishes, comma-joined: the only ones Spark's bronze view shows."""
    return ",".join(sorted(e.load_id for e in read_manifest(data.manifest).values()))


@contextmanager
def spark_env(data: DataDir, cores: int | None = None) -> Iterator[None]:
    """dbt's environment for the spark target, set in this process for the in-process runs;
    ``cores`` (else $ECOM_SPARK_CORES, else 2) is the local Spark's parallelism."""
    from ecom.warehouse.runner import dbt_env

    env = dbt_env(data) | {"ECOM_TARGET": "spark", "ECOM_PUBLISHED_LOADS": published_loads(data)}
    if cores:
        env[CORES_ENV] = str(cores)
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def check_java() -> None:
    if shutil.which("java") is None:
        raise EcomError("Spark needs Java 17: install it (Debian: openjdk-17-jre-headless) or build on DuckDB")
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        raise EcomError("the Spark engine needs the spark extra: pip install -e '.[spark]'") from None


def dbt_in_process(args: list[str]) -> list[dict[str, object]]:
    """Run ``dbt <args>`` in this process (the Spark session is reused); its results, or a clear error."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([*args, "--target", "spark"])
    if not result.success:
        cause = f": {result.exception}" if result.exception else "; see the dbt output above"
        raise EcomError(f"`dbt {' '.join(args)}` failed on Spark{cause}")
    return [r.to_dict() for r in result.result.results] if result.result is not None and hasattr(
        result.result, "results") else []


def build_on_spark(data: DataDir, *, full_refresh: bool = False, cores: int | None = None,
                   data_tests: bool = True) -> int:
    """The whole build on Spark: silver and gold, the propensity features, the model (in this
    process, on the same session), then what reads it; returns the nodes that ran. Without
    ``data_tests`` only models are built (the Spark test suite's incremental runs)."""
    from ecom.ml.on_spark import run_propensity

    check_java()
    if not data.bronze_events.exists():
        raise EcomError(f"no bronze data under {data.bronze_events}: run `ecom load` (or `ecom run`) first")
    refresh = ["--full-refresh"] if full_refresh else []
    quiet = ["--quiet"]
    no_unit_tests = ["--exclude-resource-type", "unit_test", *([] if data_tests else ["test"])]
    with spark_env(data, cores):
        nodes = len(dbt_in_process(["build", *quiet, *refresh, "--selector", "warehouse", *no_unit_tests]))
        nodes += len(dbt_in_process(["build", *quiet, *refresh, "--selector", "serving", *no_unit_tests]))
        nodes += len(dbt_in_process(["build", *quiet, *refresh, "--select", "propensity_features", *no_unit_tests]))
        say(run_propensity(data))
        nodes += len(dbt_in_process(["build", *quiet, *refresh, "--select", "propensity_deciles", "propensity_calibration",
                                     "propensity_budget_curve", "campaign_targets",
                                     *no_unit_tests]))
        if data_tests:
            nodes += len(dbt_in_process(["test", *quiet, "--select", *PYTHON_MODELS]))
    return nodes
