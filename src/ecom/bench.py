"""Benchmarks with measured numbers: generator rows/s, loader vs a bare Polars sink, dbt build.

Each measured step runs in its own child process (same process group, one after another,
alternating loader and baseline over several rounds) so that wall time and peak RSS belong to
that step alone. The child reports its own peak (``VmHWM``, and its children's ``ru_maxrss``):
the ``ru_maxrss`` that ``wait4`` gives the parent starts from the parent's own peak when the
child is spawned with ``vfork``, as Python's subprocess does, so a parent that once held 9 GB
would make every later step look 9 GB. A dbt step also samples dbt's RSS every
``RSS_SAMPLE_SECONDS``, so the report can say which models were running when it was highest.
Results go to ``<data>/reports/bench-<preset>.json`` and ``.md``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ecom.paths import DataDir
from ecom.progress import say
from ecom.synth.generate import preset

ROUNDS = 2
# Steps that run dbt: the incremental build (one `dbt build` on a built warehouse), the
# from-scratch build in its two layers, a full refresh to compare the incremental build with, and
# two parts of the build on their own.
DBT_STEPS = {
    "build": ["build"],
    # The from-scratch build in its two layers (selectors.yml), one after the other: silver and
    # gold, which issue #3's five-minute target is about, then the propensity layer on top of them
    # (features, model, scores, evaluation, targets), which has its own targets. Together they
    # are every node of `build`; the incremental build and the full refresh stay one `build`.
    "build_warehouse": ["build", "--selector", "warehouse"],
    "build_propensity": ["build", "--selector", "propensity"],
    # The same warehouse rebuilt from nothing: what an incremental build is compared with.
    "full_refresh": ["build", "--full-refresh"],
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
# The incremental build's slowest models listed in the report.
INCREMENTAL_MODELS_SHOWN = 10
# How often a dbt step's RSS is read while it runs: often enough to say which nodes were running
# when it was highest (a step's VmHWM gives the peak, not when or in which model).
RSS_SAMPLE_SECONDS = 0.5


@dataclass
class Measurement:
    step: str
    seconds: float
    peak_rss_mb: float
    rows: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _reader_note(reader: str) -> str:
    """How the loader read the file in the report's runs (reports before 2026-12-02 do not say)."""
    if reader == "csv":
        return (" The loader kept Polars' CSV reader's rows: the file has no bad line (a file with one is read"
                " again line by line, see the README's loader section).")
    if reader == "lines":
        return " The loader read the file line by line: its first read found a bad line."
    return ""


def _measure(step: str, args: list[str], rows: int = 0) -> tuple[Measurement, dict[str, object]]:
    """Run one worker step in a child; its measurement, and everything the step reported."""
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ecom.bench", *args], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        # The child's stdout is captured for its report line: keep the error it printed.
        errors = [line.strip() for line in out.splitlines() if "error" in line.lower()]
        reason = f": {errors[-1][:300]}" if errors else ""
        raise RuntimeError(f"benchmark step {step} failed with exit {proc.returncode}{reason}")
    reported = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    peak_mb = reported.get("peak_rss_mb", usage.ru_maxrss / 1024)
    return Measurement(step, reported.get("seconds", seconds), peak_mb, reported.get("rows", rows)), reported


def _own_peak_rss_mb() -> float:
    """This process's peak RSS since it started, and that of the largest child it waited for."""
    import resource

    own_kb = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                own_kb = int(line.split()[1])
    except OSError:  # not Linux: the rusage figure, which may include the parent's peak
        own_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(own_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


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


def run_benchmarks(data: DataDir, preset_name: str = "default", events: int | None = None) -> Path:
    """Generate, then time loader and baseline side by side; write the report."""
    target = events or preset(preset_name).events
    label = preset_name if events is None else f"{events}-events"
    work = data.root / "bench" / label
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    gen, _ = _measure("generate", ["generate", str(work), str(target)])
    say(f"generate: {gen.rows:,} rows in {gen.seconds:.1f} s ({gen.rows_per_second:,.0f} rows/s), peak RSS {gen.peak_rss_mb:,.0f} MB")
    source = max((work / "landing").glob("*.csv"), key=lambda p: p.stat().st_size)
    source_bytes = source.stat().st_size  # the build deletes the month files before its full refresh
    runs: dict[str, list[Measurement]] = {"load": [], "bare_sink": []}
    readers: set[str] = set()
    for _ in range(ROUNDS):
        for step in ("bare_sink", "load"):
            out_dir = work / f"out-{step}"
            shutil.rmtree(out_dir, ignore_errors=True)
            m, reported = _measure(step, [step, str(source), str(out_dir)])
            if step == "load":
                readers.add(str(reported.get("reader", "")))
            runs[step].append(m)
            say(f"{step}: {m.rows:,} rows in {m.seconds:.2f} s ({m.rows_per_second:,.0f} rows/s), peak RSS {m.peak_rss_mb:,.0f} MB")
            shutil.rmtree(out_dir, ignore_errors=True)
    best = {k: min(v, key=lambda m: m.seconds) for k, v in runs.items()}
    engines = _bench_engines(work, source, best["load"].rows)
    # Before the build, which deletes the month files before its full refresh (disk). Each
    # child's peak RSS is its own (VmHWM), whatever this process holds.
    realism = _realism(work, target)
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
        "engines": engines,
        "realism": realism,
        "build": warehouse,
    }
    data.reports.mkdir(parents=True, exist_ok=True)
    path = data.reports / f"bench-{label}.json"
    path.write_text(json.dumps(report, indent=2))
    path.with_suffix(".md").write_text(_markdown(report))
    shutil.rmtree(work, ignore_errors=True)
    return path.with_suffix(".md")


