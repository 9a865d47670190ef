"""Package namespaces that load their modules on first use (PEP 562).

A package re-exports its public names from its modules so callers import them from one place
(``from thaldash.stats import compare_groups``); loading them only when asked keeps a light
module of the package (``thaldash.stats.inputs``, ``thaldash.charts.palette``) from pulling in
its heavy siblings (``scipy.stats`` costs about a second of a cold start).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str], namespace: dict[str, Any]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, where ``homes`` maps each name to its module.

    Usage, at the end of a package's ``__init__.py``::

        __getattr__, __dir__ = lazy_exports(__name__, {"compare_groups": "groups"}, globals())
    """
    def getattr_(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{homes[name]}"), name)
        namespace[name] = value  # the next lookup is a plain attribute
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *homes})

    return getattr_, dir_
