"""FLOP-aware Fisher pruning of a :class:`~.torch_net.LiteGazeNet`, with physical removal (torch).

What can be pruned (Theis et al. 2018, extended to depthwise-separable blocks):

* an **expansion channel** ``k`` of an inverted-residual block: it feeds exactly one depthwise
  channel, which feeds column ``k`` of the projection, so removing it removes row ``k`` of the
  1×1 expansion, depthwise channel ``k`` and column ``k`` of the projection — the block's output
  width (and so every residual connection) is unchanged;
* a **hidden channel of the readout**: a row of its layer and a column of the next.

The signal of channel ``k`` is ``Δ_k = (1/2N) Σ_n g_nk²`` with ``g_nk = ∂L_n/∂m_k``, the gradient of
fixation ``n``'s negative log-likelihood with respect to a multiplicative mask on the channel's
activations — for a block, on the *depthwise* output: removing the channel's whole path is
exactly a zero mask there, whereas a zero on the expansion output would still send the constant
ReLU6(depthwise bias) on to the projection (:mod:`salbench.models.pruning.fisher`). One fixation per image is drawn per pass and
weighted by the image's fixation count (an unbiased estimate of the mean over fixations). Channels
are removed in order of ``Δ_k − β·ΔC_k`` (``ΔC_k``: the GFLOPs its removal saves at the training
input, :func:`salbench.models.pruning.prune.pruning_scores`, criterion ``"fisher"``).
"""

from __future__ import annotations

import numpy as np
import torch

from ...exceptions import InputError
from ..pruning.prune import pruning_scores


