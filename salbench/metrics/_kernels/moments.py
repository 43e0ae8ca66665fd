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
def _chan_merge(count, mean, m2, size, block_mean, block_m2):
    """Running ``(count, mean, m2)`` after merging a block (Chan, Golub & LeVeque)."""
    merged = count + size
    delta = block_mean - mean
    mean += delta * size / merged
    m2 += block_m2 + delta * delta * count * size / merged
    return merged, mean, m2


@kernel
def _sum_and_extremes(a, bits, start, stop, total, lo, hi):
    """Add ``a[start:stop]`` to ``total`` and its order keys to the running ``lo``/``hi``."""
    for p in range(start, stop):
        total += a[p]
        key = _order_key(bits[p])
        lo = min(lo, key)
        hi = max(hi, key)
    return total, lo, hi


@kernel
def _squares(a, start, stop, mean, m2):
    """Add ``sum((a[start:stop] - mean)**2)`` to ``m2``."""
    for p in range(start, stop):
        d = a[p] - mean
        m2 += d * d
    return m2


@kernel
def _pair_squares(a, b, start, stop, mean_a, mean_b, m2_a, m2_b, cross):
    """Add the squared deviations of ``a`` and ``b`` and their cross products over a range."""
    for p in range(start, stop):
        da = a[p] - mean_a
        db = b[p] - mean_b
        m2_a += da * da
        m2_b += db * db
        cross += da * db
    return m2_a, m2_b, cross


@kernel
def map_moments(a):
    """``(mean, m2, minimum, maximum)`` of the flat array ``a``; ``m2 = sum((a - mean)**2)``.

    A NaN or inf anywhere makes ``mean`` non-finite; callers check that (min/max may skip NaN).

    Pipelined: while block ``k`` streams in from memory (its sum, min and max), the squared
    deviations of block ``k - 1``, still in L1 cache, are summed in the same loop, so the
    arithmetic overlaps the memory traffic instead of following it (15-30 % less time than two
    separate loops per block for a 768x1024 map read from DRAM by one thread, over several runs).
    """
    n_total = a.shape[0]
    bits = a.view(np.int64)
    mean = 0.0
    m2 = 0.0
    lo = _INT64_MAX
    hi = _INT64_MIN
    count = 0
    prev_begin = 0
    prev_size = 0
    prev_mean = 0.0
    # One extra round (size 0) finishes the last block.
    for begin in range(0, n_total + BLOCK, BLOCK):
        size = max(0, min(BLOCK, n_total - begin))
        shared = min(size, prev_size)
        block_sum = 0.0
        prev_m2 = 0.0
        for j in range(shared):
            block_sum += a[begin + j]
            key = _order_key(bits[begin + j])
            lo = min(lo, key)
            hi = max(hi, key)
            d = a[prev_begin + j] - prev_mean
            prev_m2 += d * d
        # the first block has no predecessor; the last may be shorter than its predecessor
        block_sum, lo, hi = _sum_and_extremes(a, bits, begin + shared, begin + size,
                                              block_sum, lo, hi)
        prev_m2 = _squares(a, prev_begin + shared, prev_begin + prev_size, prev_mean, prev_m2)
        if prev_size > 0:
            count, mean, m2 = _chan_merge(count, mean, m2, prev_size, prev_mean, prev_m2)
        if size == 0:
            break
        prev_begin, prev_size, prev_mean = begin, size, block_sum / size
    return mean, m2, _key_to_float(lo), _key_to_float(hi)


@kernel
def joint_moments(a, b):
    """``(mean_a, mean_b, m2_a, m2_b, cross, min_a, max_a, min_b, max_b)`` of two flat arrays.

    Pipelined like :func:`map_moments`: block ``k`` of both arrays streams in while block
    ``k - 1`` gives its deviations and cross products from L1.
    """
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
    prev_begin = 0
    prev_size = 0
    prev_mean_a = 0.0
    prev_mean_b = 0.0
    for begin in range(0, n_total + BLOCK, BLOCK):
        size = max(0, min(BLOCK, n_total - begin))
        shared = min(size, prev_size)
        sum_a = 0.0
        sum_b = 0.0
        block_m2_a = 0.0
        block_m2_b = 0.0
        block_cross = 0.0
        for j in range(shared):
            sum_a += a[begin + j]
            sum_b += b[begin + j]
            key_a = _order_key(bits_a[begin + j])
            key_b = _order_key(bits_b[begin + j])
            lo_a = min(lo_a, key_a)
            hi_a = max(hi_a, key_a)
            lo_b = min(lo_b, key_b)
            hi_b = max(hi_b, key_b)
            da = a[prev_begin + j] - prev_mean_a
            db = b[prev_begin + j] - prev_mean_b
            block_m2_a += da * da
            block_m2_b += db * db
            block_cross += da * db
        sum_a, lo_a, hi_a = _sum_and_extremes(a, bits_a, begin + shared, begin + size,
                                              sum_a, lo_a, hi_a)
        sum_b, lo_b, hi_b = _sum_and_extremes(b, bits_b, begin + shared, begin + size,
                                              sum_b, lo_b, hi_b)
        block_m2_a, block_m2_b, block_cross = _pair_squares(
            a, b, prev_begin + shared, prev_begin + prev_size, prev_mean_a, prev_mean_b,
            block_m2_a, block_m2_b, block_cross)
        if prev_size > 0:
            merged = count + prev_size
            weight = count * prev_size / merged
            delta_a = prev_mean_a - mean_a
            delta_b = prev_mean_b - mean_b
            mean_a += delta_a * prev_size / merged
            mean_b += delta_b * prev_size / merged
            m2_a += block_m2_a + delta_a * delta_a * weight
            m2_b += block_m2_b + delta_b * delta_b * weight
            cross += block_cross + delta_a * delta_b * weight
            count = merged
        if size == 0:
            break
        prev_begin, prev_size = begin, size
        prev_mean_a, prev_mean_b = sum_a / size, sum_b / size
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
    total, lo, hi = _sum_and_extremes(a, a.view(np.int64), 0, a.shape[0], 0.0, _INT64_MAX,
                                      _INT64_MIN)
    return total, _key_to_float(lo), _key_to_float(hi)


@kernel
def shifted_sum(a, shift):
    """``sum(a - shift)``, summing the shifted values (no cancellation against ``N * shift``)."""
    total = 0.0
    for p in range(a.shape[0]):
        total += a[p] - shift
    return total
