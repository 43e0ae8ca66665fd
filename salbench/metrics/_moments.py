"""Metrics built on means and (co)variances: NSS and CC."""

from __future__ import annotations

import math

import numpy as np

from .._validation import as_coordinates, as_map, check_same_shape, degenerate, raise_non_finite
from ._conventions import convention_argument
from ._kernels.distinct import distinct_pixels
from ._kernels.moments import gather_sum, joint_moments, map_moments, sum_min_max


#: Why NSS / CC are NaN (shared with :mod:`salbench.torch`).
NSS_MIT_CONSTANT = "NSS (MIT convention) is undefined for a constant saliency map"
CC_CONSTANT_REFERENCE = "CC is undefined for a constant reference map"
CC_MIT_CONSTANT = "CC (MIT convention) is undefined for a constant saliency map"

_TINY = 1e-150  # squares of deviations below this may underflow
_HUGE = 1e150  # squares above this may overflow
#: The fast path's moments are used as they are when ``m2 >= n * _SAFE_VARIANCE`` (and all are
#: finite): then deviations small enough to underflow when squared (< 1e-154) carry a relative
#: weight below 1e-50. Otherwise the extremes are taken and the map rescaled as needed.
_SAFE_VARIANCE = 1e-250


def _power_of_two_rescaled(a, minimum, maximum):
    """``a * 2**k`` with its largest magnitude near 1, or None if no rescaling is needed.

    NSS and CC do not change when a map is multiplied by a positive number, and a power of two
    multiplies exactly, so a map whose squared deviations would underflow or overflow float64 is
    rescaled before its moments are taken.
    """
    magnitude = max(abs(minimum), abs(maximum))
    spread = maximum - minimum
    if _TINY < spread and magnitude < _HUGE:
        return None
    _, exponent = np.frexp(magnitude)
    return np.ldexp(a, -int(exponent))


def _safe(mean, m2, differs, n):
    """Whether one pass's moments can be used without looking at the map's extremes."""
    return math.isfinite(mean) and math.isfinite(m2) and (differs == 0 or m2 >= n * _SAFE_VARIANCE)


def _extremes(s, name, context):
    """``(minimum, maximum)``; raises on NaN or inf (the slow path of the moment functions)."""
    total, minimum, maximum = sum_min_max(s.reshape(-1))
    if np.isnan(total) or not (np.isfinite(minimum) and np.isfinite(maximum)):
        raise_non_finite(s, name, context=context)
    return minimum, maximum


def _map_moments(s, name, context=None):
    """``(mean, m2, constant, s)``; ``s`` is rescaled by a power of two where that was needed."""
    mean, m2, differs = map_moments(s.reshape(-1))
    if not _safe(mean, m2, differs, s.size):
        minimum, maximum = _extremes(s, name, context)
        if minimum != maximum:
            rescaled = _power_of_two_rescaled(s, minimum, maximum)
            if rescaled is not None:
                s = rescaled
                mean, m2, differs = map_moments(s.reshape(-1))
        if not (np.isfinite(mean) and np.isfinite(m2)):
            raise_non_finite(s, name, context=context)
    return mean, m2, differs == 0, s


def _nss_stats(s, flat, convention, *, context=None):
    """Update step: ``(sum of normalised values at the counted fixations, number counted)``."""
    mean, m2, constant, s = _map_moments(s, "saliency_map", context)
    n_pixels = s.size
    if convention == "mit":
        counted = distinct_pixels(flat)
        if constant or n_pixels < 2:
            return math.nan, counted.shape[0]
        std = math.sqrt(m2 / (n_pixels - 1))
    else:
        counted = flat
        # pysaliency skips the division when the std is exactly 0 (a constant map).
        std = 1.0 if constant else math.sqrt(m2 / n_pixels)
        if constant:
            mean = s.reshape(-1)[0]
    total = (gather_sum(s.reshape(-1), counted) - counted.shape[0] * mean) / std
    return total, counted.shape[0]


def _nss_per_fixation(s, flat, *, context=None):
    """Standardised saliency ``(s - mean) / std0`` at each fixation (pysaliency's ``NSS``)."""
    mean, m2, constant, s = _map_moments(s, "saliency_map", context)
    values = s.reshape(-1)[flat]
    if constant:
        return values - values  # pysaliency: no division for a constant map; exactly 0 here
    return (values - mean) / math.sqrt(m2 / s.size)


