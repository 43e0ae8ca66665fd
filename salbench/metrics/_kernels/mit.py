"""Pieces of the MIT saliency benchmark's sampled AUCs (AUC_Borji, AUC_shuffled), reproduced exactly.

The MIT code thresholds min-max normalised values on Octave's range ``0:0.1:M``. How Octave builds
that range (a tolerant floor for the element count, the end point clamped to ``M``) decides which
pixels count on quantised maps, so it is reproduced here operation for operation (Octave 7.3
``Range.cc``: ``xtfloor``, ``xteq``, ``xnumel_internal``, ``xfinal_value``).
"""

from __future__ import annotations

import numpy as np

from ..._numba import bits_float, float_bits, kernel

EPS = np.finfo(np.float64).eps
_CT = 3.0 * EPS


@kernel(exact=True)
def _tolerant_floor(x, ct):
    # Hagerty's FL5 function, as in Octave's Range.cc.
    q = 1.0
    if x < 0.0:
        q = 1.0 - ct
    rmax = q / (2.0 - ct)
    t1 = 1.0 + np.floor(x)
    t1 = (ct / q) * (-t1 if t1 < 0.0 else t1)
    t1 = rmax if rmax < t1 else t1
    t1 = ct if ct > t1 else t1
    t1 = np.floor(x + t1)
    if x <= 0.0 or (t1 - x) < rmax:
        return t1
    return t1 - 1.0


@kernel(exact=True)
def _tolerant_equal(u, v, ct):
    tu = abs(u)
    tv = abs(v)
    return abs(u - v) < (tu if tu > tv else tv) * ct


@kernel(exact=True)
def octave_range(limit, step):
    """Octave's ``0:step:limit`` for ``limit >= 0``, ``step > 0``, as a float64 array."""
    tmp = _tolerant_floor((limit - 0.0 + step) / step, _CT)
    n = int(tmp) if tmp > 0.0 else 0
    if not _tolerant_equal(0.0 + (n - 1) * step, limit, _CT):
        if _tolerant_equal(0.0 + (n - 2) * step, limit, _CT):
            n -= 1
        elif _tolerant_equal(0.0 + n * step, limit, _CT):
            n += 1
    out = np.empty(max(n, 0), dtype=np.float64)
    for k in range(n - 1):
        out[k] = 0.0 + k * step
    if n >= 1:
        if n == 1:
            last = 0.0
        else:
            last = 0.0 + (n - 1) * step
            if last >= limit:
                last = limit
        out[n - 1] = last
    return out


@kernel(exact=True)
def thresholded_roc_area(positives, negatives, step):
    """Area under MIT's thresholded ROC curve for one split (``AUC_Borji`` / ``AUC_shuffled``).

    Thresholds are ``fliplr(0:step:max([positives; negatives]))``; TP and FP are the fractions of
    positives and negatives ``>=`` each threshold; the curve runs from (0, 0) through the
    thresholds in descending order to (1, 1); the area is the trapezoid rule.
    """
    top = -np.inf
    for v in positives:
        top = max(top, v)
    for v in negatives:
        top = max(top, v)
    grid = octave_range(top, step)
    n_pos = positives.shape[0]
    n_neg = negatives.shape[0]
    previous_tp = 0.0
    previous_fp = 0.0
    area = 0.0
    for k in range(grid.shape[0] - 1, -1, -1):
        threshold = grid[k]
        above_pos = 0
        for v in positives:
            if v >= threshold:
                above_pos += 1
        above_neg = 0
        for v in negatives:
            if v >= threshold:
                above_neg += 1
        tp = above_pos / n_pos
        fp = above_neg / n_neg
        area += (fp - previous_fp) * (tp + previous_tp) / 2.0
        previous_tp = tp
        previous_fp = fp
    area += (1.0 - previous_fp) * (1.0 + previous_tp) / 2.0
    return area


@kernel(exact=True)
def borji_splits(values, minimum, spread, positives, samples, step):
    """Mean over splits of :func:`thresholded_roc_area`; ``samples`` is (splits, k) pixel indices.

    The negatives of split ``i`` are the min-max normalised map values at ``samples[i]``,
    normalised here with the same expression as the positives.
    """
    n_splits, k = samples.shape
    negatives = np.empty(k, dtype=np.float64)
    total = 0.0
    for i in range(n_splits):
        for j in range(k):
            negatives[j] = (values[samples[i, j]] - minimum) / spread
        total += thresholded_roc_area(positives, negatives, step)
    return total


@kernel(exact=True)
def judd_area(thresholds_desc, above, n_pixels):
    """``trapz(fp, tp)`` of MIT's AUC_Judd curve.

    ``thresholds_desc`` are the fixated pixels' normalised values in descending order (ties kept)
    and ``above[k]`` the number of pixels ``>= thresholds_desc[k]``.
    """
    n_fix = thresholds_desc.shape[0]
    previous_tp = 0.0
    previous_fp = 0.0
    area = 0.0
    for k in range(n_fix):
        tp = (k + 1) / n_fix
        fp = (above[k] - (k + 1)) / (n_pixels - n_fix)
        area += (fp - previous_fp) * (tp + previous_tp) / 2.0
        previous_tp = tp
        previous_fp = fp
    area += (1.0 - previous_fp) * (1.0 + previous_tp) / 2.0
    return area


_LOW_63 = np.int64(0x7FFFFFFFFFFFFFFF)


@kernel(exact=True)
def _order_key(bits):
    # an int64 that orders like the float64 with these bits (its own inverse)
    return bits ^ ((bits >> 63) & _LOW_63)


@kernel(exact=True)
def raw_thresholds(raw, minimum, spread):
    """For each ``v`` of ``raw`` the smallest float64 ``x`` with ``N(x) >= N(v)``, where
    ``N(x) = (x - minimum) / spread`` is MIT's min-max normalisation (``raw >= minimum``).

    ``N`` is monotone non-decreasing in IEEE arithmetic, so ``N(u) >= N(v)`` exactly when ``u >=
    x``: AUC_Judd's comparisons of normalised values become comparisons of raw ones, and no pixel
    needs normalising (a division each). Found by bisection over the ordered float64 bit
    patterns between ``minimum`` and ``v`` (at most 64 steps).
    """
    out = np.empty_like(raw)
    for j in range(raw.shape[0]):
        v = raw[j]
        target = (v - minimum) / spread
        lo = _order_key(float_bits(minimum))
        hi = _order_key(float_bits(v))
        while lo < hi:
            mid = (lo >> 1) + (hi >> 1) + (lo & hi & 1)  # the floor of the mean, no overflow
            if (bits_float(_order_key(mid)) - minimum) / spread >= target:
                hi = mid
            else:
                lo = mid + 1
        out[j] = bits_float(_order_key(lo))
    return out
