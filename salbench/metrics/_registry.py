"""The metric registry: the dispatch table of every scoring path.

A registered :class:`MetricInfo` carries everything the scoring paths need — the per-image core,
the per-fixation core where one exists, the inputs it reads, its direction, its conventions, the
options it uses and how its per-image value is averaged — so :func:`salbench.metrics.score_image`
(and through it ``score_maps``, ``score_fixations``, ``StreamingScores`` and the evaluation engine)
never branches on a metric's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..exceptions import InputError

#: The inputs a metric can need (``MetricInfo.needs``).
NEEDS = ("saliency_map", "fixations", "reference_map", "log_density", "baseline_log_density",
         "baseline_map", "negatives", "other_map")
#: The metric-specific saliency maps a metric can have (``MetricInfo.optimal_map``).
OPTIMAL_MAPS = ("density", "shuffled", "blurred", "sim", "log_density")
#: Options a metric can read from :class:`salbench.metrics.ScoringOptions` (``MetricInfo.options``).
OPTIONS = ("n_splits", "step", "seed", "emd_downsize")


@dataclass(frozen=True)
class MetricInfo:
    """Facts about one metric, and the cores that compute it.

    Attributes
    ----------
    name : str
        Registry name (also the column name in :func:`salbench.metrics.score_maps`).
    function : callable
        The public functional form.
    higher_is_better : bool
        Direction of the score.
    needs : tuple of str
        What an image must provide, any of :data:`NEEDS`: ``"saliency_map"``, ``"fixations"``,
        ``"reference_map"``, ``"log_density"``, ``"baseline_log_density"``, ``"baseline_map"``,
        ``"negatives"`` (other images' fixations, rescaled), ``"other_map"`` (the pixels those
        fixations hit).
    conventions : tuple of str
        Values accepted by the function's ``convention=`` keyword (empty if it has none); the
        first is the default.
    family : str
        ``"pysaliency"`` (Tübingen), ``"mit"`` (MIT benchmark) or ``"both"``.
    unit : str
        Unit of the score.
    stochastic : bool
        True when the value depends on random sampling (``seed=`` makes it reproducible).
    summary : str
        One line for tables and ``--help``.
    image_score : callable
        ``image_score(inputs, options) -> (value, reason)``: the per-image core over validated
        :class:`~salbench.metrics.ImageInputs`; ``reason`` is None or why the value is NaN.
    fixation_scores : callable or None
        ``fixation_scores(inputs, options) -> (values, reason)``: one value per fixation, for
        metrics that have one.
    mean_of_fixations : bool or tuple of str
        Whether the per-image value is the mean of the per-fixation values (then, when those are
        computed anyway, the image value is their mean over the defined ones); a tuple names the
        conventions under which it is (NSS: only ``"tuebingen"``).
    options : tuple of str
        The :class:`~salbench.metrics.ScoringOptions` fields the cores read (validated only when
        a metric that reads them is asked for).
    optimal_map : str
        Which map of a probabilistic model maximises the metric's expected score (Kümmerer,
        Wallis & Bethge, ECCV 2018; :mod:`salbench.models.metric_maps`), one of
        :data:`OPTIMAL_MAPS`: ``"density"``, ``"shuffled"`` (the density over the negatives'
        density), ``"blurred"`` (the density blurred like the empirical maps), ``"sim"`` (the
        SIM-optimal map) or ``"log_density"`` (the metric reads the log-density itself); ``""``
        when none is defined.
    float32 : bool
        Whether the cores read float32 maps as they are (accumulating in float64) with results
        identical to those on the same maps in float64; ``score_maps`` and ``StreamingScores``
        then make no float64 copy of a float32 map that only such metrics read.
    """

    name: str
    function: Callable
    higher_is_better: bool
    needs: tuple
    conventions: tuple = ()
    family: str = "pysaliency"
    unit: str = ""
    stochastic: bool = False
    summary: str = ""
    card: str = field(default="", compare=False)
    image_score: Callable | None = field(default=None, compare=False, repr=False)
    fixation_scores: Callable | None = field(default=None, compare=False, repr=False)
    mean_of_fixations: bool | tuple = False
    options: tuple = ()
    optimal_map: str = ""
    float32: bool = False

    def __post_init__(self):
        unknown = [n for n in self.needs if n not in NEEDS]
        if unknown:
            raise ValueError(f"metric {self.name!r} needs unknown input(s) {unknown}; known: "
                             f"{', '.join(NEEDS)}")
        unknown = [o for o in self.options if o not in OPTIONS]
        if unknown:
            raise ValueError(f"metric {self.name!r} reads unknown option(s) {unknown}; known: "
                             f"{', '.join(OPTIONS)}")
        if self.optimal_map and self.optimal_map not in OPTIMAL_MAPS:
            raise ValueError(f"metric {self.name!r} has unknown optimal_map {self.optimal_map!r}; "
                             f"known: {', '.join(OPTIMAL_MAPS)}")
        if not callable(self.image_score):
            raise ValueError(f"metric {self.name!r} has no image_score core")
        if self.mean_of_fixations and self.fixation_scores is None:
            raise ValueError(f"metric {self.name!r} is a mean of fixations but has no "
                             "fixation_scores core")

    @property
    def direction(self) -> str:
        """``"higher"`` or ``"lower"`` (is better)."""
        return "higher" if self.higher_is_better else "lower"

    @property
    def arrow(self) -> str:
        """``"↑"`` or ``"↓"`` for table headers."""
        return "↑" if self.higher_is_better else "↓"

    @property
    def per_fixation(self) -> bool:
        """Whether the metric has a value per fixation."""
        return self.fixation_scores is not None

    def is_mean_of_fixations(self, convention: str | None = None) -> bool:
        """Whether the image value is the mean of the per-fixation values under ``convention``."""
        if isinstance(self.mean_of_fixations, tuple):
            return convention in self.mean_of_fixations
        return bool(self.mean_of_fixations)

    def uses(self, *needs: str) -> bool:
        """Whether the metric needs any of ``needs``."""
        return any(n in self.needs for n in needs)


_REGISTRY: dict[str, MetricInfo] = {}


def register(info: MetricInfo) -> MetricInfo:
    """Add a metric to the registry; every scoring path then knows it.

    Raises ``ValueError`` when the name is taken. See ``docs/architecture.md`` ("add a metric").
    """
    if not isinstance(info, MetricInfo):
        raise TypeError(f"register() takes a MetricInfo, got {type(info).__name__}")
    if info.name in _REGISTRY:
        raise ValueError(f"metric {info.name!r} is registered twice")
    _REGISTRY[info.name] = info
    return info


def unregister(name: str) -> MetricInfo:
    """Remove a metric from the registry (for tests and plug-ins); returns its info."""
    return _REGISTRY.pop(get(name).name)


def names() -> list[str]:
    """Names of all registered metrics, in a stable order."""
    return list(_REGISTRY)


def get(name: str) -> MetricInfo:
    """The :class:`MetricInfo` of a metric by name (raises ``InputError`` naming the choices)."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown metric {name!r}; known metrics: {', '.join(names())}") from None


def needing(*needs: str) -> list[str]:
    """Registered metrics that need any of ``needs``, in registry order."""
    return [name for name, info in _REGISTRY.items() if info.uses(*needs)]


def per_fixation_names() -> tuple:
    """Registered metrics with a value per fixation, in registry order."""
    return tuple(name for name, info in _REGISTRY.items() if info.per_fixation)
