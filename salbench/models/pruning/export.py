"""Export a trained or pruned :class:`GazeNet` to the framework-free runtime, ``.vxm`` and ONNX.

* :func:`to_network` — the :class:`salbench.models.fastgaze.Network` IR (convolutions, max pools,
  Gaussian blur, input preprocessing); the learned centre bias travels in its metadata.
  :func:`to_fastgaze_model` wraps it into a :class:`~salbench.models.fastgaze.FastGazeModel` whose
  log-densities equal the torch model's (same upsampling between cell centres, same prior, same
  normalisation), so a pruned model runs without PyTorch.
* :func:`export_runtime` / :func:`export_vxm` — write that network as salbench's ``.npz`` format or
  Twitter's ``.vxm`` format (the latter keeps neither preprocessing nor centre bias).
* :func:`export_onnx` — an ONNX graph of the whole model (images → log-density, or → low-resolution
  logits), with dynamic batch size and image size.

Switched-off maps (mask 0) are folded into the consuming layer's weights, so exporting a masked
network gives the same function as the masked torch model.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
import torch

from ..._io import write_bytes_atomic
from ...exceptions import InputError
from ..base import ProbabilisticModel

_OUTPUTS = ("log_density", "logits")


def centre_bias_parameters(model) -> dict | None:
    """The learned centre-bias parameters as plain floats (``None`` without a learned prior)."""
    if model.centre_bias is None:
        return None
    centre = model.centre_bias.centre.detach().double().tolist()
    sigma = model.centre_bias.log_sigma.detach().double().exp().tolist()
    return {"kind": "gaussian", "mu_x": centre[0], "mu_y": centre[1],
            "sigma_x": sigma[0], "sigma_y": sigma[1]}


def _folded_weights(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """Weights and biases with every mask folded into the consumer's input channels."""
    out = []
    scale = None
    for l, conv in enumerate(model.convs):
        weight = conv.weight.detach().double().clone()
        bias = conv.bias.detach().double().clone()
        if scale is not None:
            weight = weight * scale.view(1, -1, 1, 1)
        scale = None
        if l < len(model.masks) and not model.masks[l]._all_ones:
            scale = model.masks[l].mask.detach().double()
            if bool((scale < 0).any()):
                # Folding relies on max(m·a) = m·max(a), true for m >= 0 only.
                raise InputError(f"layer {l} has negative mask values; only masks >= 0 can be exported")
        out.append((weight.float().numpy(), bias.float().numpy()))
    return out


def to_network(model, *, metadata: dict | None = None):
    """The framework-free :class:`~salbench.models.fastgaze.Network` of ``model``.

    The network maps the preprocessed ``(3, H, W)`` image to the blurred logits at
    1/``model.downsampling`` resolution; its ``preprocessing`` is the model's standardisation (RGB,
    0–255, minus ``input_mean``, divided by ``input_std``) and its metadata records the
    architecture and the learned centre bias.

    Parameters
    ----------
    model : GazeNet
    metadata : dict, optional
        Extra JSON-serialisable facts (training command, data...) to store.

    Returns
    -------
    salbench.models.fastgaze.Network
    """
    from ..fastgaze.network import Conv2d, GaussianBlur, MaxPool2d, Network, Preprocessing

    if model.blur.radius and model.blur.padding != "zeros":
        raise InputError(
            f"the runtime's GaussianBlur pads with zeros; a model with blur_padding={model.blur.padding!r} "
            "cannot be exported to it"
        )
    layers = []
    weights = _folded_weights(model)
    last = len(model.convs) - 1
    for l, (weight, bias) in enumerate(weights):
        activation = model.activations[l]
        if l == last:
            kind, alpha = None, 0.0
        elif isinstance(activation, torch.nn.PReLU):
            if activation.weight.numel() != 1:
                raise InputError("the runtime supports PReLU with one shared slope only")
            kind, alpha = "prelu", float(activation.weight.detach())
        else:
            kind, alpha = "relu", 0.0
        layers.append(Conv2d(weight, bias, kind, alpha))
        if model.pool_after[l]:
            layers.append(MaxPool2d(2))
    if model.blur.radius > 0:
        layers.append(GaussianBlur(2 * model.blur.radius + 1, model.blur.sigma))
    preprocessing = Preprocessing(
        input_size=None, channel_order="rgb", scale=1.0,
        mean=tuple(float(v) for v in model.input_mean.flatten()),
        std=tuple(float(v) for v in model.input_std.flatten()),
    )
    config = model.config()
    info = {
        "source": "salbench.models.pruning.GazeNet",
        "architecture": {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.items()},
        "centre_bias": centre_bias_parameters(model),
        "output": "blurred logits at 1/output_stride resolution; upsample between cell centres, "
                  "add the centre-bias log-prior, normalise",
    }
    info["architecture"]["backbone"] = [list(block) for block in config["backbone"]]
    info.update(metadata or {})
    return Network(layers, preprocessing=preprocessing, metadata=info)


