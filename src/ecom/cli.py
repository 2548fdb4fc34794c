"""The ``ecom`` command line: parses arguments and calls the modules that do the work.

Each command is one small function. Commands that write the data directory hold its writer
lock (``ecom.lock``). A user's mistake (``EcomError``) or an unwritable path is one line on
stderr and exit code 2; a programming error keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ecom import __version__
from ecom.errors import EcomError
from ecom.lock import UNWRITABLE, writer_lock
from ecom.paths import DATA_DIR_ENV, DataDir
from ecom.progress import say
from ecom.warehouse.runner import DEFAULT_MEMORY_LIMIT, DbtRun

MEMORY_LIMIT_HELP = f"DuckDB memory_limit, e.g. 4GB (default $ECOM_MEMORY_LIMIT or {DEFAULT_MEMORY_LIMIT})"

DESCRIPTION = """\
E-commerce behavioural-analytics lakehouse on dbt + DuckDB (REES46 event stream).

  landing CSV --load--> bronze Parquet --dbt build--> silver / gold (DuckDB warehouse)

Start with `ecom run` (generate the default dataset, load it, build the warehouse).
Every command writes under one data directory: --data-dir, else $ECOM_DATA_DIR, else ./data.
"""


def _data_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"where landing, bronze, warehouse and reports live (default: ${DATA_DIR_ENV} or ./data)",
    )
    return parent


def _generator_options(p: argparse.ArgumentParser) -> None:
    from ecom.synth.generate import PRESETS

    presets = "; ".join(f"{p.name}: {p.help}" for p in PRESETS.values())
    p.add_argument("--preset", default="default", choices=list(PRESETS), help=f"dataset size ({presets})")
    p.add_argument("--events", type=int, help="target events for Oct+Nov instead of the preset's")
    p.add_argument("--seed", type=int, default=46, help="random seed; same seed, same files (default 46)")
    p.add_argument("--gzip", action="store_true", help="write .csv.gz files")


def _build_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", help="duckdb (default) or spark: which engine builds the warehouse (default $ECOM_ENGINE)")
    p.add_argument("--memory-limit", help=MEMORY_LIMIT_HELP)
    p.add_argument("--threads", type=int, help="dbt threads, at least 1 (default $ECOM_THREADS or 2)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecom", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"ecom {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data = _data_parent()

    g = sub.add_parser("generate", parents=[data], help="write REES46-shaped month CSVs into landing/",
                       description="Generate realistic event files (2019-Oct.csv, 2019-Nov.csv, ...) into "
                       "<data>/landing and the hidden per-user propensity into <data>/truth.")
    _generator_options(g)
    g.add_argument("--first-month", default="2019-10", help="first month to simulate (default 2019-10)")
    g.add_argument("--months", type=int, default=2, help="number of months to simulate (default 2)")
    g.add_argument("--only-month", action="append", default=[], metavar="MONTH",
                   help="write only this month's file (repeatable); the others are simulated, not written")
    g.add_argument("--no-dirt", action="store_true", help="no duplicates, zero prices or empty sessions")
    g.add_argument("--malformed", type=int, default=0, metavar="N",
                   help="add N malformed lines per file (for loader tests; default 0)")

    ld = sub.add_parser("load", parents=[data], help="land CSV files as typed bronze Parquet",
                        description="Land CSV or CSV.gz files (the real Kaggle files or generated ones) as typed, "
                        "zstd Parquet under <data>/bronze, quarantining bad rows. Files already in the manifest "
                        "are skipped; hidden files (.x.csv, ._2019-Oct.csv) in a folder are skipped with a message.")
    ld.add_argument("paths", nargs="*", type=Path, help="files or folders (default: <data>/landing)")
    ld.add_argument(
        "--force",
        action="store_true",
        help="reload files already landed (or a .csv.gz for its loaded .csv), replacing their rows",
    )

    b = sub.add_parser("build", parents=[data], help="run `dbt build` on the warehouse",
                       description="Build the DuckDB warehouse with dbt (models, seeds, tests). Extra arguments "
                       "after -- go to dbt, e.g. `ecom build -- --select staging`, or `ecom build -- --selector warehouse` "
                       "for silver and gold without the serving shapes and the propensity layer (`--selector "
                       "after_warehouse`). Only a build "
                       "without them exports the serving copy for the dashboard.")
    b.add_argument("--full-refresh", action="store_true", help="rebuild incremental models from scratch")
    _build_options(b)
    b.add_argument("dbt_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    r = sub.add_parser("run", parents=[data], help="generate, load and build, end to end",
                       description="The whole pipeline: generate a dataset (unless landing already has files "
                       "and --regenerate is not given), load it, build the warehouse.")
    _generator_options(r)
    r.add_argument("--regenerate", action="store_true", help="generate even if landing has files")
    _build_options(r)

    sub.add_parser("evaluate", parents=[data], help="propensity model vs RFM baseline vs the generator's oracle",
                   description="Compare the built propensity model's lift at the top k% with the RFM baseline and "
                   "with an oracle ranking by the generator's hidden true propensity, and fit the same model to that "
                   "propensity instead of the labels to show how much of it the features carry (generated data only).")

    ex = sub.add_parser("export", parents=[data], help="copy the gold tables to the serving folder",
                        description="Copy the gold tables and silver's events to a new serving version under "
                        "<data>/serving and switch CURRENT and serving/current.duckdb to it atomically (`build` "
                        "and `run` do this).")
    ex.add_argument("--engine", help="the engine that built the warehouse: duckdb (default) or spark")

    db = sub.add_parser("dashboard", parents=[data], help="start the Streamlit dashboard over the gold tables",
                        description="Serve the dashboard (Streamlit) on the serving export of the gold tables. It never "
                        "opens the warehouse, so `ecom build` can run while it serves.")
    db.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    db.add_argument("--screenshots", type=Path, metavar="DIR",
                    help="instead of serving, write a PNG of every page at 1440x900 and 390x844 into DIR "
                    "(needs Chromium: Debian's `chromium` package)")

    sq = sub.add_parser("sql", parents=[data], help="query the serving copy (read-only SQL shell)",
                        description="SQL against serving/current.duckdb, the read-only copy of silver and gold that "
                        "`ecom build` refreshes; it never blocks a build. Interactive without -c.")
    sq.add_argument("-c", "--command", dest="statement", help="run this one statement and exit")

    orch = sub.add_parser("orchestrate", parents=[data], help="start Dagster on the pipeline (needs the "
                          "orchestration extra)", description="Run `dagster dev -m ecom.orchestration` with its "
                          "home in <data>/dagster: the lineage from landing CSV to dashboard, a sensor on the "
                          "landing folder, one writer at a time. Install with `pip install -e '.[orchestration]'`.")
    orch.add_argument("--port", type=int, default=3000, help="Dagster UI port (default 3000)")

    d = sub.add_parser("docs", parents=[data], help="write the dbt docs site (one static HTML file)",
                       description="Generate dbt docs as a single self-contained HTML file that opens from disk.")
    d.add_argument("--serve", action="store_true", help="also serve them with `dbt docs serve`")

    be = sub.add_parser("bench", parents=[data], help="benchmark the generator, the loader and the dbt build",
                        description="Generate a dataset, time the loader against a bare Polars sink of the same "
                        "file, build the warehouse from scratch in its two layers, time the market-basket models, "
                        "training + scoring, the dashboard queries, and a December arrival built incrementally "
                        "against a full refresh; each step in its own process with its own peak RSS. Writes a "
                        "Markdown + JSON report under <data>/reports.")
    be.add_argument("--preset", default="default", help="dataset size (default: default)")
    be.add_argument("--events", type=int, help="target events instead of the preset's")
    be.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                    help="spark: also build on Spark with 1 and 2 local cores and a December, beside DuckDB")
    be.add_argument("--update-docs", action="store_true",
                    help="render the report into docs/performance.md and the README's summary table")
    be.add_argument("--from-report", type=Path, metavar="JSON",
                    help="use this existing report instead of running the benchmarks")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        data = DataDir.resolve(args.data_dir)
        return COMMANDS[args.command](args, data) or 0
    except EcomError as exc:
        print(f"ecom {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.errno not in UNWRITABLE:
            raise
        print(f"ecom {args.command}: error: {exc.filename or 'a file'} is not writable ({exc.strerror}): the data "
              "directory must be writable, choose another with --data-dir", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _generate(args: argparse.Namespace, data: DataDir, **overrides: object) -> None:
    from ecom.synth.generate import GeneratorConfig, describe, generate, preset

    events = args.events or preset(args.preset).events
    config = GeneratorConfig(events=events, seed=args.seed, gzip=args.gzip, **overrides)  # type: ignore[arg-type]
    with writer_lock(data, "ecom generate"):
        say(describe(generate(config, data)))


def _load(paths: list[Path], data: DataDir, force: bool) -> int:
    """Land the files; 2 if any of them failed (the others still land)."""
    from ecom.ingest.load import describe, load

    with writer_lock(data, "ecom load"):
        report = load(paths or [data.landing], data, force=force)
    for hidden in report.hidden:
        say(f"{hidden.name}: skipped, a hidden file (not a delivery)")
    for result in report.results:
        say(describe(result))
    for path, reason in report.failures:
        print(f"ecom load: error: {reason}", file=sys.stderr)
    if report.failures:
        print(f"ecom load: {len(report.failures)} of {len(report.failures) + len(report.results)} files failed: "
              + ", ".join(p.name for p, _ in report.failures), file=sys.stderr)
        return 2
    return 0


def _export(data: DataDir, engine: str = "duckdb") -> None:
    from ecom.warehouse.serving import export

    with writer_lock(data, "ecom export"):
        folder = export(data, engine)
    say(f"serving: tables exported to {folder} and {data.serving_current} (the dashboard switches on its next rerun)")


def _built(run: DbtRun, data: DataDir, step: list[str]) -> str:
    retried = f" ({', '.join(run.retried)} after one retry: DuckDB had run out of memory)" if run.retried else ""
    return f"dbt build {' '.join(step)}: {len(run.results)} nodes OK{retried}; warehouse {data.warehouse}"


def _build_and_export(data: DataDir, dbt_args: list[str], args: argparse.Namespace, command: str) -> None:
    """`dbt build`: with no dbt arguments but --full-refresh, the two layers in order (silver and
    gold, then the serving shapes and the propensity layer: their largest models never share
    DuckDB's memory), unit tests left to development and CI, then the serving export; with dbt
    arguments, exactly the build they ask for, and no export. On Spark, the whole build
    (ecom.warehouse.spark)."""
    from ecom.warehouse.runner import BUILD_FLAGS, BUILD_LAYERS, run_dbt
    from ecom.warehouse.spark import build_on_spark, engine

    chosen = engine(args.engine)
    whole = not [a for a in dbt_args if a != "--full-refresh"]
    with writer_lock(data, command):
        if chosen == "spark":
            if not whole:
                raise EcomError("on Spark, `ecom build` builds the whole warehouse (--full-refresh aside); "
                                "run dbt with --target spark for a part of it")
            nodes = build_on_spark(data, full_refresh="--full-refresh" in dbt_args)
            say(f"dbt build on Spark: {nodes} nodes OK; warehouse {data.root / 'spark' / 'warehouse'}")
        else:
            steps = [[*dbt_args, "--selector", layer, *BUILD_FLAGS] for layer in BUILD_LAYERS] if whole else [dbt_args]
            for step in steps:
                run = run_dbt(["build", *step], data, memory_limit=args.memory_limit, threads=args.threads,
                              retry_out_of_memory=True)
                say(_built(run, data, step))
        if whole:
            _export(data, chosen)


def cmd_generate(args: argparse.Namespace, data: DataDir) -> int:
    _generate(args, data, first_month=args.first_month, months=args.months, only_months=tuple(args.only_month),
              dirt=not args.no_dirt, malformed_lines=args.malformed)
    return 0


def cmd_load(args: argparse.Namespace, data: DataDir) -> int:
    return _load(args.paths, data, args.force)


def cmd_build(args: argparse.Namespace, data: DataDir) -> int:
    extra = [a for a in args.dbt_args if a != "--"]
    _build_and_export(data, [*(["--full-refresh"] if args.full_refresh else []), *extra], args, "ecom build")
    return 0


def cmd_run(args: argparse.Namespace, data: DataDir) -> int:
    with writer_lock(data, "ecom run"):
        has_files = data.landing.exists() and any(data.landing.glob("*.csv*"))
        if args.regenerate or not has_files:
            _generate(args, data)
        else:
            say(f"landing already has files in {data.landing}; using them (--regenerate to replace)")
        status = _load([data.landing], data, force=False)
        _build_and_export(data, [], args, "ecom run")
    say("dashboard: `ecom dashboard` (or `make dashboard`), then open http://localhost:8501")
    if (data.truth / "user_propensity.parquet").exists():
        from ecom.ml.oracle import compare, describe

        try:
            say(describe(compare(data)))
        except EcomError as exc:
            say(f"oracle comparison skipped: {exc}")
    return status


def cmd_export(args: argparse.Namespace, data: DataDir) -> int:
    from ecom.warehouse.spark import engine

    _export(data, engine(args.engine))
    return 0


def cmd_dashboard(args: argparse.Namespace, data: DataDir) -> int:
    import os

    from ecom.dashboard import browser

    if args.screenshots:
        with browser.served(data) as url, browser.browser() as chrome:
            written = browser.screenshots(url, args.screenshots, chrome)
        say(f"dashboard: {len(written)} screenshots in {args.screenshots}")
        return 0
    command = browser.command(args.port)
    os.execvpe(command[0], command, {**os.environ, **data.env()})
    return 0


def cmd_sql(args: argparse.Namespace, data: DataDir) -> int:
    from ecom.warehouse.shell import repl

    repl(data, args.statement)
    return 0


def cmd_orchestrate(args: argparse.Namespace, data: DataDir) -> int:
    import os

    from ecom.orchestration.home import dagster_command

    command, env = dagster_command(data, args.port)
    os.execvpe(command[0], command, env)
    return 0


def cmd_evaluate(args: argparse.Namespace, data: DataDir) -> int:
    from ecom.ml.oracle import compare, describe

    say(describe(compare(data)))
    return 0


def cmd_docs(args: argparse.Namespace, data: DataDir) -> int:
    from ecom.warehouse.runner import run_dbt

    with writer_lock(data, "ecom docs"):
        run_dbt(["docs", "generate", "--static"], data)
    say(f"dbt docs: open {data.root / 'dbt' / 'target' / 'static_index.html'} in a browser")
    if args.serve:
        run_dbt(["docs", "serve"], data)
    return 0


def cmd_bench(args: argparse.Namespace, data: DataDir) -> int:
    from ecom.bench.report import update_docs
    from ecom.bench.runner import run_benchmarks
    from ecom.warehouse.runner import project_dir

    engines = ("duckdb", "spark") if args.engine == "spark" else ("duckdb",)
    report = args.from_report or run_benchmarks(data, preset_name=args.preset, events=args.events, engines=engines)
    say(f"benchmark report: {report}")
    if args.update_docs:
        update_docs(report.with_suffix(".json"), project_dir())
        say("docs/performance.md and the README's performance summary updated from the report")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, DataDir], int]] = {
    "generate": cmd_generate, "load": cmd_load, "build": cmd_build, "run": cmd_run, "export": cmd_export,
    "dashboard": cmd_dashboard, "sql": cmd_sql, "orchestrate": cmd_orchestrate, "evaluate": cmd_evaluate,
    "docs": cmd_docs, "bench": cmd_bench,
}


if __name__ == "__main__":
    raise SystemExit(main())
