"""Differentiable saliency metrics for training loops (PyTorch; the ``torch`` extra).

Each function takes a batch of predictions as a tensor of shape ``(B, H, W)`` (or one ``(H, W)``
map) and returns one value per image, shape ``(B,)``, equal to what :mod:`salbench.metrics`
computes for the same image under the Tübingen convention, and differentiable with respect to
the prediction. Turn a score into a loss yourself, so the direction stays explicit::

    loss = -salbench.losses.nss(pred, counts).mean()            # higher NSS is better
    loss = salbench.losses.kld(pred, reference).mean()          # lower KLD is better
    loss = -salbench.losses.log_likelihood(log_p, counts).mean()

Fixations are given as **count maps** of the same shape as the predictions (how many fixations
fall on each pixel, repeats counted — :func:`fixation_counts` builds them from coordinates in the
package convention), so the metrics are plain tensor reductions: no Python loop over images or
fixations and no host-device synchronisation unless ``validate=True`` (the default) asks for the
value checks (non-finite entries, images without fixations), which read one scalar per batch.

The conventions are the Tübingen/pysaliency ones of :mod:`salbench.metrics` (see the metric cards
in ``metrics/``): NSS standardises with the population standard deviation and leaves a constant
map at 0; CC of a constant map is 0; KLD is the MIT-regularised form with pysaliency's constant
``c = 2.2204e-16`` after shifting maps with negative values to minimum 0 and dividing by their
sums; SIM uses the same densities; log-likelihood is in nats and information gain in bits per
fixation, averaged over each image's fixations.

Examples
--------
>>> import torch
>>> from salbench import losses
>>> pred = torch.tensor([[[0.0, 1.0], [2.0, 3.0]]], dtype=torch.float64, requires_grad=True)
>>> counts = torch.tensor([[[0.0, 0.0], [0.0, 2.0]]], dtype=torch.float64)
>>> score = losses.nss(pred, counts)
>>> round(score[0].item(), 6)
1.341641
>>> (-score.mean()).backward()
>>> pred.grad.shape
torch.Size([1, 2, 2])
"""

from __future__ import annotations

import math

import torch

from .exceptions import InputError
from .torch.cores import (
    TorchPasses,
    correlation,
    pysaliency_density,
    standardisation,
)

#: pysaliency's literal regularisation constant of ``MIT_KLDiv`` (as in :func:`salbench.metrics.kld`).
KLD_EPSILON = 2.2204e-16

# The formulas (moments, correlation, densities, KL terms) are those of salbench.torch's metric
# cores, run as tensor operations so that they are differentiable.


