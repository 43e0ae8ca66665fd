"""Turning an image into a network's input tensor (ONNX and torch adapters share this)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..._validation import keyword_choice
from ...exceptions import InputError

CHANNEL_ORDERS = ("rgb", "bgr")
LAYOUTS = ("nchw", "nhwc")


def _triple(value, name):
    values = (value,) * 3 if np.ndim(value) == 0 else tuple(np.asarray(value, np.float64).ravel())
    if len(values) != 3 or not all(math.isfinite(v) for v in values):
        raise InputError(f"{name} must be a number or three numbers (per RGB channel), got {value!r}")
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class InputSpec:
    """How an image becomes a network input.

    ``x = (pixel * scale - mean) / std`` per channel (``mean``/``std`` given in RGB order and
    reordered with the channels), after resizing to ``size`` (Pillow bilinear with antialiasing)
    and reordering channels to ``channel_order``; laid out as ``layout`` with a batch axis of 1.

    Attributes
    ----------
    size : (height, width) or None
        Network input size; None keeps the image's own size (or the model's fixed input size).
    scale : float
        Multiplies the 0–255 pixel values (``1/255`` gives 0–1).
    mean, std : float or 3 floats
        In the scaled units, per RGB channel.
    channel_order : {"rgb", "bgr"}
    layout : {"nchw", "nhwc"}
    """

    size: tuple | None = None
    scale: float = 1.0 / 255.0
    mean: tuple = (0.0, 0.0, 0.0)
    std: tuple = (1.0, 1.0, 1.0)
    channel_order: str = "rgb"
    layout: str = "nchw"

    def __post_init__(self):
        if self.size is not None:
            size = tuple(self.size)
            if len(size) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in size):
                raise InputError(f"size must be (height, width) positive integers, got {self.size!r}")
            object.__setattr__(self, "size", (int(size[0]), int(size[1])))
        scale = float(self.scale)
        if not math.isfinite(scale) or scale == 0:
            raise InputError(f"scale must be a non-zero finite number, got {self.scale!r}")
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "mean", _triple(self.mean, "mean"))
        std = _triple(self.std, "std")
        if any(v == 0 for v in std):
            raise InputError(f"std must be non-zero, got {self.std!r}")
        object.__setattr__(self, "std", std)
        keyword_choice(self.channel_order, "channel_order", CHANNEL_ORDERS)
        keyword_choice(self.layout, "layout", LAYOUTS)

    def to_dict(self) -> dict:
        return {"size": self.size, "scale": self.scale, "mean": list(self.mean),
                "std": list(self.std), "channel_order": self.channel_order, "layout": self.layout}

    def __call__(self, image, size=None, dtype=np.float32) -> np.ndarray:
        """The batch-of-one input tensor for ``image`` at ``size`` (default ``self.size``)."""
        a = np.asarray(image)
        if a.ndim == 2:
            a = np.repeat(a[:, :, None], 3, axis=2)
        if a.ndim != 3 or a.shape[2] not in (3, 4) or a.dtype.kind not in "uif" or a.dtype == np.bool_:
            raise InputError(f"image must be an (H, W) or (H, W, 3) array of numbers, got shape "
                             f"{a.shape} and dtype {a.dtype}")
        a = a[:, :, :3]
        size = size or self.size
        if size is not None and tuple(a.shape[:2]) != tuple(size):
            a = _resize_image(a, size)
        x = a.astype(np.float32)
        if self.channel_order == "bgr":
            x = x[:, :, ::-1]
        mean = np.asarray(self.mean if self.channel_order == "rgb" else self.mean[::-1], np.float32)
        std = np.asarray(self.std if self.channel_order == "rgb" else self.std[::-1], np.float32)
        x = (x * np.float32(self.scale) - mean) / std
        if self.layout == "nchw":
            x = x.transpose(2, 0, 1)
        return np.ascontiguousarray(x[None], dtype=dtype)


def _resize_image(a: np.ndarray, size) -> np.ndarray:
    from PIL import Image

    height, width = size
    if a.dtype == np.uint8:
        return np.asarray(Image.fromarray(np.ascontiguousarray(a)).resize(
            (width, height), Image.Resampling.BILINEAR))
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(a[:, :, k], np.float32)).resize(
        (width, height), Image.Resampling.BILINEAR)) for k in range(a.shape[2])]
    return np.stack(channels, axis=2)
