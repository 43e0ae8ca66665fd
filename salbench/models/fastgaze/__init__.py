"""Twitter's pruned FastGaze network and the framework-free runtime that runs it.

* :mod:`.network` — the intermediate representation (layers, weights, saved ``.npz`` format);
* :mod:`.vxm` — reader and writer of Twitter's ``.vxm`` weight files;
* :mod:`.runtime` — the numpy/Numba forward pass;
* :mod:`.flops` — FLOP counts from layer shapes;
* :mod:`.model` — :class:`FastGazeModel`, the probabilistic model adapter.

Submodules are imported lazily so ``import salbench.models`` stays cheap.
"""

from .network import Conv2d, GaussianBlur, MaxPool2d, Network, Preprocessing, load_network

__all__ = ["Conv2d", "GaussianBlur", "MaxPool2d", "Network", "Preprocessing", "load_network"]
