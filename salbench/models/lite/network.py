"""The framework-free description of a Lite gaze network, and its ``.npz`` file format.

A :class:`LiteNetwork` holds, as float32 arrays with batch norm already folded in:

* the stem: a 3×3, stride-2 convolution 3 → 32 with TensorFlow ``"SAME"`` padding, ReLU6;
* inverted-residual blocks (:class:`~.backbone.Block`): 1×1 expansion (ReLU6), k×k depthwise
  convolution with stride 1 or 2 and ``"SAME"`` padding (ReLU6), linear 1×1 projection, plus the
  block's input when its stride is 1 and its widths agree;
* ``taps``: block outputs resampled bilinearly (between cell centres) to the grid of ``grid_tap``
  and concatenated;
* the readout: 1×1 convolutions with ReLU between them, ending in one logit channel;
* a separable Gaussian blur of the logits (``blur_sigma`` cells, radius ``blur_radius``, zeros
  outside the map);
* the learned Gaussian centre bias (``centre_bias``: ``mu_x, mu_y, sigma_x, sigma_y``, the formula of
  :class:`salbench.models.default.LearnedCentreBias`) and the input standardisation ``mean``/``std``
  (RGB, 0–255), plus ``input_pixels``: the pixel count images are resized to before the network.

File format (``save`` / ``load_lite_network``): a deflate-compressed ``.npz`` with ``spec.json`` (UTF-8
JSON as uint8: ``{"format": "salbench-lite-network", "version": 1, ...}``) and the arrays
``stem.w``, ``stem.b``, ``block{i}.{expand_w,expand_b,dw_w,dw_b,project_w,project_b}``,
``readout{k}.w``, ``readout{k}.b``. Arrays may be stored as float16 (``save(half=True)``) to
halve the file; they are widened to float32 on load, so the runtime always computes in float32.
Compression saves a further 8 % on float16 weights (4.72 → 4.37 MB for the packaged ``lite``),
which is what lets both packaged Lite variants fit the 8 MB budget beside the GazeNet ones.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..._io import write_bytes_atomic
from ...exceptions import DataError, InputError
from .backbone import Block

FORMAT_NAME = "salbench-lite-network"
FORMAT_VERSION = 1
_BLOCK_ARRAYS = ("expand_w", "expand_b", "dw_w", "dw_b", "project_w", "project_b")


def _f32(a, name: str) -> np.ndarray:
    a = np.array(a, dtype=np.float32, copy=True)
    if not np.isfinite(a).all():
        raise InputError(f"{name} contains non-finite values")
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class LiteNetwork:
    """A truncated EfficientNet-Lite trunk with a multi-scale 1×1 readout (see the module notes)."""

    stem_w: np.ndarray
    stem_b: np.ndarray
    blocks: tuple
    taps: tuple
    grid_tap: int
    readout: tuple
    blur_sigma: float
    blur_radius: int
    centre_bias: dict
    mean: tuple = (127.0, 127.0, 127.0)
    std: tuple = (128.0, 128.0, 128.0)
    input_pixels: int = 240 * 320
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "stem_w", _f32(self.stem_w, "stem weight"))
        set_(self, "stem_b", _f32(self.stem_b, "stem bias"))
        if self.stem_w.shape[1:] != (3, 3, 3) or self.stem_b.shape != self.stem_w.shape[:1]:
            raise InputError(f"the stem must be (C, 3, 3, 3) with C biases, got {self.stem_w.shape}")
        blocks = []
        channels = self.stem_w.shape[0]
        for i, b in enumerate(self.blocks):
            arrays = {k: (None if getattr(b, k) is None else _f32(getattr(b, k), f"block {i} {k}"))
                      for k in _BLOCK_ARRAYS}
            b = Block(**arrays, stride=int(b.stride))
            if b.in_channels != channels:
                raise InputError(f"block {i} expects {b.in_channels} input channels, the previous "
                                 f"layer gives {channels}")
            if b.dw_w.shape[1] != b.dw_w.shape[2] or b.kernel % 2 == 0 or b.stride not in (1, 2):
                raise InputError(f"block {i}: depthwise kernels must be square and odd, stride 1 or "
                                 f"2; got {b.dw_w.shape}, stride {b.stride}")
            if b.project_w.shape[1] != b.mid_channels:
                raise InputError(f"block {i}: projection expects {b.project_w.shape[1]} channels, "
                                 f"the depthwise layer gives {b.mid_channels}")
            blocks.append(b)
            channels = b.out_channels
        set_(self, "blocks", tuple(blocks))
        taps = tuple(int(t) for t in self.taps)
        if not taps or any(t < 0 or t >= len(blocks) for t in taps) or self.grid_tap not in taps:
            raise InputError(f"taps {taps} must index the {len(blocks)} blocks and include the "
                             f"grid tap {self.grid_tap}")
        set_(self, "taps", taps)
        readout, previous = [], sum(blocks[t].out_channels for t in taps)
        for k, (w, b) in enumerate(self.readout):
            w, b = _f32(w, f"readout {k} weight"), _f32(b, f"readout {k} bias")
            if w.ndim != 2 or w.shape[1] != previous or b.shape != (w.shape[0],):
                raise InputError(f"readout layer {k} has weight {w.shape}, bias {b.shape}; expected "
                                 f"(O, {previous}) and (O,)")
            readout.append((w, b))
            previous = w.shape[0]
        if previous != 1:
            raise InputError(f"the readout must end in one channel, got {previous}")
        set_(self, "readout", tuple(readout))
        set_(self, "metadata", json.loads(json.dumps(dict(self.metadata))))
        if not (self.blur_sigma > 0 and int(self.blur_radius) >= 1):
            raise InputError("blur_sigma must be positive and blur_radius >= 1")

    @property
    def output_stride(self) -> int:
        return 2 * math.prod(b.stride for b in self.blocks[: self.grid_tap + 1])

    @property
    def parameter_count(self) -> int:
        n = self.stem_w.size + self.stem_b.size
        for b in self.blocks[: max(self.taps) + 1]:
            n += sum(getattr(b, k).size for k in _BLOCK_ARRAYS if getattr(b, k) is not None)
        return int(n + sum(w.size + b.size for w, b in self.readout))

    def widths(self) -> list:
        """Expansion widths of the used blocks, then the readout widths (what pruning changes)."""
        return ([b.mid_channels for b in self.blocks[: max(self.taps) + 1]]
                + [int(w.shape[0]) for w, _ in self.readout])

    def blur_kernel(self) -> np.ndarray:
        t = np.arange(-self.blur_radius, self.blur_radius + 1, dtype=np.float64)
        g = np.exp(-t ** 2 / (2 * self.blur_sigma ** 2))
        return (g / g.sum()).astype(np.float32)

    def spec(self) -> dict:
        return {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                "strides": [b.stride for b in self.blocks],
                "has_expand": [b.expand_w is not None for b in self.blocks],
                "taps": list(self.taps), "grid_tap": self.grid_tap,
                "readout_layers": len(self.readout), "blur_sigma": float(self.blur_sigma),
                "blur_radius": int(self.blur_radius), "centre_bias": dict(self.centre_bias),
                "mean": list(self.mean), "std": list(self.std),
                "input_pixels": int(self.input_pixels), "metadata": self.metadata}

    def save(self, path, *, half: bool = False) -> Path:
        """Write the network (``half``: store the arrays as float16), atomically."""
        dtype = np.float16 if half else np.float32
        spec = self.spec()
        spec["dtype"] = np.dtype(dtype).name
        arrays = {"spec.json": np.frombuffer(json.dumps(spec, indent=1).encode(), np.uint8),
                  "stem.w": self.stem_w.astype(dtype), "stem.b": self.stem_b.astype(dtype)}
        for i, b in enumerate(self.blocks):
            for k in _BLOCK_ARRAYS:
                if getattr(b, k) is not None:
                    arrays[f"block{i}.{k}"] = getattr(b, k).astype(dtype)
        for k, (w, b) in enumerate(self.readout):
            arrays[f"readout{k}.w"], arrays[f"readout{k}.b"] = w.astype(dtype), b.astype(dtype)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        return write_bytes_atomic(Path(path), buffer.getvalue())


def load_lite_network(path) -> LiteNetwork:
    """Read a file written by :meth:`LiteNetwork.save`; a malformed file raises ``DataError``."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Lite network file {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        spec = json.loads(arrays["spec.json"].tobytes().decode("utf-8"))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, UnicodeDecodeError) as error:
        raise DataError(f"{path} is not a readable Lite network file: {error}") from None
    if not isinstance(spec, dict) or spec.get("format") != FORMAT_NAME:
        raise DataError(f"{path}: spec.json does not declare format {FORMAT_NAME!r}")
    if spec.get("version") != FORMAT_VERSION:
        raise DataError(f"{path}: unsupported Lite network version {spec.get('version')!r}")

    def get(name):
        if name not in arrays:
            raise DataError(f"{path}: missing array {name!r}")
        return arrays[name].astype(np.float32)

    try:
        blocks = []
        for i, (stride, expand) in enumerate(zip(spec["strides"], spec["has_expand"])):
            parts = {k: (get(f"block{i}.{k}") if expand or not k.startswith("expand") else None)
                     for k in _BLOCK_ARRAYS}
            blocks.append(Block(**parts, stride=int(stride)))
        readout = tuple((get(f"readout{k}.w"), get(f"readout{k}.b"))
                        for k in range(int(spec["readout_layers"])))
        return LiteNetwork(get("stem.w"), get("stem.b"), tuple(blocks), tuple(spec["taps"]),
                           int(spec["grid_tap"]), readout, float(spec["blur_sigma"]),
                           int(spec["blur_radius"]), dict(spec["centre_bias"]),
                           tuple(spec["mean"]), tuple(spec["std"]), int(spec["input_pixels"]),
                           spec.get("metadata", {}))
    except (KeyError, TypeError, InputError) as error:
        raise DataError(f"{path}: {error}") from None
