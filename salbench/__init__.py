"""salbench: correct and fast scoring of gaze-prediction (saliency) models.

The top-level names are imported lazily so that ``import salbench`` stays fast and never pulls in
Numba, matplotlib, torch, onnxruntime or dask until they are needed.
"""

from __future__ import annotations

import importlib

from ._deprecation import install_aliases

__version__ = "0.1.0"

_LAZY = {
    # name: (module, attribute or None for the module itself)
    "metrics": ("salbench.metrics", None),
    "datasets": ("salbench.datasets", None),
    "models": ("salbench.models", None),
    "Fixations": ("salbench.datasets", "Fixations"),
    "Stimuli": ("salbench.datasets", "Stimuli"),
    "Dataset": ("salbench.datasets", "Dataset"),
    "fixation_map": ("salbench.datasets", "fixation_map"),
    "density_map": ("salbench.datasets", "density_map"),
    "evaluation": ("salbench.evaluation", None),
    "evaluate": ("salbench.evaluation", "evaluate"),
    "evaluate_baselines": ("salbench.evaluation", "evaluate_baselines"),
    "submissions": ("salbench.submissions", None),
    "reports": ("salbench.reports", None),
    "leaderboard": ("salbench.reports", "leaderboard"),
    "plotting": ("salbench.plotting", None),
    "crop": ("salbench.cropping", None),
    "cropping": ("salbench.cropping", None),
    "audit": ("salbench.cropping.audit", None),
    "stats": ("salbench.stats", None),
    "demo": ("salbench.demo", None),
    "torch": ("salbench.torch", None),
}

__all__ = sorted(_LAZY) + ["__version__"]

install_aliases()


def __getattr__(name: str):
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'salbench' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return __all__
