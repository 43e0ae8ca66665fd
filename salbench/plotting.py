"""Figures of leaderboards, paired comparisons, ROC curves, model maps and speed–accuracy fronts.

Every function draws on a matplotlib Axes it is given (``ax=``) or on a new figure, and returns
the Axes (the image grid, a figure of many panels, takes and returns a Figure). matplotlib is
imported inside the functions, so ``import salbench.plotting`` stays cheap. :func:`save_figure`
writes PNG, SVG or PDF (chosen by the file extension) atomically.

===========================  =====================================================================
function                     draws
===========================  =====================================================================
:func:`plot_leaderboard`     one metric of a leaderboard: means with their bootstrap intervals,
                             the best model highlighted, near-ties marked, baselines in grey
:func:`plot_paired`          per-image scores of two models against each other, with the mean
                             difference, its interval and a paired test
:func:`plot_roc`             the ROC curve of a map against fixations (one image, or the mean
                             curve over images), AUC in the legend
:func:`plot_image_grid`      images with their fixations and each model's map
:func:`plot_speed_accuracy`  score against cost (GFLOP or ms per image), with the Pareto front
===========================  =====================================================================

Helpers that the figures are built from, usable and tested on their own: :func:`roc_curve`,
:func:`mean_roc_curve`, :func:`pareto_front`, :func:`paired_difference` and
:func:`speed_accuracy_table`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validation import as_coordinates, as_map, check_finite, keyword_choice, positive_int
from .exceptions import InputError

__all__ = ["plot_leaderboard", "plot_paired", "plot_roc", "plot_image_grid",
           "plot_speed_accuracy", "roc_curve", "mean_roc_curve", "RocCurve", "pareto_front",
           "paired_difference", "speed_accuracy_table", "save_figure", "FIGURE_FORMATS"]

#: File formats :func:`save_figure` writes, by extension.
FIGURE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

# One palette for every figure: submitted models blue, the best one orange, baselines grey.
MODEL_COLOUR = "#3b6ea5"
BEST_COLOUR = "#e07000"
BASELINE_COLOUR = "#8a8a8a"
FRONT_COLOUR = "#c2410c"
A_COLOUR = "#3b6ea5"
B_COLOUR = "#c0392b"
COST_LABELS = {"gflops": "GFLOP per image (as the model reports it)",
               "ms": "ms per image (model time measured during evaluation)"}


# ------------------------------------------------------------------------------------ saving
def save_figure(figure, path, *, dpi: int = 150):
    """Write ``figure`` to ``path`` atomically; PNG, SVG or PDF by the extension.

    Parameters
    ----------
    figure : matplotlib Figure
    path : path-like
        Ends in ``.png``, ``.svg`` or ``.pdf``.
    dpi : int, default=150
        Resolution of a PNG (vector formats ignore it for everything but embedded images).

    Returns
    -------
    pathlib.Path
    """
    from .datasets._atomic import atomic_path

    path = Path(path)
    fmt = FIGURE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"cannot tell the figure format of {path}: the file name must end in "
                         f"{', '.join(FIGURE_FORMATS)}")
    dpi = positive_int(dpi, "dpi")
    # metadata without a creation date, so the same figure gives the same file
    metadata = {"png": {"Software": None}, "svg": {"Date": None},
                "pdf": {"CreationDate": None}}[fmt]
    with atomic_path(path, suffix=path.suffix) as tmp:
        figure.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight", pad_inches=0.08,
                       metadata=metadata)
    return path


def _new_axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax
    figure = plt.figure(figsize=figsize, layout="constrained")
    return figure.add_subplot()


def _style_axes(ax, *, grid_axis="x"):
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, axis=grid_axis, color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)


def _direction_label(metric, unit, direction, *, axis="x"):
    """Axis label with the unit and which way is better, e.g. ``auc — higher is better →``."""
    name = f"{metric} ({unit})" if unit else metric
    if metric == "explained_ig":
        name = "explained information gain (%)"
    if axis == "x":
        return f"{name}   —   higher is better →" if direction == "higher" else \
            f"← lower is better   —   {name}"
    return f"{name}   (higher is better ↑)" if direction == "higher" else \
        f"{name}   (lower is better ↓)"


def _metric_direction(metric, direction=None):
    """``"higher"``/``"lower"`` from ``direction`` or the metric registry."""
    if direction is not None:
        return keyword_choice(direction, "direction", ("higher", "lower"))
    if metric == "explained_ig":
        return "higher"
    from .metrics import _registry

    try:
        return _registry.get(metric).direction
    except Exception:  # noqa: BLE001 - any lookup failure means: unknown, ask the caller
        raise InputError(f"{metric!r} is not a registered metric; say which way is better with "
                         "direction='higher' or 'lower'") from None


def _format(value, metric):
    digits = 1 if metric == "explained_ig" else 3
    return f"{value:.{digits}f}"


# ------------------------------------------------------------------------------------ leaderboard
def _as_leaderboard(leaderboard):
    from .leaderboard import Leaderboard, leaderboard as make

    if isinstance(leaderboard, Leaderboard):
        return leaderboard
    return make(leaderboard)


def _pick_metric(board, metric):
    if metric is None:
        return board.meta.get("sort_by") or board.metrics[0]
    if metric not in board.metrics:
        raise InputError(f"the leaderboard has no metric {metric!r}; it has "
                         f"{', '.join(board.metrics)}")
    return metric


def plot_leaderboard(leaderboard, metric=None, *, ax=None, baselines=True, values=True,
                     sort=True, title=None):
    """One metric of a leaderboard: each model's mean with its confidence interval.

    Rows are the models, best first for this metric, then the baselines. The best
    model is orange with its interval shaded across the plot; models not significantly different
    from it (``tied_with_best``) have a hollow orange marker and ``≈`` before their name;
    baselines are grey squares with dashed intervals. A model without a value for the metric (a
    saliency map has no information gain) keeps its row, marked "no value".

    Parameters
    ----------
    leaderboard : Leaderboard, or Results objects / results directories
        What :func:`salbench.leaderboard` returns (or its input, which is then passed to it).
    metric : str, optional
        Default: the metric the leaderboard is sorted by.
    ax : matplotlib Axes, optional
        Draw here (default: a new figure sized to the number of rows).
    baselines : bool, default=True
        Show the baseline rows.
    values : bool, default=True
        Print each mean and interval in a column right of the plot.
    sort : bool, default=True
        Order the models by this metric (best first, models without a value last); False keeps
        the leaderboard's order. Baselines always come last, in the leaderboard's order.
    title : str, optional
        Default: the metric, dataset and number of images.

    Returns
    -------
    matplotlib.axes.Axes
        Each model's interval is an ``errorbar`` container whose line carries the model name as
        its ``gid``.

    Examples
    --------
    >>> from salbench.plotting import plot_leaderboard
    >>> ax = plot_leaderboard(board, "auc")  # doctest: +SKIP
    >>> ax.figure.savefig("leaderboard.png")  # doctest: +SKIP
    """
    from matplotlib.transforms import offset_copy

    board = _as_leaderboard(leaderboard)
    metric = _pick_metric(board, metric)
    fact = next(m for m in board.metric_facts if m["name"] == metric)
    rows = board.table[board.table["metric"] == metric]
    rows = rows.set_index("model").loc[[m for m in board.models if m in set(rows["model"])]]
    if sort:
        rows = _sorted_rows(rows, fact["direction"])
    if not baselines:
        rows = rows[rows["role"] == "model"]
    if rows.empty:
        raise InputError(f"no rows to plot for {metric!r}")
    n = len(rows)
    ax = _new_axes(ax, (7.6, 1.1 + 0.42 * n))
    _style_axes(ax)

    best = rows[rows["is_best"].astype(bool)]
    if len(best) and np.isfinite(best[["ci_low", "ci_high"]].to_numpy(float)).all():
        low, high = float(best["ci_low"].iloc[0]), float(best["ci_high"].iloc[0])
        ax.axvspan(low, high, color=BEST_COLOUR, alpha=0.10, linewidth=0, zorder=0)
    first_baseline = None
    labels = []
    handles = {}
    for k, (name, row) in enumerate(rows.iterrows()):
        is_baseline = row["role"] != "model"
        is_best = bool(row["is_best"])
        tie = bool(row["tied_with_best"]) and not is_best and not is_baseline
        if is_baseline and first_baseline is None:
            first_baseline = k
        labels.append(("≈ " if tie else "") + str(name))
        mean = float(row["mean"])
        if math.isnan(mean):
            ax.annotate("no value", (0.0, k), xycoords=("axes fraction", "data"),
                        xytext=(4, 0), textcoords="offset points", va="center", color="0.55",
                        fontsize="small", fontstyle="italic")
            continue
        low, high = float(row["ci_low"]), float(row["ci_high"])
        if is_best:
            colour, marker, face, kind = BEST_COLOUR, "o", BEST_COLOUR, "best model"
        elif tie:
            colour, marker, face, kind = BEST_COLOUR, "o", "white", "not significantly worse"
        elif is_baseline:
            colour, marker, face, kind = BASELINE_COLOUR, "s", BASELINE_COLOUR, "baseline"
        else:
            colour, marker, face, kind = MODEL_COLOUR, "o", MODEL_COLOUR, "model"
        container = ax.errorbar(
            [mean], [k], xerr=[[mean - low], [high - mean]], fmt=marker, color=colour,
            markerfacecolor=face, markeredgecolor=colour, markersize=7, capsize=3.5,
            elinewidth=1.8, markeredgewidth=1.5, zorder=3)
        container.lines[0].set_gid(str(name))
        if is_baseline:
            for line in container.lines[2]:
                line.set_linestyle((0, (3, 2)))
        handles.setdefault(kind, container)
        if values:
            ax.annotate(f"{_format(mean, metric)}  [{_format(low, metric)}, "
                        f"{_format(high, metric)}]", (1.0, k),
                        xycoords=("axes fraction", "data"), xytext=(8, 0),
                        textcoords="offset points", va="center", ha="left", fontsize="small",
                        color=colour if not tie else "0.15", family="monospace",
                        fontweight="bold" if is_best else "normal")
    if values:
        level = int(round(100 * board.meta.get("confidence", 0.95)))
        ax.annotate(f"mean  [{level}% CI]", (1.0, 1.0), xycoords="axes fraction", xytext=(8, 2),
                    textcoords="offset points", va="bottom", ha="left", fontsize="small",
                    color="0.4")
    if first_baseline is not None and first_baseline > 0:
        ax.axhline(first_baseline - 0.5, color="0.75", linewidth=0.8)
    ax.set_yticks(range(n), labels)
    for tick, (name, row) in zip(ax.get_yticklabels(), rows.iterrows()):
        if row["role"] != "model":
            tick.set_color("0.4")
        if bool(row["is_best"]):
            tick.set_fontweight("bold")
    ax.set_ylim(n - 0.4, -0.6)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel(_direction_label(metric, fact.get("unit", ""), fact["direction"]))
    meta = board.meta
    level = int(round(100 * meta.get("confidence", 0.95)))
    if title is None:
        title = f"{metric} on {meta.get('dataset')} ({meta.get('n_images')} images)"
    ax.set_title(title, loc="left", fontsize="large")
    order = ["best model", "not significantly worse", "model", "baseline"]
    legend_labels = {"best model": "best model",
                     "not significantly worse": f"≈ tied with best (paired test p ≥ "
                                                f"{meta.get('alpha', 0.05):g})",
                     "model": "model", "baseline": "baseline"}
    shown = [k for k in order if k in handles]
    # a fixed distance below the axes, clear of the tick labels and the axis label whatever the
    # number of rows
    below = offset_copy(ax.transAxes, fig=ax.figure, y=-38, units="points")
    ax.legend([handles[k] for k in shown], [legend_labels[k] for k in shown], loc="upper left",
              bbox_to_anchor=(0.0, 0.0), bbox_transform=below, ncol=len(shown), frameon=False,
              fontsize="small", handletextpad=0.3, columnspacing=1.2,
              title=f"{level}% bootstrap intervals over images", title_fontsize="small",
              alignment="left")
    return ax


def _sorted_rows(rows, direction):
    models = rows[rows["role"] == "model"]
    key = models["mean"] if direction == "lower" else -models["mean"]
    # stable: equal means keep the leaderboard's order; NaN (no value) last
    order = np.argsort(key.fillna(np.inf).to_numpy(), kind="stable")
    return rows.loc[[*models.index[order], *rows.index[rows["role"] != "model"]]]


# ------------------------------------------------------------------------------------ paired
@dataclass(frozen=True)
class PairedDifference:
    """Paired comparison of two models over the images both scored (``b - a``)."""

    metric: str
    model_a: str
    model_b: str
    images: np.ndarray  #: dataset indices of the compared images
    a: np.ndarray  #: per-image scores of model a
    b: np.ndarray  #: per-image scores of model b
    mean: float  #: mean of b - a over the images where both are defined
    ci_low: float
    ci_high: float
    p_value: float  #: two-sided sign-flip permutation test of mean(b - a) == 0
    n_b_better: int
    n_a_better: int
    n_equal: int
    direction: str
    confidence: float


def paired_difference(results_a, results_b, metric, *, confidence=0.95, n_bootstrap=1000,
                      n_permutations=10000, seed=0) -> PairedDifference:
    """Per-image scores of two models on the same images, their mean difference and a test.

    The interval is a percentile bootstrap over images of the mean of ``b - a``; the p-value a
    two-sided sign-flip permutation test over images (:mod:`salbench._stats`, as the
    leaderboard uses). Images where either value is NaN are left out. "Better" follows the
    metric's direction.

    Parameters
    ----------
    results_a, results_b : Results or path-like
        Results of two models on the same dataset.
    metric : str
    confidence, n_bootstrap, n_permutations, seed
        As for :func:`salbench.leaderboard`.
    """
    from . import _stats

    a_run, b_run = _one_results(results_a, "results_a"), _one_results(results_b, "results_b")
    if a_run.dataset.get("fingerprint") != b_run.dataset.get("fingerprint"):
        raise InputError(f"{a_run.model!r} and {b_run.model!r} were scored on different datasets "
                         f"({a_run.dataset.get('name')} vs {b_run.dataset.get('name')})")
    for run in (a_run, b_run):
        if metric not in run.images.columns:
            raise InputError(f"results of {run.model!r} have no metric {metric!r}; they have "
                             f"{', '.join(run.metrics)}")
    direction = a_run.direction(metric)
    merged = a_run.images[["image", metric]].merge(b_run.images[["image", metric]], on="image",
                                                   suffixes=("_a", "_b")).sort_values("image")
    a = merged[f"{metric}_a"].to_numpy(dtype=float)
    b = merged[f"{metric}_b"].to_numpy(dtype=float)
    both = ~(np.isnan(a) | np.isnan(b))
    if not both.any():
        raise InputError(f"{a_run.model!r} and {b_run.model!r} have no image where both have a "
                         f"{metric} value")
    a, b, images = a[both], b[both], merged["image"].to_numpy()[both]
    d = b - a
    rng = np.random.default_rng(seed)
    indices = _stats.bootstrap_indices(d.size, positive_int(n_bootstrap, "n_bootstrap"), rng)
    low, high = _stats.percentile_interval(_stats.masked_means(d, indices), confidence)
    p = _stats.sign_flip_test(d, positive_int(n_permutations, "n_permutations"), rng)
    sign = 1.0 if direction == "higher" else -1.0
    return PairedDifference(metric, a_run.model, b_run.model, images, a, b, float(d.mean()),
                            low, high, p, int((sign * d > 0).sum()), int((sign * d < 0).sum()),
                            int((d == 0).sum()), direction, confidence)


def _one_results(item, name):
    from .results import Results, load_results

    if isinstance(item, Results):
        return item
    runs = load_results(item)
    if len(runs) != 1:
        raise InputError(f"{name} must be one model's results, got {len(runs)} from {item}")
    return runs[0]


def plot_paired(results_a, results_b, metric, *, ax=None, confidence=0.95, n_bootstrap=1000,
                n_permutations=10000, seed=0):
    """Per-image scores of model b against model a, one point per image.

    Points above the dashed identity line are images where b scores higher. Points are coloured
    by which model is better on that image (by the metric's direction); the corners count them.
    The title gives the mean difference ``b - a`` with its bootstrap interval and the paired
    sign-flip test's p-value (see :func:`paired_difference`).

    Parameters
    ----------
    results_a, results_b : Results or path-like
        Results of the two models (on the same dataset; compared on their common images).
    metric : str
    ax : matplotlib Axes, optional
    confidence, n_bootstrap, n_permutations, seed
        Statistics of the interval and the test.

    Returns
    -------
    matplotlib.axes.Axes
        The points are the first collection of the Axes (``ax.collections[0]``).
    """
    pair = paired_difference(results_a, results_b, metric, confidence=confidence,
                             n_bootstrap=n_bootstrap, n_permutations=n_permutations, seed=seed)
    ax = _new_axes(ax, (5.6, 5.9))
    _style_axes(ax, grid_axis="both")
    sign = 1.0 if pair.direction == "higher" else -1.0
    d = sign * (pair.b - pair.a)
    colours = np.where(d > 0, B_COLOUR, np.where(d < 0, A_COLOUR, BASELINE_COLOUR))
    ax.scatter(pair.a, pair.b, s=22, c=list(colours), alpha=0.75, edgecolors="white",
               linewidths=0.4, zorder=3)
    low = float(min(pair.a.min(), pair.b.min()))
    high = float(max(pair.a.max(), pair.b.max()))
    pad = 0.05 * (high - low) if high > low else max(abs(high), 1.0) * 0.05
    limits = (low - pad, high + pad)
    ax.plot(limits, limits, color="0.35", linestyle="--", linewidth=1, zorder=2)
    ax.set_xlim(limits)
    ax.set_ylim(limits)
    ax.set_aspect("equal", adjustable="box")
    # the identity line splits the square: above it b > a
    above, below = (pair.model_b, pair.model_a) if pair.direction == "higher" else \
        (pair.model_a, pair.model_b)
    n_above = pair.n_b_better if pair.direction == "higher" else pair.n_a_better
    n_below = pair.n_a_better if pair.direction == "higher" else pair.n_b_better
    box = dict(boxstyle="round,pad=0.3", facecolor="white", edgecolor="0.85", alpha=0.9)
    ax.text(0.03, 0.97, f"{above} better\non {n_above} images", transform=ax.transAxes,
            va="top", ha="left", fontsize="small", bbox=box,
            color=B_COLOUR if above == pair.model_b else A_COLOUR)
    ax.text(0.97, 0.03, f"{below} better\non {n_below} images", transform=ax.transAxes,
            va="bottom", ha="right", fontsize="small", bbox=box,
            color=A_COLOUR if below == pair.model_a else B_COLOUR)
    better = "higher" if pair.direction == "higher" else "lower"
    ax.set_xlabel(f"{pair.model_a}: {metric} per image ({better} is better)")
    ax.set_ylabel(f"{pair.model_b}: {metric} per image ({better} is better)")
    level = int(round(100 * pair.confidence))
    ties = f", {pair.n_equal} equal" if pair.n_equal else ""
    ax.set_title(f"{metric}: {pair.model_b} − {pair.model_a} = {pair.mean:+.3f}\n"
                 f"{level}% CI [{pair.ci_low:+.3f}, {pair.ci_high:+.3f}], paired p = "
                 f"{_p_text(pair.p_value)}  ({pair.a.size} images{ties})", fontsize="medium")
    return ax


def _p_text(p):
    if math.isnan(p):
        return "n/a"
    return f"{p:.2g}" if p >= 0.001 else f"{p:.1e}"


# ------------------------------------------------------------------------------------ ROC
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
    from .metrics import auc

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
def model_map(model, dataset, image: int):
    """The map a figure shows for one dataset image: a model's density or its saliency map.

    A probabilistic model gives ``exp(log_density)`` (the map the saliency metrics score); any
    other model its ``saliency_map``. Returns ``(map, kind)``.
    """
    from ._scoring import _check_prediction, _needs_pixels, model_kind

    stimuli = dataset.stimuli
    shape = stimuli.shape(image)
    pixels = stimuli.load(image) if _needs_pixels(model) else shape
    image_id = stimuli.ids[image]
    name = getattr(model, "name", type(model).__name__)
    context = f"image {image} ({stimuli.names[image]})"
    kind = model_kind(model)
    if kind == "probabilistic":
        log_density = _check_prediction(model.log_density(pixels, image_id=image_id),
                                        "log_density", shape, name, context)
        check_finite(np.where(np.isneginf(log_density), 0.0, log_density), "log_density",
                     context=context)
        return np.exp(log_density), kind
    saliency = _check_prediction(model.saliency_map(pixels, image_id=image_id), "saliency map",
                                 shape, name, context)
    check_finite(saliency, "saliency map", context=context)
    return saliency, kind


_GRID_SCORES = ("auc", "nss", "auc_unfixated")


def plot_image_grid(dataset, images, models, *, fig=None, colorbar=False, score=None,
                    fixations_on_maps=False, cmap="magma", panel_width=2.6,
                    interpolation="auto"):
    """A grid of images: each with its fixations, then each model's map.

    Rows are images; the first column shows the image with its fixations (white dots, dark
    edge), the next columns each model's map — a probabilistic model's density
    ``exp(log_density)``, another model's saliency map — scaled to its own range.

    Parameters
    ----------
    dataset : salbench.Dataset
    images : sequence of int
        Dataset indices of the rows.
    models : sequence of models (or model spec strings, built with ``dataset=``)
    fig : matplotlib Figure, optional
        Draw into this (empty) figure; default a new figure sized to the grid.
    colorbar : bool, default=False
        A colourbar beside every map.
    score : {"auc", "nss", "auc_unfixated"}, optional
        Print this metric of each map on its panel (computed with :mod:`salbench.metrics`).
    fixations_on_maps : bool, default=False
        Also draw the fixations on the maps.
    cmap : str, default="magma"
    panel_width : float, default=2.6
        Width of one panel in inches.
    interpolation : str, default="auto"
        How images and maps are resampled for display (any of ``imshow``'s). ``"auto"``: pixels
        as squares (``"nearest"``) when an image is shown larger than its size at the figure's
        resolution, matplotlib's ``"antialiased"`` when it is shrunk.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes`` holds the panels row by row; a colourbar is an inset of its panel
        (``ax.child_axes``).
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from . import metrics as metric_functions

    models = _models_argument(models, dataset)
    try:
        images = [int(i) for i in np.atleast_1d(np.asarray(images)).tolist()]
    except (TypeError, ValueError):
        raise InputError(f"images must be image indices, got {images!r}") from None
    if not images:
        raise InputError("images is empty: give at least one image index")
    bad = [i for i in images if not 0 <= i < len(dataset)]
    if bad:
        raise InputError(f"image indices {bad} are outside 0..{len(dataset) - 1} "
                         f"({dataset.name} has {len(dataset)} images)")
    if score is not None:
        keyword_choice(score, "score", _GRID_SCORES)
    names = [str(getattr(m, "name", type(m).__name__)) for m in models]
    n_rows, n_cols = len(images), 1 + len(models)
    shapes = [dataset.stimuli.shape(i) for i in images]
    aspect = float(np.mean([h / w for h, w in shapes]))
    if fig is None:
        fig = plt.figure(figsize=(panel_width * n_cols + (0.5 * len(models) if colorbar else 0),
                                  panel_width * aspect * n_rows + 0.5), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for r, i in enumerate(images):
        f = dataset.fixations.for_image(i)
        image = dataset.stimuli.load(i)
        if interpolation == "auto":
            # enlarged pixels stay sharp squares (smoothing them only invents detail); shrunk
            # images are low-pass filtered so they do not alias
            resample = "nearest" if image.shape[1] < panel_width * fig.dpi else "antialiased"
        else:
            resample = interpolation
        ax = axes[r, 0]
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation=resample)
        _draw_fixations(ax, f.x, f.y, image.shape[:2])
        ax.set_ylabel(f"{dataset.stimuli.names[i]}\n{len(f)} fixations", fontsize="small")
        for c, model in enumerate(models, start=1):
            values, kind = model_map(model, dataset, i)
            ax = axes[r, c]
            shown = ax.imshow(values, cmap=cmap, interpolation=resample,
                              vmin=0.0 if kind == "probabilistic" else float(values.min()),
                              vmax=float(values.max()) if values.max() > values.min() else None)
            if fixations_on_maps:
                _draw_fixations(ax, f.x, f.y, values.shape, size=6)
            if colorbar:
                # plain tick labels: an offset text ("1e-4") would collide with the titles
                # as tall as the map itself (an inset in axes coordinates follows its aspect)
                bar = fig.colorbar(shown, cax=ax.inset_axes([1.03, 0.0, 0.045, 1.0]),
                                   format=FuncFormatter(lambda v, _: f"{v:.2g}"))
                bar.ax.tick_params(labelsize="x-small")
            if score is not None and len(f):
                value = getattr(metric_functions, score)(values, f.x, f.y)
                ax.text(0.03, 0.04, f"{score.upper() if score != 'auc_unfixated' else score} "
                        f"{value:.3f}", transform=ax.transAxes, fontsize="x-small",
                        color="white", va="bottom",
                        bbox=dict(boxstyle="round,pad=0.2", facecolor="black", alpha=0.55,
                                  linewidth=0))
    for r in range(n_rows):
        for c in range(n_cols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
    for c, title in enumerate(["image + fixations", *names]):
        axes[0, c].set_title(title, fontsize="medium")
    return fig


def _draw_fixations(ax, x, y, shape, *, size=10):
    if len(x) == 0:
        return
    h, w = shape
    # fixation (x, y) lies in pixel (floor(y), floor(x)), drawn by imshow over [j-0.5, j+0.5]
    ax.scatter(np.asarray(x) - 0.5, np.asarray(y) - 0.5, s=size, c="white", edgecolors="black",
               linewidths=0.5, zorder=3)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)


def _models_argument(models, dataset):
    from ._scoring import model_kind

    if isinstance(models, str) or not isinstance(models, (list, tuple)):
        models = [models]
    if not models:
        raise InputError("models is empty: give at least one model")
    out = []
    for m in models:
        if isinstance(m, str):
            from .models.spec import from_spec

            m = from_spec(m, dataset=dataset)
        model_kind(m)  # a clear error for an object that is not a model
        out.append(m)
    return out


# ------------------------------------------------------------------------------------ speed
def pareto_front(cost, score, *, higher_is_better=True) -> np.ndarray:
    """Which points are not dominated: no other point is at most as costly and at least as good,
    and strictly cheaper or better.

    Parameters
    ----------
    cost, score : array_like of shape (n,)
        NaN points are never on the front (and dominate nothing).
    higher_is_better : bool, default=True

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        Identical points are both on the front (neither dominates the other).

    Examples
    --------
    >>> pareto_front([1, 2, 3, 4], [0.5, 0.4, 0.7, 0.7]).tolist()
    [True, False, True, False]
    """
    c = np.asarray(cost, dtype=float).reshape(-1)
    s = np.asarray(score, dtype=float).reshape(-1)
    if c.shape != s.shape:
        raise InputError(f"cost has {c.size} values but score has {s.size}")
    good = s if higher_is_better else -s
    valid = ~(np.isnan(c) | np.isnan(good))
    front = np.zeros(c.size, dtype=bool)
    # sweep by cost (cheapest first), better scores first within a cost: a point is on the front
    # iff it beats the best score of every strictly cheaper point and is the best at its cost
    order = np.flatnonzero(valid)[np.lexsort((-good[valid], c[valid]))]
    best_cheaper = -np.inf
    k = 0
    while k < order.size:
        same = order[k:][c[order[k:]] == c[order[k]]]
        top = good[same[0]]
        if top > best_cheaper:
            front[same[good[same] == top]] = True
        best_cheaper = max(best_cheaper, top)
        k += same.size
    return front


def speed_accuracy_table(leaderboard_or_table, metric="information_gain", cost="gflops", *,
                         direction=None):
    """Score and cost per model, from a leaderboard or a table, with the Pareto front marked.

    Parameters
    ----------
    leaderboard_or_table : Leaderboard, results, or pandas.DataFrame
        A DataFrame needs columns ``model``, the cost (``gflops`` or ``ms``) and the score (a
        column named like the metric, or ``score`` / ``mean``); ``ci_low`` / ``ci_high`` and
        ``role`` are optional. From a leaderboard, the cost is what each model reported
        (``gflops``) or its measured model time (``ms``, ``model_ms_per_image``).
    metric : str, default="information_gain"
    cost : {"gflops", "ms"}, default="gflops"
    direction : {"higher", "lower"}, optional
        Which way is better, for a table whose metric is not a registered one (a leaderboard
        knows its metrics' directions).

    Returns
    -------
    pandas.DataFrame
        ``model, role, score, ci_low, ci_high, cost, on_front`` for the submitted models with a
        score and a cost, and the attributes ``attrs["direction"]``, ``attrs["unit"]``,
        ``attrs["baselines"]`` (``{name: score}``), ``attrs["left_out"]`` (models without a cost
        or score), ``attrs["dataset"]``.
    """
    import pandas as pd

    keyword_choice(cost, "cost", ("gflops", "ms"))
    if isinstance(leaderboard_or_table, pd.DataFrame):
        frame = leaderboard_or_table
        if "model" not in frame.columns or cost not in frame.columns:
            raise InputError(f"the table needs columns 'model' and {cost!r}; it has "
                             f"{', '.join(map(str, frame.columns))}")
        column = next((c for c in (metric, "score", "mean") if c in frame.columns), None)
        if column is None:
            raise InputError(f"the table needs a score column named {metric!r}, 'score' or "
                             "'mean'")
        rows = pd.DataFrame({
            "model": frame["model"].astype(str),
            "role": frame["role"] if "role" in frame.columns else "model",
            "score": frame[column].astype(float),
            "ci_low": frame["ci_low"].astype(float) if "ci_low" in frame.columns else np.nan,
            "ci_high": frame["ci_high"].astype(float) if "ci_high" in frame.columns else np.nan,
            "cost": frame[cost].astype(float)})
        direction, unit, dataset = _metric_direction(metric, direction), "", None
        if metric != "explained_ig":
            from .metrics import _registry

            unit = _registry.get(metric).unit if metric in _registry.names() else ""
    else:
        board = _as_leaderboard(leaderboard_or_table)
        metric = _pick_metric(board, metric)
        fact = next(m for m in board.metric_facts if m["name"] == metric)
        direction, unit, dataset = fact["direction"], fact.get("unit", ""), board.meta.get("dataset")
        key = "gflops" if cost == "gflops" else "model_ms_per_image"
        costs = {m["name"]: m.get(key, np.nan) for m in board.model_facts}
        t = board.table[board.table["metric"] == metric]
        rows = pd.DataFrame({"model": t["model"].astype(str), "role": t["role"],
                             "score": t["mean"].astype(float), "ci_low": t["ci_low"].astype(float),
                             "ci_high": t["ci_high"].astype(float),
                             "cost": [float(costs.get(m, np.nan)) for m in t["model"]]})
    baseline_rows = rows[rows["role"] != "model"]
    models = rows[rows["role"] == "model"]
    usable = models["score"].notna() & models["cost"].notna() & (models["cost"] > 0)
    left_out = models.loc[~usable, "model"].tolist()
    models = models[usable].reset_index(drop=True)
    if models.empty:
        raise InputError(f"no model has both a score for {metric} and a positive cost ({cost}); "
                         + ("a model reports its GFLOPs through a gflops attribute or method "
                            "(or use the measured time: cost='ms')" if cost == "gflops"
                            else "timings come from the results manifests"))
    models["on_front"] = pareto_front(models["cost"], models["score"],
                                      higher_is_better=direction == "higher")
    models.attrs.update(direction=direction, unit=unit, left_out=left_out, dataset=dataset,
                        metric=metric, cost=cost,
                        baselines={str(r.model): float(r.score) for r in baseline_rows.itertuples()
                                   if not math.isnan(r.score)})
    return models


def plot_speed_accuracy(leaderboard_or_table, metric="information_gain", cost="gflops", *,
                        ax=None, baselines=True, labels=True, title=None, direction=None):
    """Score against cost (log scale) for each model, with the Pareto front drawn.

    Each model is a point (with its confidence interval when known); the models no other model
    beats at equal or lower cost are filled in orange and joined by the front — a staircase
    giving the best score reachable at each cost. Baselines with a score (gold standard, centre
    bias, uniform) are horizontal reference lines.

    Parameters
    ----------
    leaderboard_or_table : Leaderboard, results or pandas.DataFrame
        See :func:`speed_accuracy_table`.
    metric : str, default="information_gain"
    cost : {"gflops", "ms"}, default="gflops"
    ax : matplotlib Axes, optional
    baselines : bool, default=True
        Draw the baselines as horizontal lines.
    labels : bool, default=True
        Name every point (placed so that labels do not overlap where possible).
    title : str, optional
    direction : {"higher", "lower"}, optional
        For a table with an unregistered metric (see :func:`speed_accuracy_table`).

    Returns
    -------
    matplotlib.axes.Axes
        The model points are ``ax.collections[0]`` (in the order of
        :func:`speed_accuracy_table`); the front is the line with gid ``"pareto-front"``.
    """
    table = speed_accuracy_table(leaderboard_or_table, metric, cost, direction=direction)
    metric, direction = table.attrs["metric"], table.attrs["direction"]
    ax = _new_axes(ax, (6.8, 4.6))
    _style_axes(ax, grid_axis="both")
    ax.set_xscale("log")
    c = table["cost"].to_numpy(float)
    s = table["score"].to_numpy(float)
    front = table["on_front"].to_numpy(bool)
    colours = np.where(front, FRONT_COLOUR, MODEL_COLOUR)
    ax.scatter(c, s, s=46, c=list(colours), edgecolors="white", linewidths=0.8, zorder=4)
    lo, hi = table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float)
    has_ci = ~(np.isnan(lo) | np.isnan(hi))
    if has_ci.any():
        ax.errorbar(c[has_ci], s[has_ci], yerr=[s[has_ci] - lo[has_ci], hi[has_ci] - s[has_ci]],
                    fmt="none", ecolor="0.65", elinewidth=1.1, capsize=2.5, zorder=3)
    order = np.argsort(c[front], kind="stable")
    fc, fs = c[front][order], s[front][order]
    ax.step(fc, fs, where="post", color=FRONT_COLOUR, linewidth=1.6, alpha=0.8, zorder=2,
            gid="pareto-front", label="Pareto front")
    notes = []
    shown_baselines = []
    if table.attrs["left_out"]:
        notes.append(f"no {cost}: {', '.join(table.attrs['left_out'])}")
    if baselines:
        styles = {0: (0, (5, 3)), 1: (0, (1.5, 2)), 2: (0, (4, 2, 1, 2))}
        # a baseline far from the models (uniform, often) would squash them: name it instead
        low = float(np.nanmin(np.r_[s, lo]))
        high = float(np.nanmax(np.r_[s, hi]))
        reach = max(high - low, 1e-3 * max(abs(high), 1.0))
        far = []
        for k, (name, value) in enumerate(table.attrs["baselines"].items()):
            if not low - reach <= value <= high + reach:
                far.append(f"{name} {_format(value, metric)}")
                continue
            shown_baselines.append(value)
            ax.axhline(value, color=BASELINE_COLOUR, linewidth=1, linestyle=styles[k % 3],
                       zorder=1)
            ax.annotate(name, (1.0, value), xycoords=("axes fraction", "data"), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize="x-small",
                        color="0.4")
        if far:
            notes.append(f"off the scale: {', '.join(far)}")
    span = c.max() / c.min()
    margin = max(span, 10.0) ** 0.12
    ax.set_xlim(c.min() / margin, c.max() * margin)
    _plain_log_ticks(ax.xaxis)
    ax.set_xlabel(COST_LABELS[cost] + "  (log scale)")
    ax.set_ylabel(_direction_label(metric, table.attrs["unit"], direction, axis="y"))
    if title is None:
        where = f" on {table.attrs['dataset']}" if table.attrs.get("dataset") else ""
        title = f"speed–accuracy{where}: {metric} against {'GFLOP' if cost == 'gflops' else 'ms'}"
    ax.set_title(title, loc="left", fontsize="large")
    if direction == "lower":
        ax.invert_yaxis()  # better is up, as in every speed-accuracy plot
    if labels:
        # labels avoid the intervals, the front and the baseline lines
        obstacles = [[(x, a), (x, b)] for x, a, b in zip(c[has_ci], lo[has_ci], hi[has_ci])]
        obstacles.append(_step_vertices(fc, fs))
        obstacles += [[(ax.get_xlim()[0], value), (ax.get_xlim()[1], value)]
                      for value in shown_baselines]
        _place_labels(ax, c, s, table["model"].tolist(), front, obstacles)
    if notes:
        ax.annotate("; ".join(notes), (0, 0), xycoords="axes fraction", xytext=(0, -40),
                    textcoords="offset points", fontsize="x-small", color="0.45", va="top")
    return ax


def _step_vertices(x, y):
    """Vertices of the ``where="post"`` staircase through the points (x sorted)."""
    vertices = [(x[0], y[0])]
    for k in range(1, len(x)):
        vertices += [(x[k], y[k - 1]), (x[k], y[k])]
    return vertices


def _plain_log_ticks(axis):
    """Ticks at 1, 2, 5 per decade written as plain numbers (0.5, 20), not as powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=12))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_locator(LogLocator(base=10, subs=np.arange(2, 10) / 1.0, numticks=12))
    axis.set_minor_formatter(NullFormatter())


def _place_labels(ax, xs, ys, texts, emphasis, obstacles=()):
    """Name each point where its label covers the fewest other things.

    Greedy, most important points first: every candidate position around the point (near, then
    farther with a leader line) is scored by what the label would cover — other labels and
    points (badly), ``obstacles`` (polylines in data coordinates, e.g. error bars and the
    front), leaving the axes — and the cheapest wins.
    """
    from matplotlib.text import Text

    figure = ax.figure
    ax.autoscale_view()
    ax.set_xlim(ax.get_xlim())  # freeze the limits: positions are measured in display units
    ax.set_ylim(ax.get_ylim())
    try:
        figure.draw_without_rendering()  # run the layout engine first, so positions are final
        renderer = figure.canvas.get_renderer()
    except AttributeError:  # a backend without a renderer: labels to the right
        renderer = None
    near = [((6, 4), "left", "bottom"), ((6, -4), "left", "top"), ((-6, 4), "right", "bottom"),
            ((-6, -4), "right", "top"), ((0, 8), "center", "bottom"),
            ((0, -8), "center", "top"), ((9, 0), "left", "center"), ((-9, 0), "right", "center")]
    far = [((dx * 3, dy * 4), ha, va) for (dx, dy), ha, va in near]
    candidates = near + far
    points = ax.transData.transform(np.column_stack([xs, ys]))
    samples = _polyline_samples(ax, obstacles)
    axes_box = ax.get_window_extent(renderer) if renderer is not None else None
    placed = []
    for k in sorted(range(len(texts)), key=lambda i: (not emphasis[i], -ys[i])):
        best = None
        for rank, (offset, ha, va) in enumerate(candidates if renderer is not None else near[:1]):
            leader = rank >= len(near)
            label = ax.annotate(
                texts[k], (xs[k], ys[k]), xytext=offset, textcoords="offset points", ha=ha,
                va=va, fontsize="small", color="0.1" if emphasis[k] else "0.3", zorder=5,
                arrowprops=dict(arrowstyle="-", color="0.6", linewidth=0.6, shrinkA=1,
                                shrinkB=4) if leader else None)
            if renderer is None:
                break
            label.get_window_extent(renderer)  # updates the position; includes the leader
            box = Text.get_window_extent(label, renderer).padded(2)  # the text alone
            covered_labels = sum(box.overlaps(other) for other in placed)
            covered_points = sum(1 for j, (px, py) in enumerate(points)
                                 if j != k and box.x0 - 5 <= px <= box.x1 + 5
                                 and box.y0 - 5 <= py <= box.y1 + 5)
            covered_lines = int(((samples[:, 0] >= box.x0) & (samples[:, 0] <= box.x1)
                                 & (samples[:, 1] >= box.y0) & (samples[:, 1] <= box.y1)).sum()) \
                if samples.size else 0
            outside = not (axes_box.x0 <= box.x0 and box.x1 <= axes_box.x1
                           and axes_box.y0 <= box.y0 and box.y1 <= axes_box.y1)
            cost = (100 * outside + 30 * covered_labels + 20 * covered_points
                    + min(covered_lines, 15) + 2 * leader + 0.1 * rank)
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, label, box)
            else:
                label.remove()
        if renderer is not None:
            placed.append(best[2])


def _polyline_samples(ax, polylines, step=3.0):
    """Points every ``step`` display pixels along polylines given in data coordinates."""
    out = []
    for line in polylines:
        vertices = ax.transData.transform(np.asarray(line, dtype=float))
        for (x0, y0), (x1, y1) in zip(vertices[:-1], vertices[1:]):
            n = max(int(np.hypot(x1 - x0, y1 - y0) / step), 1)
            u = np.linspace(0.0, 1.0, n + 1)
            out.append(np.column_stack([x0 + u * (x1 - x0), y0 + u * (y1 - y0)]))
    return np.concatenate(out) if out else np.empty((0, 2))
