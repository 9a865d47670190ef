"""The Comparisons page view: its tables are ``analyses.comparisons.compare_view``'s, and the page draws them.

Reference numbers come from ``compare_view`` (the core the reproduction report shares) and from
``scipy.stats.ttest_ind`` called here; printed values from data/published.csv (Table 6).
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from tests.pages.conftest import REPO, TIMEOUT
from tests.views.checks import assert_page_draws, assert_page_is_complete, context
from thaldash.analyses.comparisons import compare_view
from thaldash.analyses.patients import patient_table
from thaldash.data.filters import CohortFilter
from thaldash.data.loading import DATA_ENV, bundled_cohort_path, load_cohort
from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import SCENARIOS
from thaldash.stats import STUDENT_T
from thaldash.views.comparisons import comparisons_view

PAGE = REPO / "pages" / "4_Comparisons.py"


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(bundled_cohort_path()).cohort


def test_the_tables_are_the_cores(cohort):
    view = comparisons_view(context(cohort), measure="hb_g_l", subset="TDT")
    core = compare_view(cohort, patient_table(cohort, GradingRules()), measure="hb_g_l", subset="TDT",
                        published=True).table
    frame = view.comparison.frame
    columns = ["month", "group", "n", "mean", "sd", "diff", "se", "median", "q1", "q3", "published_mean"]
    pd.testing.assert_frame_equal(frame[columns[:-1]], core[columns[:-1]])
    assert frame["published_mean"].str.removesuffix(" †").tolist() == core["published_mean"].tolist()
    assert "published_mean" in view.comparison.columns  # Table 6 stands beside the bundled, unfiltered cohort
    assert view.more.frame is frame and view.paper_warning == ""
    assert "✓ Every one is reproduced" in view.comparison.caption


def test_p_and_the_notes_are_scipys(cohort):
    view = comparisons_view(context(cohort), measure="hb_g_l", months=(6,))
    patients = patient_table(cohort)
    visits = cohort.visits[cohort.visits["month"] == 6].merge(patients[["patient_id", "genotype_group"]])
    a = visits.loc[visits["genotype_group"] == "SLR/NR", "hb_g_l"].dropna()
    b = visits.loc[visits["genotype_group"] == "MaR", "hb_g_l"].dropna()
    reference = stats.ttest_ind(a, b)  # Student t, pooled variance: the paper's test
    shown = view.comparison.frame.iloc[0]["p"]
    assert shown == ("< 0.001" if reference.pvalue < 0.001 else f"{reference.pvalue:.3f}")
    assert f"n = {len(a)}" in view.comparison.notes and f"n = {len(b)}" in view.comparison.notes
    assert f"difference in means A − B {a.mean() - b.mean():.3f}" in view.comparison.notes
    assert STUDENT_T in view.comparison.notes


def test_the_page_is_complete_and_filtered_views_leave_the_paper_out(cohort):
    page = assert_page_is_complete(comparisons_view(context(cohort)))
    assert [b.key for b in page.items()] == ["comparison", "comparison_more", "group_means"]
    tdt = comparisons_view(context(cohort, CohortFilter(thal_types=("TDT",))))
    assert not any(c.startswith("published") for c in tdt.comparison.columns)
    unbundled = comparisons_view(context(cohort, bundled=False))
    assert not any(c.startswith("published") for c in unbundled.comparison.columns)


@pytest.mark.parametrize("params, problem", [
    ({"grouping": "genotype_sets", "set_a": ("-28/-28",)}, "Choose the genotypes of set A and of set B."),
    ({"months": ()}, "Choose at least one month."),
    ({"grouping": "tier", "group_a": "MaR", "group_b": "MaR"}, "choose two different groups"),
])
def test_an_incomplete_choice_is_a_sentence_and_no_block(cohort, params, problem):
    view = comparisons_view(context(cohort), **params)
    assert problem in view.problem and view.page().items() == ()


def test_a_per_patient_measure_has_no_chart(cohort):
    view = comparisons_view(context(cohort), measure="hb_rise")
    assert view.chart is None and "month" not in view.comparison.columns
    with pytest.raises(ValueError, match="test"):
        comparisons_view(context(cohort), test="anova")


def test_the_page_draws_the_views_blocks(cohort, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.query_params["measure"] = "sf_ng_ml"
    at.query_params["subset"] = "TDT"
    at.run()
    assert not at.exception
    assert_page_draws(at, comparisons_view(context(cohort), measure="sf_ng_ml", subset="TDT").page().items())


@pytest.mark.parametrize("bundled, flt, rules, expected", [
    (True, CohortFilter(), GradingRules(), True), (False, CohortFilter(), GradingRules(), False),
    (True, CohortFilter(thal_types=("TDT",)), GradingRules(), False),
    (True, CohortFilter(), SCENARIOS["Paper, as printed"], False),
])
def test_the_paper_stands_beside_the_bundled_unfiltered_cohort_under_its_rules(cohort, bundled, flt, rules, expected):
    view = comparisons_view(context(cohort, flt, bundled=bundled, rules=rules), measure="hbf_pct")
    assert ("published_mean" in view.comparison.columns) is expected


def _values(cohort, grouping: str, measure: str, month: int, groups: tuple[str, str]):
    """The two groups' values at ``month``, joined here with plain pandas from the patient table."""
    patients = patient_table(cohort, GradingRules())
    visits = cohort.visits[cohort.visits["month"] == month].merge(patients[["patient_id", grouping]])
    return [visits.loc[visits[grouping].astype(str) == g, measure].dropna() for g in groups]


