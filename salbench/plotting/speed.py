"""Score against cost (GFLOP or ms per image) with the Pareto front, as in the pruning paper."""

from __future__ import annotations

import math

import numpy as np

from .._validation import keyword_choice
from ..exceptions import InputError
from ._style import (
    BASELINE_COLOUR, COST_LABELS, FRONT_COLOUR, MODEL_COLOUR, _as_leaderboard, _direction_label,
    _format, _metric_direction, _new_axes, _pick_metric, _style_axes,
)


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
            from ..metrics import get, names

            unit = get(metric).unit if metric in names() else ""
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