class GaussianCentreBiasPrior(ProbabilisticModel):
    """The learned Gaussian centre bias of a :class:`GazeNet`, without PyTorch (numpy only).

    ``log_density`` accepts an image or its ``(height, width)`` shape and returns the normalised
    log-density ``-((u - mu_x)/sigma_x)²/2 - ((v - mu_y)/sigma_y)²/2 - log Z`` with
    ``u = (column + ½)/width - ½`` and ``v = (row + ½)/height - ½``.
    """

    name = "GazeNet centre bias"

    def __init__(self, *, mu_x: float, mu_y: float, sigma_x: float, sigma_y: float, **_):
        self.mu_x, self.mu_y, self.sigma_x, self.sigma_y = (float(v) for v in (mu_x, mu_y, sigma_x, sigma_y))
        if not (self.sigma_x > 0 and self.sigma_y > 0):
            raise InputError(f"sigma_x and sigma_y must be positive, got {self.sigma_x}, {self.sigma_y}")

    def log_density(self, image, *, image_id=None) -> np.ndarray:
        if isinstance(image, tuple) and len(image) == 2:
            height, width = (int(v) for v in image)
        else:
            height, width = np.shape(image)[:2]
        u = (np.arange(width) + 0.5) / width - 0.5
        v = (np.arange(height) + 0.5) / height - 0.5
        z = (-0.5 * ((v - self.mu_y) / self.sigma_y) ** 2)[:, None] + (-0.5 * ((u - self.mu_x) / self.sigma_x) ** 2)[None, :]
        m = z.max()
        return z - (m + math.log(np.exp(z - m).sum()))

    def describe(self) -> dict:
        d = super().describe()
        d["parameters"] = {"mu_x": self.mu_x, "mu_y": self.mu_y, "sigma_x": self.sigma_x, "sigma_y": self.sigma_y}
        return d


def to_fastgaze_model(model_or_network, *, name: str | None = None, **options):
    """A framework-free :class:`~salbench.models.fastgaze.FastGazeModel` for an exported model.

    Parameters
    ----------
    model_or_network : GazeNet or salbench.models.fastgaze.Network
        A torch model (exported with :func:`to_network`) or a network it produced (its metadata
        holds the centre bias).
    name : str, optional
    **options
        Passed to ``FastGazeModel`` (e.g. ``threads``). By default the image is used at its own
        resolution (``input_pixels=None``), the blur stays on the logit map
        (``final_blur="network"``), the logits are not rescaled and the centre bias is added with
        weight 1, exactly like the torch model.
    """
    from ..fastgaze.model import FastGazeModel
    from ..fastgaze.network import Network

    network = model_or_network if isinstance(model_or_network, Network) else to_network(model_or_network)
    params = network.metadata.get("centre_bias")
    prior = GaussianCentreBiasPrior(**params) if params else None
    # Like the torch model: the network sees each image at its own size, and the trailing blur
    # stays on the low-resolution logit map where it was trained.
    options.setdefault("input_pixels", None)
    options.setdefault("final_blur", "network")
    return FastGazeModel(network, centre_bias=prior, logit_scale=1.0, centre_bias_weight=1.0,
                         name=name or "GazeNet (runtime)", **options)


def export_runtime(model, path, *, metadata: dict | None = None) -> Path:
    """Write ``model`` as a salbench network file (``.npz``, see :mod:`salbench.models.fastgaze.network`).

    Read it back with :func:`salbench.models.fastgaze.load_network` and run it with
    :func:`to_fastgaze_model` — no PyTorch needed.
    """
    return to_network(model, metadata=metadata).save(Path(path))


def export_vxm(model, path) -> Path:
    """Write ``model``'s network in Twitter's ``.vxm`` format.

    The format stores layers only: preprocessing and the centre bias are lost, and the blur's
    standard deviation must be a whole number (the format keeps it as an integer).
    """
    from ..fastgaze.vxm import write_vxm

    return write_vxm(to_network(model), Path(path))


class _OnnxWrapper(torch.nn.Module):
    def __init__(self, model, output: str):
        super().__init__()
        self.model = model
        self.output = output

    def forward(self, images):
        if self.output == "logits":
            return self.model.logits(images)
        return self.model(images)


def export_onnx(model, path, *, output: str = "log_density", example_size=(64, 64),
                opset_version: int = 17) -> Path:
    """Write ``model`` as an ONNX graph (dynamic batch size, height and width), atomically.

    Parameters
    ----------
    model : GazeNet
    path : str or Path
    output : {"log_density", "logits"}
        ``"log_density"``: input ``images`` ``(N, 3, H, W)`` float32 RGB 0–255 → output
        ``log_density`` ``(N, H, W)`` (learned centre bias included); ``"logits"``: → the blurred
        ``(N, 1, h, w)`` logits at 1/``model.downsampling`` resolution.
    example_size : (int, int)
        Image size traced during export (any size works afterwards; it must be at least
        ``model.downsampling``).
    opset_version : int

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Uses PyTorch's TorchScript-based exporter (``dynamo=False``), which needs no package beyond
    ``onnx``; its deprecation warnings are silenced here.
    """
    if output not in _OUTPUTS:
        raise InputError(f"output must be one of {list(_OUTPUTS)}, got {output!r}")
    height, width = (int(v) for v in example_size)
    if min(height, width) < model.downsampling:
        raise InputError(f"example_size {example_size} is smaller than the downsampling {model.downsampling}")
    wrapper = _OnnxWrapper(model, output).eval()
    example = torch.full((1, model.convs[0].in_channels, height, width), 128.0)
    dynamic = {"images": {0: "batch", 2: "height", 3: "width"}}
    dynamic[output] = ({0: "batch", 1: "height", 2: "width"} if output == "log_density"
                       else {0: "batch", 2: "logit_height", 3: "logit_width"})
    buffer = io.BytesIO()
    was_training = model.training
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        with torch.no_grad():
            torch.onnx.export(wrapper, (example,), buffer, dynamo=False, input_names=["images"],
                              output_names=[output], dynamic_axes=dynamic, opset_version=opset_version)
    model.train(was_training)
    return write_bytes_atomic(Path(path), buffer.getvalue())
