"""Fixation coordinates to flat pixel indices, validated in the same pass."""

from __future__ import annotations

import numpy as np

from ._numba import kernel


@kernel(exact=True)
def flat_pixels(x, y, height, width, flat):
    """``flat[i] = floor(y[i]) * width + floor(x[i])``; returns the first invalid ``i`` or -1.

    A fixation is valid when ``0 <= x < width`` and ``0 <= y < height`` (NaN and infinities are
    not: every comparison with NaN is false). ``flat`` is only complete when -1 is returned.
    """
    for i in range(x.shape[0]):
        xi = x[i]
        yi = y[i]
        if not (xi >= 0.0 and xi < width and yi >= 0.0 and yi < height):
            return i
        # truncation is floor for the non-negative values that get here
        flat[i] = np.int64(yi) * width + np.int64(xi)
    return -1
