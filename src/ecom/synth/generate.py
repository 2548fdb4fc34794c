"""Generate REES46-shaped event CSV files, one per calendar month, plus the hidden truth.

The files are byte-compatible with the real ``2019-Oct.csv`` / ``2019-Nov.csv``: same header,
``YYYY-MM-DD HH:MM:SS UTC`` timestamps, empty fields as ``,,``, two-decimal prices, rows in
time order. Work is chunked and vectorised (NumPy draws, Polars CSV writer), so memory stays
flat as the event count grows.
"""

from __future__ import annotations

import gzip
import json
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl
from rich.progress import Progress

from ecom.contract import EVENT_TYPES, HEADER, TIME_FORMAT
from ecom.errors import EcomError
from ecom.paths import DataDir
from ecom.progress import progress_bar
from ecom.synth.catalogue import Catalogue, ProductSampler, build_catalogue
from ecom.synth.clock import Clock, Month, month_range
from ecom.synth.events import EventRows, expand_sessions, session_uuids
from ecom.synth.population import Sessions, Users, draw_population, draw_sessions

FULL_EVENTS = 109_950_743  # the real October + November 2019
CHUNK_SESSIONS = 250_000
MALFORMED_KINDS = (
    "bad_event_time",
    "unknown_event_type",
    "bad_product_id",
    "bad_category_id",
    "negative_price",
    "wrong_column_count",
    "invalid_utf8",
)


@dataclass(frozen=True)
class Preset:
    name: str
    events: int
    help: str


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("tiny", 50_000, "about 50k events, for tests (a few seconds)"),
        Preset("default", 2_000_000, "about 2M events, the README demo"),
        Preset("full", 110_000_000, "about 110M events, Oct+Nov 2019 at the real dataset's size"),
    )
}


def preset(name: str) -> Preset:
    if name not in PRESETS:
        raise EcomError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. ``events`` is the target for October + November together."""

    events: int = PRESETS["default"].events
    first_month: str = "2019-10"
    months: int = 2
    only_months: tuple[str, ...] = ()  # write just these months (the others are still simulated)
    seed: int = 46
    gzip: bool = False
    dirt: bool = True
    duplicate_rate: float = 0.001  # plus natural same-second repeats: ~0.15% in all
    zero_price_rate: float = 0.0016
    empty_session_rate: float = 1.5e-7
    malformed_lines: int = 0

    @property
    def scale(self) -> float:
        return self.events / FULL_EVENTS

    def validate(self) -> None:
        if self.events < 1_000:
            raise EcomError(f"--events must be at least 1000 (got {self.events})")
        if not 1 <= self.months <= 24:
            raise EcomError(f"--months must be between 1 and 24 (got {self.months})")
        for name in ("duplicate_rate", "zero_price_rate", "empty_session_rate"):
            if not 0.0 <= getattr(self, name) < 0.5:
                raise EcomError(f"{name} must be in [0, 0.5) (got {getattr(self, name)})")


@dataclass
class FileSummary:
    path: str
    month: str
    rows: int = 0
    malformed: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    zero_prices: int = 0
    empty_sessions: int = 0
    bytes: int = 0


@dataclass
class GenerationSummary:
    files: list[FileSummary]
    users: int
    sessions: int
    seconds: float

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


def catalogue(config: GeneratorConfig) -> Catalogue:
    """The store's catalogue for ``config`` (the same one ``generate`` uses)."""
    months = month_range(Month.parse(config.first_month), config.months)
    horizon = max(Month(2020, 3).start, months[-1].end)
    return build_catalogue(config.scale, np.random.default_rng([config.seed, 0]), months[0].start, months[0].end, horizon)


