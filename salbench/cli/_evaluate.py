"""``salbench evaluate``, ``salbench leaderboard`` and ``salbench plot ...``: score models, compare
results, draw figures (and :func:`load_dataset`, which the figure commands share).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from ._errors import one_line_errors
from ._model_options import COMMAND_HELP, fit_options, model_run_options, spec_options

FORMATS = ("md", "html", "csv", "json")


# ------------------------------------------------------------------------------------ evaluate
def _split_names(value):
    return [m.strip() for m in value.split(",") if m.strip()]


#: ``--out-of-image``: the out-of-image policy of every command that loads a dataset (the API's
#: ``out_of_image=``, :data:`salbench.datasets.dataset.OUT_OF_IMAGE_POLICIES`, less ``keep``,
#: which only defers the error to the metrics).
OUT_OF_IMAGE = click.option(
    "--out-of-image", type=click.Choice(["error", "drop", "clip"]), default=None,
    help="Fixations outside their image: stop with a list of them (error), drop them, or move "
         "them to the image border (clip). Default: the dataset's own policy (error for most; "
         "see `salbench datasets info NAME`).")
#: The syntax of a dataset with its loader's options, for help texts.
DATASET_HELP = ("A registered dataset (see `salbench datasets list`), with its loader's options as "
                "NAME:KEY=VALUE[,KEY=VALUE] (e.g. figrim:viewing=rec; `salbench datasets info "
                "NAME` lists them), a folder in its layout, or a folder with pysaliency "
                "stimuli.hdf5 + fixations.hdf5")


def load_dataset(spec: str, *, root=None, download: bool = False, out_of_image: str | None = None):
    """A dataset from a registered name (``osie``), a registered name with options
    (``figrim:viewing=rec``), a folder in a registered layout (``.../osie``), a folder of
    pysaliency files (``stimuli.hdf5`` + ``fixations.hdf5``), or a fixation table with a stimuli
    folder (``table:fix.csv,stimuli=img/,x=col,y=row,one_based``)."""
    from ..datasets.selection import load_dataset as load_selected

    if spec.startswith("table:"):
        from ..datasets.tabular import load_table_spec

        return load_table_spec(spec, out_of_image=out_of_image or "error")
    return load_selected(spec, root=root, download=download, out_of_image=out_of_image)


def _images_argument(dataset, split, first):
    """Image indices to score and the training images for fitted models (None = all, CV)."""
    from ..datasets.splits import split_images

    train = None
    if split == "all":
        images = list(range(len(dataset)))
    else:
        s = split_images(dataset)
        images = list(s.part(split))
        train = list(s.train) if split != "train" else None
    if first is not None:
        images = images[:first]
    return images, train


def _slug(name: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in str(name).lower())
    return "-".join(part for part in keep.split("-") if part) or "model"


def _refuse_baseline_folder(target: Path, model_name, model):
    """A model whose folder name is a baseline's (``--name "Centre Bias"``) is refused."""
    from ..evaluation.engine import reserved_folder
    from ..exceptions import InputError

    baseline = reserved_folder(target.name, model)
    if baseline is not None:
        raise InputError(f"model name {model_name!r} would write into {target}, the folder "
                         f"reserved for the {baseline.replace('_', ' ')} baseline; choose another "
                         "--name")


@click.command(name="evaluate")
@click.option("--model", "model_spec", required=True, metavar="SPEC",
              help="A folder of maps or a .zip/.tar.gz of one, or maps:DIR, hdf5:FILE, "
                   "onnx:FILE, torch:FILE, "
                   "python:MODULE:ATTR, command:CMD, fastgaze:FILE.vxm, builtin:default, "
                   "baseline:uniform|centre|gold, density:SPEC. " + COMMAND_HELP)
@click.option("--dataset", "dataset_spec", required=True, metavar="NAME[:OPTIONS]|PATH|table:...",
              help=DATASET_HELP + ", or your own fixation table: table:FILE,stimuli=DIR,x=COL,"
                   "y=COL,one_based|zero_based[,image=COL,subject=COL,t=COL,duration=COL,"
                   "time_unit=ms,image_base=1].")
