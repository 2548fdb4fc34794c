"""The loader's manifest: one entry per landed source file (size, checksum, rows, load id).

The manifest is what makes loading idempotent: a file whose name, size and checksum are
already recorded is skipped. It is rewritten atomically (temp file, then rename).
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

CHECKSUM_BLOCK = 8 << 20


@dataclass
class ManifestEntry:
    source_file: str
    source_path: str
    size_bytes: int
    crc32: str
    load_id: str
    loaded_at: str
    rows_read: int
    rows_landed: int
    rows_quarantined: int
    seconds: float
    partitions: list[str]
    # How the rows were split: "csv" (Polars' CSV reader) or "lines" (line by line, the way a
    # file with a bad line is read; also every load recorded before the CSV reader was tried).
    reader: str = "lines"


def count_byte(block: bytes, byte: int) -> int:
    """Number of ``byte`` values in ``block``.

    numpy's vectorised compare is about twice as fast as ``bytes.count`` (0.30 s against 0.55 s
    over a 1.3 GB file here), and these counts run beside every load, sharing its two cores.
    """
    return int(np.count_nonzero(np.frombuffer(block, dtype=np.uint8) == byte))


@dataclass(frozen=True)
class FileCounts:
    """What one pass over a file's bytes found; what was not asked for is 0."""

    crc32: int
    lines: int  # a last line without a final newline counts as a line
    commas: int


def scan_blocks(fh: BinaryIO, *, crc: bool, count_lines: bool) -> FileCounts:
    """CRC-32, lines and commas of everything ``fh`` yields, in one pass."""
    value = 0
    newlines = 0
    commas = 0
    last = b"\n"
    while block := fh.read(CHECKSUM_BLOCK):
        if crc:
            value = zlib.crc32(block, value)
        if count_lines:
            newlines += count_byte(block, ord("\n"))
            commas += count_byte(block, ord(","))
            last = block[-1:]
    lines = (newlines + (0 if last == b"\n" else 1)) if count_lines else 0
    return FileCounts(value, lines, commas)


def checksum(path: Path, *, count_lines: bool = True) -> tuple[str, FileCounts]:
    """CRC-32 of the file's bytes (as hex) and, unless ``count_lines=False`` (then 0), its lines
    and commas.

    A gzip file's lines are in its decompressed text, and a skipped file needs only its checksum.
    """
    with open(path, "rb") as fh:
        counts = scan_blocks(fh, crc=True, count_lines=count_lines)
    return f"{counts.crc32:08x}", counts


def read_manifest(path: Path) -> dict[str, ManifestEntry]:
    if not path.exists():
        return {}
    raw = json.loads(path.read_text())
    return {e["source_file"]: ManifestEntry(**e) for e in raw["files"]}


def write_manifest(path: Path, entries: dict[str, ManifestEntry]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"files": [asdict(e) for e in sorted(entries.values(), key=lambda e: e.source_file)]}, indent=2))
    os.replace(tmp, path)
