"""Per-pixel sums over two maps turned into densities: KL divergence and histogram intersection.

Each map becomes a density by the linear form ``d(a) = (a - offset) * scale + constant`` whose
constants the public wrapper derives from whole-map sums (pysaliency: shift only negative maps,
add a floor, divide by the sum; MIT: min-max first; ``scale = 0`` for the uniform or all-zero
map). So a metric is one pass for the sums and one vectorised pass for the terms. The references
divide by the sum where this multiplies by its reciprocal: each density value can differ in its
last bit, far inside the 1e-10 the conformance vectors allow.
"""

from __future__ import annotations

import numpy as np

from ..._numba import kernel
from .vector_log import logs_of

CHUNK = 1024


@kernel
def normalised_sum(a, shift, spread, add):
    """``sum((a - shift) / spread + add)``: the mass a map has before it is divided by it."""
    total = 0.0
    for p in range(a.shape[0]):
        total += (a[p] - shift) / spread + add
    return total


@kernel
def kl_regularised(s, r, ps, pr, c):
    """``sum(Q * ln(c + Q / (P + c)))`` (MIT ``KLdiv`` form); terms with ``Q == 0`` are 0.

    ``P = (s - ps[0]) * ps[1] + ps[2]`` and ``Q = (r - pr[0]) * pr[1] + pr[2]`` (see
    ``_distributions.linear_density``). Returns NaN if a logarithm's argument is negative (MATLAB
    would return a complex number there).
    """
    n = s.shape[0]
    s_offset, s_scale, s_constant = ps[0], ps[1], ps[2]
    r_offset, r_scale, r_constant = pr[0], pr[1], pr[2]
    q = np.empty(CHUNK, dtype=np.float64)
    argument = np.empty(CHUNK, dtype=np.float64)
    logs = np.empty(CHUNK, dtype=np.float64)
    total = 0.0
    negative = 0
    for begin in range(0, n, CHUNK):
        end = min(begin + CHUNK, n)
        s_chunk = s[begin:end]
        r_chunk = r[begin:end]
        size = end - begin
        for k in range(size):
            qk = (r_chunk[k] - r_offset) * r_scale + r_constant
            pk = (s_chunk[k] - s_offset) * s_scale + s_constant
            a = c + qk / (pk + c)
            # A Q == 0 term is 0 whatever P is; give its logarithm a harmless argument.
            a = a if qk != 0.0 else 1.0
            negative += a < 0.0
            q[k] = qk
            argument[k] = a
        logs_of(argument[:size], logs[:size])
        for k in range(size):
            total += q[k] * logs[k]
    if negative:
        return np.nan
    return total


@kernel
def kl_plain(s, r, ps, pr):
    """``sum(Q * (ln Q - ln P))`` over pixels with ``Q > 0`` (pysaliency's image-based KL)."""
    n = s.shape[0]
    s_offset, s_scale, s_constant = ps[0], ps[1], ps[2]
    r_offset, r_scale, r_constant = pr[0], pr[1], pr[2]
    q = np.empty(CHUNK, dtype=np.float64)
    ratio = np.empty(CHUNK, dtype=np.float64)
    logs = np.empty(CHUNK, dtype=np.float64)
    total = 0.0
    for begin in range(0, n, CHUNK):
        end = min(begin + CHUNK, n)
        s_chunk = s[begin:end]
        r_chunk = r[begin:end]
        size = end - begin
        for k in range(size):
            qk = (r_chunk[k] - r_offset) * r_scale + r_constant
            pk = (s_chunk[k] - s_offset) * s_scale + s_constant
            # Where Q == 0 the term is 0; use 1/1 so no log(0) is formed.
            q[k] = qk
            ratio[k] = qk / pk if qk != 0.0 else 1.0
        logs_of(ratio[:size], logs[:size])
        for k in range(size):
            total += q[k] * logs[k]
    return total


@kernel
def intersection(s, r, ps, pr):
    """``sum(min(P, Q))``: the similarity (histogram intersection) of two densities."""
    s_offset, s_scale, s_constant = ps[0], ps[1], ps[2]
    r_offset, r_scale, r_constant = pr[0], pr[1], pr[2]
    total = 0.0
    for p in range(s.shape[0]):
        pk = (s[p] - s_offset) * s_scale + s_constant
        qk = (r[p] - r_offset) * r_scale + r_constant
        total += pk if pk < qk else qk
    return total
