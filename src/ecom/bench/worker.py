"""Child-process entry points of the benchmark: ``python -m ecom.bench.worker STEP ARGS``.

Each step does one thing and prints one JSON line: rows, seconds and its own peak RSS, plus what
the step measured. ``ecom.bench.measure.measure`` runs it and reads that line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from ecom.bench.measure import own_peak_rss_mb, sample_rss
from ecom.contract import COLUMNS
from ecom.paths import DataDir
from ecom.warehouse.runner import BUILD_FLAGS, BUILD_LAYERS

# Steps that run dbt: the incremental build (one `dbt build` on a built warehouse), the
# from-scratch build in its two layers, a full refresh to compare the incremental build with, and
# two parts of the build on their own.
DBT_STEPS: dict[str, list[str] | list[list[str]]] = {
    # As `ecom build` builds: the two layers one after the other.
    "build": [["build", "--selector", layer, *BUILD_FLAGS] for layer in BUILD_LAYERS],
    # The from-scratch build's two layers, timed apart: silver and gold, then the serving shapes
    # and the propensity layer on top of them (features, model, scores, evaluation, targets).
    **{f"build_{layer}": ["build", "--selector", layer, *BUILD_FLAGS] for layer in BUILD_LAYERS},
    # The same warehouse rebuilt from nothing: what an incremental build is compared with.
    "full_refresh": [["build", "--full-refresh", "--selector", layer, *BUILD_FLAGS] for layer in BUILD_LAYERS],
    # Training + scoring alone, on the built features.
    # Refit even though the build just trained on the same inputs: this step times training.
    "ml": ["run", "--select", "propensity_model", "propensity_scores", "--vars", "{propensity_retrain: true}"],
    # The market-basket models alone: baskets, then purchase, category and also-viewed pairs.
    "basket": ["run", "--select", "int_purchase_baskets", "int_view_baskets", "product_pairs", "category_pairs",
               "also_viewed_pairs"],
}
BASKET_MODELS = DBT_STEPS["basket"][2:]
# Distinct pairs in a basket table: every pair the pair models count, before the support filter.
PAIRS_SQL = (
    "select count(*) from (select a.product_id, b.product_id from silver.{table} as a "
    "join silver.{table} as b on a.basket_id = b.basket_id and a.product_id < b.product_id group by all)"
)

Step = tuple[int, dict[str, object]]  # rows, and what else the step reports


def _generate(argv: list[str]) -> Step:
    from ecom.synth.generate import GeneratorConfig, generate

    return generate(GeneratorConfig(events=int(argv[1])), DataDir.resolve(argv[0])).rows, {}


def _generate_month(argv: list[str]) -> Step:
    from ecom.synth.generate import GeneratorConfig, generate

    config = GeneratorConfig(events=int(argv[1]), months=3, only_months=(argv[2],))
    return generate(config, DataDir.resolve(argv[0])).rows, {}


def _load(argv: list[str]) -> Step:
    from ecom.ingest.load import load_file

    result = load_file(Path(argv[0]), DataDir.resolve(argv[1]))
    return result.rows_read, {"reader": result.reader}


def _load_all(argv: list[str]) -> Step:
    from ecom.ingest.load import load

    data = DataDir.resolve(argv[0])
    return sum(r.rows_read for r in load([data.landing], data).results), {}


def _bare_sink(argv: list[str]) -> Step:
    """The baseline: the fastest honest way to type this CSV with Polars, no validation."""
    import polars as pl

    numbers = {"product_id": pl.Int32, "category_id": pl.Int64, "price": pl.Float64, "user_id": pl.Int32}
    out = Path(argv[1]) / "events.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    pl.scan_csv(argv[0], schema={c: numbers.get(c, pl.String) for c in COLUMNS}).sink_parquet(out, compression="zstd")
    return pl.scan_parquet(out).select(pl.len()).collect().item(), {}


def _duckdb_copy(argv: list[str]) -> Step:
    import duckdb

    out = Path(argv[1]) / "events.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute("set preserve_insertion_order = false")
        con.execute(f"copy (select * from read_csv('{argv[0]}')) to '{out}' (format parquet, compression zstd)")
        return con.execute(f"select count(*) from read_parquet('{out}')").fetchall()[0][0], {}


def _pandas_slice(argv: list[str]) -> Step:
    import pandas as pd

    base_rss_mb = own_peak_rss_mb()
    return len(pd.read_csv(argv[0], nrows=int(argv[1]))), {"base_rss_mb": base_rss_mb}


def _dbt_step(step: str, argv: list[str]) -> Step:
    """dbt in a child of this small process: its peak RSS is dbt's and DuckDB's."""
    from ecom.warehouse.child import guarded
    from ecom.warehouse.runner import dbt_env, dbt_executable, project_dir

    data = DataDir.resolve(argv[0])
    data.warehouse.parent.mkdir(parents=True, exist_ok=True)
    commands = DBT_STEPS[step]
    samples: list[tuple[float, float]] = []
    results: list[dict[str, object]] = []
    for command in commands if isinstance(commands[0], list) else [commands]:
        # The results of this invocation only: dbt leaves the last ones where it fails early.
        results_path = data.root / "dbt" / "target" / "run_results.json"
        results_path.unlink(missing_ok=True)
        dbt = subprocess.Popen(guarded([dbt_executable(), *command, "--quiet"]), cwd=project_dir(), env=dbt_env(data))
        samples += sample_rss(dbt)
        if results_path.exists():
            results += json.loads(results_path.read_text())["results"]
        if dbt.returncode != 0:
            results_path.write_text(json.dumps({"results": results}))
            raise SystemExit(dbt.returncode)
    # Every node of every invocation of the step, for the per-model times read afterwards.
    (data.root / "dbt" / "target" / "run_results.json").write_text(json.dumps({"results": results}))
    return 0, {"rss_samples": samples}


def _pairs(argv: list[str]) -> Step:
    import duckdb

    with duckdb.connect(str(DataDir.resolve(argv[0]).warehouse), read_only=True) as con:
        counts = {table: con.execute(PAIRS_SQL.format(table=table)).fetchall()[0][0]
                  for table in ("int_purchase_baskets", "int_view_baskets")}
    return sum(counts.values()), {"pairs": counts}


def _oracle(argv: list[str]) -> Step:
    from ecom.ml.oracle import compare

    return 0, {"oracle": compare(DataDir.resolve(argv[0])).as_dict()}


def _serve(argv: list[str]) -> Step:
    from ecom.dashboard.queries import TIMED_RUNS, Serving, time_queries
    from ecom.warehouse.serving import export

    began = time.perf_counter()
    folder = export(DataDir.resolve(argv[0]))
    seconds = time.perf_counter() - began
    return 0, {"seconds": seconds, "queries": time_queries(Serving.open(folder)), "query_repeats": TIMED_RUNS}


# Clicks per page when timing page switches in the browser: with 20 the p95 is the second slowest.
PAGE_ROUNDS = 20


def _pages(argv: list[str]) -> Step:
    """Milliseconds from a click in the sidebar to the page fully rendered, in headless Chromium,
    per page (p50, p95); nothing where no Chromium is installed."""
    from ecom.dashboard import browser

    if browser.chromium() is None:
        return 0, {"pages": []}
    with browser.served(DataDir.resolve(argv[0])) as url, browser.browser() as chrome:
        times = browser.switch_times(url, PAGE_ROUNDS, chrome)
    pages = []
    for page, runs in times.items():
        runs.sort()
        pages.append({"page": page, "p50_ms": runs[len(runs) // 2], "p95_ms": runs[min(len(runs) - 1, int(len(runs) * 0.95))]})
    return len(pages), {"pages": pages, "page_rounds": PAGE_ROUNDS}


def _spark_build(argv: list[str]) -> Step:
    """The whole build on Spark with argv[1] local cores; argv[2] == 'full' rebuilds from nothing."""
    from ecom.warehouse.spark import build_on_spark

    data = DataDir.resolve(argv[0])
    return build_on_spark(data, full_refresh=argv[2] == "full", cores=int(argv[1])), {}


STEPS: dict[str, object] = {
    "spark_build": _spark_build,
    "generate": _generate, "generate_month": _generate_month, "load": _load, "load_all": _load_all,
    "bare_sink": _bare_sink, "duckdb_copy": _duckdb_copy, "pandas_slice": _pandas_slice, "pairs": _pairs,
    "oracle": _oracle, "serve": _serve, "pages": _pages,
}


def main(argv: list[str]) -> None:
    """Run one step; print one JSON line with its rows, seconds, peak RSS and what it measured."""
    step, args = argv[0], argv[1:]
    began = time.perf_counter()
    if step in DBT_STEPS:
        rows, extra = _dbt_step(step, args)
    elif step in STEPS:
        rows, extra = STEPS[step](args)  # type: ignore[operator]
    else:
        raise SystemExit(f"unknown benchmark step {step}")
    seconds = extra.pop("seconds", None) or time.perf_counter() - began
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss_mb": own_peak_rss_mb()} | extra))


if __name__ == "__main__":
    main(sys.argv[1:])
