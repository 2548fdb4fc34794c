"""One writer per data directory: the commands that write it take this lock, and clean up after a crash.

``generate``, ``load``, ``build``, ``export``, ``run`` and ``docs`` hold an exclusive ``flock`` on
``<data>/.ecom.lock`` while they run. A second writer says who holds it and waits (at most
``$ECOM_LOCK_TIMEOUT`` seconds when set, then fails with one line naming the holder). The kernel
releases the lock when its holder dies, however it dies, so a lock is never stale. Holding it,
a writer knows that nothing else writes the directory: temporary output and unpublished bronze
files it finds were left by a command that was killed, and it removes them and says so.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ecom.errors import EcomError
from ecom.paths import DataDir
from ecom.progress import say

LOCK_FILE = ".ecom.lock"
UNWRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}
TIMEOUT_ENV = "ECOM_LOCK_TIMEOUT"
_held: dict[Path, int] = {}  # lock files this process holds, with their nesting depth


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another ecom command"
    return f"`{info.get('command', 'ecom')}` (pid {info.get('pid')}, since {info.get('since')})"


def _timeout() -> float | None:
    raw = os.environ.get(TIMEOUT_ENV)
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise EcomError(f"{TIMEOUT_ENV}={raw!r} is not a number of seconds") from None


def _acquire(fd: int, path: Path, data: DataDir) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    holder, timeout = _holder(path), _timeout()
    if timeout == 0:
        raise EcomError(f"{data.root} is being written by {holder}; try again when it has finished")
    say(f"waiting for {holder} to finish writing {data.root} ...")
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if deadline is not None and time.monotonic() > deadline:
                raise EcomError(f"{data.root} is still being written by {holder} after {timeout:g} s "
                                f"({TIMEOUT_ENV}); try again when it has finished") from None
            time.sleep(0.2)


@contextmanager
def writer_lock(data: DataDir, command: str) -> Iterator[None]:
    """Hold the data directory's writer lock (re-entrant within this process)."""
    path = data.root / LOCK_FILE
    if path in _held:
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    try:
        data.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exc.errno not in UNWRITABLE:
            raise
        raise EcomError(f"{data.root}: the data directory is not writable ({exc.strerror}); "
                        "choose another with --data-dir or $ECOM_DATA_DIR") from None
    try:
        _acquire(fd, path, data)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"command": command, "pid": os.getpid(),
                                  "since": datetime.now(UTC).isoformat(timespec="seconds")}).encode(), 0)
        _held[path] = 1
        clean_interrupted_output(data)
        yield
    finally:
        _held.pop(path, None)
        os.close(fd)  # closing the descriptor releases the lock


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def clean_interrupted_output(data: DataDir) -> list[Path]:
    """Remove what a killed writer left: temporary folders, serving versions never switched to,
    and bronze files no manifest entry lists. Only a lock holder may call this."""
    from ecom.ingest.manifest import unpublished_files

    leftovers: list[Path] = []
    if data.staging_area.exists():
        leftovers += sorted(data.staging_area.iterdir())
    if data.serving.exists():
        leftovers += sorted(data.serving.glob(".v*.tmp"))
    if data.bronze.exists():
        leftovers += unpublished_files(data.bronze)
    if not leftovers:
        return []
    megabytes = sum(_size_mb(p) for p in leftovers)
    for p in leftovers:
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    names = ", ".join(str(p.relative_to(data.root)) for p in leftovers[:3])
    more = f" and {len(leftovers) - 3} more" if len(leftovers) > 3 else ""
    say(f"removed {len(leftovers)} leftover(s) of an interrupted command ({megabytes:,.1f} MB): {names}{more}")
    return leftovers
