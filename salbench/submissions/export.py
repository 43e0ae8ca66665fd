"""Writing a model's predictions to files: the formats benchmarks and pysaliency read.

:func:`export_predictions` runs a model on every image of a dataset (stimuli-only datasets such
as MIT300 too) and writes one prediction per image at the image's size:

=====================  ========================================================================
format                 what is written
=====================  ========================================================================
``png``                greyscale PNG per stimulus, named by its stem (``1001.png``), 8 bits
                       (0..255) or ``bits=16`` (0..65535): the MIT benchmark's submission
                       format. A probabilistic model writes its density. Maps that are never
                       negative are divided by their maximum (so ratios, and with them the
                       sum-normalised KLD, SIM and CC, survive up to rounding); others are
                       scaled from their minimum to their maximum.
``npy`` / ``npz``      float64 per stimulus: the natural-log density of a probabilistic model,
                       else the saliency map (the manifest's ``output.content`` says which;
                       read back with ``--kind log_density`` for log-densities)
``pysaliency-hdf5``    one ``predictions.hdf5`` in the layout pysaliency's ``export_model_to_hdf5``
                       writes and its ``HDF5Model`` / ``HDF5SaliencyMapModel`` read: one float64
                       dataset per stimulus, named by the stimuli's shortest unique file names
                       (pysaliency's ``get_minimal_unique_filenames``: the common leading
                       folders of the exported stimuli's paths removed, so ``1001.jpg``, or
                       ``Action/001.jpg`` in a group ``Action``); log-densities for
                       probabilistic models, saliency maps otherwise
=====================  ========================================================================

Runs are resumable: each file is written atomically (temporary file, then rename), and
``predictions.json`` (the manifest) records the model's and the dataset's fingerprints
(:mod:`salbench.evaluation.fingerprints`) and the format. A rerun into the same folder skips the
images already written only when they match; otherwise it stops and names what changed, until
``overwrite=True``. For HDF5 the per-image arrays are kept in ``.parts/`` until the file is
assembled (atomically) at the end.

Quantisation. 8-bit PNGs cost the metrics that read the map's mass: the built-in model's
density on the 140 OSIE test images scores KLD 0.814 as float64 and as 16-bit PNG, 1.082 as
8-bit PNG (pixels below 1/510 of the maximum round to 0; SIM, CC, NSS move by < 0.001, AUC by
0.002; ``benchmarks/bench_export_quantisation.py``). Use ``bits=16`` where the benchmark accepts it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from .._io import atomic_path, read_json, write_json
from .._validation import keyword_choice
from ..exceptions import DataError, InputError

__all__ = ["FORMATS", "MANIFEST", "ExportResult", "export_predictions", "output_names"]

#: Formats :func:`export_predictions` writes.
FORMATS = ("png", "npy", "npz", "pysaliency-hdf5")
#: The manifest's file name in the output folder (not ``manifest.json``: that names results).
MANIFEST = "predictions.json"
HDF5_NAME = "predictions.hdf5"
MANIFEST_FORMAT = "salbench-predictions/1"
_PARTS = ".parts"
_METRIC_MAPS = "metric_maps"


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_predictions` did.

    Attributes
    ----------
    out : Path
        The output folder.
    format : str
    content : str
        ``"log_density"``, ``"saliency_map"`` or ``"density"`` (PNG of a probabilistic model).
    written : int
        Images predicted and written in this run.
    skipped : int
        Images already done by an earlier, matching run.
    files : tuple of str
        The prediction files (relative to ``out``), in image order.
    manifest : dict
    """

    out: Path
    format: str
    content: str
    written: int
    skipped: int
    files: tuple
    manifest: dict


def minimal_unique_names(paths) -> list[str]:
    """pysaliency's ``get_minimal_unique_filenames``: the paths without their common leading
    folders (just the file name for one path).

    Examples
    --------
    >>> minimal_unique_names(["/d/img/a/1.jpg", "/d/img/b/2.jpg"])
    ['a/1.jpg', 'b/2.jpg']
    >>> minimal_unique_names(["/d/1.jpg", "/d/2.jpg"])
    ['1.jpg', '2.jpg']
    """
    parts = [PurePosixPath(Path(p).as_posix()).parts for p in paths]
    if len(parts) <= 1:
        return [p[-1] for p in parts]
    while len({p[0] for p in parts}) <= 1 and all(len(p) > 1 for p in parts):
        parts = [p[1:] for p in parts]
    return ["/".join(p) for p in parts]


