"""Runs the benchmark: every step in its own child process, one after another, into one report.

Generate a dataset; time the loader against a bare Polars ``scan_csv -> sink_parquet`` of the
same file (and DuckDB and pandas on it); land everything; build the warehouse from scratch in its
two layers; time the market-basket models and training + scoring alone, the serving export and
every dashboard query; then land a December and build it incrementally, against a full refresh of
all three months. The report goes to ``<data>/reports/bench-<label>.json`` and ``.md``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from ecom.bench.measure import Measurement, measure, memory_by_model, model_times, short_name, while_running
from ecom.bench.report import render, targets
from ecom.bench.worker import BASKET_MODELS
from ecom.paths import DataDir
from ecom.progress import say
from ecom.synth.generate import preset
from ecom.warehouse.runner import BUILD_LAYERS

ROUNDS = 2


def _machine() -> dict[str, object]:
    import duckdb
    import polars

    mem = 0
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "polars": polars.__version__,
        "duckdb": duckdb.__version__,
    }


def run_benchmarks(data: DataDir, preset_name: str = "default", events: int | None = None,
                   engines: tuple[str, ...] = ("duckdb",)) -> Path:
    """Generate, then time loader and baseline side by side, the build, and (with "spark" in
    ``engines``) the same build on Spark; write the report."""
    target = events or preset(preset_name).events
    label = preset_name if events is None else f"{events}-events"
    work = data.root / "bench" / label
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    gen, _ = measure("generate", ["generate", str(work), str(target)])
    say(f"generate: {gen.rows:,} rows in {gen.seconds:.1f} s ({gen.rows_per_second:,.0f} rows/s), peak RSS {gen.peak_rss_mb:,.0f} MB")
    source = max((work / "landing").glob("*.csv"), key=lambda p: p.stat().st_size)
    source_bytes = source.stat().st_size  # the build deletes the month files before its full refresh
    runs: dict[str, list[Measurement]] = {"load": [], "bare_sink": []}
    readers: set[str] = set()
    for _ in range(ROUNDS):
        for step in ("bare_sink", "load"):
            out_dir = work / f"out-{step}"
            shutil.rmtree(out_dir, ignore_errors=True)
            m, reported = measure(step, [step, str(source), str(out_dir)])
            if step == "load":
                readers.add(str(reported.get("reader", "")))
            runs[step].append(m)
            say(f"{step}: {m.rows:,} rows in {m.seconds:.2f} s ({m.rows_per_second:,.0f} rows/s), peak RSS {m.peak_rss_mb:,.0f} MB")
            shutil.rmtree(out_dir, ignore_errors=True)
    best = {k: min(v, key=lambda m: m.seconds) for k, v in runs.items()}
    readers_compared = _bench_engines(work, source, best["load"].rows)
    # Before the build, which deletes the month files before its full refresh (disk). Each
    # child's peak RSS is its own (VmHWM), whatever this process holds.
    realism = _realism(work, target)
    spark = _bench_spark(work, target) if "spark" in engines else None
    warehouse = _bench_build(work, target)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "preset": label,
        "machine": _machine(),
        "generate": asdict(gen) | {"rows_per_second": gen.rows_per_second},
        "source": {"file": source.name, "bytes": source_bytes},
        "runs": {k: [asdict(m) | {"rows_per_second": m.rows_per_second} for m in v] for k, v in runs.items()},
        "load_vs_bare_time_ratio": best["load"].seconds / best["bare_sink"].seconds,
        "load_peak_rss_mb": max(m.peak_rss_mb for m in runs["load"]),
        "load_reader": ", ".join(sorted(readers)),
        "engines": readers_compared,
        "realism": realism,
        "build": warehouse,
        **({"spark": spark} if spark else {}),
    }
    data.reports.mkdir(parents=True, exist_ok=True)
    path = data.reports / f"bench-{label}.json"
    report["targets"] = targets(report)
    path.write_text(json.dumps(report, indent=2))
    path.with_suffix(".md").write_text(render(report))
    shutil.rmtree(work, ignore_errors=True)
    return path.with_suffix(".md")


def _realism(work: Path, events: int) -> list[dict[str, object]]:
    """Generated month files against the published figures (counts scaled to the target size)."""
    from ecom.synth.generate import FULL_EVENTS
    from ecom.synth.realism import compare
    from ecom.synth.realism import measure as measure_file

    rows = []
    for path in sorted((work / "landing").glob("2019-*.csv")):
        for c in compare(path.name[:8], measure_file(path), events / FULL_EVENTS):
            rows.append({"month": c.month, "figure": c.figure, "measured": c.measured, "target": c.target, "ratio": c.ratio})
    return rows


PANDAS_SLICE_ROWS = 2_000_000


def _bench_engines(work: Path, source: Path, rows: int) -> dict[str, object]:
    """The same file through DuckDB's read_csv -> COPY, and pandas.read_csv on a slice."""
    out_dir = work / "out-duckdb"
    shutil.rmtree(out_dir, ignore_errors=True)
    duck, _ = measure("duckdb_copy", ["duckdb_copy", str(source), str(out_dir)])
    shutil.rmtree(out_dir, ignore_errors=True)
    say(f"duckdb COPY: {duck.rows:,} rows in {duck.seconds:.2f} s, peak RSS {duck.peak_rss_mb:,.0f} MB")
    sliced = min(rows, PANDAS_SLICE_ROWS)
    pandas_run, reported = measure("pandas_slice", ["pandas_slice", str(source), str(sliced)])
    # The child reports its RSS with pandas imported, before reading: the rest grows with the rows.
    base_mb = float(reported["base_rss_mb"])  # type: ignore[arg-type]
    per_row = max(pandas_run.peak_rss_mb - base_mb, 0) / max(sliced, 1)
    extrapolated_gb = per_row * rows / 1024
    say(f"pandas read_csv ({sliced:,} rows): {pandas_run.seconds:.2f} s, peak RSS {pandas_run.peak_rss_mb:,.0f} MB; "
        f"the whole file would need about {extrapolated_gb:.1f} GB")
    return {
        "duckdb_copy": asdict(duck) | {"rows_per_second": duck.rows_per_second},
        "pandas_slice": asdict(pandas_run) | {"rows_per_second": pandas_run.rows_per_second},
        "pandas_extrapolated_gb_for_file": extrapolated_gb,
        "pandas_extrapolated_gb_for_110m_rows": per_row * 109_950_743 / 1024,
    }


