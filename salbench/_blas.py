"""Single-threaded BLAS inside a block: numpy's and SciPy's bundled OpenBLAS, via ctypes.

numpy and SciPy wheels each bundle their own OpenBLAS (``numpy.libs``, ``scipy.libs``), and each
starts a thread pool that busy-waits. Two places in salbench are better off with one BLAS thread:

* many tiny linear-algebra calls (L-BFGS-B on 20 parameters in the saliency-to-density fit): on
  the 2-core development machine under load one iteration took 4 ms of CPU with threaded BLAS and
  0.03 ms single-threaded;
* the FastGaze runtime, which parallelises over row tiles itself: OpenBLAS splitting every ~1 ms
  GEMM over its own threads made the forward pass 2–5× slower when the cores were shared
  (``benchmarks/bench_fastgaze.py``).

The libraries are found the way threadpoolctl finds them (by their exported
``*openblas_set_num_threads*`` symbols). Where none is found, :func:`single_threaded` does nothing
and :func:`available` is False.
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


def available() -> bool:
    """Whether numpy's or SciPy's OpenBLAS was found (so the thread count can be controlled)."""
    return bool(_libraries())


def thread_counts() -> list[int]:
    """The current thread count of each controllable OpenBLAS."""
    return [int(get()) for get, _ in _libraries()]


@contextlib.contextmanager
def single_threaded():
    """Limit numpy's and SciPy's OpenBLAS to one thread inside the block.

    Re-entrant and thread-safe: the counts are saved when the outermost block starts and restored
    when the last one ends.
    """
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
