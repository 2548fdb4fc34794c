"""Run dbt against one data directory: the right profile, target path and environment.

dbt runs as a subprocess (its own logging, exit code and ``run_results.json``), with its
artefacts under ``<data>/dbt/`` so that several pipelines can live side by side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ecom.errors import EcomError
from ecom.paths import DataDir

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
    for candidate in (os.environ.get("ECOM_PROJECT_DIR"), Path(__file__).resolve().parents[2], Path.cwd()):
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


def run_dbt(args: list[str], data: DataDir, *, memory_limit: str | None = None, threads: int | None = None) -> DbtRun:
    """Run ``dbt <args>``; raise a clear error if it fails (dbt has already printed why)."""
    if not data.bronze_events.exists() and args and args[0] in {"build", "run", "test"}:
        raise EcomError(f"no bronze data under {data.bronze_events}: run `ecom load` (or `ecom run`) first")
    data.warehouse.parent.mkdir(parents=True, exist_ok=True)
    command = [dbt_executable(), *args]
    proc = subprocess.run(command, env=dbt_env(data, memory_limit, threads), cwd=project_dir(), check=False)
    results_path = data.root / "dbt" / "target" / "run_results.json"
    results = json.loads(results_path.read_text())["results"] if results_path.exists() else []
    if proc.returncode != 0:
        raise EcomError(f"`dbt {' '.join(args)}` failed (exit {proc.returncode}); see the dbt output above")
    return DbtRun(command, proc.returncode, results)
