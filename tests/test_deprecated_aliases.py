"""Modules that moved keep their old public path for one release: it re-exports and warns."""

import importlib
import sys

import pytest

ALIASES = [
    ("salbench.crop", "salbench.cropping"),
    ("salbench.audit", "salbench.cropping.audit"),
]


@pytest.mark.parametrize("old, new", ALIASES)
def test_old_module_path_still_works_and_warns(old, new, monkeypatch):
    target = importlib.import_module(new)
    monkeypatch.delitem(sys.modules, old, raising=False)  # import it afresh (restored afterwards)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*import from {new} instead"):
        alias = importlib.import_module(old)
    assert alias.__all__ and set(alias.__all__) >= set(getattr(target, "__all__", ()))
    for name in alias.__all__:
        assert getattr(alias, name) is getattr(target, name), name
