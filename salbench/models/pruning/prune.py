"""Greedy pruning of feature maps while training continues, with physical removal.

Every ``steps_per_removal`` training steps (SGD, lr 0.0025, momentum 0.9 by default) one map is
removed: the one minimising the criterion's score. For Fisher pruning (Theis et al. 2018) the
score is ``Δ_k + β·ΔC_k`` with ``Δ_k`` the Fisher estimate of the loss increase accumulated over
those steps (nats per data point, i.e. per fixation by default) and ``ΔC_k < 0`` the change of cost in GFLOP per image at
``input_size``; the hyper-parameter-free variant ranks by ``Δ_k / (-ΔC_k)``. ``ΔC`` is recomputed
after every removal because it depends on the widths of the neighbouring layers.

Removal is physical: the producing convolution loses an output channel, the consuming one an
input channel, and the optimiser's momentum is sliced to match, so the pruned network is a smaller
:class:`GazeNet` that runs faster.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from ..._validation import positive_int
from ...exceptions import InputError
from .fisher import EXAMPLES, FisherAccumulator
from .flops import network_flops, removal_savings
from .train import FixationData, make_optimizer, training_step

#: Pruning criteria: how the next map to remove is chosen (lowest score first).
CRITERIA = ("fisher", "fisher_per_flop", "weight_magnitude", "activation_magnitude", "random")

GIGA = 1e9


def _slice(tensor: torch.Tensor, dim: int, keep: torch.Tensor) -> torch.Tensor:
    return tensor.index_select(dim, keep).contiguous()


def _slice_parameter(param: torch.nn.Parameter, dim: int, keep: torch.Tensor, optimizer) -> None:
    old_shape = param.shape
    with torch.no_grad():
        param.data = _slice(param.data, dim, keep)
    if param.grad is not None:
        param.grad = _slice(param.grad, dim, keep)
    if optimizer is not None and param in optimizer.state:
        state = optimizer.state[param]
        for key, value in list(state.items()):
            if torch.is_tensor(value) and value.shape == old_shape:
                state[key] = _slice(value, dim, keep)


def remove_channel(model, layer: int, channel: int, *, optimizer=None) -> torch.Tensor:
    """Physically remove feature map ``channel`` of ``layer`` from ``model``, in place.

    The producing convolution ``model.convs[layer]`` loses output channel ``channel`` (weights and
    bias), the consuming ``model.convs[layer + 1]`` loses that input channel, and the mask shrinks.
    Parameters keep their identity, so an optimiser keeps working; pass it to slice its state
    (momentum buffers, Adam moments) to match.

    Parameters
    ----------
    model : GazeNet
    layer : int
        Index of a prunable layer, ``0 <= layer < len(model.convs) - 1``.
    channel : int
        Index of the map within the layer's current outputs.
    optimizer : torch.optim.Optimizer, optional

    Returns
    -------
    torch.Tensor
        The indices (into the old outputs) of the maps that were kept.

    Examples
    --------
    >>> from salbench.models.pruning import GazeNet
    >>> net = GazeNet(backbone=((4, 6),), readout=(3,))
    >>> _ = remove_channel(net, 1, 2)
    >>> net.widths()
    [4, 5, 3, 1]
    """
    n_prunable = len(model.convs) - 1
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 0 <= layer < n_prunable:
        raise InputError(f"layer must be an integer in [0, {n_prunable}), got {layer!r}")
    producer, consumer = model.convs[layer], model.convs[layer + 1]
    width = producer.out_channels
    if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)) or not 0 <= channel < width:
        raise InputError(f"channel must be an integer in [0, {width}) for layer {layer}, got {channel!r}")
    if width == 1:
        raise InputError(f"layer {layer} has a single map left; removing it would disconnect the network")
    keep = torch.tensor([c for c in range(width) if c != channel], dtype=torch.long)
    _slice_parameter(producer.weight, 0, keep, optimizer)
    if producer.bias is not None:
        _slice_parameter(producer.bias, 0, keep, optimizer)
    producer.out_channels = width - 1
    _slice_parameter(consumer.weight, 1, keep, optimizer)
    consumer.in_channels = width - 1
    model.masks[layer].keep(keep)
    return keep


def weight_magnitudes(model) -> list[np.ndarray]:
    """L2 norm of each map's producing filter (weights and bias): the weight-magnitude baseline."""
    norms = []
    for conv in model.convs[:-1]:
        squares = conv.weight.detach().double().pow(2).sum(dim=(1, 2, 3))
        if conv.bias is not None:
            squares = squares + conv.bias.detach().double().pow(2)
        norms.append(squares.sqrt().numpy())
    return norms


