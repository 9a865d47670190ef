"""The app's one cache: results kept by content key, bounded by entries and by bytes, shared or per session.

Streamlit's ``st.cache_resource`` bounds a cache by its number of entries only, and it is shared by
every session: a million-patient cohort's analyses, or one visitor's uploads, would stay in the
server for as long as a few entries allowed. Here

- a result of data everyone sees (the configured file) lives in the **shared** store, bounded by
  ``SHARED_BYTES`` (``THALDASH_CACHE_MB``, default 512 MiB) over all cached functions and by each
  function's own entry count;
- a result computed from a session's own upload lives in that **session's** store (in
  ``st.session_state``, ``SESSION_BYTES``): no other session can reach it, and it is released with
  the session.

The least recently used entries go first. A result's size is estimated from its frames and arrays
(``footprint``), counted in full even when it shares memory with another entry: the bound errs on the
safe side. Callers must not mutate what they get.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import streamlit as st

from thaldash.data.cohort import Cohort
from thaldash.data.filters import CohortFilter
from thaldash.grading.rules import GradingRules
from thaldash.views.context import ViewContext

F = TypeVar("F", bound=Callable[..., Any])
MIB = 1 << 20
SHARED_BYTES = int(float(os.environ.get("THALDASH_CACHE_MB", "512")) * MIB)
SESSION_BYTES = int(float(os.environ.get("THALDASH_SESSION_CACHE_MB", "256")) * MIB)
_SESSION_KEY = "thaldash.session_cache"


def footprint(value: Any, _seen: set[int] | None = None) -> int:
    """Bytes ``value`` holds, estimated from its frames, arrays and containers (not exact; never 0)."""
    seen = set() if _seen is None else _seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=True, deep=False).sum())
    if isinstance(value, (pd.Series, pd.Index)):
        return int(value.memory_usage(deep=False))
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (str, bytes)):
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sum(footprint(v, seen) for v in value.values()) + 64
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(footprint(v, seen) for v in value) + 64
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A filtered cohort's parent is the loaded cohort, held by the load cache: counting it here made a
        # filtered cohort at 1M (691 MiB) outweigh the whole store, which then evicted everything per rerun.
        return sum(footprint(getattr(value, f.name), seen) for f in dataclasses.fields(value)
                   if not (isinstance(value, Cohort) and f.name == "parent")) + 64
    if hasattr(value, "to_dict") and hasattr(value, "mark") or type(value).__module__.startswith("altair"):
        # an Altair chart: its datasets (layers and panels included)
        parts = [getattr(value, a, None) for a in ("data", "layer", "vconcat", "hconcat", "concat", "spec")]
        return sum(footprint(p, seen) for p in parts if p is not None and not isinstance(p, type)) + 4096
    return sys.getsizeof(value)


class Store:
    """An LRU of computed results, bounded by total bytes and by entries per cached function."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._per_function: dict[str, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple) -> tuple[bool, Any]:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return False, None
            self._items.move_to_end(key)
            return True, hit[0]

    def put(self, key: tuple, value: Any, max_entries: int) -> None:
        size = footprint(value)
        with self._lock:
            if key in self._items:
                return
            name = key[0]
            self._items[key] = (value, size)
            self._bytes += size
            self._per_function[name] = self._per_function.get(name, 0) + 1
            if self._per_function[name] > max_entries:
                self._evict(next(k for k in self._items if k[0] == name))
            while self._bytes > self.max_bytes and len(self._items) > 1:
                self._evict(next(iter(self._items)))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._per_function.clear()
            self._bytes = 0

    def _evict(self, key: tuple) -> None:
        _, size = self._items.pop(key)
        self._bytes -= size
        self._per_function[key[0]] -= 1


SHARED = Store(SHARED_BYTES)


def session_store() -> Store:
    """This browser session's store (created on first use; gone with the session)."""
    store = st.session_state.get(_SESSION_KEY)
    if store is None:
        store = st.session_state[_SESSION_KEY] = Store(SESSION_BYTES)
    return store


def content_key(value: Any) -> Hashable:
    """What identifies an argument: a cohort by its hash, settings by their URL text, else the value."""
    if isinstance(value, Cohort):
        return ("cohort", value.sha256)
    if isinstance(value, (GradingRules, CohortFilter)):
        return (type(value).__name__, tuple(sorted(value.to_params().items())))
    if isinstance(value, ViewContext):
        return ("view", value.key())
    if isinstance(value, (list, set)):
        return tuple(content_key(v) for v in value)
    if isinstance(value, pd.Series | pd.Index):  # a list of patient ids: by content
        return ("ids", tuple(map(str, value)))
    return value


def private(value: Any) -> bool:
    """True for data that belong to one session: an upload's cohort, or a view of one."""
    if isinstance(value, Cohort):
        return value.scope == "session"
    if isinstance(value, ViewContext):
        return value.cohort.scope == "session"
    if isinstance(value, (tuple, list)):
        return any(private(v) for v in value)
    if isinstance(value, dict):
        return any(private(v) for v in value.values())
    return False


def memo(func: F | None = None, *, max_entries: int = 32) -> F:
    """Cache ``func`` by the content of its arguments in ``SHARED`` or, for a session's data, its own store.

    Arguments whose names start with ``_`` are not part of the key (they are what another argument
    stands for, e.g. a file's bytes and its hash).
    """
    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(f)
        name = f"{f.__module__}.{f.__qualname__}"

        @functools.wraps(f)
        def cached(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            values = bound.arguments
            key = (name, *(content_key(v) for k, v in values.items() if not k.startswith("_")))
            store = session_store() if any(private(v) for v in values.values()) else SHARED
            found, value = store.get(key)
            if found:
                return value
            value = f(*args, **kwargs)
            store.put(key, value, max_entries)
            return value

        return cached

    return decorate(func) if func is not None else decorate  # type: ignore[return-value]
