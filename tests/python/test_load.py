"""The bronze loader lands every row or quarantines it with a reason, idempotently and safely."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from ecom.cli import main
from ecom.contract import HEADER
from ecom.errors import EcomError
from ecom.ingest import load as loader
from ecom.ingest import plans
from ecom.ingest.load import load, load_file
from ecom.paths import DataDir

from .conftest import SAMPLE_FILES


def _bronze(data: DataDir) -> pl.DataFrame:
    return pl.read_parquet(data.bronze_events / "*" / "*.parquet", hive_partitioning=True)


def _quarantine(data: DataDir) -> pl.DataFrame:
    files = list(data.quarantine.glob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files]) if files else pl.DataFrame()


@pytest.mark.parametrize("name", sorted(SAMPLE_FILES))
def test_real_sample_files_land_exactly_with_nothing_quarantined(sample_dir, data, name):
    result = load_file(sample_dir / name, data)
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (SAMPLE_FILES[name], SAMPLE_FILES[name], 0)
    assert (result.reader, result.fallback) == ("csv", "")  # a clean file takes the fast path
    bronze = _bronze(data)
    assert bronze.height == SAMPLE_FILES[name]
    # Values survive exactly: compare with an independent read of the CSV.
    expected = pl.read_csv(sample_dir / name, schema_overrides={"price": pl.String, "category_id": pl.Int64})
    got = bronze.sort("event_time", "user_id", "product_id", "user_session", maintain_order=True)
    want = expected.sort("event_time", "user_id", "product_id", "user_session", maintain_order=True)
    assert got["price"].cast(pl.String).to_list() == want["price"].to_list()
    assert got["category_id"].to_list() == want["category_id"].to_list()
    assert got["brand"].null_count() == want["brand"].null_count()
    assert got["event_time"].dt.strftime("%Y-%m-%d %H:%M:%S UTC").to_list() == want["event_time"].to_list()


def _variant(src: Path, dst: Path, kind: str) -> int:
    """Write a variant of a sample file; return the rows a correct loader must land."""
    raw = src.read_bytes()
    rows = raw.rstrip(b"\n").count(b"\n")
    if kind == "crlf":
        dst.write_bytes(raw.replace(b"\n", b"\r\n"))
    elif kind == "gzip":
        dst.write_bytes(gzip.compress(raw))
    elif kind == "no_final_newline":
        dst.write_bytes(raw.rstrip(b"\n"))
    elif kind == "truncated_last_line":
        body = raw.rstrip(b"\n")
        dst.write_bytes(body[: body.rfind(b"\n") + 40])  # the last line is cut after 40 bytes
        return rows - 1
    return rows


@pytest.mark.parametrize("kind", ["crlf", "gzip", "no_final_newline", "truncated_last_line"])
def test_variants_of_the_real_files_land_with_every_row_accounted_for(sample_dir, data, tmp_path, kind):
    name = "2019-Oct-head2000.csv"
    dst = tmp_path / (name + (".gz" if kind == "gzip" else ""))
    expected = _variant(sample_dir / name, dst, kind)
    result = load_file(dst, data)
    assert result.rows_landed == expected
    assert result.rows_read == 2000
    assert result.rows_read == result.rows_landed + result.rows_quarantined
    # The cut line (too few fields, so it fails the checks) sends its file line by line.
    assert result.reader == ("lines" if kind == "truncated_last_line" else "csv")
    if kind == "truncated_last_line":
        q = _quarantine(data)
        assert q["reason"].to_list() == ["wrong_column_count"]
        assert q["line_number"].to_list() == [2001]
    bronze = _bronze(data)
    assert bronze["user_session"].str.len_bytes().max() == 36  # no stray \r at line ends


def test_malformed_rows_are_quarantined_with_raw_text_and_reason(tiny, data):
    generated, summary = tiny
    results = load([generated.landing], data).results
    q = _quarantine(data)
    for result, file_summary in zip(sorted(results, key=lambda r: r.source_file),
                                    sorted(summary.files, key=lambda f: Path(f.path).name)):
        assert result.rows_read == result.rows_landed + result.rows_quarantined
        assert result.rows_landed == file_summary.rows
        assert result.quarantine_reasons == dict(sorted(file_summary.malformed.items()))
        assert result.reader == "lines"
        assert f"read line by line because {result.fallback}" in loader.describe(result)
    assert set(q["reason"]) == {
        "bad_event_time", "unknown_event_type", "bad_product_id", "bad_category_id",
        "negative_price", "wrong_column_count", "invalid_utf8",
    }
    assert q.filter(pl.col("reason") == "bad_category_id")["raw_line"].str.contains("2.05E+18", literal=True).all()
    assert _bronze(data).height == sum(r.rows_landed for r in results)


GOOD_LINE = "2019-11-01 00:00:00 UTC,view,1,2053013555631882655,,,1.50,7,26dd6e6e-4dac-4778-8d2c-92e149dab885"


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def test_the_column_count_is_exact_at_both_edges(data, tmp_path):
    good = GOOD_LINE
    lines = {
        2: good,
        3: good.rsplit(",", 1)[0] + ",",  # an empty user_session is a valid, 9-field line
        4: good + ",",  # a trailing comma makes ten fields
        5: good + ",extra",
        6: good.rsplit(",", 1)[0],  # eight fields
        7: "2019-11-01 00:00:00 UTC,view,1",
    }
    path = _write_lines(tmp_path / "2019-Nov.csv", list(lines.values()))
    result = load_file(path, data)
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (6, 2, 4)
    q = _quarantine(data).sort("line_number")
    assert q["line_number"].to_list() == [4, 5, 6, 7]
    assert set(q["reason"]) == {"wrong_column_count"}
    assert q["raw_line"].to_list() == [lines[n] for n in (4, 5, 6, 7)]
    assert _bronze(data)["user_session"].to_list().count(None) == 1


def test_both_readers_give_the_same_rows_for_a_clean_file(data, tmp_path):
    # Valid but unusual values: the CSV reader's own number parsing and the line-by-line casts
    # must agree on every one of them (leading spaces and tabs, signs, a price without an integer
    # part or with one decimal).
    values = [
        ("2019-11-01 00:00:00 UTC", "view", "1", "2053013555631882655", "", "", "1.50", "7", ""),
        ("2019-11-01 00:00:01 UTC", "cart", " 2", "\t2053013555631882656", "a.b.c", "Brand", "+1.55", " 8", "x" * 36),
        ("2019-11-30 23:59:59 UTC", "purchase", "+3", "5", "kids.toys", "", "1.5", "\t9", "y" * 36),
        ("2019-11-02 12:00:00 UTC", "remove_from_cart", "04", "1", "", "b", ".5", "2147483647", "z" * 36),
        ("2019-11-03 00:00:00 UTC", "view", "5", "1", "", "", "0.00", "5", ""),
    ]
    path = _write_lines(tmp_path / "2019-Nov.csv", [",".join(v) for v in values])
    fast = plans.csv_plan(path, path.name, "L1").collect()
    careful, quarantined = (plan.collect() for plan in plans.lines_plan(path, path.name, "L1"))
    assert quarantined.height == 0
    assert fast.height == len(values)
    assert fast.equals(careful)
    assert fast["price"].cast(pl.String).to_list() == ["1.50", "1.55", "1.50", "0.50", "0.00"]
    assert fast["product_id"].to_list() == [1, 2, 3, 4, 5]
    result = load_file(path, data)
    assert (result.reader, result.rows_landed) == ("csv", len(values))
    # The empty quarantine file of a clean file has the columns a line-by-line read writes.
    assert pl.read_parquet(data.bronze / json.loads(data.manifest.read_text())["files"][0]["quarantine_file"]).schema \
        == quarantined.schema


def test_a_line_missing_only_its_last_field_is_caught_by_the_comma_count(data, tmp_path):
    # The CSV reader gives a line of eight fields an empty ninth, which would pass as an empty
    # user_session: only the file's comma count shows it, and sends the file line by line.
    short = GOOD_LINE.rsplit(",", 1)[0]
    path = _write_lines(tmp_path / "2019-Nov.csv", [GOOD_LINE, GOOD_LINE, short, GOOD_LINE])
    result = load_file(path, data)
    assert (result.reader, result.fallback) == ("lines", "its comma count shows a line with fewer than nine fields")
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (4, 3, 1)
    q = _quarantine(data)
    assert q.select("line_number", "raw_line", "reason").rows() == [(4, short, "wrong_column_count")]


@pytest.mark.parametrize(
    ("bad", "reason", "fallback"),
    [
        # A value the plan's checks reject: the CSV read finishes a row short.
        (GOOD_LINE.replace(",1.50,", ",-1.50,"), "negative_price", "1 of its 3 rows did not pass the checks"),
        # A number the CSV reader cannot parse stops the read at once.
        (GOOD_LINE.replace(",view,1,", ",view,1x,"), "bad_product_id", "the CSV reader stopped"),
        (GOOD_LINE + ",extra", "wrong_column_count", "the CSV reader stopped"),
    ],
)
def test_a_file_with_a_bad_line_is_read_line_by_line(data, tmp_path, bad, reason, fallback):
    path = _write_lines(tmp_path / "2019-Nov.csv", [GOOD_LINE, bad, GOOD_LINE])
    result = load_file(path, data)
    assert result.reader == "lines"
    assert result.fallback.startswith(fallback)
    assert (result.rows_landed, result.rows_quarantined) == (2, 1)
    assert _quarantine(data).select("line_number", "raw_line", "reason").rows() == [(3, bad, reason)]
    assert json.loads(data.manifest.read_text())["files"][0]["reader"] == "lines"


def test_a_failed_csv_read_leaves_no_stub_to_trip_the_line_by_line_read(data, tmp_path, monkeypatch):
    # A sink that fails mid-way can leave an empty Parquet file behind (seen in CI): the load must
    # not read it, but fall back and land the file line by line.
    real_sink = loader._sink

    def fail_leaving_a_stub(good, tmp, quarantined=None):
        if quarantined is not None:
            return real_sink(good, tmp, quarantined)
        stub = tmp / "events" / "event_date=2019-11-01" / "0.parquet"
        stub.parent.mkdir(parents=True)
        stub.touch()
        raise pl.exceptions.ComputeError("invalid utf-8 sequence")

    monkeypatch.setattr(loader, "_sink", fail_leaving_a_stub)
    result = load_file(_write_lines(tmp_path / "2019-Nov.csv", [GOOD_LINE, GOOD_LINE]), data)
    assert (result.reader, result.rows_landed, result.rows_quarantined) == ("lines", 2, 0)
    assert result.fallback == "the CSV reader stopped (invalid utf-8 sequence)"
    assert _bronze(data).height == 2


def test_bronze_columns_have_the_documented_types(tiny, data):
    load([tiny[0].landing], data)
    schema = pl.read_parquet_schema(next(data.bronze_events.glob("*/*.parquet")))
    assert schema["event_time"] == pl.Datetime("us", "UTC")
    assert schema["category_id"] == pl.Int64
    assert schema["product_id"] == pl.Int32 and schema["user_id"] == pl.Int32
    assert schema["price"] == pl.Decimal(10, 2)
    assert {"source_file", "load_id"} <= set(schema)
    partitions = {p.name for p in data.bronze_events.iterdir()}
    assert "event_date=2019-10-01" in partitions and "event_date=2019-11-30" in partitions


@pytest.mark.parametrize("users_value", [None, "3"])
def test_the_loader_reads_one_csv_chunk_ahead_unless_the_user_says_otherwise(data, tmp_path, monkeypatch, capfd, users_value):
    # Polars reports the read-ahead it uses in verbose mode (on stderr, from Rust).
    path = tmp_path / "2019-Oct.csv"
    path.write_text(HEADER + "\n2019-10-01 00:00:00 UTC,view,1,2,,,1.00,3,0a1b2c3d-0000-4000-8000-00000000000a\n")
    if users_value is None:
        monkeypatch.delenv("POLARS_CSV_CHUNK_PREFETCH_LIMIT", raising=False)
    else:
        monkeypatch.setenv("POLARS_CSV_CHUNK_PREFETCH_LIMIT", users_value)
    with pl.Config(verbose=True):
        assert load_file(path, data).rows_landed == 1
    expected = users_value or loader.POLARS_LOADER_ENV["POLARS_CSV_CHUNK_PREFETCH_LIMIT"]
    assert f"[CsvReaderBuilder]: prefetch_limit: {expected}\n" in capfd.readouterr().err
    # The process environment is left as it was found.
    assert os.environ.get("POLARS_CSV_CHUNK_PREFETCH_LIMIT") == users_value


def test_reloading_the_same_file_does_not_duplicate_rows(tiny, data):
    first = load([tiny[0].landing], data).results
    before = _bronze(data).height
    second = load([tiny[0].landing], data).results
    assert [r.status for r in second] == ["skipped", "skipped"]
    assert _bronze(data).height == before == sum(r.rows_landed for r in first)


def test_a_changed_file_needs_force_and_force_replaces_its_rows(sample_dir, data, tmp_path):
    path = tmp_path / "2019-Oct.csv"
    shutil.copy(sample_dir / "2019-Oct-head2000.csv", path)
    load_file(path, data)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:1001]))  # a corrected delivery with 1000 rows
    with pytest.raises(EcomError, match="different file named 2019-Oct.csv.*--force"):
        load_file(path, data)
    result = load_file(path, data, force=True)
    assert result.status == "reloaded"
    assert _bronze(data).height == 1000
    manifest = json.loads(data.manifest.read_text())["files"]
    assert [(e["source_file"], e["rows_landed"]) for e in manifest] == [("2019-Oct.csv", 1000)]


def test_reloading_a_file_keeps_the_files_of_another_whose_name_it_begins(data, tmp_path):
    # A late file named after its month: its bronze files share the month's name as a prefix, and
    # a `load --force` of the month must replace the month's files alone.
    month = _write_lines(tmp_path / "2019-Nov.csv", [GOOD_LINE])
    late = _write_lines(tmp_path / "2019-Nov-late.csv", [GOOD_LINE.replace(",7,", ",8,")])
    load([month, late], data)
    _write_lines(month, [GOOD_LINE, GOOD_LINE.replace(",7,", ",9,")])
    (result,) = load([month], data, force=True).results
    assert result.status == "reloaded"
    bronze = _bronze(data)
    assert sorted(zip(bronze["source_file"], bronze["user_id"])) == [
        ("2019-Nov-late.csv", 8), ("2019-Nov.csv", 7), ("2019-Nov.csv", 9),
    ]


def test_a_csv_and_its_gzip_are_refused_as_the_same_file_twice(data, tmp_path, capsys):
    # Their bronze files would share one name: the second would replace the first's rows while
    # the manifest still counted both.
    plain = _write_lines(tmp_path / "2019-Nov.csv", [GOOD_LINE])
    packed = tmp_path / "2019-Nov.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(EcomError, match=r"2019-Nov.csv.gz: 2019-Nov.csv is also an input, .* land one of them"):
        load([plain, packed], data)
    assert not data.manifest.exists()  # refused before landing anything
    load([plain], data)
    assert main(["load", str(packed), "--data-dir", str(data.root)]) == 2
    err = capsys.readouterr().err
    assert "2019-Nov.csv.gz: 2019-Nov.csv is already loaded, and bronze names the rows of both 2019-Nov-*.parquet" in err
    assert "or pass --force to replace 2019-Nov.csv's rows" in err
    assert _bronze(data)["source_file"].to_list() == ["2019-Nov.csv"]
    # With --force the packed file replaces the plain one's rows and its place in the manifest.
    (result,) = load([packed], data, force=True).results
    assert result.status == "reloaded"
    assert _bronze(data)["source_file"].to_list() == ["2019-Nov.csv.gz"]
    assert [e["source_file"] for e in json.loads(data.manifest.read_text())["files"]] == ["2019-Nov.csv.gz"]


def test_a_failed_load_leaves_nothing_visible(sample_dir, data, monkeypatch):
    real_scan = loader.scan_file

    def lose_a_row(path):
        counts = real_scan(path)
        return dataclasses.replace(counts, lines=counts.lines + 1, commas=counts.commas + 8)

    monkeypatch.setattr(loader, "scan_file", lose_a_row)
    with pytest.raises(EcomError, match="rows do not reconcile: 2,001 lines read, 2,000 landed"):
        load_file(sample_dir / "2019-Oct-head2000.csv", data)
    assert not data.bronze_events.exists() or not any(data.bronze_events.rglob("*.parquet"))
    assert not data.manifest.exists()
    assert not any(data.staging_area.glob("*")) if data.staging_area.exists() else True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"a,b,c\n1,2,3\n", "wrong header line"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file"),
    ],
)
def test_bad_files_get_one_clear_error_naming_the_file(data, tmp_path, capsys, content, message):
    path = tmp_path / "2019-Oct.csv"
    path.write_bytes(content)
    with pytest.raises(EcomError, match=message):
        load_file(path, data)
    assert main(["load", str(path), "--data-dir", str(data.root)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and message in err and "Traceback" not in err


def test_missing_input_is_a_clear_error(data, tmp_path, capsys):
    assert main(["load", str(tmp_path / "nope.csv"), "--data-dir", str(data.root)]) == 2
    assert "nope.csv: no such file or folder" in capsys.readouterr().err


def test_header_only_file_lands_zero_rows(data, tmp_path):
    path = tmp_path / "2019-Dec.csv"
    path.write_text(HEADER + "\n")
    result = load_file(path, data)
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (0, 0, 0)
