"""The CLI end to end: generate, load and dbt build into one data directory."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from ecom.cli import build_parser, main
from ecom.paths import DataDir


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    text = capsys.readouterr().out
    for command in ("generate", "load", "build", "run", "docs", "bench"):
        assert command in text
    assert "--data-dir" in build_parser()._subparsers._group_actions[0].choices["load"].format_help()  # type: ignore[union-attr]


@pytest.mark.slow
def test_run_builds_a_warehouse_whose_silver_reconciles_with_bronze(tmp_path, capsys):
    data = DataDir.resolve(tmp_path / "pipeline")
    assert main(["run", "--preset", "tiny", "--data-dir", str(data.root)]) == 0
    out = capsys.readouterr().err
    assert "landed" in out and "dbt build" in out
    bronze = pl.read_parquet(data.bronze_events / "*" / "*.parquet")
    duplicates = bronze.height - bronze.drop("load_id").unique().height
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        silver_rows, removed = con.execute(
            "select count(*), sum(duplicates_removed) from silver.stg_events"
        ).fetchone()
    assert removed == duplicates > 0
    assert silver_rows == bronze.height - duplicates
    # A second run reuses landing, skips loaded files and rebuilds to the same result.
    assert main(["run", "--preset", "tiny", "--data-dir", str(data.root)]) == 0
    assert "already loaded" in capsys.readouterr().err
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from silver.stg_events").fetchone()[0] == silver_rows


def test_build_without_bronze_says_what_to_run(tmp_path, capsys):
    assert main(["build", "--data-dir", str(tmp_path / "empty")]) == 2
    assert "run `ecom load`" in capsys.readouterr().err
