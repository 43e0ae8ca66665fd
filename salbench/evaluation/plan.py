"""What a worker needs to score images, besides the model and the dataset.

:class:`ScoringPlan` is built once per evaluation by :mod:`salbench.evaluation.engine` and pickled
to thread, process and dask workers; everything it holds about metrics comes from the registry
(:func:`salbench.metrics.get`), so the engine never lists metric names itself.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field

import numpy as np

from ..metrics import FixationsByImage, ScoringOptions, ShuffledNegatives, get, needing, names
from ..models.base import ProbabilisticModel
from ..models.predict import model_kind, needs_pixels

__all__ = ["ReferenceMaps", "ScoringPlan", "is_thread_safe", "metrics_for", "model_kind",
           "needs_pixels"]


def metrics_for(kind: str) -> list[str]:
    """Every registered metric a model of this kind can be scored on, in registry order."""
    log_density = set(needing("log_density"))
    return [m for m in names() if kind == "probabilistic" or m not in log_density]


def scores_leave_one_out(model) -> bool:
    """Whether the model predicts each image "without observer s" for every observer s.

    Such a model (the gold standard) has ``leave_one_out(image, *, image_id, subjects)``
    yielding ``(subject, log_density_without_subject)`` (see :mod:`salbench.models.base`); the
    worker then scores every observer's fixations against that observer's own density. A model
    sets ``leave_one_out = None`` (a property, for instance) to be scored like any other.
    """
    return callable(getattr(model, "leave_one_out", None))


def is_thread_safe(model) -> bool:
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
        from ..datasets import density_map

        return density_map(fixations, shape, sigma=self.sigma_for(shape), method=self.method)


#: Needs served by the other evaluated images' fixations.
SHUFFLED_NEEDS = ("negatives", "other_map")


@dataclass
class ScoringPlan:
    """Everything a worker needs to score images, besides the model and the dataset.

    It is pickled to process and dask workers; the shuffled-negatives cache is rebuilt there.
    """

    metrics: tuple
    kind: str
    options: ScoringOptions
    reference: ReferenceMaps
    images: np.ndarray  #: dataset indices of every evaluated image (sAUC negatives come from all)
    baseline: ProbabilisticModel | None = None
    per_fixation: bool = True
    check_normalization: bool = True
    model_thread_safe: bool = True
    model_needs_pixels: bool = True
    baseline_trusted: bool = False
    metric_maps: bool = False  #: score a probabilistic model on each metric's own map
    leave_one_out: bool = False  #: score each observer against the model's map without them
    _negatives: object = field(default=None, repr=False)
    _checked_shapes: object = field(default=None, repr=False)
    _baseline_maps: object = field(default=None, repr=False)
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
        state["_baseline_maps"] = None
        state["_lock"] = None
        state["_model_lock"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._init_locks()

    def needs(self, *inputs: str) -> bool:
        """Whether any planned metric needs any of ``inputs`` (registry ``needs`` names)."""
        return any(get(m).uses(*inputs) for m in self.metrics)

    @property
    def shuffled(self) -> bool:
        return self.needs(*SHUFFLED_NEEDS)

    @property
    def needs_baseline(self) -> bool:
        """The IG baseline is read by its metrics, and by the metric-specific maps of the
        shuffled AUCs (the density over the centre bias)."""
        return self.needs("baseline_log_density", "baseline_map") or (
            self.metric_maps and self.kind == "probabilistic" and self.shuffled)

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

    def baseline_map(self, baseline_log_density) -> np.ndarray:
        """``exp`` of the baseline's log-density (MIT InfoGain's baseline map).

        A frozen (read-only) log-density — a baseline returning one cached array per size —
        gets its map computed once per worker and reused (itself frozen); any other is
        exponentiated each time.
        """
        from ..metrics.rules import is_frozen

        if not is_frozen(baseline_log_density):
            return np.exp(baseline_log_density)
        key = id(baseline_log_density)
        with self._lock:
            if self._baseline_maps is None:
                self._baseline_maps = {}
            entry = self._baseline_maps.get(key)
        if entry is not None and entry[0]() is baseline_log_density:
            return entry[1]
        values = np.exp(baseline_log_density)
        values.flags.writeable = False
        with self._lock:
            self._baseline_maps[key] = (weakref.ref(baseline_log_density), values)
            while len(self._baseline_maps) > 8:  # a few sizes at most; drop the oldest
                self._baseline_maps.pop(next(iter(self._baseline_maps)))
        return values

    def negatives(self, dataset) -> ShuffledNegatives:
        """Fixations of all evaluated images, rescaled per image size (built once per worker)."""
        with self._lock:
            if self._negatives is None:
                fixations = dataset.fixations
                position = np.full(len(dataset), -1, dtype=np.int64)
                position[self.images] = np.arange(self.images.size)
                keep = position[fixations.n] >= 0
                batch = FixationsByImage(fixations.x[keep], fixations.y[keep],
                                         position[fixations.n[keep]], self.images.size)
                shapes = [tuple(int(v) for v in dataset.stimuli.shapes[i]) for i in self.images]
                self._negatives = ShuffledNegatives(batch, shapes)
            return self._negatives
