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
from . import ranking


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
