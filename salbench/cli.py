"""The ``salbench`` command line: evaluate, leaderboard, plot, datasets, demo (and crop, audit).

Thin by design: it parses arguments, calls the public API and prints. salbench's own errors
(:class:`~salbench.exceptions.InputError`, :class:`~salbench.exceptions.DataError`) are printed as
``error: ...`` on standard error with exit status 1; usage errors exit with status 2 (click).
"""

from __future__ import annotations

import functools
import sys
import warnings
from pathlib import Path

import click

from .exceptions import SalbenchError

FORMATS = ("md", "html", "csv", "json")
#: Metrics the demo shows by default (``--all-metrics`` shows every one).
DEMO_METRICS = ("information_gain", "explained_ig", "log_likelihood", "auc", "sauc", "nss", "cc",
                "kld", "sim")


def exit_with_error(error: SalbenchError):
    """Print a salbench error as one ``error:`` line (details indented below) and exit 1."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    click.echo(f"error: {lines[0]}", err=True)
    for line in lines[1:]:
        click.echo(f"  {line.strip()}", err=True)
    sys.exit(1)


def _friendly(function):
    """Print salbench errors as one ``error:`` line (details indented below) and exit 1."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except SalbenchError as error:
            exit_with_error(error)
        except KeyboardInterrupt:
            click.echo("interrupted; run the same command again to resume", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="salbench", prog_name="salbench")
def main():
    """Score gaze-prediction (saliency) models against human eye fixations.

    Start with `salbench demo`; score your own maps with
    `salbench evaluate --model MAPS_DIR --dataset osie --out results/`.
    """


# ------------------------------------------------------------------------------------ evaluate
def _split_names(value):
    return [m.strip() for m in value.split(",") if m.strip()]


def load_dataset(spec: str, *, root=None, download: bool = False):
    """A dataset from a registered name (``osie``), a folder in a registered layout
    (``.../osie``), or a folder of pysaliency files (``stimuli.hdf5`` + ``fixations.hdf5``)."""
    from .datasets import load, names
    from .exceptions import InputError

    path = Path(spec)
    if path.is_dir():
        if (path / "stimuli.hdf5").is_file() and (path / "fixations.hdf5").is_file():
            from .datasets.hdf5 import load_pysaliency

            return load_pysaliency(path, name=path.name)
        if path.name in names():
            return load(path.name, root=path.parent)
        raise InputError(f"{path}: not a dataset folder (expected a folder named like a "
                         f"registered dataset ({', '.join(names())}) or holding stimuli.hdf5 and "
                         "fixations.hdf5)")
    if spec in names():
        return load(spec, root=root, download=download)
    raise InputError(f"unknown dataset {spec!r}: not a registered name ({', '.join(names())}) "
                     "nor an existing folder")


def _images_argument(dataset, split, first):
    """Image indices to score and the training images for fitted models (None = all, CV)."""
    from .datasets.splits import split_images

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


@main.command()
@click.option("--model", "model_spec", required=True, metavar="SPEC",
              help="A folder of maps, or maps:DIR, hdf5:FILE, onnx:FILE, torch:FILE, "
                   "python:MODULE:ATTR, command:CMD, fastgaze:FILE.vxm, builtin:default, "
                   "baseline:uniform|centre|gold, density:SPEC.")
@click.option("--dataset", "dataset_spec", required=True, metavar="NAME|PATH",
              help="A registered dataset (see `salbench datasets list`), a folder in its layout, "
                   "or a folder with pysaliency stimuli.hdf5 + fixations.hdf5.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder: the model's results go to OUT/<model name>, baselines to "
                   "OUT/uniform, OUT/centre-bias, OUT/gold-standard. Rerunning resumes.")
@click.option("--metrics", default="all", show_default=True,
              help="Comma-separated metric names, or 'all' (every metric the model supports).")
@click.option("--convention", type=click.Choice(["tuebingen", "mit"]), default="tuebingen",
              show_default=True, help="Conventions of NSS, CC, KLD and SIM.")
@click.option("--split", type=click.Choice(["all", "train", "validation", "test"]), default="all",
              show_default=True, help="Images to score (the dataset's deterministic split, "
                                      "seed 0); fitted models and baselines train on 'train'.")
@click.option("--images", "first", type=click.IntRange(min=1), default=None,
              help="Score only the first N images of the split (a quick look).")
@click.option("--name", default=None, help="Model name in tables (default: the model's own).")
@click.option("--kind", type=click.Choice(["saliency", "log_density"]), default=None,
              help="What the maps/network output is (file and network adapters).")
