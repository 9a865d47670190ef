"""Checks shared by the page-view tests (importable as ``tests.views_support``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from thaldash.data.cohort import Cohort
from thaldash.data.filters import CohortFilter
from thaldash.views.blocks import Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext


def context(cohort: Cohort, flt: CohortFilter = CohortFilter(), *, bundled: bool = True, **kwargs: Any) -> ViewContext:
    """A ``ViewContext`` of ``cohort`` under ``flt``, without the app's caches."""
    return ViewContext(cohort=cohort, filtered=flt.apply(cohort), filter=flt, bundled=bundled, **kwargs)


def blocks_of(view: Any) -> list[Figure | Table | Stat]:
    """Every block a view dataclass holds, in field order (tuples of blocks flattened)."""
    found = []
    for f in dataclasses.fields(view):
        value = getattr(view, f.name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, (Figure, Table, Stat)):
                found.append(item)
    return found


def assert_page_is_complete(view: Any) -> PageView:
    """Every figure, table and headline of ``view`` is in ``view.page()``, each once, keys unique."""
    page = view.page()
    held = blocks_of(view)
    assert [id(b) for b in page.blocks if b in held] == [id(b) for b in page.blocks], "page() has foreign blocks"
    assert {id(b) for b in held} == {id(b) for b in page.blocks}, "a block of the view is missing from page()"
    keys = [b.key for b in page.items()]
    assert len(keys) == len(set(keys)), keys
    for block in page.items():
        assert block.title and block.caption, f"{block.key}: a title and a caption (n, method) are needed"
    return page
