"""The evaluation engine: score a model on a fixation dataset with every metric.

:func:`evaluate` streams the images of a dataset (or a split of it) through a model and the
metrics: a worker holds one image's maps at a time (the model's prediction, the empirical
reference density, the baseline), and only small per-image rows and per-fixation values are kept.
Work is split into chunks of images that run on threads (default), on any
``concurrent.futures`` executor, or on a dask ``distributed`` cluster; results do not depend on
the chunking, the thread count or the executor (see :mod:`salbench.evaluation.worker`). With
``out=`` the results go to a directory (format in :mod:`salbench.evaluation.results`) chunk by
chunk, so an interrupted
run resumes where it stopped.

What each metric receives
-------------------------
* Saliency metrics (AUCs, NSS, CC, KLD, SIM, EMD, MIT InfoGain) read the model's saliency map; a
  probabilistic model's map is its density ``exp(log_density)``, or with ``metric_maps=True``
  each metric's own map derived from the density (Kümmerer, Wallis & Bethge, ECCV 2018).
* The reference map of CC, KLD, SIM and EMD is the image's empirical density,
  :func:`salbench.datasets.density_map` of its fixations with a Gaussian of ``reference_sigma``
  pixels; by default one degree of visual angle when the dataset states its pixels per degree
  (OSIE: 24 px), else ``max(H, W) / 32`` pixels. ``reference_method="mit"`` uses the MIT
  benchmark's Fourier blur instead.
* ``sauc`` / ``sauc_mit`` take as negatives the fixations on all *other evaluated* images (the
  whole dataset or split, never just a chunk), rescaled to the image's size.
* ``log_likelihood`` (nats per fixation) and ``information_gain`` (bits per fixation) need a
  probabilistic model. A model that overrides ``log_likelihoods`` (the leave-one-subject-out gold
  standard) scores each fixation itself; otherwise its log-density is read at the fixations (and
  checked to sum to 1). The IG baseline — and the baseline map of ``info_gain_mit`` — is the
  centre bias (:class:`salbench.models.baselines.CentreBiasModel`) fitted on all images of the
  dataset with 10-fold cross-validation, so no image is predicted from its own fixations.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
import weakref
from pathlib import Path

import numpy as np

from .._cpus import default_threads
from .._io import table_format as _table_format
from .._validation import positive_int
from ..exceptions import DegenerateInputWarning, InputError
from ..metrics import get as metric_info
from . import worker
from .executors import check_executor, describe_executor, run_chunks
from .plan import model_kind
from .results import RESULTS_FORMAT, Results
from .settings import EvaluationSettings, default_baseline, describe_model
from .store import DirectoryStore, MemoryStore, now

__all__ = ["evaluate", "evaluate_baselines", "dataset_fingerprint", "default_baseline"]

_FINGERPRINTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
#: Images per chunk by default: large enough that per-chunk overhead vanishes, small enough that
#: an interrupted run loses little and progress is smooth.
DEFAULT_CHUNK = 16


def evaluate(model, dataset, *, metrics="all", convention="tuebingen", split=None,
             executor=None, out=None, resume=True, overwrite=False, baseline=None,
             reference_sigma=None, reference_method="gaussian", per_fixation=True, seed=0,
             n_splits=100, step=0.1, emd_downsize=32, check_normalization=True, n_threads=None,
             chunk_size=None, progress=None, table_format="auto", name=None,
             check_model=True, metric_maps=False) -> Results:
    """Score ``model`` on ``dataset`` with every metric; stream images, optionally to disk.

    Parameters
    ----------
    model : SaliencyMapModel or ProbabilisticModel
        Anything with ``saliency_map(image, *, image_id=None)`` or ``log_density(image, *,
        image_id=None)`` (see :mod:`salbench.models.base`). A model with ``needs_pixels = False``
        gets the image's ``(height, width)`` instead of its decoded pixels.
    dataset : Dataset or str
        A :class:`salbench.Dataset`, or a registered name loaded with
        :func:`salbench.datasets.load`.
    metrics : "all", str or list of str, default="all"
        Registry names (:func:`salbench.metrics.names`). ``"all"``: every metric the model can
        be scored on (``log_likelihood`` and ``information_gain`` only for probabilistic models).
    convention : {"tuebingen", "mit"} or dict, default="tuebingen"
        For NSS, CC, KLD and SIM; a dict sets it per metric, e.g. ``{"kld": "pysaliency"}``
        (see :func:`salbench.metrics.score_maps`).
    split : None, {"train", "validation", "test"}, Split or sequence of int
        Which images to score: all (None); a part of the dataset's default deterministic split
        (:func:`salbench.datasets.splits.split_images` with seed 0); the test part of a
        :class:`~salbench.datasets.splits.Split`; or explicit image indices.
    executor : None, concurrent.futures.Executor or distributed.Client
        Where chunks run; None: ``n_threads`` threads in this process.
    out : path-like, optional
        Results directory (:mod:`salbench.results`). Written chunk by chunk; rerunning the same
        call resumes and skips finished images.
    resume, overwrite : bool
        Continue an earlier run in ``out`` with the same configuration (default), or delete it.
    baseline : ProbabilisticModel, optional
        The IG / ``info_gain_mit`` baseline. Default: :func:`default_baseline` (centre bias fitted
        on the dataset with cross-validation).
    reference_sigma : float, optional
        Blur of the empirical reference maps in pixels (default: 1 degree, see the module notes).
    reference_method : {"gaussian", "mit"}
    per_fixation : bool, default=True
        Also keep the per-fixation values (``Results.fixations``).
    seed, n_splits, step
        For the sampled MIT AUCs; image ``i`` uses the random stream ``[seed, i]`` (``i`` = its
        dataset index), so results do not depend on chunking or threads.
    emd_downsize : int, default=32
        See :func:`salbench.metrics.emd`.
    check_normalization : bool, default=True
        Check that every log-density sums to 1.
    n_threads : int, optional
        Threads for ``executor=None`` (default: the CPUs available).
    chunk_size : int, optional
        Images per task (default 16).
    progress : bool, optional
        Show a tqdm progress bar; default: on a terminal when more than 20 images remain.
    table_format : {"auto", "parquet", "csv"}
        File format of the tables in ``out`` (auto: Parquet when pyarrow is installed).
    name : str, optional
        The model's name in tables (default: ``model.name``).
    metric_maps : bool, default=False
        Score a probabilistic model on each metric's own saliency map — the map that maximises
        the metric's expected score under the model's density (Kümmerer, Wallis & Bethge, ECCV
        2018; :mod:`salbench.models.metric_maps`): the density for the AUCs and NSS, the density
        over the centre bias for the shuffled AUCs, the density blurred like the reference maps
        for CC, KLD and EMD, the SIM-optimal map for SIM (for the image's number of fixations).
        Off: every saliency metric reads the density itself.
    check_model : bool, default=True
        Call ``model.check(dataset, images=...)`` first when the model has one (the map-folder
        adapters then report every missing, extra, unreadable or wrongly-sized map at once).

    Returns
    -------
    Results
        ``.images`` (per-image table), ``.fixations`` (per-fixation values), ``.summary()``,
        ``.manifest``.

    Examples
    --------
    >>> import numpy as np, salbench
    >>> from salbench.models.baselines import UniformModel
    >>> from salbench.demo import synthetic_dataset
    >>> data = synthetic_dataset(n_images=4, shape=(24, 32), root=getfixture("tmp_path"))
    >>> r = salbench.evaluate(UniformModel(), data.dataset, metrics=["auc", "nss"])
    >>> r.images.columns.tolist()
    ['model', 'image', 'image_id', 'n_fixations', 'model_seconds', 'auc', 'nss']
    >>> r.means()
    {'auc': 0.5, 'nss': 0.0}
    """
    started = time.perf_counter()
    started_at = now()
    dataset = _dataset_argument(dataset)
    kind = model_kind(model)
    model_name = str(name) if name is not None else str(getattr(model, "name", type(model).__name__))
    executor = check_executor(executor)
    n_threads = default_threads() if n_threads is None else positive_int(n_threads, "n_threads")
    chunk_size = DEFAULT_CHUNK if chunk_size is None else positive_int(chunk_size, "chunk_size")
    setup = time.perf_counter()
    settings = EvaluationSettings(
        metrics=metrics, convention=convention, baseline=baseline,
        reference_sigma=reference_sigma, reference_method=reference_method,
        per_fixation=per_fixation, seed=seed, n_splits=n_splits, step=step,
        emd_downsize=emd_downsize, check_normalization=check_normalization,
        metric_maps=metric_maps).resolve(dataset, kind, split)
    setup_seconds = time.perf_counter() - setup
    metric_names, images, parameters = list(settings.metrics), settings.images, settings.parameters

    check = getattr(model, "check", None)
    check_started = time.perf_counter()
    if check_model and callable(check):
        # adapters that read files report every missing or bad map at once, before scoring
        check(dataset, images=images.tolist())
    check_seconds = time.perf_counter() - check_started

    plan = settings.plan(model)
    model_info = _model_info(model, model_name, kind)
    split_info = settings.split
    dataset_info = {"name": dataset.name, "fingerprint": dataset_fingerprint(dataset),
                    **{k: v for k, v in dataset.describe().items() if k != "name"}}
    config = {"model": model_info, "dataset": dataset_info["fingerprint"],
              "images": images.tolist(), "metrics": metric_names, "parameters": parameters}
    metric_facts = [_metric_facts(m) for m in metric_names]

    if out is None:
        store = MemoryStore(model_name, metric_names, plan.per_fixation)
    else:
        store = DirectoryStore(out, model_name, metric_names, plan.per_fixation, config=config,
                               fmt=_table_format(table_format), resume=resume,
                               overwrite=overwrite)
        if store.completed_manifest is not None:
            return Results.load(out)

    manifest = {
        "format": RESULTS_FORMAT, "status": "running", "salbench_version": _version(),
        "created": started_at, "model": model_info, "dataset": dataset_info,
        "split": split_info, "metrics": metric_facts, "parameters": parameters,
        "table_format": getattr(store, "fmt", None), "config": config,
    }
    if isinstance(store, DirectoryStore):
        manifest["timings"] = {"runs": store.previous_runs}
        store.start(manifest)

    done = store.done()
    remaining = [int(i) for i in images if int(i) not in done]
    chunks = [remaining[k:k + chunk_size] for k in range(0, len(remaining), chunk_size)]
    bar = _progress_bar(progress, len(images), len(done), model_name, dataset.name,
                        len(remaining))
    run_started = time.perf_counter()
    try:
        def on_result(chunk, results):
            store.add(results)
            if bar is not None:
                bar.update(len(results))

        run_chunks(worker.score_chunk, (plan, model, model_name, dataset), chunks, on_result,
                   executor=executor, n_threads=n_threads)
    finally:
        if bar is not None:
            bar.close()
    run_seconds = time.perf_counter() - run_started

    runs = list(getattr(store, "previous_runs", []))
    runs.append({"started": started_at, "seconds": time.perf_counter() - started,
                 "scoring_wall_seconds": run_seconds, "setup_seconds": setup_seconds,
                 "check_seconds": check_seconds,
                 "images": len(remaining), "executor": describe_executor(executor, n_threads)})
    n_images = len(images)
    manifest.update({
        "status": "complete", "finished": now(),
        "timings": {
            "runs": runs,
            "total_seconds": sum(r["seconds"] for r in runs),
            "model_seconds": store.model_seconds,
            "scoring_seconds": store.scoring_seconds,
            "model_ms_per_image": 1000 * store.model_seconds / n_images if n_images else None,
            "images_per_second": len(remaining) / run_seconds if run_seconds > 0 and remaining
            else None,
        },
        "undefined": store.notes,
    })
    results = store.finish(manifest)
    results.attributes = _scored_attributes(dataset, images)
    results.manifest["summary"] = results.means()
    if isinstance(store, DirectoryStore):
        from .._io import write_json, write_table

        if results.attributes is not None:
            name = f"attributes{'.parquet' if store.fmt == 'parquet' else '.csv'}"
            write_table(results.attributes, Path(out) / name, store.fmt)
            results.manifest["files"]["attributes"] = name
        write_json(Path(out) / "manifest.json", results.manifest)
    _warn_undefined(store.notes, model_name)
    return results


# ---------------------------------------------------------------------------------- helpers
def _dataset_argument(dataset):
    from ..datasets import Dataset, load

    if isinstance(dataset, str):
        return load(dataset)
    if not isinstance(dataset, Dataset):
        raise InputError(f"dataset must be a salbench Dataset or a registered dataset name, got "
                         f"{type(dataset).__name__}")
    if dataset.facts.stimuli_only:
        raise InputError(f"dataset {dataset.name!r} has no fixations (stimuli only: its fixations "
                         "are held out by its benchmark), so it cannot be scored; use it for "
                         "predictions (salbench.models.predict.predict_map) and submit those")
    return dataset


def _scored_attributes(dataset, images):
    """``dataset.attributes`` of the scored images with an ``image`` column (None without any)."""
    attributes = dataset.attributes
    if attributes.shape[1] == 0:
        return None
    frame = attributes.iloc[np.asarray(images, dtype=np.int64)].reset_index(drop=True)
    frame.insert(0, "image", np.asarray(images, dtype=np.int64))
    return frame.sort_values("image", kind="stable").reset_index(drop=True)


def dataset_fingerprint(dataset) -> str:
    """SHA-256 of the dataset's content: image ids (names + file hashes) and fixation columns."""
    import hashlib

    cached = _FINGERPRINTS.get(dataset)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    digest.update("\n".join(dataset.stimuli.ids).encode())
    fixations = dataset.fixations
    for column in ("x", "y", "n", "subject"):
        digest.update(np.ascontiguousarray(fixations.column(column)).tobytes())
    value = "sha256:" + digest.hexdigest()
    _FINGERPRINTS[dataset] = value
    return value


#: Baseline roles by class name (the leaderboard shows these rows apart from the models).
_BASELINE_CLASSES = {"UniformModel": "uniform", "CentreBiasModel": "centre_bias",
                     "GoldStandardModel": "gold_standard"}


def _model_info(model, model_name, kind) -> dict:
    from ..models import baselines

    info = {"name": model_name, "kind": kind, "description": describe_model(model)}
    role = getattr(model, "baseline_role", None)
    for cls_name, baseline_role in _BASELINE_CLASSES.items():
        if isinstance(model, getattr(baselines, cls_name)):
            role = baseline_role
    info["role"] = "baseline" if role else "model"
    info["baseline"] = role
    # cost, for speed-accuracy plots: as the model reports it (a number, or a method taking no
    # arguments such as FastGazeModel.gflops() at its default input size)
    for key in ("gflops", "cost"):
        value = getattr(model, key, None)
        if callable(value):
            try:
                value = value()
            except Exception:  # noqa: BLE001 - a cost we cannot ask for is simply not recorded
                value = None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            info[key] = float(value)
    return info


def _metric_facts(name) -> dict:
    info = metric_info(name)
    return {"name": name, "direction": info.direction, "higher_is_better": info.higher_is_better,
            "unit": info.unit, "family": info.family, "summary": info.summary}


def _version() -> str:
    from .. import __version__

    return __version__


def _progress_bar(progress, total, initial, model_name, dataset_name, remaining):
    if progress is None:
        progress = remaining > 20 and sys.stderr.isatty()
    if not progress or remaining == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="image", desc=f"{model_name} on {dataset_name}",
                leave=False, dynamic_ncols=True)