def _grid_sizes(net, height: int, width: int) -> list:
    """``(input (h, w), output (h, w))`` of every block at a ``height × width`` network input."""
    h, w = -(-height // 2), -(-width // 2)
    sizes = []
    for block in net.blocks:
        out = (-(-h // block.stride), -(-w // block.stride))
        sizes.append(((h, w), out))
        h, w = out
    return sizes


def channel_savings(net, height: int, width: int) -> dict:
    """FLOPs saved by removing one channel: ``{("block", i) or ("readout", k): flops}``."""
    sizes = _grid_sizes(net, height, width)
    grid = sizes[net.grid_tap][1]
    out = {}
    for i, block in enumerate(net.blocks):
        if block.expand is None:
            continue
        (hi, wi), (ho, wo) = sizes[i]
        out[("block", i)] = (hi * wi * (2 * block.expand.in_channels + 1)
                             + ho * wo * (2 * block.kernel ** 2 + 1)
                             + ho * wo * 2 * block.project.out_channels)
    for k in range(len(net.readout) - 1):
        conv, nxt = net.readout[k], net.readout[k + 1]
        out[("readout", k)] = grid[0] * grid[1] * (2 * conv.in_channels + 1 + 2 * nxt.out_channels)
    return out


def fisher_signals(net, images: torch.Tensor, fixations: list, *, seed: int = 0) -> dict:
    """``{unit: (C,) array of Δ_k}`` from one backward pass per image.

    Parameters
    ----------
    net : LiteGazeNet
    images : (N, 3, H, W) float tensor, RGB 0–255
    fixations : list of int arrays
        Flat pixel indices (on the ``H × W`` grid) of each image's fixations.
    """
    if len(fixations) != len(images):
        raise InputError(f"{len(images)} images but {len(fixations)} fixation lists")
    units = [("block", i) for i, b in enumerate(net.blocks) if b.expand is not None
             ] + [("readout", k) for k in range(len(net.readout) - 1)]
    masks = {}
    for unit in units:
        kind, i = unit
        width = net.blocks[i].expand.out_channels if kind == "block" else net.readout[i].out_channels
        masks[unit] = torch.ones(width, requires_grad=True)
        if kind == "block":
            net.blocks[i].mask = masks[unit]
        else:
            net.readout_masks[i] = masks[unit]
    # Only the masks need gradients: the weights' would cost a second backward product.
    flags = [p.requires_grad for p in net.parameters()]
    for p in net.parameters():
        p.requires_grad_(False)
    rng = np.random.default_rng(seed)
    sums = {unit: np.zeros(m.numel()) for unit, m in masks.items()}
    total = 0
    try:
        for image, pixels in zip(images, fixations):
            if len(pixels) == 0:
                continue
            log_p = net(image[None]).flatten()
            loss = -log_p[int(rng.choice(pixels))]
            grads = torch.autograd.grad(loss, [masks[u] for u in units])
            for unit, g in zip(units, grads):
                sums[unit] += len(pixels) * g.detach().double().numpy() ** 2
            total += len(pixels)
    finally:
        for p, flag in zip(net.parameters(), flags):
            p.requires_grad_(flag)
        for unit in units:
            kind, i = unit
            if kind == "block":
                net.blocks[i].mask = None
            else:
                net.readout_masks[i] = None
    return {unit: s / (2 * max(total, 1)) for unit, s in sums.items()}


def remove_channels(net, unit, drop) -> None:
    """Physically remove channels ``drop`` of ``unit`` (``("block", i)`` or ``("readout", k)``)."""
    kind, i = unit
    if kind == "block":
        block = net.blocks[i]
        width = block.expand.out_channels
    else:
        width = net.readout[i].out_channels
    keep = torch.tensor(sorted(set(range(width)) - {int(d) for d in drop}), dtype=torch.long)
    if keep.numel() == 0:
        raise InputError(f"cannot remove every channel of {unit}")

    def shrink(conv, dim, groups=None):
        conv.weight = torch.nn.Parameter(conv.weight.data.index_select(dim, keep).clone())
        if dim == 0 and conv.bias is not None:
            conv.bias = torch.nn.Parameter(conv.bias.data.index_select(0, keep).clone())
        if dim == 0:
            conv.out_channels = keep.numel()
        else:
            conv.in_channels = keep.numel()
        if groups is not None:
            conv.groups = conv.in_channels = conv.out_channels = keep.numel()

    with torch.no_grad():
        if kind == "block":
            shrink(block.expand, 0)
            shrink(block.dw, 0, groups=True)
            shrink(block.project, 1)
        else:
            shrink(net.readout[i], 0)
            shrink(net.readout[i + 1], 1)


def gflops(net, height: int, width: int) -> float:
    """FLOPs of the torch net at ``height × width`` (the same count as :func:`.flops.lite_flops`)."""
    h, w = -(-height // 2), -(-width // 2)
    total = h * w * net.stem.out_channels * 55
    sizes = _grid_sizes(net, height, width)
    for i, block in enumerate(net.blocks):
        (hi, wi), (ho, wo) = sizes[i]
        mid = block.dw.out_channels
        if block.expand is not None:
            total += hi * wi * mid * (2 * block.expand.in_channels + 1)
        total += ho * wo * mid * (2 * block.kernel ** 2 + 1)
        total += ho * wo * block.project.out_channels * (2 * mid + 1)
        if block.skip:
            total += ho * wo * block.project.out_channels
    gh, gw = sizes[net.grid_tap][1]
    for conv in net.readout:
        total += gh * gw * conv.out_channels * (2 * conv.in_channels + 1)
    return total / 1e9


def prune_round(net, signals: dict, *, target_gflop: float, beta: float, size, max_removals: int):
    """Remove channels one at a time by ``Δ_k − β·ΔC_k`` until ``target_gflop`` or ``max_removals``.

    Savings are recomputed after each removal (a readout channel's saving depends on its
    neighbours' widths); the signals are those given (re-estimate them between rounds). Returns
    the list of removed ``(unit, original index)``.
    """
    alive = {unit: list(range(len(s))) for unit, s in signals.items()}
    removed = []
    while len(removed) < max_removals and gflops(net, *size) > target_gflop:
        savings = channel_savings(net, *size)
        units = [u for u, idx in alive.items() if len(idx) > 1]
        deltas = [np.asarray(signals[u], np.float64)[alive[u]] for u in units]
        scores = pruning_scores(deltas, [savings[u] / 1e9 for u in units], criterion="fisher",
                                beta=beta)
        best = min(range(len(units)), key=lambda j: float(scores[j].min()))
        unit, pos = units[best], int(np.argmin(scores[best]))
        remove_channels(net, unit, [pos])
        removed.append((unit, alive[unit].pop(pos)))
    return removed
