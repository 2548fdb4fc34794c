"""The CLI end to end: generate, load and dbt build into one data directory."""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest

from ecom.cli import build_parser, main
from ecom.paths import DataDir
from ecom.warehouse import DEFAULT_MEMORY_LIMIT, MEMORY_ENV, project_dir


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
            "select count(*), sum(duplicates_removed) from silver.stg_events"
        ).fetchone()
        rejected = con.execute("select count(*) from silver.stg_events_rejected").fetchone()[0]
    assert removed == duplicates > 0
    assert rejected == zero_price_purchases.height
    assert silver_rows == bronze.height - duplicates - rejected
    # A second run reuses landing, skips loaded files and rebuilds to the same result.
    assert main(["run", "--preset", "tiny", "--data-dir", str(data.root)]) == 0
    assert "already loaded" in capsys.readouterr().err
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from silver.stg_events").fetchone()[0] == silver_rows


def test_build_without_bronze_says_what_to_run(tmp_path, capsys):
    assert main(["build", "--data-dir", str(tmp_path / "empty")]) == 2
    assert "run `ecom load`" in capsys.readouterr().err


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
