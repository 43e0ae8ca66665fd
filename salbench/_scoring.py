"""Scoring one image of a dataset with every requested metric: the evaluation engine's unit of work.

The engine (:mod:`salbench.evaluate`) splits a dataset into chunks of images and hands each chunk
to a worker (a thread, a process or a dask worker); the worker calls :func:`score_chunk`, which
holds one image's maps in memory at a time. This module reuses the per-image metric cores of
:mod:`salbench.metrics._batch` (the same code :func:`salbench.metrics.score_maps` runs), with two
differences that make results independent of how the images are chunked:

* shuffled-AUC negatives come from the fixations on *every evaluated image* (the whole dataset or
  split), not from the chunk, exactly as one ``score_maps`` call over all those images would;
* the random stream of a sampled metric (``auc_borji``, ``sauc_mit``) is seeded with
  ``[seed, dataset image index]``, not with the position in a batch.

A test checks that an evaluation equals one ``score_maps`` call over the whole dataset.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from ._validation import as_coordinates, as_map
from .exceptions import InputError
from .metrics import _registry
from .metrics._batch import (
    PER_FIXATION_METRICS,
    _Fixations,
    _per_fixation,
    _score_one,
    _ShuffledNegatives,
)
from .metrics._likelihood import LN2, _log_density_argument
from .models.base import ProbabilisticModel, SaliencyMapModel

#: Metrics that need a probabilistic model (a log-density), not just a saliency map.
LOG_DENSITY_METRICS = ("log_likelihood", "information_gain")
#: Metrics that need the IG baseline (its log-density, or for ``info_gain_mit`` its density).
BASELINE_METRICS = ("information_gain", "info_gain_mit")
#: Metrics that need the empirical reference density of the image.
REFERENCE_METRICS = tuple(
    name for name in _registry.names() if "reference_map" in _registry.get(name).needs
)
#: Per-fixation values whose mean over an image *is* the image's value (Tübingen conventions).
_MEAN_OF_FIXATIONS = ("auc", "auc_unfixated", "sauc", "log_likelihood", "information_gain")

_NO_FIXATIONS = "the image has no fixations"


def model_kind(model) -> str:
    """``"probabilistic"`` (has ``log_density``) or ``"saliency"`` (has ``saliency_map``)."""
    if isinstance(model, ProbabilisticModel) or callable(getattr(model, "log_density", None)):
        return "probabilistic"
    if isinstance(model, SaliencyMapModel) or callable(getattr(model, "saliency_map", None)):
        return "saliency"
    raise InputError(
        f"model must have a saliency_map(image, *, image_id=None) or a log_density(image, *, "
        f"image_id=None) method (see salbench.models.base); got {type(model).__name__}"
    )


def metrics_for(kind: str) -> list[str]:
    """Every registered metric a model of this kind can be scored on, in registry order."""
    return [m for m in _registry.names() if kind == "probabilistic" or m not in LOG_DENSITY_METRICS]


def _overrides_log_likelihoods(model) -> bool:
    """True when the model scores fixations itself (e.g. the leave-one-subject-out gold standard)."""
    method = getattr(type(model), "log_likelihoods", None)
    return method is not None and method is not ProbabilisticModel.log_likelihoods


def _needs_pixels(model) -> bool:
    """Whether the model looks at pixels (maps read from disk and baselines only need the size).

    A model says it does not with a ``needs_pixels = False`` attribute; salbench's baselines
    accept an ``(H, W)`` tuple for ``image``.
    """
    from .models.baselines import CentreBiasModel, GoldStandardModel, UniformModel

    if isinstance(model, (UniformModel, CentreBiasModel, GoldStandardModel)):
        return False
    return bool(getattr(model, "needs_pixels", True))


def _is_thread_safe(model) -> bool:
    """Models are assumed thread-safe unless they say ``thread_safe = False`` (then the engine
    serialises their calls within a process)."""
    return bool(getattr(model, "thread_safe", True))


@dataclass(frozen=True)
class ReferenceMaps:
    """How the empirical density of an image (the reference of CC, KLD, SIM and EMD) is built.

    ``sigma`` is in pixels, or ``None`` for the default: one degree of visual angle when the
    dataset states its pixels per degree (OSIE: 24 px), otherwise ``max(H, W) / 32`` pixels per
    image. ``method`` is ``"gaussian"`` (SciPy-exact Gaussian, reflecting border, every fixation
    counts) or ``"mit"`` (the MIT benchmark's Fourier-domain blur of the binary fixation map; its
    effective width differs from ``sigma``, see :func:`salbench.datasets.density_map`).
    """

    method: str = "gaussian"
    sigma: float | None = None
    pixels_per_degree: float | None = None

    def sigma_for(self, shape) -> float:
        if self.sigma is not None:
            return float(self.sigma)
        if self.pixels_per_degree:
            return float(self.pixels_per_degree)
        return max(shape) / 32.0

    def describe(self) -> dict:
        if self.sigma is not None:
            rule = f"{self.sigma:g} px"
        elif self.pixels_per_degree:
            rule = f"1 degree = {self.pixels_per_degree:g} px (dataset's pixels per degree)"
        else:
            rule = "max(H, W) / 32 px per image (the dataset states no pixels per degree)"
        return {"method": self.method, "sigma": self.sigma, "sigma_rule": rule,
                "pixels_per_degree": self.pixels_per_degree,
                "repeats": "once" if self.method == "mit" else "count", "normalize": "sum"}

    def build(self, fixations, shape):
        from .datasets import density_map

        return density_map(fixations, shape, sigma=self.sigma_for(shape), method=self.method)


@dataclass
class ScoringPlan:
    """Everything a worker needs to score images, besides the model and the dataset.

    It is pickled to process and dask workers; the shuffled-negatives cache is rebuilt there.
    """

    metrics: tuple
    kind: str
    convention: dict  #: metric -> convention (NSS, CC, KLD, SIM)
    options: dict
    reference: ReferenceMaps
    images: np.ndarray  #: dataset indices of every evaluated image (sAUC negatives come from all)
    baseline: ProbabilisticModel | None = None
    per_fixation: bool = True
    check_normalization: bool = True
    model_thread_safe: bool = True
    model_needs_pixels: bool = True
    baseline_trusted: bool = False
    metric_maps: bool = False  #: score a probabilistic model on each metric's own map
    _negatives: object = field(default=None, repr=False)
    _checked_shapes: object = field(default=None, repr=False)
    _lock: object = field(default=None, repr=False)
    _model_lock: object = field(default=None, repr=False)

    def __post_init__(self):
        self._init_locks()

    def _init_locks(self):
        self._lock = threading.Lock()
        self._model_lock = threading.Lock()

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_negatives"] = None
        state["_lock"] = None
        state["_model_lock"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._init_locks()

    def check_baseline(self, shape) -> bool:
        """Whether to check the baseline's normalisation for an image of this shape: always for
        a user's baseline; for salbench's own centre bias (``baseline_trusted``) the first time
        each size is seen — it is image-independent up to its cross-validation folds, and a
        check costs a pass with ``exp`` per image."""
        if not self.baseline_trusted:
            return True
        with self._lock:
            if self._checked_shapes is None:
                self._checked_shapes = set()
            if shape in self._checked_shapes:
                return False
            self._checked_shapes.add(shape)
            return True

    @property
    def shuffled(self) -> bool:
        return "sauc" in self.metrics or "sauc_mit" in self.metrics

    def negatives(self, dataset) -> _ShuffledNegatives:
        """Fixations of all evaluated images, rescaled per image size (built once per worker)."""
        with self._lock:
            if self._negatives is None:
                fixations = dataset.fixations
                position = np.full(len(dataset), -1, dtype=np.int64)
                position[self.images] = np.arange(self.images.size)
                keep = position[fixations.n] >= 0
                batch = _Fixations(fixations.x[keep], fixations.y[keep],
                                   position[fixations.n[keep]], self.images.size)
                shapes = [tuple(int(v) for v in dataset.stimuli.shapes[i]) for i in self.images]
                self._negatives = _ShuffledNegatives(batch, shapes)
            return self._negatives


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


def _check_prediction(array, name, shape, model_name, context):
    a = as_map(array, name, context=f"{context}, model {model_name!r}")
    if a.shape != shape:
        raise InputError(
            f"model {model_name!r} returned a {name} of shape {a.shape} for {context}, but the "
            f"image is {shape[0]}x{shape[1]} (height x width); resize explicitly with "
            "salbench.metrics.resize_map"
        )
    return a


def _per_fixation_log_likelihoods(model, plan, image, f, image_id, log_density, flat, call):
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


def score_image(plan: ScoringPlan, model, model_name: str, dataset, i: int) -> ImageResult:
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
        log_density = _check_prediction(call(model.log_density, image, image_id=image_id),
                                        "log_density", shape, model_name, context)
    else:
        saliency = _check_prediction(call(model.saliency_map, image, image_id=image_id),
                                     "saliency map", shape, model_name, context)
    model_seconds = time.perf_counter() - started

    metrics = plan.metrics
    n_fixations = len(f)
    flat = None
    if n_fixations:
        _, _, flat = as_coordinates(f.x, f.y, shape, context=context)
    maps = {}
    if log_density is not None:
        log_density = _log_density_argument(log_density, "log_density", plan.check_normalization,
                                            context=f"{context}, model {model_name!r}")
        if any(m not in LOG_DENSITY_METRICS for m in metrics):
            saliency = np.exp(log_density)
    if saliency is not None:
        maps["saliency_maps"] = saliency
    if any(m in REFERENCE_METRICS for m in metrics) and n_fixations:
        maps["reference_maps"] = plan.reference.build(f, shape)
    baseline_ld = None
    needs_baseline = any(m in BASELINE_METRICS for m in metrics) or (
        plan.metric_maps and log_density is not None and plan.shuffled)
    if plan.baseline is not None and needs_baseline:
        baseline_ld = _baseline_call(plan, plan.baseline.log_density, shape, image_id=image_id)
        baseline_ld = _log_density_argument(baseline_ld, "baseline log_density",
                                            plan.check_baseline(shape), context=context)
        if "info_gain_mit" in metrics:
            maps["baseline_maps"] = np.exp(baseline_ld)
    shuffled = plan.negatives(dataset) if plan.shuffled and n_fixations else None
    per_metric_maps = {}
    if plan.metric_maps and log_density is not None and n_fixations:
        per_metric_maps = _metric_maps(plan, log_density, baseline_ld, n_fixations, shape, i)

    row = {"image": i, "image_id": image_id, "n_fixations": n_fixations}
    per_fixation = {} if plan.per_fixation and n_fixations else None
    reasons = {}
    lls = baseline_lls = None
    if n_fixations and any(m in LOG_DENSITY_METRICS for m in metrics):
        lls = _per_fixation_log_likelihoods(model, plan, image, f, image_id, log_density, flat, call)
        if "information_gain" in metrics:
            baseline_lls = _per_fixation_log_likelihoods(
                plan.baseline, plan, shape, f, image_id, baseline_ld, flat,
                lambda fn, *a, **k: _baseline_call(plan, fn, *a, **k))

    for name in metrics:
        if not n_fixations:
            # every metric needs fixations, directly or through the empirical density
            row[name], reasons[name] = math.nan, _NO_FIXATIONS
            continue
        if name in per_metric_maps:
            maps["saliency_maps"] = per_metric_maps[name]
        values = None
        if name == "log_likelihood":
            values = lls
        elif name == "information_gain":
            values = (lls - baseline_lls) / LN2
        elif plan.per_fixation and name in PER_FIXATION_METRICS:
            values, reason = _per_fixation(name, maps, flat, shuffled, context)
            if reason:
                reasons[name] = reason
        if values is not None:
            if per_fixation is not None and name in PER_FIXATION_METRICS:
                per_fixation[name] = values
            if name in _MEAN_OF_FIXATIONS or (name == "nss"
                                               and plan.convention.get("nss") == "tuebingen"):
                row[name] = _mean_defined(values, name, reasons)
                continue
        value, reason = _score_one(name, i, maps, flat, plan.convention, shuffled, plan.options,
                                   context)
        row[name] = float(value)
        if reason:
            reasons[name] = reason
    if per_fixation is not None:
        sl = dataset.fixations.image_slice(i)
        per_fixation["fixation"] = np.arange(sl.start, sl.stop, dtype=np.int64)
    return ImageResult(row, per_fixation, reasons, model_seconds,
                       time.perf_counter() - started - model_seconds)


def _metric_maps(plan, log_density, baseline_ld, n_fixations, shape, i):
    """Each saliency metric's own map of a probabilistic model (Kümmerer et al., ECCV 2018):
    :func:`salbench.models.metric_maps.metric_saliency_maps` with the evaluation's reference-map
    blur, the centre bias as the density of the shuffled-AUC negatives and the image's number
    of fixations for SIM."""
    from .models.metric_maps import metric_saliency_maps

    names = [m for m in plan.metrics if m not in LOG_DENSITY_METRICS]
    if not names:
        return {}
    seed = 0 if plan.options.get("seed") is None else plan.options["seed"]
    return metric_saliency_maps(
        log_density, names, sigma=plan.reference.sigma_for(shape), method=plan.reference.method,
        baseline_log_density=baseline_ld, n_fixations=n_fixations, seed=[seed, i])


def _mean_defined(values, name, reasons):
    """Mean over the fixations with a defined value (NaN ones have already given a reason)."""
    defined = ~np.isnan(values)
    if not defined.any():
        reasons.setdefault(name, "no fixation has a defined value")
        return math.nan
    if not defined.all():
        reasons.setdefault(name, f"{int((~defined).sum())} fixation(s) without a defined value "
                                 "were left out of the mean")
        return float(values[defined].mean())
    return float(values.mean())


def score_chunk(plan: ScoringPlan, model, model_name: str, dataset, images) -> list[ImageResult]:
    """Score ``images`` (dataset indices) one after the other: one image's maps in memory."""
    return [score_image(plan, model, model_name, dataset, i) for i in images]
