"""Exact ROC curves (every distinct saliency value a threshold), per image or averaged."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_coordinates, as_map, check_finite, keyword_choice
from ..exceptions import InputError
from ._style import _new_axes, _style_axes


@dataclass(frozen=True)
class RocCurve:
    """An ROC curve of fixated against negative saliency values.

    ``fpr[k]`` and ``tpr[k]`` are the fractions of negatives and of fixations whose value is at
    least ``thresholds[k]`` (the first point, ``(0, 0)``, has threshold ``+inf``). Points inside a
    horizontal or vertical run are left out: they change neither the drawing nor the area.
    ``area`` is the trapezoid area under the curve, which equals the exact rank AUC
    (:func:`salbench.metrics.auc`, ties counted half).
    """

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    n_positives: int
    n_negatives: int

    @property
    def area(self) -> float:
        return float(np.sum(np.diff(self.fpr) * (self.tpr[1:] + self.tpr[:-1])) / 2.0)


def _negative_values(s, flat, negatives, context=None):
    """Saliency values of the negatives: all pixels, unfixated pixels, or given fixations."""
    values = s.reshape(-1)
    if isinstance(negatives, str):
        keyword_choice(negatives, "negatives", ("all", "unfixated"))
        if negatives == "all":
            return values
        return np.delete(values, np.unique(flat))
    try:
        nx, ny = negatives
    except (TypeError, ValueError):
        raise InputError("negatives must be 'all', 'unfixated' or a pair of arrays (nx, ny), got "
                         f"{type(negatives).__name__}") from None
    _, _, other = as_coordinates(nx, ny, s.shape, names=("nx", "ny"), context=context)
    return values[other]


def roc_curve(saliency_map, x, y, *, negatives="all") -> RocCurve:
    """The ROC curve of one map: fixations (positives) against negatives, every value a threshold.

    Parameters
    ----------
    saliency_map : (H, W) array_like
    x, y : array_like of shape (n,)
        Fixations, continuous 0-based pixel coordinates (x = column, y = row); repeats count.
    negatives : {"all", "unfixated"} or (nx, ny), default="all"
        As in :func:`salbench.metrics.auc`: every pixel, the unfixated pixels once each, or the
        values at other fixations (shuffled AUC).

    Returns
    -------
    RocCurve
        Its ``area`` equals ``salbench.metrics.auc(saliency_map, x, y, negatives=negatives)``.

    Examples
    --------
    >>> import numpy as np
    >>> curve = roc_curve(np.array([[0.0, 1.0], [2.0, 3.0]]), [1.5], [1.5])
    >>> curve.fpr.tolist(), curve.tpr.tolist(), curve.area
    ([0.0, 0.25, 1.0], [0.0, 1.0, 1.0], 0.875)
    """
    s = as_map(saliency_map)
    check_finite(s, "saliency_map")
    _, _, flat = as_coordinates(x, y, s.shape)
    return _roc_from_values(s.reshape(-1)[flat], _negative_values(s, flat, negatives))


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


_NEGATIVES_AXIS = {"all": "fraction of all pixels ≥ threshold",
                   "unfixated": "fraction of unfixated pixels ≥ threshold",
                   "shuffled": "fraction of other images' fixations ≥ threshold"}


def plot_roc(saliency_map, x, y, *, negatives="all", ax=None, label=None, color=None):
    """The ROC curve of a saliency map against fixations, with its AUC in the legend.

    Thresholds run through every distinct saliency value, so the curve is exact and its area is
    the rank AUC of :func:`salbench.metrics.auc` (ties count half) — the value printed in the
    legend is computed by that function. Given several images (sequences of maps and of
    fixation arrays) the curve is the vertical mean of the per-image curves
    (:func:`mean_roc_curve`), whose area is the mean per-image AUC, as a leaderboard reports it.
    Call again on the same Axes to compare models.

    Parameters
    ----------
    saliency_map : (H, W) array_like, or a sequence of them
    x, y : array_like of shape (n,), or sequences of them (one per map)
        Fixations, continuous 0-based pixel coordinates (x = column, y = row).
    negatives : {"all", "unfixated"} or (nx, ny), or a sequence of (nx, ny) per map
        As in :func:`salbench.metrics.auc`.
    ax : matplotlib Axes, optional
    label : str, optional
        Legend text before the AUC (default ``"model"``).
    color : matplotlib colour, optional

    Returns
    -------
    matplotlib.axes.Axes
        The curve is the last line of ``ax.lines``.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.plotting import plot_roc
    >>> ax = plot_roc(np.array([[0.0, 1.0], [2.0, 3.0]]), [1.5], [1.5], label="toy")
    >>> ax.get_legend().get_texts()[0].get_text()
    'toy (AUC = 0.8750)'
    """
    from ..metrics import auc

    several = isinstance(saliency_map, (list, tuple)) or np.ndim(saliency_map) == 3
    if several:
        maps = list(saliency_map)
        xs, ys = list(x), list(y)
        if not (len(xs) == len(ys) == len(maps)):
            raise InputError(f"got {len(maps)} maps but {len(xs)} x and {len(ys)} y arrays; give "
                             "one array of fixations per map")
        if isinstance(negatives, str):
            negs = [negatives] * len(maps)
        else:
            negs = list(negatives)
            if len(negs) != len(maps):
                raise InputError(f"negatives: give one (nx, ny) pair per map ({len(maps)}), got "
                                 f"{len(negs)}")
        curves, areas = [], []
        for k, (s, xi, yi, ni) in enumerate(zip(maps, xs, ys, negs)):
            try:
                curves.append(roc_curve(s, xi, yi, negatives=ni))
            except InputError as error:
                raise InputError(f"map {k}: {error}") from None
            areas.append(auc(s, xi, yi, negatives=ni))
        curve = mean_roc_curve(curves)
        value = float(np.mean(areas))
        suffix = f", mean of {len(maps)} images"
        kind = negs[0] if isinstance(negs[0], str) else "shuffled"
    else:
        curve = roc_curve(saliency_map, x, y, negatives=negatives)
        value = auc(saliency_map, x, y, negatives=negatives)
        suffix = ""
        kind = negatives if isinstance(negatives, str) else "shuffled"
    ax = _new_axes(ax, (5.2, 5.0))
    first = not any(line.get_gid() == "chance" for line in ax.lines)
    if first:
        _style_axes(ax, grid_axis="both")
        ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=1, gid="chance",
                label="_chance")
    text = f"{label or 'model'} (AUC = {value:.4f}{suffix})"
    ax.plot(curve.fpr, curve.tpr, linewidth=2, color=color, label=text, drawstyle="default")
    if first:
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel(f"false positive rate ({_NEGATIVES_AXIS[kind]})")
        ax.set_ylabel("true positive rate (fraction of fixations ≥ threshold)")
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    return ax


# ------------------------------------------------------------------------------------ image grid