@OUT_OF_IMAGE
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder: the model's results go to OUT/<model name>, baselines to "
                   "OUT/uniform, OUT/centre-bias, OUT/gold-standard. Rerunning resumes.")
@click.option("--metrics", default="all", show_default=True,
              help="Comma-separated metric names, or 'all' (every metric the model supports).")
@click.option("--convention", type=click.Choice(["tuebingen", "mit"]), default="tuebingen",
              show_default=True, help="Conventions of NSS, CC, KLD and SIM.")
@click.option("--split", type=click.Choice(["all", "train", "validation", "test"]), default="all",
              show_default=True, help="Images to score (the dataset's deterministic split, "
                                      "seed 0); fitted models are fitted on --fit-on.")
@click.option("--images", "first", type=click.IntRange(min=1), default=None,
              help="Score only the first N images of the split (a quick look).")
@click.option("--name", default=None, help="Model name in tables (default: the model's own).")
@click.option("--model-version", default=None, metavar="TEXT",
              help="Your version of the model (e.g. a git commit), recorded with the input "
                   "fingerprints: results of another version are never resumed or reused.")
@click.option("--kind", type=click.Choice(["saliency", "log_density"]), default=None,
              help="What the maps/network output is (file and network adapters).")
@click.option("--baselines/--no-baselines", default=True, show_default=True,
              help="Also score uniform, centre bias and gold standard (skipped when done).")
@fit_options
@click.option("--baseline", "baseline_spec", default=None,
              metavar="uniform|centre-bias[:DATASET[:SPLIT]]",
              help="Baseline of information gain (default: centre-bias, fitted on every image "
                   "of the scored dataset, 10-fold cross-validated by image).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Worker threads (default: all available CPUs).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on the dask cluster of this scheduler (tcp://host:8786); its workers "
                   "must see the dataset and model files at the same paths.")
@click.option("--dask-workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Run on a local dask cluster of N worker processes.")
@click.option("--metric-maps", is_flag=True,
              help="Score a probabilistic model on each metric's own map (Kümmerer et al. 2018) "
                   "instead of its density.")
