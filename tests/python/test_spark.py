"""The same dbt project on Apache Spark: every gold table equals DuckDB's, and a new month built
incrementally on Spark equals a full refresh on Spark.

Each Spark build is a real `ecom build --engine spark` process (a JVM of its own: a Spark session's
warehouse and metastore are fixed when it starts). The tests run in one xdist group, one Spark at a
time. Without Java or the spark extra they skip, saying why, unless ECOM_REQUIRE_SPARK is set (CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ecom.ingest.load import load
from ecom.paths import DataDir
from ecom.synth.generate import GeneratorConfig, generate
from tests.python.warehouse_helpers import copy_of, query

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]

# Keys that are engine hashes (row_hash): they identify the same rows, with other values.
HASH_KEYS = {"session_id", "purchase_key", "basket_id", "event_key"}
# What differs between two fits or runs however equal their inputs: wall time, and lineage over
# data whose column types differ between engines.
VOLATILE = {"training_seconds", "training_inputs", "scoring_inputs", "load_id"}
SPARK_ENV = {"ECOM_SPARK_MEMORY": "2g", "ECOM_SPARK_SHUFFLE_PARTITIONS": "2"}


@pytest.fixture(scope="module", autouse=True)
def spark_available() -> None:
    missing = [] if shutil.which("java") else ["Java 17 (Debian: openjdk-17-jre-headless)"]
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("the spark extra (pip install -e '.[spark]')")
    if missing:
        if os.environ.get("ECOM_REQUIRE_SPARK"):
            pytest.fail(f"ECOM_REQUIRE_SPARK is set but {' and '.join(missing)} is missing")
        pytest.skip(f"the Spark engine needs {' and '.join(missing)}")


def _build_on_spark(data: DataDir, *, full_refresh: bool = False, data_tests: bool = True) -> None:
    """One Spark build in a process of its own."""
    code = ("import sys; from ecom.paths import DataDir; from ecom.warehouse.spark import build_on_spark; "
            "build_on_spark(DataDir.resolve(sys.argv[1]), full_refresh=sys.argv[2] == '1', data_tests=sys.argv[3] == '1')")
    result = subprocess.run(
        [sys.executable, "-c", code, str(data.root), "1" if full_refresh else "0", "1" if data_tests else "0"],
        capture_output=True, text=True, env={**os.environ, **SPARK_ENV}, check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def _spark_tables(data: DataDir, schema: str) -> dict[str, pl.DataFrame]:
    """Every table of a Spark schema, read from its Parquet files."""
    folder = data.root / "spark" / "warehouse" / f"{schema}.db"
    out = {}
    with duckdb.connect() as con:
        for table in sorted(p for p in folder.iterdir() if p.is_dir()):
            if any(table.rglob("*.parquet")):
                out[table.name] = con.sql(f"select * from read_parquet('{table}/**/*.parquet', hive_partitioning = true, "
                                          "union_by_name = true)").pl()
    return out


def _duckdb_tables(data: DataDir, schema: str) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = ?", [schema]).fetchall()]
        return {name: con.sql(f"select * from {schema}.{name}").pl() for name in names}


def _canonical(frame: pl.DataFrame, dropped: set[str]) -> pl.DataFrame:
    """The frame with engine-specific columns dropped and each column in one comparable type,
    rows sorted on every column."""
    frame = frame.drop([c for c in frame.columns if c in dropped])
    casts = []
    for name, dtype in frame.schema.items():
        if dtype.is_integer():
            casts.append(pl.col(name).cast(pl.Int64))
        elif dtype.is_float() or isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Float64))
        elif isinstance(dtype, pl.List):
            casts.append(pl.col(name).cast(pl.List(pl.String)).list.join(","))
        elif isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).dt.replace_time_zone(None).dt.cast_time_unit("us") if dtype.time_zone
                         else pl.col(name).dt.cast_time_unit("us"))
        else:
            casts.append(pl.col(name))
    frame = frame.select(casts).select(sorted(frame.columns))
    return frame.sort(frame.columns, nulls_last=True)


def test_every_gold_table_is_the_same_on_spark_as_on_duckdb(tiny_warehouse, tmp_path):
    data = copy_of(tiny_warehouse, tmp_path / "data")  # the same bronze, the same loads
    _build_on_spark(data)
    duck, spark = _duckdb_tables(tiny_warehouse, "gold"), _spark_tables(data, "gold")
    assert spark.keys() == duck.keys()
    for name, expected in duck.items():
        got = spark[name]
        assert got.height == expected.height, name
        dropped = HASH_KEYS | VOLATILE | {c for c in expected.columns if c not in got.columns}
        assert set(got.columns) == set(expected.columns), name
        assert_frame_equal(_canonical(got, dropped), _canonical(expected, dropped), check_exact=False, rel_tol=1e-9,
                           abs_tol=1e-12, check_dtypes=False), name
    model = {r["ranker"]: r for r in duck["propensity_evaluation"].iter_rows(named=True)}["model"]
    on_spark = {r["ranker"]: r for r in spark["propensity_evaluation"].iter_rows(named=True)}["model"]
    assert abs(on_spark["lift_at_k"] - model["lift_at_k"]) <= 0.01
    assert abs(on_spark["roc_auc"] - model["roc_auc"]) <= 0.01
    # The serving export reads a Spark-built gold layer too.
    from ecom.warehouse.serving import export

    folder = export(data, "spark")
    with duckdb.connect(str(folder / "serving.duckdb"), read_only=True) as con:
        revenue = con.execute("select sum(revenue) from gold.sales_daily").fetchall()[0][0]
    assert revenue == query(tiny_warehouse, "select sum(revenue) as r from gold.sales_daily")["r"][0]


def _spark_snapshot(data: DataDir) -> dict[str, pl.DataFrame]:
    tables = {f"silver.{k}": v for k, v in _spark_tables(data, "silver").items()}
    tables |= {f"gold.{k}": v for k, v in _spark_tables(data, "gold").items()}
    return {name: _canonical(frame, VOLATILE) for name, frame in tables.items()}


def test_a_new_month_on_spark_equals_a_full_refresh_on_spark(tmp_path: Path):
    data = DataDir.resolve(tmp_path / "data")
    generate(GeneratorConfig(events=40_000), data)
    load([data.landing], data)
    _build_on_spark(data, data_tests=False)
    generate(GeneratorConfig(events=40_000, months=3, only_months=("2019-12",)), data)
    load([data.landing], data)
    _build_on_spark(data, data_tests=False)
    incremental = _spark_snapshot(data)
    rebuilt = incremental["silver.int_events"].filter(pl.col("event_date") >= pl.date(2019, 12, 1)).height
    assert rebuilt > 5_000  # December is in
    _build_on_spark(data, full_refresh=True, data_tests=False)
    full = _spark_snapshot(data)
    assert incremental.keys() == full.keys()
    for name, frame in full.items():
        assert_frame_equal(incremental[name], frame, check_exact=False, rel_tol=1e-9), name