def _realism(work: Path, events: int) -> list[dict[str, object]]:
    """Generated month files against the published figures (counts scaled to the target size)."""
    from ecom.synth.generate import FULL_EVENTS
    from ecom.synth.realism import compare, measure

    rows = []
    for path in sorted((work / "landing").glob("2019-*.csv")):
        for c in compare(path.name[:8], measure(path), events / FULL_EVENTS):
            rows.append({"month": c.month, "figure": c.figure, "measured": c.measured, "target": c.target, "ratio": c.ratio})
    return rows


def targets(r: dict) -> list[tuple[str, str, bool]]:  # type: ignore[type-arg]
    """Each target of the issues against this report's measurement: (target, measured, met)."""
    b = r["build"]
    o = b["propensity"]
    pipeline_s = b["load_seconds"] + b["seconds"]
    peaks = {"generate": r["generate"]["peak_rss_mb"], "load": r["load_peak_rss_mb"], "dbt build": b["peak_rss_mb"],
             "training + scoring": b["ml_peak_rss_mb"]}
    if "basket_peak_rss_mb" in b:
        peaks["market basket"] = b["basket_peak_rss_mb"]
    inc = b["incremental"]
    if "peak_rss_mb" in inc:
        peaks["incremental build"] = inc["peak_rss_mb"]
    if "full_refresh_peak_rss_mb" in inc:
        peaks["full refresh"] = inc["full_refresh_peak_rss_mb"]
    worst_query = max(b["queries"], key=lambda q: q["p95_ms"])
    pairs = b["purchase_pairs_evaluated"] + b["view_pairs_evaluated"]
    rows = [
        ("generator >= 1M rows/s", f"{r['generate']['rows_per_second']:,.0f} rows/s", r["generate"]["rows_per_second"] >= 1e6),
        ("loader time <= 1.3x the bare Polars sink", f"{r['load_vs_bare_time_ratio']:.2f}x", r["load_vs_bare_time_ratio"] <= 1.3),
        ("loader peak RSS < 1 GB", f"{r['load_peak_rss_mb']:,.0f} MB", r["load_peak_rss_mb"] < 1024),
        ("silver + gold `dbt build` <= 5 min (memory_limit 8 GB)", _warehouse_build(b),
         b.get("warehouse_seconds", b["seconds"]) <= 300),
        (
            "market basket: >= 10M distinct pairs evaluated in < 30 s",
            f"{pairs:,} pairs in {b['basket_seconds']:.0f} s ({pairs / b['basket_seconds']:,.0f} pairs/s)",
            pairs >= 10_000_000 and b["basket_seconds"] < 30,
        ),
        ("load + build + ML <= 15 min (aim: 8)", f"{pipeline_s / 60:.1f} min", pipeline_s <= 900),
        ("peak RSS of every step < 8 GB", ", ".join(f"{k} {v / 1024:.1f} GB" for k, v in peaks.items()),
         max(peaks.values()) < 8192),
        ("training + scoring <= 3 min and 6 GB", f"{b['ml_seconds']:.0f} s, {b['ml_peak_rss_mb'] / 1024:.1f} GB",
         b["ml_seconds"] <= 180 and b["ml_peak_rss_mb"] <= 6144),
        ("every dashboard query p95 < 100 ms", f"slowest {worst_query['p95_ms']:.1f} ms ({worst_query['page']}/{worst_query['query']})",
         worst_query["p95_ms"] < 100),
        ("model lift at 5% >= 4x", f"{o['model_lift']:.2f}x", o["model_lift"] >= 4),
        ("model lift >= 90% of the oracle's", _oracle_share(o), o["model_share_of_oracle"] >= 0.9),
        ("model clearly above the RFM baseline", f"{o['model_lift']:.2f}x vs {o['baseline_lift']:.2f}x",
         o["model_lift"] >= o["baseline_lift"] + 0.5),
        *_arrival_targets(inc),
    ]
    return rows


def _warehouse_build(b: dict) -> str:  # type: ignore[type-arg]
    """The silver + gold build's measurement, and the whole build's beside it."""
    if "warehouse_seconds" not in b:  # reports before 2026-12-03 timed only the whole build
        return f"{b['seconds']:.0f} s (memory_limit {b['memory_limit']}; the whole build, the propensity layer included)"
    return (f"{b['warehouse_seconds']:.0f} s (memory_limit {b['memory_limit']}, `--selector warehouse`); "
            f"with the propensity layer after it {b['seconds']:.0f} s")


