"""Bronze loader: land REES46 CSV files as typed, zstd Parquet, quarantining bad rows.

One streaming Polars plan per file (``scan_csv`` -> ``sink_parquet``; the file is never in
memory), in one of two ways. First Polars' CSV reader splits the fields and parses the numbers
(``csv_plan``): the fast way, kept when every line became a row that passed the checks and the
file's comma count proves no line was short. Otherwise, and only then, the file is read again
line by line (``lines_plan``): each line as raw text, split here, so that a line with the wrong
number of fields, bad bytes or an unparsable value is quarantined with its raw text, line number
and a reason instead of failing the load or being silently truncated. Both ways type and check
values with the same rules, so a clean file lands the same rows either way.

Output, per source file:
- ``bronze/events/event_date=YYYY-MM-DD/<file>-<n>.parquet``: typed rows plus lineage columns;
- ``bronze/quarantine/<file>.parquet``: rejected lines, raw text, line number and reason;
- an entry in ``bronze/_manifest.json``.
Everything is first written under ``_tmp/<load_id>/`` and moved into place only once the rows
reconcile (read = landed + quarantined), so a crash never leaves a partial file visible.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from ecom.errors import EcomError
from ecom.ingest.manifest import ManifestEntry, checksum, read_manifest, scan_blocks, write_manifest
from ecom.paths import DataDir
from ecom.progress import progress_bar

COLUMNS = ("event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id", "user_session")
HEADER = ",".join(COLUMNS)
EVENT_TYPES = ["view", "cart", "remove_from_cart", "purchase"]
TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
# The line splitter uses a byte that never occurs in the data as the "separator".
LINE_SEPARATOR = "\x1f"
SUFFIXES = (".csv", ".csv.gz")
# Rows per Parquet row group in bronze. The partitioned sink buffers an open row group for each
# event date it is writing, so this bounds the loader's memory: on a 67M-row month, 50,000 rows
# peaked at 748 MB against 989 MB with Polars' default, in the same time. The files grow 3% and
# DuckDB scans them faster (3.5 s against 4.5 s for the month), having more groups to split.
ROW_GROUP_ROWS = 50_000
# Polars' CSV reader reads ahead two chunks per pipeline by default. Chunks waiting to be
# parsed cost memory and buy no speed: read line by line, the 67M-row month peaked at 640-687 MB
# with one chunk of read-ahead against 737-829 MB, in the same time (37.3-40.5 s against
# 39.5-40.8 s, five runs each); with the CSV reader first, 606-618 MB against 639-645 MB (three
# runs each). A value the user sets wins.
POLARS_LOADER_ENV = {"POLARS_CSV_CHUNK_PREFETCH_LIMIT": "1"}

# Why bronze holds these types (memory and size, without losing a value):
# - event_time: microsecond timestamp with time zone UTC (the source says "UTC" on every row);
# - event_type: an Enum (1 byte per row in memory, dictionary-encoded in Parquet);
# - product_id, user_id: Int32 (real ids are below 10^9); category_id: Int64 (19 digits);
# - price: Decimal(10, 2), exact cents, so revenue sums never drift;
# - category_code, brand, user_session: strings, dictionary-encoded by Parquet.
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "event_time": pl.Datetime("us", "UTC"),
    "event_type": pl.Enum(EVENT_TYPES),
    "product_id": pl.Int32(),
    "category_id": pl.Int64(),
    "category_code": pl.String(),
    "brand": pl.String(),
    "price": pl.Decimal(10, 2),
    "user_id": pl.Int32(),
    "user_session": pl.String(),
}

# Rejected lines, as bronze/quarantine/<file>.parquet holds them (empty when the file had none).
QUARANTINE_SCHEMA = {
    "source_file": pl.String(),
    "load_id": pl.String(),
    "line_number": pl.Int64(),
    "raw_line": pl.String(),
    "reason": pl.String(),
}

REASONS = (
    "blank_line",
    "invalid_utf8",
    "wrong_column_count",
    "bad_event_time",
    "unknown_event_type",
    "bad_product_id",
    "bad_category_id",
    "bad_price",
    "negative_price",
    "bad_user_id",
    "bad_user_session",
)


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
    fallback: str = ""  # why the file was read line by line


def find_sources(inputs: list[Path]) -> list[Path]:
    """Files named on the command line, or every CSV / CSV.gz in a named folder."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found.extend(sorted(p for p in item.iterdir() if p.is_file() and p.name.endswith(SUFFIXES)))
        elif item.is_file():
            found.append(item)
        else:
            raise EcomError(f"{item}: no such file or folder")
    if not found:
        raise EcomError(f"no .csv or .csv.gz files found in {', '.join(map(str, inputs))}")
    names = [p.name for p in found]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise EcomError(f"two inputs share the file name {dupes[0]}: bronze tracks files by name")
    stems: dict[str, str] = {}
    for name in names:
        other = stems.setdefault(source_stem(name), name)
        if other != name:
            raise EcomError(_same_stem_message(name, other, "is also an input"))
    return found


