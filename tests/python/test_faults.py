"""The fault suite: what bad input, a crash and a concurrent command can and cannot do to the data.

Each test stands for one finding of a hostile test pass (issue #35), and failed before its fix.
Crashes are real: a failpoint (``ecom.faults``) or ``kill -9`` ends a real process, and the next
command is a real process too.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ecom.contract import HEADER
from ecom.ingest.load import load, load_file
from ecom.ingest.manifest import published_files, read_manifest
from ecom.lock import writer_lock
from ecom.paths import DataDir
from tests.python.dashboard_helpers import render_every_page
from tests.python.warehouse_helpers import copy_of, query

GOOD = "2019-11-01 00:00:00 UTC,view,1,2053013555631882655,,,1.50,7,26dd6e6e-4dac-4778-8d2c-92e149dab885"
FIELDS = HEADER.split(",")


def _line(base: str = GOOD, **values: str) -> str:
    fields = base.split(",")
    for name, value in values.items():
        fields[FIELDS.index(name)] = value
    return ",".join(fields)


def _write(path: Path, lines: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def _ecom(*args: str, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """A real `ecom` process."""
    return subprocess.run([sys.executable, "-m", "ecom.cli", *args], check=False, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, **kwargs)  # type: ignore[call-overload]


def _bronze(data: DataDir) -> pl.DataFrame:
    """The rows dbt would read: those of the files the manifest publishes."""
    files = sorted(p for p in published_files(data.bronze, read_manifest(data.manifest)) if "events" in p.parts)
    return pl.concat([pl.read_parquet(f) for f in files]) if files else pl.DataFrame()


def _quarantine(data: DataDir) -> pl.DataFrame:
    files = [data.bronze / e.quarantine_file for e in read_manifest(data.manifest).values()]
    return pl.concat([pl.read_parquet(f) for f in files])


def _one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) >= 1 and all(n in errors[0] for n in needles), result.stderr


# --- Wrong results ---------------------------------------------------------------------------


@pytest.mark.slow
def test_decile_lift_is_the_deciles_conversion_over_the_base_rate(tiny_warehouse):
    # The Propensity page showed a top-decile lift of about 1e-9 (safe_divide unparenthesised).
    scores = query(tiny_warehouse, "select * from gold.propensity_scores where snapshot = 'evaluation'")
    base_rate = scores["label_purchased"].mean()
    expected = (
        scores.group_by(pl.col("model_decile").alias("decile"))
        .agg(conversion=pl.col("label_purchased").mean())
        .with_columns(lift=pl.col("conversion") / base_rate)
        .sort("decile")
    )
    got = query(tiny_warehouse, "select decile, lift from gold.propensity_deciles where ranker = 'model' order by decile")
    assert got["lift"].to_list() == pytest.approx(expected["lift"].to_list(), rel=1e-9)
    assert 1.5 < got["lift"][0] < 20


@pytest.mark.slow
def test_a_late_file_repeating_rows_of_its_month_reconciles_file_by_file(tmp_path):
    # The README's late-file case: 2019-Nov-late.csv repeats rows of 2019-Nov.csv. The audit
    # credited both copies to the first file and failed the build. The copy of the first file
    # name (here the late file) is the event; the other is a removed duplicate of its own file.
    # The same build shows two more rules: rows differing only in the case and spaces of brand
    # are one event, and an implausible price warns with the count of its rows.
    data = DataDir.resolve(tmp_path / "data")
    month_lines = [_line(user_id=str(u), brand="Acme") for u in range(1, 6)]
    month_lines.append(_line(user_id="9", event_type="purchase", price="99999999.99"))
    month = _write(tmp_path / "2019-Nov.csv", month_lines)
    late = _write(tmp_path / "2019-Nov-late.csv", [*month_lines[:2], _line(user_id="3", brand="  ACME ")])
    load([month, late], data)
    built = _ecom("build", "--data-dir", str(data.root))
    assert built.returncode == 0, built.stdout[-3000:]
    assert "WARN 1 int_events_price_is_plausible" in built.stdout
    assert "Got 1 result, configured to warn if != 0" in built.stdout
    audit = query(data, "select source_file, bronze_rows, silver_rows, duplicates_removed, unaccounted_rows "
                        "from silver.audit_bronze_to_silver order by source_file")
    assert audit.rows() == [("2019-Nov-late.csv", 3, 3, 0, 0), ("2019-Nov.csv", 6, 3, 3, 0)]
    kept = query(data, "select source_file, list(user_id order by user_id) as users from silver.int_events group by all "
                       "order by source_file")
    assert kept.rows() == [("2019-Nov-late.csv", [1, 2, 3]), ("2019-Nov.csv", [4, 5, 9])]


@pytest.mark.parametrize("price", ["1.005", "1.999", "1e3", "1E2", "12.3456", "0x10", "1.2.3", "123456789.00"])
@pytest.mark.parametrize("reader", ["csv", "lines"])
def test_a_price_a_cast_would_change_is_quarantined_in_both_readers(data, tmp_path, price, reader):
    # 1.005 landed as 1.00, 1.999 as 2.00 and 1e3 as 1000.00. A second bad line sends the file
    # line by line, so both readers are held to the same rule.
    lines = [GOOD, _line(price=price)] + ([_line(event_type="click")] if reader == "lines" else [])
    result = load_file(_write(tmp_path / "2019-Nov.csv", lines), data)
    assert result.rows_landed == 1
    assert result.quarantine_reasons.get("bad_price") == 1
    assert _bronze(data)["price"].cast(pl.String).to_list() == ["1.50"]


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("product_id", "-1", "bad_product_id"), ("product_id", "0", "bad_product_id"),
    ("user_id", "-7", "bad_user_id"), ("category_id", "-2053013555631882655", "bad_category_id"),
])
def test_zero_or_negative_ids_are_quarantined(data, tmp_path, column, value, reason):
    result = load_file(_write(tmp_path / "2019-Nov.csv", [GOOD, _line(**{column: value})]), data)
    assert (result.rows_landed, result.quarantine_reasons) == (1, {reason: 1})


def test_a_nul_byte_past_the_first_4kb_quarantines_its_line_and_the_rest_lands(data, tmp_path):
    lines = [_line(user_id=str(u)) for u in range(1, 200)]
    lines[150] = _line(user_id="151", brand="ac\x00me")
    path = _write(tmp_path / "2019-Nov.csv", lines)
    assert path.read_bytes().index(b"\x00") > 4096
    result = load_file(path, data)
    assert (result.rows_landed, result.quarantine_reasons) == (198, {"invalid_text": 1})
    assert _quarantine(data)["line_number"].to_list() == [152]
    assert not _bronze(data)["brand"].drop_nulls().str.contains("\x00", literal=True).any()


def _documented_vars() -> dict[str, object]:
    import yaml

    from ecom.warehouse.runner import project_dir

    return yaml.safe_load((project_dir() / "dbt_project.yml").read_text())["vars"]


# A value other than the default for every var in dbt_project.yml, valid together.
NON_DEFAULT_VARS = {
    "start_date": "2019-10-02", "end_date": "2019-12-01", "session_timeout_minutes": 5, "session_lookback_days": 2,
    "analysis_date": "2019-12-05", "rfm_frequency_thresholds": [2, 4, 6, 10], "churn_inactive_days": 7,
    "churn_min_sessions": 2, "basket_grain": "user_window", "basket_window_days": 3, "basket_min_baskets": 3,
    "also_viewed_max_products": 10, "propensity_train_cutoff": "2019-10-20", "propensity_validation_cutoff": "2019-10-28",
    "propensity_evaluation_cutoff": "2019-11-10", "propensity_label_days": 7, "propensity_history_days": 14,
    "propensity_retrain": True, "propensity_top_k_pct": 10, "plausible_max_price": 2000,
    "bronze_warn_after_days": 20, "bronze_error_after_days": 40,
}


@pytest.mark.slow
def test_every_documented_var_can_be_set(tiny_warehouse, tmp_path):
    # `--vars '{session_timeout_minutes: 5}'` failed a unit test that assumed 30.
    assert NON_DEFAULT_VARS.keys() == _documented_vars().keys()
    assert all(NON_DEFAULT_VARS[k] != v for k, v in _documented_vars().items())
    from tests.python.warehouse_helpers import build

    data = copy_of(tiny_warehouse, tmp_path / "data")
    build(data, "--full-refresh", "--vars", json.dumps(NON_DEFAULT_VARS))
    longest_gap = ("select max(gap) as s from (select epoch(event_at) - epoch(lag(event_at) over (partition by "
                   "session_id order by event_at)) as gap from silver.int_events)")
    assert query(tiny_warehouse, longest_gap)["s"][0] > 300
    assert query(data, longest_gap)["s"][0] <= 300  # sessions split after 5 idle minutes
    assert query(data, "select min(event_date) as d from silver.int_events")["d"][0].isoformat() == "2019-10-02"


# --- Data exposed or lost under faults -------------------------------------------------------

PUBLISH_STEPS = ["publish.part#1", "publish.part#2", "publish.quarantine", "manifest.before_commit",
                 "manifest.after_commit", "publish.cleanup#1", "publish.cleanup#2"]


def _two_deliveries(tmp_path: Path) -> tuple[Path, list[str], list[str]]:
    """A month file over two days, and a corrected delivery of it with other rows."""
    first = [_line(user_id=str(u)) for u in range(1, 4)] + [_line(event_time="2019-11-02 10:00:00 UTC", user_id="4")]
    second = [_line(user_id=str(u)) for u in range(11, 16)] + [_line(event_time="2019-11-03 10:00:00 UTC", user_id="16")]
    return tmp_path / "2019-Nov.csv", first, second


@pytest.mark.parametrize("step", PUBLISH_STEPS)
def test_a_crash_at_any_step_of_a_reload_leaves_one_whole_delivery_visible(data, tmp_path, step):
    # The loader moved a file's parts into bronze one by one, then wrote the manifest, and dbt
    # read every file there: killed in between, part of a file was visible. Now a load publishes
    # by replacing the manifest, and dbt reads only what it lists.
    path, first, second = _two_deliveries(tmp_path)
    load_file(_write(path, first), data)
    _write(path, second)
    crashed = _ecom("load", str(path), "--force", "--data-dir", str(data.root), env={"ECOM_FAULT": step})
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    visible = sorted(_bronze(data)["user_id"].to_list())
    assert visible in ([1, 2, 3, 4], [11, 12, 13, 14, 15, 16]), step
    # The next writer removes what the crash left, says so, and the reload completes.
    again = _ecom("load", str(path), "--force", "--data-dir", str(data.root))
    assert again.returncode == 0, again.stderr
    assert sorted(_bronze(data)["user_id"].to_list()) == [11, 12, 13, 14, 15, 16]
    on_disk = {p for p in data.bronze.rglob("*.parquet")}
    assert on_disk == published_files(data.bronze, read_manifest(data.manifest))


@pytest.mark.slow
def test_a_build_after_a_crash_before_the_commit_sees_the_old_delivery_whole(tiny_warehouse, tmp_path):
    data = copy_of(tiny_warehouse, tmp_path / "data")
    october = data.landing / "2019-Oct.csv"
    october.write_bytes(b"".join(october.read_bytes().splitlines(keepends=True)[:101]))  # a shorter delivery
    crashed = _ecom("load", str(october), "--force", "--data-dir", str(data.root),
                    env={"ECOM_FAULT": "manifest.before_commit"})
    assert crashed.returncode == -signal.SIGKILL
    with duckdb.connect(str(tiny_warehouse.warehouse), read_only=True) as con:
        before = con.execute("select count(*) from bronze.events where source_file = '2019-Oct.csv'").fetchall()[0][0]
    # The build's own run (a real process) is also the next writer: it cleans up first.
    built = _ecom("build", "--data-dir", str(data.root), "--", "--select", "int_events")
    assert built.returncode == 0, built.stdout[-2000:]
    assert "leftover(s) of an interrupted command" in built.stderr
    rows = query(data, "select count(*) as n from bronze.events where source_file = '2019-Oct.csv'")["n"][0]
    assert rows == before > 100


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ecom.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def _wait_for(predicate, seconds: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_two_loads_at_once_wait_for_each_other_and_both_land(data, tmp_path):
    # Each rewrote the whole manifest: the last writer won and the other file's entry was lost,
    # both exiting 0. Here both start while a third writer holds the data directory.
    a = _write(tmp_path / "2019-Oct.csv", [_line(event_time="2019-10-05 10:00:00 UTC")])
    b = _write(tmp_path / "2019-Nov.csv", [GOOD])
    data.root.mkdir(parents=True)
    with writer_lock(data, "the test"):
        procs = [_start("load", str(p), "--data-dir", str(data.root)) for p in (a, b)]
        lock = data.root / ".ecom.lock"
        _wait_for(lambda: all(p.poll() is None for p in procs) and lock.exists())
        time.sleep(1.0)
        assert all(p.poll() is None for p in procs)  # both are waiting
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all("waiting for `the test`" in err for _, err in outputs)
    assert sorted(read_manifest(data.manifest)) == ["2019-Nov.csv", "2019-Oct.csv"]


def test_a_writer_told_not_to_wait_names_the_holder(data, tmp_path):
    path = _write(tmp_path / "2019-Nov.csv", [GOOD])
    data.root.mkdir(parents=True)
    with writer_lock(data, "ecom build"):
        result = _ecom("load", str(path), "--data-dir", str(data.root), env={"ECOM_LOCK_TIMEOUT": "0"})
    _one_line_error(result, str(data.root), "is being written by `ecom build`", f"pid {os.getpid()}")
    assert not data.manifest.exists()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").exists(), reason="reads the process table from /proc (Linux)")
def test_killing_ecom_build_kills_its_dbt_and_the_next_build_runs(tiny_warehouse, tmp_path):
    # kill -9 of `ecom build` left dbt running, re-parented, holding the warehouse's lock: the
    # next build failed with 234 lines.
    data = copy_of(tiny_warehouse, tmp_path / "data")
    ecom = _start("build", "--full-refresh", "--data-dir", str(data.root))
    _wait_for(lambda: any("dbt" in Path(f"/proc/{c}/cmdline").read_text() for c in _children(ecom.pid)))
    dbt = next(c for c in _children(ecom.pid) if "dbt" in Path(f"/proc/{c}/cmdline").read_text())
    time.sleep(2.0)  # dbt has opened the warehouse
    os.kill(ecom.pid, signal.SIGKILL)
    ecom.communicate()
    _wait_for(lambda: not _alive(dbt), seconds=10)
    again = _ecom("build", "--data-dir", str(data.root), "--", "--select", "int_events")
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr


def test_a_killed_load_leaves_temporary_output_that_the_next_writer_removes(data, tmp_path):
    # Killed loads left _tmp/load-* with partial Parquet forever (38 MB after three kills).
    path = _write(tmp_path / "2019-Nov.csv", [GOOD, _line(event_time="2019-11-02 10:00:00 UTC")])
    crashed = _ecom("load", str(path), "--data-dir", str(data.root), env={"ECOM_FAULT": "publish.part#1"})
    assert crashed.returncode == -signal.SIGKILL
    assert any(data.staging_area.iterdir()) and not data.manifest.exists()
    again = _ecom("load", str(path), "--data-dir", str(data.root))
    assert again.returncode == 0, again.stderr
    assert "removed 2 leftover(s) of an interrupted command" in " ".join(again.stderr.split())
    assert not any(data.staging_area.iterdir())
    assert _bronze(data).height == 2


# --- Errors a person can act on --------------------------------------------------------------


def test_a_truncated_gzip_fails_alone_and_the_folder_load_names_it(data, tmp_path):
    folder = tmp_path / "landing"
    folder.mkdir()
    _write(folder / "2019-Nov.csv", [GOOD])
    body = "\n".join([HEADER, *[_line(user_id=str(u)) for u in range(1, 5000)]]).encode()
    (folder / "2019-Oct.csv.gz").write_bytes(gzip.compress(body)[:-2000])
    result = _ecom("load", str(folder), "--data-dir", str(data.root))
    _one_line_error(result, "2019-Oct.csv.gz", "gzip data is truncated or corrupt")
    assert "1 of 2 files failed: 2019-Oct.csv.gz" in result.stderr
    assert sorted(read_manifest(data.manifest)) == ["2019-Nov.csv"]


@pytest.mark.parametrize(("args", "env", "needle"), [
    (["--memory-limit", "abc"], {}, "--memory-limit 'abc' is not a memory size"),
    ([], {"ECOM_MEMORY_LIMIT": "abc"}, "ECOM_MEMORY_LIMIT 'abc' is not a memory size"),
    (["--threads", "0"], {}, "--threads 0 is not a number of threads"),
    (["--threads", "-1"], {}, "--threads -1 is not a number of threads"),
    ([], {"ECOM_THREADS": "two"}, "ECOM_THREADS 'two' is not a number of threads"),
])
def test_bad_build_settings_are_one_line_naming_the_setting(tiny_warehouse, tmp_path, args, env, needle):
    data = copy_of(tiny_warehouse, tmp_path / "data")
    _one_line_error(_ecom("build", *args, "--data-dir", str(data.root), env=env), needle)


@pytest.fixture
def read_only_copy(tiny_warehouse, tmp_path):
    """The tiny warehouse's data directory, read-only: a read-only bind mount as root (whom
    permissions do not stop), else a folder without write permission."""
    source = copy_of(tiny_warehouse, tmp_path / "source")
    target = tmp_path / "data"
    target.mkdir()
    if os.geteuid() != 0:
        shutil.copytree(source.root, target, dirs_exist_ok=True)
        target.chmod(0o555)
        yield DataDir.resolve(target)
        target.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", str(source.root), str(target)], check=False, capture_output=True)
    remount = ["mount", "-o", "remount,ro,bind", str(target)]
    if mounted.returncode != 0 or subprocess.run(remount, check=False).returncode != 0:
        subprocess.run(["umount", str(target)], check=False, capture_output=True)
        pytest.skip(f"cannot make a read-only bind mount as root here ({mounted.stderr.decode().strip()})")
    try:
        yield DataDir.resolve(target)
    finally:
        subprocess.run(["umount", str(target)], check=True)


@pytest.mark.parametrize("command", [["load"], ["build"], ["export"]])
def test_an_unwritable_data_directory_is_one_line_naming_it(read_only_copy, command):
    result = _ecom(*command, "--data-dir", str(read_only_copy.root))
    _one_line_error(result, str(read_only_copy.root), "not writable")


@pytest.mark.slow
def test_a_warehouse_held_open_elsewhere_names_the_holders_pid(tiny_warehouse, tmp_path):
    data = copy_of(tiny_warehouse, tmp_path / "data")
    hold = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(120)"
    holder = subprocess.Popen([sys.executable, "-c", hold, str(data.warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = _ecom("build", "--data-dir", str(data.root))
        _one_line_error(result, "open in another process", f"PID {holder.pid}", "current.duckdb")
    finally:
        holder.kill()


# --- Input that should land ------------------------------------------------------------------

QUOTED = [
    # pandas/Excel write quotes only where needed: a comma, or a quote doubled inside.
    _line(user_id="1", category_code='"electronics.smartphone"', brand='"acme, inc."'),
    _line(user_id="2", brand='"the ""best"" co"'),
    _line(user_id="3"),
]


@pytest.mark.parametrize("reader", ["csv", "lines"])
def test_rfc4180_quoted_fields_land_with_their_values_in_both_readers(data, tmp_path, reader):
    # Such rows were quarantined as wrong_column_count, and a fully quoted file refused.
    lines = QUOTED + ([_line(user_id="4", event_type="click")] if reader == "lines" else [])
    result = load_file(_write(tmp_path / "2019-Nov.csv", lines), data)
    assert (result.reader, result.rows_landed) == (reader, 3)
    brands = dict(zip(*_bronze(data).select("user_id", "brand").to_dict(as_series=False).values(), strict=True))
    assert brands == {1: "acme, inc.", 2: 'the "best" co', 3: None}


def test_a_fully_quoted_file_from_a_database_export_lands(data, tmp_path):
    quoted = [",".join(f'"{f}"' for f in line.split(",")) for line in (GOOD, _line(user_id="8", brand="x,y"))]
    quoted[1] = quoted[1].replace('"x","y"', '"x,y"')
    header = ",".join(f'"{c}"' for c in FIELDS)
    result = load_file(_write(tmp_path / "2019-Nov.csv", quoted, header=header), data)
    assert (result.rows_landed, result.rows_quarantined) == (2, 0)
    assert sorted(_bronze(data)["brand"].to_list(), key=str) == [None, "x,y"]
    assert _bronze(data)["price"].cast(pl.String).to_list() == ["1.50", "1.50"]


def test_hidden_files_are_skipped_and_upper_case_suffixes_load(data, tmp_path):
    folder = tmp_path / "landing"
    folder.mkdir()
    _write(folder / "2019-OCT.CSV", [_line(event_time="2019-10-05 10:00:00 UTC")])
    (folder / "2019-Nov.CSV.GZ").write_bytes(gzip.compress(f"{HEADER}\n{GOOD}\n".encode()))
    (folder / "._2019-Oct.csv").write_bytes(b"\x00\x05\x16\x07 macOS resource fork")
    _write(folder / ".draft.csv", [GOOD])
    result = _ecom("load", str(folder), "--data-dir", str(data.root))
    assert result.returncode == 0, result.stderr
    skipped = " ".join(result.stderr.split())
    assert "._2019-Oct.csv: skipped, a hidden file" in skipped and ".draft.csv: skipped, a hidden file" in skipped
    assert sorted(read_manifest(data.manifest)) == ["2019-Nov.CSV.GZ", "2019-OCT.CSV"]


@pytest.mark.slow
def test_one_month_of_data_builds_with_an_empty_propensity_layer_and_a_working_dashboard(tiny, tmp_path, monkeypatch):
    # October alone failed the whole build in propensity_model ("no purchasers").
    generated, _ = tiny
    data = DataDir.resolve(tmp_path / "data")
    data.landing.mkdir(parents=True)
    shutil.copy(generated.landing / "2019-Oct.csv", data.landing)
    result = _ecom("run", "--data-dir", str(data.root))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "propensity_model: no model trained: the" in result.stdout
    assert "WARN 1 assert_propensity_model_was_trained" in result.stdout
    for table in ("propensity_model", "propensity_scores", "propensity_evaluation", "campaign_targets"):
        assert query(data, f"select count(*) as n from gold.{table}")["n"][0] == 0, table
    assert query(data, "select count(*) as n from gold.sales_daily")["n"][0] > 25
    render_every_page(monkeypatch, data)


@pytest.mark.slow
def test_the_real_sample_rows_build_with_an_empty_propensity_layer(sample_dir, tmp_path):
    data = DataDir.resolve(tmp_path / "data")
    assert _ecom("load", str(sample_dir), "--data-dir", str(data.root)).returncode == 0
    result = _ecom("build", "--data-dir", str(data.root))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "WARN 1 assert_propensity_model_was_trained" in result.stdout
    assert query(data, "select count(*) as n from silver.int_events")["n"][0] > 2000
