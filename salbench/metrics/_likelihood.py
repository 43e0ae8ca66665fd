"""Probabilistic metrics: log-likelihood and information gain, and MIT's InfoGain."""

from __future__ import annotations

import math
import weakref

import numpy as np

from .._validation import as_coordinates, as_map, check_same_shape, degenerate, raise_non_finite
from ..exceptions import InputError
from ._kernels.distinct import distinct_pixels
from ._kernels.divergence import normalised_sum
from ._kernels.moments import gather_sum, sum_min_max
from ._kernels.vector_exp import CHECK_RELATIVE_ERROR, OVERFLOW, sum_exp, sum_exp_check

#: A log-density must satisfy ``|sum(exp(log_density)) - 1| <= LOG_DENSITY_TOLERANCE``.
LOG_DENSITY_TOLERANCE = 1e-6
#: The same for a float32 log-density: a float32 log-softmax cannot be normalised more tightly
#: (its logsumexp is rounded to float32, ~1e-6 absolute at |log p| ~ 10; this allows |log p| up to
#: ~1000).
LOG_DENSITY_TOLERANCE_FLOAT32 = 1e-4


def log_density_tolerance(dtype) -> float:
    """The normalisation tolerance for a log-density of ``dtype`` (float32 or float64)."""
    return LOG_DENSITY_TOLERANCE_FLOAT32 if str(dtype).endswith("float32") else \
        LOG_DENSITY_TOLERANCE


LN2 = math.log(2.0)
#: Why information gain is NaN (shared with :mod:`salbench.torch`).
IG_BOTH_ZERO = ("information gain is undefined: both the model and the baseline give "
                "probability 0 to a fixation")


def not_normalised_message(name, mass, *, context=None, tolerance=LOG_DENSITY_TOLERANCE) -> str:
    """The message for a log-density whose mass is not 1 (shared with :mod:`salbench.torch`)."""
    where = f" ({context})" if context else ""
    return (f"{name}{where} is not a normalised log-density: sum(exp({name})) = {mass!r}, "
            f"more than {tolerance:g} away from 1. Normalise it first, e.g. "
            f"{name} - scipy.special.logsumexp({name})")


def invalid_log_density_message(name, count, first, row, col, *, context=None) -> str:
    """The message for NaN / +inf in a log-density (-inf is a valid zero)."""
    where = f" ({context})" if context else ""
    return (f"{name}{where} contains {count} NaN or +inf value(s); the first is {first!r} at "
            f"row {row}, column {col}")


# Read-only arrays whose normalisation was verified: id -> weak reference (see _frozen).
_VERIFIED: dict = {}


def _frozen(a) -> bool:
    """Whether nothing can write to ``a``'s values through NumPy.

    True for a read-only float64 array whose whole base chain is read-only NumPy arrays ending at
    one that owns its data (or at a ``bytes`` object). A read-only *view* of a writeable array is
    not frozen (the base can change), nor is an array over a foreign buffer (an mmap).
    """
    if type(a) is not np.ndarray or a.flags.writeable:
        return False
    base = a.base
    while isinstance(base, np.ndarray):
        if base.flags.writeable:
            return False
        base = base.base
    return base is None or isinstance(base, bytes)


def _verified(a) -> bool:
    ref = _VERIFIED.get(id(a))
    return ref is not None and ref() is a and _frozen(a)


def _remember(a):
    if _frozen(a):
        key = id(a)
        # the entry goes when the array does, before its id can be reused
        _VERIFIED[key] = weakref.ref(a, lambda _, key=key: _VERIFIED.pop(key, None))


def _locate_invalid(a, name, *, context=None):
    """Raise an InputError at the first NaN or +inf of a log-density (-inf is a valid zero)."""
    bad = np.argwhere(np.isnan(a) | (a == np.inf))
    if len(bad):
        row, col = (int(v) for v in bad[0])
        raise InputError(invalid_log_density_message(name, len(bad), float(a[row, col]), row, col,
                                                     context=context))


def _log_density_argument(log_density, name, check_normalization, *, context=None,
                          keep_float32=False):
    """Validate a log-density; with ``check_normalization`` also its mass (one pass with exp).

    The mass of a frozen array (read-only, see :func:`_frozen`) is verified once: a baseline
    reused across calls is checked on its first call only. An array that is made writeable again
    is checked again. ``keep_float32`` keeps a float32 map as float32 (its mass is summed in
    float64 and compared with the float32 tolerance).
    """
    a = as_map(log_density, name, context=context, keep_float32=keep_float32)
    if check_normalization and not _verified(log_density):
        values = a.reshape(-1)
        values = values if values.dtype == np.float64 else values.astype(np.float64)
        # to 3e-10 relative (CHECK_RELATIVE_ERROR): ample for a tolerance of 1e-6 ...
        mass = sum_exp_check(values)
        if not mass < OVERFLOW:  # NaN, +inf, or a value above exp's range
            _locate_invalid(a, name, context=context)
            with np.errstate(over="ignore"):
                mass = float(np.sum(np.exp(a.astype(np.float64))))  # the mass to report, plainly
        tolerance = log_density_tolerance(a.dtype)
        if not abs(mass - 1.0) <= tolerance - 2 * CHECK_RELATIVE_ERROR * mass and mass < OVERFLOW:
            # ... but near the boundary, or to report a mass, only the accurate sum decides
            mass = sum_exp(values)
        if not abs(mass - 1.0) <= tolerance:
            raise InputError(not_normalised_message(name, mass, context=context,
                                                    tolerance=tolerance))
        _remember(log_density)
    return a


