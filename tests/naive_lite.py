"""Slow, obviously correct references for the Lite runtime (imports nothing from salbench.models.lite).

float64, explicit loops, straight from the definitions in ``salbench/models/lite/network.py``:
TensorFlow "SAME" padding (total ``max((ceil(n/s) - 1)·s + k - n, 0)``, the smaller half before),
cross-correlation, ReLU6, bilinear resampling between cell centres with clamping at the borders
(PyTorch's ``align_corners=False``), zero-padded Gaussian blur.
"""

import math

import numpy as np


def same_pad(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2, out


def relu6(v):
    return np.minimum(np.maximum(v, 0.0), 6.0)


def conv_same(x, weight, bias, stride, groups=1):
    """(I, H, W) -> (O, Ho, Wo); weight (O, I/groups, k, k); explicit loops over output pixels."""
    x = np.asarray(x, np.float64)
    w = np.asarray(weight, np.float64)
    o, ig, k, _ = w.shape
    top, _, out_h = same_pad(x.shape[1], k, stride)
    left, _, out_w = same_pad(x.shape[2], k, stride)
    out = np.zeros((o, out_h, out_w))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for y in range(out_h):
            for xx in range(out_w):
                acc = float(bias[oc])
                for ic in range(ig):
                    for ky in range(k):
                        r = y * stride + ky - top
                        if not 0 <= r < x.shape[1]:
                            continue
                        for kx in range(k):
                            c = xx * stride + kx - left
                            if 0 <= c < x.shape[2]:
                                acc += w[oc, ic, ky, kx] * x[g * ig + ic, r, c]
                out[oc, y, xx] = acc
    return out


def block(b, x):
    h = x
    if b["expand_w"] is not None:
        h = relu6(conv_same(h, b["expand_w"][:, :, None, None], b["expand_b"], 1))
    h = relu6(conv_same(h, b["dw_w"][:, None], b["dw_b"], b["stride"], groups=h.shape[0]))
    h = conv_same(h, b["project_w"][:, :, None, None], b["project_b"], 1)
    if b["stride"] == 1 and x.shape[0] == h.shape[0]:
        h = h + x
    return h


def bilinear(x, size):
    """(C, h, w) -> (C, *size), each output pixel from its four neighbours, loops."""
    c, h, w = x.shape
    out = np.zeros((c,) + tuple(size))
    for i in range(size[0]):
        sy = max((i + 0.5) * h / size[0] - 0.5, 0.0)
        y0 = min(int(math.floor(sy)), h - 1)
        y1, fy = min(y0 + 1, h - 1), sy - y0
        for j in range(size[1]):
            sx = max((j + 0.5) * w / size[1] - 0.5, 0.0)
            x0 = min(int(math.floor(sx)), w - 1)
            x1, fx = min(x0 + 1, w - 1), sx - x0
            out[:, i, j] = ((1 - fy) * ((1 - fx) * x[:, y0, x0] + fx * x[:, y0, x1])
                            + fy * ((1 - fx) * x[:, y1, x0] + fx * x[:, y1, x1]))
    return out


def blur(z, sigma, radius):
    t = np.arange(-radius, radius + 1)
    g = np.exp(-t ** 2 / (2 * sigma ** 2))
    g /= g.sum()
    h, w = z.shape
    out = np.zeros_like(z, dtype=np.float64)
    for i in range(h):
        for j in range(w):
            for a in range(-radius, radius + 1):
                for b_ in range(-radius, radius + 1):
                    if 0 <= i + a < h and 0 <= j + b_ < w:
                        out[i, j] += g[a + radius] * g[b_ + radius] * z[i + a, j + b_]
    return out


def forward(net, x):
    """The whole network: stem, blocks, taps on the grid tap's grid, readout, blur."""
    h = relu6(conv_same(x, net["stem_w"], net["stem_b"], 2))
    outs = {}
    for i, b in enumerate(net["blocks"][: max(net["taps"]) + 1]):
        h = block(b, h)
        outs[i] = h
    size = outs[net["grid_tap"]].shape[1:]
    z = np.concatenate([bilinear(outs[t], size) for t in net["taps"]])
    for k, (w, b) in enumerate(net["readout"]):
        z = np.einsum("oi,ihw->ohw", w, z) + np.asarray(b)[:, None, None]
        if k < len(net["readout"]) - 1:
            z = np.maximum(z, 0)
    return blur(z[0], net["blur_sigma"], net["blur_radius"])


def flops(net, height, width):
    """FLOPs counted layer by layer from explicit output shapes (paper convention)."""
    _, _, h = same_pad(height, 3, 2)
    _, _, w = same_pad(width, 3, 2)
    total = h * w * net["stem_w"].shape[0] * (2 * 27 + 1)
    c = net["stem_w"].shape[0]
    shapes = {}
    for i, b in enumerate(net["blocks"][: max(net["taps"]) + 1]):
        mid = b["dw_w"].shape[0]
        if b["expand_w"] is not None:
            total += h * w * mid * (2 * c + 1)
        k = b["dw_w"].shape[-1]
        h, w = same_pad(h, k, b["stride"])[2], same_pad(w, k, b["stride"])[2]
        total += h * w * mid * (2 * k * k + 1)
        o = b["project_w"].shape[0]
        total += h * w * o * (2 * mid + 1)
        if b["stride"] == 1 and c == o:
            total += h * w * o
        c = o
        shapes[i] = (h, w)
    gh, gw = shapes[net["grid_tap"]]
    previous = sum(net["blocks"][t]["project_w"].shape[0] for t in net["taps"])
    for wt, _ in net["readout"]:
        total += gh * gw * wt.shape[0] * (2 * previous + 1)
        previous = wt.shape[0]
    return total
