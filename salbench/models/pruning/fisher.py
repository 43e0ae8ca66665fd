"""Fisher pruning signals: the estimated loss increase from removing each feature map.

Following Theis et al. (2018), put a mask ``m_k`` on every feature map ``k``. For data point ``n``
with loss ``L_n = -log Q(z_n | I_n)`` (one fixation ``z_n`` on image ``I_n``) the gradient with
respect to the mask is

``g_nk = ∂L_n/∂m_k = -Σ_ij a_nkij · ∂log Q(z_n | I_n)/∂a_nkij``

(activation times gradient, summed over space), and removing map ``k`` is estimated to increase
the mean loss by ``Δ_k = (1 / 2N) Σ_n g_nk²``. The per-example sums are squared *before*
averaging, so a batch-averaged gradient is not enough: :class:`FisherAccumulator` differentiates
the *sum* of the examples' losses with respect to the masked activations. Examples of a batch do
not interact in :class:`GazeNet` (no batch normalisation), so the gradient with respect to example
``n``'s activations is exactly ``∂L_n/∂a_n`` and one backward pass gives every ``g_nk``.

What a data point is
--------------------
``examples="fixations"`` (default, the paper's definition): every fixation is a data point, with
loss ``(1 - w)·(-log Q(z_n | I_n)) + w·CE(teacher, Q)`` under distillation weight ``w`` (an image
without fixations is one data point with its teacher term alone). :func:`fisher_signals` enumerates
all of them exactly. During training (:meth:`FisherAccumulator.observe`) one fixation per image is
drawn at random each step and weighted by the image's number of fixations, an unbiased estimate of
the same average that costs one extra backward pass per step.

``examples="images"``: every image is a data point whose loss is the training loss of
:func:`~salbench.models.pruning.train.per_example_loss` (the mean over its fixations). The mean over
``F`` fixations shrinks the gradient's variance, so these signals are about ``F`` times smaller and
``β`` must be scaled accordingly.
"""

from __future__ import annotations

import numpy as np
import torch

from ..._validation import positive_int
from ...exceptions import InputError
from .train import FixationData, per_example_loss

EXAMPLES = ("fixations", "images")


def _check_examples(examples: str) -> str:
    if examples not in EXAMPLES:
        raise InputError(f"examples must be one of {list(EXAMPLES)}, got {examples!r}")
    return examples


def sample_fixation_examples(batch: FixationData, generator: torch.Generator | None = None):
    """One data point per image: a fixation drawn uniformly from the image's fixations.

    Returns
    -------
    batch : FixationData
        The same images with each fixation map replaced by the one drawn fixation (images without
        fixations keep an empty map, so only their teacher term remains).
    weights : torch.Tensor
        ``max(F_n, 1)``: how many data points each drawn example stands for.
    """
    counts = batch.fixation_counts.reshape(len(batch), -1)
    per_image = counts.sum(dim=1)
    one_hot = torch.zeros_like(counts)
    labelled = per_image > 0
    if bool(labelled.any()):
        drawn = torch.multinomial(counts[labelled], 1, generator=generator)
        one_hot[labelled] = one_hot[labelled].scatter(1, drawn, 1.0)
    sampled = FixationData(batch.images, one_hot.reshape(batch.fixation_counts.shape), batch.teacher_log_densities)
    return sampled, per_image.clamp_min(1.0)


def expand_fixation_examples(batch: FixationData) -> FixationData:
    """Every fixation as its own example: images repeated, one fixation per fixation map.

    Images without fixations stay as one example each (their teacher term). Repeated fixations on
    the same pixel are repeated examples.
    """
    counts = batch.fixation_counts.reshape(len(batch), -1)
    repeats = counts.sum(dim=1).round().long().clamp_min(1)
    index = torch.repeat_interleave(torch.arange(len(batch)), repeats)
    one_hot = torch.zeros(int(repeats.sum()), counts.shape[1])
    row = 0
    for n in range(len(batch)):
        pixels = torch.repeat_interleave(torch.arange(counts.shape[1]), counts[n].round().long())
        one_hot[row + torch.arange(len(pixels)), pixels] = 1.0
        row += int(repeats[n])
    teacher = None if batch.teacher_log_densities is None else batch.teacher_log_densities[index]
    return FixationData(batch.images[index], one_hot.reshape(-1, *batch.fixation_counts.shape[1:]), teacher)


