"""Helpers for tests that build a warehouse: build quietly, snapshot and compare tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
from polars.testing import assert_frame_equal

from ecom.paths import DataDir
from ecom.warehouse.runner import run_dbt

# Columns that legitimately differ between two builds of the same data: the seconds a fit took,
# and the load ids, when the two warehouses loaded the same files separately.
TIMING_COLUMNS = {"training_seconds"}
LINEAGE_COLUMNS = {"load_id"}


def build(data: DataDir, *args: str) -> None:
    run_dbt(["build", "--quiet", *args], data)


def copy_of(built: DataDir, root: Path) -> DataDir:
    """A writable copy of a built data directory (landing, bronze, warehouse, dbt artefacts).

    Seconds cheaper than loading and building the same files again, which is what it stands for.
    """
    shutil.copytree(built.root, root)
    return DataDir.resolve(root)


def tables(data: DataDir, schemas: tuple[str, ...] = ("silver", "gold")) -> list[str]:
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            f"where table_schema in {schemas} and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
    return [r[0] for r in rows]


def snapshot(
    data: DataDir, schemas: tuple[str, ...] = ("silver", "gold"), *, lineage: bool = False
) -> dict[str, pl.DataFrame]:
    """Every table's rows, sorted on all columns, so two builds can be compared exactly.

    With ``lineage`` the load ids stay: two builds over the same bronze must agree on them too.
    """
    volatile = TIMING_COLUMNS if lineage else TIMING_COLUMNS | LINEAGE_COLUMNS
    out: dict[str, pl.DataFrame] = {}
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        for name in tables(data, schemas):
            frame = con.sql(f"select * from {name}").pl()
            frame = frame.drop([c for c in frame.columns if c in volatile])
            out[name] = frame.sort(frame.columns, nulls_last=True)
    return out


def query(data: DataDir, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        return con.sql(sql).pl()


def assert_same_tables(built: dict[str, pl.DataFrame], expected: dict[str, pl.DataFrame], how: str) -> None:
    """Two snapshots hold the same tables with the same rows; a difference names the table and `how`."""
    assert built.keys() == expected.keys()
    for name, frame in expected.items():
        try:
            assert_frame_equal(built[name], frame, check_exact=True)
        except AssertionError as error:
            raise AssertionError(f"{name}: {how}: {error}") from None
