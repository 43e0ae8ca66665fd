"""Metrics that compare two maps as probability distributions: KL divergence, SIM and EMD."""

from __future__ import annotations

import numpy as np

from .._validation import (
    as_map,
    check_finite,
    check_same_shape,
    degenerate,
    keyword_choice,
    positive_int,
    raise_non_finite,
)
from ._conventions import convention_argument
from ._emd import _MATCHING, _emd_mit
from ._kernels import divergence
from ._kernels.moments import pair_sum_min_max, sum_min_max

#: pysaliency's literal regularisation constant in ``MIT_KLDiv`` (not exactly MIT's eps).
PYSALIENCY_KLD_EPSILON = 2.2204e-16
#: MATLAB's ``eps``, used by MIT ``KLdiv.m``.
MATLAB_EPS = float(np.finfo(np.float64).eps)
#: The floor pysaliency's ``image_based_kl_divergence`` adds to both maps by default.
PYSALIENCY_MINIMUM_VALUE = 1e-20


#: Why KLD / SIM are NaN (shared with :mod:`salbench.torch`).
KLD_MIT_NEGATIVE = ("KL divergence (MIT convention) is undefined here: a map with negative values "
                    "makes MIT's KLdiv take the logarithm of a negative number")
SIM_MIT_CONSTANT = "SIM (MIT convention) is undefined for a constant nonzero map"

_TINY_MAGNITUDE = 1e-290  # below this, 1 / sum could overflow


def _first_pass(s, r, context, *, rescale=True):
    """``(s, sum, min, max), (r, sum, min, max)``: both maps' sums and extremes in one pass.

    A map of vanishing magnitude is first scaled by a power of two: the densities here are
    invariant to scaling a map (without an additive floor), and a power of two scales exactly,
    so a map whose sum is so small that its reciprocal overflows is brought to magnitude ~1
    instead of producing inf.
    """
    stats = pair_sum_min_max(s.reshape(-1), r.reshape(-1))
    out = []
    for a, name, (total, minimum, maximum) in ((s, "saliency_map", stats[:3]),
                                               (r, "reference_map", stats[3:])):
        if not np.isfinite(total):
            raise_non_finite(a, name, context=context)
        magnitude = max(abs(minimum), abs(maximum))
        if rescale and 0 < magnitude < _TINY_MAGNITUDE:
            a = np.ldexp(a, -int(np.frexp(magnitude)[1]))
            total, minimum, maximum = sum_min_max(a.reshape(-1))
        out.append((a, total, minimum, maximum))
    return out


def linear_density(offset, scale, constant):
    """The density ``(a - offset) * scale + constant`` as the kernels take it."""
    return np.array([offset, scale, constant], dtype=np.float64)


def _pysaliency_density(a, total, minimum, add):
    """pysaliency's ``convert_saliency_map_to_density(a, minimum_value=add)`` as a linear form.

    Shift only a map with negative values to minimum 0, add ``add``, divide by the sum; an all-zero
    result becomes the uniform map.
    """
    flat = a.reshape(-1)
    shift = minimum if minimum < 0 else 0.0
    if shift != 0.0 or add != 0.0:
        total = divergence.normalised_sum(flat, shift, 1.0, add)
    if total != 0:
        return linear_density(shift, 1.0 / total, add / total)
    return linear_density(0.0, 0.0, 1.0 / flat.shape[0])


def _mit_sum_density(total, has_nonzero):
    """``a / sum(a)`` if any entry is nonzero, else the map unchanged (MIT ``KLdiv.m``)."""
    if has_nonzero:
        return linear_density(0.0, 1.0 / total, 0.0)
    return linear_density(0.0, 1.0, 0.0)


def _mit_minmax_density(a, minimum, maximum):
    """``mm(a) / sum(mm(a))`` if any entry is nonzero, else zeros (MIT ``similarity.m``).

    Returns None for a constant nonzero map, where MIT's min-max divides 0 by 0.
    """
    if minimum == 0.0 and maximum == 0.0:
        return linear_density(0.0, 0.0, 0.0)
    spread = maximum - minimum
    if spread == 0:
        return None
    total = divergence.normalised_sum(a.reshape(-1), minimum, spread, 0.0)
    return linear_density(minimum, 1.0 / (spread * total), 0.0)


KLD_CONVENTIONS = ("tuebingen", "mit", "pysaliency")


def _kld(s, r, convention, *, context=None):
    """Core of :func:`kld`: ``(value, reason)``."""
    floor = convention == "pysaliency"  # its additive 1e-20 is not scale invariant
    (s, total_s, min_s, max_s), (r, total_r, min_r, max_r) = _first_pass(
        s, r, context, rescale=not floor)
    flat_s, flat_r = s.reshape(-1), r.reshape(-1)
    if convention == "mit":
        ps = _mit_sum_density(total_s, min_s != 0 or max_s != 0)
        pr = _mit_sum_density(total_r, min_r != 0 or max_r != 0)
        value = divergence.kl_regularised(flat_s, flat_r, ps, pr, MATLAB_EPS)
        if np.isnan(value):
            return np.nan, KLD_MIT_NEGATIVE
        return float(value), None
    if convention == "pysaliency":
        ps = _pysaliency_density(s, total_s, min_s, PYSALIENCY_MINIMUM_VALUE)
        pr = _pysaliency_density(r, total_r, min_r, PYSALIENCY_MINIMUM_VALUE)
        return float(divergence.kl_plain(flat_s, flat_r, ps, pr)), None
    ps = _pysaliency_density(s, total_s, min_s, 0.0)
    pr = _pysaliency_density(r, total_r, min_r, 0.0)
    return float(divergence.kl_regularised(flat_s, flat_r, ps, pr, PYSALIENCY_KLD_EPSILON)), None


