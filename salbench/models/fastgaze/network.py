"""A small, framework-free description of a pruned convolutional gaze network.

This module is the contract between everything that *produces* a network (the ``.vxm`` reader,
the PyTorch Fisher-pruning exporter) and everything that *consumes* one (the numpy runtime, the
FLOP counter, the ``.vxm`` writer, the model adapter). It holds weights and shapes only: no
framework objects, no compiled code. Keep it stable: other modules and saved files depend on it.

A :class:`Network` is an ordered tuple of layers applied to one image tensor of shape
``(C, H, W)`` (channels first, float32):

* :class:`Conv2d` — stride 1, **"same" zero padding** (``(k - 1) // 2`` rows/columns of zeros on
  each side; kernels must have odd height and width), plain **cross-correlation** (the kernel is not
  flipped, as in PyTorch's ``conv2d``), plus a per-channel bias, then an optional activation:
  ``"relu"``: ``max(x, 0)``; ``"prelu"``: ``max(x, 0) + alpha * min(x, 0)`` with one scalar
  ``alpha`` shared by all channels; ``None``: identity.
* :class:`MaxPool2d` — ``size × size`` windows with stride ``size``, no padding; trailing rows and
  columns that do not fill a whole window are dropped (``floor``, PyTorch's default
  ``ceil_mode=False``).
* :class:`GaussianBlur` — a separable Gaussian blur of every channel with a ``kernel_size``-tap
  kernel ``exp(-t² / (2 std²))`` for ``t = -(kernel_size-1)/2 … (kernel_size-1)/2``, normalised to sum
  to 1, zero padding ("same" output size).

The output of a gaze network is a map of **logits** at ``1 / output_stride`` of the input
resolution; upsampling, centre bias and normalisation to a density belong to the model adapter
(:mod:`salbench.models.fastgaze.model`), not to the network.

Optionally a network carries its input :class:`Preprocessing` (how a uint8 RGB image becomes the
network's float32 input) and free-form JSON ``metadata`` (provenance, training command...).

Saved format (``Network.save`` / ``load_network``)
--------------------------------------------------
An uncompressed ``.npz`` (numpy zip) archive, readable without salbench:

* ``spec.json`` — a uint8 array holding UTF-8 JSON::

      {"format": "salbench-network", "version": 1,
       "layers": [{"type": "conv2d", "activation": "relu", "alpha": 0.0},
                  {"type": "maxpool2d", "size": 2},
                  {"type": "gaussian_blur", "kernel_size": 19, "std": 3.0}, ...],
       "preprocessing": {...} or null, "metadata": {...}}

* ``layer{i}.weight`` (float32, ``O × I × kH × kW``) and ``layer{i}.bias`` (float32, ``O``) for
  every convolution ``i`` (the index in ``layers``).

Files are written atomically (temporary file in the same folder, then ``os.replace``) and read with
``allow_pickle=False``.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import numpy as np

from ..._io import write_bytes_atomic
from ...exceptions import DataError, InputError

FORMAT_NAME = "salbench-network"
FORMAT_VERSION = 1

ACTIVATIONS = ("relu", "prelu", None)


def _float32_array(value, name: str, ndim: int) -> np.ndarray:
    a = np.asarray(value)
    if a.dtype.kind not in "iuf" or a.dtype == np.bool_:
        raise InputError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    if a.ndim != ndim:
        raise InputError(f"{name} must be {ndim}-D, got shape {a.shape}")
    # Always a private copy: freezing it must never make the caller's array read-only.
    a = np.array(a, dtype=np.float32, order="C", copy=True)
    if not np.isfinite(a).all():
        raise InputError(f"{name} contains non-finite values (NaN or inf)")
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Conv2d:
    """A stride-1 "same"-padded convolution (cross-correlation) with bias and activation.

    Parameters
    ----------
    weight : array, float32, shape (out_channels, in_channels, kernel_height, kernel_width)
        Odd kernel height and width.
    bias : array, float32, shape (out_channels,)
    activation : {"relu", "prelu", None}
    alpha : float
        Negative slope of ``"prelu"`` (one scalar for all channels); must be 0 otherwise.
    """

    weight: np.ndarray
    bias: np.ndarray
    activation: Union[str, None] = None
    alpha: float = 0.0

    def __post_init__(self):
        w = _float32_array(self.weight, "Conv2d weight", 4)
        b = _float32_array(self.bias, "Conv2d bias", 1)
        o, i, kh, kw = w.shape
        if min(w.shape) < 1:
            raise InputError(f"Conv2d weight has an empty dimension: shape {w.shape}")
        if kh % 2 == 0 or kw % 2 == 0:
            raise InputError(f"Conv2d kernel must have odd height and width for 'same' padding, "
                             f"got {kh}×{kw}")
        if b.shape != (o,):
            raise InputError(f"Conv2d bias has shape {b.shape} but the weight has {o} output "
                             f"channels (weight shape {w.shape})")
        if self.activation not in ACTIVATIONS:
            raise InputError(f"Conv2d activation must be one of 'relu', 'prelu', None; "
                             f"got {self.activation!r}")
        alpha = float(self.alpha)
        if not math.isfinite(alpha):
            raise InputError(f"Conv2d alpha must be finite, got {self.alpha!r}")
        if self.activation != "prelu" and alpha != 0.0:
            raise InputError(f"Conv2d alpha = {alpha} is only meaningful with activation='prelu' "
                             f"(activation is {self.activation!r})")
        object.__setattr__(self, "weight", w)
        object.__setattr__(self, "bias", b)
        # Stored as the float32 value the runtime multiplies by, so every consumer agrees.
        object.__setattr__(self, "alpha", float(np.float32(alpha)))

    @property
    def in_channels(self) -> int:
        return int(self.weight.shape[1])

    @property
    def out_channels(self) -> int:
        return int(self.weight.shape[0])

    @property
    def kernel_size(self) -> tuple[int, int]:
        return int(self.weight.shape[2]), int(self.weight.shape[3])

    def spec(self) -> dict:
        return {"type": "conv2d", "activation": self.activation, "alpha": self.alpha}

    def __repr__(self) -> str:
        kh, kw = self.kernel_size
        act = self.activation if self.activation != "prelu" else f"prelu(alpha={self.alpha:.4g})"
        return f"Conv2d({self.in_channels}→{self.out_channels}, {kh}×{kw}, {act})"


@dataclass(frozen=True)
class MaxPool2d:
    """Max pooling over ``size × size`` windows with stride ``size`` (trailing remainder dropped)."""

    size: int = 2

    def __post_init__(self):
        if isinstance(self.size, bool) or not isinstance(self.size, (int, np.integer)) \
                or self.size < 1:
            raise InputError(f"MaxPool2d size must be an integer >= 1, got {self.size!r}")
        object.__setattr__(self, "size", int(self.size))

    def spec(self) -> dict:
        return {"type": "maxpool2d", "size": self.size}


@dataclass(frozen=True)
class GaussianBlur:
    """Separable Gaussian blur of every channel (zero padding, kernel normalised to sum 1)."""

    kernel_size: int
    std: float

    def __post_init__(self):
        k = self.kernel_size
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 or k % 2 == 0:
            raise InputError(f"GaussianBlur kernel_size must be an odd integer >= 1, got {k!r}")
        std = float(self.std)
        if not (math.isfinite(std) and std > 0):
            raise InputError(f"GaussianBlur std must be a positive finite number, got {self.std!r}")
        object.__setattr__(self, "kernel_size", int(k))
        object.__setattr__(self, "std", std)

    def kernel(self) -> np.ndarray:
        """The 1-D float32 kernel (applied along rows, then along columns)."""
        t = np.arange(self.kernel_size, dtype=np.float64) - (self.kernel_size - 1) / 2
        g = np.exp(-(t ** 2) / (2.0 * self.std ** 2))
        return (g / g.sum()).astype(np.float32)

    def spec(self) -> dict:
        return {"type": "gaussian_blur", "kernel_size": self.kernel_size, "std": self.std}


Layer = Union[Conv2d, MaxPool2d, GaussianBlur]

CHANNEL_ORDERS = ("rgb", "bgr")


@dataclass(frozen=True)
class Preprocessing:
    """How a uint8 RGB image becomes the network's float32 ``(3, H, W)`` input.

    In order: resize the image to ``input_size`` (``(height, width)``; ``None`` keeps the image's
    own size), reorder channels to ``channel_order``, multiply by ``scale`` (e.g. 1 for 0–255 input,
    1/255 for 0–1), subtract ``mean`` and divide by ``std`` (both per channel, **in the network's
    channel order**, on the scaled values).
    """

    input_size: Union[tuple, None] = None
    channel_order: str = "rgb"
    scale: float = 1.0
    mean: tuple = (0.0, 0.0, 0.0)
    std: tuple = (1.0, 1.0, 1.0)

    def __post_init__(self):
        if self.input_size is not None:
            size = tuple(self.input_size)
            if len(size) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                                     or v < 1 for v in size):
                raise InputError("Preprocessing input_size must be None or (height, width) "
                                 f"positive integers, got {self.input_size!r}")
            object.__setattr__(self, "input_size", (int(size[0]), int(size[1])))
        if self.channel_order not in CHANNEL_ORDERS:
            raise InputError(f"Preprocessing channel_order must be 'rgb' or 'bgr', "
                             f"got {self.channel_order!r}")
        scale = float(self.scale)
        if not (math.isfinite(scale) and scale > 0):
            raise InputError(f"Preprocessing scale must be positive, got {self.scale!r}")
        object.__setattr__(self, "scale", scale)
        for name in ("mean", "std"):
            v = tuple(float(x) for x in getattr(self, name))
            if len(v) != 3 or not all(math.isfinite(x) for x in v):
                raise InputError(f"Preprocessing {name} must be 3 finite numbers, got {v!r}")
            if name == "std" and min(v) <= 0:
                raise InputError(f"Preprocessing std must be positive, got {v!r}")
            object.__setattr__(self, name, v)

    def spec(self) -> dict:
        return {"input_size": list(self.input_size) if self.input_size else None,
                "channel_order": self.channel_order, "scale": self.scale,
                "mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_spec(cls, spec: dict) -> "Preprocessing":
        size = spec.get("input_size")
        return cls(input_size=tuple(size) if size else None,
                   channel_order=spec.get("channel_order", "rgb"),
                   scale=spec.get("scale", 1.0), mean=tuple(spec.get("mean", (0, 0, 0))),
                   std=tuple(spec.get("std", (1, 1, 1))))


@dataclass(frozen=True, eq=False)
class Network:
    """An ordered stack of layers mapping a ``(C, H, W)`` float32 image to ``(C', H', W')`` logits.

    Parameters
    ----------
    layers : sequence of Conv2d, MaxPool2d, GaussianBlur
        Channel counts must chain (each convolution's ``in_channels`` equals the previous
        convolution's ``out_channels``).
    preprocessing : Preprocessing or None
        The input transform the network was trained with, if known.
    metadata : dict
        JSON-serialisable facts (provenance, training command...).

    Examples
    --------
    >>> import numpy as np
    >>> net = Network([Conv2d(np.ones((4, 3, 3, 3)), np.zeros(4), "relu"), MaxPool2d(2),
    ...                Conv2d(np.ones((1, 4, 1, 1)), np.zeros(1))])
    >>> net.in_channels, net.out_channels, net.output_stride
    (3, 1, 2)
    >>> net.output_shape(7, 9)
    (1, 3, 4)
    """

    layers: tuple
    preprocessing: Union[Preprocessing, None] = None
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        layers = tuple(self.layers)
        if not layers:
            raise InputError("a Network needs at least one layer")
        channels = None
        for index, layer in enumerate(layers):
            if not isinstance(layer, (Conv2d, MaxPool2d, GaussianBlur)):
                raise InputError(f"layer {index} is a {type(layer).__name__}, not one of "
                                 "Conv2d, MaxPool2d, GaussianBlur")
            if isinstance(layer, Conv2d):
                if channels is not None and layer.in_channels != channels:
                    raise InputError(f"layer {index} ({layer!r}) expects {layer.in_channels} input "
                                     f"channels but the previous convolution produces {channels}")
                channels = layer.out_channels
        if not any(isinstance(layer, Conv2d) for layer in layers):
            raise InputError("a Network needs at least one Conv2d layer")
        if self.preprocessing is not None and not isinstance(self.preprocessing, Preprocessing):
            raise InputError("preprocessing must be a Preprocessing or None")
        try:
            metadata = json.loads(json.dumps(dict(self.metadata)))
        except (TypeError, ValueError) as error:
            raise InputError(f"Network metadata must be JSON-serialisable: {error}") from None
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "metadata", metadata)

    # -- shapes -------------------------------------------------------------------------------
    @property
    def convolutions(self) -> list:
        return [layer for layer in self.layers if isinstance(layer, Conv2d)]

    @property
    def in_channels(self) -> int:
        return self.convolutions[0].in_channels

    @property
    def out_channels(self) -> int:
        return self.convolutions[-1].out_channels

    @property
    def output_stride(self) -> int:
        """How many input pixels one output pixel spans along each axis (product of pool sizes)."""
        stride = 1
        for layer in self.layers:
            if isinstance(layer, MaxPool2d):
                stride *= layer.size
        return stride

    def output_shape(self, height: int, width: int) -> tuple:
        """``(channels, height, width)`` of the output for an input of ``height × width``."""
        for layer in self.layers:
            if isinstance(layer, MaxPool2d):
                height, width = height // layer.size, width // layer.size
        return self.out_channels, height, width

    def min_input_size(self) -> int:
        """The smallest input side that gives an output of at least one pixel."""
        return self.output_stride

    @property
    def parameter_count(self) -> int:
        return int(sum(c.weight.size + c.bias.size + (c.activation == "prelu")
                       for c in self.convolutions))

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Network([{inner}])"

    # -- saving ------------------------------------------------------------------------------
    def spec(self) -> dict:
        return {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                "layers": [layer.spec() for layer in self.layers],
                "preprocessing": self.preprocessing.spec() if self.preprocessing else None,
                "metadata": self.metadata}

    def save(self, path) -> Path:
        """Write the network to ``path`` (``.npz``, see the module docstring), atomically."""
        path = Path(path)
        arrays = {"spec.json": np.frombuffer(json.dumps(self.spec(), indent=1).encode(), np.uint8)}
        for index, layer in enumerate(self.layers):
            if isinstance(layer, Conv2d):
                arrays[f"layer{index}.weight"] = layer.weight
                arrays[f"layer{index}.bias"] = layer.bias
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        write_bytes_atomic(path, buffer.getvalue())
        return path


def load_network(path) -> Network:
    """Read a network saved by :meth:`Network.save`; a malformed file raises ``DataError``."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"network file {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"{path} is not a readable .npz network file: {error}") from None
    if "spec.json" not in arrays:
        raise DataError(f"{path} has no 'spec.json' entry; it is not a salbench network file")
    try:
        spec = json.loads(arrays["spec.json"].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path}: entry 'spec.json' is not valid JSON: {error}") from None
    if not isinstance(spec, dict) or spec.get("format") != FORMAT_NAME:
        raise DataError(f"{path}: spec.json does not declare format {FORMAT_NAME!r}")
    if spec.get("version") != FORMAT_VERSION:
        raise DataError(f"{path}: unsupported network format version {spec.get('version')!r} "
                        f"(this salbench reads version {FORMAT_VERSION})")
    layers = []
    for index, layer_spec in enumerate(spec.get("layers", [])):
        kind = layer_spec.get("type") if isinstance(layer_spec, dict) else None
        try:
            if kind == "conv2d":
                for part in ("weight", "bias"):
                    if f"layer{index}.{part}" not in arrays:
                        raise DataError(f"{path}: convolution layer {index} has no array "
                                        f"'layer{index}.{part}'")
                layers.append(Conv2d(arrays[f"layer{index}.weight"], arrays[f"layer{index}.bias"],
                                     layer_spec.get("activation"), layer_spec.get("alpha", 0.0)))
            elif kind == "maxpool2d":
                layers.append(MaxPool2d(layer_spec.get("size", 2)))
            elif kind == "gaussian_blur":
                layers.append(GaussianBlur(layer_spec["kernel_size"], layer_spec["std"]))
            else:
                raise DataError(f"{path}: layer {index} has unknown type {kind!r}")
        except (InputError, KeyError, TypeError) as error:
            raise DataError(f"{path}: layer {index} ({kind}) is invalid: {error}") from None
    try:
        preprocessing = spec.get("preprocessing")
        return Network(layers,
                       preprocessing=Preprocessing.from_spec(preprocessing) if preprocessing else None,
                       metadata=spec.get("metadata", {}))
    except (InputError, TypeError) as error:
        raise DataError(f"{path}: {error}") from None
