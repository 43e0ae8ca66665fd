"""Slow, obviously-correct reference for salbench.metrics.resize, written from MATLAB's algorithm.

Every output pixel is computed on its own with plain Python floats: the 1-based input coordinate
``u = x/scale + 0.5*(1 - 1/scale)``, the taps ``floor(u - width/2) + 0 .. ceil(width) + 1``, the
(stretched when shrinking) kernel, normalisation, MATLAB's mirrored index list
``aux = [1:n, n:-1:1]``, and dropping all-zero tap columns. Axes go in order of increasing scale
(rows first on a tie). ``"area"`` is computed in 2-D directly from pixel overlaps.
"""

from __future__ import annotations

import math

import numpy as np


def cubic(t: float) -> float:
    a = abs(t)
    if a <= 1:
        return 1.5 * a ** 3 - 2.5 * a ** 2 + 1
    if a <= 2:
        return -0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2
    return 0.0


def triangle(t: float) -> float:
    if -1 <= t < 0:
        return t + 1
    if 0 <= t <= 1:
        return 1 - t
    return 0.0


def box(t: float) -> float:
    return 1.0 if -0.5 <= t < 0.5 else 0.0


KERNELS = {
    "mit": (cubic, 4.0, True),
    "bilinear": (triangle, 2.0, True),
    "nearest": (box, 1.0, False),
}


def contributions(in_length, out_length, scale, method, boundary="symmetric"):
    """Lists of (weights, 1-based indices) per output pixel, after MATLAB's rules.

    ``boundary="replicate"`` clamps out-of-range taps to the edge pixel, as MATLAB releases before
    the mirrored ``aux`` indexing did (only used to check published outputs of such releases).
    """
    kernel, width, antialias = KERNELS[method]
    if scale < 1 and antialias:
        def h(t):
            return scale * kernel(scale * t)
        width = width / scale
    else:
        h = kernel
    taps = math.ceil(width) + 2
    aux = list(range(1, in_length + 1)) + list(range(in_length, 0, -1))
    rows_w, rows_i = [], []
    for x in range(1, out_length + 1):
        u = x / scale + 0.5 * (1 - 1 / scale)
        left = math.floor(u - width / 2)
        idx = [left + k for k in range(taps)]
        w = [h(u - i) for i in idx]
        total = sum(w)
        rows_w.append([v / total for v in w])
        if boundary == "symmetric":
            rows_i.append([aux[(i - 1) % len(aux)] for i in idx])
        else:
            rows_i.append([min(max(1, i), in_length) for i in idx])
    keep = [k for k in range(taps) if any(row[k] != 0 for row in rows_w)]
    return ([[row[k] for k in keep] for row in rows_w], [[row[k] for k in keep] for row in rows_i])


def resize_1d(values, out_length, scale, method, boundary="symmetric"):
    weights, indices = contributions(len(values), out_length, scale, method, boundary)
    out = []
    for w, idx in zip(weights, indices):
        acc = 0.0
        for wk, ik in zip(w, idx):
            acc += wk * values[ik - 1]
        out.append(acc)
    return out


def naive_resize(a, shape=None, scale=None, method="mit", boundary="symmetric"):
    a = np.asarray(a, dtype=np.float64)
    h, w = a.shape
    if shape is None:
        sr, sc = (scale, scale) if np.ndim(scale) == 0 else scale
        shape = (math.ceil(sr * h), math.ceil(sc * w))
    else:
        sr, sc = shape[0] / h, shape[1] / w
    if method == "area":
        return _naive_area(a, shape, sr, sc)
    grid = [[float(v) for v in row] for row in a]
    axes = [0, 1] if sr <= sc else [1, 0]
    for axis in axes:
        if axis == 0:
            cols = [resize_1d([row[c] for row in grid], shape[0], sr, method, boundary)
                    for c in range(len(grid[0]))]
            grid = [[cols[c][r] for c in range(len(cols))] for r in range(shape[0])]
        else:
            grid = [resize_1d(row, shape[1], sc, method, boundary) for row in grid]
    return np.array(grid)


def _naive_area(a, shape, sr, sc):
    h, w = a.shape
    out = np.zeros(shape)
    for i in range(shape[0]):
        r0, r1 = i / sr, min((i + 1) / sr, h)
        for j in range(shape[1]):
            c0, c1 = j / sc, min((j + 1) / sc, w)
            acc = 0.0
            area = 0.0
            for r in range(h):
                dr = min(r1, r + 1) - max(r0, r)
                if dr <= 0:
                    continue
                for c in range(w):
                    dc = min(c1, c + 1) - max(c0, c)
                    if dc <= 0:
                        continue
                    acc += dr * dc * a[r, c]
                    area += dr * dc
            out[i, j] = acc / area
    return out
