"""A TorchScript file or ``torch.nn.Module`` as a model (``pip install torch``; imported lazily)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import DataError, InputError
from ._base import make_log_density_variant
from ._network import NetworkAdapter


def _torch():
    try:
        import torch
    except ImportError:
        raise InputError("running torch models needs torch (pip install 'salbench[torch]')") from None
    return torch


class TorchModel(NetworkAdapter):
    """A torch network: image in, one saliency map (or log-density) out, resized to the image.

    Parameters
    ----------
    module : torch.nn.Module or path-like
        A module, a TorchScript file (``torch.jit.save``) or a ``.pt2`` exported program
        (``torch.export.save``; its graph fixes what input sizes it takes, so give
        ``input_size`` for a static export). Modules are put in eval mode and run under
        ``torch.inference_mode()``; a tuple or list output uses its first element.
    kind, input_size, scale, mean, std, channel_order, layout, resize, name
        As for :class:`OnnxModel` (``input_size`` None: the image's own size).
    device : str
        Torch device (default ``"cpu"``).
    threads : int, optional
        ``torch.set_num_threads`` before each call (process-wide in torch!); None leaves it.
    """

    def __init__(self, module, *, kind: str = "saliency", input_size=None, scale: float = 1 / 255,
                 mean=0.0, std=1.0, channel_order: str = "rgb", layout: str = "nchw",
                 resize: str = "bilinear", device: str = "cpu", threads: int | None = None,
                 name: str | None = None):
        torch = _torch()
        self.device = str(device)
        self.threads = threads
        if isinstance(module, (str, Path)):
            self.path = Path(module)
            if not self.path.is_file():
                raise DataError(f"{self.path}: TorchScript file is missing")
            module = self._load(self.path)
            default_name = self.path.stem
        elif isinstance(module, torch.nn.Module):
            self.path = None
            default_name = type(module).__name__
        else:
            raise InputError(f"module must be a torch.nn.Module or a TorchScript file, got "
                             f"{type(module).__name__}")
        self._setup(input_size=input_size, scale=scale, mean=mean, std=std,
                    channel_order=channel_order, layout=layout, resize=resize, name=name,
                    default_name=default_name)
        self.module = self._ready(module, self.device)

    def _load(self, path):
        torch = _torch()
        if path.suffix.lower() == ".pt2":
            try:
                return torch.export.load(str(path)).module()
            except Exception as error:  # torch raises many types for a bad archive
                raise DataError(f"{path}: not a loadable torch.export program ({error})") from None
        try:
            return torch.jit.load(str(path), map_location=self.device)
        except (RuntimeError, ValueError, OSError) as error:
            raise DataError(f"{path}: not a loadable TorchScript file ({error}); save modules "
                            "with torch.jit.script(module).save(path), torch.export.save(...) to a "
                            ".pt2 file, or pass the nn.Module") from None

    @staticmethod
    def _ready(module, device):
        module = module.to(device)
        try:
            module.eval()
        except NotImplementedError:  # exported programs are always in inference form
            pass
        return module

    def __getstate__(self):
        state = dict(self.__dict__)
        if self.path is not None:  # TorchScript modules are reloaded from their file
            state["module"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self.module is None:
            self.module = self._ready(self._load(self.path), self.device)

    def _run(self, x: np.ndarray) -> np.ndarray:
        torch = _torch()
        if self.threads:
            torch.set_num_threads(int(self.threads))
        with torch.inference_mode():
            out = self.module(torch.from_numpy(x).to(self.device))
        if isinstance(out, (tuple, list)):
            out = out[0]
        if not isinstance(out, torch.Tensor):
            raise InputError(f"{self.name}: the module returned {type(out).__name__}, not a tensor")
        return out.detach().to("cpu", torch.float64).numpy()

    def _parameters(self) -> dict:
        return {**super()._parameters(), "path": None if self.path is None else str(self.path),
                "device": self.device}

    def fingerprint(self) -> dict:
        """The TorchScript / ``.pt2`` file's hash, or for a module its weights' hash and the
        source file of its class."""
        from ..._fingerprint import array_hash, code_fingerprint, files_fingerprint

        if self.path is not None:
            return {"files": files_fingerprint([self.path.resolve()])}
        torch = _torch()
        state = self.module.state_dict()
        with torch.no_grad():
            weights = array_hash(*(state[k].detach().to("cpu").contiguous().view(torch.uint8)
                                   .numpy() for k in sorted(state)))
        return {"weights": weights, "state_keys": len(state), **code_fingerprint(self.module)}


TorchLogDensityModel = make_log_density_variant(
    TorchModel, "TorchLogDensityModel",
    """A torch network whose output is a log-density up to a constant: ``TorchModel(m, kind="log_density")``.""")
