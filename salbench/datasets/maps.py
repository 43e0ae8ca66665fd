"""Empirical maps from fixations: fixation maps (counts or binary) and blurred density maps.

Two blurs are offered by :func:`density_map`:

* ``method="gaussian"`` — a sampled Gaussian of standard deviation ``sigma`` pixels (or degrees
  with ``pixels_per_degree``), identical to ``scipy.ndimage.gaussian_filter(fixation_map, sigma,
  mode=mode, truncate=truncate)`` (default ``mode="reflect"``, which keeps all the mass inside the
  image). Every fixation counts, repeats included (``repeats="count"``).
* ``method="mit"`` — the MIT saliency benchmark's Fourier-domain blur (``run_antonioGaussian.m`` /
  ``antonioGaussian.m``, github.com/cvzoya/saliency, ``code_forMetrics``) on the *binary* fixation
  map (``repeats="once"``), so users can reproduce MIT-style reference maps. Its definition: with
  ``m = max(H, W)``, the cut-off ``fc = m * sqrt(log 2 / (2 pi^2 sigma^2))``; ``n`` is ``m`` rounded
  up to even and then to a power of two; the map is zero-padded into a ``2n x 2n`` square at offset
  ``(n, n)``; the transfer function is ``exp(-(fx^2 + fy^2) / s^2)`` with ``s = 2 fc / sqrt(log 2)``
  for integer frequencies ``-n/2 <= fx, fy < n/2`` and 0 elsewhere; the real part of the inverse
  FFT is cropped back. Its effective standard deviation is therefore ``sigma * n / m`` pixels, not
  ``sigma``: 1.28 sigma for an 800 x 600 image (n = 1024), exactly sigma when ``max(H, W)`` is a
  power of two. The border is zero padding, so mass near the edges is lost.

Both run as products of small dense matrices over the fixated rows and columns only (see
:mod:`salbench.datasets._gauss`), so all 700 OSIE maps take a few seconds.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._validation import as_coordinates, degenerate, keyword_choice
from ..exceptions import InputError
from . import _gauss

METHODS = ("gaussian", "mit")
NORMALIZATIONS = ("sum", "max", "none")


def _xy(fixations):
    """Accept ImageFixations / anything with ``.x``/``.y``, or an ``(x, y)`` pair."""
    if hasattr(fixations, "x") and hasattr(fixations, "y"):
        if hasattr(fixations, "n_images") and fixations.n_images > 1:
            raise InputError(
                "fixations holds several images; pass fixations.for_image(i) for one image"
            )
        return fixations.x, fixations.y
    try:
        x, y = fixations
    except (TypeError, ValueError):
        raise InputError(
            "fixations must be an ImageFixations (fixations.for_image(i)) or an (x, y) pair"
        ) from None
    return x, y


def _shape(shape) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in shape)
    except (TypeError, ValueError):
        raise InputError(f"shape must be (height, width), got {shape!r}") from None
    if height <= 0 or width <= 0:
        raise InputError(f"shape must be positive, got {shape!r}")
    return height, width


def _pixels(fixations, shape):
    x, y = _xy(fixations)
    _, _, flat = as_coordinates(x, y, shape, allow_empty=True)
    width = shape[1]
    return flat // width, flat % width


def fixation_map(fixations, shape, *, kind: str = "counts") -> np.ndarray:
    """The fixation map of one image.

    Parameters
    ----------
    fixations : ImageFixations or (x, y)
        0-based continuous coordinates (x = column); fixation ``k`` falls in pixel
        ``(floor(y[k]), floor(x[k]))``.
    shape : (height, width)
    kind : {"counts", "binary"}
        ``"counts"``: number of fixations per pixel (float64); ``"binary"``: 1.0 where fixated.

    Examples
    --------
    >>> fixation_map(([0.5, 0.7, 2.0], [1.2, 1.9, 0.0]), (2, 3)).tolist()
    [[0.0, 0.0, 1.0], [2.0, 0.0, 0.0]]
    """
    keyword_choice(kind, "kind", ("counts", "binary"))
    shape = _shape(shape)
    rows, cols = _pixels(fixations, shape)
    out = np.zeros(shape)
    if kind == "binary":
        out[rows, cols] = 1.0
    else:
        np.add.at(out, (rows, cols), 1.0)
    return out


def density_map(fixations, shape, *, sigma: float, pixels_per_degree: float | None = None,
                method: str = "gaussian", repeats: str | None = None, normalize: str = "sum",
                mode: str = "reflect", truncate: float = 4.0) -> np.ndarray:
    """A blurred fixation map (the empirical saliency map of one image).

    Parameters
    ----------
    fixations : ImageFixations or (x, y)
        The image's fixations (0-based continuous coordinates).
    shape : (height, width)
    sigma : float
        Standard deviation of the Gaussian, in pixels, or in degrees of visual angle when
        ``pixels_per_degree`` is given. For ``method="mit"`` it is the argument of MIT's
        ``run_antonioGaussian`` (see the module notes: the effective width differs).
    pixels_per_degree : float, optional
        Converts ``sigma`` from degrees to pixels.
    method : {"gaussian", "mit"}
        The blur (module notes).
    repeats : {"count", "once"}, optional
        Whether a pixel fixated k times counts k times or once. Defaults to ``"count"`` for
        ``"gaussian"`` (Tübingen convention) and ``"once"`` for ``"mit"`` (MIT's binary map).
    normalize : {"sum", "max", "none"}
        Scale to sum 1 (a density over pixels), to maximum 1 (MIT's display convention), or not.
    mode, truncate
        Border handling and kernel radius of ``method="gaussian"``, as in
        ``scipy.ndimage.gaussian_filter`` (ignored by ``"mit"``, whose border is zero padding).

    Returns
    -------
    (height, width) float64 array. With no fixation, ``normalize="sum"``/``"max"`` is undefined:
    a DegenerateInputWarning and an all-NaN map.

    Examples
    --------
    >>> d = density_map(([10.0], [5.0]), (11, 21), sigma=2.0)
    >>> round(float(d.sum()), 12), [int(v) for v in np.unravel_index(d.argmax(), d.shape)]
    (1.0, [5, 10])
    """
    keyword_choice(method, "method", METHODS)
    keyword_choice(normalize, "normalize", NORMALIZATIONS)
    if repeats is None:
        repeats = "once" if method == "mit" else "count"
    keyword_choice(repeats, "repeats", ("count", "once"))
    keyword_choice(mode, "mode", _gauss.MODES)
    shape = _shape(shape)
    sigma = _sigma(sigma, pixels_per_degree)
    rows, cols = _pixels(fixations, shape)
    if rows.size == 0:
        if normalize == "none":
            return np.zeros(shape)
        degenerate("no fixations: a density map is undefined")
        return np.full(shape, np.nan)
    if repeats == "once":
        flat = np.unique(rows * shape[1] + cols)
        rows, cols = flat // shape[1], flat % shape[1]
    if method == "gaussian":
        if not np.isfinite(truncate) or truncate <= 0:
            raise InputError(f"truncate must be a positive number, got {truncate!r}")
        out = _gauss.blur_counts(rows, cols, shape, sigma, mode=mode, truncate=truncate)
    else:
        out = mit_blur_sparse(rows, cols, shape, sigma)
    return _normalize(out, normalize)


def _sigma(sigma, pixels_per_degree) -> float:
    try:
        sigma = float(sigma)
    except (TypeError, ValueError):
        raise InputError(f"sigma must be a number, got {sigma!r}") from None
    if not np.isfinite(sigma) or sigma <= 0:
        raise InputError(f"sigma must be a positive number, got {sigma!r}")
    if pixels_per_degree is not None:
        ppd = float(pixels_per_degree)
        if not np.isfinite(ppd) or ppd <= 0:
            raise InputError(f"pixels_per_degree must be a positive number, got {pixels_per_degree!r}")
        sigma *= ppd
    return sigma


def _normalize(out: np.ndarray, how: str) -> np.ndarray:
    if how == "sum":
        total = out.sum()
        if not total > 0:
            degenerate("the blurred map has no mass (all fixations blurred away?)")
            return np.full(out.shape, np.nan)
        out /= total
    elif how == "max":
        peak = out.max()
        if not peak > 0:
            degenerate("the blurred map has no positive value")
            return np.full(out.shape, np.nan)
        out /= peak
    return out


# ------------------------------------------------------------------ the MIT Fourier-domain blur
def mit_padded_size(shape) -> int:
    """``n`` of antonioGaussian.m: max(H, W) rounded up to even, then to a power of two."""
    m = max(shape)
    m += m % 2
    return int(2 ** int(np.ceil(np.log2(m))))


def mit_effective_sigma(shape, sigma: float) -> float:
    """Standard deviation (pixels) of the Gaussian that MIT's blur really applies."""
    return float(sigma) * mit_padded_size(shape) / max(shape)


@lru_cache(maxsize=64)
def _mit_kernel(m: int, n: int, sigma: float):
    """MIT's filter as a 1-D circular kernel of length 2n: ``(real part, e)``.

    The 2-D transfer function is the outer product of a 1-D one, ``g(f) = exp(-f^2 / s^2)`` on
    ``-n/2 <= f < n/2``. ``g`` is symmetric except for the lone ``f = -n/2`` term, whose value
    ``e`` makes the kernel's imaginary part ``-(e / 2n) sin(pi d / 2)``; that part is handled in
    closed form (it has rank 2), the real part is tabulated.
    """
    fc = m * np.sqrt(np.log(2) / (2 * np.pi ** 2 * sigma ** 2))
    s = 2 * fc / np.sqrt(np.log(2))  # round(n2 / n) * fc / sqrt(log 2) with n2 = 2n
    freqs = np.fft.fftfreq(2 * n, d=1.0 / (2 * n))  # integer frequencies in FFT order
    transfer = np.where((freqs >= -(n // 2)) & (freqs < n // 2), np.exp(-(freqs ** 2) / s ** 2), 0.0)
    real = np.ascontiguousarray(np.fft.ifft(transfer).real)
    real[np.abs(real) < MIT_NOISE_FLOOR * np.abs(real).max()] = 0.0
    real.flags.writeable = False
    return real, float(np.exp(-((n // 2) ** 2) / s ** 2))


#: MIT kernel values below this fraction of its peak are FFT rounding noise; they are set to 0
#: so each fixation touches only the kernel's real footprint (the change is below 1e-16 of the
#: peak per fixation, the same size as the noise of MATLAB's own FFTs).
MIT_NOISE_FLOOR = 1e-17


def mit_blur_sparse(rows, cols, shape, sigma: float, weights=None) -> np.ndarray:
    """antonioGaussian(F, fc(sigma)) for the map ``F`` with ``weights`` (default 1) at the pixels."""
    height, width = shape
    n = mit_padded_size(shape)
    real, e = _mit_kernel(max(shape), n, float(sigma))
    prow, pcol, pweight = _gauss.unique_pixels(rows, cols, width, weights)
    ur, ri = np.unique(prow, return_inverse=True)
    uc, ci = np.unique(pcol, return_inverse=True)
    # The image sits at offset n of a 2n-periodic domain and the output is cropped to it, so the
    # circular kernel is read at (target - source) mod 2n, with |target - source| < n.
    ty, tx = np.arange(height), np.arange(width)
    wy = real[(ty[None, :] - ur[:, None]) % (2 * n)]
    wx = real[(tx[None, :] - uc[:, None]) % (2 * n)]
    out = _gauss.separable_sum(ri, ci, pweight, wy, wx)
    if e > 0:
        # Re(Ky C Kx^T) = Kyr C Kxr^T - Kyi C Kxi^T, with Ki[t, s] = -(e/2n) sin(pi (t - s) / 2)
        # = -(e/2n) (sin(pi t/2) cos(pi s/2) - cos(pi t/2) sin(pi s/2)): rank 2.
        counts = np.zeros((ur.size, uc.size))
        np.add.at(counts, (ri, ci), pweight)

        def factors(t, src):
            u = np.stack([np.sin(np.pi * t / 2), np.cos(np.pi * t / 2)], axis=1)
            v = np.stack([np.cos(np.pi * src / 2), -np.sin(np.pi * src / 2)], axis=1)
            return u, v

        uy, vy = factors(ty, ur)
        ux, vx = factors(tx, uc)
        out -= (e / (2 * n)) ** 2 * (uy @ (vy.T @ counts @ vx) @ ux.T)
    return out


def mit_blur(image, sigma: float) -> np.ndarray:
    """MIT's ``run_antonioGaussian(image, sigma)`` for any dense 2-D map (exact; via the sparse path)."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise InputError(f"image must be 2-D, got shape {image.shape}")
    rows, cols = np.nonzero(image)
    if rows.size == 0:
        return np.zeros(image.shape)
    return mit_blur_sparse(rows, cols, image.shape, _sigma(sigma, None), weights=image[rows, cols])
