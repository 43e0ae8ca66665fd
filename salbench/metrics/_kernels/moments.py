"""Means, variances and covariances of whole maps in one pass over memory, accurately.

A textbook one-pass ``sum(x**2) - sum(x)**2 / N`` loses every digit when the mean is large against
the spread; a two-pass algorithm reads the map twice. Here each block of ``BLOCK`` pixels is read
once from memory, centred on its own mean while it sits in L1 cache, and merged into the running
statistics with Chan, Golub & LeVeque's pairwise update. That is as accurate as two passes and as
fast as one. The minimum and maximum come along so that "constant map" is decided exactly
(``min == max``), never from a variance that rounding made tiny but not zero.
"""

from __future__ import annotations

import numpy as np

from ..._numba import kernel

BLOCK = 2048

# Floating-point min/max reductions do not vectorise unless NaNs are assumed away, which salbench
# never does. The bits of a float64 reinterpreted as int64 and mapped through ``_order_key`` sort
# like the floats themselves (for non-NaN values), and integer min/max reductions vectorise.
_LOW_63 = np.int64(0x7FFFFFFFFFFFFFFF)
_INT64_MAX = np.int64(0x7FFFFFFFFFFFFFFF)
_INT64_MIN = np.int64(-0x7FFFFFFFFFFFFFFF - 1)


@kernel
def _order_key(bits):
    """An int64 that orders like the float64 with these bits (its own inverse)."""
    return bits ^ ((bits >> 63) & _LOW_63)


@kernel
def _key_to_float(key):
    return np.array([_order_key(key)]).view(np.float64)[0]


@kernel
def map_moments(a):
    """``(mean, m2, minimum, maximum)`` of the flat array ``a``; ``m2 = sum((a - mean)**2)``.

    A NaN or inf anywhere makes ``mean`` non-finite; callers check that (min/max may skip NaN).
    """
    n_total = a.shape[0]
    bits = a.view(np.int64)
    mean = 0.0
    m2 = 0.0
    lo = _INT64_MAX
    hi = _INT64_MIN
    count = 0
    for begin in range(0, n_total, BLOCK):
        end = min(begin + BLOCK, n_total)
        size = end - begin
        block_sum = 0.0
        for p in range(begin, end):
            block_sum += a[p]
            key = _order_key(bits[p])
            lo = min(lo, key)
            hi = max(hi, key)
        block_mean = block_sum / size
        block_m2 = 0.0
        for p in range(begin, end):
            d = a[p] - block_mean
            block_m2 += d * d
        merged = count + size
        delta = block_mean - mean
        mean += delta * size / merged
        m2 += block_m2 + delta * delta * count * size / merged
        count = merged
    return mean, m2, _key_to_float(lo), _key_to_float(hi)


@kernel
def joint_moments(a, b):
    """``(mean_a, mean_b, m2_a, m2_b, cross, min_a, max_a, min_b, max_b)`` of two flat arrays."""
    n_total = a.shape[0]
    bits_a = a.view(np.int64)
    bits_b = b.view(np.int64)
    mean_a = 0.0
    mean_b = 0.0
    m2_a = 0.0
    m2_b = 0.0
    cross = 0.0
    lo_a = _INT64_MAX
    hi_a = _INT64_MIN
    lo_b = _INT64_MAX
    hi_b = _INT64_MIN
    count = 0
    for begin in range(0, n_total, BLOCK):
        end = min(begin + BLOCK, n_total)
        size = end - begin
        sum_a = 0.0
        sum_b = 0.0
        for p in range(begin, end):
            sum_a += a[p]
            sum_b += b[p]
            key_a = _order_key(bits_a[p])
            key_b = _order_key(bits_b[p])
            lo_a = min(lo_a, key_a)
            hi_a = max(hi_a, key_a)
            lo_b = min(lo_b, key_b)
            hi_b = max(hi_b, key_b)
        block_mean_a = sum_a / size
        block_mean_b = sum_b / size
        block_m2_a = 0.0
        block_m2_b = 0.0
        block_cross = 0.0
        for p in range(begin, end):
            da = a[p] - block_mean_a
            db = b[p] - block_mean_b
            block_m2_a += da * da
            block_m2_b += db * db
            block_cross += da * db
        merged = count + size
        weight = count * size / merged
        delta_a = block_mean_a - mean_a
        delta_b = block_mean_b - mean_b
        mean_a += delta_a * size / merged
        mean_b += delta_b * size / merged
        m2_a += block_m2_a + delta_a * delta_a * weight
        m2_b += block_m2_b + delta_b * delta_b * weight
        cross += block_cross + delta_a * delta_b * weight
        count = merged
    return (mean_a, mean_b, m2_a, m2_b, cross, _key_to_float(lo_a), _key_to_float(hi_a),
            _key_to_float(lo_b), _key_to_float(hi_b))


@kernel
def gather_sum(a, indices):
    """``sum(a[indices])``."""
    total = 0.0
    for p in range(indices.shape[0]):
        total += a[indices[p]]
    return total


@kernel
def sum_min_max(a):
    """``(sum, minimum, maximum)`` of a flat array in one pass.

    With a NaN present the sum is NaN and the minimum and maximum are meaningless; callers check
    the sum first.
    """
    bits = a.view(np.int64)
    total = 0.0
    lo = _INT64_MAX
    hi = _INT64_MIN
    for p in range(a.shape[0]):
        total += a[p]
        key = _order_key(bits[p])
        lo = min(lo, key)
        hi = max(hi, key)
    return total, _key_to_float(lo), _key_to_float(hi)


@kernel
def shifted_sum(a, shift):
    """``sum(a - shift)``, summing the shifted values (no cancellation against ``N * shift``)."""
    total = 0.0
    for p in range(a.shape[0]):
        total += a[p] - shift
    return total


@kernel
def sum_exp(a):
    """``sum(exp(a))``: the total mass of a log-density (NaN/+inf make it non-finite)."""
    total = 0.0
    for p in range(a.shape[0]):
        total += np.exp(a[p])
    return total
