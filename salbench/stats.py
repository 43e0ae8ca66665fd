"""Statistics of salbench: bootstrap intervals, paired comparisons and binomial summaries.

The leaderboard, the paired-comparison figure, the crop summaries and the crop-bias audit take
their statistics from here.

=============================  ==================================================================
name                           what
=============================  ==================================================================
:func:`bootstrap_indices`      resampling with replacement: ``(n_bootstrap, n_units)`` indices
:func:`bootstrap_blocks`       the same rows, a block at a time (bounded memory)
:func:`masked_means`           mean of the defined (non-NaN) values of every resample
:func:`ratio_of_means`         ``mean(numerator) / mean(denominator)`` of every resample
:func:`percentile_interval`    central percentile interval of bootstrap samples
:func:`bootstrap_means`        column means with percentile bootstrap intervals (paired columns)
:class:`SignFlips`             random sign vectors shared by many paired permutation tests
:func:`sign_flip_test`         two-sided paired permutation test of a mean difference
:func:`paired_difference`      mean of ``b - a``, its bootstrap interval and sign-flip p-value
:func:`binomial_summary`       a share with a Wilson or Clopper-Pearson interval, exact test
:func:`check_confidence`       validation of a confidence level
=============================  ==================================================================

The unit of resampling is whatever a row stands for: images for the leaderboard (fixations
within an image are not independent), images for the crop scores, pairs for the audit. Every
column (model, crop rule) of one analysis is resampled with the *same* indices, so intervals of
differences are paired. Values may be NaN (a metric undefined on an image): :func:`masked_means`
then averages the defined values of each resample.

One resampling stream serves all: :func:`bootstrap_indices` and :func:`bootstrap_blocks` draw
the same rows from the same generator (``Generator.integers`` is one stream however the draws are
split). Two interval conventions are kept because results were published with each:
:func:`percentile_interval` (the leaderboard and paired differences: finite samples,
``numpy.percentile`` at ``50 (1 - confidence)`` and ``100 - 50 (1 - confidence)``) and
:func:`bootstrap_means` (the crop summaries: ``numpy.quantile`` at ``(1 - confidence) / 2`` and
``1 - (1 - confidence) / 2``, NaN propagating). They agree except, for some confidence levels, in
the last bits of the levels themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import degenerate, positive_int
from .exceptions import InputError

__all__ = [
    "INTERVALS",
    "PairedStats",
    "SignFlips",
    "binomial_summary",
    "bootstrap_blocks",
    "bootstrap_indices",
    "bootstrap_means",
    "check_confidence",
    "masked_means",
    "paired_difference",
    "percentile_interval",
    "ratio_of_means",
    "sign_flip_test",
]

#: Binomial intervals of :func:`binomial_summary`.
INTERVALS = ("wilson", "clopper-pearson")
#: Bootstrap resamples are processed in blocks of this many rows (bounded memory).
_BLOCK = 256


def check_confidence(confidence) -> float:
    """``confidence`` as a float in (0, 1), or an :class:`~salbench.exceptions.InputError`.

    Examples
    --------
    >>> check_confidence(0.9)
    0.9
    """
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise InputError(f"confidence must be a number in (0, 1), got {confidence!r}") from None
    if not 0.0 < c < 1.0:
        raise InputError(f"confidence must be in (0, 1), got {confidence!r}")
    return c


# ------------------------------------------------------------------------------ resampling
def bootstrap_indices(n_units: int, n_bootstrap: int, rng) -> np.ndarray:
    """Indices of ``n_bootstrap`` resamples of ``n_units`` units, drawn with replacement.

    Parameters
    ----------
    n_units : int
        Number of units (images, pairs) to resample.
    n_bootstrap : int
        Number of resamples.
    rng : numpy.random.Generator

    Returns
    -------
    numpy.ndarray of int64, shape (n_bootstrap, n_units)
        Row ``b`` holds the units of resample ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> bootstrap_indices(4, 2, np.random.default_rng(0)).shape
    (2, 4)
    """
    return rng.integers(0, n_units, size=(n_bootstrap, n_units), dtype=np.int64)


def bootstrap_blocks(n_units: int, n_bootstrap: int, rng, *, block: int = _BLOCK):
    """The rows of :func:`bootstrap_indices`, drawn ``block`` rows at a time.

    From a generator in the same state the rows are the same as ``bootstrap_indices(n_units,
    n_bootstrap, rng)``, without holding all of them in memory.

    Parameters
    ----------
    n_units, n_bootstrap, rng
        As for :func:`bootstrap_indices`.
    block : int, default=256
        Rows per block (the last block may be shorter).

    Yields
    ------
    start : int
        Index of the block's first resample.
    indices : numpy.ndarray of int64, shape (rows, n_units)

    Examples
    --------
    >>> import numpy as np
    >>> blocks = list(bootstrap_blocks(3, 5, np.random.default_rng(0), block=2))
    >>> [start for start, _ in blocks], [rows.shape for _, rows in blocks]
    ([0, 2, 4], [(2, 3), (2, 3), (1, 3)])
    >>> all_rows = bootstrap_indices(3, 5, np.random.default_rng(0))
    >>> bool((np.concatenate([rows for _, rows in blocks]) == all_rows).all())
    True
    """
    for start in range(0, n_bootstrap, block):
        rows = min(block, n_bootstrap - start)
        yield start, rng.integers(0, n_units, size=(rows, n_units), dtype=np.int64)


def masked_means(values: np.ndarray, indices: np.ndarray, *, weights=None) -> np.ndarray:
    """Mean of the non-NaN ``values[indices[b]]`` for every resample ``b``.

    Parameters
    ----------
    values : (n_units,) array of float
        One value per unit; NaN where undefined.
    indices : (n_bootstrap, n_units) array of int
        Resamples, as :func:`bootstrap_indices` draws them.
    weights : (n_units,) array of float, optional
        Non-negative weight of each unit (a leaderboard averaged per fixation weights each image
        by its number of fixations): the weighted mean ``sum(w v) / sum(w)`` over the defined
        units of the resample. Default: equal weights.

    Returns
    -------
    numpy.ndarray, shape (n_bootstrap,)
        NaN for a resample without a defined value.

    Examples
    --------
    >>> import numpy as np
    >>> masked_means(np.array([1.0, np.nan, 3.0]),
    ...              np.array([[0, 1, 2], [1, 1, 1], [0, 0, 1]])).tolist()
    [2.0, nan, 1.0]
    """
    defined = ~np.isnan(values)
    filled = np.where(defined, values, 0.0)
    counts = defined.astype(np.float64)
    if weights is not None:
        weights = _check_weights(weights, values.shape[0])
        filled = filled * weights
        counts = counts * weights
    out = np.empty(indices.shape[0])
    for start in range(0, indices.shape[0], _BLOCK):
        block = indices[start:start + _BLOCK]
        total = filled[block].sum(axis=1)
        count = counts[block].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:start + _BLOCK] = np.where(count > 0, total / np.where(count > 0, count, 1),
                                                 np.nan)
    return out


def _check_weights(weights, n_units: int) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.size != n_units:
        raise InputError(f"weights must hold one value per unit: got {w.size} for {n_units} units")
    if not np.isfinite(w).all() or (w < 0).any():
        bad = int(np.flatnonzero(~np.isfinite(w) | (w < 0))[0])
        raise InputError(f"weights must be finite and non-negative; unit {bad} has {w[bad]!r}")
    return w


def weighted_mean(values: np.ndarray, weights=None) -> float:
    """Mean of the non-NaN ``values`` (weighted by ``weights`` when given); NaN when none is
    defined or their weights sum to 0.

    Examples
    --------
    >>> import numpy as np
    >>> weighted_mean(np.array([1.0, np.nan, 4.0]), np.array([3.0, 5.0, 1.0]))
    1.75
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    defined = ~np.isnan(values)
    w = np.ones(values.size) if weights is None else _check_weights(weights, values.size)
    total = float(w[defined].sum())
    return float((values[defined] * w[defined]).sum() / total) if total > 0 else math.nan