def kld(saliency_map, reference_map, *, convention="tuebingen"):
    """Kullback–Leibler divergence ``KL(Q || P)`` of the reference density Q from the prediction P.

    Lower is better; 0 for identical densities.

    Parameters
    ----------
    saliency_map : (H, W) array_like
        The prediction, turned into the density P.
    reference_map : (H, W) array_like
        The empirical fixation density (or any reference map), turned into Q.
    convention : {"tuebingen", "mit", "pysaliency"}, default="tuebingen"
        ``"tuebingen"``: the MIT-regularised form used by the public MIT/Tübingen leaderboard
        (pysaliency ``MIT_KLDiv``): maps with negative values are shifted to minimum 0 and divided
        by their sums, then ``sum(Q * ln(c + Q / (P + c)))`` with pysaliency's literal
        ``c = 2.2204e-16``. ``"mit"``: MIT ``KLdiv.m`` — no shift, ``c = eps = 2**-52``; maps with
        negative values give NaN (MATLAB returns a complex number). ``"pysaliency"``: pysaliency's
        ``image_based_kl_divergence`` default — add 1e-20 to both maps, normalise, then
        ``sum(Q * (ln Q - ln P))``.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import kld
    >>> round(kld(np.array([[1.0, 1.0]]), np.array([[1.0, 3.0]])), 6)
    0.130812
    """
    convention = convention_argument(convention, KLD_CONVENTIONS)
    s = as_map(saliency_map)
    r = as_map(reference_map, "reference_map")
    check_same_shape(s, r, "saliency_map", "reference_map")
    value, reason = _kld(s, r, convention)
    return degenerate(reason) if reason else value


def _sim(s, r, convention, *, context=None):
    """Core of :func:`sim`: ``(value, reason)``."""
    (s, total_s, min_s, max_s), (r, total_r, min_r, max_r) = _first_pass(s, r, context)
    if convention == "mit":
        ps = _mit_minmax_density(s, min_s, max_s)
        pr = _mit_minmax_density(r, min_r, max_r)
        if ps is None or pr is None:
            return np.nan, SIM_MIT_CONSTANT
    else:
        ps = _pysaliency_density(s, total_s, min_s, 0.0)
        pr = _pysaliency_density(r, total_r, min_r, 0.0)
    return float(divergence.intersection(s.reshape(-1), r.reshape(-1), ps, pr)), None


def sim(saliency_map, reference_map, *, convention="tuebingen"):
    """Similarity (histogram intersection) ``sum(min(P, Q))`` of two maps as densities.

    Higher is better; 1 for identical densities, in [0, 1].

    Parameters
    ----------
    convention : {"tuebingen", "mit"}, default="tuebingen"
        ``"tuebingen"`` (pysaliency ``SIM``): shift only maps with negative values, divide by the
        sum. ``"mit"`` (MIT ``similarity.m``): min-max normalise each map first (an all-zero map
        stays zero; a constant nonzero map gives NaN).

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import sim
    >>> sim(np.array([[1.0, 1.0]]), np.array([[1.0, 3.0]]))
    0.75
    """
    convention = convention_argument(convention)
    s = as_map(saliency_map)
    r = as_map(reference_map, "reference_map")
    check_same_shape(s, r, "saliency_map", "reference_map")
    value, reason = _sim(s, r, convention)
    return degenerate(reason) if reason else value


def _emd(s, r, downsize, histogram_matching, *, context=None):
    """Core of :func:`emd`: ``(value, reason)``."""
    check_finite(s, "saliency_map", context=context)
    check_finite(r, "reference_map", context=context)
    return _emd_mit(s, r, downsize, histogram_matching)


def emd(saliency_map, reference_map, *, downsize=32, histogram_matching="none"):
    """Earth Mover's Distance between a saliency map and a reference map, both as densities.

    Following the MIT benchmark (``EMD.m``): the reference map is shrunk by ``downsize`` with
    MATLAB's bicubic antialiased ``imresize``, the saliency map is resized to that size, both are
    divided by their sums (``P = s / sum(s)``, ``Q = ref / sum(ref)``, no min-max, no clipping), and
    the EMD is the exact minimum cost of moving ``max(P - Q, 0)`` onto ``max(Q - P, 0)`` with the
    Euclidean ground distance in cells of the shrunk grid. Lower is better; 0 for equal densities.

    Parameters
    ----------
    saliency_map, reference_map : (H, W) array_like
    downsize : int, default=32
        Shrink factor (MIT's ``1/32``); ``1`` computes the EMD on the full grid (slow beyond a few
        thousand pixels: the exact solver is super-linear in the number of cells).
    histogram_matching : {"none", "hist", "histo_mex"}, default="none"
        ``"none"``: the definition above (the conformance vectors). MIT's ``EMD.m`` additionally
        histogram-matches the shrunk saliency map to the shrunk reference map (matlabPyrTools);
        ``"hist"`` and ``"histo_mex"`` reproduce its two code paths (see the metric card).

    Notes
    -----
    MIT's FastEMD rounds masses and distances to 1e-6 of their maximum; this solver is exact, so
    values agree with MIT's to about 1e-6 relative.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import emd
    >>> emd(np.array([[1.0, 0.0, 0.0]]), np.array([[0.0, 0.0, 1.0]]), downsize=1)
    2.0
    """
    s = as_map(saliency_map)
    r = as_map(reference_map, "reference_map")
    check_same_shape(s, r, "saliency_map", "reference_map")
    downsize = positive_int(downsize, "downsize")
    histogram_matching = keyword_choice(histogram_matching, "histogram_matching", _MATCHING)
    value, reason = _emd(s, r, downsize, histogram_matching)
    return degenerate(reason) if reason else value
