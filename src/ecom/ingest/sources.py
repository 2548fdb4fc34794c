"""Which files a load takes, and the checks a file must pass before any of its rows is read."""

from __future__ import annotations

import csv
import gzip
import zlib
from pathlib import Path

from ecom.contract import COLUMNS, HEADER
from ecom.errors import EcomError
from ecom.ingest.scan import is_gzip

SUFFIXES = (".csv", ".csv.gz")  # matched without regard to case: 2019-OCT.CSV.GZ is a CSV.gz file
HEAD_BYTES = 4096


def source_stem(name: str) -> str:
    """The file name without .csv / .csv.gz (any case), used to name its bronze files."""
    lower = name.lower()
    for suffix in (".csv.gz", ".csv"):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def is_hidden(path: Path) -> bool:
    """Dot files, macOS resource forks (``._2019-Oct.csv``) and editor backups are not deliveries."""
    return path.name.startswith(".")


def find_sources(inputs: list[Path]) -> tuple[list[Path], list[Path]]:
    """(files to load, hidden files skipped): files named on the command line, or every CSV /
    CSV.gz in a named folder, hidden ones left out."""
    found: list[Path] = []
    skipped: list[Path] = []
    for item in inputs:
        if item.is_dir():
            for p in sorted(item.iterdir()):
                if p.is_file() and p.name.lower().endswith(SUFFIXES):
                    (skipped if is_hidden(p) else found).append(p)
        elif item.is_file():
            found.append(item)
        else:
            raise EcomError(f"{item}: no such file or folder")
    if not found:
        hidden = f" ({len(skipped)} hidden file(s) skipped)" if skipped else ""
        raise EcomError(f"no .csv or .csv.gz files found in {', '.join(map(str, inputs))}{hidden}")
    names = [p.name for p in found]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise EcomError(f"two inputs share the file name {dupes[0]}: bronze tracks files by name")
    stems: dict[str, str] = {}
    for name in names:
        other = stems.setdefault(source_stem(name), name)
        if other != name:
            raise EcomError(same_stem_message(name, other, "is also an input"))
    return found, skipped


def same_stem_message(name: str, other: str, how: str, offer_force: bool = False) -> str:
    choices = f"land one of them, rename this one if it holds other rows, or pass --force to replace {other}'s rows"
    return (
        f"{name}: {other} {how}, and bronze names the rows of both {source_stem(name)}-*.parquet, so one "
        f"would replace the other's. A .csv and its .csv.gz are the same file twice: "
        + (choices if offer_force else "land one of them, or rename this one if it holds other rows")
    )


def check_header(path: Path) -> None:
    """Fail with one clear line on an empty file, a non-CSV file or a wrong header.

    The header may be quoted (``"event_time","event_type",...``), as database exports write it.
    """
    if path.stat().st_size == 0:
        raise EcomError(f"{path}: the file is empty (expected the header line {HEADER!r})")
    try:
        opener = gzip.open if is_gzip(path) else open
        with opener(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise EcomError(f"{path}: cannot be read as {'gzip' if is_gzip(path) else 'text'} ({exc})") from exc
    first = head.split(b"\n", 1)[0].rstrip(b"\r").removeprefix(b"\xef\xbb\xbf")
    try:
        text = first.decode("utf-8")
        fields = tuple(f.strip() for f in next(csv.reader([text]), []))
    except (UnicodeDecodeError, csv.Error):
        text, fields = "", ()
    if fields != COLUMNS and b"\x00" in head:
        # A line with a NUL byte further on is quarantined; a file that starts so is binary.
        raise EcomError(f"{path}: this is not a CSV text file (it contains NUL bytes)")
    if not text and first:
        raise EcomError(f"{path}: the first line is not UTF-8 text; is this a CSV file?")
    if fields != COLUMNS:
        raise EcomError(f"{path}: wrong header line: expected {HEADER!r}, found {text[:200]!r}")
