"""Training a :class:`GazeNet` by the log-likelihood of fixations, optionally with distillation.

The per-example loss of image ``n`` (one example = one image with all its fixations) is

``L_n = (1 - w) · F_n + w · T_n``

where ``F_n = -mean over the image's fixations of log Q(z | I_n)`` (nats per fixation) and
``T_n = -Σ_x P_teacher(x | I_n) · log Q(x | I_n)``, the cross-entropy to a teacher's density. The
distillation weight ``w`` is 0.9 as in Theis et al. (2018) (loss = 0.1·fixations + 0.9·teacher)
when teacher densities are given, and 0 otherwise. An image without fixations contributes only its
teacher term, so unlabelled images can be used for distillation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from ..._validation import positive_int
from ...exceptions import InputError


@dataclass
class FixationData:
    """Images of one size with their fixations (as per-pixel counts) and optional teacher maps.

    Attributes
    ----------
    images : torch.Tensor
        ``(N, 3, H, W)`` float32 RGB on the 0–255 scale.
    fixation_counts : torch.Tensor
        ``(N, H, W)`` float32 number of fixations in each pixel.
    teacher_log_densities : torch.Tensor or None
        ``(N, H, W)`` float32 natural-log densities of a teacher (each sums to one in probability).
    """

    images: torch.Tensor
    fixation_counts: torch.Tensor
    teacher_log_densities: torch.Tensor | None = None

    @classmethod
    def from_arrays(cls, images, *, x, y, n, teacher_log_densities=None) -> "FixationData":
        """Build a data set from images and fixation coordinates.

        Parameters
        ----------
        images : array_like
            ``(N, H, W, 3)`` (uint8 or float, 0–255, RGB).
        x, y : array_like
            Continuous 0-based fixation coordinates (x = column, y = row); fixation ``i`` falls in
            pixel ``(floor(y[i]), floor(x[i]))`` of image ``n[i]``.
        n : array_like of int
            Index of the image each fixation belongs to.
        teacher_log_densities : array_like, optional
            ``(N, H, W)`` natural-log densities of a teacher model.

        Examples
        --------
        >>> import numpy as np
        >>> data = FixationData.from_arrays(np.zeros((2, 4, 5, 3), np.uint8), x=[0.5, 4.9], y=[1, 3.2], n=[0, 1])
        >>> len(data), float(data.fixation_counts.sum())
        (2, 2.0)
        """
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[-1] != 3:
            raise InputError(f"images must have shape (N, height, width, 3), got {images.shape}")
        if images.dtype.kind not in "uif" or images.dtype == np.bool_:
            raise InputError(f"images must be numeric (uint8 or float 0–255), got dtype {images.dtype}")
        if not np.isfinite(images).all():
            raise InputError("images contain NaN or inf")
        count, height, width = images.shape[:3]
        xs = np.asarray(x, dtype=np.float64).reshape(-1)
        ys = np.asarray(y, dtype=np.float64).reshape(-1)
        ns = np.asarray(n).reshape(-1)
        if not (xs.size == ys.size == ns.size):
            raise InputError(f"x, y and n must have the same length, got {xs.size}, {ys.size}, {ns.size}")
        if ns.size and (ns.dtype.kind not in "iu" or ns.min() < 0 or ns.max() >= count):
            raise InputError(f"n must hold integer image indices in [0, {count}), got values {ns[:5]}...")
        for values, name, limit in ((xs, "x", width), (ys, "y", height)):
            bad = ~(np.isfinite(values) & (values >= 0) & (values < limit))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    f"fixation {i} (image {int(ns[i])}) has {name} = {float(values[i])!r}, outside [0, {limit})"
                )
        counts = np.zeros((count, height * width), dtype=np.float32)
        np.add.at(counts, (ns.astype(np.int64), np.floor(ys).astype(np.int64) * width + np.floor(xs).astype(np.int64)), 1.0)
        teacher = None
        if teacher_log_densities is not None:
            teacher_arr = np.asarray(teacher_log_densities, dtype=np.float64)
            if teacher_arr.shape != (count, height, width):
                raise InputError(
                    f"teacher_log_densities must have shape {(count, height, width)}, got {teacher_arr.shape}"
                )
            if np.isnan(teacher_arr).any() or np.isposinf(teacher_arr).any():
                bad = int(np.flatnonzero((np.isnan(teacher_arr) | np.isposinf(teacher_arr)).reshape(count, -1).any(axis=1))[0])
                raise InputError(f"teacher_log_densities of image {bad} contain NaN or +inf")
            total = np.exp(teacher_arr).reshape(count, -1).sum(axis=1)
            if not np.allclose(total, 1.0, atol=1e-3):
                worst = int(np.argmax(np.abs(total - 1.0)))
                raise InputError(
                    "teacher_log_densities must be natural-log densities whose exp sums to 1 per "
                    f"image; image {worst} sums to {total[worst]:.6g}"
                )
            teacher = torch.from_numpy(teacher_arr.astype(np.float32))
        return cls(
            images=torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2), dtype=np.float32)),
            fixation_counts=torch.from_numpy(counts.reshape(count, height, width)),
            teacher_log_densities=teacher,
        )

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def image_size(self) -> tuple[int, int]:
        """(height, width) of the images."""
        return int(self.images.shape[2]), int(self.images.shape[3])

    def subset(self, indices) -> "FixationData":
        """The examples at ``indices`` (a sequence or tensor of ints)."""
        index = torch.as_tensor(indices, dtype=torch.long)
        teacher = None if self.teacher_log_densities is None else self.teacher_log_densities[index]
        return FixationData(self.images[index], self.fixation_counts[index], teacher)

    def batches(self, batch_size: int, *, generator: torch.Generator | None = None,
                shuffle: bool = True) -> Iterator["FixationData"]:
        """One pass over the data in batches (shuffled with ``generator`` when ``shuffle``)."""
        order = torch.randperm(len(self), generator=generator) if shuffle else torch.arange(len(self))
        for start in range(0, len(self), batch_size):
            yield self.subset(order[start:start + batch_size])


def per_example_loss(log_density: torch.Tensor, batch: FixationData, *,
                     distillation_weight: float = 0.9) -> torch.Tensor:
    """The loss ``L_n`` of every example of a batch (see the module docstring), shape ``(N,)``.

    ``distillation_weight`` applies only when the batch carries teacher densities.
    """
    counts = batch.fixation_counts
    per_image = counts.sum(dim=(1, 2))
    fixation_term = -(counts * log_density).sum(dim=(1, 2)) / per_image.clamp_min(1.0)
    if batch.teacher_log_densities is None:
        return fixation_term
    teacher = batch.teacher_log_densities.exp()
    teacher_term = -(teacher * log_density).sum(dim=(1, 2))
    return (1.0 - distillation_weight) * fixation_term + distillation_weight * teacher_term


def mean_log_likelihood(model, data: FixationData, *, batch_size: int = 32, relative_to_uniform: bool = True) -> float:
    """Mean log-likelihood of all fixations of ``data`` under ``model``, in nats per fixation.

    Parameters
    ----------
    relative_to_uniform : bool
        Subtract the log-likelihood of a uniform density (``-log(H·W)``), so 0 means "no better than
        uniform" and the number does not depend on the image size.
    """
    batch_size = positive_int(batch_size, "batch_size")
    total, fixations = 0.0, 0.0
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for batch in data.batches(batch_size, shuffle=False):
            log_density = model(batch.images)
            total += float((batch.fixation_counts.double() * log_density.double()).sum())
            fixations += float(batch.fixation_counts.sum())
    model.train(was_training)
    if fixations == 0:
        raise InputError("the data hold no fixations")
    height, width = data.image_size
    return total / fixations + (math.log(height * width) if relative_to_uniform else 0.0)


def make_optimizer(model, *, optimizer: str = "sgd", lr: float = 0.0025, momentum: float = 0.9):
    """SGD with momentum (the paper's pruning schedule) or Adam, over all trainable parameters."""
    if optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    if optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    raise InputError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")


def training_step(model, optimizer, batch: FixationData, *, distillation_weight: float = 0.9,
                  fisher=None) -> float:
    """One gradient step on the batch-mean loss; returns that loss.

    Parameters
    ----------
    fisher : FisherAccumulator, optional
        If given (and attached), it observes the batch's data points between the forward and the
        backward pass (see :meth:`~salbench.models.pruning.fisher.FisherAccumulator.observe`).
    """
    model.train()
    optimizer.zero_grad(set_to_none=True)
    log_density = model(batch.images)
    losses = per_example_loss(log_density, batch, distillation_weight=distillation_weight)
    if fisher is not None:
        fisher.observe(log_density, batch, distillation_weight=distillation_weight)
    loss = losses.mean()
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def train(model, data: FixationData, *, steps: int, batch_size: int = 8, optimizer: str = "adam",
          lr: float = 1e-3, momentum: float = 0.9, distillation_weight: float = 0.9, seed: int = 0,
          callback: Callable | None = None) -> list[float]:
    """Train ``model`` in place for ``steps`` gradient steps.

    Parameters
    ----------
    model : GazeNet
    data : FixationData
    steps : int
        Number of gradient steps (batches are drawn by reshuffling the data every epoch).
    batch_size : int
    optimizer : {"adam", "sgd"}
        Adam for training from scratch; SGD with ``momentum`` is the paper's fine-tuning optimiser.
    lr, momentum : float
    distillation_weight : float
        Weight of the teacher cross-entropy when the data carry teacher densities (paper: 0.9).
    seed : int
        Seeds the batch order.
    callback : callable, optional
        ``callback(step, loss)`` after every step.

    Returns
    -------
    list of float
        The batch-mean training loss of every step.
    """
    steps = positive_int(steps, "steps")
    batch_size = positive_int(batch_size, "batch_size")
    if len(data) == 0:
        raise InputError("data is empty")
    opt = make_optimizer(model, optimizer=optimizer, lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    losses = []
    batches = iter(())
    for step in range(steps):
        batch = next(batches, None)
        if batch is None:
            batches = data.batches(batch_size, generator=generator)
            batch = next(batches)
        losses.append(training_step(model, opt, batch, distillation_weight=distillation_weight))
        if callback is not None:
            callback(step, losses[-1])
    model.eval()
    return losses
