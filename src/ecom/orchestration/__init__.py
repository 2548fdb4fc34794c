"""The pipeline as Dagster software-defined assets: `dagster dev -m ecom.orchestration`.

Lineage from CSV to dashboard: each landing file (an external asset) -> its bronze load (the
``bronze/events`` asset, one partition per landing file) -> every dbt model, seed and test
(``@dbt_assets`` from the project's manifest; dbt's ``bronze.events`` source is the load asset)
-> the serving copy -> the dashboard (an external asset). A sensor starts a run when a file in
``<data>/landing`` is new or changed. One run at a time writes the warehouse: every writing asset
is in the ``ecom_warehouse`` pool (limit it to 1 in the instance's dagster.yaml, as
``make orchestrate`` does), and the writer lock (``ecom.lock``) makes a second writer wait.

The data directory is ``$ECOM_DATA_DIR`` (default ``data/``), read when the module is loaded.
"""

from __future__ import annotations

from ecom.orchestration.definitions import build_definitions
from ecom.paths import DataDir

defs = build_definitions(DataDir.resolve())