def _batch(tensor, name):
    if not isinstance(tensor, torch.Tensor):
        raise InputError(f"{name} must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 3:
        raise InputError(f"{name} must have shape (B, H, W) or (H, W), got {tuple(tensor.shape)}")
    if not tensor.is_floating_point():
        raise InputError(f"{name} must be a floating-point tensor, got {tensor.dtype}")
    return tensor


def _pair(a, b, name_a, name_b):
    a, b = _batch(a, name_a), _batch(b, name_b)
    if a.shape != b.shape:
        raise InputError(f"{name_a} has shape {tuple(a.shape)} but {name_b} has shape "
                         f"{tuple(b.shape)}; resize explicitly (salbench.metrics.resize_map)")
    return a, b


def _check_finite(tensor, name):
    bad = ~torch.isfinite(tensor.detach())
    if bool(bad.any()):
        image, row, col = (int(v) for v in bad.nonzero()[0])
        raise InputError(f"{name} has a non-finite value at row {row}, column {col} (image {image})")


def _check_counts(counts):
    _check_finite(counts, "fixation_counts")
    detached = counts.detach()
    if bool((detached < 0).any()):
        image = int((detached < 0).flatten(1).any(1).nonzero()[0])
        raise InputError(f"fixation_counts has negative entries (image {image})")
    empty = detached.flatten(1).sum(1) == 0
    if bool(empty.any()):
        images = empty.nonzero().flatten().tolist()
        raise InputError(f"image(s) {images[:10]} have no fixations; their score is undefined")


def fixation_counts(x, y, n, *, batch_size: int, shape, dtype=torch.float32, device=None):
    """Count maps ``(batch_size, H, W)`` from fixations in the package convention.

    ``x`` (column) and ``y`` (row) are continuous 0-based pixel coordinates, ``n`` each fixation's
    image index in the batch; fixation ``i`` counts on pixel ``(floor(y_i), floor(x_i))`` of image
    ``n_i``, repeats counted.

    Examples
    --------
    >>> fixation_counts([0.5, 1.9, 1.2], [0.0, 1.5, 1.0], [0, 0, 1], batch_size=2, shape=(2, 2))[0]
    tensor([[1., 0.],
            [0., 1.]])
    """
    height, width = (int(v) for v in shape)
    x, y, n = (torch.as_tensor(v, dtype=torch.float64).reshape(-1) for v in (x, y, n))
    if not (x.numel() == y.numel() == n.numel()):
        raise InputError(f"x, y and n must have the same length, got {x.numel()}, {y.numel()}, "
                         f"{n.numel()}")
    if not bool(torch.isfinite(x).all() & torch.isfinite(y).all() & torch.isfinite(n).all()):
        raise InputError("fixation coordinates and image indices must be finite")
    cols, rows, images = torch.floor(x).long(), torch.floor(y).long(), n.long()
    outside = (cols < 0) | (cols >= width) | (rows < 0) | (rows >= height)
    if bool(outside.any()):
        i = int(outside.nonzero()[0])
        raise InputError(f"fixation {i} at x={float(x[i])}, y={float(y[i])} is outside the "
                         f"{height}x{width} image")
    if bool(((images < 0) | (images >= batch_size) | (n != images)).any()):
        raise InputError(f"image indices n must be integers in 0..{batch_size - 1}")
    flat = (images * height + rows) * width + cols
    counts = torch.bincount(flat, minlength=batch_size * height * width)
    return counts.reshape(batch_size, height, width).to(dtype=dtype, device=device)


def _per_fixation_mean(values, counts):
    return (values * counts).flatten(1).sum(1) / counts.flatten(1).sum(1)


def nss(saliency, fixation_counts, *, validate: bool = True):
    """Normalised scanpath saliency per image: mean of ``(s - mean(s)) / std(s)`` at the fixations.

    As :func:`salbench.metrics.nss` (Tübingen): every fixation counts, the standard deviation is
    over all N pixels, and a constant map scores 0.
    """
    s, counts = _pair(saliency, fixation_counts, "saliency", "fixation_counts")
    if validate:
        _check_finite(s, "saliency")
        _check_counts(counts)
    flat = s.flatten(1)
    m = standardisation(flat, TorchPasses)
    std = torch.sqrt(m.m2 / flat.shape[1]).to(s.dtype)
    centred = flat * m.scale.to(s.dtype)[:, None] - m.mean.to(s.dtype)[:, None]
    # pysaliency skips the division for a constant map (std exactly 0), which leaves it at 0
    z = centred / torch.where(m.constant, torch.ones_like(std), std)[:, None]
    return _per_fixation_mean(z.reshape(s.shape), counts)


def cc(saliency, reference, *, validate: bool = True):
    """Pearson correlation of each prediction with its reference map; 0 for a constant map."""
    s, r = _pair(saliency, reference, "saliency", "reference")
    if validate:
        _check_finite(s, "saliency")
        _check_finite(r, "reference")
    value, _, _ = correlation(s.flatten(1), r.flatten(1), TorchPasses)
    return value.to(s.dtype)  # 0 for a constant map (no spread to correlate)


def _form(a):
    """pysaliency's density of each map as a linear form (shift a map with negative values to
    minimum 0, divide by the sum; an all-zero map is uniform)."""
    flat = a.flatten(1)
    return flat, pysaliency_density(flat, TorchPasses.sum_min_max(flat), TorchPasses)


def kld(saliency, reference, *, validate: bool = True):
    """KL divergence ``sum(Q ln(c + Q / (P + c)))`` of the reference density Q from the prediction P.

    As :func:`salbench.metrics.kld` (Tübingen, the MIT-regularised form with ``c = 2.2204e-16``).
    Lower is better.
    """
    s, r = _pair(saliency, reference, "saliency", "reference")
    if validate:
        _check_finite(s, "saliency")
        _check_finite(r, "reference")
    (fs, ps), (fr, pr) = _form(s), _form(r)
    return TorchPasses.kl_regularised(fs, fr, ps, pr, KLD_EPSILON).to(s.dtype)


def sim(saliency, reference, *, validate: bool = True):
    """Similarity (histogram intersection) ``sum(min(P, Q))`` of the two maps as densities."""
    s, r = _pair(saliency, reference, "saliency", "reference")
    if validate:
        _check_finite(s, "saliency")
        _check_finite(r, "reference")
    (fs, ps), (fr, pr) = _form(s), _form(r)
    return TorchPasses.intersection(fs, fr, ps, pr).to(s.dtype)


def log_likelihood(log_density, fixation_counts, *, validate: bool = True):
    """Mean log-density at the fixations, in nats per fixation (the model's own log-density).

    ``log_density`` must be normalised over each image's pixels (e.g. a log-softmax); unlike
    :func:`salbench.metrics.log_likelihood` this does not check it, so it costs no extra pass.
    """
    log_p, counts = _pair(log_density, fixation_counts, "log_density", "fixation_counts")
    if validate:
        _check_finite(log_p, "log_density")
        _check_counts(counts)
    return _per_fixation_mean(log_p, counts)


def information_gain(log_density, baseline_log_density, fixation_counts, *,
                     validate: bool = True):
    """Information gain over a baseline, in bits per fixation (mean over each image's fixations)."""
    log_p, log_b = _pair(log_density, baseline_log_density, "log_density", "baseline_log_density")
    _, counts = _pair(log_p, fixation_counts, "log_density", "fixation_counts")
    if validate:
        _check_finite(log_p, "log_density")
        _check_finite(log_b, "baseline_log_density")
        _check_counts(counts)
    return _per_fixation_mean(log_p - log_b, counts) / math.log(2.0)
