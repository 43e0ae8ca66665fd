"""Separable Gaussian blurs of sparse fixation histograms, as small dense matrix products.

A fixation map has few non-zero pixels (OSIE: ~140 of 480,000). Blurring it with a separable
Gaussian is ``B = Ay @ C @ Ax.T`` where ``C`` holds the counts of the fixated rows x columns and
``Ay[r, i]`` is the weight that source row ``i`` puts on output row ``r`` (the same for columns).
Building ``Ay`` and ``Ax`` only for the fixated rows/columns costs O(H·m + W·m) and the product
runs in BLAS, so a map costs a few milliseconds instead of a full-image filter pass.

:func:`axis_weights` reproduces ``scipy.ndimage.gaussian_filter1d`` exactly (same sampled and
normalised kernel, same ``truncate`` radius, same boundary modes), so
``blur_counts(...)`` equals ``gaussian_filter(count_map, sigma, mode=mode)`` to rounding; the tests
check this against SciPy and against a pixel-by-pixel reference.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

#: Boundary modes, with SciPy's meaning.
MODES = ("reflect", "constant", "nearest", "wrap", "mirror")


def kernel_radius(sigma: float, truncate: float = 4.0) -> int:
    """SciPy's radius: ``int(truncate * sigma + 0.5)``."""
    return int(truncate * float(sigma) + 0.5)


def _sampled(offsets: np.ndarray, kernel: np.ndarray, radius: int) -> np.ndarray:
    """The normalised kernel read at integer ``offsets`` (0 beyond the radius)."""
    idx = offsets + radius
    inside = (idx >= 0) & (idx <= 2 * radius)
    return np.where(inside, kernel[np.clip(idx, 0, 2 * radius)], 0.0)


@lru_cache(maxsize=32)
def sampled_kernel(sigma: float, truncate: float) -> np.ndarray:
    """SciPy's 1-D kernel: ``exp(-k^2 / (2 sigma^2))`` for ``|k| <= radius``, summing to 1."""
    radius = kernel_radius(sigma, truncate)
    k = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (k / sigma) ** 2)
    kernel /= kernel.sum()
    kernel.flags.writeable = False
    return kernel


def axis_weights(n: int, targets, sources, sigma: float, *, mode: str = "reflect",
                 truncate: float = 4.0) -> np.ndarray:
    """Weights ``W[r, s]`` of a 1-D Gaussian filter on an axis of length ``n``.

    ``W[r, s]`` is how much of a unit impulse at source pixel ``sources[s]`` the filter puts on
    output pixel ``targets[r]``; summing over all targets gives 1 for mass-preserving modes
    (``reflect``, ``nearest``, ``wrap``, ``mirror``) and less than 1 near the border for
    ``constant`` (zero padding).
    """
    sigma = float(sigma)
    t = np.asarray(targets, dtype=np.int64).reshape(-1, 1)
    s = np.asarray(sources, dtype=np.int64).reshape(1, -1)
    if sigma == 0:
        return (t == s).astype(np.float64)
    if n <= _FULL_MATRIX_MAX:
        full = _full_axis_matrix(int(n), sigma, mode, float(truncate))
        return full[t, s]
    return _axis_weights(n, t, s, sigma, mode, truncate)


#: Axes up to this length keep their whole n x n weight matrix in a small cache (<= 8 MB each).
_FULL_MATRIX_MAX = 1024


@lru_cache(maxsize=32)
def _full_axis_matrix(n: int, sigma: float, mode: str, truncate: float) -> np.ndarray:
    a = np.arange(n)
    full = _axis_weights(n, a.reshape(-1, 1), a.reshape(1, -1), sigma, mode, truncate)
    full.flags.writeable = False
    return full