def output_names(stimuli, images) -> list[str]:
    """File name (without extension, POSIX, relative to the output folder) of each image's map:
    its stem, or its shortest unique path when stems repeat (CAT2000's categories).

    Examples
    --------
    >>> from salbench.datasets import Stimuli
    >>> s = Stimuli(["x/a/1.png", "x/b/1.png"], shapes=[(1, 1), (1, 1)], hashes=["0" * 64] * 2)
    >>> output_names(s, [0, 1])
    ['a/1', 'b/1']
    """
    paths = [stimuli.paths[i] for i in images]
    stems = [p.stem for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    return [str(PurePosixPath(n).with_suffix("")) for n in minimal_unique_names(paths)]


def _quantise(a: np.ndarray, bits: int) -> np.ndarray:
    """``a`` as unsigned integers of ``bits`` bits (the scaling rule of the module's table)."""
    top = (1 << bits) - 1
    lo, hi = float(a.min()), float(a.max())
    if lo >= 0:
        scaled = a / hi if hi > 0 else np.zeros_like(a)
    else:
        scaled = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return np.rint(scaled * top).astype(np.uint8 if bits == 8 else np.uint16)


def _write_png(path: Path, a: np.ndarray, bits: int) -> None:
    from PIL import Image

    image = Image.fromarray(_quantise(a, bits))  # uint8 -> mode L, uint16 -> mode I;16
    with atomic_path(path, suffix=".png") as tmp:
        image.save(tmp, format="PNG")


def _write_array(path: Path, a: np.ndarray, fmt: str, key: str) -> None:
    with atomic_path(path, suffix=f".{fmt}") as tmp:
        with open(tmp, "wb") as handle:
            if fmt == "npy":
                np.save(handle, a)
            else:
                np.savez_compressed(handle, **{key: a})


def _assemble_hdf5(target: Path, parts: list[Path], keys: list[str]) -> None:
    """One HDF5 file from the per-image ``.npy`` parts, written to a temporary file and renamed."""
    try:
        import h5py
    except ImportError:
        raise InputError("the pysaliency-hdf5 format needs h5py (pip install 'salbench[hdf5]')") from None
    with atomic_path(target, suffix=".hdf5") as tmp:
        with h5py.File(tmp, "w") as handle:
            for part, key in zip(parts, keys):
                # gzip level 1, not pysaliency's default 9: on a 600x800 float64 log-density it
                # took 0.08 s instead of 0.17 s for a file 0.04% smaller (3.37 MB either way)
                handle.create_dataset(key, data=np.load(part), compression="gzip",
                                      compression_opts=1)


def _prediction(model, dataset, i, probabilistic: bool) -> np.ndarray:
    from ..models.predict import predict_map

    return predict_map(model, dataset, i, kind="probabilistic" if probabilistic else "saliency")


def _config(model, dataset, fmt, bits, content, metric_maps, model_version) -> dict:
    from ..evaluation.fingerprints import dataset_inputs, hashing_run, model_fingerprint

    with hashing_run():
        fingerprint = model_fingerprint(model, model_version=model_version)
    fitted = getattr(model, "fitted_on", None)
    return {"model": fingerprint, "dataset": dataset_inputs(dataset),
            "fit": None if fitted is None else getattr(fitted, "label", str(fitted)),
            "output": {"format": fmt, "bits": bits if fmt == "png" else None, "content": content},
            "metric_maps": list(metric_maps)}


def _previous(out: Path, config: dict, overwrite: bool) -> dict | None:
    """The earlier manifest in ``out`` when it matches ``config`` (else an error, or None with
    ``overwrite``)."""
    from ..evaluation.fingerprints import describe_changes

    path = out / MANIFEST
    if not path.is_file():
        return None
    old = read_json(path)
    if old.get("format") != MANIFEST_FORMAT:
        raise DataError(f"{path}: not a salbench predictions manifest ({MANIFEST_FORMAT})")
    if overwrite:
        _remove_outputs(out, old)
        return None
    changes = describe_changes(old.get("config", {}), config)
    if changes:
        raise InputError("\n".join(
            [f"{out} holds predictions of other inputs, so they are not resumed:"]
            + [f"  {line}" for line in changes]
            + ["  write to another folder, or pass overwrite=True (--overwrite) to replace them"]))
    return old


def _remove_outputs(out: Path, manifest: dict) -> None:
    for name in manifest.get("files", []):
        (out / name).unlink(missing_ok=True)
    for name in manifest.get("metric_map_files", []):
        (out / name).unlink(missing_ok=True)
    shutil.rmtree(out / _PARTS, ignore_errors=True)
    (out / MANIFEST).unlink(missing_ok=True)


def _metric_map_plan(model, dataset, metrics, sim_fixations):
    """The metric-specific maps to export: names, and the options they need from the dataset."""
    from ..models.metric_maps import map_for_metric
    from ..models.predict import model_kind

    if not metrics:
        return []

    if model_kind(model) != "probabilistic":
        raise InputError("metric_maps= needs a probabilistic model (metric-specific maps are "
                         "derived from a density)")
    for name in metrics:
        if map_for_metric(name) == "log_density":
            raise InputError(f"metric {name!r} reads the log-density itself; the npy/npz/"
                             "pysaliency-hdf5 formats already export it")
    kinds = {map_for_metric(n) for n in metrics}
    if "sim" in kinds and sim_fixations is None and len(dataset.fixations) == 0:
        raise InputError(f"the sim map needs the number of fixations per image, and dataset "
                         f"{dataset.name!r} has no fixations: pass sim_fixations=")
    if "shuffled" in kinds and len(dataset.fixations) == 0:
        raise InputError(f"the sauc map needs a centre bias of the negatives, fitted on "
                         f"fixations, and dataset {dataset.name!r} has none")
    return list(metrics)


def _metric_maps(model, dataset, names, i, log_density, negatives, sim_fixations, seed):
    from ..evaluation.plan import ReferenceMaps
    from ..models.metric_maps import metric_saliency_maps

    shape = log_density.shape
    reference = ReferenceMaps(pixels_per_degree=dataset.facts.pixels_per_degree)
    counts = dataset.fixations.counts if len(dataset.fixations) else None
    n_fix = sim_fixations if sim_fixations is not None else (
        int(counts[i]) if counts is not None and i < len(counts) else None)
    baseline = None if negatives is None else negatives.log_density(
        shape, image_id=dataset.stimuli.ids[i])
    return metric_saliency_maps(log_density, names, sigma=reference.sigma_for(shape),
                                method=reference.method, baseline_log_density=baseline,
                                n_fixations=max(1, n_fix) if n_fix is not None else None,
                                seed=[seed, i])


def export_predictions(model, dataset, out, *, format: str = "png", images=None, bits: int = 8,
                       metric_maps=(), sim_fixations: int | None = None,
                       model_version: str | None = None, overwrite: bool = False,
                       seed: int = 0, progress=None) -> ExportResult:
    """Write one prediction per image of ``dataset`` into the folder ``out``.

    Parameters
    ----------
    model : SaliencyMapModel or ProbabilisticModel
        Any salbench model (:func:`salbench.models.from_spec` builds one from a spec).
    dataset : salbench.datasets.Dataset
        Stimuli-only datasets (no fixations) are fine.
    out : path-like
        The output folder (created).
    format : {"png", "npy", "npz", "pysaliency-hdf5"}
        See the module's table.
    images : sequence of int, optional
        Indices of the images to predict (default: all).
    bits : {8, 16}
        PNG depth.
    metric_maps : sequence of str
        Also write each of these metrics' own saliency maps (Kümmerer et al. 2018;
        :mod:`salbench.models.metric_maps`) into ``out/metric_maps/<metric>/`` (PNG, NPY, NPZ;
        ``out/metric_maps/<metric>.hdf5`` for HDF5). Needs a probabilistic model. The empirical
        maps are blurred by one degree (the dataset's pixels per degree, else ``max(H, W)/32``),
        as the evaluation does; the sauc map's negatives are a centre bias fitted on the
        dataset's fixations; the sim map uses each image's number of fixations, or
        ``sim_fixations``.
    sim_fixations : int, optional
        Fixations per image for the sim map (required for stimuli-only datasets).
    model_version : str, optional
        Your version of the model, recorded with its fingerprint.
    overwrite : bool
        Replace the predictions of other inputs in ``out`` instead of refusing.
    seed : int
        Seed of the sim map's sampling.
    progress : callable, optional
        Called as ``progress(done, total)`` after each image.

    Returns
    -------
    ExportResult

    Raises
    ------
    InputError
        When ``out`` holds predictions of another model, dataset or format (naming what
        changed), or the model's output is bad (naming the image).

    Examples
    --------
    >>> import tempfile
    >>> from salbench.demo import synthetic_dataset
    >>> from salbench.models.baselines import UniformModel
    >>> data = synthetic_dataset(n_images=2, shape=(12, 16), root=tempfile.mkdtemp()).dataset
    >>> result = export_predictions(UniformModel(), data, tempfile.mkdtemp(), format="npy")
    >>> result.written, result.content
    (2, 'log_density')
    """
    from ..models.predict import model_kind

    fmt = keyword_choice(format, "format", FORMATS)
    if bits not in (8, 16):
        raise InputError(f"bits must be 8 or 16, got {bits!r}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    stimuli = dataset.stimuli
    chosen = list(range(len(stimuli))) if images is None else [int(i) for i in images]
    bad = [i for i in chosen if not 0 <= i < len(stimuli)]
    if bad:
        raise InputError(f"image index {bad[0]} is out of range for the {len(stimuli)} images of "
                         f"dataset {dataset.name!r}")
    probabilistic = model_kind(model) == "probabilistic"
    if fmt == "png":
        content = "density" if probabilistic else "saliency_map"
    else:
        content = "log_density" if probabilistic else "saliency_map"
    metric_names = _metric_map_plan(model, dataset, list(metric_maps or ()), sim_fixations)
    negatives = None
    if any(_map_kind(n) == "shuffled" for n in metric_names):
        from ..models.baselines import CentreBiasModel

        negatives = CentreBiasModel().fit(dataset)
    config = _config(model, dataset, fmt, bits, content, metric_names, model_version)
    out.mkdir(parents=True, exist_ok=True)
    previous = _previous(out, config, overwrite)

    files, mm_files, listed, mm_listed = _layout(fmt, output_names(stimuli, chosen),
                                                 metric_names)
    manifest = {"format": MANIFEST_FORMAT, "status": "running", "config": config,
                "model": model.describe() if callable(getattr(model, "describe", None))
                else {"name": getattr(model, "name", type(model).__name__)},
                "dataset": dataset.name, "images": [stimuli.names[i] for i in chosen],
                "files": listed, "metric_map_files": mm_listed}
    if fmt == "png":
        manifest["output"] = {"scaling": "maps never negative are divided by their maximum; "
                                         "others are scaled from minimum to maximum",
                              "levels": (1 << bits) - 1}
    if previous is not None and previous.get("status") == "complete" and set(
            previous.get("images", [])) >= set(manifest["images"]) and _all_exist(out, previous):
        return ExportResult(out, fmt, content, 0, len(chosen), tuple(manifest["files"]), previous)
    if fmt == "pysaliency-hdf5":
        (out / HDF5_NAME).unlink(missing_ok=True)  # rebuilt from the parts at the end
    write_json(out / MANIFEST, manifest)

    written = skipped = 0
    key = "log_density" if content == "log_density" else "saliency_map"
    for k, i in enumerate(chosen):
        targets = [out / files[k]] + [out / mm_files[m][k] for m in metric_names]
        if all(t.is_file() for t in targets):
            skipped += 1
        else:
            prediction = _prediction(model, dataset, i, probabilistic)
            written += 1
            base = np.exp(prediction) if fmt == "png" and probabilistic else prediction
            _write(out / files[k], base, fmt, bits, key)
            if metric_names:
                maps = _metric_maps(model, dataset, metric_names, i, prediction, negatives,
                                    sim_fixations, seed)
                for m in metric_names:
                    _write(out / mm_files[m][k], maps[m], fmt, bits, "saliency_map")
        if progress is not None:
            progress(k + 1, len(chosen))
    if fmt == "pysaliency-hdf5":
        keys = minimal_unique_names([stimuli.paths[i] for i in chosen])
        _assemble_hdf5(out / HDF5_NAME, [out / f for f in files], keys)
        for m in metric_names:
            _assemble_hdf5(out / _METRIC_MAPS / f"{m}.hdf5", [out / f for f in mm_files[m]], keys)
        shutil.rmtree(out / _PARTS, ignore_errors=True)
        manifest["hdf5_datasets"] = keys
    manifest["status"] = "complete"
    write_json(out / MANIFEST, manifest)
    return ExportResult(out, fmt, content, written, skipped, tuple(manifest["files"]), manifest)


def _layout(fmt: str, names, metric_names):
    """Where each image's files go: ``(files, {metric: files}, manifest files, manifest metric
    map files)``. HDF5 predictions are staged as ``.parts/*.npy`` and listed as the HDF5 files."""
    if fmt == "pysaliency-hdf5":
        files = [f"{_PARTS}/{n}.npy" for n in names]
        mm_files = {m: [f"{_PARTS}/{_METRIC_MAPS}/{m}/{n}.npy" for n in names]
                    for m in metric_names}
        return files, mm_files, [HDF5_NAME], [f"{_METRIC_MAPS}/{m}.hdf5" for m in metric_names]
    files = [f"{n}.{fmt}" for n in names]
    mm_files = {m: [f"{_METRIC_MAPS}/{m}/{n}.{fmt}" for n in names] for m in metric_names}
    return files, mm_files, files, [f for fs in mm_files.values() for f in fs]


def _map_kind(name: str) -> str:
    from ..models.metric_maps import map_for_metric

    return map_for_metric(name)


def _all_exist(out: Path, manifest: dict) -> bool:
    return all((out / f).is_file() for f in manifest.get("files", [])
               + manifest.get("metric_map_files", []))


def _write(path: Path, a: np.ndarray, fmt: str, bits: int, key: str) -> None:
    if fmt == "png":
        _write_png(path, a, bits)
    else:
        _write_array(path, a, "npy" if fmt == "pysaliency-hdf5" else fmt, key)

