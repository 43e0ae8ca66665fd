"""Fisher pruning signals: the estimated loss increase from removing each feature map.

Following Theis et al. (2018), put a mask ``m_k`` on every feature map ``k``. For example ``n``
with loss ``L_n = -log Q(z_n | I_n)`` the gradient with respect to the mask is

``g_nk = ∂L_n/∂m_k = -Σ_ij a_nkij · ∂log Q(z_n | I_n)/∂a_nkij``

(activation times gradient, summed over space), and removing map ``k`` is estimated to increase
the loss by ``Δ_k = (1 / 2N) Σ_n g_nk²``. The per-example sums are squared *before* averaging, so a
batch-averaged gradient is not enough. Because examples of a batch do not interact in
:class:`GazeNet` (no batch normalisation), the gradient of a batch loss with respect to example
``n``'s activations is exactly ``∂L_n/∂a_n`` times the loss's weight on ``L_n``; hooks on the
:class:`ChannelMask` outputs capture ``a`` and that gradient and form every ``g_nk`` in one
backward pass.
"""

from __future__ import annotations

import numpy as np
import torch

from ..._validation import positive_int
from ...exceptions import InputError
from .train import FixationData, per_example_loss


class FisherAccumulator:
    """Accumulates ``Σ_n g_nk²`` for every prunable map while the network is trained or evaluated.

    Use it as a context manager around forward/backward passes; set :attr:`loss_scale` to the
    factor by which the backpropagated loss divides each per-example loss (the batch size when the
    loss is a batch mean, 1 when it is a sum).

    Parameters
    ----------
    model : GazeNet
    track_activations : bool
        Also accumulate the mean absolute activation of every map (for the activation-magnitude
        baseline).

    Examples
    --------
    >>> import torch
    >>> from salbench.models.pruning import GazeNet
    >>> net = GazeNet(backbone=((3,),), readout=(2,), blur_sigma=0)
    >>> images = torch.rand(4, 3, 8, 8) * 255
    >>> with FisherAccumulator(net) as fisher:
    ...     net(images)[:, 2, 3].neg().sum().backward()   # per-example loss: -log Q at one pixel
    >>> [d.shape for d in fisher.deltas()]
    [(3,), (2,)]
    """

    def __init__(self, model, *, track_activations: bool = False):
        self.model = model
        self.track_activations = track_activations
        self.loss_scale = 1.0
        self._handles = []
        self.reset()

    # ------------------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "FisherAccumulator":
        self.attach()
        return self

    def __exit__(self, *exc) -> None:
        self.detach()

    def attach(self) -> None:
        """Register the hooks on the model's masks (idempotent)."""
        if not self._handles:
            self._handles = [mask.register_forward_hook(self._hook(l))
                             for l, mask in enumerate(self.model.masks)]

    def detach(self) -> None:
        """Remove the hooks; the accumulated sums are kept."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def reset(self) -> None:
        """Forget everything accumulated so far."""
        self.squared_sums = [torch.zeros(m.channels, dtype=torch.float64) for m in self.model.masks]
        self.activation_sums = [torch.zeros(m.channels, dtype=torch.float64) for m in self.model.masks]
        self.examples = [0] * len(self.model.masks)
        self.activation_examples = [0] * len(self.model.masks)

    def remove_channel(self, layer: int, keep: torch.Tensor) -> None:
        """Follow a physical removal: keep only the sums of the maps at ``keep`` in ``layer``."""
        self.squared_sums[layer] = self.squared_sums[layer].index_select(0, keep)
        self.activation_sums[layer] = self.activation_sums[layer].index_select(0, keep)

    # ---------------------------------------------------------------------------------- hooks
    def _hook(self, layer: int):
        def on_forward(module, inputs, output):
            if self.track_activations:
                with torch.no_grad():
                    self.activation_sums[layer] += output.detach().abs().mean(dim=(2, 3)).sum(0).double()
                self.activation_examples[layer] += output.shape[0]
            if not output.requires_grad:
                return
            activation = output.detach()

            def on_backward(grad):
                # g_nk = Σ_ij a_nkij ∂L_n/∂a_nkij; the backpropagated loss weighs L_n by 1/loss_scale.
                g = (activation * grad).sum(dim=(2, 3)).double() * self.loss_scale
                self.squared_sums[layer] += (g * g).sum(dim=0)
                self.examples[layer] += g.shape[0]

            output.register_hook(on_backward)

        return on_forward

    # -------------------------------------------------------------------------------- results
    def deltas(self) -> list[np.ndarray]:
        """``Δ_k = Σ_n g_nk² / 2N`` for every map of every prunable layer (nats per example)."""
        if min(self.examples, default=0) == 0:
            raise InputError("no backward pass has been accumulated yet, so no Fisher signal exists")
        return [(s / (2.0 * n)).numpy() for s, n in zip(self.squared_sums, self.examples)]

    def mean_activations(self) -> list[np.ndarray]:
        """Mean absolute activation of every map (requires ``track_activations=True``)."""
        if not self.track_activations or min(self.activation_examples, default=0) == 0:
            raise InputError("activations were not tracked; create the accumulator with track_activations=True")
        return [(s / n).numpy() for s, n in zip(self.activation_sums, self.activation_examples)]


def fisher_signals(model, data: FixationData, *, batch_size: int = 16,
                   distillation_weight: float = 0.9) -> list[np.ndarray]:
    """Fisher pruning signals ``Δ_k`` of every map, computed over the whole of ``data``.

    The parameters are not changed (their gradients are cleared afterwards).

    Parameters
    ----------
    model : GazeNet
    data : FixationData
    batch_size : int
    distillation_weight : float
        As in :func:`~salbench.models.pruning.train.per_example_loss`.

    Returns
    -------
    list of numpy.ndarray
        One array per prunable layer: the estimated increase of the mean per-example loss (nats)
        when that map is removed.
    """
    batch_size = positive_int(batch_size, "batch_size")
    was_training = model.training
    model.eval()
    with FisherAccumulator(model) as accumulator:
        for batch in data.batches(batch_size, shuffle=False):
            losses = per_example_loss(model(batch.images), batch, distillation_weight=distillation_weight)
            accumulator.loss_scale = 1.0
            losses.sum().backward()
    model.zero_grad(set_to_none=True)
    model.train(was_training)
    return accumulator.deltas()
