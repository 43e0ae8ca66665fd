"""Run numpy's BLAS single-threaded while the FastGaze runtime parallelises across row tiles.

Why: OpenBLAS splits every GEMM call over its own threads and busy-waits for them. With tiles of
~1 ms that is fine on an idle machine, but when the cores are shared (pytest -n 2, several
processes, the evaluation engine's threads) a descheduled BLAS thread stalls every call: on the
2-core development machine under load the forward pass became 2–5× slower, while coarse-grained
threads over whole tiles with single-threaded BLAS degraded gracefully (measured in
``benchmarks/bench_fastgaze.py``; see the model card).

numpy wheels bundle OpenBLAS under a prefixed name (``scipy_openblas_set_num_threads64_``); this
module finds that library beside numpy and calls its thread-count functions through ctypes, the way
threadpoolctl does. When no such library is found (another BLAS, another platform) ``controller()``
returns None and the runtime keeps BLAS's own threading instead.
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


class _Controller:
    def __init__(self, get, set_):
        self._get, self._set = get, set_
        self._lock = threading.Lock()
        self._depth = 0
        self._saved = None

    def get(self) -> int:
        return int(self._get())

    @contextlib.contextmanager
    def limit_to_one(self):
        """Single-threaded BLAS inside the block (re-entrant, thread-safe; restores on exit)."""
        with self._lock:
            if self._depth == 0:
                self._saved = self.get()
                self._set(1)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._set(self._saved)


@functools.lru_cache(maxsize=1)
def controller():
    """The thread controller of numpy's bundled OpenBLAS, or None if it cannot be found."""
    import numpy

    folder = os.path.dirname(numpy.__file__)
    candidates = glob.glob(os.path.join(folder + ".libs", "*openblas*")) + glob.glob(
        os.path.join(folder, ".dylibs", "*openblas*"))
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get_name, set_name in _NAMES:
            if hasattr(lib, get_name) and hasattr(lib, set_name):
                get, set_ = getattr(lib, get_name), getattr(lib, set_name)
                get.restype, get.argtypes = ctypes.c_int, []
                set_.restype, set_.argtypes = None, [ctypes.c_int]
                return _Controller(get, set_)
    return None
