"""salbench's built-in gaze models, run without torch: the Lite and GazeNet families.

The weights ship with the package in ``salbench/data/models/``; ``index.json`` there names every
variant, its ``family`` and the default (the model card is ``README.md`` beside it).

* **Lite** (the default since issue 16; ``benchmarks/train_lite_model.py``): ImageNet
  EfficientNet-Lite0 features (Apache-2.0, notice beside the weights) and a 1×1 readout trained on
  OSIE's training split, run by :class:`salbench.models.lite.LiteGazeModel` (numpy/Numba).
* **GazeNet** (``benchmarks/train_default_model.py``): a small VGG-style network trained from
  random initialisation on OSIE with a teacher, Fisher-pruned; framework-free ``.npz`` networks
  (:mod:`salbench.models.fastgaze.network` format) run as a
  :class:`~salbench.models.fastgaze.FastGazeModel`: the image is resized (aspect kept) to about as
  many pixels as the training input (``input_pixels``), the network produces blurred logits at
  1/8 resolution, these are interpolated to the image's pixel grid, the learned Gaussian centre
  bias (:class:`LearnedCentreBias`) is added and the sum is normalised; :func:`to_gazenet`
  rebuilds the PyTorch :class:`~salbench.models.pruning.GazeNet` for fine-tuning.

Only numpy, scipy, Pillow and Numba are used at inference.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..exceptions import DataError, InputError
from .base import ProbabilisticModel

#: Folder of the packaged weights, their index and the model card.
MODELS_DIR = Path(__file__).resolve().parents[1] / "data" / "models"
INDEX_FILE = "index.json"


@lru_cache(maxsize=1)
def _index() -> dict:
    path = MODELS_DIR / INDEX_FILE
    try:
        index = json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"the packaged model index {path} is missing; reinstall salbench") from None
    except json.JSONDecodeError as error:
        raise DataError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(index, dict) or "default" not in index or "variants" not in index:
        raise DataError(f"{path} must hold 'default' and 'variants'")
    return index


#: Model families of the packaged variants (``index.json``: a variant's ``family``, default GazeNet).
FAMILIES = ("gazenet", "lite")


def variants(*, family: str | None = None) -> dict:
    """The packaged variants: ``{name: facts}`` (file, family, widths, GFLOP at the input, scores...).

    Parameters
    ----------
    family : {"gazenet", "lite"}, optional
        Only the variants of this family: ``"gazenet"`` (:class:`~salbench.models.pruning.GazeNet`,
        run by the FastGaze runtime) or ``"lite"`` (EfficientNet-Lite0 features,
        :class:`~salbench.models.lite.LiteGazeModel`). Default: all.

    Examples
    --------
    >>> from salbench.models.default import variants
    >>> "unpruned" in variants(family="gazenet")
    True
    """
    if family is not None and family not in FAMILIES:
        raise InputError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
    out = {}
    for name, facts in _index()["variants"].items():
        facts = dict(facts)
        facts.setdefault("family", "gazenet")
        if family is None or facts["family"] == family:
            out[name] = facts
    return out


def default_variant() -> str:
    """Name of the variant :func:`default_model` returns without arguments."""
    return str(_index()["default"])


def default_network(variant: str | None = None):
    """The network of a packaged variant (default: the default).

    A :class:`~salbench.models.fastgaze.Network` for a GazeNet variant, a
    :class:`~salbench.models.lite.LiteNetwork` for a Lite variant.
    """
    name = default_variant() if variant is None else variant
    known = variants()
    if name not in known:
        raise InputError(f"unknown default-model variant {name!r}; the packaged variants are "
                         f"{', '.join(sorted(known))}")
    if known[name]["family"] == "lite":
        from .lite.network import load_lite_network

        return load_lite_network(MODELS_DIR / known[name]["file"])
    from .fastgaze.network import load_network

    return load_network(MODELS_DIR / known[name]["file"])


class LearnedCentreBias(ProbabilisticModel):
    """The Gaussian centre-bias log-prior learned with a GazeNet, in numpy.

    With ``u = (column + ½)/width − ½`` and ``v = (row + ½)/height − ½`` the log-density is
    ``−((u − mu_x)/sigma_x)²/2 − ((v − mu_y)/sigma_y)²/2`` normalised over the pixels (the formula of
    :class:`salbench.models.pruning.GaussianCentreBias`, whose parameters an exported network
    stores in its metadata).

    Examples
    --------
    >>> prior = LearnedCentreBias(mu_x=0.0, mu_y=0.0, sigma_x=0.2, sigma_y=0.2)
    >>> log_p = prior.log_density((3, 4))
    >>> log_p.shape, bool(np.isclose(np.exp(log_p).sum(), 1.0))
    ((3, 4), True)
    """

    name = "learned centre bias"
    needs_pixels = False

    def __init__(self, *, mu_x: float, mu_y: float, sigma_x: float, sigma_y: float):
        values = [float(v) for v in (mu_x, mu_y, sigma_x, sigma_y)]
        if not all(math.isfinite(v) for v in values) or values[2] <= 0 or values[3] <= 0:
            raise InputError(f"centre bias needs finite mu and positive sigma, got {values}")
        self.mu_x, self.mu_y, self.sigma_x, self.sigma_y = values

    @classmethod
    def from_network(cls, network) -> "LearnedCentreBias":
        params = network.metadata.get("centre_bias")
        if not isinstance(params, dict) or params.get("kind") != "gaussian":
            raise DataError("the network's metadata holds no learned Gaussian centre bias")
        return cls(**{k: params[k] for k in ("mu_x", "mu_y", "sigma_x", "sigma_y")})

    def log_density(self, image, *, image_id=None) -> np.ndarray:
        if isinstance(image, tuple) and len(image) == 2:
            height, width = (int(v) for v in image)
        else:
            height, width = np.shape(image)[:2]
        return self._map(int(height), int(width)).copy()

    @lru_cache(maxsize=8)  # noqa: B019 - a handful of small maps per (immutable) prior
    def _map(self, height: int, width: int) -> np.ndarray:
        u = (np.arange(width) + 0.5) / width - 0.5
        v = (np.arange(height) + 0.5) / height - 0.5
        z = ((-0.5 * ((v - self.mu_y) / self.sigma_y) ** 2)[:, None]
             + (-0.5 * ((u - self.mu_x) / self.sigma_x) ** 2)[None, :])
        m = z.max()
        return z - (m + math.log(np.exp(z - m).sum()))

    def describe(self) -> dict:
        d = super().describe()
        d["parameters"] = {"mu_x": self.mu_x, "mu_y": self.mu_y, "sigma_x": self.sigma_x,
                           "sigma_y": self.sigma_y}
        return d


def default_model(variant: str | None = None, *, threads: int | None = None,
                  input_pixels: int | None = None):
    """salbench's built-in gaze model, ready to score images — no PyTorch needed.

    Parameters
    ----------
    variant : str, optional
        One of :func:`variants` (a GazeNet level such as ``"unpruned"``, or a Lite variant);
        default :func:`default_variant`, the network the model card recommends.
    threads : int, optional
        Worker threads of the FastGaze runtime (default: the CPUs available); a Lite variant runs
        each image on one core and ignores it.
    input_pixels : int, optional
        Resize every image (aspect kept) to about this many pixels before the network; default:
        the pixel count of the variant's training input (``variants()[name]["input_size"]``).

    Returns
    -------
    salbench.models.fastgaze.FastGazeModel or salbench.models.lite.LiteGazeModel
        A :class:`~salbench.models.ProbabilisticModel`: ``log_density(image)`` is a normalised
        natural-log density at the image's size; ``gflops(h, w)`` the cost at an ``h × w``
        network input.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.models import default_model
    >>> model = default_model(threads=1)
    >>> log_p = model.log_density(np.full((60, 80, 3), 128, np.uint8))
    >>> log_p.shape, bool(np.isclose(np.logaddexp.reduce(log_p.ravel()), 0.0))
    ((60, 80), True)
    """
    from .fastgaze.model import FastGazeModel

    name = default_variant() if variant is None else variant
    network = default_network(name)
    if variants()[name]["family"] == "lite":
        from .lite.model import LiteGazeModel

        prior = LearnedCentreBias(**{k: network.centre_bias[k]
                                     for k in ("mu_x", "mu_y", "sigma_x", "sigma_y")})
        return LiteGazeModel(network, centre_bias=prior, input_pixels=input_pixels,
                             name="salbench Lite" + ("" if variant is None else f" ({name})"))
    if input_pixels is None:
        height, width = network.metadata["input_size"]
        input_pixels = int(height) * int(width)
    label = "salbench GazeNet" + ("" if variant is None else f" ({name})")
    return FastGazeModel(network, centre_bias=LearnedCentreBias.from_network(network),
                         logit_scale=1.0, centre_bias_weight=1.0, input_pixels=input_pixels,
                         final_blur="network", threads=threads, name=label)


def to_gazenet(network):
    """Rebuild the PyTorch :class:`~salbench.models.pruning.GazeNet` of an exported network.

    The inverse of :func:`salbench.models.pruning.to_network` for networks it wrote (their
    metadata holds the architecture and the centre bias); needs the ``torch`` extra.
    """
    import torch

    from .pruning import GazeNet
    from .fastgaze.network import Conv2d

    if isinstance(network, str):
        network = default_network(network)
    arch = network.metadata.get("architecture")
    if not isinstance(arch, dict):
        raise DataError("the network's metadata holds no GazeNet architecture")
    config = dict(arch)
    config["backbone"] = tuple(tuple(block) for block in config["backbone"])
    for key in ("readout", "input_mean", "input_std"):
        config[key] = tuple(config[key])
    net = GazeNet(**config)
    convs = [layer for layer in network.layers if isinstance(layer, Conv2d)]
    if [c.weight.shape for c in convs] != [tuple(c.weight.shape) for c in net.convs]:
        raise DataError("the network's layers do not match its stored architecture")
    with torch.no_grad():
        for conv, layer in zip(net.convs, convs):
            conv.weight.copy_(torch.from_numpy(np.array(layer.weight)))
            conv.bias.copy_(torch.from_numpy(np.array(layer.bias)))
        for act, layer in zip(net.activations, convs):
            if isinstance(act, torch.nn.PReLU):
                act.weight.fill_(layer.alpha)
        prior = LearnedCentreBias.from_network(network)
        if net.centre_bias is not None:
            net.centre_bias.centre.copy_(torch.tensor([prior.mu_x, prior.mu_y]))
            net.centre_bias.log_sigma.copy_(torch.tensor([prior.sigma_x, prior.sigma_y]).log())
    return net.eval()
