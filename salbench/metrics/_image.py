"""One image, every requested metric: the scoring step all paths share.

:func:`score_image` takes an image's validated inputs (:class:`ImageInputs`) and the scoring
options (:class:`ScoringOptions`) and calls each metric's registered core. ``score_maps``,
``score_fixations``, ``StreamingScores`` and the evaluation engine build the inputs their own way
(arrays given by the caller; a model, a dataset and its empirical densities) and then all call
this function, so a metric is defined — and dispatched — in exactly one place: the registry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._validation import positive_int
from ..exceptions import InputError
from . import _registry
from ._conventions import convention_argument
from ._roc import _step

NO_FIXATIONS = "the image has no fixations"
#: Needs that are maps (attributes of :class:`ImageInputs` of the same name).
MAP_NEEDS = ("saliency_map", "reference_map", "log_density", "baseline_log_density",
             "baseline_map")


@dataclass
class ImageInputs:
    """Everything the metric cores may read for one image, already validated.

    Parameters
    ----------
    flat : ndarray of int64 or None
        Flat pixel index (``row * width + column``) of each fixation; None when the image has
        none.
    saliency_map, reference_map, log_density, baseline_log_density, baseline_map : ndarray
        Validated 2-D float64 maps of the image's shape (None when not needed).
    negatives : ShuffledNegatives, optional
        Other images' fixations for the shuffled AUCs.
    log_likelihoods, baseline_log_likelihoods : ndarray, optional
        Per-fixation log-likelihoods (nats) when the model scores fixations itself (the
        leave-one-observer-out gold standard); otherwise they are read from the log-densities.
    metric_maps : dict, optional
        A saliency map per metric that replaces ``saliency_map`` for that metric (the
        metric-specific maps of a probabilistic model).
    index : int
        The image's index; seeds the sampled metrics (stream ``[seed, index]``).
    context : str, optional
        Where the image is, for error messages (``"image 3 (i05.jpg)"``).
    image_flat : ndarray of int64, optional
        Flat pixel index of *every* fixation on the image, when ``flat`` holds only some of them
        (one observer's, scored leave-one-observer-out): the shuffled AUCs remove all of the
        image's own fixations from their negatives, not only the scored ones. Default: ``flat``.
    """

    flat: np.ndarray | None
    saliency_map: np.ndarray | None = None
    reference_map: np.ndarray | None = None
    log_density: np.ndarray | None = None
    baseline_log_density: np.ndarray | None = None
    baseline_map: np.ndarray | None = None
    negatives: object = None
    log_likelihoods: np.ndarray | None = None
    baseline_log_likelihoods: np.ndarray | None = None
    metric_maps: dict | None = None
    index: int = 0
    context: str | None = None
    image_flat: np.ndarray | None = None

    @property
    def own_fixations(self) -> np.ndarray:
        """Flat indices of all of the image's fixations (what shuffled negatives exclude)."""
        return self.flat if self.image_flat is None else self.image_flat

    @property
    def n_fixations(self) -> int:
        return 0 if self.flat is None else int(self.flat.shape[0])

    def saliency(self, metric: str) -> np.ndarray:
        """The saliency map ``metric`` reads (its own metric-specific map when there is one)."""
        if self.metric_maps and metric in self.metric_maps:
            return self.metric_maps[metric]
        return self.saliency_map

    def rng(self, seed) -> np.random.Generator:
        """The random stream of this image for a sampled metric."""
        return np.random.default_rng(None if seed is None else [int(seed), int(self.index)])


@dataclass(frozen=True)
class ScoringOptions:
    """The options of the metric cores, validated once per call.

    Build it with :meth:`for_metrics`, which resolves the conventions and validates only the
    options the requested metrics read.
    """

    conventions: dict = field(default_factory=dict)  #: metric -> convention
    n_splits: int = 100
    step: float = 0.1
    seed: int | None = None
    emd_downsize: int = 32

    @classmethod
    def for_metrics(cls, names, *, convention="tuebingen", n_splits=100, step=0.1, seed=None,
                    emd_downsize=32, validate_all=False) -> "ScoringOptions":
        """Options for scoring ``names``; ``convention`` is one name or a dict per metric.

        ``validate_all`` checks every option even when no requested metric reads it (the
        evaluation engine records them all in its manifest).
        """
        used = {o for name in names for o in _registry.get(name).options}

        def check(option):
            return validate_all or option in used

        if check("n_splits"):
            n_splits = positive_int(n_splits, "n_splits")
        if check("step"):
            step = _step(step)
        if check("emd_downsize"):
            emd_downsize = positive_int(emd_downsize, "emd_downsize")
        if validate_all and seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
                raise InputError(f"seed must be a non-negative integer or None, got {seed!r}")
            seed = int(seed)
        return cls(conventions=resolve_conventions(names, convention), n_splits=n_splits,
                   step=step, seed=seed, emd_downsize=emd_downsize)

    def convention(self, metric: str) -> str | None:
        """The convention ``metric`` is computed in (None for a metric without conventions)."""
        return self.conventions.get(metric)


def resolve_conventions(names, convention) -> dict:
    """``{metric: convention}`` for the metrics of ``names`` that have conventions.

    ``convention`` is one name for all of them, or a dict naming some (the others keep their
    default, the first of their registered conventions).
    """
    if isinstance(convention, str):
        convention = convention_argument(convention)
        return {m: convention for m in names if _registry.get(m).conventions}
    try:
        items = dict(convention)
    except (TypeError, ValueError):
        raise InputError(
            f"convention must be 'tuebingen', 'mit' or a dict metric -> convention, got "
            f"{convention!r}"
        ) from None
    resolved = {m: _registry.get(m).conventions[0] for m in names if _registry.get(m).conventions}
    for metric, value in items.items():
        allowed = _registry.get(metric).conventions
        if metric not in names:
            raise InputError(f"convention= names {metric!r}, which is not in metrics=")
        if not allowed:
            raise InputError(f"metric {metric!r} has no conventions to choose from")
        resolved[metric] = convention_argument(value, allowed)
    return resolved


@dataclass
class ImageScores:
    """The result of :func:`score_image`: ``row`` (metric -> value), ``fixations`` (metric ->
    per-fixation values, when asked for) and ``reasons`` (metric -> why it is NaN)."""

    row: dict
    fixations: dict | None
    reasons: dict


def score_image(names, inputs: ImageInputs, options: ScoringOptions, *, per_fixation=False,
                per_image=True) -> ImageScores:
    """Score one image with every metric of ``names`` through the registry.

    Parameters
    ----------
    names : sequence of str
        Registered metric names.
    inputs : ImageInputs
        The image's validated inputs.
    options : ScoringOptions
    per_fixation : bool, default=False
        Also return the per-fixation values of the metrics that have them. A metric whose image
        value is the mean of its per-fixation values (:attr:`MetricInfo.mean_of_fixations`) then
        takes that mean, so the two agree exactly.
    per_image : bool, default=True
        Compute the per-image values (off: only the per-fixation ones).

    Returns
    -------
    ImageScores

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import ImageInputs, ScoringOptions, score_image
    >>> s = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> inputs = ImageInputs(flat=np.array([3]), saliency_map=s)
    >>> score_image(["auc", "nss"], inputs, ScoringOptions.for_metrics(["auc", "nss"])).row
    {'auc': 0.875, 'nss': 1.3416407864998738}
    """
    row, reasons = {}, {}
    fixations = {} if per_fixation else None
    for name in names:
        info = _registry.get(name)
        if inputs.flat is None or inputs.flat.shape[0] == 0:
            # without fixations there is nothing to score, and no empirical map to derive
            missing = any(getattr(inputs, n) is None for n in info.needs if n in MAP_NEEDS)
            if info.uses("fixations") or missing:
                row[name], reasons[name] = math.nan, NO_FIXATIONS
                continue
        values = None
        if per_fixation and info.fixation_scores is not None and inputs.n_fixations:
            values, reason = info.fixation_scores(inputs, options)
            fixations[name] = values
            if reason:
                reasons[name] = reason
        if not per_image:
            continue
        if values is not None and info.is_mean_of_fixations(options.convention(name)):
            value, reason = mean_defined(values)
        else:
            value, reason = info.image_score(inputs, options)
        row[name] = float(value)
        if reason:
            reasons.setdefault(name, reason)
    return ImageScores(row, fixations, reasons)


def mean_defined(values) -> tuple:
    """``(mean over the non-NaN values, reason)``: the image value of a mean-of-fixations metric."""
    defined = ~np.isnan(values)
    if not defined.any():
        return math.nan, "no fixation has a defined value"
    if not defined.all():
        return float(values[defined].mean()), (
            f"{int((~defined).sum())} fixation(s) without a defined value were left out of the "
            "mean")
    return float(values.mean()), None
