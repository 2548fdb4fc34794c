"""`ecom sql`: SQL against the serving copy (``serving/current.duckdb``), read-only.

It never opens the warehouse, so it can stay open while `ecom build` runs; a new export shows
after ``.reconnect`` (or a new session). One statement per ``-c``, or an interactive prompt that
runs each statement when a line ends with ``;``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import duckdb
import polars as pl

from ecom.errors import EcomError
from ecom.paths import DataDir

HELP = ("Statements end with ';'. Schemas: gold (marts), silver (events), meta. "
        "`.tables` lists the tables, `.reconnect` opens the newest export, `.quit` leaves.")
TABLES = ("select schema_name || '.' || table_name as table_name, estimated_size as rows from duckdb_tables() "
          "where schema_name in ('gold', 'silver') order by 1")


def connect(data: DataDir) -> duckdb.DuckDBPyConnection:
    path = data.serving_current
    if not path.exists():
        raise EcomError(f"no serving copy at {path}: run `ecom build` (or `ecom run`) first")
    con = duckdb.connect(str(path), read_only=True)
    con.execute("set search_path = 'gold,silver'")
    return con


def show(con: duckdb.DuckDBPyConnection, sql: str, out: object = sys.stdout) -> None:
    """Run one statement and print its rows as a table (or the error, on one line)."""
    try:
        relation = con.sql(sql)
    except duckdb.Error as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=out)  # type: ignore[call-overload]
        return
    if relation is not None:
        with pl.Config(tbl_rows=50, tbl_cols=20, fmt_str_lengths=60, tbl_hide_dataframe_shape=False):
            print(relation.pl(), file=out)  # type: ignore[call-overload]


def statements(lines: Iterable[str]) -> Iterable[str]:
    """Complete statements from input lines: dot commands alone, SQL up to a line ending in ';'."""
    pending: list[str] = []
    for line in lines:
        if not pending and line.strip().startswith("."):
            yield line.strip()
            continue
        pending.append(line)
        if line.rstrip().endswith(";"):
            yield "\n".join(pending).strip().rstrip(";")
            pending = []
    if "".join(pending).strip():
        yield "\n".join(pending).strip().rstrip(";")


def _prompted() -> Iterable[str]:
    while True:
        try:
            yield input("ecom> ")
        except EOFError:
            return


def repl(data: DataDir, command: str | None = None) -> None:
    con = connect(data)
    if command is not None:
        show(con, command)
        return
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"{Path(data.serving_current)} (read-only). {HELP}")
    for statement in statements(_prompted() if interactive else sys.stdin):
        if statement in (".quit", ".exit"):
            break
        if statement == ".reconnect":
            con.close()
            con = connect(data)
        elif statement == ".tables":
            show(con, TABLES)
        elif statement == ".help":
            print(HELP)
        else:
            show(con, statement)
