"""Saliency metrics: conformant with pysaliency and the MIT benchmark, and fast.

Functions take one image at a time (arrays in, a float out); :func:`score_maps` scores many images
at once in parallel. Fixations are ``(x, y)`` in continuous 0-based pixel coordinates (x = column,
y = row); a fixation belongs to pixel ``(floor(y), floor(x))``.

Every metric is registered: :func:`names` lists them, :func:`get` gives a :class:`MetricInfo`
(the callable, the direction, what it needs, its conventions).
"""

from ._batch import PER_FIXATION_METRICS, score_fixations, score_maps
from ._distributions import emd, kld, sim
from .resize import resize_map
from ._likelihood import LOG_DENSITY_TOLERANCE, info_gain_mit, information_gain, log_likelihood
from ._moments import cc, nss
from ._registry import MetricInfo, get, names
from ._streaming import StreamingScores
from ._roc import auc, auc_borji, auc_judd, auc_per_fixation, auc_unfixated, sauc, sauc_mit
from ._roc import RocCurve, mean_roc_curve, roc_curve
from . import _catalogue  # noqa: F401  (registers the metrics)

__all__ = [
    "LOG_DENSITY_TOLERANCE",
    "PER_FIXATION_METRICS",
    "MetricInfo",
    "RocCurve",
    "StreamingScores",
    "auc",
    "auc_borji",
    "auc_judd",
    "auc_per_fixation",
    "auc_unfixated",
    "cc",
    "emd",
    "get",
    "info_gain_mit",
    "information_gain",
    "kld",
    "log_likelihood",
    "mean_roc_curve",
    "names",
    "nss",
    "resize_map",
    "roc_curve",
    "sauc",
    "sauc_mit",
    "score_fixations",
    "score_maps",
    "sim",
]
