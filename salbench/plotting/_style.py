"""Shared look and helpers of salbench's figures: colours, axes styling, saving."""

from __future__ import annotations

from pathlib import Path

from .._validation import keyword_choice, positive_int
from ..exceptions import InputError

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
    from .._io import atomic_path

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
    from ..metrics import get

    try:
        return get(metric).direction
    except Exception:  # noqa: BLE001 - any lookup failure means: unknown, ask the caller
        raise InputError(f"{metric!r} is not a registered metric; say which way is better with "
                         "direction='higher' or 'lower'") from None


def _format(value, metric):
    digits = 1 if metric == "explained_ig" else 3
    return f"{value:.{digits}f}"


# ------------------------------------------------------------------------------------ leaderboard
def _as_leaderboard(leaderboard):
    from ..reports import Leaderboard, leaderboard as make

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