def ratio_of_means(numerator: np.ndarray, denominator: np.ndarray, indices: np.ndarray, *,
                   weights=None):
    """``mean(numerator) / mean(denominator)`` per resample, over units where both are defined.

    NaN for a resample whose mean denominator is not positive. ``weights`` weights both means
    (see :func:`masked_means`).

    Examples
    --------
    >>> import numpy as np
    >>> ratio_of_means(np.array([1.0, 2.0, np.nan]), np.array([2.0, 2.0, 9.0]),
    ...                np.array([[0, 1, 2], [0, 0, 2]])).tolist()
    [0.75, 0.5]
    """
    both = ~(np.isnan(numerator) | np.isnan(denominator))
    num = np.where(both, numerator, np.nan)
    den = np.where(both, denominator, np.nan)
    top = masked_means(num, indices, weights=weights)
    bottom = masked_means(den, indices, weights=weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bottom > 0, top / bottom, np.nan)


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """The central ``confidence`` percentile interval of the finite bootstrap samples.

    Parameters
    ----------
    samples : (n,) array of float
        Bootstrap replicates of a statistic; NaN and inf are left out.
    confidence : float
        Coverage, e.g. 0.95 for the 2.5th and 97.5th percentiles.

    Returns
    -------
    (low, high) : tuple of float
        ``(nan, nan)`` when no sample is finite.

    Examples
    --------
    >>> import numpy as np
    >>> percentile_interval(np.array([0.0, 1.0, 2.0, 3.0, 4.0, np.nan]), 0.5)
    (1.0, 3.0)
    """
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return math.nan, math.nan
    tail = 50.0 * (1.0 - confidence)
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)


