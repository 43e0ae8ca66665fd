"""The ``salbench`` command line: evaluate, leaderboard, datasets, demo (and crop, audit).

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


def _friendly(function):
    """Print salbench errors as one ``error:`` line (details indented below) and exit 1."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except SalbenchError as error:
            lines = str(error).strip().splitlines() or [type(error).__name__]
            click.echo(f"error: {lines[0]}", err=True)
            for line in lines[1:]:
                click.echo(f"  {line.strip()}", err=True)
            sys.exit(1)
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
                   "python:MODULE:ATTR, command:CMD, fastgaze:FILE.vxm, "
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
             baselines, threads, metric_maps, reference_sigma, seed, data_root, download,
             overwrite, fmt, quiet):
    """Score a model on a dataset and print a leaderboard with the baselines.

    Example: salbench evaluate --model my_maps/ --dataset osie --out results/
    """
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
                   seed=seed, progress=None if not quiet else False)
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
@_friendly
def leaderboard_command(directories, fmt, output, metrics, sort_by, images, n_bootstrap,
                        n_permutations, seed):
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
    from .leaderboard import leaderboard

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
