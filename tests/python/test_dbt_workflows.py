"""The dbt workflows analytics engineers use on this project: a structure check with `--empty`,
`dbt show` of an incremental model, Slim CI's `state:modified` across data directories, source
freshness measured from the load time, and the serving copy held open through a build."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from ecom.ingest.load import load
from ecom.ingest.manifest import read_manifest
from ecom.paths import DataDir
from ecom.synth.generate import GeneratorConfig, generate
from ecom.warehouse.runner import dbt_env, dbt_executable, project_dir
from tests.python.warehouse_helpers import copy_of, query

pytestmark = pytest.mark.slow


def _dbt(data: DataDir, *args: str, project: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dbt_env(data)
    if project is not None:
        env.update({"DBT_PROJECT_DIR": str(project), "DBT_PROFILES_DIR": str(project)})
    return subprocess.run([dbt_executable(), *args], check=False, cwd=project or project_dir(), env=env,
                          text=True, capture_output=True, timeout=900)


def test_dbt_build_empty_checks_the_whole_project_without_rows(tiny, tmp_path: Path) -> None:
    source, _ = tiny
    data = DataDir.resolve(tmp_path / "data")
    shutil.copytree(source.landing, data.landing)
    load([data.landing], data)
    data.warehouse.parent.mkdir(parents=True)
    result = _dbt(data, "build", "--empty")
    assert result.returncode == 0, result.stdout[-4000:]
    assert query(data, "select count(*) as n from gold.sales_daily")["n"][0] == 0


def test_dbt_show_of_an_incremental_model_shows_rows(tiny_warehouse: DataDir, tmp_path: Path) -> None:
    data = copy_of(tiny_warehouse, tmp_path / "data")
    result = _dbt(data, "show", "--select", "int_events", "--limit", "3", "--output", "json", "--log-format", "json")
    assert result.returncode == 0, result.stdout[-4000:]
    shown = [json.loads(line)["data"] for line in result.stdout.splitlines() if '"preview"' in line]
    rows = json.loads(shown[-1]["preview"])
    assert len(rows) == 3 and all(row["event_key"] is not None for row in rows)


def _project_copy(root: Path) -> Path:
    """The dbt project's files in a folder of their own, to change one model in."""
    project = root / "project"
    project.mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml", "selectors.yml"):
        shutil.copy2(project_dir() / name, project / name)
    for name in ("models", "macros", "seeds", "tests", "python_models", "spark"):
        shutil.copytree(project_dir() / name, project / name, ignore=shutil.ignore_patterns("python", "__pycache__"))
    return project


def test_slim_ci_selects_only_what_changed_whatever_the_data_directory(tmp_path: Path) -> None:
    main, branch = DataDir.resolve(tmp_path / "main"), DataDir.resolve(tmp_path / "branch")
    project = _project_copy(tmp_path)
    assert _dbt(main, "parse", project=project).returncode == 0
    state = main.root / "dbt" / "target"
    unchanged = _dbt(branch, "ls", "--select", "state:modified", "--state", str(state), "--resource-type", "model",
                     "--output", "name", "--quiet", project=project)
    assert unchanged.returncode == 0, unchanged.stdout
    assert unchanged.stdout.split() == []  # another data directory changes nothing

    daily = project / "models" / "marts" / "sales" / "sales_daily.sql"
    daily.write_text(daily.read_text().replace("select * from final", "select * from final where true"))
    changed = _dbt(branch, "ls", "--select", "state:modified+", "--state", str(state), "--resource-type", "model",
                   "--output", "name", "--quiet", project=project)
    assert changed.returncode == 0, changed.stdout
    names = set(changed.stdout.split())
    assert "sales_daily" in names and "int_events" not in names and "fct_purchases" not in names


def test_source_freshness_measures_when_files_were_loaded(tiny_warehouse: DataDir, tmp_path: Path) -> None:
    data = copy_of(tiny_warehouse, tmp_path / "data")
    result = _dbt(data, "source", "freshness")
    assert result.returncode == 0, result.stdout[-4000:]
    freshness = json.loads((data.root / "dbt" / "target" / "sources.json").read_text())["results"][0]
    assert freshness["status"] == "pass"
    loaded = max(datetime.fromisoformat(e.loaded_at) for e in read_manifest(data.manifest).values())
    max_loaded_at = datetime.fromisoformat(freshness["max_loaded_at"]).replace(tzinfo=UTC)
    assert abs((max_loaded_at - loaded).total_seconds()) < 5  # the load's time, not 2019's events

    stale = _dbt(data, "source", "freshness", "--vars", "{bronze_warn_after_days: 0, bronze_error_after_days: 0}")
    assert stale.returncode != 0 and "ERROR STALE" in stale.stdout


def test_ecom_sql_answers_from_the_serving_copy(tiny_warehouse: DataDir) -> None:
    sql = "select count(*) as days, sum(orders) as orders from sales_daily"
    result = subprocess.run([sys.executable, "-m", "ecom.cli", "sql", "--data-dir", str(tiny_warehouse.root), "-c", sql],
                            check=False, text=True, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    row = query(tiny_warehouse, "select count(*) as days, sum(orders) as orders from gold.sales_daily").row(0)
    assert f"│ {row[0]}" in result.stdout and f"{row[1]}" in result.stdout
    missing = subprocess.run([sys.executable, "-m", "ecom.cli", "sql", "--data-dir", "/nonexistent", "-c", sql],
                             check=False, text=True, capture_output=True, timeout=120)
    assert missing.returncode == 2 and "run `ecom build`" in missing.stderr


def test_a_reader_holding_the_serving_copy_never_blocks_a_build(tiny_warehouse: DataDir, tmp_path: Path) -> None:
    data = copy_of(tiny_warehouse, tmp_path / "data")
    reader = duckdb.connect(str(data.serving_current), read_only=True)
    days_before = reader.execute("select count(*) from gold.sales_daily").fetchone()[0]
    generate(GeneratorConfig(events=50_000, malformed_lines=7, months=3, only_months=("2019-12",)), data)
    build = subprocess.run([sys.executable, "-m", "ecom.cli", "run", "--data-dir", str(data.root)], check=False,
                           text=True, capture_output=True, timeout=900)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert reader.execute("select count(*) from gold.sales_daily").fetchone()[0] == days_before  # its version
    reader.close()
    with duckdb.connect(str(data.serving_current), read_only=True) as again:
        assert again.execute("select count(*) from gold.sales_daily").fetchone()[0] > days_before
