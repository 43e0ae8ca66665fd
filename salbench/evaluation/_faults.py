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

Without the variable a checkpoint costs one dictionary lookup. The hook is
:func:`salbench._faults.checkpoint`, shared with ``fetch`` (whose points it lists).
"""

from __future__ import annotations

from .._faults import checkpoint

__all__ = ["checkpoint"]
