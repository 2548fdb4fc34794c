"""Where every layer lives under one data directory (default ``data/``, or ``$ECOM_DATA_DIR``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "ECOM_DATA_DIR"
DEFAULT_DATA_DIR = "data"


@dataclass(frozen=True)
class DataDir:
    """The layout of one pipeline's files; several can live side by side."""

    root: Path

    @classmethod
    def resolve(cls, data_dir: str | Path | None = None) -> DataDir:
        """The directory given, else ``$ECOM_DATA_DIR``, else ``./data``; made absolute."""
        chosen = data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
        return cls(Path(chosen).expanduser().resolve())

    @property
    def landing(self) -> Path:
        """Raw CSV files, untouched (generated or the real Kaggle files)."""
        return self.root / "landing"

    @property
    def bronze(self) -> Path:
        return self.root / "bronze"

    @property
    def bronze_events(self) -> Path:
        """Typed Parquet, hive-partitioned by ``event_date``."""
        return self.bronze / "events"

    @property
    def quarantine(self) -> Path:
        """Rows that failed parsing or validation, one Parquet file per source file."""
        return self.bronze / "quarantine"

    @property
    def manifest(self) -> Path:
        """The loader's record of every landed file."""
        return self.bronze / "_manifest.json"

    @property
    def staging_area(self) -> Path:
        """Temporary output; moved into place only when complete."""
        return self.root / "_tmp"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "ecom.duckdb"

    @property
    def serving(self) -> Path:
        return self.root / "serving"

    @property
    def serving_current(self) -> Path:
        """A stable read-only copy of the silver and gold tables for notebooks and BI tools."""
        return self.serving / "current.duckdb"

    @property
    def truth(self) -> Path:
        """The generator's hidden per-user propensity: read only by evaluation code and tests."""
        return self.root / "truth"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def env(self) -> dict[str, str]:
        """Environment variables that point dbt and the tools at this directory."""
        return {DATA_DIR_ENV: str(self.root)}
