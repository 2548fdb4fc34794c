"""The loader's manifest: one entry per landed source file, and the list of what is published.

The manifest is bronze's commit log. A load writes its Parquet files under names of its own
(``<stem>-<load_id>-<n>.parquet``) and they become visible only when the manifest that lists them
replaces the previous one (an atomic rename): dbt reads exactly the files the manifest lists
(the ``register_bronze`` macro), so a crash at any instant leaves all of a load or none of it
visible. Files that no entry lists are left over from an interrupted load and are removed by the
next writer (``ecom.lock``). A file whose name, size and checksum are already recorded is skipped.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ecom.faults import failpoint
from ecom.ingest.sources import source_stem


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
    # Paths relative to the bronze folder: the event files (events/event_date=.../*.parquet) and
    # the quarantine file this load published.
    files: list[str] = field(default_factory=list)
    quarantine_file: str = ""
    # How the rows were split: "csv" (Polars' CSV reader) or "lines" (line by line).
    reader: str = "lines"

    @property
    def partitions(self) -> list[str]:
        """The event_date=... folders this load's rows lie in."""
        return sorted({Path(f).parent.name for f in self.files})


def read_manifest(path: Path) -> dict[str, ManifestEntry]:
    if not path.exists():
        return {}
    raw = json.loads(path.read_text())
    entries = [_upgrade(e, path.parent) for e in raw["files"]]
    return {e.source_file: e for e in entries}


def _upgrade(entry: dict[str, object], bronze: Path) -> ManifestEntry:
    """An entry as this version writes it. Manifests written before entries listed their files
    name them by partition: the files are found there by the load's naming pattern."""
    if "files" not in entry:
        stem = re.escape(source_stem(str(entry["source_file"])))
        own = re.compile(stem + r"-[0-9]+\.parquet")
        files = [
            str(p.relative_to(bronze))
            for partition in entry.pop("partitions", [])  # type: ignore[attr-defined]
            for p in sorted((bronze / "events" / str(partition)).glob("*.parquet"))
            if own.fullmatch(p.name)
        ]
        quarantine = bronze / "quarantine" / f"{source_stem(str(entry['source_file']))}.parquet"
        entry = entry | {"files": files, "quarantine_file": str(quarantine.relative_to(bronze))}
    entry.pop("partitions", None)
    return ManifestEntry(**entry)  # type: ignore[arg-type]


def write_manifest(path: Path, entries: dict[str, ManifestEntry]) -> None:
    """Replace the manifest atomically: the commit point of a load."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    document = {"files": [asdict(e) for e in sorted(entries.values(), key=lambda e: e.source_file)]}
    tmp.write_text(json.dumps(document, indent=2))
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    failpoint("manifest.before_commit")
    os.replace(tmp, path)
    failpoint("manifest.after_commit")


def published_files(bronze: Path, entries: dict[str, ManifestEntry]) -> set[Path]:
    """Every file the manifest lists (events and quarantine), as absolute paths."""
    return {bronze / f for e in entries.values() for f in [*e.files, e.quarantine_file] if f}


def unpublished_files(bronze: Path) -> list[Path]:
    """Parquet files under bronze that no manifest entry lists: left by an interrupted load."""
    published = published_files(bronze, read_manifest(bronze / "_manifest.json"))
    candidates = [*bronze.glob("events/event_date=*/*.parquet"), *bronze.glob("quarantine/*.parquet")]
    return sorted(p for p in candidates if p not in published)
