"""The Overview page's view (``thaldash.views.overview``): its blocks are the analyses' outputs.

Reference counts are the paper's (Yang et al. 2024, Results "General conditions" and Table 1).
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.views.checks import assert_page_is_complete, context
from thaldash.analyses.overview import demographics, study_flow, table_1
from thaldash.data.filters import CohortFilter
from thaldash.grading.grade import grade
from thaldash.views.overview import overview_view


def test_the_study_flow_is_52_4_48(bundled):
    view = overview_view(context(bundled))
    # Results: 52 enrolled, four TDT patients withdrew, 48 analysed.
    assert {s.label: s.value for s in view.flow} == {"Enrolled": "52", "Withdrew": "4", "Analysed": "48"}
    reasons = study_flow(bundled)
    reasons = reasons[reasons["level"] == "reason"][["reason", "n", "month_min", "month_max"]]
    pd.testing.assert_frame_equal(view.withdrawals.frame, reasons.reset_index(drop=True))


@pytest.mark.parametrize("population, total", [("enrolled", 52), ("analysed", 48)])
def test_demographics_are_the_analysis_with_labels(bundled, population, total):
    view = overview_view(context(bundled), population=population)
    expected = demographics(bundled, population)
    shown = view.demographics.frame
    pd.testing.assert_frame_equal(shown.drop(columns="characteristic"), expected.drop(columns="characteristic"))
    assert set(shown["total"]) == {total}
    if population == "enrolled":
        sex = shown[shown["characteristic"] == "Sex"].set_index("category")["n"]
        assert (sex["M"], sex["F"]) == (30, 22)  # Results: 30 male, 22 female of the 52 enrolled
    assert f"(n = {total})" in view.demographics.caption


def test_table_1_groups_genotypes_on_the_whole_cohort(bundled):
    tdt = CohortFilter(thal_types=("TDT",))
    view = overview_view(context(bundled, tdt))
    pd.testing.assert_frame_equal(view.table_1.frame, table_1(tdt.apply(bundled), grade(bundled)))
    # Results: 38 TDT enrolled, the 4 who withdrew all TDT, 34 analysed.
    assert {s.label: s.value for s in view.flow} == {"Enrolled": "38", "Withdrew": "4", "Analysed": "34"}
    assert "(n = 34)" in view.table_1.caption


def test_table_1_totals_are_the_papers(bundled):
    view = overview_view(context(bundled))
    # Table 1, "Amount to 14 34 16 5 48"
    assert "Analysed: 48 (14 NTDT, 34 TDT); TDT free from month 1: 16, from month 3: 5" in view.table_1.notes


def test_no_withdrawal_means_no_withdrawal_table(bundled):
    view = overview_view(context(bundled, CohortFilter(thal_types=("NTDT",))))
    assert view.withdrawals is None
    assert_page_is_complete(view)


def test_every_block_is_on_the_page(bundled):
    page = assert_page_is_complete(overview_view(context(bundled)))
    assert [b.key for b in page.items()] == ["withdrawals", "demographics", "table_1"]


def test_an_unknown_population_is_refused(bundled):
    with pytest.raises(ValueError, match="population"):
        overview_view(context(bundled), population="everyone")
