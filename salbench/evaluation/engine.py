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
  probabilistic model. A model that overrides ``log_likelihoods`` scores each fixation itself;
  otherwise its log-density is read at the fixations (and checked to sum to 1). The IG baseline —
  and the baseline map of ``info_gain_mit`` — is by default the centre bias
  (:class:`salbench.models.baselines.CentreBiasModel`) fitted on all images of the dataset with
  10-fold cross-validation, so no image is predicted from its own fixations;
  :func:`salbench.models.baselines.baseline_from_spec` names others (``"uniform"``,
  ``"centre-bias:DATASET:SPLIT"``).
* A model with a ``leave_one_out`` method (the gold standard) is scored leave-one-observer-out
  for *every* metric: each observer's fixations against the model's density without that
  observer (:mod:`salbench.evaluation.worker` says how the observers are averaged).

Fitting data
------------
A model whose parameters were fitted on fixations says on which images with a ``fitted_on``
attribute (a :class:`~salbench.datasets.selection.ImageSelection`, as
:func:`salbench.evaluation.fitting.model_for_scoring` sets it) or the ``fit_on=`` keyword. The
manifest records it, and scoring an image the model was fitted on is an error unless
``allow_fit_overlap=True`` (or the model predicts its fitting images cross-validated, like the
centre bias: ``cross_validated = True``).
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
from .executors import check_executor, describe_executor, is_dask_client, run_chunks
from .plan import model_kind, scores_leave_one_out
from .results import RESULTS_FORMAT, Results
from .fingerprints import dataset_inputs, describe_changes, hashing_run, model_fingerprint
from .settings import EvaluationSettings, default_baseline, describe_model
from .store import DirectoryStore, MemoryStore, now

__all__ = ["BASELINE_FOLDERS", "evaluate", "evaluate_baselines", "dataset_fingerprint",
           "default_baseline", "reserved_folder"]

_FINGERPRINTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
#: Images per chunk by default: large enough that per-chunk overhead vanishes, small enough that
#: an interrupted run loses little and progress is smooth.
DEFAULT_CHUNK = 16
#: Images per task on a dask cluster: each task costs the client and the scheduler some
#: milliseconds (measured in docs/scaling.md: 2,000 images on 2 workers, 115 / 157 / 194
#: images/s with 4 / 16 / 64 images per task), and a task's results are a few kB.
DASK_CHUNK = 64