def bootstrap_means(values, *, n_bootstrap: int = 2000, seed=0, confidence: float = 0.95,
                    block: int = 250) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column means of ``values`` (rows = independent units) with percentile bootstrap intervals.

    Rows are resampled with replacement (:func:`bootstrap_blocks`), the same rows for every
    column, so intervals of differences between columns are paired. The interval ends are the
    ``(1 - confidence) / 2`` and ``1 - (1 - confidence) / 2`` quantiles of the resampled means
    (``numpy.quantile``; a column with NaN has NaN means and ends).

    Parameters
    ----------
    values : (n,) or (n, k) array_like
        One row per unit, one column per quantity.
    n_bootstrap : int, default=2000
        Resamples.
    seed : int or numpy.random.Generator, default=0
        Seeds the resampling (same seed, same intervals).
    confidence : float, default=0.95
    block : int, default=250
        Resamples held in memory at a time (does not change the result).

    Returns
    -------
    mean, low, high : numpy.ndarray, each of shape (k,)
        NaN for every column when there are no rows.

    Examples
    --------
    >>> import numpy as np
    >>> mean, low, high = bootstrap_means(np.arange(10.0), n_bootstrap=500)
    >>> float(mean[0]), bool(low[0] < 4.5 < high[0])
    (4.5, True)
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1:
        v = v[:, None]
    n = v.shape[0]
    if n == 0:
        nan = np.full(v.shape[1], np.nan)
        return nan, nan.copy(), nan.copy()
    rng = np.random.default_rng(seed)
    means = np.empty((n_bootstrap, v.shape[1]))
    for start, idx in bootstrap_blocks(n, n_bootstrap, rng, block=block):
        means[start:start + idx.shape[0]] = v[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha], axis=0)
    return v.mean(axis=0), low, high


