"""Serving copies of the warehouse: what the dashboard, notebooks and BI tools read, never the
warehouse itself.

DuckDB allows one writer or many readers of a database file, never both, so a reader that held
the warehouse would make the next build fail. After each build the warehouse is copied into a
new version folder (``serving/v<timestamp>/serving.duckdb``, written under a temporary name and
renamed when complete); then the ``CURRENT`` pointer file and the stable path
``serving/current.duckdb`` (a hard link to the new file) are replaced atomically. Nothing ever
writes a version again, so a reader sees the previous complete version or the new one, and a
reader holding ``current.duckdb`` open keeps its version (the file lives while it is open) until
it reconnects. The previous version is kept for readers still on it; older ones go.

A DuckDB-built warehouse is copied whole, file to file (seconds, where copying its tables row by
row takes as long as a model); it holds schemas ``silver`` and ``gold`` (and the build's
bookkeeping in ``meta``). A Spark-built warehouse's Parquet tables are copied into the same two
schemas.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ecom.errors import EcomError
from ecom.paths import DataDir

# Gold tables of a Spark warehouse the serving copy leaves out: a model's input, not a report.
SPARK_LEFT_OUT = {"gold.propensity_features"}
POINTER = "CURRENT"
DATABASE = "serving.duckdb"
MANIFEST = "_manifest.json"
STABLE = "current.duckdb"


def _copy_duckdb(data: DataDir, target: Path) -> None:
    """Copy the warehouse file (the caller holds the writer lock, so nothing writes it meanwhile)."""
    if not data.warehouse.exists():
        raise EcomError(f"no warehouse at {data.warehouse}: run `ecom build` first")
    if Path(f"{data.warehouse}.wal").exists():  # a build that did not close cleanly: fold its log in
        with duckdb.connect(str(data.warehouse)) as con:
            con.execute("checkpoint")
    shutil.copyfile(data.warehouse, target)


def _spark_source(con: duckdb.DuckDBPyConnection, data: DataDir) -> list[tuple[str, str]]:
    """Views over a Spark-built warehouse's Parquet tables (spark/warehouse/<schema>.db/<table>),
    as (schema.table, the relation to read)."""
    from ecom.warehouse.spark import spark_root

    warehouse = spark_root(data) / "warehouse"
    if not (warehouse / "gold.db").exists():
        raise EcomError(f"no Spark warehouse under {warehouse}: run `ecom build --engine spark` first")
    names = []
    for schema in ("gold", "silver"):
        con.execute(f"create schema if not exists spark_{schema}")
        for table in sorted(p for p in (warehouse / f"{schema}.db").iterdir() if p.is_dir()):
            files = f"{table}/**/*.parquet"
            if not any(table.rglob("*.parquet")):
                continue
            con.execute(f"create view spark_{schema}.{table.name} as select * from "
                        f"read_parquet('{files}', hive_partitioning = true, union_by_name = true)")
            names.append((f"{schema}.{table.name}", f"source.spark_{schema}.{table.name}"))
    return names


def _copy_spark(data: DataDir, target: Path) -> None:
    with duckdb.connect(str(target)) as con:
        con.execute("attach ':memory:' as source")
        con.execute("use source")
        sources = _spark_source(con, data)
        con.execute(f"use {target.stem}")
        for schema in ("gold", "silver"):
            con.execute(f"create schema {schema}")
        for table, relation in sources:
            if table not in SPARK_LEFT_OUT:
                con.execute(f"create table {table} as select * from {relation}")


def _row_counts(database: Path) -> dict[str, int]:
    """Rows per silver and gold table, from DuckDB's catalogue (no table is scanned)."""
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute("select schema_name || '.' || table_name, estimated_size from duckdb_tables() "
                           "where schema_name in ('gold', 'silver') order by 1").fetchall()
    return {table: count for table, count in rows}


def export(data: DataDir, engine: str = "duckdb") -> Path:
    """Copy the warehouse to a new serving version and switch to it; return its folder."""
    data.serving.mkdir(parents=True, exist_ok=True)
    version = "v" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    staging = data.serving / f".{version}.tmp"
    staging.mkdir()
    began = time.perf_counter()
    try:
        (_copy_spark if engine == "spark" else _copy_duckdb)(data, staging / DATABASE)
        rows = _row_counts(staging / DATABASE)
    except duckdb.Error as exc:
        shutil.rmtree(staging)
        raise EcomError(f"the serving export could not read the warehouse ({str(exc).splitlines()[0]}); "
                        "run `ecom build`") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    (staging / MANIFEST).write_text(json.dumps({
        "version": version, "engine": engine, "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": rows, "seconds": round(time.perf_counter() - began, 3)}, indent=2))
    final = data.serving / version
    staging.rename(final)
    _switch(data, version)
    _prune(data, keep={version, _previous(data, version)})
    return final


def _switch(data: DataDir, version: str) -> None:
    """Point CURRENT and current.duckdb at the new version, each by one atomic rename."""
    stable_tmp = data.serving / f".{STABLE}.tmp"
    stable_tmp.unlink(missing_ok=True)
    os.link(data.serving / version / DATABASE, stable_tmp)
    os.replace(stable_tmp, data.serving / STABLE)
    pointer_tmp = data.serving / f".{POINTER}.tmp"
    pointer_tmp.write_text(version)
    os.replace(pointer_tmp, data.serving / POINTER)


def current(data: DataDir) -> Path | None:
    """The serving version CURRENT points at, or None before the first export."""
    pointer = data.serving / POINTER
    if not pointer.exists():
        return None
    folder = data.serving / pointer.read_text().strip()
    return folder if (folder / MANIFEST).exists() else None


def _versions(data: DataDir) -> list[str]:
    return sorted(p.name for p in data.serving.glob("v*") if p.is_dir())


def _previous(data: DataDir, version: str) -> str | None:
    older = [v for v in _versions(data) if v < version]
    return older[-1] if older else None


def _prune(data: DataDir, keep: set[str | None]) -> None:
    for name in _versions(data):
        if name not in keep:
            shutil.rmtree(data.serving / name, ignore_errors=True)
    for stale in data.serving.glob(".v*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)