def nss(saliency_map, x, y, *, convention="tuebingen"):
    """Normalised scanpath saliency: the mean of the standardised map at the fixations.

    ``nss = mean_i (s[r_i, c_i] - mean(s)) / std(s)``. Higher is better; chance is 0.

    Parameters
    ----------
    saliency_map : (H, W) array_like
    x, y : array_like of shape (n,)
        Fixations, continuous 0-based pixel coordinates.
    convention : {"tuebingen", "mit"}, default="tuebingen"
        ``"tuebingen"`` (pysaliency): every fixation counts (repeats too), std over N; a constant
        map scores 0. ``"mit"`` (MIT ``NSS.m``): each fixated pixel counts once, std over N - 1; a
        constant map gives NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import nss
    >>> round(nss(np.array([[0.0, 0.0], [0.0, 1.0]]), [1.5], [1.5]), 6)
    1.732051
    """
    convention = convention_argument(convention)
    s = as_map(saliency_map)
    _, _, flat = as_coordinates(x, y, s.shape)
    value, reason = _nss(s, flat, convention)
    return degenerate(reason) if reason else value


def _nss(s, flat, convention, *, context=None):
    """Core of :func:`nss`: ``(value, reason)``."""
    total, count = _nss_stats(s, flat, convention, context=context)
    if math.isnan(total):
        return np.nan, NSS_MIT_CONSTANT
    return float(total / count), None


def _cc(s, r, convention, *, context=None):
    """Core of :func:`cc`: ``(value, reason)``."""
    mean_s, mean_r, m2_s, m2_r, cross, differs_s, differs_r = joint_moments(
        s.reshape(-1), r.reshape(-1)
    )
    if not (_safe(mean_s, m2_s, differs_s, s.size) and _safe(mean_r, m2_r, differs_r, r.size)):
        lo_s, hi_s = _extremes(s, "saliency_map", context)
        lo_r, hi_r = _extremes(r, "reference_map", context)
        rescaled_s = _power_of_two_rescaled(s, lo_s, hi_s) if lo_s != hi_s else None
        rescaled_r = _power_of_two_rescaled(r, lo_r, hi_r) if lo_r != hi_r else None
        if rescaled_s is not None or rescaled_r is not None:
            s = s if rescaled_s is None else rescaled_s
            r = r if rescaled_r is None else rescaled_r
            mean_s, mean_r, m2_s, m2_r, cross, differs_s, differs_r = joint_moments(
                s.reshape(-1), r.reshape(-1))
        if not all(np.isfinite(v) for v in (mean_s, m2_s, mean_r, m2_r, cross)):
            bad_s = not (np.isfinite(mean_s) and np.isfinite(m2_s))
            raise_non_finite(s if bad_s else r, "saliency_map" if bad_s else "reference_map",
                             context=context)
    constant_s = differs_s == 0
    constant_r = differs_r == 0
    if constant_r:
        return np.nan, CC_CONSTANT_REFERENCE
    if constant_s:
        if convention == "mit":
            return np.nan, CC_MIT_CONSTANT
        return 0.0, None  # pysaliency's guard: a constant prediction correlates 0
    # sqrt(m2_s) * sqrt(m2_r), not sqrt(m2_s * m2_r): the product of two small (or large) sums
    # of squares can underflow (overflow) although each is representable. Rounding can push |r|
    # a hair past 1; the exact value cannot be.
    return min(1.0, max(-1.0, cross / (math.sqrt(m2_s) * math.sqrt(m2_r)))), None


def cc(saliency_map, reference_map, *, convention="tuebingen"):
    """Pearson's linear correlation coefficient between a saliency map and a reference map.

    Higher is better; the result lies in [-1, 1]. The reference map is usually the empirical
    fixation density (fixations blurred with a Gaussian).

    Parameters
    ----------
    convention : {"tuebingen", "mit"}, default="tuebingen"
        Both compute the same formula. They differ only for a constant saliency map: 0 under
        ``"tuebingen"`` (pysaliency's guard), NaN under ``"mit"``. A constant reference map gives
        NaN under both.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import cc
    >>> cc(np.array([[0.0, 1.0], [2.0, 3.0]]), np.array([[1.0, 3.0], [5.0, 7.0]]))
    1.0
    """
    convention = convention_argument(convention)
    s = as_map(saliency_map)
    r = as_map(reference_map, "reference_map")
    check_same_shape(s, r, "saliency_map", "reference_map")
    value, reason = _cc(s, r, convention)
    return degenerate(reason) if reason else value
