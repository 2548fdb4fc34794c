"""The pipeline as Dagster assets, in-process: the lineage from landing file to dashboard, every
asset materialised on the tiny preset, then a December file dropped into landing starts a run
through the sensor, which loads it and builds incrementally."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

dagster = pytest.importorskip("dagster", reason="the orchestration extra is not installed (pip install -e '.[orchestration]')")

from dagster import AssetKey, DagsterInstance, build_sensor_context

from ecom.orchestration import definitions
from ecom.orchestration.definitions import BRONZE, DASHBOARD, JOB, LANDING, LANDING_FILES, SERVING, build_definitions
from ecom.paths import DataDir
from ecom.synth.generate import GeneratorConfig, generate
from ecom.warehouse.serving import current
from tests.python.warehouse_helpers import query

pytestmark = pytest.mark.slow


def _upstream(graph, key: AssetKey) -> set[AssetKey]:  # type: ignore[no-untyped-def]
    seen, todo = set(), [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_the_lineage_runs_from_each_landing_file_to_the_dashboard(tmp_path: Path) -> None:
    defs = build_definitions(DataDir.resolve(tmp_path / "data"))
    graph = defs.resolve_asset_graph()
    behind_dashboard = _upstream(graph, DASHBOARD)
    assert {SERVING, AssetKey(["customer_rfm"]), AssetKey(["int_events"]), AssetKey(["stg_events"]), BRONZE,
            LANDING} <= behind_dashboard
    assert graph.get(BRONZE).partitions_def == LANDING_FILES
    assert BRONZE in graph.get(AssetKey(["stg_events"])).parent_keys  # dbt's source is the load asset


def test_a_reader_never_sees_the_manifest_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Processes that load the definitions side by side (a Dagster webserver and its daemon, two
    # test workers) each parse when no manifest exists yet. dbt writes manifest.json in place, so
    # two parses into the shared target folder once left it corrupt. A stand-in for `dbt parse`
    # writes the manifest in two halves with a pause between, into the target path it is given
    # as dbt would, while a reader polls the path the definitions read.
    data = DataDir.resolve(tmp_path / "data")
    final = data.root / "dbt" / "target" / "manifest.json"
    whole = json.dumps({"nodes": {}, "padding": "x" * 1000})

    def slow_parse(args: list[str], data_dir: DataDir, **_: object) -> None:
        shared = data_dir.root / "dbt" / "target"
        target = Path(args[args.index("--target-path") + 1]) if "--target-path" in args else shared
        target.mkdir(parents=True, exist_ok=True)
        with open(target / "manifest.json", "w") as out:
            out.write(whole[:500])
            out.flush()
            time.sleep(0.5)
            out.write(whole[500:])

    monkeypatch.setattr(definitions, "run_dbt", slow_parse)
    seen: list[str] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            if final.exists():
                seen.append(final.read_text())
            time.sleep(0.01)

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        assert definitions._manifest(data) == final
    finally:
        done.set()
        reader.join()
    assert all(text == whole for text in seen), "a reader saw a manifest being written"
    assert final.read_text() == whole
    assert not list((data.root / "dbt").glob("parse-*")), "the parse's scratch folder was left behind"


def test_a_file_dropped_into_landing_is_loaded_and_built_through_the_sensor(tiny, tmp_path: Path) -> None:
    source, _ = tiny
    data = DataDir.resolve(tmp_path / "data")
    shutil.copytree(source.landing, data.landing)
    defs = build_definitions(data)
    job = defs.resolve_job_def(JOB)
    instance = DagsterInstance.ephemeral()

    # First contact: the sensor sees October and November and asks for one run each.
    sensor = defs.resolve_sensor_def("landing_sensor")
    first = sensor(build_sensor_context(instance=instance, definitions=defs))
    assert sorted(r.partition_key for r in first.run_requests) == ["2019-Nov.csv", "2019-Oct.csv"]
    for request in first.dynamic_partitions_requests:
        instance.add_dynamic_partitions(LANDING_FILES.name, list(request.partition_keys))
    for request in sorted(first.run_requests, key=lambda r: r.partition_key, reverse=True):  # Oct, then Nov
        assert job.execute_in_process(partition_key=request.partition_key, instance=instance).success
    first_version = current(data)
    assert first_version is not None
    assert query(data, "select count(*) as n from silver.int_events")["n"][0] > 40_000

    # Nothing new: no run. Then December lands.
    quiet = sensor(build_sensor_context(instance=instance, cursor=first.cursor, definitions=defs))
    assert not quiet.run_requests and quiet.skip_reason
    generate(GeneratorConfig(events=50_000, malformed_lines=7, months=3, only_months=("2019-12",)), data)
    tick = sensor(build_sensor_context(instance=instance, cursor=first.cursor, definitions=defs))
    assert [r.partition_key for r in tick.run_requests] == ["2019-Dec.csv"]
    instance.add_dynamic_partitions(LANDING_FILES.name, ["2019-Dec.csv"])
    assert job.execute_in_process(partition_key="2019-Dec.csv", instance=instance).success

    # Loaded, built incrementally (silver rewrote December's dates and the day before, as
    # context), and exported.
    assert query(data, "select max(event_date) as d from silver.int_events")["d"][0].month == 12
    rebuilt = query(data, """
        select min(partition_key) as first from meta.incremental_lineage
        where model_name = 'int_events' and partition_key is not null and invocation_id = (
            select invocation_id from meta.incremental_lineage where model_name = 'int_events'
            order by recorded_at desc limit 1)""")["first"][0]
    assert rebuilt >= "2019-11-30"
    assert current(data) != first_version
