"""Slow, obviously-correct references for the empirical maps (no import from salbench's internals).

* ``naive_fixation_map``: one Python loop over fixations.
* ``naive_gaussian_density``: place a sampled, normalised Gaussian at every fixation, extending the
  image by explicit reflection (pixel by pixel) — SciPy's ``mode="reflect"`` by construction.
* ``naive_antonio_gaussian``: a line-by-line transliteration of the MIT benchmark's
  ``run_antonioGaussian.m`` + ``antonioGaussian.m`` (cvzoya/saliency, code_forMetrics, the version
  that zero-pads into a 2n x 2n square), with full 2-D FFTs.
"""

import math

import numpy as np


def naive_fixation_map(x, y, shape, binary=False):
    out = np.zeros(shape)
    for xi, yi in zip(x, y):
        r, c = int(math.floor(yi)), int(math.floor(xi))
        out[r, c] = 1.0 if binary else out[r, c] + 1.0
    return out


def _reflect(i, n):
    # d c b a | a b c d | d c b a
    period = 2 * n
    i %= period
    return i if i < n else period - 1 - i


def naive_gaussian_density(x, y, shape, sigma, truncate=4.0):
    h, w = shape
    radius = int(truncate * sigma + 0.5)
    offsets = range(-radius, radius + 1)
    g = [math.exp(-0.5 * (k / sigma) ** 2) for k in offsets]
    total = sum(g)
    g = [v / total for v in g]
    out = np.zeros(shape)
    for xi, yi in zip(x, y):
        r0, c0 = int(math.floor(yi)), int(math.floor(xi))
        for a, ka in zip(offsets, g):
            for b, kb in zip(offsets, g):
                out[_reflect(r0 + a, h), _reflect(c0 + b, w)] += ka * kb
    return out


def naive_antonio_gaussian(img, sigma):
    img = np.asarray(img, dtype=np.float64)
    sn, sm = img.shape
    n = max(sn, sm)
    fc = n * math.sqrt(math.log(2) / (2 * math.pi ** 2 * sigma ** 2))   # run_antonioGaussian.m
    n = n + n % 2
    n = 2 ** math.ceil(math.log2(n))
    img2 = np.zeros((2 * n, 2 * n))                                       # zeropadimage(img, n)
    img2[n:n + sn, n:n + sm] = img
    n2 = max(img2.shape)
    fx, fy = np.meshgrid(np.arange(n), np.arange(n))
    fx = fx - n / 2
    fy = fy - n / 2
    s = round(n2 / n) * fc / math.sqrt(math.log(2))
    gf = np.exp(-(fx ** 2 + fy ** 2) / s ** 2)
    gf2 = np.zeros((n2, n2))
    gf2[n2 // 2 - n // 2:n2 // 2 + n // 2, n2 // 2 - n // 2:n2 // 2 + n // 2] = gf
    gf2 = np.fft.fftshift(gf2)
    bf = np.real(np.fft.ifft2(np.fft.fft2(img2) * gf2))
    return bf[n:n + sn, n:n + sm]
