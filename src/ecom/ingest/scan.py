"""One pass over a file's bytes beside the load: its checksum, and the counts that prove a read.

The loader keeps the fast CSV reader's rows only when these counts show that every line had nine
fields and no byte the reader would pass through silently (a NUL) or interpret (a quote) is in
the file; otherwise it reads the file again line by line (see ``ecom.ingest.load``).
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

BLOCK_BYTES = 8 << 20
NEWLINE, COMMA, QUOTE, NUL = ord("\n"), ord(","), ord('"'), 0


@dataclass(frozen=True)
class FileCounts:
    """What one pass over a file's (decompressed) text found."""

    crc32: str  # of the file's bytes as stored (compressed for .gz), as hex
    lines: int  # physical lines; a last line without a final newline counts
    commas: int  # commas outside double-quoted fields
    quotes: int  # double quotes anywhere
    nuls: int  # NUL bytes anywhere
    quoted_newlines: int  # line breaks inside a double-quoted field (no REES46 field holds one)

    @property
    def rows(self) -> int:
        """Data lines: every line but the header."""
        return max(0, self.lines - 1)


def _count(block: np.ndarray, byte: int) -> int:
    # numpy's vectorised compare is about twice as fast as bytes.count, and this runs beside
    # every load, sharing its cores.
    return int(np.count_nonzero(block == byte))


@dataclass
class _Tally:
    newlines: int = 0
    commas: int = 0
    quotes: int = 0
    nuls: int = 0
    quoted_newlines: int = 0
    inside: int = 0  # 1 while inside a quoted field (quote parity carried across blocks)
    last: bytes = b"\n"

    def add(self, raw: bytes) -> None:
        block = np.frombuffer(raw, dtype=np.uint8)
        newlines, commas = _count(block, NEWLINE), _count(block, COMMA)
        # Clean files hold neither byte: `in` (memchr) rules each out far faster than a count.
        quotes = _count(block, QUOTE) if b'"' in raw else 0
        if b"\x00" in raw:
            self.nuls += _count(block, NUL)
        if quotes or self.inside:
            # Only blocks with a quote pay for this: a byte is inside a field when an odd number
            # of quotes precede it (RFC 4180: a doubled quote inside a field counts twice).
            inside = ((np.cumsum(block == QUOTE) + self.inside) & 1).astype(bool)
            quoted_commas = int(np.count_nonzero((block == COMMA) & inside))
            quoted_newlines = int(np.count_nonzero((block == NEWLINE) & inside))
            commas -= quoted_commas
            self.quoted_newlines += quoted_newlines
            self.inside = (self.inside + quotes) & 1
        self.newlines += newlines
        self.commas += commas
        self.quotes += quotes
        self.last = raw[-1:]


def _tally(fh: BinaryIO, *, crc: bool) -> tuple[_Tally, str]:
    tally, value = _Tally(), 0
    while raw := fh.read(BLOCK_BYTES):
        if crc:
            value = zlib.crc32(raw, value)
        tally.add(raw)
    return tally, f"{value:08x}"


def scan_file(path: Path) -> FileCounts:
    """Checksum and counts of a CSV or CSV.gz file (a gzip file's lines are in its text).

    A truncated or corrupt gzip file raises ``EOFError`` or ``OSError`` (``gzip.BadGzipFile``).
    """
    if is_gzip(path):
        crc = file_checksum(path)
        with gzip.open(path, "rb") as fh:
            tally, _ = _tally(fh, crc=False)  # type: ignore[arg-type]
    else:
        with open(path, "rb") as fh:
            tally, crc = _tally(fh, crc=True)
    lines = tally.newlines + (0 if tally.last == b"\n" else 1)
    return FileCounts(crc, lines, tally.commas, tally.quotes, tally.nuls, tally.quoted_newlines)


def file_checksum(path: Path) -> str:
    """CRC-32 of the file's bytes as stored, as hex (what the manifest compares on a reload)."""
    crc = 0
    with open(path, "rb") as fh:
        while raw := fh.read(BLOCK_BYTES):
            crc = zlib.crc32(raw, crc)
    return f"{crc:08x}"


def is_gzip(path: Path) -> bool:
    return path.name.lower().endswith(".gz")