SPARK_CORES = (1, 2)


def _bench_spark(work: Path, events: int) -> dict[str, object]:
    """The build on Spark from scratch with 1 and 2 local cores (how it scales with cores), then a
    December built incrementally on 2 cores; each in its own process, its JVM's memory included."""
    data = DataDir.resolve(work / "spark-pipeline")
    shutil.rmtree(data.root, ignore_errors=True)
    shutil.copytree(work / "landing", data.landing, copy_function=os.link)
    load, _ = measure("load_all", ["load_all", str(data.root)])
    builds: dict[str, dict[str, float]] = {}
    for cores in SPARK_CORES:
        shutil.rmtree(data.root / "spark", ignore_errors=True)
        shutil.rmtree(data.root / "dbt", ignore_errors=True)
        m, _ = measure(f"spark_build_{cores}", ["spark_build", str(data.root), str(cores), "full"])
        builds[str(cores)] = {"seconds": m.seconds, "peak_rss_mb": m.peak_rss_mb}
        say(f"Spark build from scratch, {cores} local core(s): {m.seconds:.1f} s, peak RSS {m.peak_rss_mb:,.0f} MB")
    month, _ = measure("generate_month", ["generate_month", str(data.root), str(events), "2019-12"])
    measure("load_all", ["load_all", str(data.root)])
    dec, _ = measure("spark_december", ["spark_build", str(data.root), str(SPARK_CORES[-1]), "incremental"])
    say(f"Spark December ({month.rows:,} events), incremental on {SPARK_CORES[-1]} cores: {dec.seconds:.1f} s, "
        f"peak RSS {dec.peak_rss_mb:,.0f} MB")
    shutil.rmtree(data.root, ignore_errors=True)
    one, two = builds["1"]["seconds"], builds["2"]["seconds"]
    return {"events": load.rows, "builds": builds, "parallel_efficiency": one / (2 * two),
            "december": {"rows": month.rows, "seconds": dec.seconds, "peak_rss_mb": dec.peak_rss_mb}}


