"""Deprecated module paths, kept for one release (listed in CHANGELOG.md).

``salbench.evaluate`` and ``salbench.leaderboard`` are functions; their modules moved to
:mod:`salbench.evaluation` and :mod:`salbench.reports`. A submodule of the same name would rebind
the package attribute when imported, so the old module paths are *aliases* registered in
``sys.modules``: ``from salbench.evaluate import evaluate`` still works (with a
``DeprecationWarning``) and ``salbench.evaluate`` stays the function.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings

#: old module path -> new module path
MOVED_MODULES = {
    "salbench.evaluate": "salbench.evaluation",
    "salbench.leaderboard": "salbench.reports.leaderboard",
    "salbench.results": "salbench.evaluation.results",
}


class _ModuleAlias(types.ModuleType):
    """A stand-in for a moved module: attribute access warns and forwards to the new module."""

    def __init__(self, old: str, new: str):
        super().__init__(old, f"Deprecated alias of {new}.")
        self.__dict__["_salbench_target"] = new

    def __getattr__(self, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        new = self.__dict__["_salbench_target"]
        warnings.warn(f"the module {self.__name__} is deprecated and will be removed in the next "
                      f"release; import from {new} instead", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(new), attribute)

    def __dir__(self):
        return dir(importlib.import_module(self.__dict__["_salbench_target"]))


def install_aliases() -> None:
    for old, new in MOVED_MODULES.items():
        sys.modules.setdefault(old, _ModuleAlias(old, new))
