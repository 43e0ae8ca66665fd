"""Batched kernels for :mod:`salbench.torch` on CPU tensors: many images in one call.

The maps arrive as one ``(B, N)`` array (a zero-copy view of a CPU tensor, float32 or float64);
images run in parallel (``prange``), each row's reduction is serial, so results do not depend on
the number of threads. Where a per-image kernel of ``salbench.metrics`` exists and takes any
dtype (:mod:`.ranking`, :mod:`.divergence`) it is called per row; the moment passes are written
here because ``salbench.metrics``' read float64 bits. Exact rank counts compare each pixel with a
few thresholds directly (vectorised) or, beyond :data:`DIRECT_THRESHOLDS`, drop it into the
bucketed histogram of :mod:`.ranking`; thresholds are float64, exact for float32 values.
"""

from __future__ import annotations

import numba
import numpy as np

from ..._numba import kernel
from .distinct import distinct_with_inverse
from . import divergence, moments, ranking, step_sum


#: Up to this many distinct fixated values per image, each pixel is compared with every one of
#: them (vectorised over a block of pixels, no table look-ups); beyond, the bucketed histogram
#: of :mod:`.ranking` (one look-up per pixel, whatever the number of thresholds) is faster.
DIRECT_THRESHOLDS = 24  # measured: 20 thresholds direct 8.4 ms, bucketed 12 ms (32 x 240 x 320)
BLOCK = 2048


@kernel
def _direct_counts(row, w, less, equal):
    """``less[j] += #{u < w[j]}``, ``equal[j] += #{u == w[j]}`` by comparing every pixel ``u`` of
    ``row`` with every threshold, in the row's dtype (the thresholds are its own values, so
    exactly representable). The per-block counts are float32 sums of 0s and 1s, at most
    ``BLOCK`` < 2**24, so exact in any order of summation: re-association (the kernels' fastmath)
    lets LLVM vectorise them, which integer counters of comparisons here do not."""
    m = w.shape[0]
    wt = w.astype(row.dtype)
    n = row.shape[0]
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for begin in range(0, n, BLOCK):
        end = min(begin + BLOCK, n)
        for j in range(m):
            t = wt[j]
            below = zero
            same = zero
            for p in range(begin, end):
                u = row[p]
                below += one if u < t else zero
                same += one if u == t else zero
            less[j] += np.int64(below)
            equal[j] += np.int64(same)


@kernel(exact=True, parallel=True)
def rank_scores(maps, values, flat, lengths, unfixated, scores, n_negatives):
    """Per fixation ``#{u < v_i} + 0.5 #{u == v_i}`` over all pixels ``u`` of its image's map.

    ``maps`` (B, N); ``values`` (B, K) float64, the map's value at each fixation; ``flat`` (B, K)
    int64 pixel indices; the first ``lengths[b]`` entries of a row are image ``b``'s fixations.
    With ``unfixated`` the fixated pixels (each once) are removed from the negatives. Writes
    ``scores`` (B, K) and ``n_negatives`` (B). The maps must be finite (callers check their sums).
    """
    n_images, n_pixels = maps.shape
    for b in numba.prange(n_images):
        k = lengths[b]
        n_negatives[b] = 0
        if k == 0:
            continue
        w = np.unique(values[b, :k])
        m = w.shape[0]
        row = maps[b]
        if m <= DIRECT_THRESHOLDS:
            less = np.zeros(m, dtype=np.int64)
            equal = np.zeros(m, dtype=np.int64)
            _direct_counts(row, w, less, equal)
            if unfixated:
                fixated = np.unique(flat[b, :k])
                for i in range(fixated.shape[0]):
                    u = row[fixated[i]]
                    for j in range(m):
                        less[j] -= u < w[j]
                        equal[j] -= u == w[j]
        else:
            lo, scale, top, slot, first = ranking.build_table(w)
            counts = np.zeros(2 * m + 1, dtype=np.int64)
            ranking.histogram_all(row, w, lo, scale, top, slot, first, counts)
            if unfixated:
                fixated = np.unique(flat[b, :k])
                ranking.histogram_at(row, fixated, w, lo, scale, top, slot, first, counts, -1)
            less, equal = ranking.below_and_equal(counts)
        negatives = n_pixels
        if unfixated:
            negatives -= np.unique(flat[b, :k]).shape[0]
        for i in range(k):
            j = np.searchsorted(w, values[b, i])
            scores[b, i] = less[j] + 0.5 * equal[j]
        n_negatives[b] = negatives


