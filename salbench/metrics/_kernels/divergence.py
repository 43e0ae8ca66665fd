"""Per-pixel sums over two maps turned into densities: KL divergence and histogram intersection.

Each map becomes a density by ``d(a) = ((a - shift) / spread + add) / div`` with per-map constants
chosen by the public wrapper (pysaliency: shift only negative maps, add a floor, divide by the sum;
MIT: min-max first), or by a constant (``constant >= 0``: the uniform map, or MIT's all-zero map).
The constants need whole-map sums, so a metric is one pass for the sums and one for the terms.
"""

from __future__ import annotations

import numpy as np

from ..._numba import kernel


@kernel(exact=True)
def density_value(a, shift, spread, add, div, constant):
    if constant >= 0.0:
        return constant
    return ((a - shift) / spread + add) / div


@kernel(exact=True)
def normalised_sum(a, shift, spread, add):
    """``sum((a - shift) / spread + add)`` in the order the references compute it."""
    total = 0.0
    for p in range(a.shape[0]):
        total += (a[p] - shift) / spread + add
    return total


@kernel(exact=True)
def kl_regularised(s, r, ps, pr, c):
    """``sum(Q * ln(c + Q / (P + c)))`` (MIT ``KLdiv`` form).

    ``ps``/``pr`` are ``(shift, spread, add, div, constant)`` for the saliency map (P) and the
    reference map (Q). Returns NaN if a logarithm's argument is negative (MATLAB would return a
    complex number there).
    """
    total = 0.0
    for p in range(s.shape[0]):
        q = density_value(r[p], pr[0], pr[1], pr[2], pr[3], pr[4])
        if q == 0.0:
            continue
        P = density_value(s[p], ps[0], ps[1], ps[2], ps[3], ps[4])
        argument = c + q / (P + c)
        if argument < 0.0:
            return np.nan
        total += q * np.log(argument)
    return total


@kernel(exact=True)
def kl_plain(s, r, ps, pr):
    """``sum(Q * (ln Q - ln P))`` over pixels with ``Q > 0`` (pysaliency's image-based KL)."""
    total = 0.0
    for p in range(s.shape[0]):
        q = density_value(r[p], pr[0], pr[1], pr[2], pr[3], pr[4])
        if q == 0.0:
            continue
        P = density_value(s[p], ps[0], ps[1], ps[2], ps[3], ps[4])
        total += q * (np.log(q) - np.log(P))
    return total


@kernel(exact=True)
def intersection(s, r, ps, pr):
    """``sum(min(P, Q))``: the similarity (histogram intersection) of two densities."""
    total = 0.0
    for p in range(s.shape[0]):
        P = density_value(s[p], ps[0], ps[1], ps[2], ps[3], ps[4])
        q = density_value(r[p], pr[0], pr[1], pr[2], pr[3], pr[4])
        total += min(P, q)
    return total
