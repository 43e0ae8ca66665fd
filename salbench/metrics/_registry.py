"""The metric registry: every metric's callable and the facts a table or an engine needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..exceptions import InputError


@dataclass(frozen=True)
class MetricInfo:
    """Facts about one metric.

    Attributes
    ----------
    name : str
        Registry name (also the column name in :func:`salbench.metrics.score_maps`).
    function : callable
        The public functional form.
    higher_is_better : bool
        Direction of the score.
    needs : tuple of str
        What an image must provide: any of ``"fixations"``, ``"reference_map"``,
        ``"log_density"``, ``"baseline_log_density"``, ``"baseline_map"``, ``"negatives"``,
        ``"other_map"``.
    conventions : tuple of str
        Values accepted by the function's ``convention=`` keyword (empty if it has none).
    family : str
        ``"pysaliency"`` (Tübingen), ``"mit"`` (MIT benchmark) or ``"both"``.
    unit : str
        Unit of the score.
    stochastic : bool
        True when the value depends on random sampling (``seed=`` makes it reproducible).
    summary : str
        One line for tables and ``--help``.
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

    @property
    def direction(self) -> str:
        """``"higher"`` or ``"lower"`` (is better)."""
        return "higher" if self.higher_is_better else "lower"

    @property
    def arrow(self) -> str:
        """``"↑"`` or ``"↓"`` for table headers."""
        return "↑" if self.higher_is_better else "↓"


_REGISTRY: dict[str, MetricInfo] = {}


def register(info: MetricInfo) -> MetricInfo:
    if info.name in _REGISTRY:
        raise ValueError(f"metric {info.name!r} is registered twice")
    _REGISTRY[info.name] = info
    return info


def names() -> list[str]:
    """Names of all registered metrics, in a stable order."""
    return list(_REGISTRY)


def get(name: str) -> MetricInfo:
    """The :class:`MetricInfo` of a metric by name (raises ``InputError`` naming the choices)."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown metric {name!r}; known metrics: {', '.join(names())}") from None
