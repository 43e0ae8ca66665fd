"""Statistics over images for leaderboards: bootstrap intervals and a paired permutation test.

Images are the unit of resampling (fixations within an image are not independent). Every model
is resampled with the *same* bootstrap indices, so intervals of differences are paired. Values
may be NaN (a metric undefined on an image); means then run over the defined images of each
resample.
"""

from __future__ import annotations

import math

import numpy as np

#: Bootstrap resamples are processed in blocks of this many rows (bounded memory).
_BLOCK = 256


def bootstrap_indices(n_images: int, n_bootstrap: int, rng) -> np.ndarray:
    """``(n_bootstrap, n_images)`` indices drawn with replacement."""
    return rng.integers(0, n_images, size=(n_bootstrap, n_images), dtype=np.int64)


def masked_means(values: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Mean of the non-NaN ``values[indices[b]]`` for every row ``b`` (NaN when none is defined)."""
    defined = ~np.isnan(values)
    filled = np.where(defined, values, 0.0)
    out = np.empty(indices.shape[0])
    for start in range(0, indices.shape[0], _BLOCK):
        block = indices[start:start + _BLOCK]
        total = filled[block].sum(axis=1)
        count = defined[block].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:start + _BLOCK] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


def ratio_of_means(numerator: np.ndarray, denominator: np.ndarray, indices: np.ndarray):
    """``mean(numerator) / mean(denominator)`` per resample, over images where both are defined."""
    both = ~(np.isnan(numerator) | np.isnan(denominator))
    num = np.where(both, numerator, np.nan)
    den = np.where(both, denominator, np.nan)
    top = masked_means(num, indices)
    bottom = masked_means(den, indices)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bottom > 0, top / bottom, np.nan)


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """The central ``confidence`` percentile interval of the finite bootstrap samples."""
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return math.nan, math.nan
    tail = 50.0 * (1.0 - confidence)
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)


def sign_flip_test(differences: np.ndarray, n_permutations: int, rng) -> float:
    """Two-sided paired permutation test of ``mean(differences) == 0`` (NaN entries ignored).

    Under the null hypothesis that two models are exchangeable on every image, each per-image
    difference is equally likely to have either sign. The p-value is
    ``(1 + #{|mean(s * d)| >= |mean(d)|}) / (1 + n_permutations)`` over random sign vectors ``s``
    (the +1 counts the observed assignment, so p is never 0). All differences zero gives p = 1.
    """
    d = differences[~np.isnan(differences)]
    if d.size == 0:
        return math.nan
    observed = abs(d.sum())
    if observed == 0.0:
        return 1.0
    # compare sums (same n), with a relative tolerance so that the observed assignment itself and
    # its mirror image are always counted despite rounding
    threshold = observed * (1.0 - 1e-12)
    extreme = 0
    for start in range(0, n_permutations, _BLOCK * 4):
        rows = min(_BLOCK * 4, n_permutations - start)
        signs = rng.integers(0, 2, size=(rows, d.size), dtype=np.int8).astype(np.float64)
        signs = 2.0 * signs - 1.0
        extreme += int((np.abs(signs @ d) >= threshold).sum())
    return (1.0 + extreme) / (1.0 + n_permutations)
