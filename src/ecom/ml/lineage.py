"""What a stored model or a stored snapshot's scores were computed from, so that an incremental
build keeps them when their inputs are unchanged (a new month changes only the score snapshot).

Training is seeded and deterministic, so the same inputs give the same booster; scoring likewise.
Each input fingerprint hashes the rows it reads, the settings and the code that uses them.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import duckdb
import lightgbm as lgb
import polars as pl

from ecom.ml.propensity import SCORED_SNAPSHOTS


def snapshot_hashes(features: duckdb.DuckDBPyRelation, snapshots: list[str]) -> dict[str, list[str]]:
    """Per snapshot: its row count and a hash of every column of every row (one read of them).

    Rows are unique by (snapshot, user_id), so the XOR of the row hashes changes when any value
    of any row does: a changed feature definition counts, not only new loads.
    """
    every_column = ", ".join(f'"{c}"' for c in features.columns)
    rows = (
        features.filter(f"snapshot in ({', '.join(repr(s) for s in snapshots)})")
        .aggregate(f"snapshot, count(*), bit_xor(hash({every_column}))", "snapshot")
        .fetchall()
    )
    return {str(row[0]): [str(v) for v in row] for row in rows}


def _md5_of(inputs: dict[str, object]) -> str:
    return hashlib.md5(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


@cache
def _code_md5() -> str:
    """The code that decides what training and scoring produce: sampling, parameters, scoring."""
    ml = Path(__file__).parent
    return hashlib.md5(b"".join((ml / name).read_bytes() for name in ("propensity.py", "scoring.py"))).hexdigest()


def retrain_forced(config_value: object) -> bool:
    """Whether var propensity_retrain (a model's `retrain` config, rendered as text) asks to refit
    the model and score every snapshot again instead of keeping what is stored."""
    return str(config_value).lower() == "true"


def training_inputs(features: duckdb.DuckDBPyRelation, cutoffs: dict[str, str], label_days: int) -> str:
    """A fingerprint of everything a training run depends on, so an unchanged one can be skipped.

    Training is seeded and deterministic, so the same inputs give the same booster: the train and
    validation snapshots' rows (``snapshot_hashes``), the cutoffs and label days, this module's
    code (parameters, sampling, limits) and LightGBM's version. A new month changes none of them
    (only the score snapshot), so an incremental build keeps the stored model instead of refitting
    it: 157 s of the full preset's December build. Hashing the two snapshots reads them once.
    """
    hashes = snapshot_hashes(features, ["train", "validation"])
    return _md5_of({
        "snapshots": [hashes[s] for s in sorted(hashes)],
        "cutoffs": cutoffs,
        "label_days": label_days,
        "code": _code_md5(),
        "lightgbm": lgb.__version__,
    })


def scoring_inputs(features: duckdb.DuckDBPyRelation, model_id: str) -> dict[str, str]:
    """Per scored snapshot, a fingerprint of what its scores and ranks depend on: its rows, the
    model and this module's code (scoring, baseline, ranking) with LightGBM's version.

    Ranks and deciles are per snapshot, so a snapshot whose fingerprint is unchanged keeps its
    stored rows: after a new month only the score snapshot is scored again, not the evaluation
    snapshot's millions of users (prediction is most of propensity_scores' time).
    """
    hashes = snapshot_hashes(features, list(SCORED_SNAPSHOTS))
    return {
        snapshot: _md5_of({
            "snapshot": hashes.get(snapshot),
            "model_id": model_id,
            "code": _code_md5(),
            "lightgbm": lgb.__version__,
        })
        for snapshot in SCORED_SNAPSHOTS
    }


def _has_column(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> bool:
    return con.execute(
        "select count(*) from information_schema.columns where table_schema = ? and table_name = ? and column_name = ?",
        [schema, table, column],
    ).fetchall()[0][0] > 0


def stored_model(con: duckdb.DuckDBPyConnection, schema: str, table: str, inputs: str) -> pl.DataFrame | None:
    """The model row already in ``schema.table`` if it was trained on these inputs, else None."""
    if not _has_column(con, schema, table, "training_inputs"):  # first build, or an older table
        return None
    rows = con.sql(f'select * from "{schema}"."{table}"').filter(f"training_inputs = '{inputs}'").pl()
    return rows if rows.height == 1 else None


def stored_scores(con: duckdb.DuckDBPyConnection, schema: str, table: str, inputs: dict[str, str]) -> pl.DataFrame:
    """The rows already in ``schema.table`` of the snapshots scored from these inputs (maybe none)."""
    if not _has_column(con, schema, table, "scoring_inputs"):  # first build, or an older table
        return pl.DataFrame()
    matching = " or ".join(f"(snapshot = '{s}' and scoring_inputs = '{i}')" for s, i in inputs.items())
    return con.sql(f'select * from "{schema}"."{table}"').filter(matching).pl()
