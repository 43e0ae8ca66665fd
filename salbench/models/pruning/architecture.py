"""A FastGaze-style trainable gaze model whose feature maps can be pruned one by one.

The network follows the fast students of Theis et al. (2018), "Faster gaze prediction with dense
networks and Fisher pruning":

1. the RGB image (0–255) is standardised per channel;
2. a VGG-like backbone of 3×3 convolutions ("same" zero padding, ReLU) in blocks, with a 2×2 max
   pool after every block but the last, so the backbone works at 1/``2**(blocks-1)`` resolution;
3. a readout stack of 1×1 convolutions ending in one channel, applied *before* upsampling, so that
   no many-channel tensor is ever interpolated;
4. a separable Gaussian blur of that single logit map, still at the low resolution;
5. bilinear upsampling to the image size (between low-resolution cell centres), the log of a centre-bias prior is added (a tensor given by
   the caller, or a learned anisotropic Gaussian), and a log-softmax over all pixels turns the
   logits into a log-density.

Every feature map except the final readout channel passes through a :class:`ChannelMask`; that is
where Fisher pruning measures its signals and where a map can be switched off. Pruning removes
channels physically (see :func:`salbench.models.pruning.remove_channel`), so a pruned network is a
plain, smaller :class:`GazeNet`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ...exceptions import InputError

#: Per-channel mean of ImageNet photographs on the 0–255 scale, RGB order.
IMAGENET_MEAN_RGB = (123.68, 116.779, 103.939)
#: Per-channel standard deviation of ImageNet photographs on the 0–255 scale, RGB order.
IMAGENET_STD_RGB = (58.393, 57.12, 57.375)

_READOUT_ACTIVATIONS = ("relu", "prelu")
_CENTRE_BIAS = ("gaussian", "none")
_BLUR_PADDING = ("zeros", "replicate")


class ChannelMask(nn.Module):
    """Multiplies feature map ``k`` by ``mask[k]``; while every entry is one it is the identity.

    The mask is the variable with respect to which Fisher pruning differentiates the loss, and the
    way to switch a map off without removing it (:meth:`set_mask`). An all-ones mask costs nothing:
    the input is returned unchanged, so an unmasked network runs at full speed and exports without
    extra operations.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.register_buffer("mask", torch.ones(channels))
        self._all_ones = True

    @property
    def channels(self) -> int:
        return int(self.mask.numel())

    def set_mask(self, values) -> None:
        """Replace the mask (same number of channels), e.g. zero one entry to switch a map off."""
        values = torch.as_tensor(values, dtype=self.mask.dtype, device=self.mask.device)
        if values.shape != self.mask.shape:
            raise InputError(f"mask needs shape {tuple(self.mask.shape)}, got {tuple(values.shape)}")
        self.mask = values.clone()
        self._all_ones = bool(torch.all(self.mask == 1))

    def keep(self, indices: torch.Tensor) -> None:
        """Keep only the entries at ``indices`` (after the matching maps were removed)."""
        self.mask = self.mask.index_select(0, indices).clone()
        self._all_ones = bool(torch.all(self.mask == 1))

    def _load_from_state_dict(self, *args, **kwargs):
        super()._load_from_state_dict(*args, **kwargs)
        self._all_ones = bool(torch.all(self.mask == 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._all_ones:
            return x
        return x * self.mask.view(1, -1, 1, 1).to(x.dtype)


def gaussian_kernel1d(sigma: float, radius: int) -> torch.Tensor:
    """A normalised 1-D Gaussian of standard deviation ``sigma`` sampled at ``-radius..radius``."""
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float64)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    return (kernel / kernel.sum()).to(torch.float32)


class SeparableGaussianBlur(nn.Module):
    """Blur single-channel maps with a fixed Gaussian, as a row pass and then a column pass.

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels of the map being blurred (``0`` disables the blur).
    radius : int, optional
        Half-width of the kernel; the default ``ceil(3 * sigma)`` keeps 99.7 % of the mass.
    padding : {"zeros", "replicate"}
        How the map is extended beyond its border.
    """

    def __init__(self, sigma: float, *, radius: int | None = None, padding: str = "zeros"):
        super().__init__()
        if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma >= 0):
            raise InputError(f"blur_sigma must be a finite number >= 0, got {sigma!r}")
        if padding not in _BLUR_PADDING:
            raise InputError(f"blur_padding must be one of {list(_BLUR_PADDING)}, got {padding!r}")
        self.sigma = float(sigma)
        self.padding = padding
        if sigma == 0:
            radius = 0
        elif radius is None:
            radius = int(math.ceil(3.0 * sigma))
        if not isinstance(radius, int) or radius < 0:
            raise InputError(f"blur_radius must be an integer >= 0, got {radius!r}")
        self.radius = radius
        kernel = gaussian_kernel1d(self.sigma, radius) if radius > 0 else torch.ones(1)
        self.register_buffer("kernel", kernel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.radius == 0:
            return x
        r = self.radius
        k = self.kernel.to(x.dtype)
        if self.padding == "zeros":
            x = F.conv2d(x, k.view(1, 1, 1, -1), padding=(0, r))
            return F.conv2d(x, k.view(1, 1, -1, 1), padding=(r, 0))
        x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
        return F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))