@click.option("--baselines/--no-baselines", default=True, show_default=True,
              help="Also score uniform, centre bias and gold standard (skipped when done).")
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
@_friendly
def evaluate(model_spec, dataset_spec, out, metrics, convention, split, first, name, kind,
             baselines, threads, scheduler, dask_workers, metric_maps, reference_sigma, seed,
             data_root, download, overwrite, fmt, quiet):
    """Score a model on a dataset and print a leaderboard with the baselines.

    Example: salbench evaluate --model my_maps/ --dataset osie --out results/
    """
    from .evaluation.executors import dask_executor

    with dask_executor(scheduler=scheduler, dask_workers=dask_workers) as client:
        _evaluate(model_spec, dataset_spec, out, metrics, convention, split, first, name, kind,
                  baselines, threads, client, metric_maps, reference_sigma, seed, data_root,
                  download, overwrite, fmt, quiet)


def _evaluate(model_spec, dataset_spec, out, metrics, convention, split, first, name, kind,
              baselines, threads, executor, metric_maps, reference_sigma, seed, data_root,
              download, overwrite, fmt, quiet):
    from .evaluate import evaluate as run, evaluate_baselines
    from .exceptions import DegenerateInputWarning
    from .leaderboard import leaderboard
    from .models.spec import from_spec

    say = (lambda *a, **k: None) if quiet else click.echo
    dataset = load_dataset(dataset_spec, root=data_root, download=download)
    images, train = _images_argument(dataset, split, first)
    say(f"dataset {dataset.name}: {len(images)} of {len(dataset)} images "
        f"({split}{'' if first is None else f', first {first}'})", err=True)
    model = from_spec(model_spec, dataset=dataset, train=train, kind=kind)
    model_name = name or getattr(model, "name", None) or _slug(model_spec)
    options = dict(metrics="all" if metrics == "all" else _split_names(metrics),
                   convention=convention, n_threads=threads, reference_sigma=reference_sigma,
                   seed=seed, progress=None if not quiet else False, executor=executor)
    target = out / _slug(model_name)
    say(f"scoring {model_name} -> {target}", err=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateInputWarning)
        results = [run(model, dataset, split=images, out=target, overwrite=overwrite,
                       name=model_name, metric_maps=metric_maps, **options)]
    for message in dict.fromkeys(str(w.message) for w in caught):
        say(f"warning: {message}", err=True)
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


# ------------------------------------------------------------------------------------ leaderboard
@main.command(name="leaderboard")
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
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=lambda ctx, param, value: _figure_file(value),
              help="Also draw the sort metric with its intervals to this .png, .svg or .pdf.")
@_friendly
def leaderboard_command(directories, fmt, output, metrics, sort_by, images, n_bootstrap,
                        n_permutations, seed, plot_file):
    """Compare results directories: one row per model, intervals and paired tests.

    Each DIRECTORY is a results folder or a run folder holding several.
    """
    from .leaderboard import leaderboard

    board = leaderboard(list(directories), metrics=None if metrics is None else _split_names(metrics),
                        sort_by=sort_by, images=images, n_bootstrap=n_bootstrap,
                        n_permutations=n_permutations, seed=seed)
    if output is not None:
        board.save(output, fmt)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(board.render(fmt), nl=False)
    if plot_file is not None:
        _use_agg()
        from .plotting import plot_leaderboard

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

    from .plotting import save_figure

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
        click.option("--fit-on", type=click.Choice(["all", "train"]), default="all",
                     show_default=True,
                     help="Images that fitted models (baseline:centre|gold, fastgaze:, density:) "
                          "are fitted on: every image, or the dataset's training split."),
        click.option("--data-root", type=click.Path(file_okay=False, path_type=Path),
                     default=None, envvar="SALBENCH_DATA",
                     help="Folder holding the datasets [env: SALBENCH_DATA]."),
        click.option("--dataset", "dataset_spec", required=True, metavar="NAME|PATH",
                     help="A registered dataset, a folder in its layout, or a folder with "
                          "pysaliency stimuli.hdf5 + fixations.hdf5."),
    ):
        function = option(function)
    return function


def _plot_models(specs, dataset, fit_on):
    from .models.spec import from_spec

    train = None
    if fit_on == "train":
        from .datasets.splits import split_images

        train = list(split_images(dataset).train)
    return [from_spec(spec, dataset=dataset, train=train) for spec in specs]


def _image_indices(values, dataset):
    from .exceptions import InputError

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


