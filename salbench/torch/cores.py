"""The metrics as batched tensor formulas, one core per registered metric.

Every core takes a :class:`Batch` (validated tensors of ``B`` images) and the metric's
convention, and returns ``(values, reasons)``: ``values`` is a float64 ``(B,)`` tensor on the
maps' device, ``reasons`` a list of ``(reason, mask)`` saying which images are NaN and why, with
the reasons of the numpy cores (the constants of :mod:`salbench.metrics`). The arithmetic follows
the numpy cores step by step (same densities, same guards, same order of the final divisions);
per-pixel work runs in the maps' dtype with float64 accumulation, so float64 maps agree with
:mod:`salbench.metrics` to ~1e-15 and float32 maps to float32 rounding.

Only the exact rank counts of an all-pixel AUC have a second implementation: on CPU tensors the
Numba kernel :func:`salbench.metrics.rules.batch_kernels.rank_scores` (one bucketed pass per map, the
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
from .. import metrics as _registry
from ..metrics.rules import (
    CC_CONSTANT_REFERENCE,
    CC_MIT_CONSTANT,
    IG_BOTH_ZERO,
    KLD_MIT_NEGATIVE,
    LN2,
    MATLAB_EPS,
    NO_FIXATIONS,
    NO_NEGATIVES,
    NO_SHUFFLED_NEGATIVES,
    NSS_MIT_CONSTANT,
    PYSALIENCY_KLD_EPSILON,
    PYSALIENCY_MINIMUM_VALUE,
    SIM_MIT_CONSTANT,
)

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
    passes: type = None                    # TorchPasses or NumbaPasses
    cache: dict = field(default_factory=dict)

    @property
    def n_pixels(self) -> int:
        for t in (self.saliency, self.log_density, self.reference):
            if t is not None:
                return t.shape[1]
        raise AssertionError("a batch has at least one map")


# ------------------------------------------------------------------------------------ passes
class TorchPasses:
    """The per-pixel passes as tensor operations (any device; differentiable): per-pixel work
    in the maps' dtype, sums accumulated in float64. Every method returns ``(B,)`` tensors."""

    name = "torch"

    @staticmethod
    def sum_min_max(a):
        return a.sum(1, dtype=F64), a.amin(1).to(F64), a.amax(1).to(F64)

    @staticmethod
    def squared_deviations(a, scale, mean):
        d = a * scale.to(a.dtype)[:, None] - mean.to(a.dtype)[:, None]
        return d.square().sum(1, dtype=F64)

    @staticmethod
    def joint_deviations(a, c, scale_a, scale_c, mean_a, mean_c):
        da = a * scale_a.to(a.dtype)[:, None] - mean_a.to(a.dtype)[:, None]
        dc = c * scale_c.to(c.dtype)[:, None] - mean_c.to(c.dtype)[:, None]
        return (da.square().sum(1, dtype=F64), dc.square().sum(1, dtype=F64),
                (da * dc).sum(1, dtype=F64))

    @staticmethod
    def normalised_sums(a, shift, spread, add):
        col = (lambda v: v.to(a.dtype)[:, None])
        return ((a - col(shift)) / col(spread) + col(add)).sum(1, dtype=F64)

    @staticmethod
    def _density(a, form):
        return (a - form[:, 0:1].to(a.dtype)) * form[:, 1:2].to(a.dtype) + form[:, 2:3].to(a.dtype)

    @classmethod
    def kl_regularised(cls, s, r, ps, pr, c):
        p, q = cls._density(s, ps), cls._density(r, pr)
        argument = c + q / (p + c)
        argument = torch.where(q != 0, argument, 1.0)  # a Q == 0 term is 0
        negative = (argument < 0).any(1)
        total = (q * torch.log(argument.clamp_min(0))).sum(1, dtype=F64)
        return torch.where(negative, torch.nan, total)

    @classmethod
    def kl_plain(cls, s, r, ps, pr):
        p, q = cls._density(s, ps), cls._density(r, pr)
        ratio = torch.where(q != 0, q / p, 1.0)
        return (q * torch.log(ratio)).sum(1, dtype=F64)

    @classmethod
    def intersection(cls, s, r, ps, pr):
        return torch.minimum(cls._density(s, ps), cls._density(r, pr)).sum(1, dtype=F64)

    @staticmethod
    def sum_exp(a):
        return a.exp().sum(1, dtype=F64)


def _numpy(t):
    return t.detach().contiguous().numpy()


