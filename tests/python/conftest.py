"""Shared fixtures: generated datasets, the real sample rows from ../shared, fresh data dirs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ecom.paths import DataDir
from ecom.synth.generate import GenerationSummary, GeneratorConfig, generate

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DIR = REPO.parent / "shared" / "data" / "rees46-sample"
SAMPLE_FILES = {"2019-Oct-head2000.csv": 2000, "2019-Nov-head683.csv": 683}


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    return DataDir.resolve(tmp_path / "data")


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not all((SAMPLE_DIR / name).exists() for name in SAMPLE_FILES):
        pytest.skip(f"real REES46 sample rows not found at {SAMPLE_DIR} (they live in ../shared, not in the repo)")
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataDir, GenerationSummary]:
    """The tiny preset with 7 malformed lines per file, generated once per test session."""
    d = DataDir.resolve(tmp_path_factory.mktemp("tiny"))
    return d, generate(GeneratorConfig(events=50_000, malformed_lines=7), d)


@pytest.fixture(scope="session")
def default_dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataDir, GenerationSummary]:
    """The default preset (about 2M events), generated once per test session."""
    d = DataDir.resolve(tmp_path_factory.mktemp("default"))
    return d, generate(GeneratorConfig(), d)


@pytest.fixture(scope="session")
def tiny_warehouse(tmp_path_factory: pytest.TempPathFactory, tiny: tuple[DataDir, GenerationSummary]) -> DataDir:
    """The tiny dataset loaded, built with dbt and exported for serving once per session (read it, don't write)."""
    from ecom.ingest.load import load
    from ecom.warehouse.runner import run_dbt
    from ecom.warehouse.serving import export

    source, _ = tiny
    data = DataDir.resolve(tmp_path_factory.mktemp("tiny-warehouse"))
    shutil.copytree(source.landing, data.landing)
    load([data.landing], data)
    run_dbt(["build", "--quiet"], data)
    export(data)
    return data
