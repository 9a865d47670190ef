"""The Change and correlation page view: Table 9 is ``paired_view``'s, Fig. 3 is ``correlation_view``'s,
and the page draws exactly the view's blocks.

Reference numbers: ``scipy.stats.ttest_rel`` and ``scipy.stats.pearsonr`` called here on the visits and
patient values the paper's analyses select; Fig. 3's printed P from data/published.csv.
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import REPO, TIMEOUT
from tests.views.checks import assert_page_draws, assert_page_is_complete, context
from thaldash.analyses.change import correlation_view, paired_view
from thaldash.analyses.patients import patient_table
from thaldash.data.filters import CohortFilter
from thaldash.data.loading import DATA_ENV, bundled_cohort_path, load_cohort
from thaldash.grading.rules import GradingRules
from thaldash.views.change import change_view, correlation_section, paired_section

PAGE = REPO / "pages" / "5_Change_and_correlation.py"


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(bundled_cohort_path()).cohort


def test_table_9_is_the_cores_and_scipys(cohort):
    section = paired_section(context(cohort), measure="sf_ng_ml", pairs=("0-12", "12-24"), correction="holm")
    core, _ = paired_view(cohort, measure="sf_ng_ml", pairs=[(0, 12), (12, 24)], correction="holm", published=True)
    columns = ["time_i", "time_j", "n", "n_dropped", "diff", "se", "mean_i", "mean_j", "median_diff"]
    pd.testing.assert_frame_equal(section.table.frame[columns], core[columns])
    assert "p_adjusted" in section.table.columns and "published_diff" in section.table.columns
    wide = cohort.analysed.pivot_table(index="patient_id", columns="month", values="sf_ng_ml", observed=True)
    both = wide[[0, 12]].dropna()
    reference = stats.ttest_rel(both[0], both[12])  # the paired t of Table 9, 0 M vs 12 M
    p = reference.pvalue
    assert section.table.frame.loc[0, "p"] == ("< 0.001" if p < 0.001 else f"{p:.3f}")
    assert f"0 M − 12 M: n = {len(both)}" in section.table.notes
    assert f"mean difference {(both[0] - both[12]).mean():.3f}" in section.table.notes
    assert "Holm-adjusted" in section.table.caption
    assert section.more.frame is section.table.frame


def test_fig_3_is_the_cores_and_scipys(cohort):
    section = correlation_section(context(cohort))
    rules = GradingRules()  # the paper's: Fig. 3 stands beside them
    _, fit = correlation_view(cohort, patient_table(cohort, rules), window_months=rules.window_months, published=True)
    pd.testing.assert_series_equal(section.table.frame["r"], fit["r"])
    assert section.table.frame.loc[0, "published_p"] == "0.009"  # Fig. 3 (Discussion): P = 0.009
    patients = patient_table(cohort)
    both = patients[["hbf_baseline", "hb_rise"]].dropna()
    r, p = stats.pearsonr(both["hbf_baseline"], both["hb_rise"])
    assert f"Pearson: r = {r:.3f}" in section.table.notes and f"n = {len(both)}" in section.table.notes
    assert section.table.frame.loc[0, "p"] == f"{p:.3f}"
    assert "window (months 0–6)" in section.chart.caption


def test_the_page_is_complete_and_the_paper_only_beside_its_own_view(cohort):
    view = change_view(context(cohort))
    page = assert_page_is_complete(view)
    assert [b.key for b in page.items()] == ["paired_change", "paired_change_more", "paired_change_chart",
                                             "correlation", "correlation_chart"]
    tdt = change_view(context(cohort, CohortFilter(thal_types=("TDT",))))
    assert "published_diff" not in tdt.paired.table.columns and "published_p" not in tdt.correlation.table.columns


@pytest.mark.parametrize("params, problem, items", [
    ({"pairs": ()}, "Choose at least one pair of visits.", ["correlation", "correlation_chart"]),
    ({"x": "hb_rise", "y": "hb_rise"}, "Choose two different variables.",
     ["paired_change", "paired_change_more", "paired_change_chart"])])
def test_an_incomplete_choice_is_a_sentence_and_the_other_section_stands(cohort, params, problem, items):
    view = change_view(context(cohort), **params)
    assert problem in (view.paired.problem, view.correlation.problem)
    assert [b.key for b in view.page().items()] == items


def test_the_page_draws_the_views_blocks(cohort, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.query_params["pairs"] = "0-6,6-24"
    at.query_params["x"] = "age_years"
    at.run()
    assert not at.exception
    assert_page_draws(at, change_view(context(cohort), pairs=("0-6", "6-24"), x="age_years").page().items())


def _wide(cohort, measure: str) -> pd.DataFrame:
    """Analysed patients × months of ``measure``, with plain pandas."""
    visits = cohort.visits.merge(cohort.patients.loc[~cohort.patients["withdrawn"], ["patient_id"]])
    return visits.pivot_table(index="patient_id", columns="month", values=measure, observed=True)


def test_holm_is_the_default_correction(cohort):
    section = paired_section(context(cohort))
    assert "p_adjusted" in section.table.columns and "Holm-adjusted" in section.table.caption
    assert "across the 3 tests on this page" in section.table.caption
    assert change_view(context(cohort)).paired.table.columns.keys() == section.table.columns.keys()


def test_the_wilcoxon_row_shows_its_estimate_the_median_of_the_paired_differences(cohort):
    section = paired_section(context(cohort), pairs=("0-12", "12-24"))
    wide = _wide(cohort, "sf_ng_ml")
    medians = [float((wide[i] - wide[j]).dropna().median()) for i, j in ((0, 12), (12, 24))]
    assert section.more.frame["wilcoxon_estimate"].tolist() == pytest.approx(medians)
    assert section.more.columns["wilcoxon_estimate"].label == "Median of the paired differences (I − J)"


def test_the_reconstruction_labels_paired_and_correlation_rows(cohort):
    paired = paired_section(context(cohort))
    # Table 9 prints the 0–12 and 0–24 tests; 12–24 follows from them (constrained); no rank test is printed.
    assert paired.table.frame["basis"].tolist() == ["published", "published", "constrained"]
    assert set(paired.more.frame["basis_wilcoxon"]) == {"⚠ assumed"}
    assert paired.table.footer_notes == () and len(paired.more.footer_notes) == 1
    correlation = correlation_section(context(cohort))
    assert correlation.table.frame["basis"].tolist() == ["published", "⚠ assumed"]  # Fig. 3 prints Pearson's P
    assert any("Pearson P only" in n for n in correlation.table.footer_notes)
    assert correlation.chart.footer_notes == correlation.table.footer_notes
    other = paired_section(context(cohort, bundled=False))
    assert "basis" not in other.table.columns and other.more.footer_notes == ()
