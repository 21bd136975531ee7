"""The examples in the docstrings of the Qt-free modules run and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import buzzfinder_app

MODULES = sorted(m.name for m in pkgutil.walk_packages(buzzfinder_app.__path__, "buzzfinder_app.")
                 if ".ui" not in m.name and not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
