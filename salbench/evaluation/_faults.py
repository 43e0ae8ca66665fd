"""A fault-injection hook for the tests: kill this process at a named point of a results write.

``SALBENCH_KILL_AT=POINT`` or ``POINT:N`` sends SIGKILL to the process the N-th time (default
first) it reaches ``POINT``. The points, in the order a run reaches them:

``locked``      the results folder's lock is held; nothing is written yet
``started``     the running manifest is written (no part yet)
``part-tmp``    a chunk's per-image part is written to its temporary file, not yet renamed
``part``        a chunk's parts are all written (N: after the N-th chunk)
``tables-tmp``  a final table is written to its temporary file, not yet renamed
``tables``      the final tables are written; the manifest still says "running"
``committed``   the manifest says "complete"; ``parts/`` is not yet removed

Without the variable a checkpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

_REACHED: dict = {}


def checkpoint(point: str) -> None:
    target = os.environ.get("SALBENCH_KILL_AT")
    if not target:
        return
    name, _, nth = target.partition(":")
    if name != point:
        return
    _REACHED[point] = _REACHED.get(point, 0) + 1
    if _REACHED[point] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
