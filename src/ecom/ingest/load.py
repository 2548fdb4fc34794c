"""Bronze loader: land REES46 CSV files as typed, zstd Parquet, quarantining bad rows.

One streaming Polars plan per file (``scan_csv`` -> ``sink_parquet``; the file is never in
memory). First Polars' CSV reader splits the fields (``csv_plan``): the fast way, kept when every
line became a row that passed the checks and the file's byte counts (``ecom.ingest.scan``, read
beside the load) prove no line was short and nothing was interpreted silently. A file with
double quotes is read again by the quote-aware reader; a file that still does not reconcile is
read line by line (``lines_plan``), so that each bad line is quarantined with its raw text, line
number and a reason instead of failing the load. Nothing is lost: every line read is landed or
quarantined, and a load whose counts do not add up changes nothing.

Output, per source file: ``bronze/events/event_date=YYYY-MM-DD/<stem>-<load>-<n>.parquet``
(typed rows plus lineage columns), ``bronze/quarantine/<stem>-<load>.parquet`` and an entry in
``bronze/_manifest.json``. Everything is written under ``_tmp/load-<load_id>/`` first and
published by ``ecom.ingest.publish``, so a crash never leaves part of a file visible.
"""

from __future__ import annotations

import gzip
import os
import shutil
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from ecom.contract import COLUMNS
from ecom.errors import EcomError
from ecom.ingest.manifest import ManifestEntry, read_manifest
from ecom.ingest.plans import QUARANTINE_SCHEMA, csv_plan, lines_plan
from ecom.ingest.publish import publish
from ecom.ingest.scan import FileCounts, file_checksum, scan_file
from ecom.ingest.sources import check_header, find_sources, same_stem_message, source_stem
from ecom.paths import DataDir
from ecom.progress import progress_bar

# Rows per Parquet row group in bronze. The partitioned sink buffers an open row group for each
# event date it is writing, so this bounds the loader's memory (docs/architecture.md, "Bronze").
ROW_GROUP_ROWS = 50_000
# Polars' CSV reader reads ahead two chunks per pipeline by default; chunks waiting to be parsed
# cost memory and buy no speed here. A value the user sets wins.
POLARS_LOADER_ENV = {"POLARS_CSV_CHUNK_PREFETCH_LIMIT": "1"}


@dataclass
class LoadResult:
    source_file: str
    status: str  # "loaded", "reloaded" or "skipped"
    rows_read: int
    rows_landed: int
    rows_quarantined: int
    seconds: float
    quarantine_reasons: dict[str, int]
    load_id: str
    reader: str = ""  # "csv" (Polars' CSV reader split the fields) or "lines" (split here, line by line)
    fallback: str = ""  # why the file was not kept from the first, unquoted CSV read


@dataclass
class LoadReport:
    """What a load of several inputs did: files landed or skipped, files that failed, and why."""

    results: list[LoadResult] = field(default_factory=list)
    failures: list[tuple[Path, str]] = field(default_factory=list)
    hidden: list[Path] = field(default_factory=list)


