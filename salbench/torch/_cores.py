"""The metrics as batched tensor formulas, one core per registered metric.

Every core takes a :class:`Batch` (validated tensors of ``B`` images) and the metric's
convention, and returns ``(values, reasons)``: ``values`` is a float64 ``(B,)`` tensor on the
maps' device, ``reasons`` a list of ``(reason, mask)`` saying which images are NaN and why, with
the reasons of the numpy cores (the constants of :mod:`salbench.metrics`). The arithmetic follows
the numpy cores step by step (same densities, same guards, same order of the final divisions);
per-pixel work runs in the maps' dtype with float64 accumulation, so float64 maps agree with
:mod:`salbench.metrics` to ~1e-15 and float32 maps to float32 rounding.

Only the exact rank counts of an all-pixel AUC have a second implementation: on CPU tensors the
Numba kernel :func:`salbench.metrics._kernels.batch.rank_scores` (one bucketed pass per map, the
kernel of ``salbench.metrics.auc``), elsewhere a sort and ``searchsorted`` per map, because a full
sort on the CPU costs ~100x a histogram pass.

The density and moment helpers are shared with :mod:`salbench.losses`, which differentiates
through them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from ..exceptions import InputError
from ..metrics import _registry
from ..metrics._distributions import (
    KLD_MIT_NEGATIVE,
    MATLAB_EPS,
    PYSALIENCY_KLD_EPSILON,
    PYSALIENCY_MINIMUM_VALUE,
    SIM_MIT_CONSTANT,
)
from ..metrics._image import NO_FIXATIONS
from ..metrics._likelihood import IG_BOTH_ZERO, LN2
from ..metrics._moments import CC_CONSTANT_REFERENCE, CC_MIT_CONSTANT, NSS_MIT_CONSTANT
from ..metrics._roc import NO_NEGATIVES, NO_SHUFFLED_NEGATIVES

F64 = torch.float64


@dataclass
class Batch:
    """Validated inputs of one call (maps flattened to ``(B, N)``)."""

    saliency: torch.Tensor | None          # (B, N) saliency maps (exp of log-densities)
    log_density: torch.Tensor | None       # (B, N)
    baseline_log_density: torch.Tensor | None
    reference: torch.Tensor | None         # (B, N)
    flat: torch.Tensor                     # (B, K) int64 pixel index, 0 where padding
    valid: torch.Tensor                    # (B, K) bool
    lengths: torch.Tensor                  # (B,) int64
    negatives: tuple | None = None         # explicit (flat (B, M), valid (B, M)) or None
    backend: str = "auto"                  # "auto" (Numba rank counts on CPU) or "torch"
    cache: dict = field(default_factory=dict)

    @property
    def n_pixels(self) -> int:
        for t in (self.saliency, self.log_density, self.reference):
            if t is not None:
                return t.shape[1]
        raise AssertionError("a batch has at least one map")


# ------------------------------------------------------------------------------------ helpers
def gather(maps, flat):
    """``maps[b, flat[b, k]]``: the map values at the fixations, ``(B, K)``."""
    return torch.gather(maps, 1, flat)


def masked_sum(values, valid):
    return torch.where(valid, values, torch.zeros((), dtype=values.dtype,
                                                  device=values.device)).sum(1, dtype=F64)


def power_of_two_scale(lo, hi, dtype):
    """``2**-e`` per image with the largest magnitude ``2**(e-1)..2**e``: exact rescaling that
    keeps squares of deviations inside the dtype's range (NSS and CC are scale invariant)."""
    magnitude = torch.maximum(lo.detach().abs(), hi.detach().abs()).to(F64)
    _, exponent = torch.frexp(magnitude)
    limit = 127 if dtype == torch.float32 else 1023  # largest exponent of a normal number
    exponent = exponent.clamp(-limit, limit)
    return torch.ldexp(torch.ones_like(magnitude), -exponent).to(dtype)


def moments(a):
    """Per image ``(scaled map, mean, m2, constant)`` of ``a`` (B, N) after power-of-two
    rescaling: the mean in float64 and ``m2 = sum((a - mean)**2)``, two passes as in
    ``salbench.metrics``."""
    lo, hi = a.amin(1), a.amax(1)
    scaled = a * power_of_two_scale(lo, hi, a.dtype)[:, None]
    mean = scaled.sum(1, dtype=F64) / a.shape[1]
    centred = scaled - mean.to(a.dtype)[:, None]
    return scaled, mean, centred, lo == hi


