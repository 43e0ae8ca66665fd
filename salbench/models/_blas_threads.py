"""Single-threaded BLAS around many small linear-algebra calls (numpy's *and* SciPy's OpenBLAS).

numpy and SciPy wheels each bundle their own OpenBLAS (``numpy.libs``, ``scipy.libs``), and both
start a thread pool that busy-waits. For tiny operations — L-BFGS-B's updates on 20 parameters,
dot products inside an objective — the threads cost far more than they save, and on a shared
machine (2 cores, several processes) a descheduled BLAS thread stalls every call: measured on the
development machine under load, one L-BFGS-B iteration on 20 parameters took 4 ms of CPU with
threaded BLAS and 0.03 ms single-threaded. :func:`single_threaded` finds both libraries the way
threadpoolctl does (ctypes, by their exported ``*openblas_set_num_threads*`` symbols) and limits
them to one thread inside a ``with`` block; where none is found it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import os
import threading

_NAMES = [(f"{prefix}openblas_get_num_threads{suffix}", f"{prefix}openblas_set_num_threads{suffix}")
          for prefix in ("scipy_", "") for suffix in ("64_", "", "_64")]
_lock = threading.Lock()
_depth = 0
_saved: list = []


@functools.lru_cache(maxsize=1)
def _libraries():
    """(get, set) thread functions of every OpenBLAS bundled with numpy or SciPy."""
    import numpy
    import scipy

    found = []
    for package in (numpy, scipy):
        folder = os.path.dirname(package.__file__)
        for path in glob.glob(os.path.join(folder + ".libs", "*openblas*")) + glob.glob(
                os.path.join(folder, ".dylibs", "*openblas*")):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for get_name, set_name in _NAMES:
                if hasattr(lib, get_name) and hasattr(lib, set_name):
                    get, set_ = getattr(lib, get_name), getattr(lib, set_name)
                    get.restype, get.argtypes = ctypes.c_int, []
                    set_.restype, set_.argtypes = None, [ctypes.c_int]
                    found.append((get, set_))
                    break
    return tuple(found)


@contextlib.contextmanager
def single_threaded():
    """Limit numpy's and SciPy's OpenBLAS to one thread inside the block (re-entrant)."""
    global _depth, _saved
    libraries = _libraries()
    with _lock:
        if _depth == 0:
            _saved = [get() for get, _ in libraries]
            for _, set_ in libraries:
                set_(1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for (_, set_), n in zip(libraries, _saved):
                    set_(n)
