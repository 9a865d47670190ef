"""How many bytes a cached result holds: every buffer it reaches, each memory region counted once.

``memo.Store`` bounds its entries by these sizes, and ``bench/memory.py`` attributes the server's memory
with them. Sizes are of memory, not of objects: numpy data, Arrow buffers (text columns, categories)
and the Python objects of object arrays and containers, each region once however many frames, slices
or views share it. A cohort inside a result (a page view's context, a filtered cohort's parent) is its
own cache entry, so it is not counted again there (``cohorts=False``).
"""

from __future__ import annotations

import dataclasses
import sys
import types
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas._libs.lib import (
    memory_usage_of_objects,  # what DataFrame.memory_usage(deep=True) sums for text
)

from thaldash.data.cohort import Cohort

_SKIP = (types.ModuleType, type, types.FunctionType, types.MethodType, types.BuiltinFunctionType,
         types.CodeType, types.FrameType, dataclasses.Field)
_EXTENSION_PARTS = ("_pa_array", "_codes", "_ndarray", "_data", "_mask", "_left", "_right")


class Regions:
    """Memory regions (start, end) and Python objects reached from values."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []
        self.objects: dict[int, int] = {}  # id (or an object array's data address) -> bytes

    def add(self, value: Any, *, cohorts: bool = True) -> Regions:
        """Add what ``value`` reaches; with ``cohorts=False`` a ``Cohort`` inside it adds nothing."""
        seen: dict[int, Any] = {}  # holds what it saw: a temporary's id is not reused during the walk
        stack = [value]
        while stack:
            item = stack.pop()
            if item is None or id(item) in seen or isinstance(item, _SKIP):
                continue
            seen[id(item)] = item
            if isinstance(item, Cohort) and not cohorts:
                continue
            stack.extend(self._parts(item))
        return self

    def _parts(self, value: Any) -> list[Any]:
        if isinstance(value, np.ndarray):
            while isinstance(value.base, np.ndarray):  # a view keeps its whole base alive
                value = value.base
            start = value.__array_interface__["data"][0]
            self.spans.append((start, start + value.nbytes))
            if value.dtype == object and start not in self.objects:
                self.objects[start] = int(memory_usage_of_objects(value.ravel()))
            return []
        if isinstance(value, pa.ChunkedArray):
            return list(value.chunks)
        if isinstance(value, pa.Array):
            self.spans += [(b.address, b.address + b.size) for b in value.buffers() if b is not None and b.size]
            return [value.dictionary] if isinstance(value, pa.DictionaryArray) else []
        if isinstance(value, pd.DataFrame):
            return [*value._mgr.arrays, value.index]
        if isinstance(value, pd.RangeIndex):
            return []  # reading its values would make them
        if isinstance(value, pd.Series):
            return [value.array, value.index]
        if isinstance(value, pd.MultiIndex):
            return [*value.levels, *value.codes]
        if isinstance(value, pd.Index):
            return [value._data]
        if isinstance(value, pd.api.extensions.ExtensionArray):
            parts = [getattr(value, name, None) for name in _EXTENSION_PARTS]
            return parts + ([value.categories] if isinstance(value, pd.Categorical) else [])
        if isinstance(value, (str, bytes, bytearray, int, float, complex, bool)):
            self.objects[id(value)] = sys.getsizeof(value)
            return []
        if isinstance(value, dict):
            self.objects[id(value)] = sys.getsizeof(value)
            return [*value.keys(), *value.values()]
        if isinstance(value, (list, tuple, set, frozenset)):
            self.objects[id(value)] = sys.getsizeof(value)
            return list(value)
        self.objects[id(value)] = sys.getsizeof(value)
        # dataclasses, Altair charts (their ``_kwds``), cached properties: whatever their __dict__ holds
        return list(getattr(value, "__dict__", {}).values())

    def nbytes(self, exclude: Regions | None = None) -> int:
        """Bytes of the union of the regions and objects, less those ``exclude`` also holds."""
        spans = _union(self.spans)
        if exclude is not None:
            spans = _subtract(spans, _union(exclude.spans))
        objects = sum(size for key, size in self.objects.items() if exclude is None or key not in exclude.objects)
        return sum(end - start for start, end in spans) + objects

    def merge(self, other: Regions) -> None:
        self.spans += other.spans
        self.objects.update(other.objects)


def footprint(value: Any, *, cohorts: bool = False, exclude: Regions | None = None) -> int:
    """Bytes ``value`` holds that its cache entry accounts for (never 0).

    Every frame, array, text and container it reaches, each memory region once. A cohort inside it
    counts nothing (the loaded and filtered cohorts are entries of their own) unless ``cohorts`` (a
    loaded file's result); a cohort as the value itself (a filtered or rescheduled cohort) counts what it
    does not share with its parent, so a slice of the whole cohort costs almost nothing and a copied
    selection costs its copy. ``exclude``: regions held anyway (the store's pinned entries), not counted.
    """
    if isinstance(value, Cohort):
        own = Regions().add(value.__dict__ | {"parent": None})
        held = Regions()
        for other in (value.parent, exclude):
            if isinstance(other, Regions):
                held.merge(other)
            elif other is not None:
                held.add(other)
        return max(own.nbytes(held), 64)
    return max(Regions().add(value, cohorts=cohorts).nbytes(exclude), 64)


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(start, end) for start, end in out]


def _subtract(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, i = [], 0
    for start, end in spans:
        while i < len(holes) and holes[i][1] <= start:
            i += 1
        j, at = i, start
        while j < len(holes) and holes[j][0] < end:
            if holes[j][0] > at:
                out.append((at, holes[j][0]))
            at = max(at, holes[j][1])
            j += 1
        if at < end:
            out.append((at, end))
    return out
