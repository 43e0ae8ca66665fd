"""Resize saliency maps the way MATLAB's ``imresize`` does (and a few other explicit conventions).

MIT's metric code resizes with ``imresize``: ``EMD.m`` shrinks the fixation map by 1/32 and resizes
the saliency map to that size, and the benchmark resizes every prediction to its fixation map's
size. Reproducing those numbers needs MATLAB's exact algorithm, which is a separable filter:

* Each axis is resized on its own, the axis with the smaller scale factor first (MATLAB sorts the
  scale factors with a stable sort, so rows go first on a tie).
* Output pixel ``x`` (1-based) sits at input coordinate ``u = x/scale + 0.5*(1 - 1/scale)``, which
  lines up the outer pixel edges of input and output.
* Taps ``left = floor(u - width/2)`` .. ``left + ceil(width) + 1`` get the weights
  ``kernel(u - index)``, normalised to sum 1 per output pixel. When shrinking (``scale < 1``) with
  antialiasing the kernel is stretched, ``scale * kernel(scale * t)``, and its width divided by
  ``scale``.
* Taps outside the image are mirrored (symmetric padding: ``[1:n, n:-1:1]`` repeated), as in
  current MATLAB releases; old releases clamped them to the edge pixel instead.
* Tap columns whose weights are all zero are dropped; the output is
  ``sum_k w[x, k] * in[idx[x, k]]`` summed in tap order.

With ``shape`` the per-axis scale is ``shape / input shape``; with ``scale`` the output size is
``ceil(scale * input shape)`` and the kernel uses ``scale`` itself (``imresize(A, 1/32)``), which
differs from the former when the size is not divisible.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._numba import kernel
from .._validation import as_map, check_finite, keyword_choice
from ..exceptions import InputError

__all__ = ["resize_map"]

#: method -> (kernel name, kernel width, antialias when shrinking)
_METHODS = {
    "mit": ("cubic", 4.0, True),
    "bilinear": ("triangle", 2.0, True),
    "nearest": ("box", 1.0, False),
    "area": ("area", 0.0, False),
}


def _cubic(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.5 (MATLAB's ``cubic``)."""
    absx = np.abs(x)
    absx2 = absx * absx
    absx3 = absx2 * absx
    inner = (1.5 * absx3 - 2.5 * absx2 + 1.0) * (absx <= 1)
    outer = (-0.5 * absx3 + 2.5 * absx2 - 4.0 * absx + 2.0) * ((1 < absx) & (absx <= 2))
    return inner + outer


def _triangle(x: np.ndarray) -> np.ndarray:
    return (x + 1.0) * ((-1 <= x) & (x < 0)) + (1.0 - x) * ((0 <= x) & (x <= 1))


def _box(x: np.ndarray) -> np.ndarray:
    return ((-0.5 <= x) & (x < 0.5)).astype(np.float64)


_KERNELS = {"cubic": _cubic, "triangle": _triangle, "box": _box}


def _mirror(indices: np.ndarray, in_length: int) -> np.ndarray:
    """0-based indices of 1-based taps after MATLAB's symmetric ``aux`` mirroring."""
    period = 2 * in_length
    m = np.mod(indices - 1, period)
    return np.where(m < in_length, m, period - 1 - m)


def _contributions(in_length: int, out_length: int, scale: float, method: str):
    """MATLAB ``contributions``: (weights, 0-based indices), each (out_length, taps)."""
    kernel_name, width, antialias = _METHODS[method]
    if kernel_name == "area":
        return _area_contributions(in_length, out_length, scale)
    kernel = _KERNELS[kernel_name]
    if scale < 1 and antialias:
        def h(t):
            return scale * kernel(scale * t)
        width = width / scale
    else:
        h = kernel
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    taps = math.ceil(width) + 2
    indices = left[:, None] + np.arange(taps, dtype=np.float64)[None, :]
    weights = h(u[:, None] - indices)
    weights = weights / weights.sum(axis=1, keepdims=True)
    indices = _mirror(indices.astype(np.int64), in_length)
    keep = np.any(weights != 0, axis=0)
    return weights[:, keep], indices[:, keep]


def _area_contributions(in_length: int, out_length: int, scale: float):
    """Exact area weights: output pixel i covers input [i/scale, (i+1)/scale) (0-based edges).

    Each input pixel k covers [k, k+1); its weight is the length of the overlap, divided by the
    total overlap (the footprint clipped to the image when ``ceil`` made the output overhang).
    """
    lo = np.arange(out_length, dtype=np.float64) / scale
    hi = np.minimum(np.arange(1, out_length + 1, dtype=np.float64) / scale, in_length)
    first = np.floor(lo).astype(np.int64)
    taps = int(np.max(np.ceil(hi).astype(np.int64) - first))
    indices = first[:, None] + np.arange(taps)[None, :]
    overlap = np.minimum(hi[:, None], indices + 1.0) - np.maximum(lo[:, None], indices)
    weights = np.clip(overlap, 0.0, None)
    weights = weights / weights.sum(axis=1, keepdims=True)
    indices = np.minimum(indices, in_length - 1)  # zero-weight padding taps only
    return weights, indices


