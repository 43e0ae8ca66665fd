"""Lazy attributes for packages: names are imported from their submodules on first access.

Keeps ``import salbench.models`` (and friends) cheap: torch, onnxruntime, h5py and the Numba
kernels load only when something that needs them is used.
"""

from __future__ import annotations

import importlib


def lazy_getattr(package: str, table: dict, namespace: dict):
    """A module ``__getattr__`` importing ``name`` from ``package + "." + table[name]``.

    The value is cached in ``namespace`` (the package's globals), so each name is imported once.
    """

    def __getattr__(name):
        if name in table:
            value = getattr(importlib.import_module(f".{table[name]}", package), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