def distinct(flat, valid):
    """``(flat, mask)`` with ``mask`` true once per distinct valid pixel of each row."""
    sentinel = torch.iinfo(torch.int64).max
    ordered = torch.where(valid, flat, sentinel).sort(1).values
    first = torch.ones_like(valid)
    first[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    mask = first & (ordered != sentinel)
    return torch.where(mask, ordered, 0), mask


# ------------------------------------------------------------------------------------ rank AUCs
def _counts_against(values, valid, negative_values, negative_valid):
    """``#{u < v} + 0.5 #{u == v}`` per fixation against explicit negatives, by sorting them."""
    inf = torch.tensor(torch.inf, dtype=negative_values.dtype, device=negative_values.device)
    ordered = torch.where(negative_valid, negative_values, inf).sort(1).values.contiguous()
    v = values.contiguous()
    less = torch.searchsorted(ordered, v, side="left")
    at_most = torch.searchsorted(ordered, v, side="right")
    return less.to(F64) + 0.5 * (at_most - less).to(F64)


def _rank_scores_all(batch, s, values, unfixated):
    """Per fixation ``#{u < v} + 0.5 #{u == v}`` over the map's pixels, and ``#negatives``."""
    valid = batch.valid
    if s.device.type == "cpu" and batch.backend == "auto":
        from ..metrics._kernels.batch import rank_scores

        k = values.shape[1]
        scores = torch.zeros(values.shape, dtype=F64)
        n_negatives = torch.zeros(values.shape[0], dtype=torch.int64)
        non_finite = torch.zeros(values.shape[0], dtype=torch.int64)
        if k:
            rank_scores(s.contiguous().numpy(), values.to(F64).contiguous().numpy(),
                        batch.flat.contiguous().numpy(), batch.lengths.numpy(), unfixated,
                        scores.numpy(), n_negatives.numpy(), non_finite.numpy())
        return scores, n_negatives
    ordered = s.sort(1).values
    v = values.contiguous()
    less = torch.searchsorted(ordered, v, side="left")
    at_most = torch.searchsorted(ordered, v, side="right")
    scores = less.to(F64) + 0.5 * (at_most - less).to(F64)
    n_negatives = torch.full((s.shape[0],), s.shape[1], dtype=torch.int64, device=s.device)
    if unfixated:
        pixels, once = distinct(batch.flat, valid)
        fixated = torch.where(once, gather(s, pixels), torch.inf)
        v3, f3 = values[:, :, None], fixated[:, None, :]
        scores = scores - ((f3 < v3).sum(2).to(F64) + 0.5 * (f3 == v3).sum(2).to(F64))
        n_negatives = n_negatives - once.sum(1)
    return scores, n_negatives


def _auc_value(batch, scores, n_negatives, empty_reason):
    total = masked_sum(scores, batch.valid)
    value = total / (batch.lengths.to(F64) * n_negatives.to(F64))
    no_negatives = (n_negatives == 0) & (batch.lengths > 0)
    value = torch.where(no_negatives, torch.nan, value)
    return value, [(empty_reason, no_negatives)]


def _auc_core(negatives):
    def core(batch, convention):
        s = batch.saliency
        values = gather(s, batch.flat)
        scores, n_negatives = _rank_scores_all(batch, s, values, negatives == "unfixated")
        return _auc_value(batch, scores, n_negatives, NO_NEGATIVES)
    return core


def shuffled_negatives(batch):
    """Each image's negatives: the fixations of every other image of the batch (same size)."""
    b, k = batch.flat.shape
    flat_all = batch.flat.reshape(1, b * k).expand(b, b * k)
    owner = torch.arange(b, device=batch.flat.device).repeat_interleave(k)
    valid = batch.valid.reshape(1, b * k) & (owner[None, :] != torch.arange(
        b, device=batch.flat.device)[:, None])
    return flat_all, valid


def _sauc_core(batch, convention):
    s = batch.saliency
    values = gather(s, batch.flat)
    negatives = batch.negatives if batch.negatives is not None else shuffled_negatives(batch)
    neg_flat, neg_valid = negatives
    scores = _counts_against(values, batch.valid, gather(s, neg_flat.contiguous()), neg_valid)
    n_negatives = neg_valid.sum(1)
    return _auc_value(batch, scores, n_negatives, NO_SHUFFLED_NEGATIVES)


def auc_against(batch, negatives):
    """The AUC with ``negatives`` "all", "unfixated" or explicit ones (``batch.negatives``)."""
    if negatives == "explicit":
        return _sauc_core(batch, None)
    return _auc_core(negatives)(batch, None)


# ------------------------------------------------------------------------------------ NSS, CC
def _nss_core(batch, convention):
    scaled, mean, centred, constant = moments(batch.saliency)
    n = scaled.shape[1]
    m2 = centred.square().sum(1, dtype=F64)
    if convention == "mit":
        pixels, counted = distinct(batch.flat, batch.valid)
        count = counted.sum(1)
        total = masked_sum(gather(scaled, pixels), counted) - count * mean
        undefined = constant | (n < 2)
        std = torch.sqrt(m2 / max(n - 1, 1))
        value = torch.where(undefined, torch.nan, total / torch.where(undefined, 1.0, std) / count)
        return value, [(NSS_MIT_CONSTANT, undefined & (count > 0))]
    count = batch.lengths
    # pysaliency skips the division for a constant map, which leaves every value at exactly 0
    total = masked_sum(gather(scaled, batch.flat), batch.valid) - count * mean
    std = torch.where(constant, 1.0, torch.sqrt(m2 / n))
    value = torch.where(constant, 0.0, total / std / count)
    return value, []


def correlation(s, r):
    """``(cross / (|s - mean| |r - mean|), constant_s, constant_r)`` per image, float64."""
    _, _, cs, constant_s = moments(s)
    _, _, cr, constant_r = moments(r)
    cross = (cs * cr).sum(1, dtype=F64)
    # each root separately: the product of two sums of squares can underflow or overflow
    scale = torch.sqrt(cs.square().sum(1, dtype=F64)) * torch.sqrt(cr.square().sum(1, dtype=F64))
    safe = torch.where(scale > 0, scale, 1.0)
    return cross / safe, constant_s, constant_r


def _cc_core(batch, convention):
    value, constant_s, constant_r = correlation(batch.saliency, batch.reference)
    value = value.clamp(-1.0, 1.0)  # rounding can push |r| a hair past 1
    reasons = [(CC_CONSTANT_REFERENCE, constant_r)]
    if convention == "mit":
        undefined_s = constant_s & ~constant_r
        value = torch.where(undefined_s, torch.nan, value)
        reasons.append((CC_MIT_CONSTANT, undefined_s))
    else:
        value = torch.where(constant_s, 0.0, value)  # pysaliency's guard
    return torch.where(constant_r, torch.nan, value), reasons


# ------------------------------------------------------------------------------------ densities
def pysaliency_density(a, add=0.0):
    """pysaliency's density of each map of ``a`` (B, N): shift a map with negative values to
    minimum 0, add ``add``, divide by the sum; an all-zero result is the uniform map."""
    minimum = a.amin(1, keepdim=True)
    shifted = a - torch.where(minimum < 0, minimum, torch.zeros_like(minimum))
    if add:
        shifted = shifted + add
    total = shifted.sum(1, keepdim=True, dtype=F64)
    safe = torch.where(total != 0, total, 1.0)
    uniform = torch.full_like(shifted, 1.0 / a.shape[1])
    return torch.where(total != 0, shifted * (1.0 / safe).to(a.dtype), uniform)


def _mit_sum_density(a):
    """``a / sum(a)`` if any entry is nonzero, else ``a`` unchanged (MIT ``KLdiv.m``)."""
    total = a.sum(1, keepdim=True, dtype=F64)
    nonzero = (a != 0).any(1, keepdim=True)
    # as MIT (and salbench.metrics): a nonzero map summing to 0 divides by 0
    return torch.where(nonzero, a * (1.0 / total).to(a.dtype), a)


def _mit_minmax_density(a):
    """``mm(a) / sum(mm(a))`` (MIT ``similarity.m``); an all-zero map stays zero; ``undefined``
    marks a constant nonzero map."""
    lo, hi = a.amin(1, keepdim=True), a.amax(1, keepdim=True)
    spread = hi - lo
    zero = (lo == 0) & (hi == 0)
    undefined = (spread == 0) & ~zero
    scaled = (a - lo) / torch.where(spread > 0, spread, 1.0)
    total = scaled.sum(1, keepdim=True, dtype=F64)
    density = scaled * (1.0 / torch.where(total > 0, total, 1.0)).to(a.dtype)
    return torch.where(spread > 0, density, torch.zeros_like(a)), undefined.reshape(-1)


def kl_regularised(p, q, c):
    """``sum(Q ln(c + Q / (P + c)))`` per image (terms with ``Q == 0`` are 0) and whether an
    argument was negative."""
    argument = c + q / (p + c)
    argument = torch.where(q != 0, argument, 1.0)
    negative = (argument < 0).any(1)
    return (q * torch.log(argument.clamp_min(0))).sum(1, dtype=F64), negative


def _kld_core(batch, convention):
    s, r = batch.saliency, batch.reference
    if convention == "mit":
        value, negative = kl_regularised(_mit_sum_density(s), _mit_sum_density(r), MATLAB_EPS)
        return torch.where(negative, torch.nan, value), [(KLD_MIT_NEGATIVE, negative)]
    if convention == "pysaliency":
        p = pysaliency_density(s, PYSALIENCY_MINIMUM_VALUE)
        q = pysaliency_density(r, PYSALIENCY_MINIMUM_VALUE)
        ratio = torch.where(q != 0, q / p, 1.0)
        return (q * torch.log(ratio)).sum(1, dtype=F64), []
    value, _ = kl_regularised(pysaliency_density(s), pysaliency_density(r),
                              PYSALIENCY_KLD_EPSILON)
    return value, []


def intersection(p, q):
    return torch.minimum(p, q).sum(1, dtype=F64)


def _sim_core(batch, convention):
    s, r = batch.saliency, batch.reference
    if convention == "mit":
        p, undefined_p = _mit_minmax_density(s)
        q, undefined_q = _mit_minmax_density(r)
        undefined = undefined_p | undefined_q
        return torch.where(undefined, torch.nan, intersection(p, q)), [(SIM_MIT_CONSTANT,
                                                                       undefined)]
    return intersection(pysaliency_density(s), pysaliency_density(r)), []


# ------------------------------------------------------------------------------------ likelihoods
def _ll_core(batch, convention):
    total = masked_sum(gather(batch.log_density, batch.flat), batch.valid)
    return total / batch.lengths.to(F64), []


def _ig_core(batch, convention):
    model = masked_sum(gather(batch.log_density, batch.flat), batch.valid)
    baseline = masked_sum(gather(batch.baseline_log_density, batch.flat), batch.valid)
    both_zero = (model == -torch.inf) & (baseline == -torch.inf)
    value = (model - baseline) / batch.lengths.to(F64) / LN2
    return torch.where(both_zero, torch.nan, value), [(IG_BOTH_ZERO, both_zero)]


#: Registered metric name -> its torch core. Every other fact (what a metric needs, its
#: conventions, its direction) is read from the registry.
CORES = {
    "auc": _auc_core("all"),
    "auc_unfixated": _auc_core("unfixated"),
    "sauc": _sauc_core,
    "nss": _nss_core,
    "cc": _cc_core,
    "kld": _kld_core,
    "sim": _sim_core,
    "log_likelihood": _ll_core,
    "information_gain": _ig_core,
}


def register_core(name: str, core) -> None:
    """Give the registered metric ``name`` a torch core ``core(batch, convention)``."""
    _registry.get(name)
    CORES[name] = core


def torch_names() -> list:
    """Registered metrics that :mod:`salbench.torch` computes, in registry order."""
    return [name for name in _registry.names() if name in CORES]


def core_of(name: str):
    """The torch core of a registered metric, or an InputError naming the ones there are."""
    info = _registry.get(name)
    if info.name not in CORES:
        raise InputError(
            f"metric {name!r} has no torch implementation; salbench.torch computes "
            f"{', '.join(torch_names())} (use salbench.metrics.score_maps for {name})"
        )
    return CORES[info.name]


def run(name, batch, convention):
    """``(float64 values (B,), reasons)`` of one metric, NaN where an image has no fixations."""
    values, reasons = core_of(name)(batch, convention)
    if _registry.get(name).uses("fixations"):
        empty = batch.lengths == 0
        values = torch.where(empty, math.nan, values)
        reasons = [(reason, mask & ~empty) for reason, mask in reasons] + [(NO_FIXATIONS, empty)]
    return values, reasons
