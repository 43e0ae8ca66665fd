"""``salbench submission check``: is a folder or archive of maps ready to score?"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._errors import one_line_errors


@click.group(name="submission")
def submission():
    """Check submissions (folders or .zip/.tar.gz archives of maps) before scoring them."""


@submission.command(name="check")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dataset", "dataset_spec", required=True, metavar="NAME|PATH|table:...",
              help="The dataset whose stimuli the maps must cover.")
@click.option("--split", type=click.Choice(["all", "train", "validation", "test"]), default="all",
              show_default=True, help="Images that must have a map.")
@click.option("--images", "first", type=click.IntRange(min=1), default=None,
              help="Only the first N images of the split.")
@click.option("--kind", type=click.Choice(["saliency", "log_density"]), default="saliency",
              show_default=True, help="What the files hold (log-densities must be normalised).")
@click.option("--recursive", is_flag=True, help="Also look in sub-folders.")
@click.option("--data-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="SALBENCH_DATA", help="Folder holding the datasets [env: SALBENCH_DATA].")
@one_line_errors
def submission_check(path, dataset_spec, split, first, kind, recursive, data_root):
    """List every problem of the maps in PATH (a folder, .zip, .tar, .tar.gz or .tgz).

    Exit status 0 only when `salbench evaluate --model PATH` would score them.
    """
    from ..submissions import check_submission
    from ._evaluate import _images_argument, load_dataset

    dataset = load_dataset(dataset_spec, root=data_root)
    images, _ = _images_argument(dataset, split, first)
    report = check_submission(path, dataset, images=images, kind=kind, recursive=recursive)
    click.echo(report.render(), nl=False)
    sys.exit(0 if report.ok else 1)
