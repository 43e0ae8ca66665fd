"""A fault-injection hook for the tests: kill this process at a named point of a write.

``SALBENCH_KILL_AT=POINT`` or ``POINT:N`` sends SIGKILL to the process the N-th time (default
first) it reaches ``POINT``. The points of a results write are listed in
:mod:`salbench.evaluation._faults`; those of ``fetch`` (:mod:`salbench.datasets.download`), in
the order one file reaches them:

``fetch-part``    a file's ``.part`` holds every byte, not yet verified
``fetch-file``    the file is verified and renamed into the staging folder
``fetch-marker``  every file is in and the marker is written; the staging folder is not yet
                  renamed to the dataset's folder

Without the variable a checkpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import threading

_REACHED: dict = {}
_LOCK = threading.Lock()  # fetch reaches its points from several transfer threads


def checkpoint(point: str) -> None:
    target = os.environ.get("SALBENCH_KILL_AT")
    if not target:
        return
    name, _, nth = target.partition(":")
    if name != point:
        return
    with _LOCK:
        _REACHED[point] = _REACHED.get(point, 0) + 1
        reached = _REACHED[point]
    if reached == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
