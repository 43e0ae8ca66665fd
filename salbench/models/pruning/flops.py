"""Analytic cost of a :class:`GazeNet` and the saving from removing one feature map.

A convolution with ``C_in`` input and ``C_out`` output channels, a ``K×K`` kernel and an
``H×W`` output costs ``H·W·C_out·(2·C_in·K² + 1)`` floating-point operations: one multiply and one
add per kernel tap and input channel, plus the bias (Theis et al. 2018). Only the convolutions are
counted: the max pools, the blur of the single logit map, the upsampling and the softmax cost the
same however the network is pruned (:func:`head_flops` counts them separately).

Removing feature map ``k`` of layer ``l`` saves the cost of producing it in layer ``l`` *and* of
reading it in layer ``l + 1``. Both depend on the current widths of the neighbouring layers, so the
saving ``ΔC`` changes after every removal and is recomputed from the network each time.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...exceptions import InputError


def conv_flops(height: int, width: int, in_channels: int, out_channels: int, kernel_size: int) -> int:
    """FLOPs of one convolution: ``height·width·out_channels·(2·in_channels·kernel_size² + 1)``.

    Examples
    --------
    >>> conv_flops(4, 4, 3, 8, 3)
    7040
    """
    return height * width * out_channels * (2 * in_channels * kernel_size**2 + 1)


@dataclass(frozen=True)
class LayerCost:
    """Shape and cost of one convolution of a network at a given input size."""

    layer: int
    kind: str
    height: int
    width: int
    in_channels: int
    out_channels: int
    kernel_size: int

    @property
    def flops(self) -> int:
        return conv_flops(self.height, self.width, self.in_channels, self.out_channels, self.kernel_size)


def _check_size(input_size) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in input_size)
    except (TypeError, ValueError):
        raise InputError(f"input_size must be (height, width), got {input_size!r}") from None
    if height < 1 or width < 1 or (height, width) != tuple(input_size):
        raise InputError(f"input_size must be two positive integers (height, width), got {input_size!r}")
    return height, width


def layer_costs(model, input_size) -> list[LayerCost]:
    """Shapes and FLOPs of every convolution of ``model`` for one image of ``input_size``.

    Parameters
    ----------
    model : GazeNet
        The (possibly pruned) network.
    input_size : (int, int)
        Height and width of the input image in pixels.

    Returns
    -------
    list of LayerCost
        One entry per convolution, in the order of ``model.convs``.
    """
    height, width = _check_size(input_size)
    costs = []
    for l, conv in enumerate(model.convs):
        kernel = conv.kernel_size[0]
        costs.append(LayerCost(l, model.layer_kinds[l], height, width, conv.in_channels,
                               conv.out_channels, kernel))
        if model.pool_after[l]:
            height, width = height // 2, width // 2
            if height == 0 or width == 0:
                raise InputError(f"input_size {tuple(input_size)} is too small for {model.downsampling}× downsampling")
    return costs


def network_flops(model, input_size) -> int:
    """Total FLOPs of all convolutions of ``model`` for one image of ``input_size``.

    Examples
    --------
    >>> from salbench.models.pruning import GazeNet
    >>> net = GazeNet(backbone=((4,),), readout=(), blur_sigma=0)
    >>> network_flops(net, (2, 3)) == 2 * 3 * 4 * (2 * 3 * 9 + 1) + 2 * 3 * 1 * (2 * 4 + 1)
    True
    """
    return sum(cost.flops for cost in layer_costs(model, input_size))


def removal_savings(model, input_size) -> list[int]:
    """FLOPs saved by removing one feature map of each prunable layer, given the current widths.

    The saving for a map of layer ``l`` is its share of layer ``l``
    (``H_l·W_l·(2·C_in,l·K_l² + 1)``) plus its share of the consuming layer ``l + 1``
    (``H_{l+1}·W_{l+1}·C_out,l+1·2·K_{l+1}²``). It is the same for every map of a layer, so one
    number per prunable layer is returned; the paper's ``ΔC_k`` is its negative.

    Returns
    -------
    list of int
        ``len(model.convs) - 1`` positive savings, one per prunable layer.
    """
    costs = layer_costs(model, input_size)
    savings = []
    for l in range(len(costs) - 1):
        here, consumer = costs[l], costs[l + 1]
        produce = here.height * here.width * (2 * here.in_channels * here.kernel_size**2 + 1)
        consume = consumer.height * consumer.width * consumer.out_channels * 2 * consumer.kernel_size**2
        savings.append(produce + consume)
    return savings


def head_flops(model, input_size) -> int:
    """FLOPs of the parts that pruning does not change (for reporting totals).

    Counted: max pools (3 comparisons per output value), the separable blur (two passes of
    ``2·(2r+1)`` operations per low-resolution pixel), bilinear upsampling (about 7 operations per
    output pixel), the centre-bias addition and the log-softmax (about 4 operations per pixel).
    These are estimates; they do not change with pruning and are small next to the convolutions.
    """
    height, width = _check_size(input_size)
    total = 0
    h, w = height, width
    for l, conv in enumerate(model.convs):
        if model.pool_after[l]:
            h, w = h // 2, w // 2
            total += 3 * h * w * conv.out_channels
    taps = 2 * model.blur.radius + 1
    total += 2 * 2 * taps * h * w if model.blur.radius else 0
    total += (7 + 1 + 4) * height * width
    return total