def _holm(p: list[float]) -> list[float]:
    """Holm's step-down adjustment written from its definition (Holm 1979), for reference."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    adjusted, running = [0.0] * len(p), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        adjusted[i] = running
    return adjusted


def test_the_default_test_is_welch_outside_a_printed_table(cohort):
    view = comparisons_view(context(cohort), measure="hb_g_l", grouping="thal_type", months=(6,))
    a, b = _values(cohort, "thal_type", "hb_g_l", 6, ("TDT", "NTDT"))
    welch = stats.ttest_ind(a, b, equal_var=False)  # Welch t: unequal variances
    assert view.comparison.frame.iloc[0]["p"] == ("< 0.001" if welch.pvalue < 0.001 else f"{welch.pvalue:.3f}")
    assert "P (Welch t)" in [c.label for c in view.comparison.columns.values()]
    assert "Welch t" in view.comparison.caption


def test_the_default_test_is_the_papers_student_t_where_a_printed_table_is_reproduced(cohort):
    view = comparisons_view(context(cohort), measure="hb_g_l", months=(6,))  # Table 4: SLR/NR vs MaR
    assert "P (Student t)" in [c.label for c in view.comparison.columns.values()]
    assert "the paper's test for this table" in view.comparison.caption
    filtered = comparisons_view(context(cohort, CohortFilter(thal_types=("TDT",))), measure="hb_g_l", months=(6,))
    assert "P (Welch t)" in [c.label for c in filtered.comparison.columns.values()]  # no printed table beside it


def test_holm_adjusts_across_the_tests_on_the_page_and_says_how_many(cohort):
    months = (0, 6, 12, 24)
    view = comparisons_view(context(cohort), measure="hbf_pct", grouping="thal_type", months=months)
    raw = [stats.ttest_ind(*_values(cohort, "thal_type", "hbf_pct", m, ("TDT", "NTDT")), equal_var=False).pvalue
           for m in months]
    frame = view.comparison.frame
    first = frame[frame["test"] != ""]
    assert first["p_adjusted"].tolist() == pytest.approx(_holm(raw))
    assert "P Holm (4 tests on this page)" in [c.label for c in view.comparison.columns.values()]
    assert "across the 4 tests on this page" in view.comparison.caption


def test_p_after_baseline_between_outcome_defined_groups_is_marked_descriptive(cohort):
    view = comparisons_view(context(cohort), measure="hb_g_l", months=(0, 6))
    first = view.comparison.frame[view.comparison.frame["test"] != ""]
    assert first["p_reading"].tolist() == ["baseline", "descriptive"]
    assert "defined by the outcome" in view.caveat and view.comparison.caption.startswith(view.caveat)
    plain = comparisons_view(context(cohort), measure="hb_g_l", grouping="thal_type", months=(0, 6))
    assert plain.caveat == "" and "p_reading" not in plain.comparison.columns


def test_a_student_t_over_very_different_sds_warns(cohort):
    view = comparisons_view(context(cohort), measure="hbf_pct", grouping="thal_type", months=(24,), test="student")
    a, b = _values(cohort, "thal_type", "hbf_pct", 24, ("TDT", "NTDT"))
    ratio = max(a.std(), b.std()) / min(a.std(), b.std())
    assert ratio > 2  # sample SDs (ddof 1), pandas
    assert f"{ratio:.1f}-fold" in view.comparison.frame.iloc[0]["sd_warning"]
    assert "sd_warning" in view.comparison.columns


def test_the_reconstruction_marks_assumed_comparisons_and_their_exports_say_why(cohort):
    view = comparisons_view(context(cohort), measure="hb_g_l", months=(6, 18))
    first = view.comparison.frame[view.comparison.frame["test"] != ""]
    # Table 4 prints the 6-month comparison; no month-18 value is published.
    assert first["basis"].tolist() == ["published", "⚠ assumed"]
    assert any("18-month visit is not published" in n for n in view.comparison.footer_notes)
    assert view.chart.footer_notes == view.comparison.footer_notes
    other = comparisons_view(context(cohort, bundled=False), measure="hb_g_l", months=(6, 18))
    assert "basis" not in other.comparison.columns and other.comparison.footer_notes == ()


@pytest.mark.parametrize("test, label", [("mann_whitney", "Median diff. A − B"), ("welch", "Mean diff. A − B")])
def test_the_difference_is_named_by_the_tests_estimate(cohort, test, label):
    view = comparisons_view(context(cohort), measure="sf_ng_ml", months=(12,), test=test)
    assert view.comparison.columns["diff"].label == label


@pytest.fixture(scope="module")
def off_schedule():
    """300 patients seen at random months (some visits left out by the schedule rule), some withdrawn."""
    import hashlib

    from tests.cohorts import awkward_cohort
    from thaldash.data.cohort_build import build_cohort
    from thaldash.data.validation import validate

    result = validate(awkward_cohort("off_schedule_months", 300))
    assert result.ok, result.problems
    digest = hashlib.sha256(result.frame.to_csv(index=False).encode()).hexdigest()
    return build_cohort(result.frame, "off schedule", digest)


@pytest.mark.parametrize("flt", [CohortFilter(), CohortFilter(thal_types=("TDT",)), CohortFilter(include_withdrawn=True)],
                         ids=repr)
def test_the_filtered_visits_on_the_schedule_compare_as_the_whole_cohorts(off_schedule, flt):
    from thaldash.data.schedule import scheduled

    ctx = context(off_schedule, flt, bundled=False)
    assert off_schedule.n_off_schedule > 0 and off_schedule.n_analysed < len(off_schedule.patients)
    view = comparisons_view(ctx, measure="hb_g_l", grouping="thal_type", group_a="TDT", group_b="NTDT")
    # The reference: the whole cohort's visits read on the schedule (what the page compared before), restricted to
    # the filtered patients by compare_view itself.
    ids = None if flt.is_default else ctx.filtered.patients["patient_id"]
    core = compare_view(scheduled(off_schedule), patient_table(off_schedule, GradingRules()), measure="hb_g_l",
                        grouping="thal_type", groups=("TDT", "NTDT"), patient_ids=ids).table
    columns = ["month", "group", "n", "mean", "sd", "diff", "se", "median", "q1", "q3"]
    pd.testing.assert_frame_equal(view.comparison.frame[columns].reset_index(drop=True),
                                  core[columns].reset_index(drop=True))
