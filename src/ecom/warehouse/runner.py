"""Run dbt against one data directory: the right profile, target path and environment.

dbt runs as a subprocess (its own logging, exit code and ``run_results.json``), with its
artefacts under ``<data>/dbt/`` so that several pipelines can live side by side. The child dies
with its parent (Linux: a parent-death signal), so a killed ``ecom build`` never leaves dbt
running and holding the warehouse.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ecom.errors import EcomError
from ecom.paths import DataDir
from ecom.progress import say
from ecom.warehouse.child import guarded

MEMORY_ENV = "ECOM_MEMORY_LIMIT"
# DuckDB's memory_limit when ECOM_MEMORY_LIMIT is unset (profiles.yml spells the same default).
# A process runs 0.5-1.3 GB above DuckDB's cap (Python, dbt and allocations outside DuckDB's
# buffer pool), so "every step under 8 GB" needs a cap below 8GB (docs/architecture.md).
DEFAULT_MEMORY_LIMIT = "7GB"
THREADS_ENV = "ECOM_THREADS"
# DuckDB's memory_limit syntax: a number and a unit (1000- or 1024-based).
MEMORY_PATTERN = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)
# Commands that open the warehouse file for writing.
WAREHOUSE_WRITERS = {"build", "run", "test", "seed", "retry", "snapshot", "show", "docs"}
OUT_OF_MEMORY = "Out of Memory Error"
# The build's two layers (selectors.yml), built one after the other by `ecom build`.
BUILD_LAYERS = ("warehouse", "after_warehouse")
# `ecom build` builds data: unit tests check the SQL on fixed inputs, not the data, so they run in
# development and CI (`make test`, a plain `dbt build`), as dbt recommends, not on every build.
BUILD_FLAGS = ("--exclude-resource-type", "unit_test")
# Commands whose failed nodes `dbt retry` can run again.
RETRYABLE = {"build", "run"}


def project_dir() -> Path:
    """The dbt project: ``$ECOM_PROJECT_DIR``, the checkout this package was installed from, or cwd."""
    for candidate in (os.environ.get("ECOM_PROJECT_DIR"), Path(__file__).resolve().parents[3], Path.cwd()):
        if candidate and (Path(candidate) / "dbt_project.yml").exists():
            return Path(candidate).resolve()
    raise EcomError("dbt_project.yml not found: run from the project checkout or set ECOM_PROJECT_DIR")


def checked_memory_limit(value: str | None) -> str | None:
    """``value`` (or ``$ECOM_MEMORY_LIMIT``) if DuckDB can read it; one clear error otherwise."""
    for source, raw in (("--memory-limit", value), (MEMORY_ENV, os.environ.get(MEMORY_ENV))):
        if raw is not None:
            if not MEMORY_PATTERN.match(raw):
                raise EcomError(f"{source} {raw!r} is not a memory size: use a number and a unit, e.g. 4GB or 7GiB")
            return raw
    return None


def checked_threads(value: int | None) -> int | None:
    """``value`` (or ``$ECOM_THREADS``) if it is a whole number of at least 1; one clear error otherwise."""
    for source, raw in (("--threads", value), (THREADS_ENV, os.environ.get(THREADS_ENV))):
        if raw is None:
            continue
        try:
            threads = int(raw)
        except ValueError:
            threads = 0
        if threads < 1:
            raise EcomError(f"{source} {raw!r} is not a number of threads: use a whole number of at least 1")
        return threads
    return None


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


def out_of_memory_nodes(results: list[dict[str, object]]) -> list[str]:
    """The nodes of a dbt run that failed because DuckDB ran out of memory (from run_results)."""
    return [
        str(r["unique_id"]).split(".")[-1]
        for r in results
        if r.get("status") == "error" and OUT_OF_MEMORY in str(r.get("message") or "")
    ]


def warehouse_lock_holder(data: DataDir) -> str | None:
    """Who holds the warehouse file open, as DuckDB reports it ("PID 123, /usr/bin/python3"), or None."""
    if not data.warehouse.exists():
        return None
    import duckdb

    try:
        duckdb.connect(str(data.warehouse)).close()
    except duckdb.IOException as exc:
        return _lock_holder_in(str(exc))
    return None


def _lock_holder_in(text: str) -> str | None:
    match = re.search(r"Could not set lock on file.*?Conflicting lock is held in (\S+) \(PID (\d+)\)", text, re.DOTALL)
    return f"PID {match.group(2)}, {match.group(1)}" if match else None


def _locked_message(data: DataDir, holder: str) -> str:
    return (f"the warehouse {data.warehouse} is open in another process ({holder}): close that connection "
            f"(a notebook, DBeaver or a BI tool) or point it at {data.serving_current} instead, then run again")


def _share_semantic_manifest(data: DataDir) -> None:
    """Copy the parsed semantic layer to <project>/target, the one place MetricFlow's `mf` reads it
    from. It describes the project, not the data, so every data directory's copy is the same."""
    parsed = data.root / "dbt" / "target" / "semantic_manifest.json"
    if parsed.exists():
        shared = project_dir() / "target" / "semantic_manifest.json"
        shared.parent.mkdir(exist_ok=True)
        tmp = shared.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(parsed, tmp)
        os.replace(tmp, shared)