def generate(config: GeneratorConfig, data: DataDir) -> GenerationSummary:
    """Write the month files under ``landing/`` and the truth under ``truth/``."""
    config.validate()
    began = time.perf_counter()
    months = month_range(Month.parse(config.first_month), config.months)
    wanted = {Month.parse(m) for m in config.only_months} or set(months)
    if not wanted <= set(months):
        raise EcomError(f"--only-month {sorted(m.label for m in wanted - set(months))} is outside the generated span")
    clock = Clock(months)
    cat = catalogue(config)
    users = draw_population(config.seed, config.scale, months, clock)
    data.landing.mkdir(parents=True, exist_ok=True)
    summaries: list[FileSummary] = []
    carry: pl.DataFrame | None = None
    total_sessions = 0
    expected = int(config.events * sum(m.days for m in months) / 61)
    with progress_bar("generate", expected, "events") as bar:
        for month in months:
            sessions = draw_sessions(config.seed, users, month, clock)
            total_sessions += len(sessions.start)
            writer = _MonthWriter(config, data, month) if month in wanted else None
            carry = _write_month(config, month, clock, cat, users, sessions, writer, carry, bar)
            if writer:
                summaries.append(writer.close())
    data.truth.mkdir(parents=True, exist_ok=True)
    users.truth().write_parquet(data.truth / "user_propensity.parquet")
    summary = GenerationSummary(summaries, len(users), total_sessions, time.perf_counter() - began)
    (data.truth / "generation.json").write_text(
        json.dumps(
            {"config": asdict(config), "files": [asdict(f) for f in summaries],
             "users": summary.users, "sessions": summary.sessions},
            indent=2,
        )
    )
    return summary


def _write_month(
    config: GeneratorConfig,
    month: Month,
    clock: Clock,
    cat: Catalogue,
    users: Users,
    sessions: Sessions,
    writer: _MonthWriter | None,
    carry: pl.DataFrame | None,
    bar: Progress,
) -> pl.DataFrame | None:
    """Stream the month's events in time order; return those that spill into the next month.

    Chunk i holds sessions starting in [s_i, s_{i+1}); their events may run past s_{i+1}, so
    events at or after that boundary wait for the next chunk. The output is exactly time-sorted.
    """
    sampler = ProductSampler(cat, month.start)
    n = len(sessions.start)
    bounds = list(range(0, n, CHUNK_SESSIONS)) + [n]
    chunks = len(bounds) - 1
    bad_after = np.random.default_rng([config.seed, 5, month.year, month.month]).integers(
        0, max(1, chunks), config.malformed_lines
    )
    pending = carry
    for i in range(max(1, chunks)):
        lo, hi = (bounds[i], bounds[i + 1]) if chunks else (0, 0)
        rng = np.random.default_rng([config.seed, 4, month.year, month.month, i])
        parts = [] if pending is None else [pending]
        if hi > lo:
            rows = expand_sessions(rng, lo, hi, sessions, users, month, clock, sampler, cat)
            parts.append(_frame(rows, sessions, users, cat, month, config.seed))
        combined = pl.concat(parts).sort("t", maintain_order=True) if parts else None
        if combined is None:
            continue
        boundary = int(sessions.start[hi]) if hi < n else month.end
        ready = combined.filter(pl.col("t") < boundary)
        pending = combined.filter(pl.col("t") >= boundary)
        if writer is not None:
            writer.write(ready, rng)
            for _ in range(int((bad_after == i).sum())):
                writer.write_malformed(rng)
        bar.advance(bar.task_ids[0], ready.height)
    return pending


def _frame(rows: EventRows, sessions: Sessions, users: Users, cat: Catalogue, month: Month, seed: int) -> pl.DataFrame:
    """Resolve event rows into the CSV's columns (``t`` keeps epoch seconds for ordering)."""
    prod = rows.product
    category = cat.product_category[prod]
    changed = rows.time >= cat.product_change_time[prod]
    brand = np.where(changed, cat.product_alt_brand[prod], cat.product_brand[prod])
    code = cat.category_code_index[category]
    lo = int(rows.session.min()) if len(rows) else 0
    uuids = session_uuids(seed, month, sessions.id_source[lo : int(rows.session.max()) + 1 if len(rows) else 0])
    inverse = rows.session - lo
    return pl.DataFrame(
        {
            "t": rows.time,
            "event_type": pl.Series(EVENT_TYPES, dtype=pl.Enum(EVENT_TYPES)).gather(rows.kind),
            "product_id": cat.product_ids[prod],
            "category_id": cat.category_ids[category],
            "category_code": _lookup(cat.code_names, code),
            "brand": _lookup(cat.brand_names, brand),
            "price": np.where(changed, cat.product_new_price[prod], cat.product_price[prod]),
            "user_id": users.user_id[sessions.user[rows.session]],
            "user_session": uuids.gather(inverse),
        }
    )


def _lookup(names: list[str], idx: np.ndarray) -> pl.Series:
    """Names at ``idx`` (an index of -1 gives an empty field)."""
    i = pl.Series(idx.astype(np.int32))
    return pl.Series(names, dtype=pl.Enum(names)).gather(i.set(i < 0, None))


