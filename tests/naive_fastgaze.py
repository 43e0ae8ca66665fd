"""Slow, obviously-correct references for the FastGaze runtime (imports nothing from it).

Everything here computes in float64 with scipy or explicit Python loops, directly from the
definitions in ``salbench/models/fastgaze/network.py``: cross-correlation with "same" zero padding,
bias, activation; floor-mode max pooling; zero-padded separable Gaussian blur.
"""

import numpy as np
from scipy import ndimage, signal


def activation(v, kind, alpha):
    if kind == "relu":
        return np.maximum(v, 0.0)
    if kind == "prelu":
        return np.where(v > 0, v, alpha * v)
    return v


def conv2d(x, weight, bias, kind=None, alpha=0.0):
    """(I, H, W) -> (O, H, W) with scipy.signal.correlate (float64, "same" zero padding)."""
    x = np.asarray(x, np.float64)
    w = np.asarray(weight, np.float64)
    o, i, kh, kw = w.shape
    ph, pw = (kh - 1) // 2, (kw - 1) // 2
    padded = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    out = np.empty((o,) + x.shape[1:])
    for oc in range(o):
        # "valid" correlation of the zero-padded input over all input channels at once.
        out[oc] = signal.correlate(padded, w[oc], mode="valid", method="direct")[0] + bias[oc]
    return activation(out, kind, alpha)


def conv2d_loops(x, weight, bias, counter):
    """The same convolution as six nested Python loops, counting every multiply-add.

    Zero-padding taps are counted too (the tap is multiplied by a zero), which is what the
    runtime does physically. ``counter`` is a dict; ``counter['macs']`` and ``counter['adds']``
    (bias additions) are incremented. Only for tiny inputs.
    """
    o, i, kh, kw = weight.shape
    _, h, w = x.shape
    ph, pw = (kh - 1) // 2, (kw - 1) // 2
    out = np.zeros((o, h, w))
    for oc in range(o):
        for y in range(h):
            for xx in range(w):
                acc = 0.0
                for c in range(i):
                    for dy in range(kh):
                        for dx in range(kw):
                            yy, xs = y + dy - ph, xx + dx - pw
                            value = x[c, yy, xs] if 0 <= yy < h and 0 <= xs < w else 0.0
                            acc += float(weight[oc, c, dy, dx]) * float(value)
                            counter["macs"] += 1
                out[oc, y, xx] = acc + float(bias[oc])
                counter["adds"] += 1
    return out


def max_pool(x, size):
    c, h, w = x.shape
    hh, ww = h // size, w // size
    out = np.empty((c, hh, ww), dtype=np.float64)  # stays empty when a side is < size
    for py in range(hh):
        for px in range(ww):
            window = x[:, py * size:(py + 1) * size, px * size:(px + 1) * size]
            out[:, py, px] = window.max(axis=(1, 2))
    return out


def gaussian_taps(kernel_size, std):
    t = np.arange(kernel_size) - (kernel_size - 1) / 2
    g = np.exp(-t ** 2 / (2 * std ** 2))
    return g / g.sum()


def blur(x, taps):
    x = np.asarray(x, np.float64)
    out = ndimage.correlate1d(x, np.asarray(taps, np.float64), axis=2, mode="constant", cval=0.0)
    return ndimage.correlate1d(out, np.asarray(taps, np.float64), axis=1, mode="constant", cval=0.0)


def forward(network, x, *, absolute=False):
    """Run a salbench Network (read only through its public attributes) in float64.

    ``absolute=True`` runs it with absolute weights and biases on ``|x|``: all terms are then
    non-negative (activations act as the identity, nothing cancels), which bounds every value a
    float32 forward pass sums for each output — rounding errors scale with that, not with an
    output that is small by cancellation.
    """
    x = np.asarray(x, np.float64)
    x = np.abs(x) if absolute else x
    for layer in network.layers:
        kind = type(layer).__name__
        if kind == "Conv2d":
            if absolute:
                x = conv2d(x, np.abs(layer.weight), np.abs(layer.bias), None, 0.0)
            else:
                x = conv2d(x, layer.weight, layer.bias, layer.activation, layer.alpha)
        elif kind == "MaxPool2d":
            x = max_pool(x, layer.size)
        elif kind == "GaussianBlur":
            x = blur(x, gaussian_taps(layer.kernel_size, layer.std))
        else:
            raise TypeError(kind)
    return x


# -- references for the runtime's individual kernels -------------------------------------------

def store_tile(tile, rows, tile_width, width, bias, act, alpha, out, out_wp, out_ph, out_pw, row0):
    values = tile[:, : rows * tile_width].reshape(tile.shape[0], rows, tile_width)[:, :, :width]
    values = activation(values.astype(np.float64) + bias[:, None, None],
                        {0: None, 1: "relu", 2: "prelu"}[act], alpha)
    for r in range(rows):
        start = (row0 + r + out_ph) * out_wp + out_pw
        out[:, start: start + width] = values[:, r]


def store_tile_pooled(tile, rows, tile_width, width, size, bias, act, alpha, out, out_wp, out_ph,
                      out_pw, pooled_row0):
    values = tile[:, : rows * tile_width].reshape(tile.shape[0], rows, tile_width)[:, :, :width]
    values = activation(values.astype(np.float64) + bias[:, None, None],
                        {0: None, 1: "relu", 2: "prelu"}[act], alpha)
    pooled = max_pool(values, size)
    for r in range(pooled.shape[1]):
        start = (pooled_row0 + r + out_ph) * out_wp + out_pw
        out[:, start: start + pooled.shape[2]] = pooled[:, r]


def upsample_logits(logits, image_shape, input_shape, stride):
    """Bilinear interpolation between logit-cell centres with scipy's RegularGridInterpolator.

    Cell (i, j) is centred at image coordinates ((i + 1/2)·stride·H/H_in, (j + 1/2)·stride·W/W_in);
    pixel centres are (r + 1/2, c + 1/2); queries beyond the outermost centres are clamped to them.
    """
    from scipy.interpolate import RegularGridInterpolator

    h, w = logits.shape
    height, width = image_shape
    cy = (np.arange(h) + 0.5) * stride * height / input_shape[0]
    cx = (np.arange(w) + 0.5) * stride * width / input_shape[1]
    py = np.clip(np.arange(height) + 0.5, cy[0], cy[-1])
    px = np.clip(np.arange(width) + 0.5, cx[0], cx[-1])
    if h == 1:
        cy, py = np.array([0.0, 1.0]), np.zeros(height)
        logits = np.vstack([logits, logits])
    if w == 1:
        cx, px = np.array([0.0, 1.0]), np.zeros(width)
        logits = np.hstack([logits, logits])
    grid_y, grid_x = np.meshgrid(py, px, indexing="ij")
    interpolate = RegularGridInterpolator((cy, cx), np.asarray(logits, np.float64))
    return interpolate(np.stack([grid_y, grid_x], axis=-1))