def _dbt(args: list[str], data: DataDir, memory_limit: str | None, threads: int | None) -> tuple[int, list[dict[str, object]], str]:
    """Run dbt, echoing its output; (exit code, run results, the output's last lines)."""
    proc = subprocess.Popen(guarded([dbt_executable(), *args]), env=dbt_env(data, memory_limit, threads),
                            cwd=project_dir(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    assert proc.stdout is not None
    tail: list[str] = []
    for line in proc.stdout:
        sys.stdout.write(line)
        tail = [*tail[-199:], line]
    returncode = proc.wait()
    _share_semantic_manifest(data)
    results_path = data.root / "dbt" / "target" / "run_results.json"
    results = json.loads(results_path.read_text())["results"] if results_path.exists() else []
    return returncode, results, "".join(tail)


def run_dbt(args: list[str], data: DataDir, *, memory_limit: str | None = None, threads: int | None = None,
            retry_out_of_memory: bool = False) -> DbtRun:
    """Run ``dbt <args>``; raise a clear error if it fails (dbt has already printed why).

    With ``retry_out_of_memory``, a build or run whose only failures are DuckDB out-of-memory
    errors runs those nodes and the ones they skipped once more, in a fresh process (``dbt
    retry``): near its memory_limit DuckDB can fail to pin a block in one run and pass in the
    next (README, Configuration). The benchmark does not retry: it reports what one attempt did.
    """
    memory_limit, threads = checked_memory_limit(memory_limit), checked_threads(threads)
    if not data.bronze_events.exists() and args and args[0] in {"build", "run", "test"}:
        raise EcomError(f"no bronze data under {data.bronze_events}: run `ecom load` (or `ecom run`) first")
    if args and args[0] in WAREHOUSE_WRITERS and (holder := warehouse_lock_holder(data)):
        raise EcomError(_locked_message(data, holder))
    data.warehouse.parent.mkdir(parents=True, exist_ok=True)
    (data.root / "dbt" / "target" / "run_results.json").unlink(missing_ok=True)
    command = [dbt_executable(), *args]
    returncode, results, output = _dbt(args, data, memory_limit, threads)
    if returncode == 0:
        return DbtRun(command, returncode, results)
    if holder := _lock_holder_in(output):
        raise EcomError(_locked_message(data, holder))
    failed = [r for r in results if r.get("status") in {"error", "fail"}]
    short_of_memory = out_of_memory_nodes(results)
    limit = memory_limit or DEFAULT_MEMORY_LIMIT
    if not (retry_out_of_memory and args and args[0] in RETRYABLE and short_of_memory
            and len(short_of_memory) == len(failed)):
        raise EcomError(f"`dbt {' '.join(args)}` failed (exit {returncode}); see the dbt output above")
    say(f"DuckDB ran out of memory in {', '.join(short_of_memory)} (memory_limit {limit}); running the failed "
        "and skipped nodes once more in a fresh process (`dbt retry`)")
    returncode, retried, _ = _dbt(["retry"], data, memory_limit, threads)
    if returncode != 0:
        still = out_of_memory_nodes(retried)
        if still:
            raise EcomError(
                f"`dbt {' '.join(args)}` ran out of memory again in {', '.join(still)} after one retry (exit "
                f"{returncode}): run one node at a time ({THREADS_ENV}=1) or raise {MEMORY_ENV} (now {limit}); "
                "see the dbt output above")
        raise EcomError(f"`dbt {' '.join(args)}` failed again after one retry (exit {returncode}); see the dbt output above")
    # The retry's results replace the first run's for the nodes it ran again (its on-run-start too).
    again = {r.get("unique_id") for r in retried}
    kept = [r for r in results if r.get("status") not in {"error", "fail", "skipped"} and r.get("unique_id") not in again]
    return DbtRun(command, returncode, kept + retried, retried=short_of_memory)