def _axis_weights(n, t, s, sigma, mode, truncate) -> np.ndarray:
    radius = kernel_radius(sigma, truncate)
    kernel = sampled_kernel(sigma, truncate)
    d = t - s

    def images(offsets, period, factor=None):
        """Sum of the kernel at ``offsets - period * j`` over the j that can reach it."""
        lo, hi = int(offsets.min()), int(offsets.max())
        total = 0.0
        for j in range((lo - radius) // period, (hi + radius) // period + 1):
            if lo - period * j <= radius and hi - period * j >= -radius:
                term = _sampled(offsets - period * j, kernel, radius)
                total = total + (term if factor is None else factor * term)
        return total + np.zeros(np.broadcast_shapes(t.shape, s.shape))

    if mode == "constant":
        return _sampled(d, kernel, radius)
    if mode == "wrap":
        return images(d, n)
    if mode == "reflect":  # d c b a | a b c d | d c b a  (period 2n)
        return images(d, 2 * n) + images(t + s + 1, 2 * n)
    if mode == "mirror":  # d c b | a b c d | c b a  (period 2n - 2)
        if n == 1:
            return np.ones((t.shape[0], s.shape[1]))
        interior = ((s > 0) & (s < n - 1)).astype(np.float64)
        return images(d, 2 * n - 2) + images(t + s, 2 * n - 2, interior)
    if mode == "nearest":  # a a a | a b c d | d d d
        if n == 1:
            return np.ones((t.shape[0], s.shape[1]))
        weights = _sampled(d, kernel, radius)
        # Cumulative sums from each end (no subtraction, so no negative rounding residue):
        # at_least[k + radius] = kernel mass at offsets >= k, at_most[k + radius] = at offsets <= k.
        at_least = np.append(np.cumsum(kernel[::-1])[::-1], 0.0)
        at_most = np.append(np.cumsum(kernel), 0.0)  # index -1 (offset < -radius) reads the 0

        first = np.broadcast_to(at_least[np.clip(t + radius, 0, 2 * radius + 1)], weights.shape)
        above = np.clip(t - n + 1 + radius, -1, 2 * radius)
        last = np.broadcast_to(at_most[above], weights.shape)
        weights = np.where(s == 0, first, weights)
        return np.where(s == n - 1, last, weights)
    raise ValueError(f"unknown mode {mode!r}")


def source_weights(n: int, sources, sigma: float, *, mode: str = "reflect",
                   truncate: float = 4.0) -> np.ndarray:
    """``(len(sources), n)`` C-contiguous: row ``k`` is source ``sources[k]``'s weight on every pixel."""
    sources = np.asarray(sources, dtype=np.int64).reshape(-1)
    sigma = float(sigma)
    if sigma == 0:
        out = np.zeros((sources.size, n))
        out[np.arange(sources.size), sources] = 1.0
        return out
    if n <= _FULL_MATRIX_MAX:
        return _full_axis_matrix(int(n), sigma, mode, float(truncate)).T[sources]
    return _axis_weights(n, np.arange(n).reshape(1, -1), sources.reshape(-1, 1), sigma, mode,
                         truncate)


def _support(weights: np.ndarray):
    """First and one-past-last non-zero column of each row."""
    nonzero = weights != 0
    any_ = nonzero.any(axis=1)
    lo = np.where(any_, nonzero.argmax(axis=1), 0)
    hi = np.where(any_, weights.shape[1] - nonzero[:, ::-1].argmax(axis=1), 0)
    return lo.astype(np.int64), hi.astype(np.int64)


def unique_pixels(rows: np.ndarray, cols: np.ndarray, width: int, weights=None):
    """Distinct fixated pixels: ``(rows, cols, total weight)`` sorted by flat index."""
    flat = np.asarray(rows, dtype=np.int64) * width + np.asarray(cols, dtype=np.int64)
    if weights is None:
        uflat, counts = np.unique(flat, return_counts=True)
        return uflat // width, uflat % width, counts.astype(np.float64)
    uflat, inverse = np.unique(flat, return_inverse=True)
    total = np.bincount(inverse, weights=np.asarray(weights, dtype=np.float64), minlength=uflat.size)
    return uflat // width, uflat % width, total


def blur_counts(rows, cols, shape, sigma_y: float, sigma_x: float | None = None, *,
                weights=None, mode: str = "reflect", truncate: float = 4.0) -> np.ndarray:
    """``gaussian_filter(count_map, (sigma_y, sigma_x), mode=mode)`` for a sparse count map."""
    height, width = shape
    sigma_x = sigma_y if sigma_x is None else sigma_x
    prow, pcol, pweight = unique_pixels(rows, cols, width, weights)
    ur, ri = np.unique(prow, return_inverse=True)
    uc, ci = np.unique(pcol, return_inverse=True)
    wy = source_weights(height, ur, sigma_y, mode=mode, truncate=truncate)
    wx = source_weights(width, uc, sigma_x, mode=mode, truncate=truncate)
    return separable_sum(ri, ci, pweight, wy, wx)


def separable_sum(ri, ci, pweight, wy, wx) -> np.ndarray:
    """``sum_k pweight[k] * outer(wy[ri[k]], wx[ci[k]])``: a blur of a sparse map.

    Few fixated pixels with a small footprint: each pixel's kernel patch is added directly (a
    Numba kernel, cost ~ pixels x footprint). Many pixels (e.g. a training set's histogram): two
    dense matrix products over the distinct fixated rows and columns (cost ~ H x W x rows).
    """
    height, width = wy.shape[1], wx.shape[1]
    lo_y, hi_y = _support(wy)
    lo_x, hi_x = _support(wx)
    footprint = float(np.mean(hi_y - lo_y)) * float(np.mean(hi_x - lo_x))
    if ri.size * footprint <= 0.25 * height * width * min(wy.shape[0], wx.shape[0]):
        from ._kernels import splat_separable

        out = np.zeros((height, width))
        splat_separable(out, np.asarray(ri, dtype=np.int64), np.asarray(ci, dtype=np.int64),
                        np.asarray(pweight, dtype=np.float64), wy, lo_y, hi_y, wx, lo_x, hi_x)
        return out
    counts = np.zeros((wy.shape[0], wx.shape[0]))
    np.add.at(counts, (ri, ci), pweight)
    if wy.shape[0] * width <= height * wx.shape[0]:
        return wy.T @ (counts @ wx)
    return (wy.T @ counts) @ wx


def pair_weights(n: int, targets, sources, sigma: float, *, mode: str = "reflect",
                 truncate: float = 4.0, reuse: bool = False) -> np.ndarray:
    """``W[i, j]`` = weight of source pixel ``sources[j]`` on target pixel ``targets[i]``.

    Like :func:`axis_weights` for repeated coordinates. With ``reuse=True`` (many calls with the
    same axis length and sigma) short axes read a cached full ``n x n`` matrix; otherwise only the
    distinct coordinates are evaluated.
    """
    t = np.asarray(targets, dtype=np.int64).reshape(-1)
    s = np.asarray(sources, dtype=np.int64).reshape(-1)
    sigma = float(sigma)
    if sigma > 0 and n <= _FULL_MATRIX_MAX and reuse:
        full = _full_axis_matrix(int(n), sigma, mode, float(truncate))
        # np.take on flat indices is several times faster than 2-D fancy indexing
        return np.take(full.reshape(-1), t[:, None] * n + s[None, :])
    ut, ti = np.unique(t, return_inverse=True)
    us, si = np.unique(s, return_inverse=True)
    if sigma == 0:
        w = (ut[:, None] == us[None, :]).astype(np.float64)
    else:
        w = _axis_weights(n, ut.reshape(-1, 1), us.reshape(1, -1), sigma, mode, float(truncate))
    return np.take(w.reshape(-1), ti[:, None] * us.size + si[None, :])


def blur_at(rows, cols, query_rows, query_cols, shape, sigma_y: float, sigma_x: float | None = None,
            *, mode: str = "reflect", truncate: float = 4.0, reuse: bool = False) -> np.ndarray:
    """Pairwise weights ``K[q, j]``: blurred unit impulse at source ``j`` read at query pixel ``q``.

    ``K.sum(axis=1)`` is the blurred count map at the query pixels, without forming the map.
    """
    height, width = shape
    sigma_x = sigma_y if sigma_x is None else sigma_x
    ky = pair_weights(height, query_rows, rows, sigma_y, mode=mode, truncate=truncate, reuse=reuse)
    kx = pair_weights(width, query_cols, cols, sigma_x, mode=mode, truncate=truncate, reuse=reuse)
    return ky * kx
