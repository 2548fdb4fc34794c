"""Start a command that dies with its parent: ``python -m ecom.warehouse.child COMMAND ARGS``.

On Linux the process asks for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``), then becomes
the command (the setting survives ``exec``). So a ``kill -9`` of ``ecom build`` also ends its dbt,
which would otherwise run on, re-parented, holding the warehouse's lock. Elsewhere it just runs
the command.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def guarded(command: list[str]) -> list[str]:
    """``command``, run through this module."""
    return [sys.executable, "-m", "ecom.warehouse.child", *command]


def main(command: list[str]) -> None:
    parent = os.getppid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux
        pass
    if os.getppid() != parent:  # the parent died before the signal was set
        sys.exit(1)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
