"""The sum over all pixels of a step function of their rank among a few sorted thresholds.

An all-pixel AUC needs no per-threshold histogram, only one number: ``sum_i (#{u < v_i} + 0.5
#{u == v_i})`` over the fixation values ``v_i`` is, summed the other way round, ``sum_u (G(u) +
0.5 E(u))`` over the pixels ``u``, with ``G(u)`` the number of fixation values above ``u`` and
``E(u)`` the number equal to it. MIT's AUC_Judd is likewise a weighted sum of the counts of
pixels at or above each threshold. So both are ``sum_u f(u)`` for a step function

    f(u) = alpha * sum_{j: w_j > u} c_j + beta * sum_{j: w_j == u} c_j

of ``u``'s place among sorted distinct thresholds ``w`` with integer weights ``c`` (AUC: the
multiplicities, ``alpha = 2``, ``beta = 1``, so ``f = 2 G + E`` is an integer). A sum needs no
scatter into counters (the histogram's store-to-load chain), so the pass vectorises.

The value of ``f`` is read from the bucket table of :mod:`.ranking` (``bucket(u)`` computed
exactly and monotone in ``u``): an int32 per bucket packs ``f`` above the bucket's threshold
(``base``, bits 12-30) and the weight ``c`` of the one threshold ``t`` the bucket holds (bits 0-11,
0 for an empty bucket), so ``f(u) = base + c * (alpha [u < t] + beta [u == t])`` with ``t`` read
only where ``c != 0`` (a masked gather). The two gathers are this pass's whole cost, ~0.45 ns a
pixel each on the development machine's AMD cores (the masked one costs as much as a full one
there); a finer table with a correction pass only for chunks that touch an occupied bucket was
measured slower (the table leaves L1 cache). A bucket holding two or more thresholds is marked -1, and a chunk of
:data:`CHUNK` pixels that has any is resolved exactly a second time, by comparisons. Every
decision is an exact comparison or the table's exact bucketing, so the sum is exact (int64).

When the weights do not fit the packing (an image with 4096 or more fixations on one value, or
``alpha * sum(c) >= 2**19``), :func:`step_table` says so and callers use the histogram instead.
"""

from __future__ import annotations

import numpy as np

from ..._numba import kernel
from .ranking import _bucket, build_table, resolve

CHUNK = 1024
WEIGHT_BITS = 12
MAX_WEIGHT = (1 << WEIGHT_BITS) - 1
MAX_BASE = (1 << 19) - 1


@kernel(exact=True)
def slot_values(weights, alpha, beta):
    """``f`` on each histogram slot of :mod:`.ranking` (``2j``: between ``w[j-1]`` and ``w[j]``;
    ``2j + 1``: equal to ``w[j]``)."""
    m = weights.shape[0]
    above = np.zeros(m + 1, dtype=np.int64)
    for j in range(m - 1, -1, -1):
        above[j] = above[j + 1] + weights[j]
    values = np.empty(2 * m + 1, dtype=np.int64)
    for j in range(m):
        values[2 * j] = alpha * above[j]
        values[2 * j + 1] = alpha * above[j + 1] + beta * weights[j]
    values[2 * m] = 0
    return values


@kernel(exact=True)
def step_table(w, weights, alpha, beta):
    """``(ok, lo, scale, top, packed, thresholds, slots, first)`` for :func:`step_sum`.

    ``ok`` is False when the weights do not fit the int32 packing (then nothing else is
    meaningful). ``slots`` is :func:`slot_values`; ``first`` is the table's first-threshold index.
    """
    lo, scale, top, slot, first = build_table(w)
    m = w.shape[0]
    size = slot.shape[0]
    slots = slot_values(weights, alpha, beta)
    packed = np.zeros(size, dtype=np.int32)
    thresholds = np.zeros(size, dtype=np.float64)
    ok = slots.min() >= 0 and slots.max() <= MAX_BASE
    for j in range(m):
        ok = ok and 0 <= weights[j] <= MAX_WEIGHT
    if not ok:
        return False, lo, scale, top, packed, thresholds, slots, first
    for b in range(size):
        if slot[b] >= 0:
            packed[b] = np.int32(slots[slot[b]] << WEIGHT_BITS)
        else:
            j = first[b]
            held = (first[b + 1] if b + 1 < size else m) - j
            if held == 1:
                packed[b] = np.int32((slots[2 * j + 2] << WEIGHT_BITS) | weights[j])
                thresholds[b] = w[j]
            else:
                packed[b] = -1
    return True, lo, scale, top, packed, thresholds, slots, first


@kernel(exact=True)
def _step(u, lo, scale, top, packed, thresholds, alpha, beta):
    # (f(u) or 0 when u's bucket holds several thresholds, whether it does); branch-free
    b = np.uint64(_bucket(u, lo, scale, top))
    p = packed[b]
    c = p & MAX_WEIGHT
    # masked: the threshold is read only for the few pixels that share a bucket with one
    t = thresholds[b] if c != 0 else 0.0
    v = (p >> WEIGHT_BITS) + c * (alpha * np.int32(u < t) + beta * np.int32(u == t))
    return (np.int64(v) if p >= 0 else np.int64(0)), p < 0


@kernel(exact=True)
def _chunk_sum(values, lo, scale, top, packed, thresholds, alpha, beta):
    # (sum of f over the pixels of single- or no-threshold buckets, #pixels in multi-threshold
    # buckets, #non-finite values); branch-free, so it vectorises
    total = 0
    flagged = 0
    bad = 0
    for k in range(values.shape[0]):
        u = values[k]
        bad += u - u != 0.0
        v, several = _step(u, lo, scale, top, packed, thresholds, alpha, beta)
        total += v
        flagged += several
    return total, flagged, bad


@kernel(exact=True)
def _resolve_flagged(chunk, w, lo, scale, top, packed, slots, first):
    total = 0
    for k in range(chunk.shape[0]):
        u = chunk[k]
        b = _bucket(u, lo, scale, top)
        if packed[b] < 0:
            total += slots[resolve(u, w, first[b])]
    return total


@kernel(exact=True)
def step_sum(values, w, lo, scale, top, packed, thresholds, slots, first, alpha, beta):
    """``(sum of f(u) over the flat array values, #non-finite values)``, exactly (int64)."""
    n = values.shape[0]
    total = 0
    bad = 0
    for begin in range(0, n, CHUNK):
        chunk = values[begin:min(begin + CHUNK, n)]
        part, flagged, chunk_bad = _chunk_sum(chunk, lo, scale, top, packed, thresholds, alpha,
                                              beta)
        total += part
        bad += chunk_bad
        if flagged:
            total += _resolve_flagged(chunk, w, lo, scale, top, packed, slots, first)
    return total, bad


@kernel(exact=True)
def step_sum_at(values, indices, w, slots):
    """``sum of f(values[indices])`` by comparisons (for the few pixels callers remove again)."""
    total = 0
    for p in range(indices.shape[0]):
        total += slots[resolve(values[indices[p]], w, 0)]
    return total
