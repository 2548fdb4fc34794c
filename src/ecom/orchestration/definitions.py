"""The Dagster definitions of one data directory (``ecom.orchestration`` loads them for
``$ECOM_DATA_DIR``): assets from landing file to dashboard, the job a new file starts, and the
sensor that watches the landing folder."""


import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    DefaultSensorStatus,
    Definitions,
    DynamicPartitionsDefinition,
    MaterializeResult,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    asset,
    define_asset_job,
    sensor,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ecom.ingest.load import LoadResult, load_file
from ecom.ingest.manifest import read_manifest
from ecom.ingest.scan import file_checksum
from ecom.ingest.sources import find_sources
from ecom.lock import writer_lock
from ecom.paths import DataDir
from ecom.warehouse.runner import BUILD_FLAGS, BUILD_LAYERS, dbt_env, dbt_executable, project_dir, run_dbt
from ecom.warehouse.serving import export

# One partition per landing file (its name): a month file, or any file the user drops in.
LANDING_FILES = DynamicPartitionsDefinition(name="landing_files")
# Every asset that writes the warehouse or its files; limit this pool to 1 run at a time.
POOL = "ecom_warehouse"
LANDING = AssetKey(["landing", "csv"])
BRONZE = AssetKey(["bronze", "events"])  # dbt's source('bronze', 'events') maps onto this key
SERVING = AssetKey(["serving", "current"])
DASHBOARD = AssetKey(["dashboard"])
JOB = "load_and_build"


def _manifest(data: DataDir) -> Path:
    """The dbt manifest the assets are defined from: parsed now if missing.

    The parse writes into a folder of its own and the manifest moves into place in one rename:
    processes that load these definitions side by side (a Dagster webserver and its daemon, two
    test workers) each read either no manifest or a whole one, never one another is writing.
    """
    manifest = data.root / "dbt" / "target" / "manifest.json"
    if not manifest.exists():
        manifest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=manifest.parent.parent, prefix="parse-") as scratch:
            run_dbt(["parse", "--quiet", "--target-path", scratch], data)
            os.replace(Path(scratch) / "manifest.json", manifest)
    return manifest


def _land(path: Path, data: DataDir) -> LoadResult:
    """Load one landing file; a changed file (same name, other bytes) replaces its earlier rows."""
    previous = read_manifest(data.manifest).get(path.name)
    changed = previous is not None and (previous.size_bytes != path.stat().st_size
                                        or previous.crc32 != file_checksum(path))
    with writer_lock(data, "dagster: bronze load"):
        return load_file(path, data, force=changed)


def _bronze_asset(data: DataDir) -> Any:
    @asset(key=BRONZE, deps=[LANDING], partitions_def=LANDING_FILES, pool=POOL, group_name="bronze",
           description="The landing file's rows as typed Parquet under bronze/events, bad rows in "
           "bronze/quarantine (`ecom load`).")
    def bronze_events(context: AssetExecutionContext) -> MaterializeResult:
        result = _land(data.landing / context.partition_key, data)
        return MaterializeResult(metadata={
            "status": result.status, "rows_read": result.rows_read, "rows_landed": result.rows_landed,
            "rows_quarantined": result.rows_quarantined, "load_id": result.load_id,
        })

    return bronze_events