@kernel(exact=True, parallel=True)
def rank_totals(maps, values, flat, lengths, unfixated, totals, n_negatives):
    """Per image ``sum_i (#{u < v_i} + 0.5 #{u == v_i})`` over all pixels ``u`` (the rank AUC's
    numerator, exactly), by :mod:`.step_sum`'s one vectorised pass per map.

    Arguments as :func:`rank_scores`; writes ``totals`` (B,) float64 and ``n_negatives`` (B).
    An image whose fixation counts do not fit the step table's packing falls back to the
    histogram of :func:`rank_scores`' kernels (the same exact counts).
    """
    n_images, n_pixels = maps.shape
    for b in numba.prange(n_images):
        k = lengths[b]
        totals[b] = 0.0
        n_negatives[b] = 0
        if k == 0:
            continue
        w, inverse = distinct_with_inverse(values[b, :k])
        weights = np.zeros(w.shape[0], dtype=np.int64)
        for i in range(k):
            weights[inverse[i]] += 1
        row = maps[b]
        fixated = np.unique(flat[b, :k]) if unfixated else flat[b, :0]
        ok, lo, scale, top, packed, thresholds, slots, first = step_sum.step_table(w, weights, 2, 1)
        if ok:
            twice, _ = step_sum.step_sum(row, w, lo, scale, top, packed, thresholds, slots, first,
                                         2, 1)
            twice -= step_sum.step_sum_at(row, fixated, w, slots)
            totals[b] = twice / 2
        else:
            lo, scale, top, slot, first = ranking.build_table(w)
            counts = np.zeros(2 * w.shape[0] + 1, dtype=np.int64)
            ranking.histogram_all(row, w, lo, scale, top, slot, first, counts)
            ranking.histogram_at(row, fixated, w, lo, scale, top, slot, first, counts, -1)
            less, equal = ranking.below_and_equal(counts)
            total = 0.0
            for i in range(k):
                total += less[inverse[i]] + 0.5 * equal[inverse[i]]
            totals[b] = total
        n_negatives[b] = n_pixels - fixated.shape[0]


# ---------------------------------------------------------------------------------------------
# Per-image passes over a batch of maps (any float dtype; float64 accumulation). Each row is one
# image; images run in parallel, each row's reduction is serial, so results do not depend on the
# number of threads.
# ---------------------------------------------------------------------------------------------


_LOW_31 = np.int32(0x7FFFFFFF)
_INT32_MAX = np.int32(0x7FFFFFFF)
_INT32_MIN = np.int32(-0x7FFFFFFF - 1)


@kernel
def _order_key32(bits):
    """An int32 that orders like the float32 with these bits (its own inverse), as
    :func:`.moments._order_key` for float64: integer min/max reductions vectorise."""
    return bits ^ ((bits >> 31) & _LOW_31)


@kernel(parallel=True)
def sum_min_max_float32(maps, total, lo, hi):
    """Per row of a float32 ``maps``: float64 ``sum`` (NaN/inf make it non-finite), ``min`` and
    ``max`` in one pass (meaningless when the sum is NaN)."""
    for b in numba.prange(maps.shape[0]):
        row = maps[b]
        bits = row.view(np.int32)
        s = 0.0
        mn = _INT32_MAX
        mx = _INT32_MIN
        for p in range(row.shape[0]):
            s += row[p]
            key = _order_key32(bits[p])
            mn = min(mn, key)
            mx = max(mx, key)
        total[b] = s
        lo[b] = np.array([_order_key32(mn)], dtype=np.int32).view(np.float32)[0]
        hi[b] = np.array([_order_key32(mx)], dtype=np.int32).view(np.float32)[0]


@kernel(parallel=True)
def sum_min_max_float64(maps, total, lo, hi):
    """The same for float64 maps, per row through :func:`.moments.sum_min_max`."""
    for b in numba.prange(maps.shape[0]):
        total[b], lo[b], hi[b] = moments.sum_min_max(maps[b])


@kernel(parallel=True)
def row_sums(maps, total):
    """Per row ``sum`` in float64; a NaN or inf makes it non-finite. (Minimum and maximum are
    left to the caller: with NaN semantics intact, a min/max loop does not vectorise.)"""
    for b in numba.prange(maps.shape[0]):
        row = maps[b]
        s = 0.0
        for p in range(row.shape[0]):
            s += row[p]
        total[b] = s


@kernel(parallel=True)
def squared_deviations(maps, scale, mean, m2):
    """Per row ``sum((a * scale - mean)**2)`` (the second pass of a two-pass variance)."""
    for b in numba.prange(maps.shape[0]):
        row = maps[b]
        k = scale[b]
        mu = mean[b]
        s = 0.0
        for p in range(row.shape[0]):
            d = row[p] * k - mu
            s += d * d
        m2[b] = s


