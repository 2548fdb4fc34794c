"""Run dbt against one data directory: the right profile, target path and environment.

dbt runs as a subprocess (its own logging, exit code and ``run_results.json``), with its
artefacts under ``<data>/dbt/`` so that several pipelines can live side by side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ecom.errors import EcomError
from ecom.paths import DataDir
from ecom.progress import say

MEMORY_ENV = "ECOM_MEMORY_LIMIT"
# DuckDB's memory_limit when ECOM_MEMORY_LIMIT is unset (profiles.yml spells the same default).
# A process runs 0.5-1.3 GB above DuckDB's cap (Python, dbt and allocations outside DuckDB's
# buffer pool, measured at full scale), so the "every step under 8 GB" needs a cap below
# 8GB: at 8GB the builds peaked at 8.1-8.9 GB. At 7GB the full benchmark's three builds peaked at
# 7.5-7.9 GB (108M events from scratch, a December on top, a full refresh of 185M), and since the
# models stopped spilling much the cap cost no time (557 s against 628 s; README, Performance).
DEFAULT_MEMORY_LIMIT = "7GB"
THREADS_ENV = "ECOM_THREADS"


def project_dir() -> Path:
    """The dbt project: ``$ECOM_PROJECT_DIR``, the checkout this package was installed from, or cwd."""
    for candidate in (os.environ.get("ECOM_PROJECT_DIR"), Path(__file__).resolve().parents[3], Path.cwd()):
        if candidate and (Path(candidate) / "dbt_project.yml").exists():
            return Path(candidate).resolve()
    raise EcomError("dbt_project.yml not found: run from the project checkout or set ECOM_PROJECT_DIR")


def dbt_env(data: DataDir, memory_limit: str | None = None, threads: int | None = None) -> dict[str, str]:
    """The environment dbt needs: data directory, profile, artefact paths, no network stats."""
    env = dict(os.environ)
    env.update(data.env())
    project = project_dir()
    env.update(
        {
            "DBT_PROFILES_DIR": str(project),
            "DBT_PROJECT_DIR": str(project),
            "DBT_TARGET_PATH": str(data.root / "dbt" / "target"),
            "DBT_LOG_PATH": str(data.root / "dbt" / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    if memory_limit:
        env[MEMORY_ENV] = memory_limit
    if threads:
        env[THREADS_ENV] = str(threads)
    return env


def dbt_executable() -> str:
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


@dataclass
class DbtRun:
    command: list[str]
    returncode: int
    results: list[dict[str, object]]
    retried: list[str] = field(default_factory=list)


OUT_OF_MEMORY = "Out of Memory Error"
# Commands whose failed nodes `dbt retry` can run again.
RETRYABLE = {"build", "run"}


def out_of_memory_nodes(results: list[dict[str, object]]) -> list[str]:
    """The nodes of a dbt run that failed because DuckDB ran out of memory (from run_results)."""
    return [
        str(r["unique_id"]).split(".")[-1]
        for r in results
        if r.get("status") == "error" and OUT_OF_MEMORY in str(r.get("message") or "")
    ]


def _dbt(args: list[str], data: DataDir, memory_limit: str | None, threads: int | None) -> tuple[int, list[dict[str, object]]]:
    proc = subprocess.run([dbt_executable(), *args], env=dbt_env(data, memory_limit, threads), cwd=project_dir(), check=False)
    results_path = data.root / "dbt" / "target" / "run_results.json"
    results = json.loads(results_path.read_text())["results"] if results_path.exists() else []
    return proc.returncode, results


def run_dbt(args: list[str], data: DataDir, *, memory_limit: str | None = None, threads: int | None = None,
            retry_out_of_memory: bool = False) -> DbtRun:
    """Run ``dbt <args>``; raise a clear error if it fails (dbt has already printed why).

    With ``retry_out_of_memory``, a build or run whose only failures are DuckDB out-of-memory
    errors runs those nodes and the ones they skipped once more, in a fresh process (``dbt
    retry``). Near its memory_limit DuckDB can fail to pin a block in one run and pass in the
    next: `propensity_features` failed once so in a full-scale build at 7GB (beside no other
    node), then passed alone at 7GB and at 5GB (README, Configuration). The benchmark does not
    retry: it reports what one attempt did.
    """
    if not data.bronze_events.exists() and args and args[0] in {"build", "run", "test"}:
        raise EcomError(f"no bronze data under {data.bronze_events}: run `ecom load` (or `ecom run`) first")
    data.warehouse.parent.mkdir(parents=True, exist_ok=True)
    command = [dbt_executable(), *args]
    returncode, results = _dbt(args, data, memory_limit, threads)
    if returncode == 0:
        return DbtRun(command, returncode, results)
    failed = [r for r in results if r.get("status") in {"error", "fail"}]
    short_of_memory = out_of_memory_nodes(results)
    limit = memory_limit or os.environ.get(MEMORY_ENV) or DEFAULT_MEMORY_LIMIT
    if not (retry_out_of_memory and args and args[0] in RETRYABLE and short_of_memory
            and len(short_of_memory) == len(failed)):
        raise EcomError(f"`dbt {' '.join(args)}` failed (exit {returncode}); see the dbt output above")
    say(f"DuckDB ran out of memory in {', '.join(short_of_memory)} (memory_limit {limit}); running the failed "
        "and skipped nodes once more in a fresh process (`dbt retry`)")
    returncode, retried = _dbt(["retry"], data, memory_limit, threads)
    if returncode != 0:
        still = out_of_memory_nodes(retried)
        if still:
            raise EcomError(
                f"`dbt {' '.join(args)}` ran out of memory again in {', '.join(still)} after one retry (exit "
                f"{returncode}): run one node at a time ({THREADS_ENV}=1) or raise {MEMORY_ENV} (now {limit}); "
                "see the dbt output above")
        raise EcomError(f"`dbt {' '.join(args)}` failed again after one retry (exit {returncode}); see the dbt output above")
    kept = [r for r in results if r.get("status") not in {"error", "fail", "skipped"}]
    return DbtRun(command, returncode, kept + retried, retried=short_of_memory)
