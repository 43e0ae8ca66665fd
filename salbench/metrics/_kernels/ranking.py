"""Rank counting: how many values fall below / on each of a few sorted thresholds.

Every AUC in salbench reduces to one question: for each of ``m`` sorted distinct thresholds
``w[0] < ... < w[m-1]`` (the saliency values at fixations), how many of ``N`` other values (all
pixels, or the values at other fixations) are strictly between consecutive thresholds and how many
equal each threshold. A full sort of the map (``N log N``, what the reference implementations do)
is not needed: one pass that drops each value into its slot is enough.

Locating a value's slot uses a bucket table over ``[w[0], w[m-1]]``: ``f(u) = int((u - lo) *
scale)`` is monotone non-decreasing in ``u`` under IEEE rounding, so every threshold whose bucket
is below ``f(u)`` is certainly below ``u``. ``start[b]`` counts those thresholds, and a short
exact scan from there finds the slot. With about four buckets per threshold the scan is about one
comparison long. The scan, not the bucket arithmetic, decides the answer, so the result is exact.

Histogram layout: ``counts[2*j]`` counts values strictly between ``w[j-1]`` and ``w[j]``
(``counts[0]``: below ``w[0]``; ``counts[2*m]``: above ``w[m-1]``), ``counts[2*j+1]`` counts values
equal to ``w[j]``.
"""

from __future__ import annotations

import numpy as np

from ..._numba import kernel

BUCKETS_PER_THRESHOLD = 4


@kernel(exact=True)
def _bucket(u, lo, scale, n_buckets):
    b = int((u - lo) * scale)
    if b >= n_buckets:
        b = n_buckets - 1
    if b < 0:
        b = 0
    return b


@kernel(exact=True)
def build_buckets(w):
    """Bucket table for sorted distinct thresholds ``w``: returns ``(lo, hi, scale, start)``."""
    m = w.shape[0]
    lo = w[0]
    hi = w[m - 1]
    n_buckets = BUCKETS_PER_THRESHOLD * m
    span = hi - lo
    scale = n_buckets / span if span > 0 else 0.0
    if not np.isfinite(scale):
        # A subnormal span: one bucket and a linear scan is still exact.
        scale = 0.0
    start = np.zeros(n_buckets + 1, dtype=np.int64)
    for k in range(m):
        start[_bucket(w[k], lo, scale, n_buckets) + 1] += 1
    for b in range(n_buckets):
        start[b + 1] += start[b]
    return lo, hi, scale, start


@kernel(exact=True)
def locate(u, w, lo, hi, scale, start):
    """Histogram slot of ``u``: ``2*j`` if strictly below ``w[j]`` (and above ``w[j-1]``), ``2*j+1`` if equal."""
    m = w.shape[0]
    if u > hi:
        return 2 * m
    if not (u >= lo):  # also catches NaN; callers detect non-finite input from their sums
        return 0
    j = start[_bucket(u, lo, scale, start.shape[0] - 1)]
    while w[j] < u:
        j += 1
    if w[j] == u:
        return 2 * j + 1
    return 2 * j


@kernel(exact=True)
def histogram_all(values, w, lo, hi, scale, start, counts):
    """Add every element of the flat array ``values`` to ``counts``; return the sum of ``values``.

    The sum is returned so callers can detect NaN/inf in the map without another pass. Values below
    ``w[0]`` or above ``w[-1]`` (often most of a map) are counted in registers to avoid a chain of
    dependent memory increments on a single slot.
    """
    m = w.shape[0]
    n_low = 0
    n_high = 0
    total = 0.0
    for p in range(values.shape[0]):
        u = values[p]
        total += u
        if u < lo:
            n_low += 1
        elif u > hi:
            n_high += 1
        else:
            counts[locate(u, w, lo, hi, scale, start)] += 1
    counts[0] += n_low
    counts[2 * m] += n_high
    return total


@kernel(exact=True)
def histogram_at(values, indices, w, lo, hi, scale, start, counts, sign):
    """Add (``sign`` = +1) or remove (-1) the values ``values[indices]`` to/from ``counts``."""
    for p in range(indices.shape[0]):
        counts[locate(values[indices[p]], w, lo, hi, scale, start)] += sign


@kernel(exact=True)
def histogram_of(values, w, lo, hi, scale, start, counts):
    """Add every element of ``values`` (an explicit list of negatives) to ``counts``."""
    for p in range(values.shape[0]):
        counts[locate(values[p], w, lo, hi, scale, start)] += 1


@kernel(exact=True)
def below_and_equal(counts):
    """From a histogram, ``(less, equal)`` per threshold: ``#{u < w[j]}`` and ``#{u == w[j]}``."""
    m = (counts.shape[0] - 1) // 2
    less = np.empty(m, dtype=np.int64)
    equal = np.empty(m, dtype=np.int64)
    running = 0
    for j in range(m):
        running += counts[2 * j]
        less[j] = running
        equal[j] = counts[2 * j + 1]
        running += counts[2 * j + 1]
    return less, equal


@kernel(exact=True)
def histogram_all_minmax(values, minimum, spread, w, lo, hi, scale, start, counts):
    """Like :func:`histogram_all` for MIT's ``(values - minimum) / spread``, computed per pixel.

    The normalised values are compared with thresholds that were computed by the same expression,
    so equal pixels stay equal and the MIT ``>=`` comparisons are reproduced exactly.
    """
    m = w.shape[0]
    n_low = 0
    n_high = 0
    for p in range(values.shape[0]):
        u = (values[p] - minimum) / spread
        if u < lo:
            n_low += 1
        elif u > hi:
            n_high += 1
        else:
            counts[locate(u, w, lo, hi, scale, start)] += 1
    counts[0] += n_low
    counts[2 * m] += n_high
