"""Two models on the same images: per-image scores against each other, with a paired test."""

from __future__ import annotations

from dataclasses import dataclass
import math

import numpy as np

from ..exceptions import InputError
from ..stats import paired_difference as paired_stats
from ._style import A_COLOUR, BASELINE_COLOUR, B_COLOUR, _new_axes, _style_axes


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
    two-sided sign-flip permutation test over images: :func:`salbench.stats.paired_difference`,
    as the leaderboard uses. Images where either value is NaN are left out. "Better" follows
    the metric's direction.

    Parameters
    ----------
    results_a, results_b : Results or path-like
        Results of two models on the same dataset.
    metric : str
    confidence, n_bootstrap, n_permutations, seed
        As for :func:`salbench.leaderboard`.
    """
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
    pair = paired_stats(a, b, confidence=confidence, n_bootstrap=n_bootstrap,
                        n_permutations=n_permutations, seed=seed)
    d = b - a
    sign = 1.0 if direction == "higher" else -1.0
    return PairedDifference(metric, a_run.model, b_run.model, images, a, b, pair.mean,
                            pair.ci_low, pair.ci_high, pair.p_value, int((sign * d > 0).sum()),
                            int((sign * d < 0).sum()), int((d == 0).sum()), direction, confidence)


def _one_results(item, name):
    from ..evaluation import Results, load_results

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
