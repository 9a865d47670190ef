"""Packages that export names lazily (``thaldash.lazy``) never export a name that is also a module.

Importing ``thaldash.stats.correlation`` (a module) would set the package attribute ``correlation``
to the module, and ``from thaldash.stats import correlation`` would then hand out the module
instead of the function, depending on which test or page happened to import it first.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from thaldash import charts, stats
from thaldash.export import deck


@pytest.mark.parametrize("package", [stats, charts, deck], ids=lambda p: p.__name__)
def test_exported_names_are_not_module_names(package):
    modules = {p.stem for p in Path(package.__file__).parent.glob("*.py")}
    assert not (set(package.__all__) & modules)


@pytest.mark.parametrize("package", [stats, charts, deck], ids=lambda p: p.__name__)
def test_every_exported_name_resolves_to_its_object(package):
    for name in package.__all__:
        value = getattr(package, name)
        assert not isinstance(value, type(importlib)), f"{package.__name__}.{name} is a module"
