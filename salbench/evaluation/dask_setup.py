"""What salbench sets up on every dask worker: the C allocator's thresholds, and the shared
objects of an evaluation unpickled once per worker process.

Imported only when an evaluation runs on a dask ``distributed.Client`` (it imports
``distributed``). :func:`salbench.evaluation.executors.run_chunks` registers
:class:`WorkerSetup` as a worker plugin, so every worker of the cluster — those running now and
any that join later — applies it once, whichever way the cluster was started; and it scatters the
evaluation's shared objects (plan, model, dataset) wrapped in a :class:`LoadOnce`.

Loaded once per worker
----------------------
Scattering with ``broadcast=True`` puts a copy on every worker, but dask's active memory manager
(``ReduceReplicas``, on by default, every 2 s) drops replicas that no task assigned to that
worker waits for at that moment; the next chunk there fetches the object again from a peer and
unpickles it again — for a network model, loading its weights (an ONNX session, a torch
module) again. :class:`LoadOnce` makes the *unpickling* idempotent per process: it pickles to
``(token, bytes)``, and a worker that already unpickled that token returns the objects it holds
instead of loading the bytes again. ``tests/test_scale_out.py`` counts the loads with the memory
manager running every 10 ms.

Allocator thresholds
--------------------
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
import threading
import uuid
from collections import OrderedDict

import cloudpickle
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


#: Shared objects this process unpickled, by token (the newest few evaluations).
_LOADED: OrderedDict = OrderedDict()
_LOADED_LOCK = threading.Lock()
#: How many evaluations' objects a worker keeps (two run at once at most in practice: a model
#: and its baselines run one after the other; the client forgets each token when it is done).
KEEP = 2


class LoadOnce:
    """A tuple of objects for the workers, unpickled once per process however often it arrives.

    It pickles to ``(token, bytes)`` and unpickles to the :class:`LoadOnce` this process already
    holds for ``token`` when there is one; what a worker stores (and sends on to a peer that
    lost its replica) is again a :class:`LoadOnce`, so the rule holds along every transfer.

    Parameters
    ----------
    objects : tuple
        What every chunk's function gets first (the plan, the model, the dataset, ...).
    token : str, optional
        The evaluation's identity (default: a new random one).
    """

    def __init__(self, objects, token=None):
        self.objects = tuple(objects)
        self.token = uuid.uuid4().hex if token is None else str(token)

    def __reduce__(self):
        # cloudpickle: a model class defined in a script or a notebook travels by value
        return _load_once, (self.token, cloudpickle.dumps(self.objects))


def _load_once(token, payload):
    """The :class:`LoadOnce` of ``token``: the one this process holds, else ``payload`` loaded."""
    with _LOADED_LOCK:
        once = _LOADED.get(token)
        if once is None:
            once = LoadOnce(cloudpickle.loads(payload), token)
            _LOADED[token] = once
            while len(_LOADED) > KEEP:
                _LOADED.popitem(last=False)
        else:
            _LOADED.move_to_end(token)
        return once


def _forget(token):
    with _LOADED_LOCK:
        _LOADED.pop(token, None)


def loaded_tokens() -> list:
    """The tokens whose objects this process holds (oldest first)."""
    with _LOADED_LOCK:
        return list(_LOADED)


def forget(client, token) -> None:
    """Let every worker drop the objects of ``token`` (best effort: a worker that is gone keeps
    them until :data:`KEEP` newer evaluations push them out)."""
    try:
        client.run(_forget, token)
    except Exception:  # noqa: BLE001 - cleanup of memory only; the results are already written
        pass
