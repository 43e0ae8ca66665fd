"""A :class:`~.network.LiteNetwork` as a probabilistic gaze model, without PyTorch.

For an ``H × W`` image: resize (Pillow bilinear, aspect kept, sides rounded to multiples of the
output stride so the logit grid covers the input exactly) to about ``input_pixels`` pixels,
standardise, run :func:`.runtime.forward` (blurred logits at 1/``output_stride``), resample the
logits bilinearly between cell centres to ``H × W`` (the rule the network was trained with), add the
centre-bias log-prior and normalise.
"""

from __future__ import annotations

import math

import numpy as np

from ..._blas import available as blas_controllable, single_threaded
from ...exceptions import InputError
from ..base import ProbabilisticModel
from ..fastgaze.model import preprocess
from ..fastgaze.network import Preprocessing
from .flops import lite_flops
from .network import LiteNetwork, load_lite_network
from .runtime import forward, resample_matrix


def network_input_size(shape, pixels: int, stride: int) -> tuple:
    """``(height, width)``: the image scaled to about ``pixels`` pixels, sides multiples of ``stride``."""
    height, width = int(shape[0]), int(shape[1])
    factor = math.sqrt(pixels / (height * width))
    return (max(stride, int(round(height * factor / stride)) * stride),
            max(stride, int(round(width * factor / stride)) * stride))


class LiteGazeModel(ProbabilisticModel):
    """salbench's Lite gaze network (EfficientNet-Lite0 features) as a probabilistic model.

    Parameters
    ----------
    network : LiteNetwork or str or Path
    centre_bias : ProbabilisticModel, optional
        The log-prior added after upsampling (``log_density(image)``); ``None`` for none.
    input_pixels : int, optional
        Default: the network's ``input_pixels``.
    name : str, optional

    Notes
    -----
    Thread-safe (no state changes after construction): the evaluation engine may score several
    images at once; one image runs on one core (see :mod:`.runtime`).
    """

    name = "salbench Lite"
    thread_safe = True

    def __init__(self, network, *, centre_bias: ProbabilisticModel | None = None,
                 input_pixels: int | None = None, name: str | None = None):
        if not isinstance(network, LiteNetwork):
            network = load_lite_network(network)
        self.network = network
        self.centre_bias = centre_bias
        self.input_pixels = int(input_pixels or network.input_pixels)
        if self.input_pixels < 1:
            raise InputError(f"input_pixels must be positive, got {input_pixels}")
        self._preprocessing = Preprocessing(input_size=None, channel_order="rgb", scale=1.0,
                                            mean=network.mean, std=network.std)
        if name:
            self.name = name

    def input_size(self, shape) -> tuple:
        return network_input_size(shape, self.input_pixels, self.network.output_stride)

    def logits(self, image) -> np.ndarray:
        """The network's blurred ``(h, w)`` logits for an image."""
        size = self.input_size(np.shape(image)[:2])
        x = preprocess(image, self._preprocessing, size)
        if blas_controllable():
            with single_threaded():
                return forward(self.network, x)
        return forward(self.network, x)

    def log_density(self, image, *, image_id=None) -> np.ndarray:
        a = np.asarray(image)
        if a.ndim not in (2, 3) or min(a.shape[:2]) < 1:
            raise InputError(f"image must be (H, W) or (H, W, 3), got shape {a.shape}")
        height, width = a.shape[:2]
        z = self.logits(a).astype(np.float64)
        z = resample_matrix(height, z.shape[0]) @ z @ resample_matrix(width, z.shape[1]).T
        if self.centre_bias is not None:
            z = z + self.centre_bias.log_density(a, image_id=image_id)
        m = z.max()
        return z - (m + math.log(np.exp(z - m).sum()))

    def gflops(self, height: int, width: int) -> float:
        """GFLOP of the network at an ``height × width`` network input."""
        return lite_flops(self.network, int(height), int(width)) / 1e9

    def fingerprint(self) -> dict:
        """A hash of every weight, the network's spec, the input size rule and the prior."""
        import json

        from ..._fingerprint import array_hash, model_fingerprint

        net = self.network
        arrays = [net.stem_w, net.stem_b]
        for b in net.blocks:
            arrays += [a for a in (b.expand_w, b.expand_b, b.dw_w, b.dw_b, b.project_w,
                                   b.project_b) if a is not None]
        for w, b in net.readout:
            arrays += [w, b]
        spec = dict(net.spec(), input_pixels=self.input_pixels)
        arrays.append(np.frombuffer(json.dumps(spec, sort_keys=True).encode(), np.uint8))
        info = {"weights": array_hash(*arrays)}
        if self.centre_bias is not None:
            info["centre_bias"] = model_fingerprint(self.centre_bias)
        return info

    def describe(self) -> dict:
        d = super().describe()
        d["parameters"] = {"input_pixels": self.input_pixels, "taps": list(self.network.taps),
                           "widths": self.network.widths(),
                           "n_parameters": self.network.parameter_count}
        return d
