"""FLOPs of a :class:`~.network.LiteNetwork` in the paper's convention.

Every convolution costs ``H·W·C_out·(2·C_in·k² + 1)`` at its output size (multiply-adds plus the
bias), a depthwise convolution ``H·W·C·(2·k² + 1)``; a residual addition ``H·W·C``. Resampling,
ReLU6 and the blur of the one logit map are not counted (as for the GazeNet and FastGaze counts).
"""

from __future__ import annotations

from .network import LiteNetwork


def lite_flops(net: LiteNetwork, height: int, width: int) -> int:
    """FLOPs of one forward pass at a ``height × width`` network input."""
    h, w = -(-height // 2), -(-width // 2)
    total = h * w * net.stem_w.shape[0] * (2 * 27 + 1)
    grid = None
    for i, b in enumerate(net.blocks[: max(net.taps) + 1]):
        if b.expand_w is not None:
            total += h * w * b.mid_channels * (2 * b.in_channels + 1)
        h, w = -(-h // b.stride), -(-w // b.stride)
        total += h * w * b.mid_channels * (2 * b.kernel ** 2 + 1)
        total += h * w * b.out_channels * (2 * b.mid_channels + 1)
        if b.skip:
            total += h * w * b.out_channels
        if i == net.grid_tap:
            grid = (h, w)
    previous = sum(net.blocks[t].out_channels for t in net.taps)
    for weight, _ in net.readout:
        total += grid[0] * grid[1] * weight.shape[0] * (2 * previous + 1)
        previous = weight.shape[0]
    return int(total)