def _build_sentence(b: dict) -> str:  # type: ignore[type-arg]
    """The report's sentence on the from-scratch build: its two layers where timed apart."""
    setting = (f"from scratch, {b['threads']} threads, DuckDB memory_limit {b['memory_limit']}) over "
               f"{b['bronze_rows']:,} bronze rows")
    loaded = f"; load of all files before it: {b['load_seconds']:.1f} s."
    if "warehouse_seconds" not in b:  # reports before 2026-12-03
        return (f"`dbt build` (all models and tests, {setting}: **{b['seconds']:.1f} s**, peak RSS "
                f"**{b['peak_rss_mb']:,.0f} MB**{_while(b)}{loaded}")
    return (f"`dbt build` (all models and tests, {setting}, in its two layers one after the other: silver + gold "
            f"(`dbt build --selector warehouse`) **{b['warehouse_seconds']:.1f} s**, peak RSS "
            f"{b['warehouse_peak_rss_mb']:,.0f} MB; then the propensity layer (`--selector propensity`: features, "
            f"model, scores, evaluation, targets) {b['propensity_layer_seconds']:.1f} s, peak RSS "
            f"{b['propensity_layer_peak_rss_mb']:,.0f} MB. Together **{b['seconds']:.1f} s**, peak RSS "
            f"**{b['peak_rss_mb']:,.0f} MB**{_while(b)}{loaded}")


def _truth_trained_sentence(o: dict) -> str:  # type: ignore[type-arg]
    if o.get("truth_trained_lift") is None:  # reports before 2026-12-03, or an older truth file
        return ""
    return (
        " The same model fitted to each user's true chance of a purchase in the label window instead of "
        "the 0/1 labels (same features, sample, parameters and users; see `ecom.ml.oracle`): "
        f"**{o['truth_trained_lift']:.2f}x**, {o['truth_trained_share_of_oracle']:.0%} of the oracle: what "
        "the features carry."
    )


def _oracle_share(o: dict) -> str:  # type: ignore[type-arg]
    """The model's share of the oracle's lift, and the truth-trained model's where measured."""
    share = f"{o['model_share_of_oracle']:.0%}"
    if o.get("truth_trained_share_of_oracle") is not None:  # reports before 2026-12-03 lack it
        share += f" (the model fitted to the true chances instead of the labels: {o['truth_trained_share_of_oracle']:.0%})"
    return share


def _arrival_targets(inc: dict) -> list[tuple[str, str, bool]]:  # type: ignore[type-arg]
    """The incremental-build targets against this report's arrival, whatever part of it ran.

    Issue #6 asks that the incremental build take a fraction of a full build and that the ratio be
    reported. The < 0.5x under it is this project's own, stricter bar, kept in the table so that
    its miss stays visible; why the ratio alone says little (a faster full refresh raises it) is
    in the README's Performance section, with the runs that show it.
    """
    issue = "incremental build a fraction of a full refresh of the same data (ratio reported)"
    stretch = "stretch, the project's own: incremental build < 0.5x a full refresh"
    if "build_error" in inc:
        failed = "not measured: the incremental build failed"
        return [(issue, failed, False), (stretch, failed, False)]
    if "full_refresh_seconds" in inc:
        ratio = inc["ratio_to_full_refresh"]
        share = f"{inc['month']} is {inc['rows'] / inc['total_rows']:.0%} of the events"
        return [(issue, f"{ratio:.2f}x ({share})", ratio < 1), (stretch, f"{ratio:.2f}x", ratio < 0.5)]
    if "full_refresh_error" in inc:
        failed = f"not measured: the full refresh failed ({inc['ratio_to_full_build']:.2f}x the earlier months' build)"
        return [(issue, failed, False), (stretch, failed, False)]
    # Reports before 2026-11-21 compared with the build of the earlier months only.
    return [("incremental build a fraction of a full build", f"{inc['ratio_to_full_build']:.2f}x",
             inc["ratio_to_full_build"] < 0.5)]


def _arrival_paragraph(inc: dict) -> str:  # type: ignore[type-arg]
    """The report's sentence on the incremental arrival: its build and the full refresh, or how they failed."""
    landed = f"Incremental arrival: {inc['month']} ({inc['rows']:,} events) landed in {inc['load_seconds']:.1f} s; "
    if "build_error" in inc:
        return f"{landed}the incremental `dbt build` **failed**: {inc['build_error']}."
    built = (f"the incremental `dbt build` took **{inc['build_seconds']:.1f} s** (peak RSS {inc['peak_rss_mb']:,.0f} MB"
             f"{_while(inc)}), {inc['ratio_to_full_build']:.2f}x the from-scratch build of the earlier months")
    if "full_refresh_seconds" in inc:
        return (f"{landed}{built}; `dbt build --full-refresh` of the same {inc['total_rows']:,} events then took "
                f"{inc['full_refresh_seconds']:.1f} s (peak RSS {inc['full_refresh_peak_rss_mb']:,.0f} MB"
                f"{_while({'peak_sample': inc.get('full_refresh_peak_sample', {})})}): the incremental build is "
                f"**{inc['ratio_to_full_refresh']:.2f}x** a full refresh.")
    if "full_refresh_error" in inc:
        return f"{landed}{built}; the `--full-refresh` comparison failed: {inc['full_refresh_error']}."
    return f"{landed}{built}."


