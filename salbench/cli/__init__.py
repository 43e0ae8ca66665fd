"""The ``salbench`` command line: demo, evaluate, leaderboard, plot, site, predict, submission,
datasets, crop, audit.

Thin by design: it parses arguments, calls the public API and prints. salbench's own errors
(:class:`~salbench.exceptions.InputError`, :class:`~salbench.exceptions.DataError`) are printed as
``error: ...`` on standard error with exit status 1; usage errors exit with status 2 (click). One
module per command family (``_evaluate``: evaluate, leaderboard, plot; ``_predict``;
``_submission``; ``_site``; ``_datasets``; ``_demo``; ``_crop``: crop, audit), the options of every
command that runs a model (``_model_options``) and one error handler for all of them
(``_errors``).
"""

from __future__ import annotations

import click

from ._crop import MODEL_HELP, audit_command, crop_command
from ._datasets import datasets, datasets_fetch, datasets_import, datasets_info, datasets_list
from ._demo import DEMO_METRICS, demo
from . import _site
from ._errors import exit_with_error
from ._evaluate import (
    FIGURE_SUFFIXES, FORMATS, evaluate, leaderboard_command, load_dataset, plot,
    plot_grid_command, plot_leaderboard_command, plot_paired_command, plot_roc_command,
    plot_speed_command,
)
from ._predict import predict_command
from ._submission import submission


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="salbench", prog_name="salbench")
def main():
    """Score gaze-prediction (saliency) models against human eye fixations.

    Start with `salbench demo`; score your own maps with
    `salbench evaluate --model MAPS_DIR --dataset osie --out results/`.
    """


for _command in (evaluate, leaderboard_command, plot, datasets, demo, crop_command, audit_command):
    main.add_command(_command)
del _command
main.add_command(_site.site_command)
main.add_command(predict_command)
main.add_command(submission)

__all__ = [
    "DEMO_METRICS", "FIGURE_SUFFIXES", "FORMATS", "MODEL_HELP", "audit_command", "crop_command",
    "datasets", "datasets_fetch", "datasets_import", "datasets_info", "datasets_list", "demo", "evaluate",
    "exit_with_error", "leaderboard_command", "load_dataset", "main", "plot", "plot_grid_command",
    "plot_leaderboard_command", "plot_paired_command", "plot_roc_command", "plot_speed_command",
]