class NumbaPasses:
    """The same passes on CPU tensors: batched Numba kernels over zero-copy views of the maps
    (``salbench.metrics.rules.batch_kernels``, built on the kernels of ``salbench.metrics``). Eager
    tensor code on the CPU writes every intermediate map to memory (a 10 MB page-faulting
    allocation per operation for a 32 x 240 x 320 batch); these read each map once per pass."""

    name = "numba"

    @staticmethod
    def _out(a, n=1):
        outs = [torch.empty(a.shape[0], dtype=F64) for _ in range(n)]
        return outs, [o.numpy() for o in outs]

    @classmethod
    def sum_min_max(cls, a):
        from ..metrics.rules import batch_kernels as batch

        outs, views = cls._out(a, 3)
        kernel = batch.sum_min_max_float32 if a.dtype == torch.float32 else \
            batch.sum_min_max_float64
        kernel(_numpy(a), *views)
        return tuple(outs)

    @classmethod
    def squared_deviations(cls, a, scale, mean):
        from ..metrics.rules import batch_kernels as batch

        (out,), (view,) = cls._out(a)
        batch.squared_deviations(_numpy(a), _numpy(scale.to(F64)), _numpy(mean), view)
        return out

    @classmethod
    def joint_deviations(cls, a, c, scale_a, scale_c, mean_a, mean_c):
        from ..metrics.rules import batch_kernels as batch

        outs, views = cls._out(a, 3)
        batch.joint_deviations(_numpy(a), _numpy(c), _numpy(scale_a.to(F64)),
                               _numpy(scale_c.to(F64)), _numpy(mean_a), _numpy(mean_c), *views)
        return tuple(outs)

    @classmethod
    def normalised_sums(cls, a, shift, spread, add):
        from ..metrics.rules import batch_kernels as batch

        (out,), (view,) = cls._out(a)
        batch.normalised_sums(_numpy(a), *(_numpy(v.to(F64)) for v in (shift, spread, add)),
                              view)
        return out

    @classmethod
    def kl_regularised(cls, s, r, ps, pr, c):
        from ..metrics.rules import batch_kernels as batch

        (out,), (view,) = cls._out(s)
        if s.dtype == torch.float32 and r.dtype == torch.float32:
            # float32 arithmetic with a vectorised float32 logarithm: float32 rounding, 4x faster
            batch.kl_regularised_float32(_numpy(s), _numpy(r), _numpy(ps), _numpy(pr), c, view)
        else:
            batch.kl_regularised(_numpy(s), _numpy(r), _numpy(ps), _numpy(pr), c, view)
        return out

    @classmethod
    def kl_plain(cls, s, r, ps, pr):
        from ..metrics.rules import batch_kernels as batch

        (out,), (view,) = cls._out(s)
        batch.kl_plain(_numpy(s), _numpy(r), _numpy(ps), _numpy(pr), view)
        return out

    @classmethod
    def intersection(cls, s, r, ps, pr):
        from ..metrics.rules import batch_kernels as batch

        (out,), (view,) = cls._out(s)
        batch.intersection(_numpy(s), _numpy(r), _numpy(ps), _numpy(pr), view)
        return out

    @classmethod
    def sum_exp(cls, a):
        from ..metrics.rules import batch_kernels as batch

        (out,), (view,) = cls._out(a)
        batch.row_sums(_numpy(a.exp()), view)  # torch's exp vectorises, Numba's does not
        return out


def passes_for(tensor, backend="auto"):
    """Numba passes for CPU tensors that need no gradient, tensor passes otherwise."""
    if backend == "auto" and tensor.device.type == "cpu" and not tensor.requires_grad:
        return NumbaPasses
    return TorchPasses


# ------------------------------------------------------------------------------------ helpers
def gather(maps, flat):
    """``maps[b, flat[b, k]]``: the map values at the fixations, ``(B, K)``."""
    return torch.gather(maps, 1, flat)


def masked_sum(values, valid):
    return torch.where(valid, values, torch.zeros((), dtype=values.dtype,
                                                  device=values.device)).sum(1, dtype=F64)


def power_of_two_scale(lo, hi, dtype):
    """``2**-e`` per image, ``2**(e-1) <= max |value| < 2**e``: an exact rescaling that keeps
    squares of deviations inside the dtype's range (NSS and CC are scale invariant, and
    ``salbench.metrics`` rescales the same way when it must)."""
    magnitude = torch.maximum(lo.detach().abs(), hi.detach().abs()).to(F64)
    _, exponent = torch.frexp(magnitude)
    limit = 127 if dtype == torch.float32 else 1023  # largest exponent of a normal number
    exponent = exponent.clamp(-limit, limit)
    return torch.ldexp(torch.ones_like(magnitude), -exponent)