@main.group()
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
@_friendly
def plot_leaderboard_command(directories, metric, out, dpi, images, baselines, n_bootstrap,
                             n_permutations, seed):
    """Means of one metric with 95% intervals.

    Best model highlighted, near-ties (paired test) marked, baselines in grey.

    Example: salbench plot leaderboard results/ --metric auc --out auc.png
    """
    _use_agg()
    from .leaderboard import leaderboard
    from .plotting import plot_leaderboard

    board = leaderboard(list(directories), images=images, n_bootstrap=n_bootstrap,
                        n_permutations=n_permutations, seed=seed)
    _write_figure(plot_leaderboard(board, metric, baselines=baselines), out, dpi=dpi)


@plot.command(name="paired")
@click.argument("dir_a", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("dir_b", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--metric", required=True, help="Metric to compare.")
@_figure_options
@_statistics_options
@_friendly
def plot_paired_command(dir_a, dir_b, metric, out, dpi, n_bootstrap, n_permutations, seed):
    """Two models' per-image scores, paired test.

    Model B's score against model A's on every image, with the mean difference B - A, its
    bootstrap interval and a sign-flip permutation test over images.

    Example: salbench plot paired results/model-a results/model-b --metric nss --out nss.png
    """
    _use_agg()
    from .plotting import plot_paired

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
@_friendly
def plot_roc_command(model_specs, dataset_spec, data_root, fit_on, image_values, negatives, out,
                     dpi):
    """ROC curves with the AUC in the legend.

    One curve per model on one image, or the mean curve over several images (its area is the
    mean per-image AUC); every saliency value is a threshold, so the curve is exact.

    Example: salbench plot roc --model maps/ --dataset osie --image 0 --out roc.png
    """
    _use_agg()
    from .plotting import model_map, plot_roc

    dataset = load_dataset(dataset_spec, root=data_root)
    indices = _image_indices(image_values, dataset)
    ax = None
    for model in _plot_models(model_specs, dataset, fit_on):
        maps, xs, ys, negs = [], [], [], []
        for i in indices:
            f = dataset.fixations.for_image(i)
            maps.append(model_map(model, dataset, i)[0])
            xs.append(f.x)
            ys.append(f.y)
            negs.append(_shuffled_negatives(dataset, i) if negatives == "shuffled" else negatives)
        one = len(indices) == 1
        ax = plot_roc(maps[0] if one else maps, xs[0] if one else xs, ys[0] if one else ys,
                      negatives=negs[0] if one else negs, ax=ax,
                      label=getattr(model, "name", None))
    where = (f"image {indices[0]} ({dataset.stimuli.names[indices[0]]})" if len(indices) == 1
             else f"{len(indices)} images")
    ax.set_title(f"ROC on {dataset.name}, {where}", loc="left")
    _write_figure(ax, out, dpi=dpi)


def _shuffled_negatives(dataset, i):
    """Fixations on every other image, scaled to image ``i``'s size (the Tübingen sAUC)."""
    import numpy as np

    shapes = dataset.stimuli.shapes
    f = dataset.fixations
    other = f.n != i
    height, width = (int(v) for v in shapes[i])
    scale_x = width / shapes[f.n[other], 1]
    scale_y = height / shapes[f.n[other], 0]
    # scaled coordinates stay inside the image despite rounding
    return (np.minimum(f.x[other] * scale_x, np.nextafter(width, 0)),
            np.minimum(f.y[other] * scale_y, np.nextafter(height, 0)))


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
@_friendly
def plot_grid_command(dataset_spec, data_root, fit_on, image_values, model_specs, score, colorbar,
                      fixations_on_maps, out, dpi):
    """Images, fixations and each model's map.

    One row per image: the image with its fixations, then each model's map (a probabilistic
    model's density, otherwise its saliency map).

    Example: salbench plot grid --dataset osie --images 0,1,2 --model maps/ --out grid.png
    """
    _use_agg()
    from .plotting import plot_image_grid

    dataset = load_dataset(dataset_spec, root=data_root)
    indices = _image_indices(image_values, dataset)
    models = _plot_models(model_specs, dataset, fit_on)
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
@_friendly
def plot_speed_command(directories, metric, cost, out, dpi, images, n_bootstrap, n_permutations,
                       seed):
    """Score against cost with the Pareto front.

    The speed-accuracy trade-off: each model's score against its GFLOP or ms per image (log
    scale); the models no cheaper model beats are joined by the front.

    Example: salbench plot speed results/ --metric auc --cost ms --out speed.png
    """
    _use_agg()
    from .leaderboard import leaderboard
    from .plotting import plot_speed_accuracy

    board = leaderboard(list(directories), images=images, n_bootstrap=n_bootstrap,
                        n_permutations=n_permutations, seed=seed)
    _write_figure(plot_speed_accuracy(board, metric, cost), out, dpi=dpi)


# ------------------------------------------------------------------------------------ datasets
@main.group()
def datasets():
    """List, describe and download the registered datasets."""


@datasets.command(name="list")
@click.option("--data-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="SALBENCH_DATA", help="Folder holding the datasets [env: SALBENCH_DATA].")
@_friendly
def datasets_list(data_root):
    """The registered datasets and whether each is on this machine."""
    from .datasets import names, spec
    from .datasets.cache import data_root as resolve_root

    root = resolve_root(data_root)
    click.echo(f"{'name':<10} {'images':>6} {'fixations':>9} {'observers':>9}  local  title")
    for n in names():
        s = spec(n)
        local = all((root / n / f).is_file() for f in s.fixation_files)
        click.echo(f"{n:<10} {s.n_images:>6} {s.n_fixations:>9} {s.n_observers:>9}  "
                   f"{'yes' if local else 'no':<5}  {s.title}")
    click.echo(f"(data folder: {root})")


@datasets.command(name="info")
@click.argument("name")
@_friendly
def datasets_info(name):
    """What a dataset is: source, licence, counts, layout, coordinate conversion."""
    from .datasets import spec

    s = spec(name)
    fields = [("name", s.name), ("title", s.title), ("citation", s.citation),
              ("licence", s.licence), ("source", f"{s.source} @ {s.commit}"),
              ("images", s.n_images), ("image sizes", s.image_sizes),
              ("observers", s.n_observers), ("fixations", s.n_fixations),
              ("empty trials", s.empty_trials),
              ("pixels per degree", s.pixels_per_degree or "not stated"),
              ("layout", s.layout), ("conversion", s.conversion),
              ("files", f"{len(s.files)} ({'checksums pinned' if s.checksums_pinned else 'checksums not pinned'})")]
    for note in s.notes:
        fields.append(("note", note))
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        click.echo(f"{key:<{width}}  {value}")


@datasets.command(name="fetch")
@click.argument("name")
@click.option("--data-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="SALBENCH_DATA", help="Where to put it [env: SALBENCH_DATA].")
@click.option("--base-url", default=None, help="A mirror with the cache's layout.")
@_friendly
def datasets_fetch(name, data_root, base_url):
    """Download a dataset (verified by SHA-256, resumable) and check that it loads."""
    from .datasets import load
    from .datasets.download import fetch

    folder = fetch(name, root=data_root, base_url=base_url)
    dataset = load(name, root=data_root)
    click.echo(f"{dataset!r} in {folder}")


# ------------------------------------------------------------------------------------ demo
@main.command()
@click.option("--synthetic", is_flag=True,
              help="Always use the built-in synthetic data (default: OSIE when it is on this "
                   "machine, else synthetic).")
@click.option("--images", "n_images", type=click.IntRange(min=2), default=None,
              help="Number of images (default: 24 synthetic, 40 of OSIE).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the results here (default: a temporary folder).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("--all-metrics", is_flag=True, help="Show every metric, not a selection.")
@click.option("--threads", type=click.IntRange(min=1), default=None)
@_friendly
def demo(synthetic, n_images, out, fmt, all_metrics, threads):
    """Run the whole pipeline offline and print a leaderboard.

    On synthetic data the true fixation density is known, so the gold standard is exact; the
    demo models (sharp, blurry, no centre bias, contrast) have known flaws.
    """
    import time

    from ._demo import run_demo

    started = time.perf_counter()
    board, description = run_demo(data="synthetic" if synthetic else "auto", n_images=n_images,
                                  out=out, n_threads=threads,
                                  echo=lambda m: click.echo(m, err=True))
    if not all_metrics:
        shown = [m for m in DEMO_METRICS if m in board.metrics]
        board = _select(board, shown)
    click.echo(board.render(fmt), nl=False)
    click.echo(f"({description}; {time.perf_counter() - started:.1f} s)", err=True)


def _select(board, metrics):
    """The same leaderboard restricted to ``metrics`` (statistics unchanged)."""
    from .leaderboard import Leaderboard

    table = board.table[board.table["metric"].isin(metrics)]
    order = {m: k for k, m in enumerate(metrics)}
    table = table.sort_values("metric", key=lambda s: s.map(order), kind="stable")
    facts = sorted((m for m in board.metric_facts if m["name"] in metrics),
                   key=lambda m: order[m["name"]])
    return Leaderboard(table.reset_index(drop=True), board.meta, facts, board.model_facts)


def _register_other_commands():
    """Commands that live in their own modules: ``crop`` and ``audit`` (salbench.cli_crop)."""
    from .cli_crop import audit_command, crop_command

    main.add_command(crop_command, "crop")
    main.add_command(audit_command, "audit")


_register_other_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
