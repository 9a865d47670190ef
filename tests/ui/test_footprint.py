"""A cached result's size: every buffer it reaches, each memory region once (what the store's bound counts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thaldash.data.filters import CohortFilter
from thaldash.ui.footprint import footprint


def _frame(n: int = 10_000) -> pd.DataFrame:
    ids = [f"P{i:05d}" for i in range(n)]
    return pd.DataFrame({"hb": np.arange(n, dtype=float), "units": np.arange(n, dtype=np.int32),
                         "patient_id": pd.array(ids, dtype="str"),
                         "type": pd.Categorical(np.where(np.arange(n) % 2, "TDT", "NTDT")),
                         "label": pd.Series([f"patient {i}" for i in range(n)], dtype=object)})


def test_a_frame_counts_its_text_and_categories_in_full():
    frame = _frame()
    # pandas' own deep memory_usage is the reference; the shallow one counts object columns as pointers
    deep = int(frame.memory_usage(index=False, deep=True).sum())
    assert footprint(frame) == pytest.approx(deep, rel=0.001)
    assert footprint(frame) > 2 * int(frame.memory_usage(index=False, deep=False).sum())


def test_memory_shared_by_several_objects_counts_once():
    frame = _frame()
    alone = footprint(frame)
    # a slice and a second reference add their containers' few bytes, not the data again
    assert footprint((frame, frame, frame.iloc[:100], {"again": frame})) < alone + 1_000
    # a copy is memory of its own (but for the text objects of its object column, which pandas shares)
    assert footprint((frame, frame.copy(deep=True))) > 1.5 * alone


def test_a_slice_counts_what_it_keeps_alive():
    frame = _frame()
    # a positional slice is a view: the whole base stays in memory as long as it does
    assert footprint(frame.iloc[:10]) == pytest.approx(footprint(frame), rel=0.001)
    assert footprint(frame.iloc[[1, 2]]) < 1_000


def test_a_cohort_counts_what_it_does_not_share_with_its_parent(bundled):
    analysed = CohortFilter().apply(bundled)  # the analysed patients come first: a slice
    tdt = CohortFilter(thal_types=("TDT",)).apply(bundled)  # a selection: a copy of its rows
    assert footprint(analysed) < 2_000
    # its rows are copied; the categories of its text columns are the whole cohort's
    copied = sum(col.cat.codes.nbytes if isinstance(col.dtype, pd.CategoricalDtype)
                 else col.memory_usage(index=False, deep=True)
                 for frame in (tdt.visits, tdt.patients) for _, col in frame.items())
    copied += tdt.visits.index.memory_usage() + tdt.patients.index.memory_usage()
    assert footprint(tdt) == pytest.approx(copied, rel=0.1)


def test_a_cohort_inside_a_result_is_not_counted_again(bundled):
    table = pd.DataFrame({"n": [1, 2, 3]})
    assert footprint({"cohort": bundled, "table": table}) < footprint(table) + 1_000
    assert footprint(bundled) > 50 * footprint(table)
