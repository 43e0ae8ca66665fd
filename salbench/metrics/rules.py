"""The rules every implementation of the metrics shares: constants, messages, batch kernels.

The numpy metrics and the torch path (:mod:`salbench.torch`) must give the same values, the same
NaN reasons and the same validation messages. Instead of a second copy of those rules, both read
them from here: the conventions' constants (epsilons, the values MIT's code gives constant
maps), the reasons a value is undefined, the validation messages, the per-metric-list checks and
the batched Numba kernels that CPU tensors reuse, and which arrays count as frozen (a read-only
log-density is validated once).
"""

from ._batch import _metric_list as metric_list
from ._batch import _warn_degenerate as warn_degenerate
from ._distributions import (
    KLD_MIT_NEGATIVE,
    MATLAB_EPS,
    PYSALIENCY_KLD_EPSILON,
    PYSALIENCY_MINIMUM_VALUE,
    SIM_MIT_CONSTANT,
)
from ._image import NO_FIXATIONS
from ._kernels import batch as batch_kernels
from ._likelihood import (
    IG_BOTH_ZERO,
    LN2,
    _frozen as is_frozen,
    invalid_log_density_message,
    log_density_tolerance,
    not_normalised_message,
)
from ._moments import CC_CONSTANT_REFERENCE, CC_MIT_CONSTANT, NSS_MIT_CONSTANT
from ._roc import NO_NEGATIVES, NO_SHUFFLED_NEGATIVES
from ._streaming import AVERAGES

__all__ = [
    "AVERAGES", "CC_CONSTANT_REFERENCE", "CC_MIT_CONSTANT", "IG_BOTH_ZERO", "KLD_MIT_NEGATIVE",
    "LN2", "MATLAB_EPS", "NO_FIXATIONS", "NO_NEGATIVES", "NO_SHUFFLED_NEGATIVES",
    "NSS_MIT_CONSTANT", "PYSALIENCY_KLD_EPSILON", "PYSALIENCY_MINIMUM_VALUE", "SIM_MIT_CONSTANT",
    "batch_kernels", "invalid_log_density_message", "is_frozen", "log_density_tolerance", "metric_list",
    "not_normalised_message", "warn_degenerate",
]
