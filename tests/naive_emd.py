"""Slow, obviously-correct references for salbench.metrics._emd.

``lp_emd`` states the transport problem as a dense linear program and hands it to scipy's HiGHS:
variables x_ij >= 0 for every (cell with D > 0) -> (cell with D < 0) pair, cost = Euclidean cell
distance; the lighter side must be fully served (equalities) and the heavier side may not be
exceeded (inequalities), which is EMD-hat with extra mass penalty 0. ``row_emd`` is the 1-D
closed form sum |cumsum(P - Q)| for one row of cells one unit apart (equal masses only).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog


def lp_emd(P, Q) -> float:
    d = np.asarray(P, dtype=np.float64) - np.asarray(Q, dtype=np.float64)
    src = np.argwhere(d > 0)
    snk = np.argwhere(d < 0)
    if len(src) == 0 or len(snk) == 0:
        return 0.0
    a = d[d > 0]
    b = -d[d < 0]
    n1, n2 = len(src), len(snk)
    cost = np.sqrt(((src[:, None, :] - snk[None, :, :]) ** 2).sum(axis=-1)).ravel()
    rows = np.zeros((n1, n1 * n2))  # sum_j x_ij  (what source i sends)
    cols = np.zeros((n2, n1 * n2))  # sum_i x_ij  (what sink j receives)
    for i in range(n1):
        for j in range(n2):
            rows[i, i * n2 + j] = 1.0
            cols[j, i * n2 + j] = 1.0
    # dual simplex with tight tolerances: the defaults (1e-7) leave errors of ~1e-6 in the cost
    options = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
    if a.sum() >= b.sum():
        res = linprog(cost, A_ub=rows, b_ub=a, A_eq=cols, b_eq=b, method="highs-ds",
                      options=options)
    else:
        res = linprog(cost, A_ub=cols, b_ub=b, A_eq=rows, b_eq=a, method="highs-ds",
                      options=options)
    assert res.status == 0, res.message
    return float(res.fun)


def row_emd(P, Q) -> float:
    d = np.asarray(P, dtype=np.float64).ravel() - np.asarray(Q, dtype=np.float64).ravel()
    return float(np.abs(np.cumsum(d)[:-1]).sum())
