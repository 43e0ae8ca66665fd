"""Streaming saliency metrics as a torchmetrics ``Metric``: state on the device, synced across
processes by torchmetrics.

The states are the sufficient statistics of :class:`salbench.metrics.StreamingScores`, one entry
per metric: the sum of the defined per-image values, the same weighted by each image's number of
fixations, the numbers of images and fixations behind them, and the number of undefined images.
All are float64 tensors reduced by ``sum`` (integers up to 2**53 are exact), so ``update``,
``forward``, ``merge_state`` and torchmetrics' distributed sync need nothing else.
"""

from __future__ import annotations

import math

import torch
from torchmetrics import Metric

from .._validation import keyword_choice
from ..exceptions import InputError
from .. import metrics as _registry
from ..metrics import resolve_conventions
from ..metrics.rules import AVERAGES
from ..metrics.rules import metric_list as _metric_list
from . import cores as _cores

F64 = torch.float64
STATES = ("value_sum", "weighted_sum", "images", "fixations", "undefined")


class StreamingScores(Metric):
    """Dataset scores of saliency metrics accumulated batch by batch (a torchmetrics ``Metric``).

    Parameters
    ----------
    metrics : str or list of str
        Metrics with a torch core (:func:`salbench.torch.names`).
    convention : str or dict, default="tuebingen"
        As for :func:`salbench.torch.score_batch`.
    average : {"image", "fixation"}, default="image"
        ``"image"``: the mean of the per-image values (undefined images left out), as the
        benchmarks report; ``"fixation"``: weighted by each image's fixations (only for metrics
        that are means over fixations).
    validate, check_normalization : bool, default=True
        Passed to :func:`salbench.torch.score_batch` on every update.
    **kwargs
        torchmetrics options (``sync_on_compute``, ``process_group``...).

    Notes
    -----
    ``update(maps, x, y, lengths, **inputs)`` takes the arguments of
    :func:`~salbench.torch.score_batch` (``log_density=``, ``reference_maps=``,
    ``baseline_log_density=``, ``negatives=``); ``compute()`` returns ``{metric: 0-d float64
    tensor}``; ``forward`` returns the scores of the batch alone and accumulates it. ``sauc``
    without explicit negatives takes them from the other images of the same batch. The states
    are persistent: they are in ``state_dict()``.

    Examples
    --------
    >>> import torch
    >>> from salbench.torch import StreamingScores
    >>> scores = StreamingScores(["auc", "nss"])
    >>> maps = torch.arange(16.0, dtype=torch.float64).reshape(1, 4, 4).repeat(2, 1, 1)
    >>> x = y = torch.tensor([[3.5], [0.5]])
    >>> batch = scores(maps, x, y, torch.tensor([1, 1]))  # forward: this batch's scores
    >>> scores.update(maps[:1], torch.tensor([[2.5]]), torch.tensor([[3.5]]), torch.tensor([1]))
    >>> {k: round(v.item(), 4) for k, v in scores.compute().items()}
    {'auc': 0.6354, 'nss': 0.47}
    """

    full_state_update = False
    is_differentiable = False
    higher_is_better = None

    def __init__(self, metrics, *, convention="tuebingen", average="image", validate=True,
                 check_normalization=True, **kwargs):
        super().__init__(**kwargs)
        self.names = _metric_list(metrics)
        for name in self.names:
            _cores.core_of(name)
        resolve_conventions(self.names, convention)  # fail here, not at the first update
        self.convention = convention
        self.average = keyword_choice(average, "average", AVERAGES)
        if average == "fixation":
            bad = [m for m in self.names if not _registry.get(m).per_fixation]
            if bad:
                raise InputError(f"{', '.join(bad)} are not means over fixations; use "
                                 "average='image' for them")
        self.validate = validate
        self.check_normalization = check_normalization
        for state in STATES:
            self.add_state(state, default=torch.zeros(len(self.names), dtype=F64),
                           dist_reduce_fx="sum", persistent=True)

    def update(self, maps, x, y, lengths, **inputs) -> None:
        from . import score_batch

        scores = score_batch(maps, x, y, lengths, metrics=self.names, convention=self.convention,
                             validate=self.validate, check_normalization=self.check_normalization,
                             **inputs)
        values = torch.stack([scores[m].to(F64) for m in self.names]).to(self.value_sum.device)
        counts = torch.as_tensor(lengths, device=values.device).to(F64)[None, :]
        defined = ~torch.isnan(values)
        self.value_sum += torch.where(defined, values, 0.0).sum(1)
        self.weighted_sum += torch.where(defined, values * counts, 0.0).sum(1)
        self.images += defined.sum(1)
        self.fixations += torch.where(defined, counts, 0.0).sum(1)
        self.undefined += (~defined).sum(1)

    def compute(self) -> dict:
        if self.average == "fixation":
            total, count = self.weighted_sum, self.fixations
        else:
            total, count = self.value_sum, self.images
        means = torch.where(count > 0, total / torch.where(count > 0, count, 1.0), math.nan)
        return {name: means[i] for i, name in enumerate(self.names)}

    def merge(self, other: "StreamingScores") -> "StreamingScores":
        """Add another accumulator's statistics (same metrics) to this one; returns self."""
        if not isinstance(other, StreamingScores) or other.names != self.names:
            raise InputError(f"cannot merge {getattr(other, 'names', other)!r} into "
                             f"{self.names}")
        self.merge_state(other)
        return self
