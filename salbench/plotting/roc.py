"""ROC curves drawn: per image or averaged over images.

The curves are computed by :mod:`salbench.metrics` (:func:`~salbench.metrics.roc_curve`,
:func:`~salbench.metrics.mean_roc_curve`, :class:`~salbench.metrics.RocCurve`), re-exported here.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import InputError
from ._style import _new_axes, _style_axes

__all__ = ["RocCurve", "mean_roc_curve", "plot_roc", "roc_curve"]  # noqa: F822 (lazy, below)
#: Names of salbench.metrics re-exported here, imported on first use (the metrics load Numba).
_FROM_METRICS = ("RocCurve", "mean_roc_curve", "roc_curve")


def __getattr__(name):
    if name in _FROM_METRICS:
        from .. import metrics

        value = getattr(metrics, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    from ..metrics import auc, mean_roc_curve, roc_curve

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