def stats(batch, key):
    """``(sum, min, max)`` of ``batch.<key>`` per image (float64), computed once per call."""
    if key not in batch.cache:
        batch.cache[key] = batch.passes.sum_min_max(getattr(batch, key))
    return batch.cache[key]


@dataclass
class Standardisation:
    """A map's moments in units rescaled by ``scale`` (a power of two per image)."""

    scale: torch.Tensor     # (B,) float64
    mean: torch.Tensor      # (B,) mean of a * scale
    m2: torch.Tensor        # (B,) sum((a * scale - mean)**2)
    constant: torch.Tensor  # (B,) bool


def standardisation(a, passes, sums=None) -> Standardisation:
    """Moments of each map of ``a`` (B, N), two passes as in ``salbench.metrics``."""
    total, lo, hi = passes.sum_min_max(a) if sums is None else sums
    scale = power_of_two_scale(lo, hi, a.dtype)
    mean = total * scale / a.shape[1]
    return Standardisation(scale, mean, passes.squared_deviations(a, scale, mean), lo == hi)


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
    if batch.passes is NumbaPasses:
        from ..metrics.rules import batch_kernels

        rank_scores = batch_kernels.rank_scores

        scores = torch.zeros(values.shape, dtype=F64)
        n_negatives = torch.zeros(values.shape[0], dtype=torch.int64)
        if values.shape[1]:
            rank_scores(_numpy(s), _numpy(values.to(F64)), _numpy(batch.flat),
                        _numpy(batch.lengths), unfixated, scores.numpy(), n_negatives.numpy())
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
        if batch.passes is NumbaPasses and values.shape[1]:
            # the mean needs no per-fixation scores: one vectorised pass sums each pixel's rank
            from ..metrics.rules import batch_kernels

            totals = torch.zeros(values.shape[0], dtype=F64)
            n_negatives = torch.zeros(values.shape[0], dtype=torch.int64)
            batch_kernels.rank_totals(_numpy(s), _numpy(values.to(F64)), _numpy(batch.flat),
                                      _numpy(batch.lengths), negatives == "unfixated",
                                      totals.numpy(), n_negatives.numpy())
            value = totals / (batch.lengths.to(F64) * n_negatives.to(F64))
            no_negatives = (n_negatives == 0) & (batch.lengths > 0)
            return torch.where(no_negatives, torch.nan, value), [(NO_NEGATIVES, no_negatives)]
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


# ------------------------------------------------------------------------------------ NSS, CC
def _nss_core(batch, convention):
    s = batch.saliency
    n = s.shape[1]
    m = standardisation(s, batch.passes, stats(batch, "saliency"))
    if convention == "mit":
        pixels, counted = distinct(batch.flat, batch.valid)
        count = counted.sum(1)
        total = masked_sum(gather(s, pixels), counted) * m.scale - count * m.mean
        undefined = m.constant | (n < 2)
        std = torch.sqrt(m.m2 / max(n - 1, 1))
        value = torch.where(undefined, torch.nan, total / torch.where(undefined, 1.0, std) / count)
        return value, [(NSS_MIT_CONSTANT, undefined & (count > 0))]
    count = batch.lengths
    total = masked_sum(gather(s, batch.flat), batch.valid) * m.scale - count * m.mean
    std = torch.where(m.constant, 1.0, torch.sqrt(m.m2 / n))
    # pysaliency skips the division for a constant map, which leaves every value at exactly 0
    return torch.where(m.constant, 0.0, total / std / count), []


def correlation(s, r, passes, sums_s=None, sums_r=None):
    """``(cross / (|s - mean| |r - mean|), constant_s, constant_r)`` per image, float64."""
    total_s, lo_s, hi_s = passes.sum_min_max(s) if sums_s is None else sums_s
    total_r, lo_r, hi_r = passes.sum_min_max(r) if sums_r is None else sums_r
    scale_s = power_of_two_scale(lo_s, hi_s, s.dtype)
    scale_r = power_of_two_scale(lo_r, hi_r, r.dtype)
    mean_s = total_s * scale_s / s.shape[1]
    mean_r = total_r * scale_r / r.shape[1]
    m2_s, m2_r, cross = passes.joint_deviations(s, r, scale_s, scale_r, mean_s, mean_r)
    # each root separately: the product of two sums of squares can underflow or overflow
    scale = torch.sqrt(m2_s) * torch.sqrt(m2_r)
    safe = torch.where(scale > 0, scale, 1.0)
    return cross / safe, lo_s == hi_s, lo_r == hi_r


