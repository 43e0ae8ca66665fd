"""Saliency metrics: conformant with pysaliency and the MIT benchmark, and fast.

Functions take one image at a time (arrays in, a float out); :func:`score_maps` scores many images
at once in parallel. Fixations are ``(x, y)`` in continuous 0-based pixel coordinates (x = column,
y = row); a fixation belongs to pixel ``(floor(y), floor(x))``.

Every metric is registered: :func:`names` lists them, :func:`get` gives a :class:`MetricInfo`
(the callable, the direction, what it needs, its conventions).
"""

from ._batch import score_fixations, score_maps
from ._distributions import emd, kld, sim
from ._image import (
    ImageInputs,
    ImageScores,
    ScoringOptions,
    mean_defined,
    resolve_conventions,
    score_image,
)
from ._likelihood import (
    LOG_DENSITY_TOLERANCE,
    check_log_density,
    info_gain_mit,
    information_gain,
    log_likelihood,
)
from ._moments import cc, nss
from ._negatives import FixationsByImage, ShuffledNegatives
from ._registry import (
    NEEDS,
    OPTIMAL_MAPS,
    MetricInfo,
    get,
    names,
    needing,
    per_fixation_names,
    register,
    unregister,
)
from ._roc import auc, auc_borji, auc_judd, auc_per_fixation, auc_unfixated, sauc, sauc_mit
from ._roc import RocCurve, mean_roc_curve, roc_curve
from ._streaming import StreamingScores
from .resize import resize_map
from . import _catalogue  # noqa: F401,E402  (registers the metrics)


def __getattr__(name):
    # Computed from the registry on access, so a metric registered later is included.
    if name == "PER_FIXATION_METRICS":
        return per_fixation_names()
    raise AttributeError(f"module 'salbench.metrics' has no attribute {name!r}")


__all__ = [
    "LOG_DENSITY_TOLERANCE",
    "NEEDS",
    "OPTIMAL_MAPS",
    "PER_FIXATION_METRICS",
    "FixationsByImage",
    "ImageInputs",
    "ImageScores",
    "MetricInfo",
    "RocCurve",
    "ScoringOptions",
    "ShuffledNegatives",
    "StreamingScores",
    "auc",
    "auc_borji",
    "auc_judd",
    "auc_per_fixation",
    "auc_unfixated",
    "cc",
    "check_log_density",
    "emd",
    "get",
    "info_gain_mit",
    "information_gain",
    "kld",
    "log_likelihood",
    "mean_defined",
    "mean_roc_curve",
    "names",
    "needing",
    "nss",
    "per_fixation_names",
    "register",
    "resize_map",
    "resolve_conventions",
    "roc_curve",
    "sauc",
    "sauc_mit",
    "score_fixations",
    "score_image",
    "score_maps",
    "sim",
    "unregister",
]
