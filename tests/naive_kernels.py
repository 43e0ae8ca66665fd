"""Slow references for the element-wise kernels: sums of exponentials, logarithms, pixel indices.

Plain Python (``math``), one value at a time; nothing from salbench.
"""

import math


def sum_exp(values):
    """``sum(exp(v))`` to full precision (``math.fsum``); -inf contributes 0."""
    return math.fsum(math.exp(v) if v != -math.inf else 0.0 for v in values)


def log_each(values):
    return [math.log(v) for v in values]


def flat_pixels(x, y, height, width):
    """``(flat indices, first invalid index or -1)`` for fixations in continuous coordinates."""
    flat = []
    for i, (xi, yi) in enumerate(zip(x, y)):
        if not (0 <= xi < width and 0 <= yi < height):  # False for NaN as well
            return flat, i
        flat.append(math.floor(yi) * width + math.floor(xi))
    return flat, -1


def histogram(values, thresholds):
    """Slots of ``ranking.histogram_all``: ``2j`` between thresholds, ``2j + 1`` equal to ``w[j]``."""
    counts = [0] * (2 * len(thresholds) + 1)
    for u in values:
        below = sum(1 for w in thresholds if w < u)
        equal = any(w == u for w in thresholds)
        counts[2 * below + 1 if equal else 2 * below] += 1
    return counts


def distinct_with_inverse(values):
    """Sorted distinct values and each value's index among them, by Python's sort."""
    w = sorted(set(float(v) for v in values))
    position = {v: i for i, v in enumerate(w)}
    return w, [position[float(v)] for v in values]


def step_sum(values, thresholds, weights, alpha, beta):
    """``sum_u alpha * sum_{w_j > u} c_j + beta * sum_{w_j == u} c_j`` by comparing every value
    with every threshold (``kernels.step_sum``)."""
    total = 0
    for u in values:
        for w, c in zip(thresholds, weights):
            total += alpha * c * (w > u) + beta * c * (w == u)
    return total
