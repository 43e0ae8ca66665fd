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
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._validation import as_coordinates, as_map
from ..exceptions import InputError
from ..metrics import ImageInputs, check_log_density, get, score_image
from ..models.base import ProbabilisticModel
from .plan import ScoringPlan


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


def check_prediction(array, name, shape, model_name, context):
    """A model's map for one image, validated: 2-D, finite, of the image's shape."""
    a = as_map(array, name, context=f"{context}, model {model_name!r}")
    if a.shape != shape:
        raise InputError(
            f"model {model_name!r} returned a {name} of shape {a.shape} for {context}, but the "
            f"image is {shape[0]}x{shape[1]} (height x width); resize explicitly with "
            "salbench.metrics.resize_map"
        )
    return a


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
    i = int(i)
    stimuli = dataset.stimuli
    shape = stimuli.shape(i)
    image_id = stimuli.ids[i]
    context = f"image {i} ({stimuli.names[i]})"
    f = dataset.fixations.for_image(i)
    started = time.perf_counter()
    image = stimuli.load(i) if plan.model_needs_pixels else shape
    call = (lambda fn, *a, **k: _call_model(plan, fn, *a, **k))

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
    """Score ``images`` (dataset indices) one after the other: one image's maps in memory."""
    return [score_dataset_image(plan, model, model_name, dataset, i) for i in images]
