"""``salbench predict``: write a model's predictions as files (PNG, NPY, NPZ, pysaliency HDF5)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._errors import one_line_errors
from ._evaluate import OUT_OF_IMAGE
from ._model_options import model_run_options, spec_options


@click.command(name="predict")
@click.argument("model_spec", metavar="MODEL")
@click.option("--dataset", "dataset_spec", required=True, metavar="NAME|PATH|table:...",
              help="The dataset whose stimuli are predicted (stimuli-only sets such as mit300 "
                   "too); as for `salbench evaluate`.")
@click.option("--split", type=click.Choice(["all", "train", "validation", "test"]), default="all",
              show_default=True, help="Images to predict (the dataset's deterministic split).")
@click.option("--images", "first", type=click.IntRange(min=1), default=None,
              help="Only the first N images of the split.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder; rerunning resumes (only with the same model and dataset).")
@click.option("--format", "fmt", type=click.Choice(["png", "npy", "npz", "pysaliency-hdf5"]),
              default="png", show_default=True,
              help="png: greyscale maps named by stimulus stem (the MIT benchmark's format); "
                   "npy/npz: float log-densities (probabilistic models) or saliency maps; "
                   "pysaliency-hdf5: one predictions.hdf5 for pysaliency's HDF5Model.")
@click.option("--bits", type=click.Choice(["8", "16"]), default="8", show_default=True,
              help="PNG depth; 8 bits costs KLD (see the README), prefer 16 where accepted.")
@click.option("--metric-maps", default=None, metavar="M1,M2",
              help="Also write these metrics' own maps (probabilistic models) to "
                   "OUT/metric_maps/<metric>/.")
@click.option("--sim-fixations", type=click.IntRange(min=1), default=None,
              help="Fixations per image for the sim map (needed without fixations).")
@click.option("--kind", type=click.Choice(["saliency", "log_density"]), default=None,
              help="What the maps/network output is (file and network adapters).")
@click.option("--fit-on", "fit_on", default=None, metavar="DATASET[:SPLIT]",
              help="Images that fitted models (fastgaze:, density:) are fitted on.")
@click.option("--allow-fit-overlap", is_flag=True,
              help="Allow fitting on predicted images.")
@click.option("--model-version", default=None, metavar="TEXT",
              help="Your version of the model, recorded with its fingerprint.")
@click.option("--data-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="SALBENCH_DATA", help="Folder holding the datasets [env: SALBENCH_DATA].")
@click.option("--download", is_flag=True, help="Download the dataset first if it is missing.")
@click.option("--overwrite", is_flag=True,
              help="Replace predictions of another model, dataset or format in OUT.")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@OUT_OF_IMAGE
@model_run_options
@one_line_errors
def predict_command(model_spec, dataset_spec, split, first, out, fmt, bits, metric_maps,
                    sim_fixations, kind, fit_on, allow_fit_overlap, model_version, data_root,
                    download, overwrite, quiet, out_of_image, timeout, resize_maps):
    """Write MODEL's prediction for every image of a dataset, at the image's size.

    Example: salbench predict builtin:default --dataset osie --split test --out preds/
    --format png --bits 16
    """
    from ..evaluation.fitting import model_for_scoring
    from ..submissions import export_predictions
    from ._evaluate import _images_argument, _split_names, load_dataset

    say = (lambda *a, **k: None) if quiet else click.echo
    dataset = load_dataset(dataset_spec, root=data_root, download=download,
                           out_of_image=out_of_image)
    images, _ = _images_argument(dataset, split, first)
    model = model_for_scoring(model_spec, dataset, images, split=split, fit_on=fit_on,
                              allow_fit_overlap=allow_fit_overlap, kind=kind, root=data_root,
                              download=download, out_of_image=out_of_image,
                              **spec_options(model_spec, timeout=timeout, resize_maps=resize_maps))
    say(f"dataset {dataset.name}: {len(images)} of {len(dataset)} images -> {out} ({fmt})",
        err=True)
    def progress(done, total):
        if not quiet and sys.stderr.isatty():
            click.echo(f"\r{done}/{total} images", err=True, nl=done == total)

    result = export_predictions(model, dataset, out, format=fmt, images=images, bits=int(bits),
                                metric_maps=_split_names(metric_maps) if metric_maps else (),
                                sim_fixations=sim_fixations, model_version=model_version,
                                overwrite=overwrite, progress=progress)
    say(f"wrote {result.written} prediction(s), {result.skipped} already done "
        f"({result.content}); manifest {out / 'predictions.json'}", err=True)
