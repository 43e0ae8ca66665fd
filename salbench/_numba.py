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
  Element-wise kernels built on rounding tricks (the vectorisable ``exp``: ``(x + 1.5 * 2**52) -
  1.5 * 2**52`` rounds ``x`` to an integer, which re-association would fold away) use
  ``elementwise=True``: only ``contract`` (fused multiply-add), nothing that reorders arithmetic.

Loops that should vectorise index arrays with the loop counter itself (``a[k]`` for ``k`` in
``range(n)``), never ``a[begin + k]``: Numba wraps negative indices, and for an index whose sign
LLVM cannot prove it emits a per-element select that turns contiguous vector loads into scalar
ones (measured 2-3x slower). Kernels pass a slice (``a[begin:end]``) instead.

:func:`float_bits` and :func:`bits_float` reinterpret a float64 as its int64 bits and back (a
bit cast, free and vectorisable), for kernels that build or take apart floats.
"""

from __future__ import annotations

import numba
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

#: Flags for reductions: re-association for vectorisation; no nnan/ninf, no arcp.
FAST_FLAGS = frozenset({"nsz", "contract", "reassoc"})
#: Flags for element-wise kernels whose rounding tricks must survive: fused multiply-add only.
ELEMENTWISE_FLAGS = frozenset({"contract"})


def kernel(function=None, *, exact: bool = False, elementwise: bool = False,
           parallel: bool = False):
    """Compile ``function`` as a salbench kernel (decorator, with or without arguments)."""
    if exact and elementwise:
        raise ValueError("a kernel is either exact or elementwise")

    def compile_(f):
        if exact:
            fastmath = False
        elif elementwise:
            fastmath = set(ELEMENTWISE_FLAGS)
        else:
            fastmath = set(FAST_FLAGS)
        return numba.njit(
            cache=True,
            nogil=True,
            parallel=parallel,
            fastmath=fastmath,
            error_model="numpy",
        )(f)

    if function is not None:
        return compile_(function)
    return compile_


@intrinsic
def float_bits(typingctx, value):
    """The int64 whose bits are those of the float64 ``value`` (inside kernels only)."""
    if value != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def bits_float(typingctx, bits):
    """The float64 whose bits are those of the int64 ``bits`` (inside kernels only)."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen
