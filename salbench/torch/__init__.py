"""Saliency metrics on batches of tensors, on any device (the ``torch`` extra).

The same metrics as :mod:`salbench.metrics` — same names, conventions, validation messages and
NaN policy — computed on ``(B, H, W)`` tensors where they are (CPU or GPU, float32 or float64),
without a Python loop over the batch and without copies to the host. For validation inside
training loops; :class:`StreamingScores` is a torchmetrics ``Metric`` that accumulates them across
batches and processes. For training objectives (gradients) use :mod:`salbench.losses`.

Fixations are padded tensors: ``x`` and ``y`` of shape ``(B, K)`` in continuous 0-based pixel
coordinates (x = column, y = row; a fixation belongs to pixel ``(floor(y), floor(x))``) and
``lengths`` ``(B,)``: image ``b`` has the fixations ``x[b, :lengths[b]]``; the padding is never
read. :func:`pad_fixations` builds them from the flat ``(x, y, n)`` of :mod:`salbench.metrics`.

Results are ``(B,)`` tensors in the maps' dtype on the maps' device. With ``validate=True`` (the
default) a call checks its input on the device and reads the outcome back as one small tensor (one
synchronisation): bad input raises :class:`~salbench.exceptions.InputError` naming the image,
pixel or fixation; an image where a metric is undefined is NaN with one
:class:`~salbench.exceptions.DegenerateInputWarning` per reason, as in
:func:`salbench.metrics.score_maps`. ``validate=False`` never synchronises (undefined images are
still NaN, but nothing warns and bad input is not detected).

Inputs that require grad are detached: these are evaluation metrics.

Examples
--------
>>> import torch
>>> import salbench.torch as st
>>> maps = torch.tensor([[[0.0, 1.0], [2.0, 3.0]]] * 2)
>>> x = torch.tensor([[1.5, 0.5], [0.5, 0.0]])
>>> y = torch.tensor([[1.5, 0.5], [0.5, 0.0]])
>>> st.auc(maps, x, y, torch.tensor([2, 1]))
tensor([0.5000, 0.1250])
>>> scores = st.score_batch(maps, x, y, torch.tensor([1, 1]), metrics=["auc", "nss"])
>>> {k: [round(v, 4) for v in values.tolist()] for k, values in scores.items()}
{'auc': [0.875, 0.125], 'nss': [1.3416, -1.3416]}
"""

from __future__ import annotations

# Absolute imports: inside salbench/torch, ``import torch`` is PyTorch, never this package.
import torch

from .._validation import keyword_choice
from ..exceptions import InputError
from .. import metrics as _registry
from ..metrics import resolve_conventions
from ..metrics.rules import metric_list as _metric_list
from ..metrics.rules import warn_degenerate as _warn_degenerate
from . import _inputs
from . import cores as _cores
from .cores import register_core, torch_names

F64 = torch.float64

__all__ = [
    "StreamingScores",
    "auc",
    "auc_unfixated",
    "cc",
    "information_gain",
    "kld",
    "log_likelihood",
    "names",
    "nss",
    "pad_fixations",
    "register_core",
    "sauc",
    "score_batch",
    "sim",
]


def names() -> list:
    """The registered metrics that :mod:`salbench.torch` computes, in registry order.

    Examples
    --------
    >>> import salbench.torch as st
    >>> "auc" in st.names() and "emd" not in st.names()
    True
    """
    return torch_names()


def _needing(names_, need):
    return [m for m in names_ if _registry.get(m).uses(need)]


def score_batch(maps, x, y, lengths, *, metrics, log_density=False, reference_maps=None,
                baseline_log_density=None, negatives=None, convention="tuebingen",
                check_normalization=True, validate=True, _backend="auto"):
    """Score a batch of maps with several metrics at once: ``{metric: (B,) tensor}``.

    Parameters
    ----------
    maps : (B, H, W) tensor
        Saliency maps, or log-densities with ``log_density=True``; float32 or float64, any
        device.
    x, y : (B, K) tensors
        Padded fixations, continuous 0-based pixel coordinates (x = column, y = row).
    lengths : (B,) integer tensor
        The number of fixations of each image (``0 <= lengths[b] <= K``).
    metrics : str or list of str
        Registered metric names with a torch core (:func:`names`).
    log_density : bool, default=False
        ``maps`` are natural-log densities (each ``exp`` summing to 1): ``log_likelihood`` and
        ``information_gain`` read them and the saliency metrics read ``exp(maps)``, as the
        evaluation engine does for a probabilistic model.
    reference_maps : (B, H, W) tensor, optional
        Empirical fixation densities, for ``cc``, ``kld`` and ``sim``.
    baseline_log_density : (B, H, W) or (H, W) tensor, optional
        For ``information_gain``; one ``(H, W)`` baseline serves every image.
    negatives : (nx, ny, n_lengths), optional
        Explicit negatives for ``sauc``: padded ``(B, M)`` coordinates and ``(B,)`` lengths. By
        default each image's negatives are the fixations of the *other* images of the batch (as
        :func:`salbench.metrics.score_maps` does over its images).
    convention : str or dict, default="tuebingen"
        As for :func:`salbench.metrics.score_maps`.
    check_normalization : bool, default=True
        Check that each log-density sums to 1 (to 1e-6; 1e-4 for float32).
    validate : bool, default=True
        Check the input and warn about undefined images (one host synchronisation per call).

    Returns
    -------
    dict of str to tensor
        One ``(B,)`` tensor per metric, in the maps' dtype and on their device.

    Examples
    --------
    >>> import torch
    >>> from salbench.torch import score_batch
    >>> maps = torch.arange(12.0).reshape(1, 3, 4)
    >>> scores = score_batch(maps, torch.tensor([[3.5]]), torch.tensor([[2.5]]),
    ...                      torch.tensor([1]), metrics=["auc", "nss"])
    >>> [round(v.item(), 4) for v in scores.values()]
    [0.9583, 1.5933]
    """
    names_ = _metric_list(metrics)
    for name in names_:
        _cores.core_of(name)
    conventions = resolve_conventions(names_, convention)
    keyword_choice(_backend, "_backend", ("auto", "torch"))  # "torch": tensor passes on CPU too
    maps = _inputs.as_maps(maps, "maps")
    batch_size, height, width = maps.shape
    passes = _cores.passes_for(maps, _backend)
    flags = _inputs.Flags()

    def flat(t):
        return None if t is None else t.reshape(batch_size, height * width)

    likelihood = _needing(names_, "log_density")
    if likelihood and not log_density:
        raise InputError(f"metric(s) {', '.join(likelihood)} need log-densities: pass them as "
                         "maps with log_density=True")
    reference = baseline = None
    wanting = _needing(names_, "reference_map")
    if wanting:
        if reference_maps is None:
            raise InputError(f"metric(s) {', '.join(wanting)} need reference_maps=")
        reference = _inputs.as_maps(reference_maps, "reference_map", like=maps)
    wanting = _needing(names_, "baseline_log_density")
    if wanting:
        if baseline_log_density is None:
            raise InputError(f"metric(s) {', '.join(wanting)} need baseline_log_density=")
        baseline = _inputs.as_maps(baseline_log_density, "baseline_log_density", like=maps)
    fixations = _inputs.fixations(x, y, lengths, (height, width), batch_size, maps.device,
                                  validate=validate, flags=flags)
    explicit = None
    if negatives is not None:
        try:
            nx, ny, n_lengths = negatives
        except (TypeError, ValueError):
            raise InputError("negatives must be (nx, ny, lengths): padded (B, M) coordinates and "
                             "(B,) lengths") from None
        found = _inputs.fixations(nx, ny, n_lengths, (height, width), batch_size, maps.device,
                                  validate=validate, names=("nx", "ny"),
                                  length_name="negatives lengths", flags=flags)
        explicit = (found.flat, found.valid)
    saliency = None
    if _needing(names_, "saliency_map"):
        saliency = maps.exp() if log_density else maps
    batch = _cores.Batch(saliency=flat(saliency), log_density=flat(maps) if log_density else None,
                         baseline_log_density=flat(baseline), reference=flat(reference),
                         flat=fixations.flat, valid=fixations.valid, lengths=fixations.lengths,
                         negatives=explicit, passes=passes)
    if validate:
        # NaN and inf reach the per-image sums the metrics need anyway
        if saliency is not None and not log_density:
            _inputs.check_finite(maps, _cores.stats(batch, "saliency")[0], "saliency_map", flags)
        if reference is not None:
            _inputs.check_finite(reference, _cores.stats(batch, "reference")[0],
                                 "reference_map", flags)
        for key, name, tensor in (("log_density", "log_density", maps if log_density else None),
                                  ("baseline_log_density", "baseline_log_density", baseline)):
            if tensor is None:
                continue
            if check_normalization:
                if key == "log_density" and saliency is not None:
                    mass = _cores.stats(batch, "saliency")[0]  # the sum of exp(log_density)
                elif tensor.stride(0) == 0:  # one baseline for every image: check it once
                    mass = passes.sum_exp(flat(tensor)[:1]).expand(batch_size)
                else:
                    mass = passes.sum_exp(flat(tensor))
            else:  # as salbench.metrics: only the values read at the fixations
                mass = _cores.masked_sum(_cores.gather(getattr(batch, key), batch.flat),
                                         batch.valid)
                mass = torch.where(mass == -torch.inf, 0.0, mass)
            _inputs.check_log_density(tensor, name, mass, check_normalization, flags)
        flags.check()
    out, reasons = {}, []
    for name in names_:
        values, why = _cores.run(name, batch, conventions.get(name))
        out[name] = values.to(maps.dtype)
        reasons += [(name, reason, mask) for reason, mask in why]
    if validate and reasons:
        _warn(reasons, batch_size)
    return out


def _warn(reasons, batch_size):
    """One DegenerateInputWarning per metric and reason, worded as ``score_maps`` words it."""
    masks = torch.stack([mask.reshape(batch_size) for _, _, mask in reasons]).tolist()
    per_image = [{} for _ in range(batch_size)]
    for (name, reason, _), row in zip(reasons, masks):
        for i, undefined in enumerate(row):
            if undefined:
                per_image[i].setdefault(name, reason)
    _warn_degenerate([(None, r) for r in per_image], list(dict.fromkeys(n for n, _, _ in reasons)))


def _one(name, maps, x, y, lengths, **options):
    if "convention" in options:  # this metric's own conventions ("pysaliency" for kld)
        options["convention"] = {name: options["convention"]}
    return score_batch(maps, x, y, lengths, metrics=[name], **options)[name]


def _no_fixations(maps):
    maps = _inputs.as_maps(maps, "maps")
    empty = torch.zeros(maps.shape[0], 0, dtype=F64, device=maps.device)
    return maps, empty, torch.zeros(maps.shape[0], dtype=torch.int64, device=maps.device)


def auc(maps, x, y, lengths, *, negatives="all", validate=True):
    """Exact rank AUC per image (ties half credit), as :func:`salbench.metrics.auc`.

    ``negatives``: ``"all"`` (every pixel), ``"unfixated"`` (the pixels without a fixation, each
    once) or ``(nx, ny, n_lengths)``, padded explicit negatives (shuffled AUC).

    Examples
    --------
    >>> import torch
    >>> from salbench.torch import auc
    >>> auc(torch.tensor([[[0.0, 1.0], [2.0, 3.0]]]), torch.tensor([[1.5]]),
    ...     torch.tensor([[1.5]]), torch.tensor([1]))
    tensor([0.8750])
    """
    if isinstance(negatives, str):
        keyword_choice(negatives, "negatives", ("all", "unfixated"))
        name = "auc" if negatives == "all" else "auc_unfixated"
        return _one(name, maps, x, y, lengths, validate=validate)
    return _one("sauc", maps, x, y, lengths, negatives=negatives, validate=validate)


def auc_unfixated(maps, x, y, lengths, *, validate=True):
    """Rank AUC with the unfixated pixels (each once) as negatives (:func:`auc`)."""
    return _one("auc_unfixated", maps, x, y, lengths, validate=validate)


def sauc(maps, x, y, lengths, negatives=None, *, validate=True):
    """Exact shuffled AUC: against ``negatives`` ``(nx, ny, n_lengths)``, or by default against
    the fixations of the other images of the batch.

    Examples
    --------
    >>> import torch
    >>> from salbench.torch import sauc
    >>> maps = torch.tensor([[[0.0, 1.0], [2.0, 3.0]]] * 2)
    >>> sauc(maps, torch.tensor([[1.5], [0.5]]), torch.tensor([[1.5], [0.5]]),
    ...      torch.tensor([1, 1]))
    tensor([1., 0.])
    """
    return _one("sauc", maps, x, y, lengths, negatives=negatives, validate=validate)


def nss(maps, x, y, lengths, *, convention="tuebingen", validate=True):
    """Normalised scanpath saliency per image, as :func:`salbench.metrics.nss`.

    Examples
    --------
    >>> import torch
    >>> from salbench.torch import nss
    >>> nss(torch.tensor([[[0.0, 0.0], [0.0, 1.0]]], dtype=torch.float64),
    ...     torch.tensor([[1.5]]), torch.tensor([[1.5]]), torch.tensor([1]))
    tensor([1.7321], dtype=torch.float64)
    """
    return _one("nss", maps, x, y, lengths, convention=convention, validate=validate)


def _two_maps(name, maps, reference_maps, convention, validate):
    maps, x, lengths = _no_fixations(maps)
    return _one(name, maps, x, x, lengths, reference_maps=reference_maps,
                convention=convention, validate=validate)


def cc(maps, reference_maps, *, convention="tuebingen", validate=True):
    """Pearson correlation of each map with its reference map, as :func:`salbench.metrics.cc`.

    Examples
    --------
    >>> import torch
    >>> from salbench.torch import cc
    >>> cc(torch.tensor([[[0.0, 1.0], [2.0, 3.0]]]), torch.tensor([[[1.0, 3.0], [5.0, 7.0]]]))
    tensor([1.])
    """
    return _two_maps("cc", maps, reference_maps, convention, validate)


def kld(maps, reference_maps, *, convention="tuebingen", validate=True):
    """KL divergence of each reference density from its map, as :func:`salbench.metrics.kld`.

    Examples
    --------
    >>> import torch
    >>> from salbench.torch import kld
    >>> kld(torch.tensor([[[1.0, 1.0]]], dtype=torch.float64),
    ...     torch.tensor([[[1.0, 3.0]]], dtype=torch.float64))
    tensor([0.1308], dtype=torch.float64)
    """
    return _two_maps("kld", maps, reference_maps, convention, validate)


def sim(maps, reference_maps, *, convention="tuebingen", validate=True):
    """Histogram intersection of each map with its reference, as :func:`salbench.metrics.sim`.

    Examples
    --------
    >>> import torch
    >>> from salbench.torch import sim
    >>> sim(torch.tensor([[[1.0, 1.0]]]), torch.tensor([[[1.0, 3.0]]]))
    tensor([0.7500])
    """
    return _two_maps("sim", maps, reference_maps, convention, validate)


def log_likelihood(log_density, x, y, lengths, *, check_normalization=True, validate=True):
    """Mean log-density at each image's fixations (nats), as
    :func:`salbench.metrics.log_likelihood`.

    Examples
    --------
    >>> import math, torch
    >>> from salbench.torch import log_likelihood
    >>> L = torch.full((1, 2, 2), math.log(0.25), dtype=torch.float64)
    >>> log_likelihood(L, torch.tensor([[0.5]]), torch.tensor([[0.5]]), torch.tensor([1]))
    tensor([-1.3863], dtype=torch.float64)
    """
    return _one("log_likelihood", log_density, x, y, lengths, log_density=True,
                check_normalization=check_normalization, validate=validate)


def information_gain(log_density, baseline_log_density, x, y, lengths, *,
                     check_normalization=True, validate=True):
    """Information gain over a baseline (bits per fixation), as
    :func:`salbench.metrics.information_gain`; an ``(H, W)`` baseline serves every image.

    Examples
    --------
    >>> import torch
    >>> from salbench.torch import information_gain
    >>> model = torch.tensor([[[0.5, 0.25], [0.125, 0.125]]], dtype=torch.float64).log()
    >>> uniform = torch.full((2, 2), 0.25, dtype=torch.float64).log()
    >>> information_gain(model, uniform, torch.tensor([[0.5]]), torch.tensor([[0.5]]),
    ...                  torch.tensor([1]))
    tensor([1.], dtype=torch.float64)
    """
    return _one("information_gain", log_density, x, y, lengths, log_density=True,
                baseline_log_density=baseline_log_density,
                check_normalization=check_normalization, validate=validate)


def pad_fixations(x, y, n, batch_size, *, device=None):
    """Padded ``(x, y, lengths)`` from flat fixations ``x``, ``y`` with image indices ``n``.

    The fixations of image ``b`` keep their order; ``x`` and ``y`` are float64 ``(B, K)`` with
    ``K`` the largest count (padding is 0), ``lengths`` is int64 ``(B,)``.

    Examples
    --------
    >>> from salbench.torch import pad_fixations
    >>> x, y, lengths = pad_fixations([0.5, 1.5, 2.5], [0.0, 1.0, 2.0], [1, 0, 1], 3)
    >>> x.tolist(), lengths.tolist()
    ([[1.5, 0.0], [0.5, 2.5], [0.0, 0.0]], [1, 2, 0])
    """
    x, y = (torch.as_tensor(v, dtype=F64, device=device).detach().reshape(-1) for v in (x, y))
    n = torch.as_tensor(n, device=device).detach().reshape(-1)
    if not (x.numel() == y.numel() == n.numel()):
        raise InputError(f"x, y and n must have the same length; got {x.numel()}, {y.numel()} "
                         f"and {n.numel()}")
    if n.dtype.is_floating_point and bool((n != n.round()).any()):
        raise InputError("n must hold integer image indices")
    n = n.long()
    bad = (n < 0) | (n >= batch_size)
    if bool(bad.any()):
        i = int(bad.nonzero()[0])
        raise InputError(f"fixation {i} has image index n = {int(n[i])}, but there are "
                         f"{batch_size} images (valid indices 0..{batch_size - 1})")
    lengths = torch.bincount(n, minlength=batch_size)
    k = int(lengths.max()) if n.numel() else 0
    order = torch.argsort(n, stable=True)
    offsets = torch.cumsum(lengths, 0) - lengths
    position = torch.arange(n.numel(), device=n.device) - offsets[n[order]]
    out_x = torch.zeros(batch_size, k, dtype=F64, device=x.device)
    out_y = torch.zeros_like(out_x)
    out_x[n[order], position] = x[order]
    out_y[n[order], position] = y[order]
    return out_x, out_y, lengths


def __getattr__(name):
    # torchmetrics is imported only when the streaming class is asked for
    if name == "StreamingScores":
        from ._streaming import StreamingScores

        return StreamingScores
    raise AttributeError(f"module 'salbench.torch' has no attribute {name!r}")
