"""A sum of exponentials that LLVM vectorises (Numba's ``np.exp`` is a scalar libm call).

Checking that a log-density is normalised means ``sum(exp(L))`` over every pixel; with a scalar
``exp`` (~5 ns) that pass cost ten times a plain read of the map. Here ``exp(x) = 2**k * exp(r)``
with ``k = round(x / ln 2)`` and ``r = x - k ln 2`` (Cody–Waite: ``ln 2`` split in two parts, so
``r`` is exact to the last bits), ``|r| <= ln(2) / 2``, and ``exp(r)`` is its Taylor polynomial of
degree 12 evaluated by Horner's rule with fused multiply-adds. ``2**k`` is built from its bits:
``k`` is rounded with the shifter ``1.5 * 2**52`` (adding it leaves ``k`` in the low bits of the
sum), so no float-to-integer conversion (which AVX2 lacks) is needed.

Error bound: the truncation error is below ``|r|**13 / 13! <= 1.7e-16`` relative; with the
rounding of Horner's rule the result is within 4e-16 relative of ``exp(x)`` for
``-708 <= x <= 709`` (a test checks 1e-15 against ``math.exp``, hypothesis and a dense grid; the
largest error seen was one ulp, 2.2e-16). Outside that range: inputs below -708 (including
``-inf``, probability 0) count as ``exp(-708) ~ 3.3e-308`` — an absolute error below ``1e-301``
on the mass of a map of up to a million pixels, far below any normalisation tolerance; inputs
above 709 count as ``exp(709)``, which makes the mass ``>= 8e307`` (:data:`OVERFLOW`): callers
treat such a mass as "not a density" and look for ``+inf`` on the slow path. NaN propagates into
the sum.

The normalisation check needs far less: its tolerance is 1e-6 on the mass (1e-4 for float32
maps). :func:`sum_exp_check` uses the same reduction with the Taylor polynomial of degree 8 (four
fused multiply-adds fewer per value) and one loop for the exponentials and their sum (see
:func:`exp_check`): 0.17 ms for a 768x1024 map in cache against 0.32 ms, about one read of the
map from memory: truncation error ``|r|**9 / 9! <= 1.95e-10`` relative, so every value — and hence
the mass — is within :data:`CHECK_RELATIVE_ERROR` (3e-10, measured 2.7e-10) of its exact value,
more than three thousand times inside the tolerance. The same clamps and NaN rules apply.

The element-wise part is compiled without re-association (``elementwise=True``), which would
fold the shifter's ``(t + S) - S`` back into ``t``; the sum of each chunk is compiled with it so
that it vectorises.
"""

from __future__ import annotations

import numpy as np

from ..._numba import bits_float, float_bits, kernel

CHUNK = 512
LOG2E = 1.4426950408889634
#: ``ln 2`` in two parts; ``k * LN2_HI`` is exact for ``|k| < 2**11`` (fdlibm's split).
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
SHIFTER = 6755399441055744.0  # 1.5 * 2**52
SHIFTER_BITS = 0x4338000000000000
X_MIN = -708.0
X_MAX = 709.0
#: Bound on the relative error of every value of :func:`sum_exp_check` (and so of its sum).
CHECK_RELATIVE_ERROR = 3e-10
#: A mass at least this large means some input was above :data:`X_MAX` (or was +inf).
OVERFLOW = 8.2e307


@kernel(elementwise=True)
def exp_chunk(a, out):
    """``out[k] = exp(a[k])`` for ``k < len(a)``, inputs clamped to ``[X_MIN, X_MAX]``."""
    for k in range(a.shape[0]):
        x = a[k]
        # Written so that NaN passes through both clamps (every comparison with NaN is false).
        x = X_MIN if x < X_MIN else x
        x = X_MAX if x > X_MAX else x
        t = x * LOG2E + SHIFTER
        kf = t - SHIFTER
        r = (x - kf * LN2_HI) - kf * LN2_LO
        p = 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        # t's low bits hold k; 2**k has the biased exponent k + 1023
        out[k] = p * bits_float((float_bits(t) - SHIFTER_BITS + 1023) << 52)


@kernel
def _chunk_sum(values, n):
    total = 0.0
    for k in range(n):
        total += values[k]
    return total


@kernel
def sum_exp(a):
    """``sum(exp(a))`` of a flat float64 array, vectorised (bounds in the module notes)."""
    n = a.shape[0]
    buffer = np.empty(CHUNK, dtype=np.float64)
    total = 0.0
    for begin in range(0, n, CHUNK):
        end = min(begin + CHUNK, n)
        exp_chunk(a[begin:end], buffer)
        total += _chunk_sum(buffer, end - begin)
    return total


@kernel
def exp_into(a, out):
    """``out[:] = exp(a)`` for flat arrays (for tests and element-wise callers)."""
    n = a.shape[0]
    for begin in range(0, n, CHUNK):
        end = min(begin + CHUNK, n)
        exp_chunk(a[begin:end], out[begin:end])


@kernel
def exp_check(x):
    """``exp(x)`` to :data:`CHECK_RELATIVE_ERROR` (degree 8; inputs clamped as :func:`exp_chunk`).

    ``k = rint(x / ln 2)`` is rounded by an instruction rather than by the shifter, so nothing
    here depends on the order of floating-point operations: compiled with re-association, the
    exponential and the sum it feeds are one vectorised loop (no buffer). ``2**k`` is still built
    from the bits of ``k + 1.5 * 2**52`` (exact: ``k`` is an integer), with no float-to-integer
    conversion. Re-association may merge the two parts of ``ln 2`` (an error of ~1e-13 relative
    for ``|k|`` near 1000), far below the polynomial's 1.95e-10.
    """
    x = X_MIN if x < X_MIN else x
    x = X_MAX if x > X_MAX else x
    kf = np.rint(x * LOG2E)
    r = (x - kf * LN2_HI) - kf * LN2_LO
    p = 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p * bits_float((float_bits(kf + SHIFTER) - SHIFTER_BITS + 1023) << 52)


@kernel
def sum_exp_check(a):
    """``sum(exp(a))`` to :data:`CHECK_RELATIVE_ERROR`, for the normalisation check."""
    total = 0.0
    for k in range(a.shape[0]):
        total += exp_check(a[k])
    return total


@kernel
def exp_check_into(a, out):
    """``out[:] = exp_check(a)`` (for tests)."""
    for k in range(a.shape[0]):
        out[k] = exp_check(a[k])
