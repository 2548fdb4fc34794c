"""The benchmark's own measurements: a step's peak RSS is its own, pair counts are the real ones."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import polars as pl

from ecom.bench import _measure, beside_seconds

PARENT_BALLAST_MB = 600


def test_a_step_peak_rss_is_its_own_not_the_benchmark_processs(tiny, tmp_path):
    # Python spawns children with vfork, and the kernel then starts the child's ru_maxrss at the
    # parent's peak: the old report gave the ML step and the December build the same 9,053 MB,
    # the parent's, after the parent had counted basket pairs in DuckDB.
    data, _ = tiny
    source = next(data.landing.glob("2019-*.csv"))
    ballast = b"x" * (PARENT_BALLAST_MB * 2**20)  # filled, so resident
    measured, _ = _measure("load", ["load", str(source), str(tmp_path / "data")])
    # The trap is real here: what wait4 alone reports for a child that does nothing.
    _, _, usage = os.wait4(subprocess.Popen([sys.executable, "-c", "pass"]).pid, 0)
    assert len(ballast) and usage.ru_maxrss / 1024 >= PARENT_BALLAST_MB
    assert 0 < measured.peak_rss_mb < PARENT_BALLAST_MB / 2
    assert measured.rows == len(source.read_bytes().splitlines()) - 1  # every line read, the header aside


def test_pairs_step_counts_the_distinct_pairs_the_pair_models_evaluate(tiny_warehouse):
    counts = _measure("pairs", ["pairs", str(tiny_warehouse.root)])[1]["pairs"]
    with duckdb.connect(str(tiny_warehouse.warehouse), read_only=True) as con:
        baskets = {table: con.sql(f"select basket_id, product_id from silver.{table}").pl()
                   for table in ("int_purchase_baskets", "int_view_baskets")}
    for table, rows in baskets.items():
        pairs = (
            rows.join(rows, on="basket_id", suffix="_b")
            .filter(pl.col("product_id") < pl.col("product_id_b"))
            .select("product_id", "product_id_b")
            .unique()
        )
        assert counts[table] == pairs.height > 0, table


def test_beside_seconds_counts_the_time_another_node_overlapped_each_once():
    spans = {
        "model.a": (0.0, 100.0),
        "model.b": (10.0, 30.0),  # inside a
        "test.c": (20.0, 40.0),  # overlaps b: a is covered 10..40 once, not 20 + 20 seconds
        "model.d": (90.0, 120.0),  # past a's end: 10 seconds of a
        "model.e": (200.0, 210.0),  # alone
    }
    assert beside_seconds(spans) == {
        "model.a": 40.0,
        "model.b": 20.0,
        "test.c": 20.0,
        "model.d": 10.0,
        "model.e": 0.0,
    }
