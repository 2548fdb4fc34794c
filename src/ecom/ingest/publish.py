"""Publishing a finished load: its files move into bronze under names of their own, then the
manifest that lists them replaces the old one (the commit), then the files it replaced go.

Every step before the commit adds only files no manifest lists, which dbt never reads; every
step after it removes only files no manifest lists any more. So a crash at any instant leaves
the previous load or the new one visible, whole; what it leaves behind is removed by the next
writer (``ecom.lock``). Each step is a failpoint the fault suite kills the process at.
"""

from __future__ import annotations

import os
from pathlib import Path

from ecom.faults import failpoint
from ecom.ingest.manifest import ManifestEntry, write_manifest
from ecom.paths import DataDir


def part_name(stem: str, load_id: str, number: int) -> str:
    """A published event file's name: the source's stem, the load and a part number."""
    return f"{stem}-{load_id}-{number:06d}.parquet"


def publish(
    data: DataDir,
    staged_parts: list[Path],
    staged_quarantine: Path,
    entry: ManifestEntry,
    manifest: dict[str, ManifestEntry],
    replaced: list[ManifestEntry],
) -> ManifestEntry:
    """Move a load's staged files into bronze and commit ``entry`` in place of ``replaced``."""
    from ecom.ingest.sources import source_stem

    stem = source_stem(entry.source_file)
    numbers: dict[str, int] = {}
    files: list[str] = []
    for part in sorted(staged_parts):
        partition = part.parent.name
        numbers[partition] = numbers.get(partition, -1) + 1
        dest = data.bronze_events / partition / part_name(stem, entry.load_id, numbers[partition])
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, dest)
        files.append(str(dest.relative_to(data.bronze)))
        failpoint("publish.part")
    data.quarantine.mkdir(parents=True, exist_ok=True)
    quarantine = data.quarantine / f"{stem}-{entry.load_id}.parquet"
    os.replace(staged_quarantine, quarantine)
    failpoint("publish.quarantine")
    entry.files = files
    entry.quarantine_file = str(quarantine.relative_to(data.bronze))
    committed = {name: e for name, e in manifest.items() if all(name != r.source_file for r in replaced)}
    committed[entry.source_file] = entry
    write_manifest(data.manifest, committed)
    for old in replaced:
        for f in [*old.files, old.quarantine_file]:
            if f:
                (data.bronze / f).unlink(missing_ok=True)
                failpoint("publish.cleanup")
    return entry