@contextmanager
def _polars_env(settings: dict[str, str]) -> Iterator[None]:
    """Set Polars environment settings for one plan; the user's own values win, and the
    environment is restored afterwards (Polars reads these when a plan starts executing)."""
    added = [name for name in settings if name not in os.environ]
    os.environ.update({name: settings[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _landed(tmp: Path) -> tuple[list[Path], int]:
    """The event files a finished sink wrote under ``tmp`` and their row count (from the footers)."""
    paths = sorted((tmp / "events").glob("event_date=*/*.parquet"))
    return paths, sum(pq.ParquetFile(p).metadata.num_rows for p in paths)


def _sink(good: pl.LazyFrame, tmp: Path, quarantined: pl.LazyFrame | None = None) -> None:
    """Write a plan's typed rows (partitioned by date) and its quarantined rows, in one streaming pass."""
    sinks = [
        good.sink_parquet(
            pl.PartitionBy(tmp / "events", key="event_date", include_key=False),
            compression="zstd",
            row_group_size=ROW_GROUP_ROWS,
            mkdir=True,
            lazy=True,
        )
    ]
    if quarantined is not None:
        sinks.append(quarantined.sink_parquet(tmp / "quarantine.parquet", compression="zstd", mkdir=True, lazy=True))
    with _polars_env(POLARS_LOADER_ENV):
        pl.collect_all(sinks)


def _count(path: Path, out: dict[str, object]) -> None:
    """Scan the file's bytes (runs beside the Polars load); an error is reported by the caller."""
    try:
        out["counts"] = scan_file(path)
    except (OSError, EOFError, zlib.error) as exc:
        out["error"] = exc


def _unreadable(path: Path, exc: BaseException) -> EcomError:
    if isinstance(exc, EOFError | gzip.BadGzipFile | zlib.error):
        return EcomError(f"{path}: the gzip data is truncated or corrupt ({exc}); nothing of it was loaded")
    return EcomError(f"{path}: could not be read ({exc}); nothing of it was loaded")


def _refused(landed: int, counts: FileCounts) -> str | None:
    """Why a CSV read's rows cannot be kept, or None.

    Kept only if every line became a row that passed the checks, and the file has exactly eight
    commas per line outside quoted fields: the reader fails on a line with more than nine fields,
    so that many commas in all means no line had fewer (which the reader would have given empty
    fields). A line break inside a quoted field makes two physical lines one row: refused.
    """
    if landed != counts.rows:
        return f"{counts.rows - landed:,} of its {counts.rows:,} rows did not pass the checks"
    if counts.commas != (len(COLUMNS) - 1) * counts.lines:
        return "its comma count shows a line with fewer than nine fields"
    if counts.quoted_newlines:
        return "a quoted field holds a line break"
    return None


def _read(path: Path, name: str, load_id: str, tmp: Path) -> tuple[FileCounts, str, str]:
    """Write the file's rows and quarantine under ``tmp``: (counts, reader, why not the first read)."""
    counted: dict[str, object] = {}
    counter = threading.Thread(target=_count, args=(path, counted), daemon=True)
    counter.start()
    fallback: str | None = None
    try:
        _sink(csv_plan(path, name, load_id), tmp)
    except pl.exceptions.PolarsError as exc:
        fallback = f"the CSV reader stopped ({str(exc).splitlines()[0]})"
    except (OSError, EOFError) as exc:  # a gzip stream that ends early fails in the reader too
        fallback = f"the CSV reader stopped ({exc})"
    finally:
        counter.join()
    if "error" in counted:
        raise _unreadable(path, counted["error"])  # type: ignore[arg-type]
    counts: FileCounts = counted["counts"]  # type: ignore[assignment]
    if fallback is None:  # a failed sink can leave empty stub files: only a finished one is counted
        fallback = (
            "it holds NUL bytes" if counts.nuls
            else "it has double-quoted fields" if counts.quotes
            else _refused(_landed(tmp)[1], counts)
        )
    if fallback is None:
        return counts, "csv", ""
    quoted = counts.quotes > 0
    if quoted and not counts.nuls:
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            _sink(csv_plan(path, name, load_id, quoted=True), tmp)
            if _refused(_landed(tmp)[1], counts) is None:
                return counts, "csv", fallback
        except pl.exceptions.PolarsError:
            pass
    shutil.rmtree(tmp, ignore_errors=True)
    good, bad = lines_plan(path, name, load_id, quoted=quoted)
    try:
        _sink(good, tmp, bad)
    except (pl.exceptions.PolarsError, OSError, EOFError) as exc:
        raise EcomError(f"{path}: could not be read as CSV ({str(exc).splitlines()[0]}); nothing of it was loaded") from exc
    return counts, "lines", fallback


def _superseded(name: str, manifest: dict[str, ManifestEntry], force: bool) -> list[ManifestEntry]:
    """The entries this file's load replaces: its own earlier load, or another name with its
    stem (2019-Nov.csv for 2019-Nov.csv.gz), which only --force may replace."""
    other = next((e for o, e in manifest.items() if o != name and source_stem(o) == source_stem(name)), None)
    if other is not None and not force:
        raise EcomError(same_stem_message(name, other.source_file, "is already loaded", offer_force=True))
    return [e for e in (manifest.get(name), other) if e is not None]


def load_file(path: Path, data: DataDir, *, force: bool = False) -> LoadResult:
    """Land one CSV file; skip it if the manifest already has it (unless ``force``)."""
    began = time.perf_counter()
    check_header(path)
    name = path.name
    manifest = read_manifest(data.manifest)
    size = path.stat().st_size
    previous = manifest.get(name)
    replaced = _superseded(name, manifest, force)
    if previous is not None and not force:
        if previous.size_bytes == size and previous.crc32 == file_checksum(path):
            return LoadResult(name, "skipped", previous.rows_read, 0, 0, time.perf_counter() - began, {}, previous.load_id)
        raise EcomError(
            f"{path}: a different file named {name} was loaded before (load {previous.load_id}, "
            f"{previous.size_bytes:,} bytes, crc32 {previous.crc32}); pass --force to replace its rows"
        )
    load_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = data.staging_area / f"load-{load_id}"
    try:
        counts, reader, fallback = _read(path, name, load_id, tmp)
        new_files, landed = _landed(tmp)
        quarantine_path = tmp / "quarantine.parquet"
        if not quarantine_path.exists():  # the CSV reader's way writes no quarantine
            tmp.mkdir(parents=True, exist_ok=True)
            pl.DataFrame(schema=QUARANTINE_SCHEMA).write_parquet(quarantine_path, compression="zstd")
        quarantine = pl.read_parquet(quarantine_path)
        if landed + quarantine.height != counts.rows:
            raise EcomError(
                f"{path}: rows do not reconcile: {counts.rows:,} lines read, {landed:,} landed + "
                f"{quarantine.height:,} quarantined; nothing was changed in bronze"
            )
        entry = ManifestEntry(
            source_file=name, source_path=str(path.resolve()), size_bytes=size, crc32=counts.crc32,
            load_id=load_id, loaded_at=datetime.now(UTC).isoformat(timespec="seconds"), rows_read=counts.rows,
            rows_landed=landed, rows_quarantined=quarantine.height,
            seconds=round(time.perf_counter() - began, 3), reader=reader,
        )
        publish(data, new_files, quarantine_path, entry, manifest, replaced)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    reasons = dict(quarantine.group_by("reason").len().sort("reason").iter_rows())
    return LoadResult(
        name, "reloaded" if replaced else "loaded", counts.rows, landed, quarantine.height,
        time.perf_counter() - began, reasons, load_id, reader=reader, fallback=fallback,
    )


def load(inputs: list[Path], data: DataDir, *, force: bool = False) -> LoadReport:
    """Land every input file in turn, with a progress bar over bytes.

    Every file's header is checked before anything lands (a wrong header usually means a wrong
    folder). A file that then fails to read (a truncated gzip) is reported and the others still
    load: the report's ``failures`` say which and why.
    """
    sources, hidden = find_sources(inputs)
    for src in sources:
        check_header(src)
    report = LoadReport(hidden=hidden)
    with progress_bar("load", sum(p.stat().st_size for p in sources) / 1e6, "MB") as bar:
        for src in sources:
            try:
                report.results.append(load_file(src, data, force=force))
            except EcomError as exc:
                report.failures.append((src, str(exc)))
            bar.advance(bar.task_ids[0], src.stat().st_size / 1e6)
    return report


def describe(result: LoadResult) -> str:
    if result.status == "skipped":
        return (f"{result.source_file}: already loaded (load {result.load_id}, {result.rows_read:,} rows); "
                "skipped, use --force to reload")
    rate = result.rows_read / result.seconds if result.seconds else 0.0
    reasons = ", ".join(f"{k} {v:,}" for k, v in result.quarantine_reasons.items())
    how = ""
    if result.fallback:
        how = f"; read {'line by line' if result.reader == 'lines' else 'with quotes'} because {result.fallback}"
    return (
        f"{result.source_file}: {result.status} {result.rows_read:,} rows read = {result.rows_landed:,} landed + "
        f"{result.rows_quarantined:,} quarantined{f' ({reasons})' if reasons else ''} "
        f"in {result.seconds:.1f} s ({rate:,.0f} rows/s){how}"
    )
