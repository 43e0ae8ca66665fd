"""A natural logarithm that LLVM can vectorise (Numba's ``np.log`` is a scalar libm call).

``log(x) = e * ln 2 + log(m)`` with ``x = 2**e * m``, ``m`` in ``[sqrt(1/2), sqrt(2))`` taken from
the bits of ``x``, and ``log(m) = 2 * atanh(s)``, ``s = (m - 1) / (m + 1)``, ``|s| <= 0.1716``,
summed to ``s**23`` (the next term is below 1e-17 relative). Accurate to about one ulp for normal
positive numbers; zero, subnormal, negative, infinite and NaN inputs fall back to ``np.log``.
The KL divergence sums one logarithm per pixel, so this decides its speed.
"""

from __future__ import annotations

import numpy as np

from ..._numba import kernel

_MANTISSA = 0x000FFFFFFFFFFFFF
_ONE_EXPONENT = 0x3FF0000000000000
_SQRT2_BITS = 0x3FF6A09E667F3BCD  # bits of sqrt(2)
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_SMALLEST_NORMAL = 2.2250738585072014e-308
_LARGEST = 1.7976931348623157e308


@kernel
def log_in_place(values, n, exponents):
    """Replace ``values[:n]`` (a float64 scratch buffer) by their natural logarithms.

    ``exponents`` is a scratch buffer of at least ``n`` values.
    """
    bits = values.view(np.int64)
    for i in range(n):
        b = bits[i]
        e = ((b >> 52) & 0x7FF) - 1023
        mantissa = (b & _MANTISSA) | _ONE_EXPONENT
        high = np.int64(mantissa > _SQRT2_BITS)
        bits_out = mantissa - (high << 52)
        exponents[i] = e + high
        bits[i] = bits_out
    # bits now hold m in [sqrt(1/2), sqrt(2)); keep the originals' special cases aside
    for i in range(n):
        m = values[i]
        s = (m - 1.0) / (m + 1.0)
        z = s * s
        p = 1.0 / 23.0
        p = p * z + 1.0 / 21.0
        p = p * z + 1.0 / 19.0
        p = p * z + 1.0 / 17.0
        p = p * z + 1.0 / 15.0
        p = p * z + 1.0 / 13.0
        p = p * z + 1.0 / 11.0
        p = p * z + 1.0 / 9.0
        p = p * z + 1.0 / 7.0
        p = p * z + 1.0 / 5.0
        p = p * z + 1.0 / 3.0
        log_m = 2.0 * s + 2.0 * s * z * p
        e = exponents[i]
        values[i] = e * _LN2_HI + (log_m + e * _LN2_LO)


@kernel
def safe_log_in_place(values, n, originals, scratch):
    """:func:`log_in_place`, then ``np.log`` for the inputs outside the normal positive range."""
    log_in_place(values, n, scratch)
    special = 0
    for i in range(n):
        x = originals[i]
        special += not (x >= _SMALLEST_NORMAL and x <= _LARGEST)
    if special:  # rare: look for them only when there are any (the count vectorises)
        for i in range(n):
            x = originals[i]
            if not (x >= _SMALLEST_NORMAL and x <= _LARGEST):
                values[i] = np.log(x)