@kernel(parallel=True)
def joint_deviations(a, c, scale_a, scale_c, mean_a, mean_c, m2_a, m2_c, cross):
    """Per row the sums of squared deviations of two maps and of their cross products."""
    for b in numba.prange(a.shape[0]):
        ra = a[b]
        rc = c[b]
        ka, kc = scale_a[b], scale_c[b]
        ma, mc = mean_a[b], mean_c[b]
        sa = 0.0
        sc = 0.0
        sx = 0.0
        for p in range(ra.shape[0]):
            da = ra[p] * ka - ma
            dc = rc[p] * kc - mc
            sa += da * da
            sc += dc * dc
            sx += da * dc
        m2_a[b] = sa
        m2_c[b] = sc
        cross[b] = sx


@kernel(parallel=True)
def normalised_sums(maps, shift, spread, add, out):
    """Per row ``sum((a - shift) / spread + add)`` (:func:`.divergence.normalised_sum`)."""
    for b in numba.prange(maps.shape[0]):
        out[b] = divergence.normalised_sum(maps[b], shift[b], spread[b], add[b])


@kernel(parallel=True)
def kl_regularised(s, r, ps, pr, c, out):
    """Per row :func:`.divergence.kl_regularised` (NaN where a logarithm's argument is < 0)."""
    for b in numba.prange(s.shape[0]):
        out[b] = divergence.kl_regularised(s[b], r[b], ps[b], pr[b], c)


@kernel(parallel=True)
def kl_plain(s, r, ps, pr, out):
    """Per row :func:`.divergence.kl_plain`."""
    for b in numba.prange(s.shape[0]):
        out[b] = divergence.kl_plain(s[b], r[b], ps[b], pr[b])


@kernel(parallel=True)
def intersection(s, r, ps, pr, out):
    """Per row :func:`.divergence.intersection`."""
    for b in numba.prange(s.shape[0]):
        out[b] = divergence.intersection(s[b], r[b], ps[b], pr[b])


_F32_MANTISSA = 0x007FFFFF
_F32_ONE = 0x3F800000
_F32_SQRT2 = 0x3FB504F3  # bits of sqrt(2) in float32
_LN2 = 0.6931471805599453


@kernel
def _log_float32(values, n):
    """Natural logarithm of ``values[:n]`` (positive normal float32) in place, vectorisable:
    ``log(2**e * m) = e ln 2 + 2 atanh((m - 1) / (m + 1))`` with ``m`` in ``[sqrt(1/2),
    sqrt(2))``, the series to ``s**9`` (next term below 1e-9 relative: float32 rounding)."""
    bits = values.view(np.int32)
    for i in range(n):
        b = bits[i]
        e = ((b >> 23) & 0xFF) - 127
        mantissa = (b & _F32_MANTISSA) | _F32_ONE
        high = np.int32(mantissa > _F32_SQRT2)
        bits[i] = mantissa - (high << 23)
        m = values[i]
        s = (m - np.float32(1.0)) / (m + np.float32(1.0))
        z = s * s
        p = np.float32(1.0 / 9.0)
        p = p * z + np.float32(1.0 / 7.0)
        p = p * z + np.float32(1.0 / 5.0)
        p = p * z + np.float32(1.0 / 3.0)
        values[i] = np.float32(2.0) * s + np.float32(2.0) * s * z * p + \
            np.float32(e + high) * np.float32(_LN2)


@kernel
def _kl_regularised_float32(s, r, ps, pr, c):
    """:func:`.divergence.kl_regularised` for float32 maps in float32 arithmetic (float64
    totals): ``sum(Q ln(c + Q / (P + c)))``, NaN if an argument is negative. The argument is at
    least ``c`` (a normal float32) wherever ``Q > 0``, so the vectorised logarithm applies."""
    n = s.shape[0]
    q = np.empty(BLOCK, dtype=np.float32)
    argument = np.empty(BLOCK, dtype=np.float32)
    p0, p1, p2 = np.float32(ps[0]), np.float32(ps[1]), np.float32(ps[2])
    q0, q1, q2 = np.float32(pr[0]), np.float32(pr[1]), np.float32(pr[2])
    c32 = np.float32(c)
    total = 0.0
    negative = 0
    for begin in range(0, n, BLOCK):
        size = min(BLOCK, n - begin)
        for k in range(size):
            qk = (r[begin + k] - q0) * q1 + q2
            pk = (s[begin + k] - p0) * p1 + p2
            a = c32 + qk / (pk + c32)
            a = a if qk != np.float32(0.0) else np.float32(1.0)
            negative += a < np.float32(0.0)
            q[k] = qk
            argument[k] = a if a > np.float32(0.0) else np.float32(1.0)
        _log_float32(argument, size)
        for k in range(size):
            total += np.float64(q[k] * argument[k])
    if negative:
        return np.nan
    return total


@kernel(parallel=True)
def kl_regularised_float32(s, r, ps, pr, c, out):
    """Per row :func:`_kl_regularised_float32`."""
    for b in numba.prange(s.shape[0]):
        out[b] = _kl_regularised_float32(s[b], r[b], ps[b], pr[b], c)
