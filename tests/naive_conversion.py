"""Slow, obviously-correct reference of the saliency-to-density likelihood (no Numba, no salbench).

Per image: the piecewise-linear nonlinearity by ``np.interp``, the log-normaliser by SciPy's
``logsumexp``, and the derivative with respect to knot ``k`` through the hat function of that knot
(``np.interp`` of a unit vector).
"""

import numpy as np
from scipy.special import logsumexp


def naive_rows(s, c, log_area, counts, offsets, values, w):
    """``[[ll_n, d ll_n/d v_0, ..., d ll_n/d v_{K-1}, d ll_n/d w] for each image n]``."""
    s, c, log_area, counts = (np.asarray(a, dtype=np.float64) for a in (s, c, log_area, counts))
    values = np.asarray(values, dtype=np.float64)
    k = values.size
    knots = np.linspace(0.0, 1.0, k)
    bounds = list(offsets) + [s.size]
    rows = []
    for n in range(len(offsets)):
        part = slice(bounds[n], bounds[n + 1])
        u = np.interp(s[part], knots, values) + w * c[part]
        log_z = logsumexp(u + log_area[part])
        h = counts[part]
        m = h.sum()
        ll = float((h * u).sum() - m * log_z)
        p = np.exp(u + log_area[part] - log_z)
        dg = h - m * p
        dv = [float((dg * np.interp(s[part], knots, np.eye(k)[j])).sum()) for j in range(k)]
        rows.append([ll, *dv, float((dg * c[part]).sum())])
    return np.array(rows)