def evaluate(model, dataset, *, metrics="all", convention="tuebingen", split=None,
             executor=None, out=None, resume=True, overwrite=False, baseline=None,
             reference_sigma=None, reference_method="gaussian", per_fixation=True, seed=0,
             n_splits=100, step=0.1, emd_downsize=32, check_normalization=True, n_threads=None,
             chunk_size=None, progress=None, table_format="auto", name=None,
             check_model=True, metric_maps=False, model_version=None,
             lock_timeout=None, fit_on=None, allow_fit_overlap=False) -> Results:
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
    baseline : ProbabilisticModel or str, optional
        The IG / ``info_gain_mit`` baseline, or a spec for
        :func:`~salbench.models.baselines.baseline_from_spec` (``"uniform"``,
        ``"centre-bias:osie:train"``). Default: :func:`default_baseline` (centre bias fitted on
        the dataset with cross-validation).
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
        Images per task (default 16; 64 on a dask client, whose tasks cost more each). Results
        do not depend on it.
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
    model_version : str, optional
        Your name for this version of the model (e.g. a git commit), recorded with the input
        fingerprints: results of another version are never resumed or reused.
    lock_timeout : float, optional
        With ``out=``: seconds to wait while another run writes into ``out`` (default: wait, saying
        so on standard error; 0: fail at once with an InputError).

    fit_on : ImageSelection or str, optional
        The images the model's parameters were fitted on (``"DATASET[:SPLIT]"`` or a
        :class:`~salbench.datasets.selection.ImageSelection`); default: the model's
        ``fitted_on`` attribute, if any. Recorded in the manifest (``"fit"``).
    allow_fit_overlap : bool, default=False
        Score images that are among the fitting images anyway (an error otherwise).
    Notes
    -----
    With ``out=`` the manifest records a fingerprint of every input
    (:mod:`salbench.evaluation.fingerprints`): the files the model reads, its weights or code,
    ``model_version``, the dataset's images and fixations and the IG baseline. A rerun resumes or
    reuses earlier results only when all of them match; otherwise it raises an
    :class:`~salbench.exceptions.InputError` naming what changed (which files were changed, added
    or removed) until ``overwrite=True``.

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
    if chunk_size is None:
        chunk_size = DASK_CHUNK if is_dask_client(executor) else DEFAULT_CHUNK
    chunk_size = positive_int(chunk_size, "chunk_size")
    if model_version is not None and not isinstance(model_version, (str, int)):
        raise InputError(f"model_version must be a string, got {type(model_version).__name__}")
    setup = time.perf_counter()
    if isinstance(baseline, str):
        baseline = _baseline_argument(baseline, dataset)
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

    with hashing_run():
        fingerprint_started = time.perf_counter()
        inputs = _inputs(model, dataset, settings, model_version)
        fingerprint_seconds = time.perf_counter() - fingerprint_started
        plan = settings.plan(model)
        model_info = _model_info(model, model_name, kind)
        fit_info = _fit_info(model, model_name, fit_on, dataset, images, allow_fit_overlap)
        if settings.baseline is not None:
            _fit_info(settings.baseline, "the IG baseline", None, dataset, images,
                      allow_fit_overlap)
        split_info = settings.split
        dataset_info = {"name": dataset.name, "fingerprint": dataset_fingerprint(dataset),
                        **{k: v for k, v in dataset.describe().items() if k != "name"}}
        config = {"model": model_info, "dataset": dataset_info["fingerprint"],
                  "images": images.tolist(), "metrics": metric_names, "parameters": parameters,
                  "inputs": inputs, "fit": fit_info}
        metric_facts = [_metric_facts(m) for m in metric_names]

        if out is None:
            store = MemoryStore(model_name, metric_names, plan.per_fixation)
        else:
            store = DirectoryStore(out, model_name, metric_names, plan.per_fixation,
                                   config=config, fmt=_table_format(table_format), resume=resume,
                                   overwrite=overwrite, lock_timeout=lock_timeout)
        try:
            if getattr(store, "completed_manifest", None) is not None:
                reused = Results.load(out)
                reused.manifest["reused"] = True  # in memory only: this call scored nothing
                return reused
            results = _run(store, plan, model, model_name, dataset, images, chunk_size,
                           executor, n_threads, progress, settings, inputs, {
                               "format": RESULTS_FORMAT, "status": "running",
                               "salbench_version": _version(), "created": started_at,
                               "model": _with_model_spec(model_info, model),
                               "dataset": dataset_info,
                               "split": split_info, "metrics": metric_facts,
                               "parameters": parameters, "fit": fit_info,
                               "table_format": getattr(store, "fmt", None), "config": config},
                           {"started": started_at, "began": started, "setup_seconds": setup_seconds,
                            "check_seconds": check_seconds,
                            "fingerprint_seconds": fingerprint_seconds}, model_version)
        finally:
            if isinstance(store, DirectoryStore):
                store.close()
    _warn_undefined(store.notes, model_name)
    return results