def _same_stem_message(name: str, other: str, how: str, offer_force: bool = False) -> str:
    choices = f"land one of them, rename this one if it holds other rows, or pass --force to replace {other}'s rows"
    return (
        f"{name}: {other} {how}, and bronze names the rows of both {source_stem(name)}-*.parquet, so one "
        f"would replace the other's. A .csv and its .csv.gz are the same file twice: "
        + (choices if offer_force else "land one of them, or rename this one if it holds other rows")
    )


def check_header(path: Path) -> None:
    """Fail with one clear line on an empty file, a non-CSV file or a wrong header."""
    if path.stat().st_size == 0:
        raise EcomError(f"{path}: the file is empty (expected the header line {HEADER!r})")
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as fh:
            head = fh.read(4096)
    except (OSError, EOFError, zlib.error) as exc:
        raise EcomError(f"{path}: cannot be read as {'gzip' if path.name.endswith('.gz') else 'text'} ({exc})") from exc
    if b"\x00" in head:
        raise EcomError(f"{path}: this is not a CSV text file (it contains NUL bytes)")
    first = head.split(b"\n", 1)[0].rstrip(b"\r").removeprefix(b"\xef\xbb\xbf")
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EcomError(f"{path}: the first line is not UTF-8 text; is this a CSV file?") from exc
    if text.strip() != HEADER:
        raise EcomError(f"{path}: wrong header line\n  expected: {HEADER}\n  found:    {text[:200]}")