class GaussianCentreBias(nn.Module):
    """A learned centre-bias log-prior: an axis-aligned Gaussian in image-relative coordinates.

    With ``u = (column + 0.5) / width - 0.5`` and ``v = (row + 0.5) / height - 0.5`` (both in
    ``[-0.5, 0.5]``) the unnormalised log-prior is
    ``-((u - mu_x) / sigma_x)**2 / 2 - ((v - mu_y) / sigma_y)**2 / 2``; the softmax of the network
    normalises it. Four parameters, valid at every image size.
    """

    def __init__(self, *, sigma: float = 0.25):
        super().__init__()
        self.centre = nn.Parameter(torch.zeros(2))  # (mu_x, mu_y)
        self.log_sigma = nn.Parameter(torch.full((2,), math.log(sigma)))  # (sigma_x, sigma_y)

    def forward(self, height: int, width: int, *, dtype=torch.float32, device=None) -> torch.Tensor:
        u = (torch.arange(width, dtype=dtype, device=device) + 0.5) / width - 0.5
        v = (torch.arange(height, dtype=dtype, device=device) + 0.5) / height - 0.5
        sigma = torch.exp(self.log_sigma).to(dtype)
        centre = self.centre.to(dtype)
        log_u = -0.5 * ((u - centre[0]) / sigma[0]) ** 2
        log_v = -0.5 * ((v - centre[1]) / sigma[1]) ** 2
        return log_v[:, None] + log_u[None, :]


def upsample_logits(logits: torch.Tensor, height: int, width: int, stride: int) -> torch.Tensor:
    """Bilinear interpolation of ``(N, 1, h, w)`` logits at cell centres to ``(N, 1, height, width)``.

    Logit cell ``(i, j)`` summarises input pixels ``[s·i, s·(i+1)) × [s·j, s·(j+1))`` (``s`` =
    ``stride``), so its centre sits at ``s·(i + ½)``; each pixel centre is interpolated between the
    two nearest cell centres, and beyond the first / last centre the edge value is held (this also
    covers the ``height mod s`` trailing rows that floor-mode pooling drops). This is the
    convention of :func:`salbench.models.fastgaze.model.upsample_logits`, so an exported network
    gives the same densities in the framework-free runtime.
    """
    if stride == 1:
        upsampled = logits
    else:
        upsampled = F.interpolate(logits, scale_factor=float(stride), mode="bilinear", align_corners=False)
    # Always pad (possibly by zero) so that traced and exported graphs have no data-dependent branch.
    return F.pad(upsampled, (0, width - upsampled.shape[-1], 0, height - upsampled.shape[-2]), mode="replicate")


def _as_widths(value, name: str) -> tuple:
    try:
        widths = tuple(int(w) for w in value)
    except TypeError:
        raise InputError(f"{name} must be a sequence of positive integers, got {value!r}") from None
    if any(w < 1 or w != v for w, v in zip(widths, value)):
        raise InputError(f"{name} must contain positive integers, got {value!r}")
    return widths


