"""Checks shared by the page-view tests of Comparisons, Change and correlation, and What-if.

(The same ideas as the other pages' view tests; one of the two helper modules should absorb the other.)
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from thaldash.data.cohort import Cohort
from thaldash.data.filters import CohortFilter
from thaldash.views.blocks import Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext


def context(cohort: Cohort, flt: CohortFilter | None = None, *, bundled: bool = True, **kwargs: Any) -> ViewContext:
    """A ``ViewContext`` of ``cohort`` under ``flt`` (default: no filter), without the app's caches."""
    flt = CohortFilter() if flt is None else flt
    return ViewContext(cohort=cohort, filtered=flt.apply(cohort), filter=flt, bundled=bundled, **kwargs)


def blocks_of(view: Any) -> list[Figure | Table | Stat]:
    """Every block a view dataclass holds, in field order (nested views and tuples of blocks flattened)."""
    found: list[Figure | Table | Stat] = []
    for f in dataclasses.fields(view):
        value = getattr(view, f.name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, (Figure, Table, Stat)):
                found.append(item)
            elif dataclasses.is_dataclass(item) and not isinstance(item, type):
                found += blocks_of(item)
    return found


def assert_page_is_complete(view: Any) -> PageView:
    """Every block of ``view`` is in ``view.page()`` once and nothing else is; figure and table keys are
    unique and each has a title and a caption."""
    page = view.page()
    held = {id(b) for b in blocks_of(view)}
    assert [id(b) for b in page.blocks] == [id(b) for b in page.blocks if id(b) in held], "page() has foreign blocks"
    assert held == {id(b) for b in page.blocks}, "a block of the view is missing from page()"
    keys = [b.key for b in page.items()]
    assert len(keys) == len(set(keys)), keys
    for block in page.items():
        assert block.title and block.caption, f"{block.key}: a title and a caption are needed"
    return page


def shown_frame(table: Table) -> pd.DataFrame:
    """What the page's ``st.dataframe`` holds for ``table``."""
    if table.patient_column is not None:  # a clickable list keeps every column (hidden ones too)
        return table.frame.head(1000)
    return table.frame[list(table.columns)]


def assert_page_draws(at: AppTest, items: tuple[Figure | Table, ...]) -> None:
    """Every table and chart of the page's main area is one of ``items``: tables in order with the
    same values, charts by their title."""
    tables = [i for i in items if isinstance(i, Table)]
    shown = [d.value for d in at.main.dataframe]
    assert len(shown) == len(tables), (len(shown), [t.key for t in tables])
    for frame, table in zip(shown, tables):
        expected = shown_frame(table)
        assert list(frame.columns) == list(expected.columns), table.key
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), expected.reset_index(drop=True),
                                      check_dtype=False, check_categorical=False, obj=table.key)
    titles = [json.dumps(f.chart.to_dict(validate=False).get("title"), sort_keys=True)
              for f in items if isinstance(f, Figure)]
    drawn = [json.dumps(json.loads(c.proto.spec).get("title"), sort_keys=True) for c in at.get("vega_lite_chart")]
    assert sorted(drawn) == sorted(titles)
