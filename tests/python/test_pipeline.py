"""The CLI end to end: generate, load and dbt build into one data directory."""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest

from ecom.cli import build_parser, main
from ecom.paths import DataDir
from ecom.warehouse import runner as warehouse
from ecom.warehouse.runner import DEFAULT_MEMORY_LIMIT, MEMORY_ENV, project_dir

from .warehouse_helpers import assert_same_tables, copy_of, snapshot


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    text = capsys.readouterr().out
    for command in ("generate", "load", "build", "run", "docs", "bench"):
        assert command in text
    assert "--data-dir" in build_parser()._subparsers._group_actions[0].choices["load"].format_help()  # type: ignore[union-attr]


def test_the_cli_and_profiles_yml_share_one_default_memory_limit(capsys):
    # dbt run by hand reads the default from profiles.yml; the CLI's help and the benchmark
    # report name the constant. They must be the same number.
    profile = (project_dir() / "profiles.yml").read_text()
    assert f"env_var('{MEMORY_ENV}', '{DEFAULT_MEMORY_LIMIT}')" in profile
    with pytest.raises(SystemExit):
        build_parser().parse_args(["build", "--help"])
    assert f"or {DEFAULT_MEMORY_LIMIT})" in " ".join(capsys.readouterr().out.split())


@pytest.mark.slow
def test_run_builds_a_warehouse_whose_silver_reconciles_with_bronze(tmp_path, capsys):
    data = DataDir.resolve(tmp_path / "pipeline")
    assert main(["run", "--preset", "tiny", "--data-dir", str(data.root)]) == 0
    out = capsys.readouterr().err
    assert "landed" in out and "dbt build" in out
    bronze = pl.read_parquet(data.bronze_events / "*" / "*.parquet")
    zero_price_purchases = bronze.filter((pl.col("event_type") == "purchase") & (pl.col("price") <= 0))
    valid = bronze.filter(~((pl.col("event_type") == "purchase") & (pl.col("price") <= 0)))
    duplicates = valid.height - valid.drop("load_id").unique().height
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        silver_rows, removed = con.execute(
            "select count(*), sum(duplicates_removed) from silver.int_events"
        ).fetchone()
        rejected = con.execute("select count(*) from silver.int_events_rejected").fetchone()[0]
    assert removed == duplicates > 0
    assert rejected == zero_price_purchases.height
    assert silver_rows == bronze.height - duplicates - rejected
    # A second run reuses landing, skips loaded files and rebuilds to the same result.
    assert main(["run", "--preset", "tiny", "--data-dir", str(data.root)]) == 0
    assert "already loaded" in capsys.readouterr().err
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from silver.int_events").fetchone()[0] == silver_rows


def test_build_without_bronze_says_what_to_run(tmp_path, capsys):
    assert main(["build", "--data-dir", str(tmp_path / "empty")]) == 2
    assert "run `ecom load`" in capsys.readouterr().err


def _unbuilt_copy(tiny_warehouse: DataDir, root) -> DataDir:
    """The tiny warehouse's landing and bronze, without a warehouse: the next build starts from scratch."""
    data = copy_of(tiny_warehouse, root)
    data.warehouse.unlink()
    return data


@pytest.mark.slow
def test_a_build_that_runs_out_of_memory_once_passes_on_its_retry(tiny_warehouse, tmp_path, monkeypatch, capsys):
    # DuckDB can fail to pin a block near its memory_limit in one run and pass in the next (it
    # did so at full scale): here the first attempt gets 16MB, which int_events cannot run in,
    # and the retry the default.
    data = _unbuilt_copy(tiny_warehouse, tmp_path / "data")
    limits: list[str | None] = []
    real_env = warehouse.dbt_env

    def first_attempt_short(data: DataDir, memory_limit: str | None = None, threads: int | None = None) -> dict:
        limits.append("16MB" if not limits else memory_limit)
        return real_env(data, limits[-1], threads)

    monkeypatch.setattr(warehouse, "dbt_env", first_attempt_short)
    run = warehouse.run_dbt(["build", "--quiet"], data, retry_out_of_memory=True)
    assert limits == ["16MB", None]
    assert run.retried == ["int_events"]
    assert "DuckDB ran out of memory in int_events (memory_limit" in " ".join(capsys.readouterr().err.split())
    # Every node of the build passed once (exposures are no-ops): those of the first attempt and
    # those of the retry.
    statuses = {str(r["unique_id"]): r["status"] for r in run.results}
    assert len(statuses) == len(run.results) and set(statuses.values()) <= {"success", "pass", "no-op"}
    assert statuses["model.ecom.int_events"] == "success" and statuses["model.ecom.propensity_scores"] == "success"
    assert_same_tables(snapshot(data), snapshot(tiny_warehouse), "a build retried after running out of memory")


@pytest.mark.slow
def test_a_build_out_of_memory_twice_names_the_nodes_and_the_settings(tiny_warehouse, tmp_path, capsys):
    data = _unbuilt_copy(tiny_warehouse, tmp_path / "data")
    assert main(["build", "--data-dir", str(data.root), "--memory-limit", "16MB"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "running the failed and skipped nodes once more in a fresh process (`dbt retry`)" in err
    assert ("`dbt build --selector warehouse --exclude-resource-type unit_test` ran out of memory again in int_events "
            "after one retry (exit 1): run one node at a time (ECOM_THREADS=1) or raise ECOM_MEMORY_LIMIT (now 16MB)") in err
    # The last run was the retry: only the nodes that had not passed (the seed had).
    last = {r["unique_id"] for r in json.loads((data.root / "dbt" / "target" / "run_results.json").read_text())["results"]}
    assert "model.ecom.int_events" in last and "seed.ecom.rfm_segments" not in last
    # Only out-of-memory errors are retried: a failing data test or a binder error is not.
    assert warehouse.out_of_memory_nodes([
        {"unique_id": "model.ecom.a", "status": "error", "message": "Out of Memory Error: failed to pin block"},
        {"unique_id": "test.ecom.unique_b_id.1a2b", "status": "fail", "message": "Got 3 results"},
        {"unique_id": "model.ecom.c", "status": "error", "message": "Binder Error: column x not found"},
    ]) == ["a"]


@pytest.mark.slow
def test_docs_site_documents_every_model_and_column_and_shows_exposures(tiny_warehouse, capsys):
    assert main(["docs", "--data-dir", str(tiny_warehouse.root)]) == 0
    target = tiny_warehouse.root / "dbt" / "target"
    site = (target / "static_index.html").read_text()
    assert "analytics_dashboard" in site and "retention_campaign" in site
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    undocumented = []
    for node_id, node in catalog["nodes"].items():
        if not node_id.startswith("model."):
            continue
        documented = manifest["nodes"][node_id]
        if not documented["description"].strip():
            undocumented.append(node_id)
        for column in node["columns"]:
            if not documented["columns"].get(column, {}).get("description", "").strip():
                undocumented.append(f"{node_id}.{column}")
    assert len([n for n in catalog["nodes"] if n.startswith("model.")]) >= 25
    assert undocumented == []