def _disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def _bench_build(work: Path, events: int) -> dict[str, object]:
    """Land every generated file, then time a from-scratch `dbt build` in its own process."""
    data = DataDir.resolve(work / "pipeline")
    shutil.rmtree(data.root, ignore_errors=True)
    shutil.copytree(work / "landing", data.landing, copy_function=os.link)  # hard links: no second 15 GB copy
    shutil.copytree(work / "truth", data.truth)
    load, _ = measure("load_all", ["load_all", str(data.root)])
    say(f"load (all files): {load.rows:,} rows in {load.seconds:.1f} s")
    result = bench_warehouse(data, events, load, also_free=[work / "landing"])
    shutil.rmtree(data.root, ignore_errors=True)
    return result


def _delete_month_files(folders: list[Path]) -> float:
    """Delete the month CSVs in these folders; the MB this frees (hard links count once)."""
    freed = 0.0
    for folder in folders:
        for path in folder.glob("*.csv*"):
            stat = path.stat()
            freed += stat.st_size / 2**20 if stat.st_nlink == 1 else 0.0
            path.unlink()
    return freed


def _bench_layers(data: DataDir) -> dict[str, object]:
    """The from-scratch build in its two layers (selectors.yml): time, memory and per-model times."""
    layers: dict[str, Measurement] = {}
    model_seconds: dict[str, float] = {}
    model_beside_seconds: dict[str, float] = {}
    spans: dict[str, tuple[float, float]] = {}
    samples: list[tuple[float, float]] = []
    for layer in BUILD_LAYERS:
        layers[layer], reported = measure(f"build_{layer}", [f"build_{layer}", str(data.root)])
        seconds, beside, layer_spans = model_times(data)
        layer_memory = memory_by_model(layer_spans, reported)
        say(f"dbt build --selector {layer}: {layers[layer].seconds:.1f} s, "
            f"peak RSS {layers[layer].peak_rss_mb:,.0f} MB{while_running(layer_memory)}")
        model_seconds |= seconds
        model_beside_seconds |= beside
        spans |= layer_spans
        samples += reported.get("rss_samples", [])  # type: ignore[arg-type]
    seconds = sum(m.seconds for m in layers.values())
    peak = max(m.peak_rss_mb for m in layers.values())
    build_memory = memory_by_model(spans, {"rss_samples": samples})
    say(f"dbt build, both layers: {seconds:.1f} s, peak RSS {peak:,.0f} MB{while_running(build_memory)}")
    return {
        "seconds": seconds,
        "peak_rss_mb": peak,
        "warehouse_seconds": layers["warehouse"].seconds,
        "warehouse_peak_rss_mb": layers["warehouse"].peak_rss_mb,
        "after_warehouse_seconds": layers["after_warehouse"].seconds,
        "after_warehouse_peak_rss_mb": layers["after_warehouse"].peak_rss_mb,
        "model_seconds": dict(sorted(model_seconds.items(), key=lambda item: -item[1])),
        "model_beside_seconds": model_beside_seconds,
        **build_memory,
    }


def _bench_pages(data: DataDir) -> dict[str, object]:
    pages = measure("pages", ["pages", str(data.root)])[1]
    if pages["pages"]:
        worst = max(pages["pages"], key=lambda p: p["p95_ms"])  # type: ignore[union-attr]
        say(f"dashboard pages in Chromium: slowest p95 {worst['p95_ms']:,.0f} ms from click to render ({worst['page']})")
    return pages


