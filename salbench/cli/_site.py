"""``salbench site``: a static leaderboard website from results folders."""

from __future__ import annotations

from pathlib import Path

import click

from ._errors import one_line_errors


@click.command(name="site")
@click.argument("directories", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--output", "-o", "out", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="The site folder (created; a site salbench made before is replaced).")
@click.option("--title", default=None, help="Page title (default: 'Leaderboard: DATASET').")
@click.option("--models-info", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, metavar="FILE.json|FILE.yaml",
              help="Model metadata: {name: {display_name, link, paper, code, notes, spec}}; "
                   "the gallery uses the spec evaluate recorded when none is given "
                   "(YAML needs PyYAML).")
@click.option("--average", type=click.Choice(["image", "fixation"]), default="image",
              show_default=True, help="Mean over images, or over fixations (images weighted "
                                      "by their fixation counts).")
@click.option("--by", default="auto", show_default=True, metavar="ATTRIBUTE|auto|none",
              help="Per-image attribute of the per-group tables (auto: category when "
                   "recorded).")
@click.option("--dataset", "dataset_spec", default=None, metavar="NAME|PATH",
              help="The scored dataset, for the galleries (default: the results' dataset when "
                   "it is found).")
@click.option("--data-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="SALBENCH_DATA", help="Folder holding the datasets [env: SALBENCH_DATA].")
@click.option("--gallery", "gallery_images", type=click.IntRange(min=0), default=3,
              show_default=True, help="Images in each model's gallery (0: none).")
@click.option("--bootstrap", "n_bootstrap", type=click.IntRange(min=1), default=1000,
              show_default=True, help="Bootstrap resamples for the intervals.")
@click.option("--permutations", "n_permutations", type=click.IntRange(min=1), default=10000,
              show_default=True, help="Sign flips of the paired test.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@one_line_errors
def site_command(directories, out, title, models_info, average, by, dataset_spec, data_root,
                 gallery_images, n_bootstrap, n_permutations, seed):
    """Build a static leaderboard website (index, a page per model and per metric).

    Each DIRECTORY is a results folder or a run folder holding several. Open OUT/index.html
    from disk or publish the folder as is: nothing is fetched from a network.
    """
    from ..evaluation.results import load_results
    from ..exceptions import SalbenchError
    from ..plotting.site import SiteFigures
    from ..reports.site import build_site
    from ._evaluate import load_dataset

    runs = load_results(list(directories))
    dataset = None
    if gallery_images and runs:
        spec = dataset_spec or runs[0].dataset.get("name")
        try:
            dataset = load_dataset(str(spec), root=data_root)
        except SalbenchError as exc:
            if dataset_spec is not None:
                raise
            click.echo(f"note: no galleries ({exc})", err=True)
    build_site(runs, out, title=title, models_info=models_info, average=average,
               by=None if by == "none" else by, figures=SiteFigures(), dataset=dataset,
               gallery_images=gallery_images, n_bootstrap=n_bootstrap,
               n_permutations=n_permutations, seed=seed)
    click.echo(f"wrote {out / 'index.html'}", err=True)
