"""FLOP counts of a :class:`~.network.Network` from its layer shapes alone.

Convention (that of the FastGaze paper, Theis et al. 2018): a convolution producing an
``H × W × C_out`` map from ``C_in`` channels with a ``kH × kW`` kernel costs

    ``H · W · C_out · (2 · C_in · kH · kW + 1)``

FLOPs: one multiply and one add per kernel tap (zero-padding taps included, as the runtime
multiplies them) plus the bias. Activations are not counted. Pooling counts the ``size² − 1``
comparisons per output value and the separable blur ``2 · kernel_size`` multiply-adds (= 4 ·
kernel_size FLOPs) per value; both are reported separately and are tiny next to the convolutions.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..._validation import positive_int
from .network import Conv2d, GaussianBlur, MaxPool2d, Network


@dataclass(frozen=True)
class LayerCost:
    """The cost of one layer at one input size."""

    index: int
    kind: str
    output_shape: tuple  # (channels, height, width)
    flops: int
    multiply_adds: int  # convolution taps only (0 for pooling)


def layer_costs(network: Network, height: int, width: int) -> list:
    """Per-layer costs of ``network`` for a ``height × width`` input.

    Examples
    --------
    >>> import numpy as np
    >>> net = Network([Conv2d(np.zeros((4, 3, 3, 3)), np.zeros(4), "relu"), MaxPool2d(2)])
    >>> [c.flops for c in layer_costs(net, 8, 8)]
    [14080, 192]
    """
    height = positive_int(height, "height")
    width = positive_int(width, "width")
    channels = network.in_channels
    costs = []
    for index, layer in enumerate(network.layers):
        if isinstance(layer, Conv2d):
            kh, kw = layer.kernel_size
            channels = layer.out_channels
            macs = height * width * channels * layer.in_channels * kh * kw
            flops = height * width * channels * (2 * layer.in_channels * kh * kw + 1)
            costs.append(LayerCost(index, "conv", (channels, height, width), flops, macs))
        elif isinstance(layer, MaxPool2d):
            height, width = height // layer.size, width // layer.size
            flops = height * width * channels * (layer.size ** 2 - 1)
            costs.append(LayerCost(index, "maxpool", (channels, height, width), flops, 0))
        else:
            assert isinstance(layer, GaussianBlur)
            flops = 4 * layer.kernel_size * height * width * channels
            costs.append(LayerCost(index, "blur", (channels, height, width), flops, 0))
    return costs


def conv_flops(network: Network, height: int, width: int) -> int:
    """Total convolution FLOPs (the paper's convention) for a ``height × width`` input."""
    return sum(c.flops for c in layer_costs(network, height, width) if c.kind == "conv")


def total_flops(network: Network, height: int, width: int) -> int:
    """Convolution + pooling + blur FLOPs for a ``height × width`` input."""
    return sum(c.flops for c in layer_costs(network, height, width))


def multiply_adds(network: Network, height: int, width: int) -> int:
    """Multiply-adds of all convolution taps (``conv_flops = 2 · multiply_adds + bias adds``)."""
    return sum(c.multiply_adds for c in layer_costs(network, height, width))
