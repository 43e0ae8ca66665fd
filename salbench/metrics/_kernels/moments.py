"""Means, variances and covariances of whole maps in one pass over memory, accurately.

A textbook one-pass ``sum(x**2) - sum(x)**2 / N`` loses every digit when the mean is large against
the spread; a two-pass algorithm reads the map twice. Here each block of ``BLOCK`` pixels is read
once from memory, centred on its own mean while it sits in L1 cache, and merged into the running
statistics with Chan, Golub & LeVeque's pairwise update. That is as accurate as two passes and as
fast as one. "Constant map" is decided exactly — by counting the values that differ from the
first (a cheap vectorised compare), never from a variance that rounding made tiny but not zero.
The minimum and maximum (for the rare maps whose squares could underflow or overflow, and for the
densities of KLD and SIM) come from :func:`sum_min_max`.
"""

from __future__ import annotations

import numpy as np

from ..._numba import bits_float, float_bits, kernel

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
    return bits_float(_order_key(key))


@kernel
def _sum_and_differences(block, first):
    """``(sum(block), #{block != first})``: a block's sum, and whether the map is constant."""
    total = 0.0
    differs = 0
    for p in range(block.shape[0]):
        v = block[p]
        total += v
        differs += v != first
    return total, differs


@kernel
def _squares(block, mean):
    """``sum((block - mean)**2)``."""
    m2 = 0.0
    for p in range(block.shape[0]):
        d = block[p] - mean
        m2 += d * d
    return m2


@kernel
def _pair_squares(a, b, mean_a, mean_b):
    """Squared deviations of ``a`` and ``b`` and their cross products."""
    m2_a = 0.0
    m2_b = 0.0
    cross = 0.0
    for p in range(a.shape[0]):
        da = a[p] - mean_a
        db = b[p] - mean_b
        m2_a += da * da
        m2_b += db * db
        cross += da * db
    return m2_a, m2_b, cross


@kernel
def map_moments(a):
    """``(mean, m2, differs)`` of the flat array ``a``: ``m2 = sum((a - mean)**2)`` and
    ``differs = #{a != a[0]}`` (0 exactly when the map is constant).

    Each block of :data:`BLOCK` values is summed as it streams in from memory, then, still in L1
    cache, gives its squared deviations from its own mean; blocks are merged with Chan, Golub &
    LeVeque's update. A NaN or inf anywhere makes ``mean`` non-finite; callers check that.
    """
    n = a.shape[0]
    first = a[0]
    mean = 0.0
    m2 = 0.0
    differs = 0
    count = 0
    for begin in range(0, n, BLOCK):
        block = a[begin:min(begin + BLOCK, n)]
        size = block.shape[0]
        total, block_differs = _sum_and_differences(block, first)
        differs += block_differs
        block_mean = total / size
        block_m2 = _squares(block, block_mean)
        merged = count + size
        delta = block_mean - mean
        mean += delta * size / merged
        m2 += block_m2 + delta * delta * count * size / merged
        count = merged
    return mean, m2, differs


@kernel
def joint_moments(a, b):
    """``(mean_a, mean_b, m2_a, m2_b, cross, differs_a, differs_b)`` of two flat arrays.

    Blocked like :func:`map_moments`; ``cross = sum((a - mean_a) * (b - mean_b))``.
    """
    n = a.shape[0]
    first_a = a[0]
    first_b = b[0]
    mean_a = 0.0
    mean_b = 0.0
    m2_a = 0.0
    m2_b = 0.0
    cross = 0.0
    differs_a = 0
    differs_b = 0
    count = 0
    for begin in range(0, n, BLOCK):
        end = min(begin + BLOCK, n)
        block_a = a[begin:end]
        block_b = b[begin:end]
        size = end - begin
        sum_a, d_a = _sum_and_differences(block_a, first_a)
        sum_b, d_b = _sum_and_differences(block_b, first_b)
        differs_a += d_a
        differs_b += d_b
        block_mean_a = sum_a / size
        block_mean_b = sum_b / size
        block_m2_a, block_m2_b, block_cross = _pair_squares(block_a, block_b, block_mean_a,
                                                            block_mean_b)
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
    return mean_a, mean_b, m2_a, m2_b, cross, differs_a, differs_b


@kernel
def gather_sum(a, indices):
    """``sum(a[indices])``."""
    total = 0.0
    for p in range(indices.shape[0]):
        total += a[indices[p]]
    return total


@kernel
def _sum_and_extremes(a, total, lo, hi):
    """Add ``a`` to ``total`` and its order keys to the running ``lo``/``hi``."""
    for p in range(a.shape[0]):
        v = a[p]
        total += v
        key = _order_key(float_bits(v))
        lo = min(lo, key)
        hi = max(hi, key)
    return total, lo, hi


@kernel
def sum_min_max(a):
    """``(sum, minimum, maximum)`` of a flat array in one pass.

    With a NaN present the sum is NaN and the minimum and maximum are meaningless; callers check
    the sum first.
    """
    total, lo, hi = _sum_and_extremes(a, 0.0, _INT64_MAX, _INT64_MIN)
    return total, _key_to_float(lo), _key_to_float(hi)


@kernel
def pair_sum_min_max(a, b):
    """:func:`sum_min_max` of two flat arrays of one size, read side by side in blocks."""
    n = a.shape[0]
    total_a = 0.0
    total_b = 0.0
    lo_a = _INT64_MAX
    hi_a = _INT64_MIN
    lo_b = _INT64_MAX
    hi_b = _INT64_MIN
    for begin in range(0, n, BLOCK):
        end = min(begin + BLOCK, n)
        total_a, lo_a, hi_a = _sum_and_extremes(a[begin:end], total_a, lo_a, hi_a)
        total_b, lo_b, hi_b = _sum_and_extremes(b[begin:end], total_b, lo_b, hi_b)
    return (total_a, _key_to_float(lo_a), _key_to_float(hi_a),
            total_b, _key_to_float(lo_b), _key_to_float(hi_b))


@kernel
def shifted_sum(a, shift):
    """``sum(a - shift)``, summing the shifted values (no cancellation against ``N * shift``)."""
    total = 0.0
    for p in range(a.shape[0]):
        total += a[p] - shift
    return total
