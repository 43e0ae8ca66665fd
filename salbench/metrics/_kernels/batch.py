"""Batched rank counting for :mod:`salbench.torch` on CPU tensors: many images in one call.

The maps arrive as one ``(B, N)`` array (a zero-copy view of a CPU tensor, float32 or float64);
images run in parallel (``prange``), each through the same serial per-image kernels of
:mod:`.ranking` as :func:`salbench.metrics.auc`, so counts are exact and do not depend on the
number of threads. Thresholds are float64 (exact for float32 values), so a float32 map is bucketed
by the same float64 arithmetic as its thresholds.
"""

from __future__ import annotations

import numba
import numpy as np

from ..._numba import kernel
from . import divergence, ranking


@kernel(exact=True, parallel=True)
def rank_scores(maps, values, flat, lengths, unfixated, scores, n_negatives, non_finite):
    """Per fixation ``#{u < v_i} + 0.5 #{u == v_i}`` over all pixels ``u`` of its image's map.

    ``maps`` (B, N); ``values`` (B, K) float64, the map's value at each fixation; ``flat`` (B, K)
    int64 pixel indices; the first ``lengths[b]`` entries of a row are image ``b``'s fixations.
    With ``unfixated`` the fixated pixels (each once) are removed from the negatives. Writes
    ``scores`` (B, K), ``n_negatives`` (B) and ``non_finite`` (B, the number of NaN/inf pixels).
    """
    n_images, n_pixels = maps.shape
    for b in numba.prange(n_images):
        k = lengths[b]
        n_negatives[b] = 0
        non_finite[b] = 0
        if k == 0:
            continue
        w = np.unique(values[b, :k])
        lo, scale, top, slot, first = ranking.build_table(w)
        counts = np.zeros(2 * w.shape[0] + 1, dtype=np.int64)
        row = maps[b]
        non_finite[b] = ranking.histogram_all(row, w, lo, scale, top, slot, first, counts)
        negatives = n_pixels
        if unfixated:
            fixated = np.unique(flat[b, :k])
            ranking.histogram_at(row, fixated, w, lo, scale, top, slot, first, counts, -1)
            negatives -= fixated.shape[0]
        less, equal = ranking.below_and_equal(counts)
        for i in range(k):
            j = np.searchsorted(w, values[b, i])
            scores[b, i] = less[j] + 0.5 * equal[j]
        n_negatives[b] = negatives


# ---------------------------------------------------------------------------------------------
# Per-image passes over a batch of maps (any float dtype; float64 accumulation). Each row is one
# image; images run in parallel, each row's reduction is serial, so results do not depend on the
# number of threads.
# ---------------------------------------------------------------------------------------------


@kernel(parallel=True)
def sum_min_max(maps, total, lo, hi):
    """Per row ``sum`` (float64), ``min`` and ``max``; a NaN makes the sum NaN."""
    for b in numba.prange(maps.shape[0]):
        row = maps[b]
        s = 0.0
        mn = np.float64(row[0])
        mx = np.float64(row[0])
        for p in range(row.shape[0]):
            v = np.float64(row[p])
            s += v
            mn = min(mn, v)
            mx = max(mx, v)
        total[b] = s
        lo[b] = mn
        hi[b] = mx


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


@kernel(parallel=True)
def sum_exp(maps, out):
    """Per row ``sum(exp(a))`` (the mass of a log-density; NaN/+inf make it non-finite)."""
    for b in numba.prange(maps.shape[0]):
        row = maps[b]
        s = 0.0
        for p in range(row.shape[0]):
            s += np.exp(np.float64(row[p]))
        out[b] = s
