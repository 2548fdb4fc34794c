"""Progress bars and one-line summaries for long work (rich on a terminal, quiet otherwise)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True, highlight=False)


@contextmanager
def progress_bar(description: str, total: float | None, unit: str = "") -> Iterator[Progress]:
    """A progress bar on stderr; add work with ``bar.advance(bar.task_ids[0], n)``."""
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn() if unit == "" else TextColumn("{task.completed:,.0f}/{task.total:,.0f} " + unit),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, transient=True, disable=not sys.stderr.isatty()) as bar:
        bar.add_task(description, total=total)
        yield bar


def say(message: str) -> None:
    """One line of what happened, with numbers."""
    console.print(message)
