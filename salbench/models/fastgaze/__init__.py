"""Twitter's pruned FastGaze network and the framework-free runtime that runs it.

* :mod:`.network` — the intermediate representation (layers, weights, saved ``.npz`` format);
* :mod:`.vxm` — reader and writer of Twitter's ``.vxm`` weight files;
* :mod:`.runtime` — the numpy/Numba forward pass;
* :mod:`.flops` — FLOP counts from layer shapes;
* :mod:`.model` — :class:`FastGazeModel`, the probabilistic model adapter;
* :mod:`.torch_module` — the same network as a ``torch.nn.Module`` (needs the torch extra).

Only the IR is imported eagerly (numpy only); the other names load their modules on first use so
``import salbench.models`` stays cheap.
"""

from ..._lazy import lazy_getattr
from .network import Conv2d, GaussianBlur, MaxPool2d, Network, Preprocessing, load_network

_LAZY = {
    "FastGazeModel": "model", "TWITTER_PREPROCESSING": "model", "load": "model",
    "Runtime": "runtime", "GemmStats": "runtime",
    "read_vxm": "vxm", "write_vxm": "vxm",
    "conv_flops": "flops", "layer_costs": "flops",
    "to_torch_module": "torch_module",
}

__all__ = ["Conv2d", "GaussianBlur", "MaxPool2d", "Network", "Preprocessing", "load_network",
           *_LAZY]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
