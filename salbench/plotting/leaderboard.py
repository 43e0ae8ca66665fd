"""One metric of a leaderboard: means with bootstrap intervals, best and near-ties marked."""

from __future__ import annotations

import math

import numpy as np

from ..exceptions import InputError
from ._style import (
    BASELINE_COLOUR, BEST_COLOUR, MODEL_COLOUR, _as_leaderboard, _direction_label, _format,
    _new_axes, _pick_metric, _style_axes,
)


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
    for tick, (_, row) in zip(ax.get_yticklabels(), rows.iterrows()):
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
