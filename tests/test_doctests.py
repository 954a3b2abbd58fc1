"""The examples in the docstrings run and print what they say (one test per module)."""

import doctest
import importlib
import pkgutil

import pytest

import shipsight

MODULES = sorted(m.name for m in pkgutil.walk_packages(shipsight.__path__, "shipsight."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    # Examples marked +SKIP need a PostGIS server or a real scene; the tests proper cover those.
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see output above)"