class GazeNet(nn.Module):
    """FastGaze-style gaze model: backbone, readout before upsampling, blur, centre bias, softmax.

    Parameters
    ----------
    backbone : sequence of sequences of int
        Output channels of the 3×3 convolutions, block by block. A 2×2 max pool follows every block
        except the last, so ``len(backbone)`` blocks work down to 1/``2**(len(backbone) - 1)`` of
        the input resolution (FastGaze: five blocks, 1/16).
    readout : sequence of int
        Widths of the hidden 1×1 readout layers; a final 1×1 layer to one channel is always added.
    readout_activation : {"relu", "prelu"}
        Non-linearity after each hidden readout layer (``"prelu"``: one learned slope per layer,
        like the production FastGaze file).
    blur_sigma : float
        Standard deviation of the Gaussian blur in pixels of the low-resolution logit map.
    blur_radius : int, optional
        Half-width of the blur kernel (default ``ceil(3 * blur_sigma)``).
    blur_padding : {"zeros", "replicate"}
        Border handling of the blur.
    centre_bias : {"gaussian", "none"}
        ``"gaussian"`` learns a :class:`GaussianCentreBias`; ``"none"`` adds nothing unless the
        caller passes ``log_prior``.
    input_mean, input_std : sequence of float
        Per-channel standardisation of the 0–255 input.

    Notes
    -----
    Layers are kept in one flat chain ``convs[0], ..., convs[-1]``: the backbone convolutions
    followed by the readout. The output of layer ``l < len(convs) - 1`` is a prunable set of
    feature maps whose only consumer is layer ``l + 1``.

    Examples
    --------
    >>> import torch
    >>> net = GazeNet(backbone=((4,), (8,)), readout=(4,), blur_sigma=1.0)
    >>> log_density = net(torch.rand(2, 3, 16, 20) * 255)
    >>> tuple(log_density.shape)
    (2, 16, 20)
    >>> bool(torch.allclose(log_density.exp().sum((1, 2)), torch.ones(2)))
    True
    """

    def __init__(
        self,
        *,
        backbone: Sequence[Sequence[int]] = ((32, 32), (64, 64), (128, 128), (128, 128)),
        readout: Sequence[int] = (16,),
        readout_activation: str = "relu",
        blur_sigma: float = 1.0,
        blur_radius: int | None = None,
        blur_padding: str = "zeros",
        centre_bias: str = "gaussian",
        input_mean: Sequence[float] = IMAGENET_MEAN_RGB,
        input_std: Sequence[float] = IMAGENET_STD_RGB,
        in_channels: int = 3,
    ):
        super().__init__()
        if readout_activation not in _READOUT_ACTIVATIONS:
            raise InputError(
                f"readout_activation must be one of {list(_READOUT_ACTIVATIONS)}, "
                f"got {readout_activation!r}"
            )
        if centre_bias not in _CENTRE_BIAS:
            raise InputError(f"centre_bias must be one of {list(_CENTRE_BIAS)}, got {centre_bias!r}")
        blocks = [_as_widths(block, "each backbone block") for block in backbone]
        if not blocks or any(len(block) == 0 for block in blocks):
            raise InputError(f"backbone must be a non-empty sequence of non-empty blocks, got {backbone!r}")
        readout_widths = _as_widths(readout, "readout")
        if len(input_mean) != in_channels or len(input_std) != in_channels:
            raise InputError(
                f"input_mean and input_std need {in_channels} values, got {len(input_mean)} and {len(input_std)}"
            )
        self.readout_activation = readout_activation
        self.centre_bias_kind = centre_bias
        self.register_buffer("input_mean", torch.tensor(input_mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("input_std", torch.tensor(input_std, dtype=torch.float32).view(1, -1, 1, 1))

        convs, activations, pool_after, kinds = [], [], [], []
        channels = in_channels
        for b, block in enumerate(blocks):
            for i, width in enumerate(block):
                convs.append(nn.Conv2d(channels, width, 3, padding=1))
                activations.append(nn.ReLU())
                pool_after.append(i == len(block) - 1 and b < len(blocks) - 1)
                kinds.append("backbone")
                channels = width
        for i, width in enumerate((*readout_widths, 1)):
            convs.append(nn.Conv2d(channels, width, 1))
            if i == len(readout_widths):  # the final layer: raw logits
                activations.append(nn.Identity())
            elif readout_activation == "prelu":
                activations.append(nn.PReLU(num_parameters=1, init=0.25))
            else:
                activations.append(nn.ReLU())
            pool_after.append(False)
            kinds.append("readout")
            channels = width
        self.convs = nn.ModuleList(convs)
        self.activations = nn.ModuleList(activations)
        self.masks = nn.ModuleList([ChannelMask(conv.out_channels) for conv in convs[:-1]])
        self.pool_after = tuple(pool_after)
        self.layer_kinds = tuple(kinds)
        self.blur = SeparableGaussianBlur(blur_sigma, radius=blur_radius, padding=blur_padding)
        self.centre_bias = GaussianCentreBias() if centre_bias == "gaussian" else None

    # ----------------------------------------------------------------------------------- layout
    @property
    def downsampling(self) -> int:
        """Factor by which the logit map is smaller than the input (``2**pools``)."""
        return 2 ** sum(self.pool_after)

    @property
    def n_prunable_layers(self) -> int:
        """Number of layers whose output maps can be pruned (all but the final readout layer)."""
        return len(self.convs) - 1

    def widths(self) -> list[int]:
        """Output channels of every layer, backbone then readout (the last entry is 1)."""
        return [conv.out_channels for conv in self.convs]

    def config(self) -> dict:
        """Constructor arguments that rebuild this (possibly pruned) architecture."""
        widths = self.widths()
        blocks, block = [], []
        n_backbone = self.layer_kinds.count("backbone")
        for l in range(n_backbone):
            block.append(widths[l])
            if self.pool_after[l] or l == n_backbone - 1:
                blocks.append(tuple(block))
                block = []
        return {
            "backbone": tuple(blocks),
            "readout": tuple(widths[n_backbone:-1]),
            "readout_activation": self.readout_activation,
            "blur_sigma": self.blur.sigma,
            "blur_radius": self.blur.radius,
            "blur_padding": self.blur.padding,
            "centre_bias": self.centre_bias_kind,
            "input_mean": tuple(float(v) for v in self.input_mean.flatten()),
            "input_std": tuple(float(v) for v in self.input_std.flatten()),
            "in_channels": self.convs[0].in_channels,
        }

    # ---------------------------------------------------------------------------------- forward
    def features(self, images: torch.Tensor) -> torch.Tensor:
        """The single-channel logit map at 1/``downsampling`` resolution, before the blur."""
        if images.ndim != 4 or images.shape[1] != self.convs[0].in_channels:
            raise InputError(
                f"images must have shape (batch, {self.convs[0].in_channels}, height, width), "
                f"got {tuple(images.shape)}"
            )
        x = (images - self.input_mean) / self.input_std
        last = len(self.convs) - 1
        for l, conv in enumerate(self.convs):
            x = self.activations[l](conv(x))
            if l < last:
                x = self.masks[l](x)
            if self.pool_after[l]:
                x = F.max_pool2d(x, 2)
        return x

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """Blurred logit map, shape (batch, 1, height', width') at the low resolution."""
        return self.blur(self.features(images))

    def log_prior(self, height: int, width: int, *, dtype=torch.float32, device=None):
        """The learned centre-bias log-prior at (height, width), or ``None`` without one."""
        if self.centre_bias is None:
            return None
        return self.centre_bias(height, width, dtype=dtype, device=device)

    def forward(self, images: torch.Tensor, log_prior: torch.Tensor | None = None) -> torch.Tensor:
        """Log-density over the pixels of each image.

        Parameters
        ----------
        images : torch.Tensor
            ``(batch, 3, height, width)`` RGB images on the 0–255 scale.
        log_prior : torch.Tensor, optional
            ``(height, width)`` or ``(batch, height, width)`` centre-bias log-prior to add instead of
            the learned one.

        Returns
        -------
        torch.Tensor
            ``(batch, height, width)`` natural-log density; each image's density sums to one.
        """
        height, width = images.shape[-2:]
        logits = upsample_logits(self.logits(images), height, width, self.downsampling)[:, 0]
        if log_prior is None:
            log_prior = self.log_prior(height, width, dtype=logits.dtype, device=logits.device)
        if log_prior is not None:
            if log_prior.shape[-2:] != (height, width):
                raise InputError(
                    f"log_prior has shape {tuple(log_prior.shape)} but the images are {height}×{width}"
                )
            logits = logits + log_prior
        flat = logits.reshape(logits.shape[0], -1)
        return torch.log_softmax(flat, dim=1).reshape(logits.shape)