class _MonthWriter:
    """Writes one month's CSV (optionally gzipped) to a temporary name, renamed when complete."""

    def __init__(self, config: GeneratorConfig, data: DataDir, month: Month) -> None:
        self.config = config
        name = month.label + (".csv.gz" if config.gzip else ".csv")
        self.path = data.landing / name
        self.tmp = data.landing / f".{name}.partial"
        raw = open(self.tmp, "wb")  # noqa: SIM115 - closed in close()
        self.fh: BinaryIO = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=3, mtime=0) if config.gzip else raw
        self.raw = raw
        self.fh.write((HEADER + "\n").encode())
        self.summary = FileSummary(path=str(self.path), month=month.label)
        self.template: list[str] | None = None
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending: Future[None] | None = None

    def write(self, frame: pl.DataFrame, rng: np.random.Generator) -> None:
        """Add dirt (drawn here, so output is deterministic) and hand the chunk to the writer thread."""
        if frame.height == 0:
            return
        cfg = self.config
        if cfg.dirt:
            n = frame.height
            zero = rng.random(n) < cfg.zero_price_rate
            empty = rng.random(n) < cfg.empty_session_rate
            if self.summary.rows == 0 and not empty.any():
                empty[rng.integers(0, n)] = True  # the real files have a few; keep one at any size
            dup = (rng.random(n) < cfg.duplicate_rate).astype(np.int64)
            frame = frame.with_columns(
                price=pl.when(pl.Series(zero)).then(0.0).otherwise(pl.col("price")),
                user_session=pl.when(pl.Series(empty)).then(None).otherwise(pl.col("user_session")),
            )[np.repeat(np.arange(n), 1 + dup)]
            # Counted as written: a duplicated row with a zero price is two rows at 0.00.
            self.summary.zero_prices += int((zero * (1 + dup)).sum())
            self.summary.empty_sessions += int((empty * (1 + dup)).sum())
            self.summary.duplicates += int(dup.sum())
        out = frame.with_columns(event_time=pl.from_epoch("t", time_unit="s")).select(HEADER.split(","))
        self.summary.rows += out.height
        # Malformed lines copy the latest row, so they keep the file's time order.
        self.template = [str(v) if v is not None else "" for v in out.row(-1)]
        self.template[0] = out.item(-1, 0).strftime(TIME_FORMAT)
        self._drain()
        # Polars formats and writes without the GIL: the next chunk is drawn meanwhile.
        self.pending = self.pool.submit(
            out.write_csv, self.fh, include_header=False, float_precision=2, datetime_format=TIME_FORMAT
        )

    def _drain(self) -> None:
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def write_malformed(self, rng: np.random.Generator) -> None:
        """One broken line of a kind the loader must quarantine (for tests and demos)."""
        kind = MALFORMED_KINDS[sum(self.summary.malformed.values()) % len(MALFORMED_KINDS)]
        self._drain()
        fields = list(self.template or HEADER.split(","))
        fields[6] = f"{float(fields[6]):.2f}" if self.template else "1.00"
        line = {
            "bad_event_time": lambda f: [f"2019-13-{rng.integers(32, 99)} 25:61:00 UTC", *f[1:]],
            "unknown_event_type": lambda f: [f[0], "click", *f[2:]],
            "bad_product_id": lambda f: [*f[:2], "12ab34", *f[3:]],
            "bad_category_id": lambda f: [*f[:3], "2.05E+18", *f[4:]],
            "negative_price": lambda f: [*f[:6], "-5.99", *f[7:]],
            "wrong_column_count": lambda f: f[:-2],
        }.get(kind, lambda f: f)(fields)
        data = ",".join(line).encode()
        if kind == "invalid_utf8":
            data = data.replace(b",", b",\xff\xfe", 1)
        self.fh.write(data + b"\n")
        self.summary.malformed[kind] = self.summary.malformed.get(kind, 0) + 1

    def close(self) -> FileSummary:
        self._drain()
        self.pool.shutdown()
        self.fh.close()
        if self.fh is not self.raw:
            self.raw.close()
        os.replace(self.tmp, self.path)
        self.summary.bytes = self.path.stat().st_size
        return self.summary


def describe(summary: GenerationSummary) -> str:
    rows = summary.rows
    rate = rows / summary.seconds if summary.seconds else 0.0
    files = ", ".join(f"{Path(f.path).name} {f.rows:,} rows" for f in summary.files)
    return (
        f"generated {rows:,} rows ({files}); {summary.users:,} users, {summary.sessions:,} sessions "
        f"in {summary.seconds:.1f} s ({rate:,.0f} rows/s)"
    )
