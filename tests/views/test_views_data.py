"""The Data page's view (``thaldash.views.data``): the file's size and its provenance summary."""

from __future__ import annotations

import pandas as pd

from tests.views.checks import assert_page_is_complete, context
from thaldash.analyses.overview import provenance_summary
from thaldash.data.filters import CohortFilter
from thaldash.data.loading import bundled_cohort_path
from thaldash.views.blocks import Stat
from thaldash.views.data import NO_PROVENANCE, data_view


def test_the_provenance_table_is_the_summary_of_the_whole_file(bundled):
    view = data_view(context(bundled, CohortFilter(thal_types=("NTDT",))))  # the filter plays no part
    pd.testing.assert_frame_equal(view.provenance.frame, provenance_summary(bundled))
    counts = view.provenance.frame[["published", "derived", "assumed", "not_recorded"]].sum(axis=1)
    assert (counts == view.provenance.frame["total"]).all()
    rows = pd.read_parquet(bundled_cohort_path(), columns=["patient_id"])
    # Results: 52 enrolled; one row per visit in the file.
    assert view.size == f"52 patients, {len(rows)} visit rows"
    assert view.size in view.provenance.caption
    assert_page_is_complete(view)


def test_a_file_without_provenance_says_so(tiny):
    view = data_view(context(tiny, bundled=False))
    assert isinstance(view.provenance, Stat) and view.provenance.reason == NO_PROVENANCE
    assert view.page().items() == ()


def test_derived_values_are_said_to_be_one_of_many_not_solved(bundled):
    caption = data_view(context(bundled)).provenance.caption
    assert "derived: one of many values consistent with the published aggregates" in caption
    assert "solved from" not in caption