class FisherAccumulator:
    """Accumulates ``Σ_n g_nk²`` for every prunable map of a :class:`GazeNet`.

    While attached (use it as a context manager), it remembers the masked activations of the latest
    forward pass; :meth:`accumulate` then differentiates a vector of per-example losses with respect
    to them, and :meth:`observe` does so for the data points of a training batch.

    Parameters
    ----------
    model : GazeNet
    examples : {"fixations", "images"}
        What one data point is (see the module docstring).
    generator : torch.Generator, optional
        Source of the fixations drawn by :meth:`observe` with ``examples="fixations"``.
    track_activations : bool
        Also accumulate the mean absolute activation of every map (for the activation-magnitude
        baseline).

    Examples
    --------
    >>> import torch
    >>> from salbench.models.pruning import GazeNet
    >>> net = GazeNet(backbone=((3,),), readout=(2,), blur_sigma=0)
    >>> with FisherAccumulator(net) as fisher:
    ...     log_density = net(torch.rand(4, 3, 8, 8) * 255)
    ...     fisher.accumulate(-log_density[:, 2, 3])   # per-example loss: -log Q at one pixel
    >>> [d.shape for d in fisher.deltas()]
    [(3,), (2,)]
    """

    def __init__(self, model, *, examples: str = "fixations", generator: torch.Generator | None = None,
                 track_activations: bool = False):
        self.model = model
        self.examples = _check_examples(examples)
        self.generator = generator
        self.track_activations = track_activations
        self._handles = []
        self._outputs: dict[int, torch.Tensor] = {}
        self.reset()

    # ------------------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "FisherAccumulator":
        self.attach()
        return self

    def __exit__(self, *exc) -> None:
        self.detach()

    def attach(self) -> None:
        """Register the forward hooks on the model's masks (idempotent)."""
        if not self._handles:
            self._handles = [mask.register_forward_hook(self._hook(l))
                             for l, mask in enumerate(self.model.masks)]

    def detach(self) -> None:
        """Remove the hooks and forget the stored activations; the accumulated sums are kept."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._outputs = {}

    def reset(self) -> None:
        """Forget everything accumulated so far."""
        self.squared_sums = [torch.zeros(m.channels, dtype=torch.float64) for m in self.model.masks]
        self.activation_sums = [torch.zeros(m.channels, dtype=torch.float64) for m in self.model.masks]
        self.weight_total = 0.0
        self.activation_examples = 0

    def remove_channel(self, layer: int, keep: torch.Tensor) -> None:
        """Follow a physical removal: keep only the sums of the maps at ``keep`` in ``layer``."""
        self.squared_sums[layer] = self.squared_sums[layer].index_select(0, keep)
        self.activation_sums[layer] = self.activation_sums[layer].index_select(0, keep)
        self._outputs = {}

    def _hook(self, layer: int):
        def on_forward(module, inputs, output):
            if self.track_activations:
                with torch.no_grad():
                    self.activation_sums[layer] += output.detach().abs().mean(dim=(2, 3)).sum(0).double()
                if layer == 0:
                    self.activation_examples += output.shape[0]
            self._outputs[layer] = output if output.requires_grad else None

        return on_forward

    # ---------------------------------------------------------------------------- accumulation
    def accumulate(self, losses: torch.Tensor, weights: torch.Tensor | None = None) -> None:
        """Add the signals of one batch of examples.

        Parameters
        ----------
        losses : torch.Tensor
            ``(N,)`` per-example losses computed from the latest forward pass; example ``n`` must
            depend only on image ``n`` of that pass.
        weights : torch.Tensor, optional
            ``(N,)`` how many data points each example stands for (default 1 each).

        The graph is kept (``retain_graph=True``), so the caller can still backpropagate its
        training loss; parameter gradients are not touched.
        """
        outputs = [self._outputs.get(l) for l in range(len(self.model.masks))]
        if any(o is None for o in outputs):
            raise InputError("no forward pass with gradients has been recorded; run the model on a "
                             "batch inside the accumulator (not under torch.no_grad) first")
        if losses.ndim != 1 or losses.shape[0] != outputs[0].shape[0]:
            raise InputError(f"losses must have shape ({outputs[0].shape[0]},), got {tuple(losses.shape)}")
        grads = torch.autograd.grad(losses.sum(), outputs, retain_graph=True, allow_unused=True)
        w = torch.ones(losses.shape[0], dtype=torch.float64) if weights is None else weights.double()
        for layer, (a, grad) in enumerate(zip(outputs, grads)):
            if grad is None:  # the loss does not depend on this layer (cannot happen in a GazeNet)
                continue
            g = (a.detach() * grad).sum(dim=(2, 3)).double()  # g_nk = Σ_ij a_nkij ∂L_n/∂a_nkij
            self.squared_sums[layer] += (w[:, None] * g * g).sum(dim=0)
        self.weight_total += float(w.sum())

    def observe(self, log_density: torch.Tensor, batch: FixationData, *, distillation_weight: float = 0.9) -> None:
        """Add the data points of a training batch, from the log-densities of its forward pass."""
        if self.examples == "images":
            self.accumulate(per_example_loss(log_density, batch, distillation_weight=distillation_weight))
            return
        sampled, weights = sample_fixation_examples(batch, self.generator)
        self.accumulate(per_example_loss(log_density, sampled, distillation_weight=distillation_weight), weights)

    # -------------------------------------------------------------------------------- results
    def deltas(self) -> list[np.ndarray]:
        """``Δ_k = Σ_n w_n g_nk² / (2 Σ_n w_n)`` for every map of every prunable layer."""
        if self.weight_total == 0:
            raise InputError("no examples have been accumulated yet, so no Fisher signal exists")
        return [(s / (2.0 * self.weight_total)).numpy() for s in self.squared_sums]

    def mean_activations(self) -> list[np.ndarray]:
        """Mean absolute activation of every map (requires ``track_activations=True``)."""
        if not self.track_activations or self.activation_examples == 0:
            raise InputError("activations were not tracked; create the accumulator with track_activations=True")
        return [(s / self.activation_examples).numpy() for s in self.activation_sums]


def fisher_signals(model, data: FixationData, *, examples: str = "fixations", batch_size: int = 16,
                   distillation_weight: float = 0.9) -> list[np.ndarray]:
    """Fisher pruning signals ``Δ_k`` of every map, computed exactly over the whole of ``data``.

    The parameters are not changed.

    Parameters
    ----------
    model : GazeNet
    data : FixationData
    examples : {"fixations", "images"}
        What one data point is (see the module docstring); with ``"fixations"`` every fixation is
        enumerated (one forward and backward pass per fixation, in batches of images).
    batch_size : int
        Images per batch.
    distillation_weight : float
        As in :func:`~salbench.models.pruning.train.per_example_loss`.

    Returns
    -------
    list of numpy.ndarray
        One array per prunable layer: the estimated increase of the mean loss per data point
        (nats) when that map is removed.
    """
    _check_examples(examples)
    batch_size = positive_int(batch_size, "batch_size")
    was_training = model.training
    model.eval()
    with FisherAccumulator(model, examples=examples) as accumulator:
        for batch in data.batches(batch_size, shuffle=False):
            if examples == "fixations":
                batch = expand_fixation_examples(batch)
            log_density = model(batch.images)
            accumulator.accumulate(per_example_loss(log_density, batch, distillation_weight=distillation_weight))
    model.train(was_training)
    return accumulator.deltas()
