"""Slow, obviously correct reference implementations of the metrics.

They follow the definitions in ../shared/conformance/README.md line by line, with plain numpy and
Python loops, and import nothing from salbench's kernels. The property tests compare the fast
kernels with these.
"""

import math

import numpy as np

EPS = np.finfo(np.float64).eps


def pixels(x, y):
    return np.floor(np.asarray(y)).astype(int), np.floor(np.asarray(x)).astype(int)


def rank_auc_per_fixation(s, x, y, negatives):
    """(#{u < v} + 0.5 #{u == v}) / #negatives per fixation, negatives an explicit list."""
    s = np.asarray(s, dtype=float)
    rows, cols = pixels(x, y)
    u = np.asarray(negatives, dtype=float)
    out = []
    for r, c in zip(rows, cols):
        v = s[r, c]
        out.append((np.sum(u < v) + 0.5 * np.sum(u == v)) / len(u))
    return np.array(out)


def negatives_all(s):
    return np.asarray(s, dtype=float).ravel()


def negatives_unfixated(s, x, y):
    s = np.asarray(s, dtype=float)
    mask = np.ones(s.shape, bool)
    mask[pixels(x, y)] = False
    return s[mask]


def negatives_at(s, nx, ny):
    return np.asarray(s, dtype=float)[pixels(nx, ny)]


def roc_auc_by_trapezoid(positives, negatives):
    """Area of the ROC curve with every distinct value as a threshold (pysaliency's way)."""
    thresholds = np.unique(np.concatenate([positives, negatives]))[::-1]
    tpr = [0.0] + [np.mean(positives >= t) for t in thresholds]
    fpr = [0.0] + [np.mean(negatives >= t) for t in thresholds]
    return float(np.trapezoid(tpr, fpr))


def minmax(a):
    a = np.asarray(a, dtype=float)
    return (a - a.min()) / (a.max() - a.min())


def auc_judd(s, x, y):
    S = minmax(s).ravel()
    F = np.zeros(np.shape(s), bool)
    F[pixels(x, y)] = True
    F = F.ravel()
    Sth = S[F]
    n_fix, n_pix = len(Sth), len(S)
    thresholds = np.sort(Sth)[::-1]
    tp = [0.0]
    fp = [0.0]
    for i, t in enumerate(thresholds, start=1):
        above = np.sum(S >= t)
        tp.append(i / n_fix)
        fp.append((above - i) / (n_pix - n_fix))
    tp.append(1.0)
    fp.append(1.0)
    return float(np.trapezoid(tp, fp))


def nss(s, x, y, convention="tuebingen"):
    s = np.asarray(s, dtype=float)
    if convention == "mit":
        F = np.zeros(s.shape, bool)
        F[pixels(x, y)] = True
        return float(np.mean(((s - s.mean()) / s.std(ddof=1))[F]))
    std = s.std()
    values = s[pixels(x, y)] - s.mean()
    if std:
        values = values / std
    return float(values.mean())


def cc(a, b):
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    return float(np.corrcoef(a, b)[0, 1])


def density(a, minimum_value=0.0):
    a = np.asarray(a, dtype=float)
    if a.min() < 0:
        a = a - a.min()
    a = a + minimum_value
    total = a.sum()
    if total:
        return a / total
    return np.full(a.shape, 1.0 / a.size)


def kld(s, ref, convention="tuebingen"):
    if convention == "mit":
        P = np.asarray(s, float) / np.sum(s) if np.any(s) else np.asarray(s, float)
        Q = np.asarray(ref, float) / np.sum(ref) if np.any(ref) else np.asarray(ref, float)
        c = EPS
    else:
        P, Q, c = density(s), density(ref), 2.2204e-16
    total = 0.0
    for p, q in zip(P.ravel(), Q.ravel()):
        if q != 0:
            total += q * math.log(c + q / (p + c))
    return total


def sim(s, ref, convention="tuebingen"):
    if convention == "mit":
        P, Q = minmax(s), minmax(ref)
        P, Q = P / P.sum(), Q / Q.sum()
    else:
        P, Q = density(s), density(ref)
    return float(np.sum(np.minimum(P, Q)))


def log_likelihood(L, x, y):
    return float(np.mean(np.asarray(L)[pixels(x, y)]))


def information_gain(L, B, x, y):
    rows, cols = pixels(x, y)
    return float(np.mean((np.asarray(L)[rows, cols] - np.asarray(B)[rows, cols]) / math.log(2)))


def octave_range(limit, step=0.1):
    """Octave 7.3's ``0:step:limit`` for limit >= 0, from the rules in the conformance README."""
    eps = np.finfo(float).eps
    ct = 3 * eps
    if limit < step:
        return [0.0]

    def tolerant_floor(x):
        # Hagerty's FL5, as Octave's Range.cc
        q = 1.0
        rmax = q / (2.0 - ct)
        t1 = 1.0 + math.floor(x)
        t1 = (ct / q) * abs(t1)
        t1 = min(rmax, t1)
        t1 = max(ct, t1)
        t1 = math.floor(x + t1)
        return t1 if (x <= 0 or (t1 - x) < rmax) else t1 - 1

    def near(u, v):
        return abs(u - v) < max(abs(u), abs(v)) * ct

    n = int(tolerant_floor((limit + step) / step))
    if not near((n - 1) * step, limit):
        if near((n - 2) * step, limit):
            n -= 1
        elif near(n * step, limit):
            n += 1
    grid = [k * step for k in range(n - 1)]
    grid.append(min((n - 1) * step, limit))
    return grid


def thresholded_roc_area(positives, negatives, step=0.1):
    """One split of MIT's AUC_Borji / AUC_shuffled: thresholds fliplr(0:step:max)."""
    positives = np.asarray(positives, float)
    negatives = np.asarray(negatives, float)
    top = max(positives.max(), negatives.max())
    thresholds = octave_range(top, step)[::-1]
    tp = [0.0] + [np.sum(positives >= t) / len(positives) for t in thresholds] + [1.0]
    fp = [0.0] + [np.sum(negatives >= t) / len(negatives) for t in thresholds] + [1.0]
    return float(np.trapezoid(tp, fp))


def info_gain_mit(s, b, x, y):
    p = minmax(s).ravel()
    q = minmax(b).ravel()
    p, q = p / p.sum(), q / q.sum()
    F = np.zeros(np.shape(s), bool)
    F[pixels(x, y)] = True
    F = F.ravel()
    return float(np.mean(np.log2(EPS + p[F]) - np.log2(EPS + q[F])))
