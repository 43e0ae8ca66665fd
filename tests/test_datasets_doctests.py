"""The examples in the datasets and baselines docstrings run and print what they claim."""

import doctest
import importlib

import pytest

MODULES = ["salbench.datasets.fixations", "salbench.datasets.maps", "salbench.datasets.splits",
           "salbench.datasets.stimuli", "salbench.datasets.registry", "salbench.models.baselines"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
