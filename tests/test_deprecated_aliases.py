"""Modules that moved keep their old public path for one release: it re-exports and warns."""

import importlib
import sys

import pytest

# old path, new path, the names the old path had
ALIASES = [
    ("salbench.crop", "salbench.cropping", None),  # None: the same __all__ as the new module
    ("salbench.audit", "salbench.cropping.audit",
     {"MASS_TIE", "ORDERS", "RECORD_COLUMNS", "RULES", "AuditResult", "audit", "make_pairs",
      "plot_audit", "read_groups", "summarise_audit"}),
    ("salbench.cli_crop", "salbench.cli", {"MODEL_HELP", "audit_command", "crop_command"}),
]


@pytest.mark.parametrize("old, new, names", ALIASES)
def test_old_module_path_still_works_and_warns(old, new, names, monkeypatch):
    target = importlib.import_module(new)
    monkeypatch.delitem(sys.modules, old, raising=False)  # import it afresh (restored afterwards)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*import from {new} instead"):
        alias = importlib.import_module(old)
    assert set(alias.__all__) == (set(target.__all__) if names is None else names)
    for name in alias.__all__:
        assert getattr(alias, name) is getattr(target, name), name
