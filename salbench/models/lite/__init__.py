"""salbench's Lite gaze networks: EfficientNet-Lite0 features + a small readout, without PyTorch.

* :mod:`.backbone` — the pretrained Lite0 weights as arrays, batch norm folded (numpy).
* :mod:`.network` — :class:`LiteNetwork`, the framework-free description and its ``.npz`` format.
* :mod:`.runtime` — the numpy/Numba forward pass (depthwise convolution, ReLU6, stride 2, TF
  ``"SAME"`` padding).
* :mod:`.model` — :class:`LiteGazeModel`, the probabilistic model the engine scores.
* :mod:`.flops` — FLOP counts.
* :mod:`.torch_net` — the PyTorch twin for training (``torch`` extra; not imported here).
"""

from .flops import lite_flops
from .model import LiteGazeModel, network_input_size
from .network import LiteNetwork, load_lite_network

__all__ = ["LiteGazeModel", "LiteNetwork", "lite_flops", "load_lite_network", "network_input_size"]