class _Translator(DagsterDbtTranslator):
    """dbt nodes keep their names as keys and their folder as group; the bronze source is the
    load asset."""

    def get_asset_key(self, dbt_resource_props: dict[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: dict[str, Any]) -> str | None:
        path = Path(dbt_resource_props.get("original_file_path", ""))
        return "_".join(path.parts[1:-1]) or path.parts[0] if path.parts else None


@contextmanager
def _dbt_environment(data: DataDir) -> Iterator[None]:
    """dbt's settings for this data directory (ecom.warehouse.runner) while a dbt step runs, and
    `ecom build`'s flags (BUILD_FLAGS) as dbt's environment variables: dagster-dbt rewrites the
    selection flags of the command line it is given."""
    saved = dict(os.environ)
    os.environ.update(dbt_env(data))
    os.environ["DBT_EXCLUDE_RESOURCE_TYPES"] = BUILD_FLAGS[1]
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _dbt_layer(data: DataDir, layer: str, later: list[str]) -> Any:
    """One layer of the build (selectors.yml) as dbt assets, built as `ecom build` builds it.

    Dagster selects the layer's nodes by name, and dbt then adds every test that touches one of
    them; ``later`` (the names of the layers built after it) keeps out the tests of nodes that do
    not exist yet, as the selector's exclusion does for `ecom build`.
    """

    @dbt_assets(manifest=_manifest(data), selector=layer, name=f"dbt_{layer}", dagster_dbt_translator=_Translator(),
                pool=POOL)
    def layer_assets(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        exclude = ["--exclude", " ".join(later)] if later else []
        with writer_lock(data, f"dagster: dbt build --selector {layer}"), _dbt_environment(data):
            yield from dbt.cli(["build", *exclude], context=context).stream()

    return layer_assets


def _serving_asset(data: DataDir, gold: list[AssetKey]) -> Any:
    @asset(key=SERVING, deps=gold, pool=POOL, group_name="serving",
           description="serving/current.duckdb: the warehouse copied for the dashboard, notebooks and BI "
           "tools, switched atomically (`ecom export`).")
    def serving_copy() -> MaterializeResult:
        with writer_lock(data, "dagster: serving export"):
            folder = export(data)
        manifest = json.loads((folder / "_manifest.json").read_text())
        return MaterializeResult(metadata={"version": folder.name, "tables": len(manifest["rows"]),
                                           "seconds": manifest["seconds"]})

    return serving_copy


def _landing_signatures(data: DataDir) -> dict[str, str]:
    if not data.landing.exists():
        return {}
    sources, _ = find_sources([data.landing])
    return {p.name: f"{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sources}


def _sensor(data: DataDir) -> Any:
    @sensor(job_name=JOB, minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING,
            description="Starts a load-and-build run for each file in the landing folder that is new or "
            "changed (size or modification time) since the sensor last looked.")
    def landing_sensor(context: SensorEvaluationContext) -> SensorResult:
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        now = _landing_signatures(data)
        changed = sorted(name for name, signature in now.items() if seen.get(name) != signature)
        if not changed:
            return SensorResult(skip_reason="no new or changed file in the landing folder")
        known = set(context.instance.get_dynamic_partitions(LANDING_FILES.name))
        added = [name for name in changed if name not in known]
        return SensorResult(
            run_requests=[RunRequest(run_key=f"{name}@{now[name]}", partition_key=name) for name in changed],
            dynamic_partitions_requests=[LANDING_FILES.build_add_request(added)] if added else [],
            cursor=json.dumps(now),
        )

    return landing_sensor


def build_definitions(data: DataDir) -> Definitions:
    landing = AssetSpec(LANDING, partitions_def=LANDING_FILES, group_name="landing",
                        description=f"The CSV files in {data.landing}, one partition each (external: dropped "
                        "there by a person or a transfer).")
    bronze = _bronze_asset(data)
    later: list[list[str]] = [[] for _ in BUILD_LAYERS]
    layers = [_dbt_layer(data, layer, later[i]) for i, layer in enumerate(BUILD_LAYERS)]
    for i in range(len(layers)):
        later[i].extend(key.path[-1] for assets in layers[i + 1:] for key in assets.keys)
    serving = _serving_asset(data, [key for assets in layers for key in assets.keys])
    dashboard = AssetSpec(DASHBOARD, deps=[SERVING], group_name="serving",
                          description="The Streamlit dashboard (`ecom dashboard`), reading serving/current.duckdb.")
    job = define_asset_job(JOB, selection=AssetSelection.assets(bronze, *layers, serving))
    dbt = DbtCliResource(project_dir=str(project_dir()), profiles_dir=str(project_dir()),
                         dbt_executable=dbt_executable())
    return Definitions(assets=[landing, bronze, *layers, serving, dashboard], jobs=[job],
                       sensors=[_sensor(data)], resources={"dbt": dbt})