def bench_warehouse(
    data: DataDir, events: int, load: Measurement, also_free: list[Path] | None = None
) -> dict[str, object]:
    """From landed bronze: a from-scratch build, basket and ML alone, serving and queries, then December.

    Every step, counting included, runs in a child: see ``ecom.bench.measure`` for why this
    process must stay small. Before the full refresh it deletes the month CSVs in
    ``data.landing`` and ``also_free``: call it on a benchmark's own copy of the data.
    """
    from ecom.warehouse.runner import DEFAULT_MEMORY_LIMIT, MEMORY_ENV, THREADS_ENV

    shutil.rmtree(data.warehouse.parent, ignore_errors=True)
    shutil.rmtree(data.serving, ignore_errors=True)
    layers = _bench_layers(data)
    model_seconds: dict[str, float] = layers["model_seconds"]  # type: ignore[assignment]
    build = Measurement("build", layers["seconds"], layers["peak_rss_mb"], 0)  # type: ignore[arg-type]
    basket, _ = measure("basket", ["basket", str(data.root)])
    _, reported = measure("pairs", ["pairs", str(data.root)])
    pairs: dict[str, int] = reported["pairs"]  # type: ignore[assignment]
    say(f"market basket alone: {sum(pairs.values()):,} distinct pairs in {basket.seconds:.1f} s, "
        f"peak RSS {basket.peak_rss_mb:,.0f} MB")
    ml, _ = measure("ml", ["ml", str(data.root)])
    say(f"propensity training + scoring (dbt, own process): {ml.seconds:.1f} s, peak RSS {ml.peak_rss_mb:,.0f} MB")
    serve, reported = measure("serve", ["serve", str(data.root)])
    queries: list[dict] = reported["queries"]  # type: ignore[assignment,type-arg]
    query_repeats = reported["query_repeats"]
    slowest = max(queries, key=lambda q: q["p95_ms"])
    say(f"dashboard queries: {len(queries)}, slowest p95 {slowest['p95_ms']:.1f} ms ({slowest['page']}/{slowest['query']})")
    pages = _bench_pages(data)
    oracle = measure("oracle", ["oracle", str(data.root)])[1]["oracle"]
    disk = {layer: _disk_mb(path) for layer, path in (("landing_csv", data.landing), ("bronze", data.bronze),
                                                      ("warehouse", data.warehouse.parent), ("serving", data.serving))}
    # Incremental arrival: December lands; only its file is loaded and dbt builds incrementally.
    month, _ = measure("generate_month", ["generate_month", str(data.root), str(events), "2019-12"])
    load_new, _ = measure("load_all", ["load_all", str(data.root)])
    inc = _bench_arrival(data, month, load_new, build, load, also_free or [])
    return {
        **layers,
        "disk_mb": disk,
        "incremental": inc,
        "ml_seconds": ml.seconds,
        "ml_peak_rss_mb": ml.peak_rss_mb,
        "export_seconds": serve.seconds,
        "queries": queries,
        "query_repeats": query_repeats,
        "pages": pages["pages"],
        "page_rounds": pages.get("page_rounds", 0),
        "propensity": oracle,
        "bronze_rows": load.rows,
        "load_seconds": load.seconds,
        "threads": os.environ.get(THREADS_ENV, "2"),
        "memory_limit": os.environ.get(MEMORY_ENV, DEFAULT_MEMORY_LIMIT),
        "purchase_pairs_evaluated": pairs["int_purchase_baskets"],
        "view_pairs_evaluated": pairs["int_view_baskets"],
        # The basket models within the build share the machine with whatever runs beside them;
        # the standalone run is the one the target is about.
        "basket_seconds_in_build": sum(model_seconds.get(m, 0.0) for m in BASKET_MODELS),
        "basket_seconds": basket.seconds,
        "basket_peak_rss_mb": basket.peak_rss_mb,
    }


