"""The inputs of a batch call on tensors, validated on the device.

Every check of a call is computed on the maps' device and read back as one small tensor of flags
(one host synchronisation per call); only when a flag is set does a slow path locate the first bad
image, pixel or fixation and raise the same :class:`~salbench.exceptions.InputError` message as
the numpy metrics (the message builders of :mod:`salbench._validation` and
:mod:`salbench.metrics._likelihood`). ``validate=False`` skips all of it: the call then never
synchronises, and bad input gives undefined numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .._validation import (
    non_finite_message,
    not_numeric_message,
    outside_message,
    overflow_message,
    shape_mismatch_message,
)
from ..exceptions import InputError
from ..metrics.rules import (
    invalid_log_density_message,
    log_density_tolerance,
    not_normalised_message,
)

FLOATS = (torch.float32, torch.float64)


def _where(b) -> str:
    return f"image {b}"


def as_maps(maps, name: str, *, like: torch.Tensor | None = None) -> torch.Tensor:
    """``maps`` as a detached ``(B, H, W)`` float32/float64 tensor (an ``(H, W)`` map is
    broadcast to ``like``'s batch when ``like`` is given)."""
    if not isinstance(maps, torch.Tensor):
        raise InputError(f"{name} must be a torch.Tensor of shape (B, H, W), got "
                         f"{type(maps).__name__}")
    maps = maps.detach()
    if like is not None and maps.dim() == 2:
        maps = maps.unsqueeze(0).expand(like.shape[0], *maps.shape)
    if maps.dim() != 3:
        raise InputError(f"{name} must have shape (B, H, W), got {tuple(maps.shape)}")
    if maps.dtype not in FLOATS:
        raise InputError(f"{name} must be float32 or float64, got {maps.dtype}")
    if maps.shape[1] == 0 or maps.shape[2] == 0:
        raise InputError(f"{name} is empty (shape {tuple(maps.shape)})")
    if like is not None:
        if maps.shape != like.shape:
            raise InputError(shape_mismatch_message("saliency maps", like.shape, name,
                                                    maps.shape))
        if maps.device != like.device:
            raise InputError(f"{name} is on {maps.device} but the maps are on {like.device}")
    return maps


@dataclass
class Fixations:
    """Padded fixations: ``flat`` (B, K) pixel indices (0 where padding), ``valid`` (B, K)."""

    flat: torch.Tensor
    valid: torch.Tensor
    lengths: torch.Tensor

    @property
    def counts(self) -> torch.Tensor:
        return self.lengths


def _padded(x, y, lengths, batch_size, device, names=("x", "y"), length_name="lengths"):
    xn, yn = names
    x = torch.as_tensor(x, device=device).detach()
    y = torch.as_tensor(y, device=device).detach()
    for values, name in ((x, xn), (y, yn)):  # a boolean mask is not a coordinate (dtype only: no sync)
        if values.dtype == torch.bool or values.dtype.is_complex:
            raise InputError(not_numeric_message(name, str(values.dtype).replace("torch.", "")))
    if x.dim() != 2 or x.shape != y.shape or x.shape[0] != batch_size:
        raise InputError(f"{xn} and {yn} must be padded tensors of shape (B, K) with B = "
                         f"{batch_size}, got {tuple(x.shape)} and {tuple(y.shape)}")
    lengths = torch.as_tensor(lengths, device=device).detach()
    if lengths.dim() != 1 or lengths.shape[0] != batch_size:
        raise InputError(f"{length_name} must have shape ({batch_size},), got "
                         f"{tuple(lengths.shape)}")
    if lengths.dtype.is_floating_point or lengths.dtype == torch.bool:
        raise InputError(f"{length_name} must be an integer tensor, got {lengths.dtype}")
    lengths = lengths.long()
    valid = torch.arange(x.shape[1], device=device) < lengths[:, None]
    return x.to(torch.float64), y.to(torch.float64), lengths, valid


def fixations(x, y, lengths, shape, batch_size, device, *, validate, names=("x", "y"),
              length_name="lengths", flags=None) -> Fixations:
    """Validate padded fixations for maps of ``shape`` (H, W) and return their pixel indices."""
    height, width = shape
    x, y, lengths, valid = _padded(x, y, lengths, batch_size, device, names, length_name)
    inside_x = torch.isfinite(x) & (x >= 0) & (x < width)
    inside_y = torch.isfinite(y) & (y >= 0) & (y < height)
    if validate:
        flags.add(lambda: _raise_lengths(lengths, x.shape[1], length_name),
                  ((lengths < 0) | (lengths > x.shape[1])).any())
        flags.add(lambda: _raise_outside(x, y, valid, inside_x, inside_y, shape, names),
                  (valid & ~(inside_x & inside_y)).any())
    inside = inside_x & inside_y & valid
    cols = torch.where(inside, x, 0).floor().long()
    rows = torch.where(inside, y, 0).floor().long()
    return Fixations(rows * width + cols, valid, lengths)


def _raise_lengths(lengths, k, name):
    bad = int(((lengths < 0) | (lengths > k)).nonzero()[0])
    raise InputError(f"{name}[{bad}] = {int(lengths[bad])} is outside 0..{k} (the padded "
                     f"fixation tensors have K = {k} columns)")


def _raise_outside(x, y, valid, inside_x, inside_y, shape, names):
    height, width = shape
    for values, inside, name, limit, axis in ((x, inside_x, names[0], width, "width"),
                                              (y, inside_y, names[1], height, "height")):
        bad = valid & ~inside
        if bool(bad.any()):
            b = int(bad.any(1).nonzero()[0])
            i = int(bad[b].nonzero()[0])
            raise InputError(outside_message(i, name, float(values[b, i]), limit, axis,
                                             int(bad[b].sum()), context=_where(b)))


@dataclass
class Flags:
    """Checks of one call, read back together: ``add(raise_fn, flag)``, then ``check()``."""

    checks: list = field(default_factory=list)

    def add(self, raise_error, flag):
        self.checks.append((raise_error, flag))

    def check(self):
        if not self.checks:
            return
        raised = torch.stack([flag.reshape(()) for _, flag in self.checks]).tolist()
        for (raise_error, _), bad in zip(self.checks, raised):
            if bad:
                raise_error()


def check_finite(maps, sums, name, flags):
    """Flag non-finite maps from their per-image float64 sums (NaN and inf reach the sum)."""
    flags.add(lambda: _raise_non_finite(maps, sums, name), ~torch.isfinite(sums).all())


def _raise_non_finite(maps, sums, name):
    b = int((~torch.isfinite(sums)).nonzero()[0])
    bad = (~torch.isfinite(maps[b])).nonzero()
    if bad.shape[0] == 0:
        raise InputError(overflow_message(name, float(maps[b].abs().max()), context=_where(b)))
    row, col = (int(v) for v in bad[0])
    raise InputError(non_finite_message(name, int(bad.shape[0]), float(maps[b, row, col]), row,
                                        col, context=_where(b)))


def check_log_density(maps, name, mass, check_normalization, flags):
    """Flag NaN / +inf (``-inf`` is a valid zero) from ``mass`` (the per-image sum of
    ``exp(maps)``, or with ``check_normalization=False`` the sum of the values read), and with
    ``check_normalization`` a mass more than the tolerance away from 1."""
    invalid = ~torch.isfinite(mass)
    tolerance = log_density_tolerance(maps.dtype)
    flags.add(lambda: _raise_invalid_log_density(maps, name, mass, tolerance), invalid.any())
    if check_normalization:
        off = ~((mass - 1).abs() <= tolerance) & ~invalid
        flags.add(lambda: _raise_not_normalised(mass, off, name, tolerance), off.any())


def _raise_invalid_log_density(maps, name, mass, tolerance):
    invalid = torch.isnan(maps) | (maps == torch.inf)
    if not bool(invalid.any()):  # finite values whose exp overflows: not a log-density either
        _raise_not_normalised(mass, ~torch.isfinite(mass), name, tolerance)
    b = int(invalid.flatten(1).any(1).nonzero()[0])
    bad = invalid[b].nonzero()
    row, col = (int(v) for v in bad[0])
    raise InputError(invalid_log_density_message(name, int(bad.shape[0]),
                                                 float(maps[b, row, col]), row, col,
                                                 context=_where(b)))


def _raise_not_normalised(mass, off, name, tolerance):
    b = int(off.nonzero()[0])
    raise InputError(not_normalised_message(name, float(mass[b]), context=_where(b),
                                            tolerance=tolerance))