def pruning_scores(deltas, savings_gflop, *, criterion: str, beta: float | None = None,
                   magnitudes=None, generator: np.random.Generator | None = None) -> list[np.ndarray]:
    """Score of every map under ``criterion``; the map with the lowest score is removed next.

    Parameters
    ----------
    deltas : list of numpy.ndarray
        Fisher signals ``Δ_k`` per layer (used by ``"fisher"`` and ``"fisher_per_flop"``).
    savings_gflop : sequence of float
        ``-ΔC`` per layer in GFLOP (positive).
    criterion : str
        One of :data:`CRITERIA`.
    beta : float, optional
        Trade-off of ``"fisher"``: score ``Δ_k + β·ΔC_k`` (nats per data point per GFLOP).
    magnitudes : list of numpy.ndarray, optional
        Per-map magnitudes for ``"weight_magnitude"`` and ``"activation_magnitude"``.
    generator : numpy.random.Generator, optional
        Source of the random scores of ``"random"``.
    """
    if criterion == "fisher":
        return [d - beta * s for d, s in zip(deltas, savings_gflop)]
    if criterion == "fisher_per_flop":
        return [d / s for d, s in zip(deltas, savings_gflop)]
    if criterion in ("weight_magnitude", "activation_magnitude"):
        return [np.asarray(m, dtype=np.float64) for m in magnitudes]
    if criterion == "random":
        return [generator.random(len(s)) for s in deltas]
    raise InputError(f"criterion must be one of {list(CRITERIA)}, got {criterion!r}")


def select_map(scores) -> tuple[int, int] | None:
    """``(layer, channel)`` with the lowest score among layers that keep at least one map."""
    best, where = math.inf, None
    for layer, values in enumerate(scores):
        if len(values) < 2:
            continue
        channel = int(np.argmin(values))
        if where is None or values[channel] < best:
            best, where = float(values[channel]), (layer, channel)
    return where


