"""AUC metrics: exact rank AUCs (pysaliency conventions), exact ROC curves and the MIT
benchmark's AUC variants."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import (
    as_coordinates,
    as_map,
    check_finite,
    degenerate,
    positive_int,
    raise_non_finite,
)
from ..exceptions import InputError
from ._kernels import mit as mit_kernels
from ._kernels import ranking, step_sum
from ._kernels.distinct import distinct_pixels, distinct_sorted, distinct_with_inverse
from ._kernels.moments import sum_min_max

#: Why a rank AUC is NaN (shared with :mod:`salbench.torch`).
NO_NEGATIVES = "there are no negatives (every pixel is fixated)"
NO_SHUFFLED_NEGATIVES = "there are no fixations on other images to use as negatives"


# ---------------------------------------------------------------------------------------------
# Exact rank AUC: per-fixation counts of negatives below / equal to each fixation's value
# ---------------------------------------------------------------------------------------------


def _thresholds(values_at_fixations):
    """Sorted distinct fixation values and, for each fixation, the index of its value."""
    # float64 thresholds (exact for float32 values), so a float32 map is bucketed by the same
    # float64 arithmetic as its thresholds
    return distinct_with_inverse(np.ascontiguousarray(values_at_fixations, dtype=np.float64))


def _rank_auc_stats(s, flat_index, negatives, *, exclude=None, fixated=None, context=None,
                    name="saliency_map"):
    """Update step of the rank AUC: per-fixation ``#{u < v_i} + 0.5 #{u == v_i}`` and ``#negatives``.

    ``negatives`` is "all", "unfixated" or an int64 array of flat pixel indices (shuffled AUC),
    whose values are read from the map (repeats count); ``exclude`` (flat indices) is then
    removed from an array of negatives. ``"unfixated"`` leaves out the pixels of ``fixated``
    (flat indices; default ``flat_index``).
    """
    flat_map = s.reshape(-1)
    values = flat_map[flat_index]
    w, inverse = _thresholds(values)
    table = ranking.build_table(w)
    counts = np.zeros(2 * w.shape[0] + 1, dtype=np.int64)
    if isinstance(negatives, str):
        if ranking.histogram_all(flat_map, w, *table, counts):
            raise_non_finite(s, name, context=context)
        n_negatives = flat_map.shape[0]
        if negatives == "unfixated":
            fixated = distinct_pixels(flat_index if fixated is None else fixated)
            ranking.histogram_at(flat_map, fixated, w, *table, counts, -1)
            n_negatives -= fixated.shape[0]
    else:
        _check_finite_map(s, name, context)
        ranking.histogram_at(flat_map, negatives, w, *table, counts, 1)
        n_negatives = negatives.shape[0]
        if exclude is not None:
            ranking.histogram_at(flat_map, exclude, w, *table, counts, -1)
            n_negatives -= exclude.shape[0]
    less, equal = ranking.below_and_equal(counts)
    return less[inverse] + 0.5 * equal[inverse], n_negatives


def _check_finite_map(s, name, context):
    # sum_min_max reads float64 bits; a float32 map (MetricInfo.float32) is summed in float64
    total = (sum_min_max(s.reshape(-1))[0] if s.dtype == np.float64
             else np.sum(s, dtype=np.float64))
    if not np.isfinite(total):
        raise_non_finite(s, name, context=context)


#: ``f(u) = 2 #{v_i > u} + #{v_i == u}`` (:mod:`._kernels.step_sum`): twice a pixel's share of
#: the rank AUC's numerator.
_AUC_ALPHA, _AUC_BETA = 2, 1


def _all_pixel_numerator(s, flat, negatives, fixated, context, name="saliency_map"):
    """``sum_i (#{u < v_i} + 0.5 #{u == v_i})`` and ``#negatives`` for string negatives, by one
    vectorised pass summing each pixel's rank among the fixation values (no histogram); None
    when the fixation counts do not fit that kernel's packing."""
    flat_map = s.reshape(-1)
    w, inverse = _thresholds(flat_map[flat])
    weights = np.bincount(inverse, minlength=w.shape[0])
    ok, *table = step_sum.step_table(w, weights, _AUC_ALPHA, _AUC_BETA)
    if not ok:
        return None
    twice, bad = step_sum.step_sum(flat_map, w, *table, _AUC_ALPHA, _AUC_BETA)
    if bad:
        raise_non_finite(s, name, context=context)
    n_negatives = flat_map.shape[0]
    if negatives == "unfixated":
        fixated = distinct_pixels(flat if fixated is None else fixated)
        twice -= step_sum.step_sum_at(flat_map, fixated, w, table[5])
        n_negatives -= fixated.shape[0]
    # twice the numerator is an exact integer; halved it is exact in float64 (< 2**53)
    return twice / 2, n_negatives


def _rank_auc(s, flat, negatives, *, fixated=None, context=None):
    """Core of :func:`auc`: ``(value, reason)`` with reason set when the value is undefined."""
    total = None
    if isinstance(negatives, str):
        total = _all_pixel_numerator(s, flat, negatives, fixated, context)
    if total is None:
        scores, n_negatives = _rank_auc_stats(s, flat, negatives, fixated=fixated,
                                              context=context)
        numerator = scores.sum()
    else:
        numerator, n_negatives = total
    if n_negatives == 0:
        return np.nan, NO_NEGATIVES
    return float(numerator / (flat.shape[0] * n_negatives)), None


def _prepare(saliency_map, x, y, *, context=None):
    s = as_map(saliency_map, "saliency_map", context=context)
    _, _, flat = as_coordinates(x, y, s.shape, context=context)
    return s, flat


def _negatives_argument(negatives, shape, *, context=None):
    if isinstance(negatives, str):
        if negatives not in ("all", "unfixated"):
            raise InputError(
                f"negatives must be 'all', 'unfixated' or a pair of arrays (nx, ny), got {negatives!r}"
            )
        return negatives
    try:
        nx, ny = negatives
    except (TypeError, ValueError):
        raise InputError(
            "negatives must be 'all', 'unfixated' or a pair of arrays (nx, ny) of negative "
            f"fixations, got {type(negatives).__name__}"
        ) from None
    _, _, flat = as_coordinates(nx, ny, shape, names=("nx", "ny"), context=context)
    return flat


def auc_per_fixation(saliency_map, x, y, *, negatives="all"):
    """Rank AUC of each fixation against the negatives (pysaliency's ``AUCs``).

    For fixation ``i`` with saliency value ``v_i`` the score is
    ``(#{u < v_i} + 0.5 * #{u == v_i}) / #negatives`` over the negative values ``u``.

    Parameters
    ----------
    saliency_map : (H, W) array_like
        Any real-valued map; only the order of its values matters.
    x, y : array_like of shape (n,)
        Fixations in continuous 0-based pixel coordinates (x = column, y = row).
    negatives : {"all", "unfixated"} or (nx, ny), default="all"
        ``"all"``: every pixel of the map (fixated ones included); ``"unfixated"``: the pixels
        without a fixation, each once; ``(nx, ny)``: the values at these other fixations
        (shuffled AUC), repeats counted.

    Returns
    -------
    numpy.ndarray of shape (n,)
        One value per fixation, in fixation order. Its mean is :func:`auc`.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import auc_per_fixation
    >>> auc_per_fixation(np.array([[0.0, 1.0], [2.0, 3.0]]), [1.5, 0.5], [1.5, 0.5])
    array([0.875, 0.125])
    """
    s, flat = _prepare(saliency_map, x, y)
    negatives = _negatives_argument(negatives, s.shape)
    scores, n_negatives = _rank_auc_stats(s, flat, negatives)
    if n_negatives == 0:
        degenerate(NO_NEGATIVES)
        return np.full(flat.shape[0], np.nan)
    return scores / n_negatives


def auc(saliency_map, x, y, *, negatives="all"):
    """Area under the ROC curve of fixated against non-fixated values (exact, ties half credit).

    ``auc = mean_i (#{u < v_i} + 0.5 * #{u == v_i}) / #negatives`` — pysaliency's per-image
    ``AUC_per_image``: the exact area under the ROC curve with every distinct value as a threshold.
    Higher is better; a constant map scores 0.5.

    Parameters
    ----------
    saliency_map : (H, W) array_like
    x, y : array_like of shape (n,)
        Fixations, continuous 0-based pixel coordinates (x = column, y = row); repeats count.
    negatives : {"all", "unfixated"} or (nx, ny), default="all"
        See :func:`auc_per_fixation`. ``(nx, ny)`` gives the shuffled AUC (:func:`sauc`).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import auc
    >>> auc(np.array([[0.0, 1.0], [2.0, 3.0]]), [1.5], [1.5])
    0.875
    """
    s, flat = _prepare(saliency_map, x, y)
    value, reason = _rank_auc(s, flat, _negatives_argument(negatives, s.shape))
    return degenerate(reason) if reason else value


def auc_unfixated(saliency_map, x, y):
    """Rank AUC with the unfixated pixels (each once) as negatives.

    Same as ``auc(saliency_map, x, y, negatives="unfixated")`` (pysaliency's
    ``nonfixations='unfixated'``): the closest exact counterpart of MIT's ``AUC_Judd``.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import auc_unfixated
    >>> auc_unfixated(np.array([[0.0, 1.0], [2.0, 3.0]]), [1.5], [1.5])
    1.0
    """
    return auc(saliency_map, x, y, negatives="unfixated")


def sauc(saliency_map, x, y, nx, ny):
    """Shuffled AUC against the given negatives, exactly (no sampling).

    The negatives are the saliency values at the other fixations ``(nx, ny)`` — usually the
    fixations on *other* images, which cancels the centre bias. Repeats count. Equals
    ``auc(saliency_map, x, y, negatives=(nx, ny))``.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import sauc
    >>> sauc(np.array([[0.0, 1.0], [2.0, 3.0]]), [1.5], [1.5], [0.5, 1.5], [0.5, 0.5])
    1.0
    """
    return auc(saliency_map, x, y, negatives=(nx, ny))


# ---------------------------------------------------------------------------------------------
# Exact ROC curves: every distinct value a threshold; their area is the rank AUC above
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RocCurve:
    """An ROC curve of fixated against negative saliency values.

    ``fpr[k]`` and ``tpr[k]`` are the fractions of negatives and of fixations whose value is at
    least ``thresholds[k]`` (the first point, ``(0, 0)``, has threshold ``+inf``). Points inside a
    horizontal or vertical run are left out: they change neither the drawing nor the area.
    ``area`` is the trapezoid area under the curve, which equals the exact rank AUC
    (:func:`auc`, ties counted half).
    """

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    n_positives: int
    n_negatives: int

    @property
    def area(self) -> float:
        return float(np.sum(np.diff(self.fpr) * (self.tpr[1:] + self.tpr[:-1])) / 2.0)


def roc_curve(saliency_map, x, y, *, negatives="all") -> RocCurve:
    """The ROC curve of one map: fixations (positives) against negatives, every value a threshold.

    Parameters
    ----------
    saliency_map : (H, W) array_like
    x, y : array_like of shape (n,)
        Fixations, continuous 0-based pixel coordinates (x = column, y = row); repeats count.
    negatives : {"all", "unfixated"} or (nx, ny), default="all"
        As in :func:`auc`: every pixel, the unfixated pixels once each, or the values at other
        fixations (shuffled AUC, e.g. :func:`salbench.datasets.shuffled_negatives`).

    Returns
    -------
    RocCurve
        Its ``area`` equals ``auc(saliency_map, x, y, negatives=negatives)``.

    Raises
    ------
    InputError
        For invalid input, and when there are no negatives (every pixel fixated with
        ``"unfixated"``), where :func:`auc` is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import roc_curve
    >>> curve = roc_curve(np.array([[0.0, 1.0], [2.0, 3.0]]), [1.5], [1.5])
    >>> curve.fpr.tolist(), curve.tpr.tolist(), curve.area
    ([0.0, 0.25, 1.0], [0.0, 1.0, 1.0], 0.875)
    """
    s = as_map(saliency_map)
    check_finite(s, "saliency_map")
    _, _, flat = as_coordinates(x, y, s.shape)
    negatives = _negatives_argument(negatives, s.shape)
    values = s.reshape(-1)
    if isinstance(negatives, str):
        negative_values = values if negatives == "all" else np.delete(values, np.unique(flat))
    else:
        negative_values = values[negatives]
    return _roc_from_values(values[flat], negative_values)


def _roc_from_values(positives, negative_values):
    n, m = positives.size, negative_values.size
    if m == 0:
        raise InputError("there are no negatives (every pixel is fixated): no ROC curve")
    thresholds = np.unique(np.concatenate([positives, negative_values]))[::-1]
    # counts of values >= each threshold, from the sorted values (integers: exact)
    tp = n - np.searchsorted(np.sort(positives), thresholds, side="left")
    fp = m - np.searchsorted(np.sort(negative_values), thresholds, side="left")
    tp = np.concatenate([[0], tp])
    fp = np.concatenate([[0], fp])
    thresholds = np.concatenate([[np.inf], thresholds])
    keep = np.ones(tp.size, dtype=bool)
    # a point strictly inside a horizontal (or vertical) run adds nothing to the curve
    keep[1:-1] = ~(((fp[:-2] == fp[1:-1]) & (fp[1:-1] == fp[2:]))
                   | ((tp[:-2] == tp[1:-1]) & (tp[1:-1] == tp[2:])))
    return RocCurve(fp[keep] / m, tp[keep] / n, thresholds[keep], int(n), int(m))


def mean_roc_curve(curves, weights=None) -> RocCurve:
    """Vertical average of ROC curves: the mean true-positive rate at every false-positive rate.

    Each curve is piecewise linear, so averaging it on the union of all breakpoints (with both
    sides of every vertical step) is exact: the area of the mean curve is the (weighted) mean of
    the areas, i.e. the mean per-image AUC that a leaderboard reports (equal weights).

    Parameters
    ----------
    curves : sequence of RocCurve
    weights : sequence of float, optional
        Default: equal weights (the per-image mean). Normalised to sum to 1.

    Returns
    -------
    RocCurve
        ``thresholds`` are NaN (a threshold is per image); ``n_positives`` / ``n_negatives`` are
        the totals.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import mean_roc_curve, roc_curve
    >>> s = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> mean_roc_curve([roc_curve(s, [1.5], [1.5]), roc_curve(s, [0.5], [0.5])]).area
    0.5
    """
    curves = list(curves)
    if not curves:
        raise InputError("mean_roc_curve needs at least one curve")
    w = np.ones(len(curves)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(curves),) or not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise InputError("weights must be one non-negative number per curve, not all zero")
    w = w / w.sum()
    grid = np.unique(np.concatenate([c.fpr for c in curves]))
    left = np.zeros(grid.size)
    right = np.zeros(grid.size)
    for c, weight in zip(curves, w):
        f, lo_idx = np.unique(c.fpr, return_index=True)
        hi_idx = np.r_[lo_idx[1:] - 1, c.fpr.size - 1]
        lo, hi = c.tpr[lo_idx], c.tpr[hi_idx]
        k = np.searchsorted(f, grid, side="left")
        exact = (k < f.size) & (f[np.minimum(k, f.size - 1)] == grid)
        # between breakpoints f[j] and f[j+1] the curve runs straight from hi[j] to lo[j+1]
        j = np.clip(k - 1, 0, f.size - 2)
        span = f[j + 1] - f[j]
        inside = hi[j] + (grid - f[j]) / np.where(span > 0, span, 1.0) * (lo[j + 1] - hi[j])
        left += weight * np.where(exact, lo[np.minimum(k, f.size - 1)], inside)
        right += weight * np.where(exact, hi[np.minimum(k, f.size - 1)], inside)
    fpr = np.repeat(grid, 2)
    tpr = np.empty(fpr.size)
    tpr[0::2], tpr[1::2] = left, right
    keep = np.r_[True, (np.diff(fpr) != 0) | (np.diff(tpr) != 0)]
    fpr, tpr = fpr[keep], tpr[keep]
    return RocCurve(fpr, tpr, np.full(fpr.size, np.nan),
                    sum(c.n_positives for c in curves), sum(c.n_negatives for c in curves))


# ---------------------------------------------------------------------------------------------
# MIT benchmark AUCs (code_forMetrics: AUC_Judd.m, AUC_Borji.m, AUC_shuffled.m)
# ---------------------------------------------------------------------------------------------


def _minmax(s, *, context=None, name="saliency_map"):
    total, minimum, maximum = sum_min_max(s.reshape(-1))
    if not np.isfinite(total):
        raise_non_finite(s, name, context=context)
    return minimum, maximum - minimum


def _normalised_fixated_values(s, flat, minimum, spread):
    fixated = distinct_pixels(flat)
    return (s.reshape(-1)[fixated] - minimum) / spread, fixated


def auc_judd(saliency_map, x, y, *, jitter=False, seed=None):
    """MIT benchmark ``AUC_Judd``: thresholds at the fixated pixels' values.

    The map is min-max normalised; the fixated pixels (repeats collapse) are sorted descending
    with ties kept, and for the k-th threshold ``TP = k / n_u`` and
    ``FP = (#{S >= t_k} - k) / (N - n_u)``; the score is the trapezoid area of the curve from
    (0, 0) to (1, 1). This is not the Mann–Whitney AUC (each step adds half a step's bias).

    Parameters
    ----------
    jitter : bool, default=False
        Add ``U(0, 1) / 1e7`` to every pixel first, as MIT's default ``jitter=1`` does to break
        ties; ``seed`` makes it reproducible. Without jitter the result is deterministic.

    Returns
    -------
    float
        NaN (with a warning) for a constant map, as in MIT's code.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import auc_judd
    >>> round(auc_judd(np.array([[0.0, 1.0], [2.0, 3.0]]), [1.5], [1.5]), 4)
    1.0
    """
    s, flat = _prepare(saliency_map, x, y)
    rng = np.random.default_rng(seed) if jitter else None
    value, reason = _judd(s, flat, rng)
    return degenerate(reason) if reason else value


def _judd(s, flat, jitter_rng=None, *, context=None):
    """Core of :func:`auc_judd`: ``(value, reason)``."""
    if jitter_rng is not None:
        s = s + jitter_rng.random(s.shape) / 10000000.0
    minimum, spread = _minmax(s, context=context)
    if not spread > 0:
        return np.nan, "AUC_Judd is undefined for a constant saliency map"
    values, fixated = _normalised_fixated_values(s, flat, minimum, spread)
    n_pixels = s.size
    if values.shape[0] == n_pixels:
        return np.nan, "AUC_Judd is undefined when every pixel is fixated"
    area = _judd_area_by_step_sum(s.reshape(-1), minimum, spread, fixated)
    if area is not None:
        return area, None
    w = distinct_sorted(values)
    counts = np.zeros(2 * w.shape[0] + 1, dtype=np.int64)
    ranking.histogram_all_minmax(s.reshape(-1), minimum, spread, w, *ranking.build_table(w), counts)
    less, _ = ranking.below_and_equal(counts)
    thresholds_desc = np.sort(values)[::-1].copy()
    above = n_pixels - less[np.searchsorted(w, thresholds_desc)]
    return float(mit_kernels.judd_area(thresholds_desc, above, n_pixels)), None


def _judd_area_by_step_sum(flat_map, minimum, spread, fixated):
    """MIT's trapezoid area in closed form, from one vectorised pass (None if it does not fit).

    With the ``n`` thresholds ``t_1 >= ... >= t_n`` (ties kept), ``TP_k = k / n`` and ``FP_k =
    (A_k - k) / (N - n)``, ``A_k = #{S >= t_k}``, the trapezoid sum telescopes to ``1 - (2
    sum_{k<n} A_k + A_n - n**2) / (2 n (N - n))``: a weighted count with weight 2 on every
    threshold but the smallest (weight 1). ``sum_k W_k A_k = N sum(W) - sum_u f(u)`` with
    ``f(u) = sum_{t_k > u} W_k`` (:mod:`._kernels.step_sum`, ``alpha = 1``, ``beta = 0``), an
    exact integer; the one division differs from the loop of additions by rounding only. The
    normalised comparisons ``N(u) >= t_k`` are made on raw values against
    :func:`._kernels.mit.raw_thresholds`, exactly equivalent.
    """
    n = fixated.shape[0]
    n_pixels = flat_map.shape[0]
    w, inverse = distinct_with_inverse(
        mit_kernels.raw_thresholds(flat_map[fixated], minimum, spread))
    weights = 2 * np.bincount(inverse, minlength=w.shape[0])
    weights[0] -= 1  # the smallest threshold, t_n
    ok, *table = step_sum.step_table(w, weights, 1, 0)
    if not ok:
        return None
    above, _ = step_sum.step_sum(flat_map, w, *table, 1, 0)
    weighted = n_pixels * (2 * n - 1) - above
    return float(1.0 - (weighted - n * n) / (2.0 * n * (n_pixels - n)))


def _split_count(n_splits):
    return positive_int(n_splits, "n_splits")


def _step(step):
    step = float(step)
    if not (0 < step <= 1):
        raise InputError(f"step must be in (0, 1], got {step!r}")
    return step


def auc_borji(saliency_map, x, y, *, n_splits=100, step=0.1, seed=None):
    """MIT benchmark ``AUC_Borji``: negatives sampled uniformly from all pixels.

    Per split, ``n_u`` pixels (the number of distinct fixated pixels) are drawn uniformly *with
    replacement* from the whole map; thresholds are Octave's range ``0:step:max`` on the min-max
    normalised map, and TP / FP are the fractions of fixated / sampled values ``>=`` each
    threshold. The result is the mean area over ``n_splits`` splits, so it is random: ``seed``
    makes it reproducible (the random stream differs from MATLAB's, the expected value does not).

    Returns
    -------
    float
        NaN with a warning for a constant map or fewer than two fixated pixels (as in MIT's code).

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import auc_borji
    >>> s = np.add.outer(np.arange(4.0), np.arange(4.0))
    >>> 0.5 < auc_borji(s, [3.5, 2.5], [3.5, 3.5], seed=0) <= 1.0
    True
    """
    s, flat = _prepare(saliency_map, x, y)
    value, reason = _borji(s, flat, _split_count(n_splits), _step(step), np.random.default_rng(seed))
    return degenerate(reason) if reason else value


def _borji(s, flat, n_splits, step, rng, *, context=None):
    """Core of :func:`auc_borji`: ``(value, reason)``."""
    minimum, spread = _minmax(s, context=context)
    if not spread > 0:
        return np.nan, "AUC_Borji is undefined for a constant saliency map"
    positives, _ = _normalised_fixated_values(s, flat, minimum, spread)
    n_u = positives.shape[0]
    if n_u <= 1:
        return np.nan, "AUC_Borji needs at least two fixated pixels"
    flat_map = s.reshape(-1)
    total = 0.0
    for begin in range(0, n_splits, 1024):
        chunk = min(1024, n_splits - begin)
        samples = rng.integers(0, flat_map.shape[0], size=(chunk, n_u))
        total += mit_kernels.borji_splits(flat_map, minimum, spread, positives, samples, step)
    return float(total / n_splits), None


def sauc_mit(saliency_map, x, y, other_map, *, n_splits=100, step=0.1, seed=None):
    """MIT benchmark ``AUC_shuffled``: negatives sampled from another map's fixated pixels.

    The candidates are the distinct pixels where ``other_map > 0`` (the fixations of other
    images). Each split takes ``k = min(n_u, #candidates)`` distinct candidates at random
    (without replacement); thresholds and areas as in :func:`auc_borji`; FP is divided by ``k``.
    With no more candidates than fixated pixels every split uses all of them and the value is
    deterministic.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import sauc_mit
    >>> s = np.add.outer(np.arange(4.0), np.arange(4.0))
    >>> other = np.zeros((4, 4)); other[0, 0] = other[0, 1] = 1
    >>> sauc_mit(s, [3.5, 2.5], [3.5, 3.5], other, seed=0)
    1.0
    """
    s, flat = _prepare(saliency_map, x, y)
    other = np.asarray(other_map)
    if other.shape != s.shape:
        raise InputError(
            f"other_map has shape {other.shape} but saliency_map has shape {s.shape}; "
            "resize explicitly with salbench.metrics.resize_map"
        )
    if other.dtype.kind not in "biuf":
        raise InputError(f"other_map must be numeric or boolean, got dtype {other.dtype}")
    candidates = np.flatnonzero(other.reshape(-1) > 0)
    value, reason = _sauc_mit(
        s, flat, candidates, _split_count(n_splits), _step(step), np.random.default_rng(seed)
    )
    return degenerate(reason) if reason else value


def _sauc_mit(s, flat, candidates, n_splits, step, rng, *, context=None):
    """Core of :func:`sauc_mit`; ``candidates`` are the distinct flat indices of other fixations."""
    minimum, spread = _minmax(s, context=context)
    if not spread > 0:
        return np.nan, "AUC_shuffled is undefined for a constant saliency map"
    positives, _ = _normalised_fixated_values(s, flat, minimum, spread)
    if candidates.shape[0] == 0:
        return np.nan, "AUC_shuffled needs fixations on other images; there are none"
    k = min(positives.shape[0], candidates.shape[0])
    flat_map = s.reshape(-1)
    if k == candidates.shape[0]:
        samples = candidates.reshape(1, -1)
        area = mit_kernels.borji_splits(flat_map, minimum, spread, positives, samples, step)
        return float(area), None
    total = 0.0
    for begin in range(0, n_splits, 256):
        chunk = min(256, n_splits - begin)
        samples = np.empty((chunk, k), dtype=np.int64)
        for i in range(chunk):
            samples[i] = candidates[rng.choice(candidates.shape[0], size=k, replace=False)]
        total += mit_kernels.borji_splits(flat_map, minimum, spread, positives, samples, step)
    return float(total / n_splits), None
