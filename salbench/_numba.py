"""The one place that decides how salbench's Numba kernels are compiled.

Every kernel in the package is compiled through :func:`kernel` so that caching, the GIL and the
floating-point contract are decided once:

* ``cache=True``: compiled machine code is stored beside the module (or in ``NUMBA_CACHE_DIR``), so
  only the very first call on a machine pays for compilation.
* ``nogil=True``: kernels release the GIL, so :func:`salbench.metrics.score_maps` can run images on
  several Python threads at once. Parallelism is across images only, never inside one image's
  reduction, so results do not depend on the number of threads.
* ``fastmath``: reductions may be re-associated (``reassoc``) so LLVM can vectorise them, but NaN and
  infinity handling stays IEEE (no ``nnan``/``ninf``): a NaN can never be optimised away into a
  silent wrong number. Kernels whose arithmetic must match a reference bit for bit (MIT min-max
  normalisation compared against thresholds with ``>=``) use ``exact=True``, which turns fastmath
  off entirely, because ``arcp`` would replace a division by a multiplication with the reciprocal.
"""

from __future__ import annotations

import numba

#: Flags for reductions: re-association for vectorisation; no nnan/ninf, no arcp.
FAST_FLAGS = frozenset({"nsz", "contract", "reassoc"})


def kernel(function=None, *, exact: bool = False, parallel: bool = False):
    """Compile ``function`` as a salbench kernel (decorator, with or without arguments)."""

    def compile_(f):
        return numba.njit(
            cache=True,
            nogil=True,
            parallel=parallel,
            fastmath=False if exact else set(FAST_FLAGS),
            error_model="numpy",
        )(f)

    if function is not None:
        return compile_(function)
    return compile_