def _warn_undefined(notes, model_name):
    for metric, reasons in notes.items():
        for reason, images in reasons.items():
            shown = ", ".join(map(str, images[:10])) + (" ..." if len(images) > 10 else "")
            warnings.warn(f"{model_name}: {metric} is NaN for {len(images)} image(s) "
                          f"(dataset indices {shown}): {reason}", DegenerateInputWarning,
                          stacklevel=3)


# ---------------------------------------------------------------------------------- baselines
def evaluate_baselines(dataset, *, which=("uniform", "centre_bias", "gold_standard"), out=None,
                       split=None, **options) -> list[Results]:
    """Evaluate the built-in baselines (the leaderboard's reference rows) on ``dataset``.

    * uniform — :class:`~salbench.models.baselines.UniformModel`;
    * centre bias — :func:`default_baseline`, the same object that is the IG baseline, so its
      information gain is exactly 0;
    * gold standard — :class:`~salbench.models.baselines.GoldStandardModel` mixed with that centre
      bias, its bandwidth fitted on the scored images by leave-one-subject-out likelihood.

    ``out`` is a parent directory: each baseline goes to ``out/uniform``, ``out/centre-bias``,
    ``out/gold-standard``. A baseline whose directory already holds complete results for the same
    dataset, images and parameters is read back without refitting. ``options`` go to
    :func:`evaluate`.
    """
    from ..models.baselines import GoldStandardModel, UniformModel

    dataset = _dataset_argument(dataset)
    known = ("uniform", "centre_bias", "gold_standard")
    which = [which] if isinstance(which, str) else list(which)
    for w in which:
        if w not in known:
            raise InputError(f"unknown baseline {w!r}; the baselines are {', '.join(known)}")
    settings = EvaluationSettings.from_keywords(options).resolve(dataset, "probabilistic", split)
    results = []
    for w in which:
        target = None if out is None else Path(out) / w.replace("_", "-")
        if target is not None and not options.get("overwrite") and _complete_for(
                target, dataset, settings, w):
            results.append(Results.load(target))
            continue
        if w == "uniform":
            model = UniformModel()
        elif w == "centre_bias":
            model = default_baseline(dataset)
        else:
            model = GoldStandardModel(prior=default_baseline(dataset)).fit(
                dataset, images=settings.images)
        results.append(evaluate(model, dataset, split=split, out=target, **options))
    return results


def _complete_for(target, dataset, settings, which) -> bool:
    """Whether ``target`` holds complete results of baseline ``which`` with these settings."""
    from .._io import canonical_json, read_json

    manifest_path = Path(target) / "manifest.json"
    if not manifest_path.is_file():
        return False
    try:
        manifest = read_json(manifest_path)
    except Exception:  # a damaged manifest: evaluate() will report it properly
        return False
    config = manifest.get("config", {})
    return (manifest.get("status") == "complete"
            and manifest.get("model", {}).get("baseline") == which
            and config.get("dataset") == dataset_fingerprint(dataset)
            and config.get("images") == [int(i) for i in settings.images]
            and config.get("metrics") == list(settings.metrics)
            and canonical_json(config.get("parameters")) == canonical_json(settings.parameters))
