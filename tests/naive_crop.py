"""Slow, obviously-correct references for the crop geometry (brute force over every window)."""

from __future__ import annotations

import math

TIE_TOLERANCE = 1e-10


def window_sums(values, h, w):
    """Every h x w window sum, by math.fsum over its pixels (exactly rounded)."""
    rows, cols = len(values), len(values[0])
    return [[math.fsum(values[i + a][j + b] for a in range(h) for b in range(w))
             for j in range(cols - w + 1)] for i in range(rows - h + 1)]


def best_window(values, h, w):
    """(x0, y0, x1, y1) of the best window: ties (within the tolerance) go nearest the centre,
    then to the first in row-major order."""
    sums = window_sums(values, h, w)
    total = math.fsum(abs(v) for row in values for v in row)
    best = max(max(row) for row in sums)
    rows, cols = len(values), len(values[0])
    centre = ((rows - h) / 2.0, (cols - w) / 2.0)  # top-left of a perfectly centred window
    candidates = []
    for i, row in enumerate(sums):
        for j, s in enumerate(row):
            if s >= best - TIE_TOLERANCE * total:
                candidates.append(((i - centre[0]) ** 2 + (j - centre[1]) ** 2, i, j))
    _, i, j = min(candidates)
    return j, i, j + w, i + h


def crop_size(height, width, ratio):
    """Twitter's size: one full side; the other the nearest integer (ties to even) of the ratio."""
    if ratio < height / width:
        return min(max(round(ratio * width), 1), height), width
    return height, min(max(round(height / ratio), 1), width)


def centred_window(centre, size, limit):
    """Among all valid starts of a size-long window in [0, limit), the one nearest the ideal start
    ``centre - size // 2`` (found by enumeration, not by clamping)."""
    ideal = centre - size // 2
    return min(range(0, limit - size + 1), key=lambda s: abs(s - ideal))


def argmax_crop(height, width, row, col, ratio):
    h, w = crop_size(height, width, ratio)
    y0 = centred_window(row, h, height)
    x0 = centred_window(col, w, width)
    return x0, y0, x0 + w, y0 + h


def salient_point(values):
    """First maximum in row-major order."""
    best, where = -math.inf, None
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if v > best:
                best, where = v, (i, j)
    return where
