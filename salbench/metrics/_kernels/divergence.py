"""Per-pixel sums over two maps turned into densities: KL divergence and histogram intersection.

Each map becomes a density by ``d(a) = ((a - shift) / spread + add) / div`` with per-map constants
chosen by the public wrapper (pysaliency: shift only negative maps, add a floor, divide by the sum;
MIT: min-max first), or by a constant (``constant >= 0``: the uniform map, or MIT's all-zero map).
The constants need whole-map sums, so a metric is one pass for the sums and one for the terms.
Divisions stay divisions (no reciprocal approximations), so each density value is the one the
references compute; only the order of the final summation differs.
"""

from __future__ import annotations

import numpy as np

from ..._numba import kernel
from .vector_log import safe_log_in_place

CHUNK = 1024


@kernel
def density_value(a, shift, spread, add, div, constant):
    if constant >= 0.0:
        return constant
    return ((a - shift) / spread + add) / div


@kernel
def normalised_sum(a, shift, spread, add):
    """``sum((a - shift) / spread + add)``."""
    total = 0.0
    for p in range(a.shape[0]):
        total += (a[p] - shift) / spread + add
    return total


@kernel
def kl_regularised(s, r, ps, pr, c):
    """``sum(Q * ln(c + Q / (P + c)))`` (MIT ``KLdiv`` form); terms with ``Q == 0`` are 0.

    ``ps``/``pr`` are ``(shift, spread, add, div, constant)`` for the saliency map (P) and the
    reference map (Q). Returns NaN if a logarithm's argument is negative (MATLAB would return a
    complex number there).
    """
    n = s.shape[0]
    q = np.empty(CHUNK, dtype=np.float64)
    argument = np.empty(CHUNK, dtype=np.float64)
    logs = np.empty(CHUNK, dtype=np.float64)
    total = 0.0
    negative = False
    for begin in range(0, n, CHUNK):
        size = min(CHUNK, n - begin)
        for k in range(size):
            qk = density_value(r[begin + k], pr[0], pr[1], pr[2], pr[3], pr[4])
            P = density_value(s[begin + k], ps[0], ps[1], ps[2], ps[3], ps[4])
            q[k] = qk
            a = c + qk / (P + c)
            # A Q == 0 term is 0 whatever P is; give its logarithm a harmless argument.
            a = a if qk != 0.0 else 1.0
            negative |= a < 0.0
            argument[k] = a
            logs[k] = a
        safe_log_in_place(logs, size, argument)
        for k in range(size):
            total += q[k] * logs[k]
    if negative:
        return np.nan
    return total


@kernel
def kl_plain(s, r, ps, pr):
    """``sum(Q * (ln Q - ln P))`` over pixels with ``Q > 0`` (pysaliency's image-based KL)."""
    n = s.shape[0]
    q = np.empty(CHUNK, dtype=np.float64)
    P = np.empty(CHUNK, dtype=np.float64)
    log_q = np.empty(CHUNK, dtype=np.float64)
    log_p = np.empty(CHUNK, dtype=np.float64)
    total = 0.0
    for begin in range(0, n, CHUNK):
        size = min(CHUNK, n - begin)
        for k in range(size):
            qk = density_value(r[begin + k], pr[0], pr[1], pr[2], pr[3], pr[4])
            pk = density_value(s[begin + k], ps[0], ps[1], ps[2], ps[3], ps[4])
            # Where Q == 0 the term is 0; use 1 for both so no log(0) is formed.
            q[k] = qk
            log_q[k] = qk if qk != 0.0 else 1.0
            P[k] = pk if qk != 0.0 else 1.0
            log_p[k] = P[k]
        safe_log_in_place(log_p, size, P)
        P[:size] = log_q[:size]
        safe_log_in_place(log_q, size, P)
        for k in range(size):
            total += q[k] * (log_q[k] - log_p[k])
    return total


@kernel
def intersection(s, r, ps, pr):
    """``sum(min(P, Q))``: the similarity (histogram intersection) of two densities."""
    total = 0.0
    for p in range(s.shape[0]):
        P = density_value(s[p], ps[0], ps[1], ps[2], ps[3], ps[4])
        q = density_value(r[p], pr[0], pr[1], pr[2], pr[3], pr[4])
        total += min(P, q)
    return total
