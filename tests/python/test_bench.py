"""The benchmark's own measurements: a step's peak RSS is its own and sampled over time, pair counts
are the real ones."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl

from ecom.bench.measure import Measurement, beside_seconds, measure, rss_by_node, sample_rss, short_name
from ecom.bench.report import _arrival_section, _arrival_target
from ecom.bench.runner import _bench_arrival
from ecom.paths import DataDir
from ecom.warehouse.runner import MEMORY_ENV, dbt_env, dbt_executable, project_dir

PARENT_BALLAST_MB = 600


def test_a_step_peak_rss_is_its_own_not_the_benchmark_processs(tiny, tmp_path):
    # Python spawns children with vfork, and the kernel then starts the child's ru_maxrss at the
    # parent's peak: the old report gave the ML step and the December build the same 9,053 MB,
    # the parent's, after the parent had counted basket pairs in DuckDB.
    data, _ = tiny
    source = next(data.landing.glob("2019-*.csv"))
    ballast = b"x" * (PARENT_BALLAST_MB * 2**20)  # filled, so resident
    measured, _ = measure("load", ["load", str(source), str(tmp_path / "data")])
    # The trap is real here: what wait4 alone reports for a child that does nothing.
    _, _, usage = os.wait4(subprocess.Popen([sys.executable, "-c", "pass"]).pid, 0)
    assert len(ballast) and usage.ru_maxrss / 1024 >= PARENT_BALLAST_MB
    assert 0 < measured.peak_rss_mb < PARENT_BALLAST_MB / 2
    assert measured.rows == len(source.read_bytes().splitlines()) - 1  # every line read, the header aside


def test_pairs_step_counts_the_distinct_pairs_the_pair_models_evaluate(tiny_warehouse):
    counts = measure("pairs", ["pairs", str(tiny_warehouse.root)])[1]["pairs"]
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


def test_sample_rss_follows_a_child_that_grows_then_exits():
    grow = f"import time; time.sleep(0.6); ballast = b'x' * ({PARENT_BALLAST_MB} * 2**20); time.sleep(1.2)"
    child = subprocess.Popen([sys.executable, "-c", grow])
    samples = sample_rss(child, interval=0.1)
    assert child.returncode == 0  # sampling returns once the child has exited
    times = [t for t, _ in samples]
    assert times == sorted(times) and len(samples) >= 10
    assert samples[0][1] < PARENT_BALLAST_MB / 2  # before the ballast
    assert max(mb for _, mb in samples) >= PARENT_BALLAST_MB


def test_rss_by_node_gives_each_node_the_highest_sample_in_its_span_and_names_who_ran_at_the_peak():
    spans = {
        "model.a": (0.0, 10.0),
        "model.b": (5.0, 20.0),
        "test.c": (12.0, 14.0),
        "model.d": (30.0, 31.0),  # no sample falls inside: left out, not 0
    }
    samples = [(1.0, 100.0), (6.0, 500.0), (13.0, 900.0), (15.0, 300.0), (25.0, 50.0)]
    per_node, peak = rss_by_node(spans, samples)
    assert per_node == {"model.a": 500.0, "model.b": 900.0, "test.c": 900.0}
    assert peak == {"rss_mb": 900.0, "running": ["model.b", "test.c"]}
    assert rss_by_node(spans, []) == ({}, {})


def test_the_report_names_a_generic_test_by_its_name_not_its_hash():
    # A December peak once read "while `316fd306a2` ran": the hash that ends a generic test's id.
    assert short_name("test.ecom.not_null_fct_sessions_session_id.316fd306a2") == "not_null_fct_sessions_session_id"
    assert short_name("test.ecom.assert_audit_reconciles") == "assert_audit_reconciles"
    assert short_name("model.ecom.fct_sessions") == "fct_sessions"
    assert short_name("unit_test.ecom.int_events.test_sessions_split_after_gap") == "test_sessions_split_after_gap"


def test_the_arrival_is_judged_as_a_fraction_of_a_full_refresh_with_the_ratio_reported():
    inc = {"month": "2019-12", "rows": 41, "total_rows": 100, "full_refresh_seconds": 600.0,
           "ratio_to_full_refresh": 0.63}
    target, measured, met = _arrival_target(inc)
    assert "fraction of a full refresh" in target and measured == "0.63x (2019-12 is 41% of the events)" and met
    assert not _arrival_target({**inc, "ratio_to_full_refresh": 1.05})[2]


def test_a_failed_incremental_build_is_reported_with_the_nodes_that_failed_not_raised(tiny_warehouse, tmp_path, monkeypatch):
    # A December build at 108M events once ran out of DuckDB's memory and took the whole
    # report, and the hours measured before it, down with it. Here DuckDB gets 16 MB: enough
    # for dbt to start, not for int_events (as in test_pipeline, where 16 MB fails it twice).
    data = DataDir.resolve(tmp_path / "data")
    shutil.copytree(tiny_warehouse.root, data.root)
    month, _ = measure("generate_month", ["generate_month", str(data.root), "50000", "2019-12"])
    load_new, _ = measure("load_all", ["load_all", str(data.root)])
    monkeypatch.setenv(MEMORY_ENV, "16MB")
    earlier = Measurement("build", 100.0, 1000.0, 0)
    inc = _bench_arrival(data, month, load_new, earlier, Measurement("load_all", 1.0, 100.0, 50_000), [])
    assert "Out of Memory" in inc["build_error"] and "(failed: " in inc["build_error"]
    assert "build_seconds" not in inc and "full_refresh_seconds" not in inc
    assert any(Path(data.landing).glob("2019-Dec.csv"))  # no full refresh tried, so nothing deleted for it
    # The report still renders, and says so.
    assert _arrival_target(inc)[1:] == ("not measured: the incremental build failed", False)
    assert "The incremental build **failed**: benchmark step build failed" in "\n".join(_arrival_section({"build": {
        "incremental": inc}}))


def _listed(data: DataDir, *selection: str) -> dict[str, list[str]]:
    """Each node dbt selects (models, tests, unit tests, seeds) and the nodes it depends on."""
    out = subprocess.run(
        [dbt_executable(), "ls", *selection, "--resource-type", "model", "test", "unit_test", "seed",
         "--output", "json", "--output-keys", "unique_id", "depends_on", "--quiet"],
        cwd=project_dir(), env=dbt_env(data), capture_output=True, text=True, check=True,
    ).stdout
    return {node["unique_id"]: node["depends_on"].get("nodes", []) for node in map(json.loads, out.splitlines())}


def test_the_builds_two_layers_hold_every_node_once_and_silver_gold_needs_nothing_above_it(tmp_path):
    # The benchmark times the from-scratch build as `--selector warehouse` then `--selector
    # after_warehouse`, and reports their sum as the whole build: that holds only if the two
    # select every node of a plain build exactly once, and if the first builds on an empty
    # warehouse, needing nothing of the second.
    data = DataDir.resolve(tmp_path / "data")
    every, warehouse, propensity = (_listed(data), _listed(data, "--selector", "warehouse"),
                                    _listed(data, "--selector", "after_warehouse"))
    assert not warehouse.keys() & propensity.keys()
    assert warehouse.keys() | propensity.keys() == every.keys()
    assert {"model.ecom.int_events", "model.ecom.also_viewed_pairs", "model.ecom.customer_rfm"} <= warehouse.keys()
    assert {"model.ecom.propensity_features", "model.ecom.propensity_model", "model.ecom.campaign_targets",
            "model.ecom.also_viewed_pairs_both_ways"} <= propensity.keys()
    needs = {parent for parents in warehouse.values() for parent in parents}
    assert not needs & propensity.keys()
    # Beside bronze, only seeds and models of the layer itself.
    assert {parent for parent in needs if not parent.startswith("source.")} <= warehouse.keys()
