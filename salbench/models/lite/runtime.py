"""The forward pass of a :class:`~.network.LiteNetwork` with numpy and Numba only.

* 1×1 convolutions (expansion, projection, readout) are one float32 GEMM each
  (``(O × I) @ (I × H·W)``, numpy's BLAS); the stem is a GEMM on its 27-row im2col matrix, built
  from nine strided slice copies of the padded input.
* Bias + ReLU6 after an expansion are fused with the copy into the zero-bordered buffer the
  depthwise convolution reads (Numba), so padding costs no extra pass.
* The depthwise convolution is a Numba kernel with its bias and ReLU6 fused; for stride 2 each
  row is split into even and odd columns first so every tap reads contiguous values.
* Kernels are serial and numpy's BLAS is held to one thread during a forward pass (on 2 shared
  cores Numba's and OpenBLAS's thread pools spinning against each other made one image 1.3–3×
  slower); parallelism is across images (the model is thread-safe).
* Taps are resampled with separable bilinear matrices (between cell centres, PyTorch's
  ``align_corners=False`` rule) and the blur is a separable zero-padded correlation.

The slow, obvious references are in ``tests/naive_lite.py``; ``tests/test_lite_runtime.py``
checks this module against them and against PyTorch.
"""

from __future__ import annotations

import numpy as np

from ..._numba import kernel
from ...exceptions import InputError
from .backbone import same_padding
from .network import LiteNetwork

_SIX = np.float32(6.0)


@kernel
def _bias_relu6_into_padded(x, bias, height, width, top, left, out):
    """``out[c, top + y, left + x] = relu6(x[c, y·width + x] + bias[c])``; the border stays 0."""
    zero, six = np.float32(0.0), np.float32(6.0)
    for c in range(x.shape[0]):
        b = bias[c]
        for y in range(height):
            src = x[c, y * width: (y + 1) * width]
            dst = out[c, top + y, left: left + width]
            for i in range(width):
                dst[i] = min(max(src[i] + b, zero), six)


@kernel
def _depthwise_relu6(padded, weight, bias, stride, out):
    """Depthwise cross-correlation of a zero-bordered input, + bias, ReLU6, into ``out`` (C, Ho, Wo).

    For stride 2 each padded row is first split into its even and odd columns, so every tap reads a
    contiguous run (a strided read of every other value does not vectorise).
    """
    channels, out_h, out_w = out.shape
    k = weight.shape[1]
    width = padded.shape[2]
    zero, six = np.float32(0.0), np.float32(6.0)
    acc = np.empty(out_w, np.float32)
    phases = np.zeros((2, (width + 1) // 2), np.float32)
    for c in range(channels):
        for y in range(out_h):
            for i in range(out_w):
                acc[i] = bias[c]
            for ky in range(k):
                row = padded[c, y * stride + ky]
                if stride == 1:
                    for kx in range(k):
                        w = weight[c, ky, kx]
                        src = row[kx: kx + out_w]
                        for i in range(out_w):
                            acc[i] += w * src[i]
                else:
                    for i in range(width):
                        phases[i % 2, i // 2] = row[i]
                    for kx in range(k):
                        w = weight[c, ky, kx]
                        src = phases[kx % 2, kx // 2: kx // 2 + out_w]
                        for i in range(out_w):
                            acc[i] += w * src[i]
            dst = out[c, y]
            for i in range(out_w):
                dst[i] = min(max(acc[i], zero), six)


def resample_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) bilinear weights between cell centres (PyTorch ``align_corners=False``)."""
    src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
    low = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    frac = src - low
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), low), 1.0 - frac)
    np.add.at(m, (np.arange(n_out), high), frac)
    return m


def resample(x: np.ndarray, size) -> np.ndarray:
    """Bilinear resampling of ``(C, h, w)`` maps to ``(C, *size)``."""
    if x.shape[1:] == tuple(size):
        return x
    rows = resample_matrix(size[0], x.shape[1]).astype(np.float32)
    cols = resample_matrix(size[1], x.shape[2]).astype(np.float32)
    return np.ascontiguousarray(rows @ (x @ cols.T))


def _stem(net: LiteNetwork, x: np.ndarray) -> np.ndarray:
    _, height, width = x.shape
    (top, bottom), (left, right) = same_padding(height, 3, 2), same_padding(width, 3, 2)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    out_h, out_w = -(-height // 2), -(-width // 2)
    cols = np.empty((3, 3, 3, out_h, out_w), np.float32)
    for dy in range(3):
        for dx in range(3):
            cols[:, dy, dx] = xp[:, dy: dy + 2 * out_h: 2, dx: dx + 2 * out_w: 2]
    y = net.stem_w.reshape(net.stem_w.shape[0], -1) @ cols.reshape(27, -1)
    y += net.stem_b[:, None]
    np.clip(y, 0, _SIX, out=y)
    return y.reshape(-1, out_h, out_w)


def _block(block, x: np.ndarray) -> np.ndarray:
    channels, height, width = x.shape
    k, s = block.kernel, block.stride
    (top, bottom), (left, right) = same_padding(height, k, s), same_padding(width, k, s)
    padded = np.zeros((block.mid_channels, height + top + bottom, width + left + right), np.float32)
    flat = x.reshape(channels, -1)
    if block.expand_w is not None:
        _bias_relu6_into_padded(block.expand_w @ flat, block.expand_b, height, width, top, left, padded)
    else:
        # The first block has no expansion: its input is already ReLU6'd, copy it into the border.
        padded[:, top: top + height, left: left + width] = x
    out_h, out_w = -(-height // s), -(-width // s)
    mid = np.empty((block.mid_channels, out_h, out_w), np.float32)
    _depthwise_relu6(padded, block.dw_w, block.dw_b, s, mid)
    y = block.project_w @ mid.reshape(block.mid_channels, -1)
    y += block.project_b[:, None]
    if block.skip:
        y += flat
    return y.reshape(-1, out_h, out_w)


def features(net: LiteNetwork, x: np.ndarray) -> np.ndarray:
    """Standardised ``(3, H, W)`` float32 input → concatenated tap features on the readout grid."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 3 or x.shape[0] != 3 or min(x.shape[1:]) < 1:
        raise InputError(f"the Lite runtime needs a (3, H, W) input, got shape {x.shape}")
    h = _stem(net, x)
    outs = {}
    for i, block in enumerate(net.blocks[: max(net.taps) + 1]):
        h = _block(block, h)
        if i in net.taps:
            outs[i] = h
    size = outs[net.grid_tap].shape[1:]
    return np.concatenate([resample(outs[t], size) for t in net.taps], axis=0)


def head(net: LiteNetwork, feats: np.ndarray) -> np.ndarray:
    """Tap features → blurred ``(h, w)`` logits."""
    from scipy import ndimage

    c, h, w = feats.shape
    z = feats.reshape(c, -1)
    for k, (weight, bias) in enumerate(net.readout):
        z = weight @ z
        z += bias[:, None]
        if k < len(net.readout) - 1:
            np.maximum(z, 0, out=z)
    taps = net.blur_kernel()
    z = ndimage.correlate1d(z.reshape(h, w), taps, axis=1, mode="constant")
    return ndimage.correlate1d(z, taps, axis=0, mode="constant")


def forward(net: LiteNetwork, x: np.ndarray) -> np.ndarray:
    """Standardised ``(3, H, W)`` input → blurred logits ``(h, w)`` at 1/``output_stride``."""
    return head(net, features(net, x))
