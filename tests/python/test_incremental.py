"""Incremental builds give exactly what a full refresh gives, and only touch the new dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ecom.ingest.load import load
from ecom.ingest.manifest import read_manifest
from ecom.paths import DataDir
from ecom.synth.generate import GeneratorConfig, generate

from .warehouse_helpers import assert_same_tables, build, copy_of, query
from .warehouse_helpers import snapshot as _snapshot

pytestmark = pytest.mark.slow


def _compiled(data: DataDir, model_path: str) -> str:
    return (data.root / "dbt" / "target" / "compiled" / "ecom" / "models" / model_path).read_text()


def _compiled_int_events(data: DataDir) -> str:
    return _compiled(data, "intermediate/int_events.sql")


def snapshot(data: DataDir) -> dict[str, pl.DataFrame]:
    # The same bronze on both sides: an incremental build must keep the lineage a full refresh
    # writes, or its next build would rebuild the wrong dates.
    return _snapshot(data, lineage=True)


def _assert_same_tables(incremental: dict[str, pl.DataFrame], full: dict[str, pl.DataFrame]) -> None:
    assert_same_tables(incremental, full, "incremental build differs from the full refresh")


def test_new_month_builds_incrementally_to_the_same_tables_as_a_full_refresh(tmp_path: Path):
    data = DataDir.resolve(tmp_path / "data")
    generate(GeneratorConfig(events=50_000, only_months=("2019-10",)), data)
    load([data.landing], data)
    # October alone does not reach the propensity model's default cutoffs (it would stop with an
    # error naming propensity_validation_cutoff): build it once November is there.
    build(data, "--exclude", "propensity_features+")
    october_rows = snapshot(data)["silver.int_events"].height

    # November arrives (same simulation: seed and size): only its file is landed, and silver
    # rebuilds only its dates (+ Oct 31 as session context).
    generate(GeneratorConfig(events=50_000, only_months=("2019-11",)), data)
    results = load([data.landing], data).results
    assert {r.source_file: r.status for r in results} == {"2019-Oct.csv": "skipped", "2019-Nov.csv": "loaded"}
    build(data)
    compiled = _compiled_int_events(data)
    assert "cast('2019-10-31' as date)" in compiled and "cast('2019-11-30' as date)" in compiled
    assert "cast('2019-10-30' as date)" not in compiled
    incremental = snapshot(data)
    assert incremental["silver.int_events"].height > october_rows
    # The new rows went straight into these tables, not through a temporary table first
    # (macros/incremental/duckdb__create_table_as.sql).
    log = (data.root / "dbt" / "logs" / "dbt.log").read_text()
    for model in ("int_events", "fct_sessions", "int_view_baskets", "funnel_by_category", "fct_purchases",
                  "sales_daily", "sales_by_brand", "funnel_daily", "sales_monthly", "int_product_daily"):
        assert f'create or replace temporary view "{model}__dbt_tmp' in log, model
    # The product days aggregated November's days alone; dim_products folds them with October's.
    product_days = " ".join(_compiled(data, "intermediate/int_product_daily.sql").split())
    assert "event_date in (cast('2019-11-01' as date)" in product_days
    assert "cast('2019-10-31' as date)" not in product_days

    build(data, "--full-refresh")
    _assert_same_tables(incremental, snapshot(data))

    # December arrives: of the propensity snapshots only the score snapshot reads December (the
    # evaluation labels end on 1 Dec), so only it is recomputed, from December's days alone.
    generate(GeneratorConfig(events=50_000, months=3, only_months=("2019-12",)), data)
    load([data.landing], data)
    build(data)
    features_sql = " ".join(_compiled(data, "marts/propensity/propensity_features.sql").split())
    assert "snapshot in ('score')" in features_sql
    assert "event_date >= cast('2019-12-02' as date) and event_date <= cast('2019-12-31' as date)" in features_sql
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
    (again,) = load([data.landing / "2019-Nov.csv"], data, force=True).results
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
    (result,) = load([october], data, force=True).results
    assert result.status == "reloaded"
    build(data)
    # That week is recomputed (its sessions' input changed), from its days alone.
    weekly_sql = _compiled(data, "marts/sales/sales_weekly.sql")
    assert "cast('2019-11-03' as date)" in weekly_sql and "cast('2019-11-04' as date)" not in weekly_sql
    after = snapshot(data)
    audit = after["silver.audit_bronze_to_silver"]
    # Every dropped line left bronze or the quarantine (the tiny data has malformed lines), and
    # silver still reconciles with what bronze now holds.
    landed_drop = before["silver.audit_bronze_to_silver"]["bronze_rows"].sum() - audit["bronze_rows"].sum()
    assert landed_drop + quarantined_before - result.rows_quarantined == dropped
    assert landed_drop > 0.95 * dropped
    assert audit["unaccounted_rows"].abs().sum() == 0
    assert after["silver.int_events"]["event_key"].n_unique() == after["silver.int_events"].height

    build(data, "--full-refresh")
    _assert_same_tables(after, snapshot(data))


def test_nothing_new_rebuilds_nothing(tmp_path: Path, tiny_warehouse: DataDir):
    data = copy_of(tiny_warehouse, tmp_path / "data")
    lineage_rows = query(data, "select count(*) as n from meta.incremental_lineage")["n"][0]
    build(data)
    assert "and false" in " ".join(_compiled_int_events(data).split())
    features_sql = " ".join(_compiled(data, "marts/propensity/propensity_features.sql").split())
    assert features_sql.count("where false") == 2  # no snapshot and no event is read
    assert "where false" in " ".join(_compiled(data, "intermediate/int_product_daily.sql").split())
    # The date-grained gold aggregates read no purchase and no session.
    reads = {"sales/sales_daily": 2, "sales/sales_weekly": 2, "sales/sales_monthly": 2, "funnel/funnel_daily": 1}
    for mart, filters in reads.items():
        assert " ".join(_compiled(data, f"marts/{mart}.sql").split()).count("where false") == filters, mart
    assert "where false" in " ".join(_compiled(data, "marts/sales/sales_by_category.sql").split())
    # And no partition's lineage was recorded again.
    assert query(data, "select count(*) as n from meta.incremental_lineage")["n"][0] == lineage_rows


def test_a_warehouse_that_lost_its_lineage_rebuilds_every_partition(tmp_path: Path, tiny_warehouse: DataDir):
    # A warehouse built before partitions recorded their lineage (or whose meta schema was
    # dropped) has no entries: every partition counts as new and is rebuilt, not skipped.
    data = copy_of(tiny_warehouse, tmp_path / "data")
    with duckdb.connect(str(data.warehouse)) as con:
        con.execute("drop table meta.incremental_lineage")
    before = snapshot(data)
    build(data)
    _assert_same_tables(snapshot(data), before)
    rebuilt = query(data, "select count(distinct partition_key) as n from meta.incremental_lineage "
                          "where model_name = 'int_events'")["n"][0]
    assert rebuilt == before["silver.int_events"]["event_date"].n_unique()


# One session that runs across the two files' boundary: two events late on 31 October in the
# October file, a purchase and a view early on 1 November in the November file. Generated months
# never share a session; the real files can (a visitor browsing at midnight).
_CROSSING_USER = 999_000_001
_CROSSING_SESSION = "0c0ffee0-0000-4000-8000-000000000001"
_CROSSING_EVENTS = {
    "2019-Oct.csv": [("2019-10-31 23:40:00", "view"), ("2019-10-31 23:50:00", "cart")],
    "2019-Nov.csv": [("2019-11-01 00:05:00", "purchase"), ("2019-11-01 00:10:00", "view")],
}


def _with_crossing_session(lines: list[bytes], month_file: str) -> list[bytes]:
    product = b"9990001,2053013555631882655,electronics.smartphone,acme,99.90"
    extra = [
        b"%s UTC,%s,%s,%d,%s" % (at.encode(), kind.encode(), product, _CROSSING_USER, _CROSSING_SESSION.encode())
        for at, kind in _CROSSING_EVENTS[month_file]
    ]
    return [line for line in lines if line] + extra


def _redeliver(data: DataDir, month_file: str, *, drop_day: str | None = None) -> None:
    """Deliver `month_file` again from the original (kept beside it), with the crossing session
    and without the lines of `drop_day`, then build incrementally."""
    original = data.root / f"original-{month_file}"
    lines = _with_crossing_session(original.read_bytes().split(b"\n"), month_file)  # bytes: undecodable lines
    if drop_day is not None:
        lines = [line for line in lines if not line.startswith(drop_day.encode())]
    (data.landing / month_file).write_bytes(b"\n".join(lines) + b"\n")
    (result,) = load([data.landing / month_file], data, force=True).results
    assert result.status == "reloaded"
    build(data)


def _crossing_sessions(data: DataDir) -> list[tuple]:
    return query(
        data,
        f"select session_date, started_at, events, purchases from gold.fct_sessions "
        f"where user_id = {_CROSSING_USER} order by started_at",
    ).rows()


def test_a_session_across_two_files_stays_right_when_either_file_loses_its_edge_day(tmp_path: Path, tiny_warehouse: DataDir):
    """A re-delivered file that loses the day at its edge changes the sessions of the next file's
    first day (their start) or of the previous file's last day (their end): an incremental build
    rebuilds those neighbouring days too, and every table equals a full refresh."""
    data = copy_of(tiny_warehouse, tmp_path / "data")
    for month_file in _CROSSING_EVENTS:
        (data.root / f"original-{month_file}").write_bytes((data.landing / month_file).read_bytes())
        _redeliver(data, month_file)
    oct_31 = dt.date(2019, 10, 31)
    nov_1 = dt.date(2019, 11, 1)
    assert _crossing_sessions(data) == [(oct_31, dt.datetime(2019, 10, 31, 23, 40), 4, 1)]
    steps = [
        # October loses 31 October: the November events now start a session of their own,
        # on 1 November (int_events' session starts of the next day).
        ("2019-Oct.csv", "2019-10-31", [(nov_1, dt.datetime(2019, 11, 1, 0, 5), 2, 1)]),
        # October comes back whole: the two halves are one session again.
        ("2019-Oct.csv", None, [(oct_31, dt.datetime(2019, 10, 31, 23, 40), 4, 1)]),
        # November loses 1 November: the session of 31 October ends there (fct_sessions of the
        # day before).
        ("2019-Nov.csv", "2019-11-01", [(oct_31, dt.datetime(2019, 10, 31, 23, 40), 2, 0)]),
    ]
    for month_file, drop_day, expected in steps:
        _redeliver(data, month_file, drop_day=drop_day)
        assert _crossing_sessions(data) == expected, (month_file, drop_day)
        incremental = snapshot(data)
        build(data, "--full-refresh")
        _assert_same_tables(incremental, snapshot(data))


# A late file for November's last days, loaded after November, so on those days the newest load
# is the late file's whatever November holds.
_LATE_USER = 999_000_002
_LATE_DAYS = ("2019-11-28", "2019-11-29", "2019-11-30")


def _late_file_lines() -> list[bytes]:
    product = b"9990002,2053013555631882655,electronics.smartphone,acme,49.90"
    lines = [b"event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session"]
    for n, day in enumerate(_LATE_DAYS):
        session = b"0c0ffee0-0000-4000-8000-00000000010%d" % n
        for at, kind in (("12:00:00", b"view"), ("12:05:00", b"purchase")):
            lines.append(b"%s %s UTC,%s,%s,%d,%s" % (day.encode(), at.encode(), kind, product, _LATE_USER, session))
    return lines


def test_a_day_shared_with_a_late_file_is_rebuilt_when_the_month_loses_it(tmp_path: Path, tiny_warehouse: DataDir):
    """A date that two files deliver keeps both as its lineage: when the older one is re-delivered
    without that date, the date is rebuilt although its newest load (the late file) is unchanged,
    and every table equals a full refresh."""
    data = copy_of(tiny_warehouse, tmp_path / "data")
    late = data.landing / "2019-Nov-late.csv"
    late.write_bytes(b"\n".join(_late_file_lines()) + b"\n")
    (result,) = load([late], data).results
    assert result.status == "loaded"
    build(data)
    sessions_per_day = (
        f"select session_date, count(*) as sessions, count(*) filter (where user_id = {_LATE_USER}) as late_sessions "
        "from gold.fct_sessions where session_date >= '2019-11-24' group by session_date order by session_date"
    )
    before = query(data, sessions_per_day)
    assert (before["late_sessions"] == [0, 0, 0, 0, 1, 1, 1]).all()
    assert (before["sessions"] > 1).all()
    # A late file for dates already built is one more load on them: built incrementally, it
    # gives what a full refresh gives.
    incremental = snapshot(data)
    build(data, "--full-refresh")
    _assert_same_tables(incremental, snapshot(data))

    # November again, without its last five days: 26 and 27 November lose every event, 28-30
    # November keep only the late file's.
    november = data.landing / "2019-Nov.csv"
    lost = tuple(f"2019-11-{day}".encode() for day in range(26, 31))
    november.write_bytes(b"\n".join(line for line in november.read_bytes().split(b"\n") if not line.startswith(lost)))
    (result,) = load([november], data, force=True).results
    assert result.status == "reloaded"
    build(data)
    after = query(data, sessions_per_day)
    assert after.rows() == [
        (dt.date(2019, 11, 24), before["sessions"][0], 0),
        (dt.date(2019, 11, 25), before["sessions"][1], 0),
        (dt.date(2019, 11, 28), 1, 1),
        (dt.date(2019, 11, 29), 1, 1),
        (dt.date(2019, 11, 30), 1, 1),
    ]
    incremental = snapshot(data)
    build(data, "--full-refresh")
    _assert_same_tables(incremental, snapshot(data))
