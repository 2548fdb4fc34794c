"""Crash injection for the fault suite: a named point in the code where a test can kill the process.

``ECOM_FAULT=<name>`` (or ``<name>#<n>``, the n-th time the point is reached) makes the process
kill itself with SIGKILL there, exactly as ``kill -9`` would: no ``finally`` block, no cleanup.
Unset, a failpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "ECOM_FAULT"
_reached: dict[str, int] = {}


def failpoint(name: str) -> None:
    """Die here if ``$ECOM_FAULT`` names this point (and this is the n-th time it is reached)."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted or not wanted.startswith(name):
        return
    point, _, nth = wanted.partition("#")
    if point != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
