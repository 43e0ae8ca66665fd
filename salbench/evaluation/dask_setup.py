"""What salbench sets up on every dask worker before it scores: the C allocator's thresholds.

Imported only when an evaluation runs on a dask ``distributed.Client`` (it imports
``distributed``). :func:`salbench.evaluation.executors.run_chunks` registers
:class:`WorkerSetup` as a worker plugin, so every worker of the cluster — those running now and
any that join later — applies it once, whichever way the cluster was started.

Why: a dask nanny starts its worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (distributed's
``distributed.nanny.pre-spawn-environ``, so that freed memory goes back to the OS). Setting any
glibc threshold explicitly switches off glibc's *dynamic* mmap threshold, so every array above
128 KiB — each 480×640 float64 map (2.4 MB), its temporaries, the kernels' scratch — is a fresh
``mmap`` whose pages fault in, are zeroed by the kernel and are unmapped again on free. Measured
on the 2-core machine (``benchmarks/bench_scale.py``'s synthetic model, 11 metrics, 600 images,
2 workers): 5.8 CPU ms per image per worker, a third of it system time, against 3.1 ms with the
thresholds below (and 3.0–3.4 ms per image on a thread of the client process).

The thresholds are glibc's own dynamic maxima on 64-bit Linux: arrays up to 32 MiB come from the
heap (a 1680×1050 float64 map is 14 MB), and up to 64 MiB of free memory at the top of the heap
is kept for the next image instead of being returned — at most 64 MiB more resident memory per
worker than dask's setting, and the same as a thread of the client process may keep.
Elsewhere (not glibc, e.g. macOS or musl) nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util

from distributed.diagnostics.plugin import WorkerPlugin

#: glibc's ``M_TRIM_THRESHOLD`` and ``M_MMAP_THRESHOLD`` parameter numbers (``malloc.h``).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: Allocations below this come from the heap (glibc's largest dynamic mmap threshold, 64-bit).
MMAP_THRESHOLD = 32 * 2**20
#: Free memory at the top of the heap kept before it is returned to the OS (twice the above,
#: as glibc's dynamic rule keeps it).
TRIM_THRESHOLD = 64 * 2**20
#: The plugin's name on the cluster: registering it again is a no-op (``idempotent``).
PLUGIN_NAME = "salbench-worker-setup"


def set_malloc_thresholds(*, mmap_threshold: int = MMAP_THRESHOLD,
                          trim_threshold: int = TRIM_THRESHOLD) -> bool:
    """Set glibc's mmap and trim thresholds in this process.

    Parameters
    ----------
    mmap_threshold : int, default=32 MiB
        Allocations of at least this many bytes are served by ``mmap``.
    trim_threshold : int, default=64 MiB
        Free memory at the top of the heap beyond this is returned to the OS.

    Returns
    -------
    bool
        True when both were set; False where the C library has no ``mallopt`` (not glibc) or
        refused a value.
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.restype, mallopt.argtypes = ctypes.c_int, [ctypes.c_int, ctypes.c_int]
    # mallopt returns 1 on success, 0 on error
    return bool(mallopt(M_MMAP_THRESHOLD, int(mmap_threshold))) and \
        bool(mallopt(M_TRIM_THRESHOLD, int(trim_threshold)))


class WorkerSetup(WorkerPlugin):
    """A dask worker plugin: :func:`set_malloc_thresholds` once per worker process.

    ``applied`` (on the worker's copy) says whether the thresholds were set.
    """

    idempotent = True
    name = PLUGIN_NAME

    def __init__(self):
        self.applied = None

    def setup(self, worker):
        self.applied = set_malloc_thresholds()


def register(client) -> None:
    """Register :class:`WorkerSetup` on ``client``'s cluster (a no-op when already there)."""
    client.register_plugin(WorkerSetup(), name=PLUGIN_NAME)
