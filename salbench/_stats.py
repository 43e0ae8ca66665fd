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


class SignFlips:
    """Random sign vectors for paired permutation tests, shared by every test of a leaderboard.

    ``n_permutations`` vectors of ±1 over ``n_images`` images, drawn once from ``rng``. Reusing
    them across pairs of models keeps each test a valid Monte Carlo permutation test (each uses
    independent draws from the null distribution) and makes a leaderboard of many models cheap.
    The matrix is kept as float64 when it fits in ``cache_bytes``; otherwise it is regenerated
    block by block from a stored seed (same values, bounded memory).
    """

    def __init__(self, n_images: int, n_permutations: int, rng, *, cache_bytes: int = 128 * 2**20):
        self.n_images = int(n_images)
        self.n_permutations = int(n_permutations)
        self._seed = int(rng.integers(0, 2**63 - 1))
        self._cached = None
        if self.n_images * self.n_permutations * 8 <= cache_bytes:
            self._cached = np.concatenate(list(self._generate()), axis=0)

    def _generate(self):
        rng = np.random.default_rng(self._seed)
        for start in range(0, self.n_permutations, _BLOCK * 4):
            rows = min(_BLOCK * 4, self.n_permutations - start)
            bits = rng.integers(0, 2, size=(rows, self.n_images), dtype=np.int8)
            yield 2.0 * bits.astype(np.float64) - 1.0

    def blocks(self):
        if self._cached is not None:
            yield self._cached
        else:
            yield from self._generate()


def sign_flip_test(differences: np.ndarray, n_permutations: int, rng, *, flips=None) -> float:
    """Two-sided paired permutation test of ``mean(differences) == 0`` (NaN entries ignored).

    Under the null hypothesis that two models are exchangeable on every image, each per-image
    difference is equally likely to have either sign. The p-value is
    ``(1 + #{|mean(s * d)| >= |mean(d)|}) / (1 + n_permutations)`` over random sign vectors ``s``
    (the +1 counts the observed assignment, so p is never 0). All differences zero gives p = 1.
    ``flips`` (a :class:`SignFlips` over the same images) supplies the sign vectors; otherwise
    they are drawn from ``rng``.
    """
    defined = ~np.isnan(differences)
    if not defined.any():
        return math.nan
    # undefined images contribute 0 whatever their sign: the sums run over the defined ones
    d = np.where(defined, differences, 0.0)
    observed = abs(d.sum())
    if observed == 0.0:
        return 1.0
    if flips is None:
        flips = SignFlips(d.size, n_permutations, rng, cache_bytes=0)
    elif flips.n_images != d.size:
        raise ValueError(f"flips are for {flips.n_images} images, differences for {d.size}")
    # compare sums (same n), with a relative tolerance so that the observed assignment itself and
    # its mirror image are always counted despite rounding
    threshold = observed * (1.0 - 1e-12)
    extreme = 0
    for signs in flips.blocks():
        extreme += int((np.abs(signs @ d) >= threshold).sum())
    return (1.0 + extreme) / (1.0 + flips.n_permutations)
