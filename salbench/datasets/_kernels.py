"""Numba kernels of the datasets package (compiled through :func:`salbench._numba.kernel`).

Reference implementations live in ``tests/naive_maps.py``; property tests compare the two.
"""

from __future__ import annotations

from .._numba import kernel


@kernel
def splat_separable(out, pixel_row, pixel_col, pixel_weight, wy, lo_y, hi_y, wx, lo_x, hi_x):
    """Add ``pixel_weight[k] * outer(wy[pixel_row[k]], wx[pixel_col[k]])`` to ``out`` for every k.

    ``wy[i]`` is source row ``i``'s weight over all output rows, non-zero only in
    ``[lo_y[i], hi_y[i])`` (the same for columns), so each fixated pixel costs the area of its
    kernel footprint, not of the image. ``out`` is (H, W) float64, C-contiguous.
    """
    for k in range(pixel_row.shape[0]):
        i = pixel_row[k]
        j = pixel_col[k]
        c = pixel_weight[k]
        x0 = lo_x[j]
        x1 = hi_x[j]
        # A private copy of the column weights and 1-D row views let LLVM vectorise the inner
        # loop (it cannot prove that out and wx do not overlap).
        column_weights = wx[j, x0:x1].copy()
        for r in range(lo_y[i], hi_y[i]):
            a = c * wy[i, r]
            row = out[r, x0:x1]
            for col in range(x1 - x0):
                row[col] += a * column_weights[col]