def _run(store, plan, model, model_name, dataset, images, chunk_size, executor, n_threads,
         progress, settings, inputs, manifest, timing, model_version) -> Results:
    """Score the images ``store`` has not done yet, check the inputs again, and finish."""
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

    if isinstance(store, DirectoryStore):
        # The inputs again (a stat per file; contents only of files whose stat changed): maps
        # or weights edited while this run was scoring must not end in "complete" results.
        changes = describe_changes(inputs, _inputs(model, dataset, settings, model_version))
        if changes:
            raise InputError("\n".join([
                f"the inputs changed while this run was scoring, so its results in "
                f"{store.directory} were not completed:", *changes,
                "rerun with overwrite=True (--overwrite) to score the current inputs"]))

    runs = list(getattr(store, "previous_runs", []))
    runs.append({"started": timing["started"], "seconds": time.perf_counter() - timing["began"],
                 "scoring_wall_seconds": run_seconds, "setup_seconds": timing["setup_seconds"],
                 "check_seconds": timing["check_seconds"],
                 "fingerprint_seconds": timing["fingerprint_seconds"],
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
    results = store.finish(manifest, attributes=_scored_attributes(dataset, images))
    results.manifest["summary"] = results.means()
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


def _inputs(model, dataset, settings, model_version) -> dict:
    """The fingerprints of everything an evaluation reads (recorded in ``config["inputs"]``)."""
    inputs = {"model": model_fingerprint(model, model_version=model_version),
              "dataset": dataset_inputs(dataset)}
    if settings.baseline is not None:
        inputs["baseline"] = model_fingerprint(settings.baseline)
    return inputs


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


#: Baseline roles by class name (the leaderboard shows these rows apart from the models); a
#: model's own ``baseline_role`` attribute takes precedence (the all-observers gold standard).
_BASELINE_CLASSES = {"UniformModel": "uniform", "CentreBiasModel": "centre_bias",
                     "GoldStandardModel": "gold_standard"}


def _fit_info(model, what, fit_on, dataset, images, allow_overlap) -> dict | None:
    """The manifest's record of the images ``model`` was fitted on; refuses scored images among
    them unless allowed or the model predicts its fitting images cross-validated."""
    from ..datasets.selection import ImageSelection, check_overlap, select

    selection = fit_on if fit_on is not None else getattr(model, "fitted_on", None)
    if selection is None:
        return None
    cross_validated = bool(getattr(model, "cross_validated", False))
    if isinstance(selection, dict) and cross_validated:
        # a description only (the default centre bias): cross-validated, nothing to refuse
        return {**selection, "scored_images_among_them": None, "cross_validated": True,
                "overlap_allowed": None}
    if isinstance(selection, str):
        selection = select(selection, known=(dataset,))
    if not isinstance(selection, ImageSelection):
        raise InputError(f"fit_on must be 'DATASET[:SPLIT]' or an ImageSelection, got "
                         f"{type(selection).__name__}")
    shared = check_overlap(selection, dataset, images, allow=allow_overlap or cross_validated,
                           what=what if what.startswith("the ") else f"model {what!r}")
    return {**selection.describe(), "scored_images_among_them": int(shared.size),
            "cross_validated": cross_validated,
            "overlap_allowed": bool(allow_overlap) if shared.size else None}


def _with_model_spec(model_info: dict, model) -> dict:
    """The manifest's model record: ``model_info`` and the spec the model was built from
    (``model.spec``, set by :func:`salbench.models.from_spec`), so that a report can rebuild
    it. Only the manifest's record: the spec describes, it is no input, so ``config`` (which a
    resumed run must match) does not hold it and results written without one stay valid."""
    spec = getattr(model, "spec", None)
    return {**model_info, "spec": spec} if isinstance(spec, str) and spec else model_info


def _model_info(model, model_name, kind) -> dict:
    info = {"name": model_name, "kind": kind, "description": describe_model(model)}
    role = baseline_role(model)
    info["role"] = "baseline" if role else "model"
    info["baseline"] = role
    if scores_leave_one_out(model) and kind == "probabilistic":
        info["scoring"] = "leave_one_observer_out"
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
#: The built-in baselines :func:`evaluate_baselines` knows, and their folder names.
BASELINES = {"uniform": "uniform", "centre_bias": "centre-bias", "gold_standard": "gold-standard",
             "gold_standard_all_observers": "gold-standard-all-observers"}


def evaluate_baselines(dataset, *, which=("uniform", "centre_bias", "gold_standard"), out=None,
                       split=None, **options) -> list[Results]:
    """Evaluate the built-in baselines (the leaderboard's reference rows) on ``dataset``.

    * uniform — :class:`~salbench.models.baselines.UniformModel`;
    * centre bias — the IG baseline when that is a centre bias (``baseline=`` of ``options``,
      default :func:`default_baseline`), so its information gain is exactly 0; otherwise
      :func:`default_baseline`;
    * gold standard — :class:`~salbench.models.baselines.GoldStandardModel` mixed with that centre
      bias, its bandwidth fitted on the scored images by leave-one-observer-out likelihood and
      every metric scored leave-one-observer-out;
    * gold_standard_all_observers (only when asked for) — the same model with
      ``scoring="all_observers"``: the saliency metrics read the density of all observers, the
      scored one included (in-sample, inflated; kept to compare with older results).

    ``out`` is a parent directory: each baseline goes to ``out/uniform``, ``out/centre-bias``,
    ``out/gold-standard`` (``out/gold-standard-all-observers``). A baseline whose directory
    already holds complete results for the same dataset, images and parameters is read back
    without refitting. ``options`` go to :func:`evaluate`.
    """
    from ..models.baselines import CentreBiasModel, GoldStandardModel, UniformModel

    dataset = _dataset_argument(dataset)
    which = [which] if isinstance(which, str) else list(which)
    for w in which:
        if w not in BASELINES:
            raise InputError(f"unknown baseline {w!r}; the baselines are {', '.join(BASELINES)}")
    options = dict(options)
    if isinstance(options.get("baseline"), str):
        options["baseline"] = _baseline_argument(options["baseline"], dataset)
    settings = EvaluationSettings.from_keywords(options).resolve(dataset, "probabilistic", split)
    given = options.get("baseline")
    centre_bias = given if isinstance(given, CentreBiasModel) else default_baseline(dataset)
    results = []
    for w in which:
        target = None if out is None else Path(out) / BASELINES[w]
        if target is not None:
            _check_baseline_folder(target, w)
        if target is not None and not options.get("overwrite") and _complete_for(
                target, dataset, settings, w):
            results.append(Results.load(target))
            continue
        if w == "uniform":
            model = UniformModel()
        elif w == "centre_bias":
            model = centre_bias
        else:
            scoring = "all_observers" if w == "gold_standard_all_observers" else "leave_one_out"
            model = GoldStandardModel(prior=centre_bias, scoring=scoring).fit(
                dataset, images=settings.images)
        results.append(evaluate(model, dataset, split=split, out=target, **options))
    return results


def _baseline_argument(baseline, dataset):
    """A baseline spec string, resolved against the scored dataset."""
    from ..models.baselines import baseline_from_spec

    return baseline_from_spec(baseline, dataset=dataset)


#: The folders of a run folder that :func:`evaluate_baselines` writes, and whose baseline.
BASELINE_FOLDERS = {folder: role for role, folder in BASELINES.items()}


def baseline_role(model) -> str | None:
    """``"uniform"``, ``"centre_bias"``, ``"gold_standard"`` for salbench's baselines, else the
    model's ``baseline_role`` attribute (None for an ordinary model)."""
    from ..models import baselines

    role = None
    for cls_name, baseline in _BASELINE_CLASSES.items():
        if isinstance(model, getattr(baselines, cls_name)):
            role = baseline
    return getattr(model, "baseline_role", None) or role


def reserved_folder(folder_name: str, model) -> str | None:
    """The baseline whose reserved folder ``folder_name`` is, when ``model`` is not that
    baseline (its results there would be mixed up with, or replaced by, the baseline's)."""
    baseline = BASELINE_FOLDERS.get(str(folder_name))
    if baseline is None or baseline_role(model) == baseline:
        return None
    return baseline


def _check_baseline_folder(target: Path, which: str) -> None:
    """Refuse to write baseline ``which`` into a folder holding another model's results."""
    from .._io import read_json

    if not (target / "manifest.json").is_file():
        return
    try:
        recorded = read_json(target / "manifest.json").get("model", {})
    except Exception:  # a damaged manifest: evaluate() reports it
        return
    if not isinstance(recorded, dict) or recorded.get("baseline") in (None, which) and \
            recorded.get("role") != "model":
        return
    raise InputError(
        f"{target} holds results of the model {recorded.get('name')!r}, not of the "
        f"{which.replace('_', ' ')} baseline; the folders {', '.join(BASELINE_FOLDERS)} of a run "
        "folder are reserved for the baselines, and baselines never replace a model's results "
        "(not even with overwrite): move that folder elsewhere, then run again")


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
            and (config.get("inputs") or {}).get("dataset") == dataset_inputs(dataset)
            and canonical_json(config.get("parameters")) == canonical_json(settings.parameters))
