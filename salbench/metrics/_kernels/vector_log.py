"""A natural logarithm that LLVM can vectorise (Numba's ``np.log`` is a scalar libm call).

``log(x) = e * ln 2 + log(m)`` with ``x = 2**e * m``, ``m`` in ``[sqrt(1/2), sqrt(2))`` taken from
the bits of ``x``, and ``log(m) = 2 * atanh(s)``, ``s = (m - 1) / (m + 1)``, ``|s| <= 0.1716``,
summed to ``s**19`` (the first term left out, ``2 s**21 / 21``, is below ``s**20 / 21 < 2.5e-17``
relative to ``log(m)``). Accurate to about one ulp for normal positive numbers (the tests check
1e-15 relative against ``math.log``); zero, subnormal, negative, infinite and NaN inputs fall back
to ``np.log``. The polynomial is most of the cost: each of its terms costs ~0.1 ns per value.
The KL divergence sums one logarithm per pixel, so this decides its speed.

Everything is integer and float arithmetic on bits (:func:`~salbench._numba.float_bits`): the
exponent becomes a float through the bits of ``2**52 + e`` rather than an int-to-float
conversion, which AVX2 does not have for 64-bit integers (a conversion made the loop scalar).
Compiled without re-association, so the two-part ``ln 2`` keeps its precision.
"""

from __future__ import annotations

import numpy as np

from ..._numba import bits_float, float_bits, kernel

_MANTISSA = 0x000FFFFFFFFFFFFF
_ONE_EXPONENT = 0x3FF0000000000000
_SQRT2_BITS = 0x3FF6A09E667F3BCD  # bits of sqrt(2)
_TWO52_BITS = 0x4330000000000000  # bits of 2**52
_TWO52 = 4503599627370496.0
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_SMALLEST_NORMAL = 2.2250738585072014e-308
_LARGEST = 1.7976931348623157e308


@kernel(elementwise=True)
def log_normal(x):
    """``log(x)`` for a normal positive float64 (the caller handles every other input)."""
    b = float_bits(x)
    biased = (b >> 52) & 0x7FF
    mantissa = (b & _MANTISSA) | _ONE_EXPONENT
    high = np.int64(mantissa > _SQRT2_BITS)
    m = bits_float(mantissa - (high << 52))
    e = (bits_float(_TWO52_BITS + biased + high) - _TWO52) - 1023.0
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    p = 1.0 / 19.0
    p = p * z + 1.0 / 17.0
    p = p * z + 1.0 / 15.0
    p = p * z + 1.0 / 13.0
    p = p * z + 1.0 / 11.0
    p = p * z + 1.0 / 9.0
    p = p * z + 1.0 / 7.0
    p = p * z + 1.0 / 5.0
    p = p * z + 1.0 / 3.0
    log_m = 2.0 * s + 2.0 * s * z * p
    return e * _LN2_HI + (log_m + e * _LN2_LO)


@kernel(elementwise=True)
def is_special(x):
    """Whether ``x`` is outside the normal positive range :func:`log_normal` covers."""
    return not (x >= _SMALLEST_NORMAL and x <= _LARGEST)


@kernel(elementwise=True)
def logs_of(arguments, out):
    """``out[k] = log(arguments[k])``; returns how many arguments were special (then fixed with
    ``np.log`` on a second, scalar pass — rare)."""
    n = arguments.shape[0]
    special = 0
    for k in range(n):
        x = arguments[k]
        special += is_special(x)
        # a special argument gets a harmless stand-in here and its real logarithm below
        out[k] = log_normal(1.0 if is_special(x) else x)
    if special:
        for k in range(n):
            x = arguments[k]
            if is_special(x):
                out[k] = np.log(x)
    return special


@kernel
def safe_log_in_place(values, n, originals, scratch):
    """``values[:n] = log(originals[:n])`` (kept for callers of the buffer form)."""
    logs_of(originals[:n], values[:n])
