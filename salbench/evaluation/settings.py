"""An evaluation's settings: the keywords that change what is computed, validated once.

:class:`EvaluationSettings` holds the user's choices with their defaults (the same defaults as
:func:`salbench.evaluate`); :meth:`EvaluationSettings.resolve` validates them against a dataset
and a model kind and returns :class:`ResolvedSettings` — the metric names, the scoring options,
the reference-map rule, the images, the baseline and the ``parameters`` the manifest records.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, fields

import numpy as np

from .._validation import keyword_choice
from ..exceptions import InputError
from ..metrics import ScoringOptions, get, needing
from .plan import ReferenceMaps, ScoringPlan, is_thread_safe, metrics_for, model_kind, \
    needs_pixels, scores_leave_one_out


_CENTRE_BIAS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def default_baseline(dataset):
    """The centre bias fitted on all images of ``dataset`` (10-fold cross-validated; cached
    per dataset object, so every evaluation on it shares one baseline): the baseline of spec
    ``"centre-bias"``."""
    from ..datasets.selection import ImageSelection
    from ..models.baselines import CentreBiasModel

    model = _CENTRE_BIAS.get(dataset)
    if model is None:
        model = CentreBiasModel().fit(dataset)
        selection = ImageSelection.of(dataset, "all")
        model.spec = f"centre-bias:{selection.label}"
        # only the description: the cache is weak in the dataset, its value must not hold it
        model.fitted_on = selection.describe()
        _CENTRE_BIAS[dataset] = model
    return model


@dataclass(frozen=True)
class EvaluationSettings:
    """The :func:`salbench.evaluate` keywords that change what is computed (the others change
    how or where). Field defaults are :func:`salbench.evaluate`'s defaults."""

    metrics: object = "all"
    convention: object = "tuebingen"
    baseline: object = None
    reference_sigma: float | None = None
    reference_method: str = "gaussian"
    per_fixation: bool = True
    seed: int | None = 0
    n_splits: int = 100
    step: float = 0.1
    emd_downsize: int = 32
    check_normalization: bool = True
    metric_maps: bool = False

    @classmethod
    def keys(cls) -> tuple:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_keywords(cls, keywords: dict) -> "EvaluationSettings":
        """The settings among ``keywords`` (other keys are ignored)."""
        return cls(**{k: v for k, v in keywords.items() if k in cls.keys()})

    def resolve(self, dataset, kind: str, split=None) -> "ResolvedSettings":
        """Validate against ``dataset`` and a model ``kind`` (``"probabilistic"``/``"saliency"``)."""
        metric_names = _metric_names(self.metrics, kind)
        options = ScoringOptions.for_metrics(
            metric_names, convention=self.convention, n_splits=self.n_splits, step=self.step,
            seed=self.seed, emd_downsize=self.emd_downsize, validate_all=True)
        keyword_choice(self.reference_method, "reference_method", ("gaussian", "mit"))
        images, split_info = select_images(dataset, split)
        reference_sigma = _reference_sigma(self.reference_sigma)
        reference = ReferenceMaps(self.reference_method, reference_sigma,
                                  dataset.facts.pixels_per_degree)
        if self.metric_maps and kind != "probabilistic":
            raise InputError("metric_maps=True needs a probabilistic model (metric-specific maps "
                             "are derived from its density)")
        probe = ScoringPlan(metrics=tuple(metric_names), kind=kind, options=options,
                            reference=reference, images=images, metric_maps=bool(self.metric_maps))
        baseline, trusted = None, False
        if probe.needs_baseline:
            trusted = self.baseline is None
            baseline = default_baseline(dataset) if self.baseline is None else self.baseline
            if model_kind(baseline) != "probabilistic":
                raise InputError("baseline must be a probabilistic model (it needs log_density)")
        parameters = {
            "convention": _convention_label(options.conventions),
            "conventions": dict(options.conventions),
            "reference": reference.describe(),
            "baseline": None if baseline is None else describe_model(baseline),
            "seed": options.seed, "n_splits": options.n_splits, "step": options.step,
            "emd_downsize": options.emd_downsize, "per_fixation": bool(self.per_fixation),
            "check_normalization": bool(self.check_normalization),
            "metric_maps": ("metric-specific maps (Kümmerer et al. 2018)" if self.metric_maps
                            else "density exp(log_density)" if kind == "probabilistic"
                            else "saliency map"),
        }
        return ResolvedSettings(settings=self, kind=kind, metrics=tuple(metric_names),
                                options=options, reference=reference, images=images,
                                split=split_info, baseline=baseline, baseline_trusted=trusted,
                                parameters=parameters)