def _seconds_or_dash(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


def _mb_or_dash(mb: float | None) -> str:
    return "-" if mb is None else f"{mb:,.0f}"


def _markdown(r: dict, level: int = 1) -> str:  # type: ignore[type-arg]
    m = r["machine"]
    lines = [
        f"{'#' * level} Benchmark: {r['preset']} ({r['date']})",
        "",
        (f"Machine: {m['cores']} cores, {m['memory_gb']} GB RAM, {m['platform']}; Python {m['python']}, "
        f"Polars {m['polars']}, DuckDB {m['duckdb']}."),
        *([f"Note: {r['note']}."] if r.get("note") else []),
        "",
        "| target | measured | met |",
        "| --- | --- | :---: |",
        *(f"| {t} | {v} | {'yes' if ok else '**no**'} |" for t, v, ok in targets(r)),
        "",
        "| step | rows | seconds | rows/s | peak RSS (MB) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    g = r["generate"]
    lines.append(f"| generate (all months) | {g['rows']:,} | {g['seconds']:.2f} | {g['rows_per_second']:,.0f} | {g['peak_rss_mb']:,.0f} |")
    for step, runs in r["runs"].items():
        for i, run in enumerate(runs, 1):
            lines.append(
                f"| {step} #{i} ({r['source']['file']}) | {run['rows']:,} | {run['seconds']:.2f} | "
                f"{run['rows_per_second']:,.0f} | {run['peak_rss_mb']:,.0f} |"
            )
    lines += [
        "",
        (f"Loader time / bare `scan_csv -> sink_parquet` time (best of {ROUNDS}): "
        f"**{r['load_vs_bare_time_ratio']:.2f}x**; loader peak RSS **{r['load_peak_rss_mb']:,.0f} MB**."
        + _reader_note(r.get("load_reader", ""))),
        "",
        "| same file through | rows | seconds | rows/s | peak RSS (MB) |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(f"| {label} | {x['rows']:,} | {x['seconds']:.2f} | {x['rows_per_second']:,.0f} | {x['peak_rss_mb']:,.0f} |"
          for label, x in (("DuckDB `read_csv` -> `COPY` zstd Parquet", r["engines"]["duckdb_copy"]),
                           ("pandas `read_csv` (a slice)", r["engines"]["pandas_slice"]))),
        "",
        (f"pandas, extrapolated from the slice: about **{r['engines']['pandas_extrapolated_gb_for_file']:.1f} GB** "
         f"for this file, **{r['engines']['pandas_extrapolated_gb_for_110m_rows']:.1f} GB** for the real dataset's 110M rows."),
        "",
        "Generated data against the published REES46 figures (counts scaled to this size; catalogue sizes",
        "only at full scale):",
        "",
        "| month | figure | measured | published (scaled) | ratio |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for row in r["realism"]:
        lines.append(f"| {row['month']} | {row['figure']} | {row['measured']:,.4g} | {row['target']:,.4g} | {row['ratio']:.3f} |")
    b = r["build"]
    lines += [
        "",
        _build_sentence(b),
        "",
        (f"Market basket: {b['purchase_pairs_evaluated']:,} distinct purchase pairs and "
        f"{b['view_pairs_evaluated']:,} distinct also-viewed pairs evaluated "
        f"({b['purchase_pairs_evaluated'] + b['view_pairs_evaluated']:,} together)"
        + (f"; the basket models alone (`dbt run --select {' '.join(BASKET_MODELS)}`, own process): "
           f"**{b['basket_seconds']:.1f} s**, peak RSS {b['basket_peak_rss_mb']:,.0f} MB; within the build they "
           f"took {b['basket_seconds_in_build']:.1f} s of model time."
           if "basket_seconds_in_build" in b  # older reports timed them within the build only
           else f" in {b['basket_seconds']:.1f} s of model time within the build.")),
        "",
    ]
    beside = b.get("model_beside_seconds")  # reports before 2026-11-22 did not keep them
    if beside is not None:
        lines += [
            (f"With {b['threads']} dbt threads a model can share the cores with other nodes (models or "
             "tests) for part of its run, which slows it: the second column says for how many of its "
             "seconds another node ran beside it."),
            "",
        ]
    rss = b.get("model_peak_rss_mb")  # older reports did not sample RSS
    if rss is not None:
        lines += [
            (f"Peak RSS while it ran: the highest RSS of the dbt process sampled every {RSS_SAMPLE_SECONDS:g} s "
             "during the model's run, whatever ran beside it."),
            "",
        ]
    lines += [
        "| model | seconds |" + (" beside another node (s) |" if beside is not None else "")
        + (" peak RSS while it ran (MB) |" if rss is not None else ""),
        "| --- | ---: |" + (" ---: |" if beside is not None else "") + (" ---: |" if rss is not None else ""),
    ]
    for name, seconds in b["model_seconds"].items():
        lines.append(f"| {name} | {seconds:.2f} |" + (f" {_seconds_or_dash(beside.get(name))} |" if beside is not None else "")
                     + (f" {_mb_or_dash(rss.get(name))} |" if rss is not None else ""))
    o = b["propensity"]
    inc = b["incremental"]
    d = b["disk_mb"]
    arrival = _arrival_paragraph(inc)
    lines += [
        "",
        (f"Disk: landing CSV {d['landing_csv']:,.0f} MB, bronze Parquet {d['bronze']:,.0f} MB, warehouse "
         f"{d['warehouse']:,.0f} MB, serving {d['serving']:,.0f} MB."),
        "",
        arrival,
    ]
    if "model_seconds" in inc:  # reports before 2026-11 did not keep them
        slowest = list(inc["model_seconds"].items())[:INCREMENTAL_MODELS_SHOWN]
        refreshed = inc.get("full_refresh_model_seconds", {})
        inc_beside = inc.get("model_beside_seconds")
        refresh_beside = inc.get("full_refresh_model_beside_seconds", {})
        lines += [
            "",
            "Its slowest models, against the same model in the from-scratch build of the earlier months"
            + (" and in the full refresh of all of them" if refreshed else "")
            + (" (beside: the seconds another node ran beside it)" if inc_beside is not None else "") + ":",
            "",
            "| model | incremental (s) |" + (" beside |" if inc_beside is not None else "")
            + " from scratch (s) |" + (" full refresh (s) |" if refreshed else "")
            + (" beside |" if inc_beside is not None else ""),
            "| --- | ---: | ---: |" + (" ---: |" if refreshed else "") + (" ---: | ---: |" if inc_beside is not None else ""),
            *(f"| {name} | {seconds:.2f} |"
              + (f" {_seconds_or_dash(inc_beside.get(name))} |" if inc_beside is not None else "")
              + f" {_seconds_or_dash(b['model_seconds'].get(name))} |"
              + (f" {_seconds_or_dash(refreshed.get(name))} |" if refreshed else "")
              + (f" {_seconds_or_dash(refresh_beside.get(name))} |" if inc_beside is not None else "")
              for name, seconds in slowest),
        ]
    lines += [
        "",
        (f"Propensity model, training + scoring alone (`dbt run --select propensity_model propensity_scores --vars "
        "'{propensity_retrain: true}'`, own "
        f"process): **{b['ml_seconds']:.1f} s**, peak RSS **{b['ml_peak_rss_mb']:,.0f} MB**."),
        "",
        (f"Evaluation snapshot: {o['users']:,} users, base rate {o['base_rate']:.2%}. Lift at the top {o['k_pct']:g}%: "
        f"model **{o['model_lift']:.2f}x**, RFM baseline {o['baseline_lift']:.2f}x, oracle (true propensity) "
        f"{o['oracle_lift']:.2f}x; model = **{o['model_share_of_oracle']:.0%}** of the oracle. ROC-AUC model "
        f"{o['model_roc_auc']:.3f}, baseline {o['baseline_roc_auc']:.3f}." + _truth_trained_sentence(o)),
        "",
        (f"Dashboard: serving export {b['export_seconds']:.1f} s; every query behind every page, {b.get('query_repeats', 20)} runs each "
        "after a warm-up, read-only DuckDB over the serving copy (serving/v<timestamp>/serving.duckdb):"),
        "",
        "| page | query | rows | p50 (ms) | p95 (ms) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for q in b["queries"]:
        lines.append(f"| {q['page']} | {q['query']} | {q['rows']:,} | {q['p50_ms']:.1f} | {q['p95_ms']:.1f} |")
    lines.append("")
    return "\n".join(lines)


PANDAS_SLICE_ROWS = 2_000_000


def _bench_engines(work: Path, source: Path, rows: int) -> dict[str, object]:
    """The same file through DuckDB's read_csv -> COPY, and pandas.read_csv on a slice."""
    out_dir = work / "out-duckdb"
    shutil.rmtree(out_dir, ignore_errors=True)
    duck, _ = _measure("duckdb_copy", ["duckdb_copy", str(source), str(out_dir)])
    shutil.rmtree(out_dir, ignore_errors=True)
    say(f"duckdb COPY: {duck.rows:,} rows in {duck.seconds:.2f} s, peak RSS {duck.peak_rss_mb:,.0f} MB")
    sliced = min(rows, PANDAS_SLICE_ROWS)
    pandas_run, reported = _measure("pandas_slice", ["pandas_slice", str(source), str(sliced)])
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


README_START = "<!-- performance:start (generated by `ecom bench --update-readme`) -->"
README_END = "<!-- performance:end -->"


def update_readme(report_json: Path, readme: Path) -> None:
    """Replace the README's generated performance block with this report, rendered."""
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        raise ValueError(f"{readme} has no generated performance block ({README_START} ... {README_END})")
    body = _markdown(json.loads(report_json.read_text()), level=3)
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{body}\n{README_END}{tail}")


def _disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def _bench_build(work: Path, events: int) -> dict[str, object]:
    """Land every generated file, then time a from-scratch `dbt build` in its own process."""
    data = DataDir.resolve(work / "pipeline")
    shutil.rmtree(data.root, ignore_errors=True)
    shutil.copytree(work / "landing", data.landing, copy_function=os.link)  # hard links: no second 15 GB copy
    shutil.copytree(work / "truth", data.truth)
    load, _ = _measure("load_all", ["load_all", str(data.root)])
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


def _model_times(data: DataDir) -> tuple[dict[str, float], dict[str, float], dict[str, tuple[float, float]]]:
    """Per model of the last dbt invocation (target/run_results.json): its seconds, slowest
    first, and the seconds another node ran beside it; and every node's execute span."""
    results = json.loads((data.root / "dbt" / "target" / "run_results.json").read_text())["results"]
    seconds = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in sorted(results, key=lambda r: -r["execution_time"])
        if r["unique_id"].startswith("model.")
    }
    spans: dict[str, tuple[float, float]] = {}
    for r in results:
        execute = [t for t in r.get("timing", []) if t["name"] == "execute" and t.get("started_at")]
        if execute:
            spans[r["unique_id"]] = (
                datetime.fromisoformat(execute[0]["started_at"]).timestamp(),
                datetime.fromisoformat(execute[0]["completed_at"]).timestamp(),
            )
    beside = {uid.split(".")[-1]: t for uid, t in beside_seconds(spans).items() if uid.startswith("model.")}
    return seconds, beside, spans


def sample_rss(proc: subprocess.Popen[bytes], interval: float = RSS_SAMPLE_SECONDS) -> list[tuple[float, float]]:
    """(Unix time, RSS in MB) of a running process every ``interval`` seconds, until it exits."""
    status = Path(f"/proc/{proc.pid}/status")
    samples: list[tuple[float, float]] = []
    while proc.poll() is None:
        try:
            rss_kb = next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmRSS:"))
        except (OSError, StopIteration):  # exiting, or not Linux: nothing to read
            rss_kb = 0
        if rss_kb:
            samples.append((round(time.time(), 2), round(rss_kb / 1024, 1)))
        time.sleep(interval)
    return samples


def rss_by_node(
    spans: dict[str, tuple[float, float]], samples: list[tuple[float, float]]
) -> tuple[dict[str, float], dict[str, object]]:
    """The highest RSS sampled while each node ran (nodes with no sample in their span are left
    out), and the step's highest sample with the nodes running at that moment.

    The process is shared: a model's figure is the whole process's RSS while it ran, what ran
    beside it included, so the peak names every node that was running, not one culprit.
    """
    per_node: dict[str, float] = {}
    for node, (start, end) in spans.items():
        inside = [mb for t, mb in samples if start <= t <= end]
        if inside:
            per_node[node] = max(inside)
    if not samples:
        return per_node, {}
    at, mb = max(samples, key=lambda s: s[1])
    running = sorted(node for node, (start, end) in spans.items() if start <= at <= end)
    return per_node, {"rss_mb": mb, "running": running}


def _memory_by_model(spans: dict[str, tuple[float, float]], reported: dict[str, object]) -> dict[str, object]:
    """A dbt step's sampled RSS in the report's terms: the highest while each model ran, and the
    step's highest sample with the nodes (models and tests) running then."""
    samples: list[tuple[float, float]] = reported.get("rss_samples", [])  # type: ignore[assignment]
    per_node, peak = rss_by_node(spans, samples)
    if not peak:
        return {}
    running: list[str] = peak["running"]  # type: ignore[assignment]
    return {
        "model_peak_rss_mb": {_short(n): mb for n, mb in per_node.items() if n.startswith("model.")},
        "peak_sample": peak | {"running": [_short(n) for n in running]},
    }


def _while(memory: dict[str, object]) -> str:
    """'; highest sampled RSS N MB while `a`, `b` ran' for a report or progress line; '' without samples."""
    peak: dict[str, object] = memory.get("peak_sample", {})  # type: ignore[assignment]
    if not peak:
        return ""
    running: list[str] = peak["running"]  # type: ignore[assignment]
    return (f"; highest sampled RSS {peak['rss_mb']:,.0f} MB while "
            + (", ".join(f"`{n}`" for n in running) if running else "no node") + " ran")


def _short(node: str) -> str:
    """A node's name for the report: the last part of its unique id, except for a generic data
    test, whose id ends in a hash (``test.ecom.not_null_x_y.1a2b3c4d5e``): its test name."""
    parts = node.split(".")
    if parts[0] == "test" and len(parts) > 3:
        return parts[2]
    return parts[-1]


def beside_seconds(spans: dict[str, tuple[float, float]]) -> dict[str, float]:
    """For each (start, end) span, how long at least one other span overlapped it.

    With two dbt threads a model's seconds are wall-clock seconds, and a model that shared the
    two cores with another one for most of its run reads up to twice as slow as it would alone:
    this says for how long it did, so two builds' times of one model can be compared.
    """
    result: dict[str, float] = {}
    for name, (start, end) in spans.items():
        covered, reach = 0.0, start
        for other_start, other_end in sorted(
            (max(a, start), min(b, end)) for other, (a, b) in spans.items() if other != name and a < end and b > start
        ):
            if other_end > reach:
                covered += other_end - max(other_start, reach)
                reach = other_end
        result[name] = covered
    return result


def bench_warehouse(
    data: DataDir, events: int, load: Measurement, also_free: list[Path] | None = None
) -> dict[str, object]:
    """From landed bronze: a from-scratch build, basket and ML alone, serving and queries, then December.

    Every step, counting included, runs in a child: see the module docstring for why this
    process must stay small. Before the full refresh it deletes the month CSVs in
    ``data.landing`` and ``also_free``: call it on a benchmark's own copy of the data.
    """
    from ecom.warehouse.runner import DEFAULT_MEMORY_LIMIT, MEMORY_ENV, THREADS_ENV

    shutil.rmtree(data.warehouse.parent, ignore_errors=True)
    shutil.rmtree(data.serving, ignore_errors=True)
    layers: dict[str, Measurement] = {}
    model_seconds: dict[str, float] = {}
    model_beside_seconds: dict[str, float] = {}
    spans: dict[str, tuple[float, float]] = {}
    samples: list[tuple[float, float]] = []
    for layer in ("warehouse", "propensity"):
        layers[layer], reported = _measure(f"build_{layer}", [f"build_{layer}", str(data.root)])
        seconds, beside, layer_spans = _model_times(data)
        layer_memory = _memory_by_model(layer_spans, reported)
        say(f"dbt build --selector {layer}: {layers[layer].seconds:.1f} s, "
            f"peak RSS {layers[layer].peak_rss_mb:,.0f} MB{_while(layer_memory)}")
        model_seconds |= seconds
        model_beside_seconds |= beside
        spans |= layer_spans
        samples += reported.get("rss_samples", [])  # type: ignore[arg-type]
    build = Measurement("build", sum(m.seconds for m in layers.values()),
                        max(m.peak_rss_mb for m in layers.values()), 0)
    model_seconds = dict(sorted(model_seconds.items(), key=lambda item: -item[1]))
    build_memory = _memory_by_model(spans, {"rss_samples": samples})
    say(f"dbt build, both layers: {build.seconds:.1f} s, peak RSS {build.peak_rss_mb:,.0f} MB{_while(build_memory)}")
    basket, _ = _measure("basket", ["basket", str(data.root)])
    _, reported = _measure("pairs", ["pairs", str(data.root)])
    pairs: dict[str, int] = reported["pairs"]  # type: ignore[assignment]
    say(f"market basket alone: {sum(pairs.values()):,} distinct pairs in {basket.seconds:.1f} s, "
        f"peak RSS {basket.peak_rss_mb:,.0f} MB")
    ml, _ = _measure("ml", ["ml", str(data.root)])
    say(f"propensity training + scoring (dbt, own process): {ml.seconds:.1f} s, peak RSS {ml.peak_rss_mb:,.0f} MB")
    serve, reported = _measure("serve", ["serve", str(data.root)])
    queries: list[dict] = reported["queries"]  # type: ignore[assignment,type-arg]
    query_repeats = reported["query_repeats"]
    slowest = max(queries, key=lambda q: q["p95_ms"])
    say(f"dashboard queries: {len(queries)}, slowest p95 {slowest['p95_ms']:.1f} ms ({slowest['page']}/{slowest['query']})")
    oracle = _measure("oracle", ["oracle", str(data.root)])[1]["oracle"]
    disk = {layer: _disk_mb(path) for layer, path in (
        ("landing_csv", data.landing), ("bronze", data.bronze), ("warehouse", data.warehouse.parent),
        ("serving", data.serving))}
    # Incremental arrival: December lands; only its file is loaded and dbt builds incrementally.
    month, _ = _measure("generate_month", ["generate_month", str(data.root), str(events), "2019-12"])
    load_new, _ = _measure("load_all", ["load_all", str(data.root)])
    inc = _bench_arrival(data, month, load_new, build, load, also_free or [])
    result = {
        "disk_mb": disk,
        "incremental": inc,
        "ml_seconds": ml.seconds,
        "ml_peak_rss_mb": ml.peak_rss_mb,
        "export_seconds": serve.seconds,
        "queries": queries,
        "query_repeats": query_repeats,
        "propensity": oracle,
        "bronze_rows": load.rows,
        "load_seconds": load.seconds,
        "seconds": build.seconds,
        "peak_rss_mb": build.peak_rss_mb,
        "warehouse_seconds": layers["warehouse"].seconds,
        "warehouse_peak_rss_mb": layers["warehouse"].peak_rss_mb,
        "propensity_layer_seconds": layers["propensity"].seconds,
        "propensity_layer_peak_rss_mb": layers["propensity"].peak_rss_mb,
        "threads": os.environ.get(THREADS_ENV, "2"),
        "memory_limit": os.environ.get(MEMORY_ENV, DEFAULT_MEMORY_LIMIT),
        "model_seconds": model_seconds,
        "model_beside_seconds": model_beside_seconds,
        **build_memory,
        "purchase_pairs_evaluated": pairs["int_purchase_baskets"],
        "view_pairs_evaluated": pairs["int_view_baskets"],
        # The basket models within the build share the machine with whatever runs beside them;
        # the standalone run is the one the target is about.
        "basket_seconds_in_build": sum(model_seconds.get(m, 0.0) for m in BASKET_MODELS),
        "basket_seconds": basket.seconds,
        "basket_peak_rss_mb": basket.peak_rss_mb,
    }
    return result


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
        incremental, reported = _measure("build", ["build", str(data.root)])
    except RuntimeError as exc:
        inc["build_error"] = f"{exc}{_failed_nodes(data)}"
        say(f"December: incremental build failed: {inc['build_error']}")
        return inc
    incremental_model_seconds, incremental_beside_seconds, spans = _model_times(data)
    incremental_memory = _memory_by_model(spans, reported)
    say(f"December: {month.rows:,} events; load {load_new.seconds:.1f} s; incremental dbt build "
        f"{incremental.seconds:.1f} s ({incremental.seconds / build.seconds:.2f}x the build of the earlier months), "
        f"peak RSS {incremental.peak_rss_mb:,.0f} MB{_while(incremental_memory)}")
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
        full_refresh, reported = _measure("full_refresh", ["full_refresh", str(data.root)])
    except RuntimeError as exc:
        free_gb = shutil.disk_usage(data.root).free / 2**30
        inc["full_refresh_error"] = (f"{exc}{_failed_nodes(data)} ({free_gb:.0f} GB free on disk afterwards, "
                                     f"{freed_mb / 1024:.0f} GB of month files deleted before it)")
        say(f"full refresh: {inc['full_refresh_error']}")
        return inc
    refresh_seconds, refresh_beside, spans = _model_times(data)
    refresh_memory = _memory_by_model(spans, reported)
    say(f"full refresh of the same data: {full_refresh.seconds:.1f} s; the incremental build is "
        f"{incremental.seconds / full_refresh.seconds:.2f}x of it; peak RSS {full_refresh.peak_rss_mb:,.0f} MB"
        f"{_while(refresh_memory)}")
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
    failed = [_short(r["unique_id"]) for r in results if r.get("status") in ("error", "fail")]
    return f" (failed: {', '.join(failed)})" if failed else ""


def _worker(argv: list[str]) -> None:
    """Child-process entry points; each prints one JSON line with rows and seconds."""
    import polars as pl

    step = argv[0]
    began = time.perf_counter()
    seconds = 0.0  # the step's own figure where it differs from the whole run
    extra: dict[str, object] = {}
    if step == "generate":
        from ecom.synth.generate import GeneratorConfig, generate

        summary = generate(GeneratorConfig(events=int(argv[2])), DataDir.resolve(argv[1]))
        rows = summary.rows
    elif step == "load":
        from ecom.ingest.load import load_file

        result = load_file(Path(argv[1]), DataDir.resolve(argv[2]))
        rows = result.rows_read
        extra["reader"] = result.reader
    elif step == "bare_sink":
        # The baseline: the fastest honest way to type this CSV with Polars, no validation.
        schema = {
            "event_time": pl.String, "event_type": pl.String, "product_id": pl.Int32, "category_id": pl.Int64,
            "category_code": pl.String, "brand": pl.String, "price": pl.Float64, "user_id": pl.Int32,
            "user_session": pl.String,
        }
        Path(argv[2]).mkdir(parents=True, exist_ok=True)
        pl.scan_csv(argv[1], schema=schema).sink_parquet(Path(argv[2]) / "events.parquet", compression="zstd")
        rows = pl.scan_parquet(Path(argv[2]) / "events.parquet").select(pl.len()).collect().item()
    elif step == "generate_month":
        from ecom.synth.generate import GeneratorConfig, generate

        summary = generate(GeneratorConfig(events=int(argv[2]), months=3, only_months=(argv[3],)), DataDir.resolve(argv[1]))
        rows = summary.rows
    elif step == "duckdb_copy":
        import duckdb

        Path(argv[2]).mkdir(parents=True, exist_ok=True)
        with duckdb.connect() as con:
            con.execute("set preserve_insertion_order = false")
            con.execute(f"copy (select * from read_csv('{argv[1]}')) to '{Path(argv[2]) / 'events.parquet'}' "
                        "(format parquet, compression zstd)")
            rows = con.execute(f"select count(*) from read_parquet('{Path(argv[2]) / 'events.parquet'}')").fetchall()[0][0]
    elif step == "pandas_slice":
        import pandas as pd

        base_rss_mb = _own_peak_rss_mb()
        rows = len(pd.read_csv(argv[1], nrows=int(argv[2])))
        extra = {"base_rss_mb": base_rss_mb}
    elif step == "load_all":
        from ecom.ingest.load import load

        data = DataDir.resolve(argv[1])
        rows = sum(r.rows_read for r in load([data.landing], data))
    elif step in DBT_STEPS:
        # dbt in a child of this small process: its peak RSS is dbt's and DuckDB's.
        from ecom.warehouse.runner import dbt_env, dbt_executable, project_dir

        data = DataDir.resolve(argv[1])
        data.warehouse.parent.mkdir(parents=True, exist_ok=True)
        # The results of this invocation only: dbt leaves the last ones where it fails early.
        (data.root / "dbt" / "target" / "run_results.json").unlink(missing_ok=True)
        dbt = subprocess.Popen([dbt_executable(), *DBT_STEPS[step], "--quiet"], cwd=project_dir(), env=dbt_env(data))
        extra = {"rss_samples": sample_rss(dbt)}
        if dbt.returncode != 0:
            raise SystemExit(dbt.returncode)
        rows = 0
    elif step == "pairs":
        import duckdb

        with duckdb.connect(str(DataDir.resolve(argv[1]).warehouse), read_only=True) as con:
            counts = {table: con.execute(PAIRS_SQL.format(table=table)).fetchall()[0][0]
                      for table in ("int_purchase_baskets", "int_view_baskets")}
        extra = {"pairs": counts}
        rows = sum(counts.values())
    elif step == "oracle":
        from ecom.ml.oracle import compare

        extra = {"oracle": compare(DataDir.resolve(argv[1])).as_dict()}
        rows = 0
    elif step == "serve":
        from ecom.dashboard.queries import TIMED_RUNS, Serving, time_queries
        from ecom.warehouse.serving import export

        folder = export(DataDir.resolve(argv[1]))
        seconds = time.perf_counter() - began
        extra = {"queries": time_queries(Serving.open(folder)), "query_repeats": TIMED_RUNS}
        rows = 0
    else:
        raise SystemExit(f"unknown benchmark step {step}")
    print(json.dumps({"rows": rows, "seconds": seconds or time.perf_counter() - began,
                      "peak_rss_mb": _own_peak_rss_mb()} | extra))


if __name__ == "__main__":
    _worker(sys.argv[1:])
