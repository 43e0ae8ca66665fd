"""The package layout: deprecated module paths, plain-function entry points, settings defaults."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import sys
import warnings

import pytest

import salbench
from salbench.evaluation import EvaluationSettings, evaluate


def test_evaluate_and_leaderboard_are_plain_functions():
    assert inspect.isfunction(salbench.evaluate)
    assert inspect.isfunction(salbench.leaderboard)
    assert salbench.evaluate is evaluate
    for module in ("salbench.evaluation", "salbench.reports"):
        assert type(sys.modules.get(module) or importlib.import_module(module)).__name__ == "module"


@pytest.mark.parametrize("old, new, name", [
    ("salbench.evaluate", "salbench.evaluation", "evaluate_baselines"),
    ("salbench.leaderboard", "salbench.reports.leaderboard", "Leaderboard"),
    ("salbench.results", "salbench.evaluation.results", "load_results"),
])
def test_moved_modules_keep_a_deprecated_alias(old, new, name):
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*{new}"):
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)
    # importing the old path never rebinds the function of the same name
    assert inspect.isfunction(salbench.evaluate) and inspect.isfunction(salbench.leaderboard)


def test_from_import_of_a_moved_module_works():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from salbench.evaluate import evaluate as old  # noqa: F401
    assert old is evaluate
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)


def test_settings_defaults_are_evaluates_defaults():
    parameters = inspect.signature(evaluate).parameters
    for field in dataclasses.fields(EvaluationSettings):
        assert parameters[field.name].default == field.default, field.name
