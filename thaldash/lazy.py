"""Things computed on first use: package namespaces that load their modules then (PEP 562), and values
derived from an object, kept while it lives (``derived``).

A package re-exports its public names from its modules so callers import them from one place
(``from thaldash.stats import compare_groups``); loading them only when asked keeps a light
module of the package (``thaldash.stats.inputs``, ``thaldash.charts.palette``) from pulling in
its heavy siblings (``scipy.stats`` costs about a second of a cold start).
"""

from __future__ import annotations

import importlib
import weakref
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


_DERIVED: dict[tuple, tuple[weakref.ref, Any]] = {}


def derived(owner: Any, key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, once per ``owner`` object and ``key``, kept as long as ``owner`` lives.

    For values asked on every rerun of a cached, never mutated object that cannot be hashed (a frame):
    held through a weak reference to ``owner``, so the value goes when ``owner`` does. An object that
    cannot be weakly referenced gets ``compute()`` each time.
    """
    slot = (id(owner), *key)
    hit = _DERIVED.get(slot)
    if hit is not None and hit[0]() is owner:
        return hit[1]
    value = compute()
    try:
        _DERIVED[slot] = (weakref.ref(owner, lambda _ref: _DERIVED.pop(slot, None)), value)
    except TypeError:
        pass
    return value