def prune(model, data: FixationData, *, criterion: str = "fisher_per_flop", beta: float | None = None,
          target_flops: float | None = None, removals: int | None = None, steps_per_removal: int = 10,
          batch_size: int = 8, lr: float = 0.0025, momentum: float = 0.9, input_size=None,
          distillation_weight: float = 0.9, fisher_examples: str = "fixations", seed: int = 0,
          callback: Callable | None = None) -> pd.DataFrame:
    """Prune ``model`` in place, one map every ``steps_per_removal`` training steps.

    Parameters
    ----------
    model : GazeNet
        A trained network (pruning starts from a converged model in the paper).
    data : FixationData
        Training data; training continues between removals.
    criterion : {"fisher_per_flop", "fisher", "weight_magnitude", "activation_magnitude", "random"}
        ``"fisher"``: remove argmin ``Δ_k + β·ΔC_k``; ``"fisher_per_flop"``: argmin
        ``Δ_k / (-ΔC_k)``; the others are the baselines the paper compares against (L2 norm of the
        producing filter, mean absolute activation over the last ``steps_per_removal`` steps, a
        uniformly random map).
    beta : float, optional
        Required by ``"fisher"``: nats per data point (per fixation with the default
        ``fisher_examples``) traded for one GFLOP per image at
        ``input_size``.
    target_flops : float, optional
        Stop once the convolutions cost at most this many FLOPs per image at ``input_size``.
    removals : int, optional
        Stop after this many removals. At least one of ``target_flops`` and ``removals`` is needed;
        pruning also stops when every layer is down to one map.
    steps_per_removal : int
        Training steps between removals (paper: 10); the Fisher signal is accumulated over them.
    batch_size : int
    lr, momentum : float
        SGD settings for the training that continues during pruning (paper: 0.0025 and 0.9).
    input_size : (int, int), optional
        Image size at which FLOPs are counted; default the size of the images in ``data``.
    distillation_weight : float
        As in :func:`~salbench.models.pruning.train.per_example_loss`.
    fisher_examples : {"fixations", "images"}
        What a data point of the Fisher signal is (:mod:`salbench.models.pruning.fisher`):
        ``"fixations"``, the paper's definition, estimated from one fixation drawn per image and
        step (one extra backward pass per step), or ``"images"``.
    seed : int
        Seeds the batch order, the fixations drawn for the Fisher signal and the ``"random"``
        criterion.
    callback : callable, optional
        ``callback(row)`` after every removal, with the row (a dict) that is added to the result.

    Returns
    -------
    pandas.DataFrame
        One row per removal: ``removal``, ``step``, ``layer``, ``channel`` (index at the time of
        removal), ``original_channel`` (index in the network as it was when pruning started),
        ``delta`` (Fisher signal of the removed map, NaN for criteria that do not compute it),
        ``score``, ``flops_saved``, ``flops`` (after the removal), ``train_loss`` (mean over the
        steps since the previous removal) and ``widths`` (a tuple, after the removal).
    """
    if criterion not in CRITERIA:
        raise InputError(f"criterion must be one of {list(CRITERIA)}, got {criterion!r}")
    if fisher_examples not in EXAMPLES:
        raise InputError(f"fisher_examples must be one of {list(EXAMPLES)}, got {fisher_examples!r}")
    if criterion == "fisher":
        if beta is None or not math.isfinite(beta) or beta < 0:
            raise InputError(
                f"criterion='fisher' needs beta >= 0 (nats per GFLOP), got {beta!r}; "
                "criterion='fisher_per_flop' needs no hyper-parameter"
            )
    if target_flops is None and removals is None:
        raise InputError("give target_flops or removals (or both) to say when to stop")
    if removals is not None:
        removals = positive_int(removals, "removals", minimum=0)
    steps_per_removal = positive_int(steps_per_removal, "steps_per_removal")
    batch_size = positive_int(batch_size, "batch_size")
    input_size = data.image_size if input_size is None else input_size

    optimizer = make_optimizer(model, optimizer="sgd", lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    needs_fisher = criterion in ("fisher", "fisher_per_flop")
    # A separate stream for the drawn fixations, so every criterion sees the same batch order.
    sampler = torch.Generator().manual_seed(seed + 1)
    accumulator = FisherAccumulator(model, examples=fisher_examples, generator=sampler,
                                    track_activations=criterion == "activation_magnitude")
    original_ids = [list(range(m.channels)) for m in model.masks]
    rows: list[dict] = []
    flops = network_flops(model, input_size)
    batches = iter(())
    step = 0

    def done() -> bool:
        if removals is not None and len(rows) >= removals:
            return True
        return target_flops is not None and flops <= target_flops

    with accumulator:
        while not done():
            accumulator.reset()
            losses = []
            for _ in range(steps_per_removal):
                batch = next(batches, None)
                if batch is None:
                    batches = data.batches(batch_size, generator=generator)
                    batch = next(batches)
                losses.append(training_step(model, optimizer, batch, distillation_weight=distillation_weight,
                                            fisher=accumulator if needs_fisher else None))
                step += 1
            savings = removal_savings(model, input_size)
            deltas = accumulator.deltas() if needs_fisher else [np.full(m.channels, np.nan) for m in model.masks]
            magnitudes = None
            if criterion == "weight_magnitude":
                magnitudes = weight_magnitudes(model)
            elif criterion == "activation_magnitude":
                magnitudes = accumulator.mean_activations()
            scores = pruning_scores(deltas, [s / GIGA for s in savings], criterion=criterion, beta=beta,
                                    magnitudes=magnitudes, generator=rng)
            where = select_map(scores)
            if where is None:
                break
            layer, channel = where
            keep = remove_channel(model, layer, channel, optimizer=optimizer)
            accumulator.remove_channel(layer, keep)
            original = original_ids[layer].pop(channel)
            new_flops = network_flops(model, input_size)
            row = {
                "removal": len(rows), "step": step, "layer": layer, "channel": channel,
                "original_channel": original, "delta": float(deltas[layer][channel]),
                "score": float(scores[layer][channel]), "flops_saved": flops - new_flops,
                "flops": new_flops, "train_loss": float(np.mean(losses)), "widths": tuple(model.widths()),
            }
            flops = new_flops
            rows.append(row)
            if callback is not None:
                callback(row)
    model.eval()
    columns = ["removal", "step", "layer", "channel", "original_channel", "delta", "score",
               "flops_saved", "flops", "train_loss", "widths"]
    return pd.DataFrame(rows, columns=columns)