@dataclass(frozen=True)
class ResolvedSettings:
    """Validated settings of one evaluation (see :meth:`EvaluationSettings.resolve`)."""

    settings: EvaluationSettings
    kind: str
    metrics: tuple
    options: ScoringOptions
    reference: ReferenceMaps
    images: np.ndarray
    split: dict
    baseline: object
    baseline_trusted: bool
    parameters: dict  #: what the manifest records (and what a resumed run must match)

    def plan(self, model) -> ScoringPlan:
        """The workers' plan for scoring ``model``."""
        return ScoringPlan(
            metrics=self.metrics, kind=self.kind, options=self.options, reference=self.reference,
            images=self.images, baseline=self.baseline,
            per_fixation=bool(self.settings.per_fixation),
            check_normalization=bool(self.settings.check_normalization),
            model_thread_safe=is_thread_safe(model), model_needs_pixels=needs_pixels(model),
            baseline_trusted=self.baseline_trusted, metric_maps=bool(self.settings.metric_maps),
            leave_one_out=self.kind == "probabilistic" and scores_leave_one_out(model))


def _metric_names(metrics, kind):
    if isinstance(metrics, str) and metrics == "all":
        return metrics_for(kind)
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    if not names:
        raise InputError("metrics= is empty")
    for m in names:
        get(m)
    if len(set(names)) != len(names):
        raise InputError(f"metrics= lists a metric twice: {names}")
    if kind == "saliency":
        log_density = set(needing("log_density"))
        wrong = [m for m in names if m in log_density]
        if wrong:
            raise InputError(
                f"{', '.join(wrong)} need a probabilistic model (a log-density per image), but "
                "this model only gives saliency maps; convert it first (fit a saliency-to-density "
                "mapping on the training split, salbench.models.conversion) or drop these metrics"
            )
    return names


def _reference_sigma(reference_sigma):
    if reference_sigma is None:
        return None
    try:
        reference_sigma = float(reference_sigma)
    except (TypeError, ValueError):
        reference_sigma = math.nan
    if not (math.isfinite(reference_sigma) and reference_sigma > 0):
        raise InputError(f"reference_sigma must be a positive number of pixels, got "
                         f"{reference_sigma!r}")
    return reference_sigma


def _convention_label(conventions) -> str:
    """One name when every metric uses the same convention, else ``"mixed"``."""
    values = set(conventions.values())
    return values.pop() if len(values) == 1 else ("tuebingen" if not values else "mixed")


def select_images(dataset, split):
    """``(sorted unique dataset indices, description)`` of the images to score."""
    from ..datasets.splits import Split, split_images

    n = len(dataset)
    if split is None:
        return np.arange(n, dtype=np.int64), {"kind": "all"}
    if isinstance(split, str):
        if split not in ("train", "validation", "test"):
            raise InputError(f"split must be 'train', 'validation', 'test', a Split or image "
                             f"indices, got {split!r}")
        s = split_images(dataset)
        return np.asarray(s.part(split), dtype=np.int64), {
            "kind": "part", "part": split, "dataset": s.dataset, "seed": s.seed,
            "fractions": list(s.fractions)}
    if isinstance(split, Split):
        split.check(dataset)
        return np.asarray(split.test, dtype=np.int64), {
            "kind": "part", "part": "test", "dataset": split.dataset, "seed": split.seed,
            "fractions": list(split.fractions)}
    try:
        idx = np.asarray(list(split))
    except TypeError:
        raise InputError(f"split must be None, a part name, a Split or image indices, got "
                         f"{type(split).__name__}") from None
    if idx.size == 0:
        raise InputError("split selects no image")
    if idx.dtype.kind not in "iu":
        raise InputError(f"image indices must be integers, got dtype {idx.dtype}")
    bad = idx[(idx < 0) | (idx >= n)]
    if bad.size:
        raise InputError(f"image index {int(bad[0])} is out of range for {n} images")
    if np.unique(idx).size != idx.size:
        raise InputError("split lists an image twice")
    return np.sort(idx).astype(np.int64), {"kind": "images"}


def describe_model(model) -> dict:
    """The model's own description (``model.describe()``), with its name and class."""
    describe = getattr(model, "describe", None)
    info = dict(describe()) if callable(describe) else {}
    info.setdefault("name", str(getattr(model, "name", type(model).__name__)))
    info.setdefault("class", type(model).__qualname__)
    return info
