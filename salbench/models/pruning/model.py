"""A :class:`GazeNet` as a salbench probabilistic model, and saving / loading trained networks."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch

from ...exceptions import DataError, InputError
from ..base import ProbabilisticModel
from .architecture import GazeNet
from ..._io import write_bytes_atomic

_FORMAT = "salbench-gazenet"
_VERSION = 1


def save_model(model: GazeNet, path, *, metadata: dict | None = None) -> Path:
    """Save a (possibly pruned) :class:`GazeNet`: its architecture and weights, atomically.

    The file is a ``torch.save`` dictionary of plain tensors and Python values, readable with
    ``torch.load(path, weights_only=True)``; :func:`load_model` rebuilds the network.
    """
    payload = {
        "format": _FORMAT, "version": _VERSION, "config": model.config(),
        "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "metadata": dict(metadata or {}),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return write_bytes_atomic(Path(path), buffer.getvalue())


def load_model(path) -> GazeNet:
    """Rebuild a :class:`GazeNet` saved by :func:`save_model` (in evaluation mode)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"model file {path} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a corrupt file
        raise DataError(f"{path} is not a readable GazeNet file: {error}") from None
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise DataError(f"{path} is not a salbench GazeNet file (no format {_FORMAT!r})")
    if payload.get("version") != _VERSION:
        raise DataError(f"{path}: unsupported GazeNet file version {payload.get('version')!r}")
    model = GazeNet(**payload["config"])
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as error:
        raise DataError(f"{path}: the weights do not fit the stored architecture: {error}") from None
    return model.eval()


class GazeNetModel(ProbabilisticModel):
    """Run a :class:`GazeNet` with PyTorch as a :class:`~salbench.models.ProbabilisticModel`.

    Parameters
    ----------
    network : GazeNet or str or Path
        The network, or a file written by :func:`save_model`.
    name : str, optional

    Examples
    --------
    >>> import numpy as np
    >>> model = GazeNetModel(GazeNet(backbone=((4,), (4,)), readout=()))
    >>> log_p = model.log_density(np.zeros((10, 12, 3), np.uint8))
    >>> log_p.shape, bool(np.isclose(np.logaddexp.reduce(log_p.ravel()), 0.0))
    ((10, 12), True)
    """

    def __init__(self, network, *, name: str | None = None):
        if isinstance(network, (str, Path)):
            network = load_model(network)
        if not isinstance(network, GazeNet):
            raise InputError(f"network must be a GazeNet or a saved GazeNet file, got {type(network).__name__}")
        self.network = network.eval()
        self.name = name or "GazeNet"

    def log_density(self, image, *, image_id=None) -> np.ndarray:
        a = np.asarray(image)
        if a.ndim == 2:
            a = np.repeat(a[:, :, None], 3, axis=2)
        if a.ndim != 3 or a.shape[2] not in (3, 4) or a.dtype.kind not in "uif" or a.dtype == np.bool_:
            raise InputError(f"image must be an (H, W) or (H, W, 3) numeric array, got {a.dtype} {a.shape}")
        step = self.network.downsampling
        if a.shape[0] < step or a.shape[1] < step:
            raise InputError(f"image of {a.shape[0]}×{a.shape[1]} pixels is smaller than the network's stride {step}")
        x = torch.from_numpy(np.ascontiguousarray(a[:, :, :3].transpose(2, 0, 1), dtype=np.float32))[None]
        with torch.no_grad():
            z = self.network(x)[0].double()
        # Renormalise in float64 so that logsumexp is 0 to double precision, not float32's.
        return (z - torch.logsumexp(z.reshape(-1), 0)).numpy()

    def describe(self) -> dict:
        d = super().describe()
        from .flops import network_flops

        d["parameters"] = {
            "config": self.network.config(),
            "n_parameters": int(sum(p.numel() for p in self.network.parameters())),
            "gflop_384x512": network_flops(self.network, (384, 512)) / 1e9,
        }
        return d