@kernel(exact=True)
def _resize_rows(a, weights, indices):
    """out[x, :] = sum_k weights[x, k] * a[indices[x, k], :], summed in tap order."""
    out = np.zeros((weights.shape[0], a.shape[1]))
    for x in range(weights.shape[0]):
        for k in range(weights.shape[1]):
            w = weights[x, k]
            row = indices[x, k]
            for j in range(a.shape[1]):
                out[x, j] += w * a[row, j]
    return out


@kernel(exact=True)
def _resize_columns(a, weights, indices):
    """out[:, x] = sum_k weights[x, k] * a[:, indices[x, k]], summed in tap order."""
    out = np.zeros((a.shape[0], weights.shape[0]))
    for i in range(a.shape[0]):
        for x in range(weights.shape[0]):
            total = 0.0
            for k in range(weights.shape[1]):
                total += weights[x, k] * a[i, indices[x, k]]
            out[i, x] = total
    return out


def _resize_axis(a: np.ndarray, axis: int, weights: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """out[x] = sum_k weights[x, k] * a[indices[x, k]] along ``axis``, summed in tap order."""
    a = np.ascontiguousarray(a, dtype=np.float64)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    indices = np.ascontiguousarray(indices, dtype=np.int64)
    if axis == 0:
        return _resize_rows(a, weights, indices)
    return _resize_columns(a, weights, indices)


def _resize_scale(a: np.ndarray, scale, shape, method: str) -> np.ndarray:
    """Resize a validated float64 map; exactly one of ``scale`` (pair) and ``shape`` is given."""
    in_shape = a.shape
    if shape is None:
        scale = (float(scale[0]), float(scale[1]))
        shape = tuple(int(math.ceil(s * n)) for s, n in zip(scale, in_shape))
    else:
        scale = (shape[0] / in_shape[0], shape[1] / in_shape[1])
    order = sorted(range(2), key=lambda k: scale[k])  # stable: rows first on a tie
    out = a
    for axis in order:
        weights, indices = _contributions(in_shape[axis], shape[axis], scale[axis], method)
        out = _resize_axis(out, axis, weights, indices)
    return np.ascontiguousarray(out)


def _check_shape(shape) -> tuple[int, int]:
    try:
        values = tuple(shape)
    except TypeError:
        values = None
    if (values is None or len(values) != 2
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
                       for v in values)):
        raise InputError(
            f"shape must be a pair of positive integers (height, width), got {shape!r}")
    return int(values[0]), int(values[1])


def _check_scale(scale) -> tuple[float, float]:
    values = (scale, scale) if np.ndim(scale) == 0 else tuple(np.asarray(scale).ravel())
    ok = len(values) == 2 and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and v > 0
        for v in values)
    if not ok:
        raise InputError(
            "scale must be a positive finite number or a pair of them (rows, columns), "
            f"got {scale!r}")
    return float(values[0]), float(values[1])


def resize_map(saliency_map, shape=None, *, scale=None, method: str = "mit") -> np.ndarray:
    """Resize a 2-D map, by default exactly like MATLAB's ``imresize(map, ...)`` (bicubic).

    Parameters
    ----------
    saliency_map : array_like, shape (H, W)
        Real 2-D map (converted to float64; the input is not modified).
    shape : (int, int), optional
        Output (height, width), like ``imresize(map, [h w])``: the scale of each axis is
        ``shape / (H, W)``.
    scale : float or (float, float), optional
        Scale factor instead of ``shape``, like ``imresize(map, scale)``: the output is
        ``ceil(scale * (H, W))`` and the kernel uses ``scale`` itself. Give exactly one of
        ``shape`` and ``scale``.
    method : {"mit", "bilinear", "nearest", "area"}, default "mit"
        * ``"mit"``: MATLAB's default ``imresize`` — Keys' bicubic kernel (a = -0.5, width 4),
          antialiased when shrinking, symmetric boundary. This is what the MIT benchmark uses.
        * ``"bilinear"``: MATLAB ``imresize(..., 'bilinear')`` — triangle kernel (width 2),
          antialiased when shrinking, symmetric boundary.
        * ``"nearest"``: MATLAB ``imresize(..., 'nearest')`` — box kernel ``-0.5 <= t < 0.5``
          without antialiasing: output pixel ``x`` (1-based) copies input pixel
          ``floor(x/scale + 0.5*(1 - 1/scale) + 0.5)``.
        * ``"area"``: exact area average — output pixel ``i`` averages the input over
          ``[i/scale, (i+1)/scale)`` per axis, weighting each input pixel by its overlap (a
          block mean for integer shrink factors; piecewise-constant copying when enlarging).
          Not a MATLAB method.

    Returns
    -------
    numpy.ndarray
        The resized float64 map.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.arange(16.0).reshape(4, 4)
    >>> resize_map(m, (2, 2), method="area")
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    method = keyword_choice(method, "method", _METHODS)
    a = as_map(saliency_map, "saliency_map")
    check_finite(a, "saliency_map")
    if (shape is None) == (scale is None):
        raise InputError("give exactly one of shape=(height, width) and scale=factor")
    if shape is not None:
        return _resize_scale(a, None, _check_shape(shape), method)
    return _resize_scale(a, _check_scale(scale), None, method)