@click.option("--reference-sigma", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Blur of the empirical maps in pixels (default: 1 degree when known).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the sampled MIT AUCs and of the leaderboard's resampling.")
@click.option("--data-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="SALBENCH_DATA", help="Folder holding the datasets [env: SALBENCH_DATA].")
@click.option("--download", is_flag=True, help="Download the dataset first if it is missing.")
@click.option("--overwrite", is_flag=True,
              help="Discard earlier results of this model (and of the baselines) in OUT.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True,
              help="Format of the leaderboard printed at the end.")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@model_run_options
@one_line_errors
def evaluate(model_spec, dataset_spec, out_of_image, out, metrics, convention, split, first, name,
             model_version, kind, baselines, fit_on, allow_fit_overlap, baseline_spec, threads,
             scheduler, dask_workers, metric_maps, reference_sigma, seed, data_root, download,
             overwrite, fmt, quiet, timeout, resize_maps):
    """Score a model on a dataset and print a leaderboard with the baselines.

    Example: salbench evaluate --model my_maps/ --dataset osie --out results/
    """
    from ..evaluation.executors import dask_executor

    with dask_executor(scheduler=scheduler, dask_workers=dask_workers) as client:
        _evaluate(model_spec, dataset_spec, out_of_image, out, metrics, convention, split, first,
                  name, model_version, kind, baselines, fit_on, allow_fit_overlap, baseline_spec,
                  threads, client, metric_maps, reference_sigma, seed, data_root, download,
                  overwrite, fmt, quiet,
                  model_options=spec_options(model_spec, timeout=timeout, resize_maps=resize_maps))


def _evaluate(model_spec, dataset_spec, out_of_image, out, metrics, convention, split, first, name,
              model_version, kind, baselines, fit_on, allow_fit_overlap, baseline_spec, threads,
              executor, metric_maps, reference_sigma, seed, data_root, download, overwrite, fmt,
              quiet, *, model_options=None):
    from ..evaluation import evaluate as run, evaluate_baselines
    from ..evaluation.fitting import model_for_scoring
    from ..exceptions import DegenerateInputWarning
    from ..models.baselines import baseline_from_spec
    from ..reports import leaderboard
    from ..submissions.archive_model import archive_model
    from ..submissions.archives import is_archive

    say = (lambda *a, **k: None) if quiet else click.echo
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        dataset = load_dataset(dataset_spec, root=data_root, download=download,
                               out_of_image=out_of_image)
    for message in dict.fromkeys(str(w.message).splitlines()[0] for w in caught):
        say(f"warning: {message}", err=True)
    images, _ = _images_argument(dataset, split, first)
    say(f"dataset {dataset.name}: {len(images)} of {len(dataset)} images "
        f"({split}{'' if first is None else f', first {first}'})", err=True)
    if is_archive(model_spec) and (Path(model_spec).is_file() or ":" not in model_spec):
        # a submission archive: extracted under --out only
        model = archive_model(model_spec, out=out, kind=kind or "saliency")
    else:
        model = model_for_scoring(model_spec, dataset, images, split=split, fit_on=fit_on,
                                  allow_fit_overlap=allow_fit_overlap, kind=kind, root=data_root,
                                  download=download, out_of_image=out_of_image,
                                  **(model_options or {}))
    fitted_on = getattr(model, "fitted_on", None)
    if fitted_on is not None:
        say(f"fitted on {fitted_on.label} ({fitted_on.images.size} images)", err=True)
    elif fit_on is not None:
        say(f"note: {model_spec} fits no parameters; --fit-on is not used", err=True)
    baseline = None if baseline_spec is None else baseline_from_spec(
        baseline_spec, dataset=dataset, root=data_root, download=download,
        out_of_image=out_of_image)
    model_name = name or getattr(model, "name", None) or _slug(model_spec)
    options = dict(metrics="all" if metrics == "all" else _split_names(metrics),
                   convention=convention, n_threads=threads, reference_sigma=reference_sigma,
                   seed=seed, progress=None if not quiet else False, baseline=baseline,
                   executor=executor)
    target = out / _slug(model_name)
    _refuse_baseline_folder(target, model_name, model)
    say(f"scoring {model_name} -> {target}", err=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateInputWarning)
        results = [run(model, dataset, split=images, out=target, overwrite=overwrite,
                       name=model_name, metric_maps=metric_maps, model_version=model_version,
                       allow_fit_overlap=allow_fit_overlap, **options)]
    for message in dict.fromkeys(str(w.message) for w in caught):
        say(f"warning: {message}", err=True)
    say(speed_line(model_name, results[0].manifest), err=True)
    if baselines:
        say("scoring the baselines (uniform, centre bias, gold standard)", err=True)
        with warnings.catch_warnings():
            # e.g. the MIT AUCs are undefined for the uniform map; each manifest records why
            warnings.simplefilter("ignore", DegenerateInputWarning)
            results += evaluate_baselines(dataset, out=out, split=images, overwrite=overwrite,
                                          **{**options, "metrics": "all"})
    board = leaderboard(results, seed=seed, images="common")
    if not quiet:
        click.echo(board.render(fmt), nl=False)


def speed_line(model_name, manifest) -> str:
    """One line on how fast this run scored: images, seconds, images/s, model ms per image."""
    timings = manifest.get("timings", {})
    run = (timings.get("runs") or [{}])[-1]
    images = run.get("images", 0)
    if manifest.get("reused") or not images:
        return f"{model_name}: nothing left to score (the results were complete)"
    seconds = run.get("scoring_wall_seconds") or 0.0
    rate = timings.get("images_per_second")
    model_ms = timings.get("model_ms_per_image")
    text = f"{model_name}: {images} images in {seconds:.1f} s"
    if rate:
        text += f", {rate:.1f} images/s"
    text += f" on {run.get('executor', '?')}"
    if model_ms is not None:
        text += f" (model calls {model_ms:.1f} ms per image)"
    return text


# ------------------------------------------------------------------------------------ leaderboard
@click.command(name="leaderboard")
@click.argument("directories", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (atomically) instead of printing.")
@click.option("--metrics", default=None, help="Comma-separated metrics to show (default: all).")
@click.option("--sort-by", default=None, help="Metric that orders the models.")
@click.option("--images", type=click.Choice(["same", "common"]), default="same", show_default=True,
              help="Require the same images in every result, or use the common ones.")
@click.option("--bootstrap", "n_bootstrap", type=click.IntRange(min=1), default=1000,
              show_default=True, help="Bootstrap resamples for the intervals.")
@click.option("--permutations", "n_permutations", type=click.IntRange(min=1), default=10000,
              show_default=True, help="Sign flips of the paired test.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--by", default=None, metavar="ATTRIBUTE",
              help="Also one table per value of a per-image attribute the results recorded "
                   "(e.g. category for CAT2000); the first table stays the mean over all images.")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=lambda ctx, param, value: _figure_file(value),
              help="Also draw the sort metric with its intervals to this .png, .svg or .pdf.")
@click.option("--average", type=click.Choice(["image", "fixation"]), default="image",
              show_default=True, help="Mean over images, or over fixations (each image weighted "
                                      "by its number of fixations).")
@one_line_errors
def leaderboard_command(directories, fmt, output, metrics, sort_by, images, n_bootstrap,
                        n_permutations, seed, by, plot_file, average):
    """Compare results directories: one row per model, intervals and paired tests.

    Each DIRECTORY is a results folder or a run folder holding several.
    """
    from ..reports import leaderboard

    board = leaderboard(list(directories), metrics=None if metrics is None else _split_names(metrics),
                        sort_by=sort_by, images=images, n_bootstrap=n_bootstrap,
                        n_permutations=n_permutations, seed=seed, by=by, average=average)
    if output is not None:
        board.save(output, fmt)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(board.render(fmt), nl=False)
    if plot_file is not None:
        _use_agg()
        from ..plotting import plot_leaderboard

        _write_figure(plot_leaderboard(board, board.meta["sort_by"]), plot_file)


# ------------------------------------------------------------------------------------ plot
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def _figure_file(path):
    """Check a figure path's extension before any work (a usage error, exit status 2)."""
    if path is not None and path.suffix.lower() not in FIGURE_SUFFIXES:
        raise click.BadParameter(f"{path}: the file name must end in .png, .svg or .pdf (the "
                                 "figure format follows the extension)")
    return path


def _write_figure(figure_or_axes, path, *, dpi=150):
    import matplotlib.pyplot as plt

    from ..plotting import save_figure

    figure = getattr(figure_or_axes, "figure", figure_or_axes)
    try:
        save_figure(figure, path, dpi=dpi)
    finally:
        plt.close(figure)
    click.echo(f"wrote {path}", err=True)


def _use_agg():
    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window


def _figure_options(function):
    function = click.option("--dpi", type=click.IntRange(min=10), default=150, show_default=True,
                            help="Resolution of a PNG.")(function)
    return click.option("--out", "-o", required=True,
                        type=click.Path(dir_okay=False, path_type=Path),
                        callback=lambda ctx, param, value: _figure_file(value),
                        help="Figure file: .png, .svg or .pdf (format from the extension).")(function)


def _statistics_options(function):
    for option in (
        click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True),
        click.option("--permutations", "n_permutations", type=click.IntRange(min=1), default=10000,
                     show_default=True, help="Sign flips of the paired test."),
        click.option("--bootstrap", "n_bootstrap", type=click.IntRange(min=1), default=1000,
                     show_default=True, help="Bootstrap resamples for the intervals."),
    ):
        function = option(function)
    return function


def _dataset_options(function):
    for option in (
        fit_options,
        click.option("--data-root", type=click.Path(file_okay=False, path_type=Path),
                     default=None, envvar="SALBENCH_DATA",
                     help="Folder holding the datasets [env: SALBENCH_DATA]."),
        click.option("--dataset", "dataset_spec", required=True, metavar="NAME[:OPTIONS]|PATH",
                     help=DATASET_HELP + "."),
        OUT_OF_IMAGE,
    ):
        function = option(function)
    return function


def _plot_models(specs, dataset, indices, fit_on, allow_fit_overlap, *, timeout, resize_maps,
                 root, out_of_image):
    """The models of ``specs``, fitted as ``salbench evaluate`` fits them, the drawn images
    being the scored ones (the same default, the same overlap error)."""
    from ..evaluation.fitting import model_for_scoring, scored_part

    split = scored_part(dataset, indices)
    return [model_for_scoring(spec, dataset, indices, split=split, fit_on=fit_on,
                              allow_fit_overlap=allow_fit_overlap, root=root,
                              out_of_image=out_of_image,
                              **spec_options(spec, timeout=timeout, resize_maps=resize_maps))
            for spec in specs]


def _image_indices(values, dataset):
    from ..exceptions import InputError

    indices = []
    for value in values:
        for part in value.replace(",", " ").split():
            try:
                indices.append(int(part))
            except ValueError:
                raise InputError(f"--images: {part!r} is not an image index") from None
    bad = [i for i in indices if not 0 <= i < len(dataset)]
    if bad:
        raise InputError(f"image indices {bad} are outside 0..{len(dataset) - 1} ({dataset.name} "
                         f"has {len(dataset)} images)")
    return indices


@click.group(name="plot")
def plot():
    """Figures: leaderboard, paired scores, ROC curves, image grid, speed-accuracy.

    Each writes one file (--out); PNG, SVG or PDF by its extension.
    """


@plot.command(name="leaderboard")
@click.argument("directories", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--metric", default=None,
              help="Metric to draw (default: the leaderboard's sort metric).")
@_figure_options
@click.option("--images", type=click.Choice(["same", "common"]), default="same", show_default=True,
              help="Require the same images in every result, or use the common ones.")
@click.option("--baselines/--no-baselines", default=True, show_default=True)
@_statistics_options
@one_line_errors
def plot_leaderboard_command(directories, metric, out, dpi, images, baselines, n_bootstrap,
                             n_permutations, seed):
    """Means of one metric with 95% intervals.

    Best model highlighted, near-ties (paired test) marked, baselines in grey.

    Example: salbench plot leaderboard results/ --metric auc --out auc.png
    """
    _use_agg()
    from ..reports import leaderboard
    from ..plotting import plot_leaderboard

    board = leaderboard(list(directories), images=images, n_bootstrap=n_bootstrap,
                        n_permutations=n_permutations, seed=seed)
    _write_figure(plot_leaderboard(board, metric, baselines=baselines), out, dpi=dpi)


@plot.command(name="paired")
@click.argument("dir_a", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("dir_b", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--metric", required=True, help="Metric to compare.")
@_figure_options
@_statistics_options
@one_line_errors
def plot_paired_command(dir_a, dir_b, metric, out, dpi, n_bootstrap, n_permutations, seed):
    """Two models' per-image scores, paired test.

    Model B's score against model A's on every image, with the mean difference B - A, its
    bootstrap interval and a sign-flip permutation test over images.

    Example: salbench plot paired results/model-a results/model-b --metric nss --out nss.png
    """
    _use_agg()
    from ..plotting import plot_paired

    _write_figure(plot_paired(dir_a, dir_b, metric, n_bootstrap=n_bootstrap,
                              n_permutations=n_permutations, seed=seed), out, dpi=dpi)


@plot.command(name="roc")
@click.option("--model", "model_specs", required=True, multiple=True, metavar="SPEC",
              help="Model spec (as for `salbench evaluate`); repeat to compare models.")
@_dataset_options
@click.option("--image", "image_values", required=True, multiple=True, metavar="I",
              help="Image index; repeat (or give 0,1,2) for the mean curve over several images.")
@click.option("--negatives", type=click.Choice(["all", "unfixated", "shuffled"]), default="all",
              show_default=True,
              help="Negatives: every pixel, the unfixated pixels, or the fixations on the other "
                   "images (shuffled AUC).")
@_figure_options
@model_run_options
@one_line_errors
def plot_roc_command(model_specs, dataset_spec, out_of_image, data_root, fit_on,
                     allow_fit_overlap, image_values, negatives, out, dpi, timeout, resize_maps):
    """ROC curves with the AUC in the legend.

    One curve per model on one image, or the mean curve over several images (its area is the
    mean per-image AUC); every saliency value is a threshold, so the curve is exact.

    Example: salbench plot roc --model maps/ --dataset osie --image 0 --out roc.png
    """
    _use_agg()
    from ..datasets import shuffled_negatives
    from ..plotting import model_map, plot_roc

    dataset = load_dataset(dataset_spec, root=data_root, out_of_image=out_of_image)
    indices = _image_indices(image_values, dataset)
    ax = None
    for model in _plot_models(model_specs, dataset, indices, fit_on, allow_fit_overlap,
                              timeout=timeout, resize_maps=resize_maps, root=data_root,
                              out_of_image=out_of_image):
        maps, xs, ys, negs = [], [], [], []
        for i in indices:
            f = dataset.fixations.for_image(i)
            maps.append(model_map(model, dataset, i)[0])
            xs.append(f.x)
            ys.append(f.y)
            negs.append(shuffled_negatives(dataset, i) if negatives == "shuffled" else negatives)
        one = len(indices) == 1
        ax = plot_roc(maps[0] if one else maps, xs[0] if one else xs, ys[0] if one else ys,
                      negatives=negs[0] if one else negs, ax=ax,
                      label=getattr(model, "name", None))
    where = (f"image {indices[0]} ({dataset.stimuli.names[indices[0]]})" if len(indices) == 1
             else f"{len(indices)} images")
    ax.set_title(f"ROC on {dataset.name}, {where}", loc="left")
    _write_figure(ax, out, dpi=dpi)


@plot.command(name="grid")
@_dataset_options
@click.option("--images", "image_values", required=True, multiple=True, metavar="I,J,...",
              help="Image indices, one row each: --images 0,1,2 (or repeat --images).")
@click.option("--model", "model_specs", required=True, multiple=True, metavar="SPEC",
              help="Model spec; repeat for one column per model.")
@click.option("--score", type=click.Choice(["auc", "nss", "auc_unfixated"]), default=None,
              help="Print this metric of each map on its panel.")
@click.option("--colorbar", is_flag=True, help="A colourbar beside every map.")
@click.option("--fixations-on-maps", is_flag=True, help="Also draw the fixations on the maps.")
@_figure_options
@model_run_options
@one_line_errors
def plot_grid_command(dataset_spec, out_of_image, data_root, fit_on, allow_fit_overlap,
                      image_values, model_specs, score, colorbar, fixations_on_maps, out, dpi,
                      timeout, resize_maps):
    """Images, fixations and each model's map.

    One row per image: the image with its fixations, then each model's map (a probabilistic
    model's density, otherwise its saliency map).

    Example: salbench plot grid --dataset osie --images 0,1,2 --model maps/ --out grid.png
    """
    _use_agg()
    from ..plotting import plot_image_grid

    dataset = load_dataset(dataset_spec, root=data_root, out_of_image=out_of_image)
    indices = _image_indices(image_values, dataset)
    models = _plot_models(model_specs, dataset, indices, fit_on, allow_fit_overlap,
                          timeout=timeout, resize_maps=resize_maps, root=data_root,
                          out_of_image=out_of_image)
    _write_figure(plot_image_grid(dataset, indices, models, colorbar=colorbar, score=score,
                                  fixations_on_maps=fixations_on_maps), out, dpi=dpi)


@plot.command(name="speed")
@click.argument("directories", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--metric", default="information_gain", show_default=True)
@click.option("--cost", type=click.Choice(["gflops", "ms"]), default="gflops", show_default=True,
              help="GFLOP per image as each model reports it, or the model's measured ms per "
                   "image from the evaluation.")
@_figure_options
@click.option("--images", type=click.Choice(["same", "common"]), default="same", show_default=True,
              help="Require the same images in every result, or use the common ones.")
@_statistics_options
@one_line_errors
def plot_speed_command(directories, metric, cost, out, dpi, images, n_bootstrap, n_permutations,
                       seed):
    """Score against cost with the Pareto front.

    The speed-accuracy trade-off: each model's score against its GFLOP or ms per image (log
    scale); the models no cheaper model beats are joined by the front.

    Example: salbench plot speed results/ --metric auc --cost ms --out speed.png
    """
    _use_agg()
    from ..reports import leaderboard
    from ..plotting import plot_speed_accuracy

    board = leaderboard(list(directories), images=images, n_bootstrap=n_bootstrap,
                        n_permutations=n_permutations, seed=seed)
    _write_figure(plot_speed_accuracy(board, metric, cost), out, dpi=dpi)
