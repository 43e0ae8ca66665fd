"""Sorted distinct values of the (few) values at fixations: ``np.unique`` without its overhead.

A metric call sorts the tens to hundreds of values at an image's fixations two or three times;
``np.unique`` costs ~15 µs a call in Python overhead, more than the sort itself.
"""

from __future__ import annotations

import numpy as np

from ..._numba import kernel


@kernel(exact=True)
def distinct_with_inverse(values):
    """``(w, inverse)``: the sorted distinct values and, per value, the index of its own in ``w``.

    Equal as floats means one value (``-0.0 == 0.0``); each NaN is its own, sorted last (callers
    reject maps with NaN).
    """
    n = values.shape[0]
    order = np.argsort(values, kind="mergesort")
    w = np.empty(n, dtype=np.float64)
    inverse = np.empty(n, dtype=np.int64)
    m = 0
    for j in range(n):
        v = values[order[j]]
        if m == 0 or v != w[m - 1]:
            w[m] = v
            m += 1
        inverse[order[j]] = m - 1
    return w[:m].copy(), inverse


@kernel(exact=True)
def distinct_sorted(values):
    """The sorted distinct values of a float64 array (``np.unique``)."""
    return distinct_with_inverse(values)[0]


@kernel
def distinct_pixels(flat):
    """The sorted distinct flat pixel indices (``np.unique`` of an int64 array)."""
    n = flat.shape[0]
    ordered = np.sort(flat)
    out = np.empty(n, dtype=np.int64)
    m = 0
    for j in range(n):
        v = ordered[j]
        if m == 0 or v != out[m - 1]:
            out[m] = v
            m += 1
    return out[:m].copy()
