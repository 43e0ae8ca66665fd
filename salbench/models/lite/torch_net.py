"""The PyTorch twin of the Lite gaze network, for training (needs the ``torch`` extra).

:class:`LiteGazeNet` is the truncated, batch-norm-folded EfficientNet-Lite0 backbone
(:mod:`.backbone`), multi-scale taps resampled to the grid of the first tap's successor, a 1×1
readout, a Gaussian blur and a learned Gaussian centre bias. It splits into :meth:`features`
(frozen backbone → concatenated multi-scale features, cacheable) and :meth:`head` (readout → blurred
logits), so the readout trains in seconds on cached features. :func:`to_lite_network` exports it to
the framework-free :class:`~.network.LiteNetwork`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..pruning.architecture import GaussianCentreBias
from .backbone import Block, same_padding


def pad_same(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    top, bottom = same_padding(x.shape[-2], kernel, stride)
    left, right = same_padding(x.shape[-1], kernel, stride)
    return F.pad(x, [left, right, top, bottom])


def resample_to(x: torch.Tensor, size) -> torch.Tensor:
    """Bilinear resampling between cell centres (``align_corners=False``), the runtime's rule."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False)


class TorchBlock(nn.Module):
    def __init__(self, block: Block):
        super().__init__()
        self.stride, self.kernel, self.skip = block.stride, block.kernel, block.skip
        if block.expand_w is not None:
            self.expand = nn.Conv2d(block.in_channels, block.mid_channels, 1)
            self.expand.weight.data = torch.from_numpy(block.expand_w[:, :, None, None].copy())
            self.expand.bias.data = torch.from_numpy(block.expand_b.copy())
        else:
            self.expand = None
        self.dw = nn.Conv2d(block.mid_channels, block.mid_channels, block.kernel,
                            stride=block.stride, groups=block.mid_channels)
        self.dw.weight.data = torch.from_numpy(block.dw_w[:, None].copy())
        self.dw.bias.data = torch.from_numpy(block.dw_b.copy())
        self.project = nn.Conv2d(block.mid_channels, block.out_channels, 1)
        self.project.weight.data = torch.from_numpy(block.project_w[:, :, None, None].copy())
        self.project.bias.data = torch.from_numpy(block.project_b.copy())
        #: Optional ``(E,)`` multiplier of the depthwise output (Fisher pruning's mask). It sits
        #: after the depthwise layer, not the expansion: a zeroed expansion channel would still
        #: pass the constant ReLU6(depthwise bias) to the projection.
        self.mask = None

    def forward(self, x):
        h = F.relu6(self.expand(x)) if self.expand is not None else x
        h = F.relu6(self.dw(pad_same(h, self.kernel, self.stride)))
        if self.mask is not None:
            h = h * self.mask.view(1, -1, 1, 1)
        h = self.project(h)
        return h + x if self.skip else h


def gaussian_taps(sigma: float, radius: int) -> torch.Tensor:
    t = torch.arange(-radius, radius + 1, dtype=torch.float64)
    g = torch.exp(-t ** 2 / (2 * sigma ** 2))
    return (g / g.sum()).float()