def _cc_core(batch, convention):
    value, constant_s, constant_r = correlation(batch.saliency, batch.reference, batch.passes,
                                                stats(batch, "saliency"),
                                                stats(batch, "reference"))
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
def _form(offset, scale, constant):
    """The linear density ``(a - offset) * scale + constant`` per image, ``(B, 3)`` float64."""
    return torch.stack([offset, scale, constant], 1).to(F64)


def pysaliency_density(a, sums, passes, add=0.0, *, needs_pass=True):
    """pysaliency's density of each map as a linear form (``_pysaliency_density``): shift a map
    with negative values to minimum 0, add ``add``, divide by the sum; an all-zero result is the
    uniform map."""
    total, minimum, _ = sums
    shift = torch.where(minimum < 0, minimum, 0.0)
    if add or needs_pass:
        shifted_total = passes.normalised_sums(a, shift, torch.ones_like(shift),
                                               torch.full_like(shift, add))
        total = torch.where((shift != 0) | (add != 0), shifted_total, total)
    nonzero = total != 0
    safe = torch.where(nonzero, total, 1.0)
    zero = torch.zeros_like(total)
    return _form(torch.where(nonzero, shift, zero), torch.where(nonzero, 1.0 / safe, zero),
                 torch.where(nonzero, add / safe, torch.full_like(total, 1.0 / a.shape[1])))


def _shift_needed(batch, *sums):
    """Whether any map has negative values (so its density needs a shifted sum). On the CPU
    this is read; elsewhere the pass runs regardless, so the call never synchronises."""
    if batch.passes is not NumbaPasses:
        return True
    return bool(torch.stack([s[1] for s in sums]).lt(0).any())


def _mit_sum_density(sums):
    """``a / sum(a)`` if any entry is nonzero, else the map unchanged (MIT ``KLdiv.m``)."""
    total, lo, hi = sums
    nonzero = (lo != 0) | (hi != 0)
    zero = torch.zeros_like(total)
    # as MIT (and salbench.metrics): a nonzero map summing to 0 divides by 0
    return _form(zero, torch.where(nonzero, 1.0 / total, 1.0), zero)


def _mit_minmax_density(a, sums, passes):
    """``mm(a) / sum(mm(a))`` (MIT ``similarity.m``) and whether it is undefined (a constant
    nonzero map); an all-zero map stays zero."""
    _, lo, hi = sums
    spread = hi - lo
    zero = (lo == 0) & (hi == 0)
    undefined = (spread == 0) & ~zero
    varying = spread > 0
    safe_spread = torch.where(varying, spread, 1.0)
    total = passes.normalised_sums(a, lo, safe_spread, torch.zeros_like(lo))
    scale = torch.where(varying, 1.0 / (safe_spread * total), 0.0)
    return _form(torch.where(varying, lo, 0.0), scale, torch.zeros_like(lo)), undefined


def _kld_core(batch, convention):
    s, r, passes = batch.saliency, batch.reference, batch.passes
    sums_s, sums_r = stats(batch, "saliency"), stats(batch, "reference")
    if convention == "mit":
        value = passes.kl_regularised(s, r, _mit_sum_density(sums_s), _mit_sum_density(sums_r),
                                      MATLAB_EPS)
        negative = torch.isnan(value)
        return value, [(KLD_MIT_NEGATIVE, negative)]
    if convention == "pysaliency":
        ps = pysaliency_density(s, sums_s, passes, PYSALIENCY_MINIMUM_VALUE)
        pr = pysaliency_density(r, sums_r, passes, PYSALIENCY_MINIMUM_VALUE)
        return passes.kl_plain(s, r, ps, pr), []
    needs = _shift_needed(batch, sums_s, sums_r)
    ps = pysaliency_density(s, sums_s, passes, needs_pass=needs)
    pr = pysaliency_density(r, sums_r, passes, needs_pass=needs)
    return passes.kl_regularised(s, r, ps, pr, PYSALIENCY_KLD_EPSILON), []


def _sim_core(batch, convention):
    s, r, passes = batch.saliency, batch.reference, batch.passes
    sums_s, sums_r = stats(batch, "saliency"), stats(batch, "reference")
    if convention == "mit":
        ps, undefined_p = _mit_minmax_density(s, sums_s, passes)
        pr, undefined_q = _mit_minmax_density(r, sums_r, passes)
        undefined = undefined_p | undefined_q
        return torch.where(undefined, torch.nan, passes.intersection(s, r, ps, pr)), [
            (SIM_MIT_CONSTANT, undefined)]
    needs = _shift_needed(batch, sums_s, sums_r)
    ps = pysaliency_density(s, sums_s, passes, needs_pass=needs)
    pr = pysaliency_density(r, sums_r, passes, needs_pass=needs)
    return passes.intersection(s, r, ps, pr), []


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
