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
:func:`speed_accuracy_table`. The ROC curves are computed by :mod:`salbench.metrics`
(``roc_curve``, ``mean_roc_curve``, ``RocCurve`` are its names, re-exported here and imported on
first use) and paired statistics by :mod:`salbench.stats`.
"""

from __future__ import annotations

from ._style import (
    A_COLOUR, BASELINE_COLOUR, BEST_COLOUR, B_COLOUR, COST_LABELS, FIGURE_FORMATS, FRONT_COLOUR,
    MODEL_COLOUR, save_figure,
)
from .leaderboard import plot_leaderboard
from .paired import PairedDifference, paired_difference, plot_paired
from .roc import plot_roc
from .grid import model_map, plot_image_grid
from .speed import pareto_front, plot_speed_accuracy, speed_accuracy_table

__all__ = [
    "A_COLOUR",
    "BASELINE_COLOUR",
    "BEST_COLOUR",
    "B_COLOUR",
    "COST_LABELS",
    "FIGURE_FORMATS",
    "FRONT_COLOUR",
    "MODEL_COLOUR",
    "PairedDifference",
    "RocCurve",
    "mean_roc_curve",
    "model_map",
    "paired_difference",
    "pareto_front",
    "plot_image_grid",
    "plot_leaderboard",
    "plot_paired",
    "plot_roc",
    "plot_speed_accuracy",
    "roc_curve",
    "save_figure",
    "speed_accuracy_table",
]


def __getattr__(name):
    from . import roc

    if name in roc._FROM_METRICS:
        value = getattr(roc, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