class LiteGazeNet(nn.Module):
    """Lite0 trunk + multi-scale taps + 1×1 readout + blur + learned centre bias.

    Parameters
    ----------
    stem : (weight (32, 3, 3, 3), bias)
    blocks : list of Block
    taps : sequence of int
        Block indices whose outputs feed the readout; all are resampled to the grid of ``grid_tap``.
    grid_tap : int
        The tap whose resolution is the readout's grid.
    readout : sequence of int
        Hidden widths of the 1×1 readout (ReLU between), ending in one logit channel.
    blur_sigma : float
        Std of the Gaussian blur of the logit map, in grid cells (radius 3σ, zero padding).
    mean, std : 3 floats
        Input standardisation on the 0–255 RGB scale.
    """

    def __init__(self, stem, blocks, *, taps, grid_tap, readout=(32, 16), blur_sigma=1.0,
                 mean=(127.0,) * 3, std=(128.0,) * 3):
        super().__init__()
        self.stem = nn.Conv2d(3, stem[0].shape[0], 3, stride=2)
        self.stem.weight.data = torch.from_numpy(np.array(stem[0], np.float32))
        self.stem.bias.data = torch.from_numpy(np.array(stem[1], np.float32))
        self.blocks = nn.ModuleList(TorchBlock(b) for b in blocks)
        self.taps, self.grid_tap = tuple(int(t) for t in taps), int(grid_tap)
        widths = [blocks[t].out_channels for t in self.taps]
        layers, previous = [], sum(widths)
        for width in tuple(readout) + (1,):
            layers.append(nn.Conv2d(previous, width, 1))
            previous = width
        self.readout = nn.ModuleList(layers)
        self.blur_sigma = float(blur_sigma)
        self.blur_radius = max(1, int(math.ceil(3 * self.blur_sigma)))
        self.register_buffer("blur_taps", gaussian_taps(self.blur_sigma, self.blur_radius))
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1))
        self.centre_bias = GaussianCentreBias()
        #: Optional ``(C,)`` multipliers of the readout's hidden outputs (Fisher pruning's masks).
        self.readout_masks = [None] * len(tuple(readout))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """``(N, 3, H, W)`` RGB 0–255 → concatenated tap features on the readout grid."""
        x = (images - self.mean) / self.std
        x = F.relu6(self.stem(pad_same(x, 3, 2)))
        outs = {}
        for i, block in enumerate(self.blocks[: max(self.taps) + 1]):
            x = block(x)
            if i in self.taps:
                outs[i] = x
        size = outs[self.grid_tap].shape[-2:]
        return torch.cat([resample_to(outs[t], size) for t in self.taps], 1)

    def head(self, features: torch.Tensor) -> torch.Tensor:
        """Features → blurred ``(N, 1, h, w)`` logits."""
        x = features
        for k, conv in enumerate(self.readout):
            x = conv(x)
            if k < len(self.readout) - 1:
                x = F.relu(x)
                if self.readout_masks[k] is not None:
                    x = x * self.readout_masks[k].view(1, -1, 1, 1)
        r = self.blur_radius
        x = F.conv2d(F.pad(x, [r, r, 0, 0]), self.blur_taps.view(1, 1, 1, -1))
        return F.conv2d(F.pad(x, [0, 0, r, r]), self.blur_taps.view(1, 1, -1, 1))

    def log_density(self, logits: torch.Tensor, size) -> torch.Tensor:
        """Upsample logits to ``size`` (between cell centres), add the prior, log-softmax."""
        z = resample_to(logits, size)[:, 0] + self.centre_bias(int(size[0]), int(size[1]))
        return z - torch.logsumexp(z.flatten(1), 1).view(-1, 1, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.log_density(self.head(self.features(images)), images.shape[-2:])


def to_lite_network(net: LiteGazeNet, *, input_pixels: int, metadata: dict | None = None):
    """The framework-free :class:`~.network.LiteNetwork` of a (possibly pruned) torch net."""
    from ..pruning.export import centre_bias_parameters
    from .network import LiteNetwork

    def arr(t):
        return t.detach().float().numpy()

    blocks = []
    for b in net.blocks:
        blocks.append(Block(
            arr(b.expand.weight)[:, :, 0, 0] if b.expand is not None else None,
            arr(b.expand.bias) if b.expand is not None else None,
            arr(b.dw.weight)[:, 0], arr(b.dw.bias), b.stride,
            arr(b.project.weight)[:, :, 0, 0], arr(b.project.bias)))
    readout = tuple((arr(c.weight)[:, :, 0, 0], arr(c.bias)) for c in net.readout)
    return LiteNetwork(arr(net.stem.weight), arr(net.stem.bias), tuple(blocks), net.taps,
                       net.grid_tap, readout, net.blur_sigma, net.blur_radius,
                       centre_bias_parameters(net), tuple(float(v) for v in net.mean.flatten()),
                       tuple(float(v) for v in net.std.flatten()), int(input_pixels),
                       dict(metadata or {}))


def from_lite_network(network) -> LiteGazeNet:
    """The torch twin of a framework-free :class:`~.network.LiteNetwork` (same weights, eval mode)."""
    net = LiteGazeNet((network.stem_w, network.stem_b), list(network.blocks), taps=network.taps,
                      grid_tap=network.grid_tap,
                      readout=[int(w.shape[0]) for w, _ in network.readout[:-1]],
                      blur_sigma=network.blur_sigma, mean=network.mean, std=network.std)
    net.blur_radius = int(network.blur_radius)
    net.blur_taps = torch.from_numpy(network.blur_kernel())
    cb = network.centre_bias
    with torch.no_grad():
        for conv, (w, b) in zip(net.readout, network.readout):
            conv.weight.copy_(torch.from_numpy(np.array(w[:, :, None, None])))
            conv.bias.copy_(torch.from_numpy(np.array(b)))
        net.centre_bias.centre.copy_(torch.tensor([cb["mu_x"], cb["mu_y"]]))
        net.centre_bias.log_sigma.copy_(torch.tensor([cb["sigma_x"], cb["sigma_y"]]).log())
    return net.eval()
