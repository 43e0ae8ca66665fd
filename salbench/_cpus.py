"""How many CPUs this process may use (the default thread count of every parallel path)."""

from __future__ import annotations

import os


def default_threads() -> int:
    """Threads used when ``n_threads`` is not given: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