def _bench_arrival(
    data: DataDir, month: Measurement, load_new: Measurement, build: Measurement, load: Measurement,
    also_free: list[Path],
) -> dict[str, object]:
    """The incremental build of a landed month, then a full refresh of everything to compare.

    A failed build is reported, not allowed to discard the hours measured before it: a December
    build at 108M events once ran out of DuckDB's memory, and that run's report was lost.
    """
    inc: dict[str, object] = {
        "month": "2019-12", "rows": month.rows, "load_seconds": load_new.seconds,
        # load_new.rows counts the skipped earlier files too: the month's own rows here.
        "total_rows": load.rows + month.rows,
    }
    try:
        incremental, reported = measure("build", ["build", str(data.root)])
    except RuntimeError as exc:
        inc["build_error"] = f"{exc}{_failed_nodes(data)}"
        say(f"December: incremental build failed: {inc['build_error']}")
        return inc
    incremental_model_seconds, incremental_beside_seconds, spans = model_times(data)
    incremental_memory = memory_by_model(spans, reported)
    say(f"December: {month.rows:,} events; load {load_new.seconds:.1f} s; incremental dbt build "
        f"{incremental.seconds:.1f} s ({incremental.seconds / build.seconds:.2f}x the build of the earlier months), "
        f"peak RSS {incremental.peak_rss_mb:,.0f} MB{while_running(incremental_memory)}")
    inc |= {
        "build_seconds": incremental.seconds, "peak_rss_mb": incremental.peak_rss_mb,
        "ratio_to_full_build": incremental.seconds / build.seconds,
        "model_seconds": incremental_model_seconds,
        "model_beside_seconds": incremental_beside_seconds,
        **incremental_memory,
    }
    # What the incremental build saves: the same warehouse, all months, rebuilt from nothing.
    # Its spill and the table it replaces need the disk the month files hold (a full-preset
    # run once filled a 68 GB disk here): they are landed and measured, so they go first.
    freed_mb = _delete_month_files([data.landing, *also_free])
    try:
        full_refresh, reported = measure("full_refresh", ["full_refresh", str(data.root)])
    except RuntimeError as exc:
        free_gb = shutil.disk_usage(data.root).free / 2**30
        inc["full_refresh_error"] = (f"{exc}{_failed_nodes(data)} ({free_gb:.0f} GB free on disk afterwards, "
                                     f"{freed_mb / 1024:.0f} GB of month files deleted before it)")
        say(f"full refresh: {inc['full_refresh_error']}")
        return inc
    refresh_seconds, refresh_beside, spans = model_times(data)
    refresh_memory = memory_by_model(spans, reported)
    say(f"full refresh of the same data: {full_refresh.seconds:.1f} s; the incremental build is "
        f"{incremental.seconds / full_refresh.seconds:.2f}x of it; peak RSS {full_refresh.peak_rss_mb:,.0f} MB"
        f"{while_running(refresh_memory)}")
    return inc | {
        "full_refresh_seconds": full_refresh.seconds,
        "full_refresh_peak_rss_mb": full_refresh.peak_rss_mb,
        "ratio_to_full_refresh": incremental.seconds / full_refresh.seconds,
        "full_refresh_model_seconds": refresh_seconds,
        "full_refresh_model_beside_seconds": refresh_beside,
        "full_refresh_model_peak_rss_mb": refresh_memory.get("model_peak_rss_mb", {}),
        "full_refresh_peak_sample": refresh_memory.get("peak_sample", {}),
    }


def _failed_nodes(data: DataDir) -> str:
    """' (failed: a, b)' from the last dbt invocation's results, or '' where none say so."""
    try:
        results = json.loads((data.root / "dbt" / "target" / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        return ""
    failed = [short_name(r["unique_id"]) for r in results if r.get("status") in ("error", "fail")]
    return f" (failed: {', '.join(failed)})" if failed else ""
