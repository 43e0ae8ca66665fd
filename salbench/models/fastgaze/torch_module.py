"""Build a PyTorch module equivalent to a :class:`~.network.Network` (needs the ``torch`` extra).

Used to check the framework-free runtime against PyTorch and to time both side by side; it may
also serve as a starting point for fine-tuning. ``torch`` is imported inside the function, so
importing this module costs nothing when torch is absent.
"""

from __future__ import annotations

from .network import Conv2d, MaxPool2d, Network


def to_torch_module(network: Network):
    """Return a ``torch.nn.Module`` computing ``network`` on ``(N, C, H, W)`` float32 tensors.

    Convolutions become ``nn.Conv2d`` with "same" zero padding, ``"prelu"`` becomes ``nn.PReLU``
    with one shared parameter, pooling ``nn.MaxPool2d(size)`` (floor mode) and the Gaussian blur
    two fixed zero-padded 1-D convolutions (rows, then columns) applied to each channel.
    """
    try:
        import torch
        from torch import nn
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("to_torch_module needs PyTorch: pip install 'salbench[torch]'") from error

    class SeparableBlur(nn.Module):
        def __init__(self, taps, channels):
            super().__init__()
            k = len(taps)
            t = torch.as_tensor(taps, dtype=torch.float32)
            self.register_buffer("rows", t.view(1, 1, 1, k).repeat(channels, 1, 1, 1))
            self.register_buffer("cols", t.view(1, 1, k, 1).repeat(channels, 1, 1, 1))
            self.channels, self.half = channels, (k - 1) // 2

        def forward(self, x):
            x = nn.functional.conv2d(x, self.rows, padding=(0, self.half), groups=self.channels)
            return nn.functional.conv2d(x, self.cols, padding=(self.half, 0), groups=self.channels)

    modules = []
    channels = network.in_channels
    for layer in network.layers:
        if isinstance(layer, Conv2d):
            kh, kw = layer.kernel_size
            conv = nn.Conv2d(layer.in_channels, layer.out_channels, (kh, kw),
                             padding=((kh - 1) // 2, (kw - 1) // 2))
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(layer.weight.copy()))
                conv.bias.copy_(torch.from_numpy(layer.bias.copy()))
            modules.append(conv)
            if layer.activation == "relu":
                modules.append(nn.ReLU(inplace=True))
            elif layer.activation == "prelu":
                modules.append(nn.PReLU(1, init=layer.alpha))
            channels = layer.out_channels
        elif isinstance(layer, MaxPool2d):
            modules.append(nn.MaxPool2d(layer.size))
        else:
            modules.append(SeparableBlur(layer.kernel(), channels))
    return nn.Sequential(*modules).eval()
