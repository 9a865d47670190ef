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

The least recently used entries go first. A result's size is every buffer it reaches, each memory region
once (``footprint.footprint``: text and categories included); a cohort inside a result is not counted
there, being an entry of its own, a filtered cohort counts what it does not share with the whole
one, and no result counts what a pinned entry holds (a slice of the whole cohort's grading is free). The loaded files themselves (``pinned`` entries: two shared, four uploads per session) are bounded
by count, outside the byte bound: every page needs the current one, and evicting it would only load it
again while results computed from it still hold the first copy. Callers must not mutate what they get.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from thaldash.data.cohort import Cohort
from thaldash.data.filters import CohortFilter
from thaldash.grading.rules import GradingRules
from thaldash.ui.footprint import Regions, footprint
from thaldash.views.context import ViewContext

F = TypeVar("F", bound=Callable[..., Any])
MIB = 1 << 20
SHARED_BYTES = int(float(os.environ.get("THALDASH_CACHE_MB", "512")) * MIB)
SESSION_BYTES = int(float(os.environ.get("THALDASH_SESSION_CACHE_MB", "256")) * MIB)
_SESSION_KEY = "thaldash.session_cache"


class Store:
    """An LRU of computed results, bounded by total bytes and by entries per cached function."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._per_function: dict[str, int] = {}
        self._pinned: set[tuple] = set()
        self._pinned_regions: Regions | None = None  # what the pinned entries hold, walked once per change
        self._bytes = 0
        self._pinned_bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """Bytes of the entries the bound applies to (pinned ones apart)."""
        return self._bytes

    @property
    def pinned_nbytes(self) -> int:
        """Bytes of the pinned entries (the loaded files), outside the bound."""
        return self._pinned_bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple) -> tuple[bool, Any]:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return False, None
            self._items.move_to_end(key)
            return True, hit[0]

    def put(self, key: tuple, value: Any, max_entries: int, *, pinned: bool = False) -> None:
        """Keep ``value``; a ``pinned`` one is bounded by ``max_entries`` only, never evicted for bytes.

        An unpinned value is sized without what the pinned entries hold (a default filter's grading is a slice
        of the pinned whole grading; a patient table shares its columns): counted there, it took a third of
        the bound at a million patients for memory that costs nothing more.
        """
        size = footprint(value, cohorts=True) if pinned else footprint(value, exclude=self._held_anyway())
        with self._lock:
            if key in self._items:
                return
            name = key[0]
            self._items[key] = (value, size)
            if pinned:
                self._pinned.add(key)
                self._pinned_bytes += size
                self._pinned_regions = None
            else:
                self._bytes += size
            self._per_function[name] = self._per_function.get(name, 0) + 1
            if self._per_function[name] > max_entries:
                self._evict(next(k for k in self._items if k[0] == name))
            while self._bytes > self.max_bytes:
                unpinned = [k for k in self._items if k not in self._pinned]
                if len(unpinned) <= 1:
                    break
                self._evict(unpinned[0])

    def _held_anyway(self) -> Regions:
        """The memory regions of the pinned entries (an entry evicted since still counts until the next put)."""
        with self._lock:
            regions, values = self._pinned_regions, [self._items[k][0] for k in self._pinned]
        if regions is None:
            regions = Regions()
            for value in values:
                regions.add(value)
            with self._lock:
                self._pinned_regions = regions
        return regions

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._per_function.clear()
            self._pinned.clear()
            self._pinned_regions = None
            self._bytes = self._pinned_bytes = 0

    def _evict(self, key: tuple) -> None:
        _, size = self._items.pop(key)
        if key in self._pinned:
            self._pinned.discard(key)
            self._pinned_bytes -= size
            self._pinned_regions = None
        else:
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


def memo(func: F | None = None, *, max_entries: int = 32, pinned: bool = False) -> F:
    """Cache ``func`` by the content of its arguments in ``SHARED`` or, for a session's data, its own store.

    Arguments whose names start with ``_`` are not part of the key (they are what another argument
    stands for, e.g. a file's bytes and its hash). ``pinned``: kept by entries only (``Store.put``).
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
            store.put(key, value, max_entries, pinned=pinned)
            return value

        return cached

    return decorate(func) if func is not None else decorate  # type: ignore[return-value]
