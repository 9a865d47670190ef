"""The paper-layout tables: numbers against scipy on hand-made data, undefined cases, the published columns."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.cohorts import tiny_frame
from thaldash.analyses.patients import (
    baseline_hbf_vs_rise,
    compare_measure,
    paired_ferritin,
    patient_table,
)
from thaldash.analyses.comparisons import (default_test, compare_view, group_choices, paper_layout, published_prefix,
                                           with_published)
from thaldash.analyses.published_cells import contradiction_notes, marked_published
from thaldash.analyses.change import correlation_view, paired_view
from thaldash.grading.rules import GradingRules
from thaldash.published.numbers import prints_as, published_numbers
from thaldash.stats import (
    MANN_WHITNEY,
    STUDENT_T,
    WELCH_T,
    compare_groups,
    group_summary,
)

# Hand-made: two groups at two months; the 6-month values of group "b" are all equal.
HAND = pd.DataFrame({
    "month": [0] * 7 + [6] * 6,
    "group": ["a", "a", "a", "a", "b", "b", "b", "a", "a", "a", "b", "b", "b"],
    "value": [70.0, 74.5, 81.0, 66.0, 88.0, 90.5, 79.0, 95.0, 99.0, 101.5, 100.0, 100.0, 100.0],
})
# The tables below are graded under the paper's rules; WINDOW is the month of their Hb rise (Fig. 3's).
RULES = GradingRules()
WINDOW = RULES.window_months


def _layout(frame: pd.DataFrame, test: str, a: str = "a", b: str = "b") -> pd.DataFrame:
    result = compare_groups(frame, value="value", group="group", a=a, b=b, by="month")
    summary = group_summary(frame, value="value", group="group", by="month")
    return paper_layout(result, summary, test=test, grouping="sex")


def _values(month: int, group: str) -> np.ndarray:
    rows = HAND[(HAND["month"] == month) & (HAND["group"] == group)]
    return rows["value"].to_numpy()


@pytest.mark.parametrize("test, equal_var", [(STUDENT_T, True), (WELCH_T, False)])
def test_t_rows_match_scipy(test, equal_var):
    table = _layout(HAND, test)
    first = table.iloc[0]
    a, b = _values(0, "a"), _values(0, "b")
    ref = stats.ttest_ind(a, b, equal_var=equal_var)  # scipy.stats.ttest_ind(a, b, equal_var=...)
    assert first["p"] == pytest.approx(ref.pvalue, rel=1e-12)
    assert first["diff"] == pytest.approx(a.mean() - b.mean())
    assert first["test"] == test
    assert table.iloc[0]["n"] == 4 and table.iloc[1]["n"] == 3
    assert table.iloc[0]["sd"] == pytest.approx(np.std(a, ddof=1))
    # Student SE = pooled SD × √(1/n_a + 1/n_b), as scipy's statistic implies: diff / t
    assert first["se"] == pytest.approx((a.mean() - b.mean()) / ref.statistic)


def test_mann_whitney_row_matches_scipy():
    first = _layout(HAND, MANN_WHITNEY).iloc[0]
    ref = stats.mannwhitneyu(_values(0, "a"), _values(0, "b"), alternative="two-sided")  # scipy.stats.mannwhitneyu
    assert first["p"] == pytest.approx(ref.pvalue)
    assert first["diff"] == pytest.approx(np.median(_values(0, "a")) - np.median(_values(0, "b")))
    assert math.isnan(first["se"])


def test_layout_shape_and_quartiles():
    table = _layout(HAND, STUDENT_T)
    assert list(table["month"]) == [0, 0, 6, 6]
    assert list(table["group"]) == ["a", "b", "a", "b"]
    # The comparison sits on each month's first row only (the paper's merged cells).
    assert list(table["test"]) == [STUDENT_T, "", STUDENT_T, ""]
    assert table.loc[1, ["diff", "se", "p"]].isna().all()
    q1, q3 = np.percentile(_values(0, "a"), [25, 75])  # numpy's linear interpolation
    assert table.loc[0, ["q1", "q3"]].tolist() == pytest.approx([q1, q3])
    assert table["small_n"].all()  # every group has fewer than 5 values


def test_zero_variance_in_both_groups_is_not_computed():
    flat = HAND.assign(value=HAND["value"].where(HAND["month"] != 6, 100.0))
    row = _layout(flat, STUDENT_T).iloc[2]
    assert not row["computed"] and math.isnan(row["p"])
    assert row["reason"].startswith("not computed")


def test_one_patient_in_a_group_is_not_computed():
    one = HAND.drop(index=[4, 5])  # group b keeps one value at month 0
    row = _layout(one, STUDENT_T).iloc[0]
    assert not row["computed"] and math.isnan(row["p"]) and "not computed" in row["reason"]
    assert _layout(one, STUDENT_T).iloc[1]["n"] == 1


@pytest.fixture(scope="module")
def tiny_patients(tiny):
    return patient_table(tiny, RULES)


@pytest.fixture(scope="module")
def bundled_patients(bundled):
    return patient_table(bundled, RULES)


def _tiny_values(patients: list[str], month: int, measure: str = "hb_g_l") -> np.ndarray:
    frame = tiny_frame()
    rows = frame[frame["patient_id"].isin(patients) & (frame["month"] == month)]
    return rows[measure].to_numpy(dtype=float)


TDT = ["T-MAR1", "T-MAR3", "T-SLR", "T-NR", "T-GAP"]
NTDT = ["N-1", "N-2"]


def test_compare_view_on_a_cohort_matches_scipy(tiny, tiny_patients):
    # Student t asked for: Welch is the default outside the paper's tables (issue 11).
    view = compare_view(tiny, tiny_patients, measure="hb_g_l", grouping="thal_type", groups=("TDT", "NTDT"),
                        months=(0, 6), test=STUDENT_T)
    table = view.table.set_index(["month", "group"])
    for month in (0, 6):
        tdt, ntdt = _tiny_values(TDT, month), _tiny_values(NTDT, month)  # T-GAP has no month-6 visit
        ref = stats.ttest_ind(tdt, ntdt, equal_var=True)  # scipy.stats.ttest_ind(..., equal_var=True)
        assert table.loc[(month, "TDT"), "p"] == pytest.approx(ref.pvalue)
        assert table.loc[(month, "TDT"), "n"] == len(tdt)
        assert table.loc[(month, "NTDT"), "mean"] == pytest.approx(ntdt.mean())
    means = view.means.set_index(["thal_type", "month"])
    assert means.loc[("TDT", 6), "mean"] == pytest.approx(_tiny_values(TDT, 6).mean())
    assert (view.table["published_status"] == "").all()  # not asked for


def test_empty_group_gives_no_p(tiny, tiny_patients):
    table = compare_view(tiny, tiny_patients, measure="hb_g_l", grouping="tier", groups=("MiR", "MaR"),
                         months=(0,)).table
    assert table.loc[0, "n"] == 0 and math.isnan(table.loc[0, "p"]) and not table.loc[0, "computed"]
    assert table.loc[0, "reason"].startswith("not computed")


def test_no_patient_in_either_group_gives_an_empty_table(tiny, tiny_patients):
    view = compare_view(tiny, tiny_patients, measure="hb_g_l", patient_ids=[])
    assert view.table.empty and view.means.empty


def test_patient_measure_has_no_month(tiny, tiny_patients):
    view = compare_view(tiny, tiny_patients, measure="hb_rise", grouping="thal_type", groups=("TDT", "NTDT"))
    assert view.table["month"].isna().all() and view.means.empty
    ntdt = _tiny_values(NTDT, 6) - _tiny_values(NTDT, 0)
    assert view.table.set_index("group").loc["NTDT", "mean"] == pytest.approx(ntdt.mean())


def test_filter_applies_on_top_of_the_subset(tiny, tiny_patients):
    table = compare_view(tiny, tiny_patients, measure="hb_g_l", grouping="tier", groups=("MaR", "SLR"), months=(0,),
                         subset="TDT", patient_ids=["T-MAR1", "T-SLR", "N-1"]).table
    assert table.set_index("group")["n"].to_dict() == {"MaR": 1, "SLR": 1}


def test_overlapping_sets_are_refused(tiny, tiny_patients):
    with pytest.raises(ValueError, match="both sets"):
        compare_view(tiny, tiny_patients, measure="hb_g_l", grouping="genotype_sets", sets=(["-28/-28"], ["-28/-28"]),
                     groups=("set A", "set B"))


def test_missing_visit_is_dropped_and_counted(tiny):
    table, result = paired_view(tiny, measure="hb_g_l", pairs=[(0, 6)])
    complete = ["T-MAR1", "T-MAR3", "T-SLR", "T-NR", "N-1", "N-2"]  # T-GAP has no month 6
    ref = stats.ttest_rel(_tiny_values(complete, 0), _tiny_values(complete, 6))  # scipy.stats.ttest_rel
    row = table.iloc[0]
    assert (row["n"], row["n_dropped"]) == (6, 1)
    assert row["p"] == pytest.approx(ref.pvalue)
    assert row["p_wilcoxon"] == pytest.approx(
        stats.wilcoxon(_tiny_values(complete, 0) - _tiny_values(complete, 6)).pvalue)  # scipy.stats.wilcoxon
    assert set(result["test"]) == {"paired t", "Wilcoxon signed-rank"}


def test_one_patient_with_both_visits_is_not_computed(tiny):
    table, _ = paired_view(tiny.subset(["T-MAR1", "T-GAP"], "two"), measure="hb_g_l", pairs=[(0, 6)])
    row = table.iloc[0]
    assert row["n"] == 1 and math.isnan(row["p"]) and row["reason"].startswith("not computed")


def test_correlation_matches_scipy(tiny, tiny_patients):
    points, fit = correlation_view(tiny, tiny_patients, x="hbf_baseline", y="sf_baseline", window_months=WINDOW)
    frame = tiny_frame()
    base = frame[(frame["month"] == 0) & frame["patient_id"].isin(points["patient_id"])]
    ref = stats.pearsonr(base["hbf_pct"], base["sf_ng_ml"])  # scipy.stats.pearsonr
    pearson = fit.set_index("method").loc["Pearson"]
    assert pearson["r"] == pytest.approx(ref.statistic) and pearson["n"] == len(base)
    assert (fit["published_p"] == "").all()


@pytest.mark.parametrize("x, y", [("hb_rise", "hb_rise"), ("tier", "hb_rise")])
def test_correlation_refuses_bad_variables(tiny, tiny_patients, x, y):
    with pytest.raises(ValueError):
        correlation_view(tiny, tiny_patients, x=x, y=y, window_months=WINDOW)


@pytest.mark.parametrize("value, printed, expected", [
    (0.0009, "< 0.001", True), (0.0011, "< 0.001", False), (74.725, "74.73", True),
    (74.7249, "74.73", False), (90.2, "90.2", True), (1.2e-4, "0.001", False), (math.nan, "0.011", False),
])
def test_prints_as(value, printed, expected):
    assert prints_as(value, printed) is expected


@pytest.mark.parametrize("measure, grouping, groups, subset, test, expected", [
    ("hb_g_l", "genotype_group", ("SLR/NR", "MaR"), "analysed", STUDENT_T, "cmp.analysed.hb_g_l"),
    ("sf_ng_ml", "genotype_group", ("SLR/NR", "MaR"), "TDT", STUDENT_T, "cmp.tdt.sf_ng_ml"),
    ("sf_ng_ml", "genotype_group", ("SLR/NR", "MaR"), "analysed", STUDENT_T, None),  # no such table
    ("hb_g_l", "genotype_group", ("MaR", "SLR/NR"), "analysed", STUDENT_T, None),
    ("hb_g_l", "genotype_group", ("SLR/NR", "MaR"), "analysed", WELCH_T, None),
    ("hb_g_l", "genotype_group", ("SLR/NR", "MaR"), "NTDT", STUDENT_T, None),
    ("hb_g_l", "tier", ("SLR", "MaR"), "analysed", STUDENT_T, None),
    ("hb_rise", "genotype_group", ("SLR/NR", "MaR"), "analysed", STUDENT_T, None),
])
def test_published_prefix(measure, grouping, groups, subset, test, expected):
    assert published_prefix(measure=measure, grouping=grouping, groups=groups, subset=subset, test=test) == expected


def test_published_cells_are_the_printed_table(bundled, bundled_patients):
    table = compare_view(bundled, bundled_patients, measure="hb_g_l",
                         published=True).table.set_index(["month", "group"])
    printed = published_numbers().set_index("ref")["value"]
    assert table.loc[(12, "MaR"), "published_mean"] == printed["T4.hb_g_l.m12.MaR.mean"]  # Table 4: 110.49
    assert table.loc[(6, "SLR/NR"), "published_p"] == "< 0.001"  # Table 4: "< 0.001"
    assert table.loc[(6, "MaR"), "published_p"] == ""  # P belongs to the month's first row
    # C1: Table 4's MaR mean at 0 M contradicts Table 2; the row's other printed numbers are reproduced.
    assert table.loc[(0, "MaR"), "contradiction"] == "C1"
    assert table.loc[(0, "MaR"), "contradicted"] == "mean"
    assert table.loc[(0, "MaR"), "published_status"] == "reproduced except documented contradiction"
    assert table.loc[(12, "MaR"), "published_status"] == "reproduced"
    assert contradiction_notes(table["contradiction"])["id"].tolist() == ["C1"]
    assert marked_published(table.reset_index()).set_index(["month", "group"]).loc[
        (0, "MaR"), "published_mean"] == printed["T4.hb_g_l.m0.MaR.mean"] + " †"


def test_a_number_that_differs_is_reported(bundled, bundled_patients):
    table = compare_view(bundled, bundled_patients, measure="hb_g_l").table.assign(n=99)  # not the printed 15 / 33
    marked = with_published(table, "cmp.analysed.hb_g_l")
    assert (marked["published_status"] == "differs").all()


def test_paired_published_and_contradiction(bundled):
    table, _ = paired_view(bundled, published=True)
    rows = table.set_index(["time_i", "time_j"])
    assert rows.loc[(0, 12), "published_diff"] == "1490.586"  # Table 9
    assert rows.loc[(12, 24), "contradiction"] == "C3" and rows.loc[(12, 24), "contradicted"] == "p"
    assert (table["published_status"] != "differs").all()


def test_fig3_published_p(bundled, bundled_patients):
    _, fit = correlation_view(bundled, bundled_patients, window_months=WINDOW, published=True)
    assert fit["published_p"].tolist() == ["0.009", ""]  # Fig. 3 / Discussion: P = 0.009
    assert fit["published_status"].tolist() == ["reproduced", ""]


def test_group_choices_follow_the_paper(tiny_patients):
    assert group_choices(tiny_patients, "genotype_group") == ("SLR/NR", "MaR")
    assert group_choices(tiny_patients, "tier")[:3] == ("MaR", "SLR", "NR")


@pytest.mark.parametrize("measure, grouping, groups, subset, ids", [
    ("hb_g_l", "genotype_group", ("SLR/NR", "MaR"), "analysed", None),
    ("sf_ng_ml", "tier", ("SLR", "MaR"), "TDT", None),
    ("hbf_pct", "thal_type", ("TDT", "NTDT"), "analysed", slice(0, 30)),
    ("hb_rise", "splenectomy", ("yes", "no"), "analysed", slice(10, 40)),
])
def test_statistics_are_compare_measures(bundled, bundled_patients, measure, grouping, groups, subset, ids):
    # compare_view selects the values itself (faster); the numbers must be analysis.compare_measure's,
    # the code path of the reproduction report.
    patient_ids = None if ids is None else bundled.patients["patient_id"].iloc[ids]
    view = compare_view(bundled, bundled_patients, measure=measure, grouping=grouping, groups=groups, subset=subset,
                        patient_ids=patient_ids)
    expected = compare_measure(bundled, bundled_patients, measure=measure, grouping=grouping, groups=groups,
                               subset=subset, patient_ids=patient_ids).drop(columns=["measure", "grouping", "subset"])
    pd.testing.assert_frame_equal(view.result[expected.columns], expected, check_dtype=False)


def test_paired_and_correlation_are_the_analysis_functions(bundled, bundled_patients):
    tdt = bundled.subset(bundled.patients.loc[bundled.patients["thal_type"] == "TDT", "patient_id"], "tdt")
    _, result = paired_view(tdt, pairs=[(0, 12), (6, 24)], correction="holm")
    expected = paired_ferritin(bundled, bundled_patients, pairs=[(0, 12), (6, 24)], correction="holm",
                               patient_ids=tdt.patients["patient_id"])
    pd.testing.assert_frame_equal(result, expected)
    ids = tdt.patients["patient_id"]
    points, fit = correlation_view(bundled, bundled_patients, patient_ids=ids, window_months=WINDOW)
    ref_points, ref_fit = baseline_hbf_vs_rise(bundled_patients, patient_ids=ids)
    pd.testing.assert_frame_equal(fit[ref_fit.columns], ref_fit)
    assert points["patient_id"].tolist() == ref_points["patient_id"].tolist()


# ------------------------------------------------------------------ issue 11: defaults that read right
def test_welch_is_the_default_outside_the_papers_tables(bundled, bundled_patients):
    other = compare_view(bundled, bundled_patients, measure="hb_g_l", grouping="thal_type", groups=("TDT", "NTDT"),
                         months=(0,))
    assert set(other.table.loc[other.table["test"] != "", "test"]) == {WELCH_T}
    paper = compare_view(bundled, bundled_patients, measure="hb_g_l", published=True)  # Table 4: Student t, as printed
    assert set(paper.table.loc[paper.table["test"] != "", "test"]) == {STUDENT_T}
    assert default_test(measure="hb_g_l", grouping="genotype_group", groups=("SLR/NR", "MaR"), subset="analysed",
                        published=False) == WELCH_T


def test_holm_is_applied_across_the_months_shown(bundled, bundled_patients):
    view = compare_view(bundled, bundled_patients, measure="sf_ng_ml", subset="TDT", test=STUDENT_T)
    rows = view.table[view.table["test"] != ""]
    p = rows["p"].to_numpy()
    order = np.argsort(p)
    m = len(p)
    # Holm by hand: p_(k) × (m − k + 1), running maximum, capped at 1
    holm = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    expected = np.empty(m)
    expected[order] = holm
    assert rows["p_adjusted"].to_numpy() == pytest.approx(expected)
    assert set(rows["n_tests"]) == {4} and set(rows["correction"]) == {"holm over 4 tests"}
    plain = compare_view(bundled, bundled_patients, measure="sf_ng_ml", subset="TDT", test=STUDENT_T, correction=None)
    assert "p_adjusted" not in plain.table


def test_outcome_defined_groups_make_later_p_values_descriptive(bundled, bundled_patients):
    table = compare_view(bundled, bundled_patients, measure="hb_g_l", test=STUDENT_T).table
    first = table[table["test"] != ""].set_index("month")
    # Hb at 6 M between groups decided by the response: P = 2.5e-8 by construction, descriptive.
    assert first.loc[6, "p"] < 1e-7 and first.loc[6, "p_descriptive"]
    assert "defined by the outcome" in first.loc[6, "p_note"]
    assert not first.loc[0, "p_descriptive"] and first.loc[0, "p_note"].startswith("baseline")
    baseline = compare_view(bundled, bundled_patients, measure="hb_g_l", grouping="thal_type",
                            groups=("TDT", "NTDT")).table
    assert not baseline["p_descriptive"].any() and (baseline["p_note"] == "").all()


def test_paired_view_adjusts_by_default(bundled):
    table, _ = paired_view(bundled)
    assert set(table["correction"]) == {"holm"} and table["p_adjusted"].notna().all()
