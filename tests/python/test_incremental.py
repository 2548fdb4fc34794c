"""Incremental builds give exactly what a full refresh gives, and only touch the new dates."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ecom.errors import EcomError
from ecom.generate import GeneratorConfig, generate
from ecom.load import load
from ecom.manifest import read_manifest
from ecom.paths import DataDir

from .warehouse_helpers import build, copy_of, snapshot

pytestmark = pytest.mark.slow


def _compiled(data: DataDir, model_path: str) -> str:
    return (data.root / "dbt" / "target" / "compiled" / "ecom" / "models" / model_path).read_text()


def _compiled_stg_events(data: DataDir) -> str:
    return _compiled(data, "staging/stg_events.sql")


def _assert_same_tables(incremental: dict[str, pl.DataFrame], full: dict[str, pl.DataFrame]) -> None:
    assert incremental.keys() == full.keys()
    for name, expected in full.items():
        try:
            assert_frame_equal(incremental[name], expected, check_exact=True)
        except AssertionError as error:
            raise AssertionError(f"{name}: incremental build differs from the full refresh: {error}") from None


def test_new_month_builds_incrementally_to_the_same_tables_as_a_full_refresh(tmp_path: Path):
    data = DataDir.resolve(tmp_path / "data")
    generate(GeneratorConfig(events=50_000, only_months=("2019-10",)), data)
    load([data.landing], data)
    # October alone does not reach the propensity model's default cutoffs (it would stop with an
    # error naming propensity_validation_cutoff): build it once November is there.
    build(data, "--exclude", "propensity_features+")
    october_rows = snapshot(data)["silver.stg_events"].height

    # November arrives (same simulation: seed and size): only its file is landed, and silver
    # rebuilds only its dates (+ Oct 31 as session context).
    generate(GeneratorConfig(events=50_000, only_months=("2019-11",)), data)
    results = load([data.landing], data)
    assert {r.source_file: r.status for r in results} == {"2019-Oct.csv": "skipped", "2019-Nov.csv": "loaded"}
    build(data)
    compiled = _compiled_stg_events(data)
    assert "cast('2019-10-31' as date)" in compiled and "cast('2019-11-30' as date)" in compiled
    assert "cast('2019-10-30' as date)" not in compiled
    incremental = snapshot(data)
    assert incremental["silver.stg_events"].height > october_rows
    # The new rows went straight into these tables, not through a temporary table first
    # (macros/direct_insert.sql).
    log = (data.root / "dbt" / "logs" / "dbt.log").read_text()
    for model in ("stg_events", "fct_sessions", "int_view_baskets", "funnel_by_category", "fct_purchases",
                  "sales_daily", "sales_by_brand", "funnel_daily", "sales_monthly"):
        assert f'create or replace temporary view "{model}__dbt_tmp' in log, model
    # November lies after everything folded in: the product state aggregated November alone
    # and merged it into October's rows (macros/product_state_mode.sql).
    product_state = " ".join(_compiled(data, "intermediate/int_product_state.sql").split())
    assert 'select * from "ecom"."silver"."int_product_state"' in product_state
    assert "event_date in (cast('2019-11-01' as date)" in product_state

    build(data, "--full-refresh")
    _assert_same_tables(incremental, snapshot(data))

    # December arrives: of the propensity snapshots only the score snapshot reads December (the
    # evaluation labels end on 1 Dec), so only it is recomputed, from December's days alone.
    generate(GeneratorConfig(events=50_000, months=3, only_months=("2019-12",)), data)
    load([data.landing], data)
    build(data)
    features_sql = " ".join(_compiled(data, "marts/propensity/propensity_features.sql").split())
    assert "snapshot in ('score')" in features_sql
    assert "event_date >= cast('2019-12-02' as date) and event_date < cast('2020-01-01' as date)" in features_sql
    incremental = snapshot(data)
    assert set(incremental["gold.propensity_features"]["snapshot"]) == {"train", "validation", "evaluation", "score"}
    # The date-grained gold aggregates read only the days they rebuild: the daily ones December
    # and 30 November (its sessions can convert on 1 December), the weekly and monthly ones the
    # weeks and months whose days changed in sales_daily.
    daily_sql = _compiled(data, "marts/sales/sales_daily.sql")
    assert "cast('2019-11-30' as date)" in daily_sql and "cast('2019-11-29' as date)" not in daily_sql
    assert "cast('2019-11-30' as date)" in _compiled(data, "marts/funnel/funnel_daily.sql")
    by_brand_sql = _compiled(data, "marts/sales/sales_by_brand.sql")
    assert "cast('2019-12-01' as date)" in by_brand_sql and "cast('2019-11-30' as date)" not in by_brand_sql
    weekly_sql = _compiled(data, "marts/sales/sales_weekly.sql")
    assert "cast('2019-12-30' as date)" in weekly_sql and "cast('2019-11-18' as date)" not in weekly_sql
    monthly_sql = _compiled(data, "marts/sales/sales_monthly.sql")
    assert "cast('2019-12-31' as date)" in monthly_sql and "cast('2019-10-31' as date)" not in monthly_sql

    build(data, "--full-refresh")
    _assert_same_tables(incremental, snapshot(data))


def test_redelivered_month_replaces_its_rows_and_matches_a_full_refresh(tmp_path: Path, tiny_warehouse: DataDir):
    data = copy_of(tiny_warehouse, tmp_path / "data")
    # November is delivered again, unchanged, so its load is newer than October's.
    (again,) = load([data.landing / "2019-Nov.csv"], data, force=True)
    assert again.status == "reloaded"
    build(data)
    before = snapshot(data)
    quarantined_before = read_manifest(data.manifest)["2019-Oct.csv"].rows_quarantined

    # A corrected October arrives without its last four days (28-31 October). They shared a week
    # with November's first days, and that week's newest load stays November's: a rule on the
    # newest load alone would keep the week's row, October's days and all.
    october = data.landing / "2019-Oct.csv"
    lines = october.read_bytes().split(b"\n")  # bytes: the tiny data has undecodable lines
    kept = [line for line in lines if not line.startswith((b"2019-10-28", b"2019-10-29", b"2019-10-30", b"2019-10-31"))]
    dropped = len(lines) - len(kept)
    assert dropped > 2000
    october.write_bytes(b"\n".join(kept))
    (result,) = load([october], data, force=True)
    assert result.status == "reloaded"
    build(data)
    # That week is recomputed (its days' rows changed in sales_daily), from its days alone.
    weekly_sql = _compiled(data, "marts/sales/sales_weekly.sql")
    assert "cast('2019-11-03' as date)" in weekly_sql and "cast('2019-11-04' as date)" not in weekly_sql
    # Aggregates cannot give back what the replaced load added: the product state recomputed
    # everything instead of merging.
    product_state = " ".join(_compiled(data, "intermediate/int_product_state.sql").split())
    assert '"silver"."int_product_state"' not in product_state and "event_date in" not in product_state
    after = snapshot(data)
    audit = after["silver.audit_bronze_to_silver"]
    # Every dropped line left bronze or the quarantine (the tiny data has malformed lines), and
    # silver still reconciles with what bronze now holds.
    landed_drop = before["silver.audit_bronze_to_silver"]["bronze_rows"].sum() - audit["bronze_rows"].sum()
    assert landed_drop + quarantined_before - result.rows_quarantined == dropped
    assert landed_drop > 0.95 * dropped
    assert audit["unaccounted_rows"].abs().sum() == 0
    assert after["silver.stg_events"]["event_key"].n_unique() == after["silver.stg_events"].height

    build(data, "--full-refresh")
    _assert_same_tables(after, snapshot(data))


def test_nothing_new_rebuilds_nothing_in_silver(tmp_path: Path, tiny_warehouse: DataDir):
    data = copy_of(tiny_warehouse, tmp_path / "data")
    build(data)
    assert "where false" in _compiled_stg_events(data).replace("\n", " ").replace("  ", " ")
    features_sql = " ".join(_compiled(data, "marts/propensity/propensity_features.sql").split())
    assert features_sql.count("where false") == 2  # no snapshot and no event is read
    assert "where false" in " ".join(_compiled(data, "intermediate/int_product_state.sql").split())
    # The date-grained gold aggregates read no purchase, no session and no day's load.
    reads = {"sales/sales_daily": 3, "sales/sales_weekly": 2, "sales/sales_monthly": 2, "funnel/funnel_daily": 2}
    for mart, filters in reads.items():
        assert " ".join(_compiled(data, f"marts/{mart}.sql").split()).count("where false") == filters, mart
    assert "where false" in " ".join(_compiled(data, "marts/sales/sales_by_category.sql").split())


def test_a_silver_table_from_an_older_version_stops_the_build_naming_the_fix(tmp_path: Path, tiny_warehouse: DataDir, capfd):
    data = copy_of(tiny_warehouse, tmp_path / "data")
    # What a warehouse built before silver tracked load ids looks like.
    with duckdb.connect(str(data.warehouse)) as con:
        con.execute("alter table silver.stg_events drop column load_id")
    capfd.readouterr()
    with pytest.raises(EcomError, match="dbt build"):
        build(data)
    out = capfd.readouterr().out
    assert "stg_events" in out and "has no load_id column" in out and "--full-refresh" in out

    build(data, "--full-refresh")
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from silver.stg_events where load_id is null").fetchone() == (0,)