# ------------------------------------------------------------------------------ paired tests
class SignFlips:
    """Random sign vectors for paired permutation tests, shared by every test of a leaderboard.

    ``n_permutations`` vectors of ±1 over ``n_images`` images, drawn once from ``rng``. Reusing
    them across pairs of models keeps each test a valid Monte Carlo permutation test (each uses
    independent draws from the null distribution) and makes a leaderboard of many models cheap.
    The matrix is kept as float64 when it fits in ``cache_bytes``; otherwise it is regenerated
    block by block from a stored seed (same values, bounded memory).

    Examples
    --------
    >>> import numpy as np
    >>> flips = SignFlips(5, 100, np.random.default_rng(0))
    >>> sorted(np.unique(np.concatenate(list(flips.blocks()))).tolist())
    [-1.0, 1.0]
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
        """The sign vectors, as ``(rows, n_images)`` float arrays of ±1."""
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

    Parameters
    ----------
    differences : (n,) array of float
        Per-unit differences; NaN entries are left out.
    n_permutations : int
        Random sign vectors (when ``flips`` is not given).
    rng : numpy.random.Generator
        Draws the sign vectors (unused with ``flips``).
    flips : SignFlips, optional
        Sign vectors over the same units, shared with other tests.

    Returns
    -------
    float
        NaN when no difference is defined.

    Examples
    --------
    >>> import numpy as np
    >>> sign_flip_test(np.full(12, 0.5), 999, np.random.default_rng(0))
    0.001
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


@dataclass(frozen=True)
class PairedStats:
    """The result of :func:`paired_difference`: the mean of ``b - a``, its interval, a test."""

    mean: float  #: mean of the defined differences
    ci_low: float  #: percentile bootstrap interval of the mean difference
    ci_high: float
    p_value: float  #: two-sided sign-flip permutation test of mean(b - a) == 0
    n: int  #: units where both values are defined


def paired_difference(a, b, *, confidence: float = 0.95, n_bootstrap: int = 1000,
                      n_permutations: int = 10000, seed=0, scale: float = 1.0, indices=None,
                      flips=None, weights=None) -> PairedStats:
    """Paired comparison of two sets of per-unit scores: mean of ``b - a``, interval and test.

    The differences are ``(b - a) * scale`` per unit (a unit where either value is NaN is left
    out). The interval is the percentile bootstrap interval (:func:`percentile_interval`) of the
    mean difference over resamples of all units (:func:`masked_means`); the p-value the
    two-sided sign-flip permutation test (:func:`sign_flip_test`). This is what
    :func:`salbench.leaderboard` reports as ``diff_vs_best`` and
    :func:`salbench.plotting.paired_difference` as ``mean``.

    Parameters
    ----------
    a, b : (n,) array_like of float
        Scores of two models on the same units, in the same order.
    confidence : float, default=0.95
        Coverage of the interval.
    n_bootstrap, n_permutations : int
        Bootstrap resamples and random sign vectors (when ``indices`` / ``flips`` are not given).
    seed : int, numpy.random.Generator or None, default=0
        Seeds the resamples (drawn first) and the sign vectors when they are not given.
    scale : float, default=1.0
        Factor of the differences (the leaderboard expresses differences of information gain in
        percent of the gold standard's).
    indices : (n_bootstrap, n) array of int, optional
        Bootstrap resamples shared with other comparisons (:func:`bootstrap_indices`).
    flips : SignFlips, optional
        Sign vectors shared with other comparisons (``n_permutations`` is then theirs).
    weights : (n,) array_like of float, optional
        Weight of each unit in the mean difference, its resamples and the test statistic
        (a per-fixation leaderboard weights images by their fixation counts; the units that are
        resampled and sign-flipped stay the images).

    Returns
    -------
    PairedStats
        All NaN (``n == 0``) when no unit has both values.

    Examples
    --------
    >>> import numpy as np
    >>> r = paired_difference([0.5, 0.6, 0.7, 0.6], [0.7, 0.8, 0.8, 0.9], n_bootstrap=200,
    ...                       n_permutations=200)
    >>> round(r.mean, 3), r.n, r.ci_low > 0, round(r.p_value, 2)  # exact p: 2 / 2**4
    (0.2, 4, True, 0.12)
    """
    confidence = check_confidence(confidence)
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise InputError(f"a and b must hold one value per unit each; got {a.size} and {b.size}")
    d = b - a
    if scale != 1.0:
        d = d * scale
    defined = ~np.isnan(d)
    if not defined.any():
        return PairedStats(math.nan, math.nan, math.nan, math.nan, 0)
    rng = None
    if indices is None or flips is None:
        rng = np.random.default_rng(seed)
    if indices is None:
        indices = bootstrap_indices(d.size, positive_int(n_bootstrap, "n_bootstrap"), rng)
    elif indices.ndim != 2 or indices.shape[1] != d.size:
        raise InputError(f"indices must have shape (n_bootstrap, {d.size}), got {indices.shape}")
    low, high = percentile_interval(masked_means(d, indices, weights=weights), confidence)
    # the weighted mean's statistic: sum(s w d) / sum(w) has the same denominator under every
    # sign vector, so the test of the weighted mean is the test of the sums of w * d
    tested = d if weights is None else d * _check_weights(weights, d.size)
    if flips is None:
        p = sign_flip_test(tested, positive_int(n_permutations, "n_permutations"), rng)
    else:
        p = sign_flip_test(tested, flips.n_permutations, None, flips=flips)
    return PairedStats(weighted_mean(d, weights), low, high, p, int(defined.sum()))


# ------------------------------------------------------------------------------ binomial shares
def binomial_summary(successes: int, trials: int, *, confidence: float = 0.95,
                     interval: str = "wilson", what: str = "no trials") -> dict:
    """Share ``successes / trials`` with a binomial interval and an exact test against 1/2.

    Parameters
    ----------
    successes, trials : int
    confidence : float, default=0.95
    interval : {"wilson", "clopper-pearson"}, default="wilson"
        The Wilson score interval or the exact Clopper-Pearson interval.
    what : str
        What having no trials means, for the warning.

    Returns
    -------
    dict
        ``share``, ``ci_low``, ``ci_high`` and ``p_value`` (two-sided exact binomial test,
        :func:`scipy.stats.binomtest`). With no trials every value is NaN and a
        :class:`~salbench.exceptions.DegenerateInputWarning` says so (naming ``what``).

    Examples
    --------
    >>> s = binomial_summary(8, 10)
    >>> s["share"], round(s["ci_low"], 3), round(s["ci_high"], 3), round(s["p_value"], 4)
    (0.8, 0.49, 0.943, 0.1094)
    """
    if interval not in INTERVALS:
        raise InputError(f"interval must be one of {list(INTERVALS)}, got {interval!r}")
    successes, trials = int(successes), int(trials)
    if trials == 0:
        nan = degenerate(f"{what}, so the share is undefined", stacklevel=4)
        return {"share": nan, "ci_low": nan, "ci_high": nan, "p_value": nan}
    from scipy.stats import binomtest

    result = binomtest(successes, trials, 0.5)
    ci = result.proportion_ci(confidence_level=confidence,
                              method="wilson" if interval == "wilson" else "exact")
    return {"share": successes / trials, "ci_low": float(ci.low), "ci_high": float(ci.high),
            "p_value": float(result.pvalue)}
