"""`ecom orchestrate`: Dagster's home for a data directory and the command that starts it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ecom.errors import EcomError
from ecom.paths import DataDir

# The instance settings `dagster dev` reads from $DAGSTER_HOME: runs queue, and every pool (the
# warehouse writers' ecom_warehouse among them) runs one step at a time.
INSTANCE = """\
run_queue:
  max_concurrent_runs: 4
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
"""


def dagster_home(data: DataDir) -> Path:
    home = data.root / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists():
        settings.write_text(INSTANCE)
    return home


def dagster_command(data: DataDir, port: int) -> tuple[list[str], dict[str, str]]:
    executable = Path(sys.executable).with_name("dagster")
    if not executable.exists():
        raise EcomError("Dagster is not installed: `pip install -e '.[orchestration]'` (make install does)")
    env = {**os.environ, **data.env(), "DAGSTER_HOME": str(dagster_home(data))}
    return [str(executable), "dev", "-m", "ecom.orchestration", "--port", str(port)], env

