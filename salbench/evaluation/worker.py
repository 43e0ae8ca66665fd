"""Scoring one image of a dataset with every requested metric: the evaluation engine's unit of work.

The engine (:mod:`salbench.evaluation.engine`) splits a dataset into chunks of images and hands
each chunk to a worker (a thread, a process or a dask worker); the worker calls
:func:`score_chunk`, which holds one image's maps in memory at a time. It builds the image's
:class:`~salbench.metrics.ImageInputs` — the model's prediction, the empirical reference density,
the baseline, the shuffled negatives — and calls :func:`salbench.metrics.score_image`, the same
function :func:`salbench.metrics.score_maps` runs, with two differences that make results
independent of how the images are chunked:

* shuffled-AUC negatives come from the fixations on *every evaluated image* (the whole dataset or
  split), not from the chunk, exactly as one ``score_maps`` call over all those images would;
* the random stream of a sampled metric (``auc_borji``, ``sauc_mit``) is seeded with
  ``[seed, dataset image index]``, not with the position in a batch.

A test checks that an evaluation equals one ``score_maps`` call over the whole dataset.

Leave-one-observer-out models
-----------------------------
A model with a ``leave_one_out`` method (the gold standard, see
:func:`~salbench.evaluation.plan.scores_leave_one_out`) is scored by
:func:`score_leave_one_out`: for every observer ``s`` of the image, the model's density without
``s`` is that observer's prediction, and :func:`~salbench.metrics.score_image` scores ``s``'s
fixations against it — the empirical reference map (CC, KLD, SIM, EMD) is ``s``'s own
fixations blurred as usual, and the shuffled AUCs' negatives are the other images' fixations as
always (all of this image's fixations are removed from them). The image's value then follows the
metric's own averaging, read from the registry:

* a metric whose image value is the mean of its per-fixation values
  (:meth:`MetricInfo.is_mean_of_fixations`: the rank AUCs, the shuffled AUC, NSS in the
  Tübingen convention, log-likelihood, information gain) is the mean over *all* the image's
  fixations of each fixation's value against its own observer's map (each fixation counts
  once, as for any model);
* every other metric (CC, KLD, SIM, EMD, AUC_Judd, AUC_Borji, sAUC_MIT, MIT InfoGain, MIT NSS)
  is computed once per observer and averaged over the observers, each observer counting once
  (the MIT benchmark's human baseline, Judd et al. 2012).

An image with a single observer has nothing to predict that observer: NaN, with the reason.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .._blas import single_threaded
from .._validation import as_coordinates
from ..exceptions import InputError
from ..metrics import ImageInputs, check_log_density, get, mean_defined, score_image

from ..models.base import ProbabilisticModel
from ..models.predict import check_prediction
from .plan import ScoringPlan

#: Why a leave-one-observer-out score is NaN on an image with one observer.
SINGLE_OBSERVER = ("only one observer looked at the image: no other observer's fixations "
                   "predict theirs (leave-one-observer-out)")


@dataclass
class ImageResult:
    """The scores of one image: its table row, per-fixation columns and NaN reasons."""

    row: dict
    fixations: dict | None
    reasons: dict
    model_seconds: float
    scoring_seconds: float


def _call_model(plan, function, *args, **kwargs):
    if plan.model_thread_safe:
        return function(*args, **kwargs)
    with plan._model_lock:
        return function(*args, **kwargs)


def _baseline_call(plan, function, *args, **kwargs):
    # Baselines are small and cached; serialising their calls keeps any cache consistent.
    with plan._lock:
        return function(*args, **kwargs)


def _overrides_log_likelihoods(model) -> bool:
    """True when the model scores fixations itself (e.g. the leave-one-subject-out gold standard)."""
    method = getattr(type(model), "log_likelihoods", None)
    return method is not None and method is not ProbabilisticModel.log_likelihoods


def _per_fixation_log_likelihoods(model, image, f, image_id, log_density, flat, call):
    """Per-fixation log-likelihoods (nats): the model's own ``log_likelihoods`` when it has one
    (the gold standard scores each fixation with the other observers' density), otherwise the
    validated log-density read at the fixated pixels."""
    if _overrides_log_likelihoods(model):
        values = np.asarray(call(model.log_likelihoods, image, f.x, f.y, image_id=image_id,
                                 subjects=f.subject), dtype=np.float64).reshape(-1)
        if values.shape[0] != len(f):
            raise InputError(
                f"{type(model).__name__}.log_likelihoods returned {values.shape[0]} values for "
                f"{len(f)} fixations (image {image_id!r})"
            )
        if (values == np.inf).any():
            raise InputError(f"{type(model).__name__}.log_likelihoods returned +inf for image "
                             f"{image_id!r}")
        return values
    return log_density.reshape(-1)[flat]


def score_dataset_image(plan: ScoringPlan, model, model_name: str, dataset, i: int) -> ImageResult:
    """All of ``plan.metrics`` for dataset image ``i``."""
    if plan.leave_one_out:
        return score_leave_one_out(plan, model, model_name, dataset, i)
    i = int(i)
    stimuli = dataset.stimuli
    shape = stimuli.shape(i)
    image_id = stimuli.image_id(i)  # not ids[i], names[i]: those copy N entries per image
    context = f"image {i} ({stimuli.name(i)})"
    f = dataset.fixations.for_image(i)
    started = time.perf_counter()
    image = stimuli.load(i) if plan.model_needs_pixels else shape

    def call(fn, *a, **k):
        return _call_model(plan, fn, *a, **k)


    log_density = saliency = None
    if plan.kind == "probabilistic":
        log_density = check_prediction(call(model.log_density, image, image_id=image_id),
                                       "log_density", shape, model_name, context)
    else:
        saliency = check_prediction(call(model.saliency_map, image, image_id=image_id),
                                    "saliency map", shape, model_name, context)
    model_seconds = time.perf_counter() - started

    n_fixations = len(f)
    row = {"image": i, "image_id": image_id, "n_fixations": n_fixations}
    if not n_fixations:
        # every metric needs fixations, directly or through the empirical density: all NaN
        scores = score_image(plan.metrics, ImageInputs(flat=None, index=i, context=context),
                             plan.options)
        row.update(scores.row)
        return ImageResult(row, None, scores.reasons, model_seconds,
                           time.perf_counter() - started - model_seconds)

    _, _, flat = as_coordinates(f.x, f.y, shape, context=context)
    inputs = ImageInputs(flat=flat, index=i, context=context)
    if log_density is not None:
        log_density = check_log_density(log_density, "log_density",
                                        check_normalization=plan.check_normalization,
                                        context=f"{context}, model {model_name!r}")
        inputs.log_density = log_density
        if plan.needs("saliency_map"):
            saliency = np.exp(log_density)
    inputs.saliency_map = saliency
    if plan.needs("reference_map"):
        inputs.reference_map = plan.reference.build(f, shape)
    baseline_ld = None
    if plan.baseline is not None and plan.needs_baseline:
        baseline_ld = _baseline_call(plan, plan.baseline.log_density, shape, image_id=image_id)
        baseline_ld = check_log_density(baseline_ld, "baseline log_density",
                                        check_normalization=plan.check_baseline(shape),
                                        context=context)
        inputs.baseline_log_density = baseline_ld
        if plan.needs("baseline_map"):
            inputs.baseline_map = plan.baseline_map(baseline_ld)
    if plan.shuffled:
        inputs.negatives = plan.negatives(dataset)
    if plan.metric_maps and log_density is not None:
        inputs.metric_maps = _metric_maps(plan, log_density, baseline_ld, n_fixations, shape, i)
    if plan.needs("log_density"):
        inputs.log_likelihoods = _per_fixation_log_likelihoods(
            model, image, f, image_id, log_density, flat, call)
        if plan.needs("baseline_log_density"):
            inputs.baseline_log_likelihoods = _per_fixation_log_likelihoods(
                plan.baseline, shape, f, image_id, baseline_ld, flat,
                lambda fn, *a, **k: _baseline_call(plan, fn, *a, **k))

    scores = score_image(plan.metrics, inputs, plan.options, per_fixation=plan.per_fixation)
    row.update(scores.row)
    per_fixation = scores.fixations
    if per_fixation is not None:
        sl = dataset.fixations.image_slice(i)
        per_fixation["fixation"] = np.arange(sl.start, sl.stop, dtype=np.int64)
    return ImageResult(row, per_fixation, scores.reasons, model_seconds,
                       time.perf_counter() - started - model_seconds)


def score_leave_one_out(plan: ScoringPlan, model, model_name: str, dataset, i: int) -> ImageResult:
    """All of ``plan.metrics`` for dataset image ``i``, each observer against the model's
    density without them (``model.leave_one_out``; see the module notes)."""
    i = int(i)
    stimuli = dataset.stimuli
    shape = stimuli.shape(i)
    image_id = stimuli.image_id(i)  # not ids[i], names[i]: those copy N entries per image
    context = f"image {i} ({stimuli.name(i)})"
    f = dataset.fixations.for_image(i)
    started = time.perf_counter()
    n_fixations = len(f)
    row = {"image": i, "image_id": image_id, "n_fixations": n_fixations}
    if not n_fixations:
        scores = score_image(plan.metrics, ImageInputs(flat=None, index=i, context=context),
                             plan.options)
        row.update(scores.row)
        return ImageResult(row, None, scores.reasons, 0.0, time.perf_counter() - started)
    _, _, flat = as_coordinates(f.x, f.y, shape, context=context)
    subjects = np.asarray(f.subject)
    if (subjects < 0).any():
        raise InputError(
            f"{context}: {int((subjects < 0).sum())} fixation(s) have no observer id (subject "
            f"-1); model {model_name!r} is scored leave-one-observer-out, which needs the "
            "observer of every fixation"
        )
    observers = np.unique(subjects)
    shared = _shared_inputs(plan, dataset, f, shape, image_id, flat, context)
    image = stimuli.load(i) if plan.model_needs_pixels else shape
    per_fixation = {}
    per_observer = {name: [] for name in plan.metrics}
    reasons, observer_reasons = {}, {}
    scored = set()
    model_seconds = 0.0
    predictions = iter(_call_model(plan, model.leave_one_out, image, image_id=image_id,
                                   subjects=observers))
    while True:
        asked = time.perf_counter()
        item = _call_model(plan, next, predictions, None)
        model_seconds += time.perf_counter() - asked
        if item is None:
            break
        subject, log_density = _observer_prediction(item, observers, scored, model_name, context)
        where = f"{context}, observer {subject}"
        log_density = check_prediction(log_density, "log_density", shape, model_name, where)
        log_density = check_log_density(log_density, "log_density",
                                        check_normalization=plan.check_normalization,
                                        context=f"{where}, model {model_name!r}")
        mine = subjects == subject
        inputs = _observer_inputs(plan, shared, f, mine, flat, log_density, shape, i, where)
        scores = score_image(plan.metrics, inputs, plan.options, per_fixation=True)
        for name, values in scores.fixations.items():
            per_fixation.setdefault(name, np.full(n_fixations, np.nan))[mine] = values
        for name, value in scores.row.items():
            per_observer[name].append(value)
        for name, reason in scores.reasons.items():
            observer_reasons.setdefault(name, reason)
    unscored = len(observers) - len(scored)
    for name in plan.metrics:
        info = get(name)
        if not scored:
            value, reason = math.nan, SINGLE_OBSERVER
        elif name in per_fixation and info.is_mean_of_fixations(plan.options.convention(name)):
            value, reason = mean_defined(per_fixation[name])
        else:
            value, reason = _mean_over_observers(per_observer[name])
        if reason and name in observer_reasons:  # say why, as one observer's scoring said
            reason = f"{reason} ({observer_reasons[name]})"
        if scored and unscored and reason is None:
            reason = (f"{unscored} of the image's {len(observers)} observers have no "
                      "leave-one-out prediction and were left out")
        row[name] = float(value)
        if reason:
            reasons.setdefault(name, reason)
    fixations = None
    if plan.per_fixation:
        fixations = {name: per_fixation.get(name, np.full(n_fixations, np.nan))
                     for name in plan.metrics if get(name).per_fixation}
        sl = dataset.fixations.image_slice(i)
        fixations["fixation"] = np.arange(sl.start, sl.stop, dtype=np.int64)
    return ImageResult(row, fixations, reasons, model_seconds,
                       time.perf_counter() - started - model_seconds)


def _observer_prediction(item, observers, scored, model_name, context):
    """``(subject, log_density)`` from what ``leave_one_out`` yielded, checked."""
    try:
        subject, log_density = item
    except (TypeError, ValueError):
        raise InputError(f"model {model_name!r}: leave_one_out must yield (subject, "
                         f"log_density) pairs, got {type(item).__name__} for {context}") from None
    if subject not in set(observers.tolist()):
        raise InputError(f"model {model_name!r}: leave_one_out yielded observer {subject!r} for "
                         f"{context}, which has observers {observers.tolist()}")
    if subject in scored:
        raise InputError(f"model {model_name!r}: leave_one_out yielded observer {subject!r} "
                         f"twice for {context}")
    scored.add(subject)
    return subject, log_density


def _shared_inputs(plan, dataset, f, shape, image_id, flat, context) -> dict:
    """What every observer of an image shares: the baseline (map and per-fixation values) and
    the shuffled negatives."""
    shared = {"baseline_ld": None, "baseline_lls": None, "negatives": None}
    if plan.baseline is not None and plan.needs_baseline:
        baseline_ld = _baseline_call(plan, plan.baseline.log_density, shape, image_id=image_id)
        shared["baseline_ld"] = check_log_density(
            baseline_ld, "baseline log_density", check_normalization=plan.check_baseline(shape),
            context=context)
        if plan.needs("baseline_log_density"):
            shared["baseline_lls"] = _per_fixation_log_likelihoods(
                plan.baseline, shape, f, image_id, shared["baseline_ld"], flat,
                lambda fn, *a, **k: _baseline_call(plan, fn, *a, **k))
    if plan.shuffled:
        shared["negatives"] = plan.negatives(dataset)
    return shared


def _observer_inputs(plan, shared, f, mine, flat, log_density, shape, i, where) -> ImageInputs:
    """One observer's :class:`ImageInputs`: their fixations, the density without them, their own
    empirical map; the shuffled AUCs still exclude all of the image's fixations."""
    inputs = ImageInputs(flat=flat[mine], index=i, context=where, image_flat=flat,
                         log_density=log_density, negatives=shared["negatives"])
    if plan.needs("saliency_map"):
        inputs.saliency_map = np.exp(log_density)
    if plan.needs("reference_map"):
        inputs.reference_map = plan.reference.build((f.x[mine], f.y[mine]), shape)
    baseline_ld = shared["baseline_ld"]
    if baseline_ld is not None:
        inputs.baseline_log_density = baseline_ld
        if plan.needs("baseline_map"):
            inputs.baseline_map = np.exp(baseline_ld)
    if shared["baseline_lls"] is not None:
        inputs.baseline_log_likelihoods = shared["baseline_lls"][mine]
    if plan.metric_maps:
        inputs.metric_maps = _metric_maps(plan, log_density, baseline_ld, int(mine.sum()), shape, i)
    return inputs


def _mean_over_observers(values) -> tuple:
    """``(mean over the observers with a defined value, reason)``."""
    values = np.asarray(values, dtype=np.float64)
    defined = ~np.isnan(values)
    if not defined.any():
        return math.nan, "undefined for every observer"
    if not defined.all():
        return float(values[defined].mean()), (
            f"undefined for {int((~defined).sum())} of {values.size} observers, who were left "
            "out of the mean")
    return float(values.mean()), None


def _metric_maps(plan, log_density, baseline_ld, n_fixations, shape, i):
    """Each saliency metric's own map of a probabilistic model (Kümmerer et al., ECCV 2018):
    :func:`salbench.models.metric_maps.metric_saliency_maps` with the evaluation's reference-map
    blur, the centre bias as the density of the shuffled-AUC negatives and the image's number
    of fixations for SIM."""
    from ..models.metric_maps import metric_saliency_maps

    names = [m for m in plan.metrics if get(m).uses("saliency_map")]
    if not names:
        return {}
    seed = 0 if plan.options.seed is None else plan.options.seed
    return metric_saliency_maps(
        log_density, names, sigma=plan.reference.sigma_for(shape), method=plan.reference.method,
        baseline_log_density=baseline_ld, n_fixations=n_fixations, seed=[seed, i])


def score_chunk(plan: ScoringPlan, model, model_name: str, dataset, images) -> list[ImageResult]:
    """Score ``images`` (dataset indices) one after the other: one image's maps in memory.

    numpy's and SciPy's BLAS run on one thread meanwhile: the engine's parallelism is across
    images (threads, processes, dask workers), and OpenBLAS's own threads busy-wait for work —
    beside the engine's other threads they took the cores from them (the built-in model's
    bilinear upsampling GEMM ran 2x slower per image, measured in ``docs/scaling.md``). Dask
    workers already start with ``OPENBLAS_NUM_THREADS=1``; this makes threads do the same.
    """
    with single_threaded():
        return [score_dataset_image(plan, model, model_name, dataset, i) for i in images]