def check_log_density(log_density, name="log_density", *, check_normalization=True, context=None):
    """Validate a log-density map: 2-D, finite or ``-inf``, and (by default) normalised.

    Returns it as a float64 C-contiguous array. Raises ``InputError`` naming ``name`` and
    ``context`` (e.g. the image) and the first bad pixel, or the mass when it is not within
    :data:`LOG_DENSITY_TOLERANCE` of 1.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import check_log_density
    >>> check_log_density(np.log(np.full((2, 2), 0.25))).shape
    (2, 2)
    """
    return _log_density_argument(log_density, name, check_normalization, context=context)


def _sum_at(a, name, flat, *, context=None):
    total = gather_sum(a.reshape(-1), flat)
    if np.isnan(total) or total == np.inf:
        _locate_invalid(a, name, context=context)
    return total


def log_likelihood(log_density, x, y, *, check_normalization=True):
    """Mean log-likelihood of the fixations under a model's log-density, in nats per fixation.

    ``ll = mean_i log_density[r_i, c_i]``, read exactly as given (no renormalisation, no epsilon).
    Higher is better; a uniform model scores ``-ln(H * W)``.

    Parameters
    ----------
    log_density : (H, W) array_like
        Natural-log probability of each pixel; ``exp(log_density)`` must sum to 1 (within
        ``LOG_DENSITY_TOLERANCE`` = 1e-6) unless ``check_normalization=False``.
    x, y : array_like of shape (n,)
        Fixations, continuous 0-based pixel coordinates; repeats count.
    check_normalization : bool, default=True
        Check the normalisation (one extra pass with ``exp``); turn off in hot training loops
        where the log-density comes from a log-softmax.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import log_likelihood
    >>> round(log_likelihood(np.log(np.full((2, 2), 0.25)), [0.5], [0.5]), 6)
    -1.386294
    """
    L = _log_density_argument(log_density, "log_density", check_normalization)
    _, _, flat = as_coordinates(x, y, L.shape)
    return _log_likelihood(L, flat)


def _log_likelihood(L, flat, *, context=None):
    """Core of :func:`log_likelihood` for a validated log-density."""
    return float(_sum_at(L, "log_density", flat, context=context) / flat.shape[0])


def information_gain(log_density, baseline_log_density, x, y, *, check_normalization=True):
    """Information gain of a model over a baseline, in bits per fixation.

    ``ig = mean_i (log_density[r_i, c_i] - baseline_log_density[r_i, c_i]) / ln 2``. Higher is
    better; 0 when the model is the baseline. The baseline is usually a centre-bias model.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import information_gain
    >>> model = np.log(np.array([[0.5, 0.25], [0.125, 0.125]]))
    >>> information_gain(model, np.log(np.full((2, 2), 0.25)), [0.5], [0.5])
    1.0
    """
    L = _log_density_argument(log_density, "log_density", check_normalization)
    B = _log_density_argument(baseline_log_density, "baseline_log_density", check_normalization)
    check_same_shape(L, B, "log_density", "baseline_log_density")
    _, _, flat = as_coordinates(x, y, L.shape)
    value, reason = _information_gain(L, B, flat)
    return degenerate(reason) if reason else value


def _information_gain(L, B, flat, *, context=None):
    """Core of :func:`information_gain` for validated log-densities: ``(value, reason)``."""
    model = _sum_at(L, "log_density", flat, context=context)
    baseline = _sum_at(B, "baseline_log_density", flat, context=context)
    if model == -np.inf and baseline == -np.inf:
        return np.nan, IG_BOTH_ZERO
    return float((model - baseline) / flat.shape[0] / LN2), None


def _mit_density_at(a, name, flat, *, context=None):
    """MIT ``InfoGain``'s ``mm(a) / sum(mm(a))`` at the pixels ``flat``, or None if constant."""
    total, minimum, maximum = sum_min_max(a.reshape(-1))
    if not np.isfinite(total):
        raise_non_finite(a, name, context=context)
    spread = maximum - minimum
    if spread == 0:
        return None
    mass = normalised_sum(a.reshape(-1), minimum, spread, 0.0)
    return ((a.reshape(-1)[flat] - minimum) / spread) / mass


def info_gain_mit(saliency_map, baseline_map, x, y):
    """MIT benchmark ``InfoGain``: bits per fixated pixel of a min-max-normalised map over a baseline.

    Both maps become ``mm(a) / sum(mm(a))``; the score is
    ``mean over fixated pixels (each once) of log2(eps + p) - log2(eps + b)``. Min-max gives each
    map's minimum pixel probability 0, so a fixation there adds ``log2(eps) = -52`` (or +52 for the
    baseline). Use :func:`information_gain` for real log-densities.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import info_gain_mit
    >>> s = np.array([[0.0, 1.0], [1.0, 2.0]])
    >>> round(info_gain_mit(s, np.array([[0.0, 1.0], [1.0, 1.0]]), [1.5], [1.5]), 6)
    0.584963
    """
    s = as_map(saliency_map)
    b = as_map(baseline_map, "baseline_map")
    check_same_shape(s, b, "saliency_map", "baseline_map")
    _, _, flat = as_coordinates(x, y, s.shape)
    value, reason = _info_gain_mit(s, b, flat)
    return degenerate(reason) if reason else value


def _info_gain_mit(s, b, flat, *, context=None):
    """Core of :func:`info_gain_mit`: ``(value, reason)``."""
    fixated = distinct_pixels(flat)
    p = _mit_density_at(s, "saliency_map", fixated, context=context)
    q = _mit_density_at(b, "baseline_map", fixated, context=context)
    if p is None or q is None:
        return np.nan, "InfoGain (MIT) is undefined for a constant map"
    eps = np.finfo(np.float64).eps
    return float(np.mean(np.log2(eps + p) - np.log2(eps + q))), None