def source_stem(name: str) -> str:
    """The file name without .csv / .csv.gz, used to name its bronze files."""
    for suffix in (".csv.gz", ".csv"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


# Numeric columns and their bronze types. Polars' CSV reader parses them itself (the fast path);
# read line by line, they are cast from text with the same rules, leading spaces and tabs
# allowed as the reader allows them.
NUMBERS: dict[str, pl.DataType] = {
    "product_id": pl.Int32(),
    "category_id": pl.Int64(),
    "price": pl.Decimal(10, 2),
    "user_id": pl.Int32(),
}


def _typed(fields: pl.LazyFrame, *, numbers_typed: bool) -> pl.LazyFrame:
    """The string fields ``s_<column>`` typed as bronze columns: null where a value does not parse.

    With ``numbers_typed`` the reader has already typed the numeric columns (named as in bronze).
    """
    s = {c: pl.col(f"s_{c}") for c in COLUMNS}
    numbers = [] if numbers_typed else [
        s[c].str.strip_chars_start(" \t").cast(dtype, strict=False).alias(c) for c, dtype in NUMBERS.items()
    ]
    return fields.with_columns(
        s["event_time"].str.strptime(pl.Datetime("us", "UTC"), TIME_FORMAT, strict=False).alias("event_time"),
        s["event_type"].cast(pl.Enum(EVENT_TYPES), strict=False).alias("event_type"),
        *numbers,
    )


def _first_reason(checks: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """The reason of the first check that holds, or null: one when/then chain."""
    (condition, reason), *rest = checks
    chain = pl.when(condition).then(pl.lit(reason))
    for condition, reason in rest:
        chain = chain.when(condition).then(pl.lit(reason))
    return chain


def _value_checks() -> list[tuple[pl.Expr, str]]:
    """Checks on the typed values, in the order their reasons are reported."""
    session = pl.col("s_user_session")
    return [
        (pl.col("event_time").is_null(), "bad_event_time"),
        (pl.col("event_type").is_null(), "unknown_event_type"),
        (pl.col("product_id").is_null(), "bad_product_id"),
        (pl.col("category_id").is_null(), "bad_category_id"),
        (pl.col("price").is_null(), "bad_price"),
        (pl.col("price") < 0, "negative_price"),
        (pl.col("user_id").is_null(), "bad_user_id"),
        ((session != "") & (session.str.len_bytes() != 36), "bad_user_session"),
    ]


def _good_rows(checked: pl.LazyFrame, source_file: str, load_id: str) -> pl.LazyFrame:
    """The rows without a reason, as bronze columns plus lineage and the partition key."""

    def empty_is_null(c: str) -> pl.Expr:
        return pl.when(pl.col(f"s_{c}") != "").then(pl.col(f"s_{c}"))

    return checked.filter(pl.col("reason").is_null()).select(
        "event_time", "event_type", "product_id", "category_id",
        category_code=empty_is_null("category_code"),
        brand=empty_is_null("brand"),
        price="price",
        user_id="user_id",
        user_session=empty_is_null("user_session"),
        source_file=pl.lit(source_file, dtype=pl.Categorical),
        load_id=pl.lit(load_id, dtype=pl.Categorical),
        event_date=pl.col("event_time").dt.date(),
    )


def csv_plan(path: Path, source_file: str, load_id: str) -> pl.LazyFrame:
    """The typed rows of one CSV file that pass every check, split and partly typed by Polars' CSV reader.

    The fast way, for files without a bad line: the reader splits each line into nine fields,
    parses the numbers and checks the text is UTF-8 itself; the plan types and checks the rest
    with the same rules as ``lines_plan``. What it cannot do is quarantine a bad line with its
    raw text: a line with too many fields, a number that does not parse or bytes that are not
    UTF-8 fail the read, and a line with too few fields gets empty ones. So ``load_file`` keeps
    this plan's output only when the read did not fail, every line became a row that passed,
    and the file's commas prove every line had nine fields; otherwise it loads the file again
    with ``lines_plan``. Rows that fail a check are dropped here, not written: the count of
    rows written against the count of lines is what says whether any did.
    """
    fields = pl.scan_csv(
        path,
        has_header=False,
        skip_rows=1,
        quote_char=None,
        schema={c: NUMBERS.get(c, pl.String()) for c in COLUMNS},
        encoding="utf8",
    ).rename({c: f"s_{c}" for c in COLUMNS if c not in NUMBERS})
    checked = _typed(fields, numbers_typed=True).with_columns(reason=_first_reason(_value_checks()))
    return _good_rows(checked, source_file, load_id)


def lines_plan(path: Path, source_file: str, load_id: str) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(typed rows, quarantined rows) of one CSV file, each line read as raw text and split here."""
    raw = pl.scan_csv(
        path,
        has_header=False,
        skip_rows=1,
        separator=LINE_SEPARATOR,
        quote_char=None,
        schema={"raw_line": pl.String},
        encoding="utf8-lossy",
        row_index_name="line_number",
        row_index_offset=2,
    )
    line = pl.col("raw_line")
    # Split into one field more than the schema has: the last field is null unless the line has
    # too many commas, and user_session is null when it has too few. This checks the column count
    # in the same pass as the split: counting commas separately cost about 8% of the load's time
    # (5.1-5.4 s against 4.6-5.0 s on a 9.8M-row month).
    fields = raw.with_columns(parts=line.str.split_exact(",", len(COLUMNS))).unnest("parts")
    fields = fields.rename({f"field_{i}": f"s_{c}" for i, c in enumerate(COLUMNS)} | {f"field_{len(COLUMNS)}": "s_extra"})
    reason = _first_reason([
        (line.is_null(), "blank_line"),
        (line.str.contains("\ufffd", literal=True), "invalid_utf8"),
        (pl.col("s_user_session").is_null() | pl.col("s_extra").is_not_null(), "wrong_column_count"),
        *_value_checks(),
    ])
    checked = _typed(fields, numbers_typed=False).with_columns(reason=reason)
    bad = checked.filter(pl.col("reason").is_not_null()).select(
        pl.lit(source_file).alias("source_file"),
        pl.lit(load_id).alias("load_id"),
        pl.col("line_number").cast(pl.Int64),
        "raw_line",
        "reason",
    )
    return _good_rows(checked, source_file, load_id), bad


def _count_rows(path: Path, out: dict[str, object]) -> None:
    """Checksum the file and count its data lines and commas (runs beside the Polars load)."""
    try:
        gzipped = path.name.endswith(".gz")
        crc, counts = checksum(path, count_lines=not gzipped)
        if gzipped:
            with gzip.open(path, "rb") as fh:
                counts = scan_blocks(fh, crc=False, count_lines=True)
        out["crc32"], out["rows"], out["lines"], out["commas"] = crc, max(0, counts.lines - 1), counts.lines, counts.commas
    except Exception as exc:  # noqa: BLE001 - reported by the caller
        out["error"] = exc


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


def _csv_plan_refused(landed: int, counted: dict[str, object]) -> str | None:
    """Why the CSV reader's rows cannot be kept (then the file is read line by line), or None.

    Kept only if every line became a row that passed the checks, and the file has exactly eight
    commas per line: the reader fails on a line with more than nine fields, so that many commas
    in all means no line had fewer (which the reader would have given empty fields).
    """
    if landed != counted["rows"]:
        return f"{counted['rows'] - landed:,} of its {counted['rows']:,} rows did not pass the checks"  # type: ignore[operator]
    if counted["commas"] != (len(COLUMNS) - 1) * counted["lines"]:  # type: ignore[operator]
        return "its comma count shows a line with fewer than nine fields"
    return None


def load_file(path: Path, data: DataDir, *, force: bool = False) -> LoadResult:
    """Land one CSV file; skip it if the manifest already has it (unless ``force``)."""
    began = time.perf_counter()
    check_header(path)
    name = path.name
    manifest = read_manifest(data.manifest)
    size = path.stat().st_size
    previous = manifest.get(name)
    # Another name with this file's stem (2019-Nov.csv for 2019-Nov.csv.gz): its bronze files
    # carry the same names, so only --force may replace its rows with this file's.
    replaced = next((e for other, e in manifest.items() if other != name and source_stem(other) == source_stem(name)), None)
    if replaced is not None and not force:
        raise EcomError(_same_stem_message(name, replaced.source_file, "is already loaded", offer_force=True))
    if previous is not None and not force:
        crc, _ = checksum(path, count_lines=False)
        if previous.size_bytes == size and previous.crc32 == crc:
            return LoadResult(name, "skipped", previous.rows_read, 0, 0, time.perf_counter() - began, {}, previous.load_id)
        raise EcomError(
            f"{path}: a different file named {name} was loaded before (load {previous.load_id}, "
            f"{previous.size_bytes:,} bytes, crc32 {previous.crc32}); pass --force to replace its rows"
        )

    load_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = data.staging_area / f"load-{load_id}"
    stem = source_stem(name)
    counted: dict[str, object] = {}
    counter = threading.Thread(target=_count_rows, args=(path, counted), daemon=True)
    counter.start()
    fallback: str | None = None
    try:
        _sink(csv_plan(path, name, load_id), tmp)
    except pl.exceptions.PolarsError as exc:
        fallback = f"the CSV reader stopped ({str(exc).splitlines()[0]})"
    finally:
        counter.join()
    if "error" in counted:
        shutil.rmtree(tmp, ignore_errors=True)
        raise EcomError(f"{path}: could not be read to count its rows ({counted['error']})")
    rows_read = int(counted["rows"])  # type: ignore[call-overload]
    if fallback is None:  # a failed sink can leave empty stub files: only a finished one is counted
        new_files, landed = _landed(tmp)
        fallback = _csv_plan_refused(landed, counted)

    if fallback is None:
        tmp.mkdir(parents=True, exist_ok=True)  # a file of no rows wrote nothing
        pl.DataFrame(schema=QUARANTINE_SCHEMA).write_parquet(tmp / "quarantine.parquet", compression="zstd")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
        good, bad = lines_plan(path, name, load_id)
        try:
            _sink(good, tmp, bad)
        except pl.exceptions.PolarsError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise EcomError(f"{path}: could not be read as CSV ({str(exc).splitlines()[0]})") from exc
        new_files, landed = _landed(tmp)
    reader = "lines" if fallback else "csv"
    quarantine = pl.read_parquet(tmp / "quarantine.parquet")
    if landed + quarantine.height != rows_read:
        shutil.rmtree(tmp, ignore_errors=True)
        raise EcomError(
            f"{path}: rows do not reconcile: {rows_read:,} lines read, {landed:,} landed + "
            f"{quarantine.height:,} quarantined; nothing was changed in bronze"
        )

    partitions = _publish(new_files, tmp, data, stem, previous or replaced)
    data.quarantine.mkdir(parents=True, exist_ok=True)
    os.replace(tmp / "quarantine.parquet", data.quarantine / f"{stem}.parquet")
    shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.perf_counter() - began
    if replaced is not None:
        del manifest[replaced.source_file]
    manifest[name] = ManifestEntry(
        source_file=name,
        source_path=str(path.resolve()),
        size_bytes=size,
        crc32=str(counted["crc32"]),
        load_id=load_id,
        loaded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        rows_read=rows_read,
        rows_landed=landed,
        rows_quarantined=quarantine.height,
        seconds=round(seconds, 3),
        partitions=partitions,
        reader=reader,
    )
    write_manifest(data.manifest, manifest)
    reasons = dict(quarantine.group_by("reason").len().sort("reason").iter_rows())
    status = "reloaded" if previous is not None or replaced is not None else "loaded"
    return LoadResult(
        name, status, rows_read, landed, quarantine.height, seconds, reasons, load_id,
        reader=reader, fallback=fallback or "",
    )


def _publish(new_files: list[Path], tmp: Path, data: DataDir, stem: str, previous: ManifestEntry | None) -> list[str]:
    """Move the new partition files into place, then drop this source's stale files.

    A source's files are ``<stem>-<number>.parquet``; only names of exactly that shape are its
    own, so reloading ``2019-Nov.csv`` leaves the files of ``2019-Nov-late.csv`` alone.
    """
    placed: set[Path] = set()
    numbers: dict[str, int] = {}
    for f in sorted(new_files):
        partition = f.parent.name
        dest_dir = data.bronze_events / partition
        dest_dir.mkdir(parents=True, exist_ok=True)
        numbers[partition] = numbers.get(partition, -1) + 1
        dest = dest_dir / f"{stem}-{numbers[partition]:08d}.parquet"
        os.replace(f, dest)
        placed.add(dest)
    own = re.compile(re.escape(stem) + r"-[0-9]+\.parquet")
    old_partitions = previous.partitions if previous else []
    for partition in {*old_partitions, *(p.parent.name for p in placed)}:
        for stale in (data.bronze_events / partition).glob(f"{stem}-*.parquet"):
            if own.fullmatch(stale.name) and stale not in placed:
                stale.unlink()
    return sorted({p.parent.name for p in placed})


def load(inputs: list[Path], data: DataDir, *, force: bool = False) -> list[LoadResult]:
    """Land every input file in turn, with a progress bar over bytes."""
    sources = find_sources(inputs)
    for src in sources:
        check_header(src)  # fail before landing anything if one file is wrong
    results = []
    with progress_bar("load", sum(p.stat().st_size for p in sources) / 1e6, "MB") as bar:
        for src in sources:
            results.append(load_file(src, data, force=force))
            bar.advance(bar.task_ids[0], src.stat().st_size / 1e6)
    return results


def describe(result: LoadResult) -> str:
    if result.status == "skipped":
        return (f"{result.source_file}: already loaded (load {result.load_id}, {result.rows_read:,} rows); "
                "skipped, use --force to reload")
    rate = result.rows_read / result.seconds if result.seconds else 0.0
    reasons = ", ".join(f"{k} {v:,}" for k, v in result.quarantine_reasons.items())
    return (
        f"{result.source_file}: {result.status} {result.rows_read:,} rows read = {result.rows_landed:,} landed + "
        f"{result.rows_quarantined:,} quarantined{f' ({reasons})' if reasons else ''} "
        f"in {result.seconds:.1f} s ({rate:,.0f} rows/s)"
        + (f"; read line by line because {result.fallback}" if result.fallback else "")
    )
