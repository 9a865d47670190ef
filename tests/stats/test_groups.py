"""compare_groups: Student, Welch and Mann–Whitney rows against scipy and the paper's tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from thaldash.stats import (
    MANN_WHITNEY,
    STUDENT_T,
    WELCH_T,
    compare_groups,
    group_summary,
)

RESULTS = ["diff", "se", "ci_low", "ci_high", "statistic", "df", "p", "hedges_g"]
from tests.stats.samples import exact_sample, row, two_groups

# --- compare_groups ---------------------------------------------------------------------

COMPARE_CASES = {
    "unequal_n": ([74.0, 81.5, 66.0, 90.0, 77.0], [101.0, 96.5, 110.0, 99.0, 104.0, 93.0, 120.0]),
    "ties_and_overlap": ([5.0, 5.0, 6.0, 7.0, 9.0, 9.0], [6.0, 7.0, 7.0, 8.0, 10.0, 11.0]),
    "one_group_constant": ([4.0, 4.0, 4.0], [1.0, 3.0, 8.0, 2.0]),
    "small_two_each": ([1.0, 2.0], [3.0, 5.0]),
}


# scipy warns about "catastrophic cancellation" for the constant group in its own reference
# computation; the variance it computes is still exactly 0.
@pytest.mark.filterwarnings("ignore:Precision loss occurred in moment calculation")
@pytest.mark.parametrize(("xa", "xb"), COMPARE_CASES.values(), ids=COMPARE_CASES.keys())
@pytest.mark.parametrize(("test", "equal_var"), [(STUDENT_T, True), (WELCH_T, False)])
def test_t_rows_match_scipy_ttest_ind(xa, xb, test, equal_var):
    got = row(compare_groups(two_groups(xa, xb), value="value", group="group",
                             a="SLR/NR", b="MaR"), test)
    ref = sps.ttest_ind(xa, xb, equal_var=equal_var)  # scipy.stats.ttest_ind(a, b, equal_var=…)
    ci = ref.confidence_interval(0.95)
    assert got["computed"] and got["reason"] == ""
    assert got["diff"] == pytest.approx(np.mean(xa) - np.mean(xb))
    assert got["statistic"] == pytest.approx(ref.statistic)
    assert got["p"] == pytest.approx(ref.pvalue)
    assert got["df"] == pytest.approx(ref.df)
    assert got["se"] == pytest.approx(got["diff"] / ref.statistic)
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((ci.low, ci.high))


@pytest.mark.parametrize(("xa", "xb"), COMPARE_CASES.values(), ids=COMPARE_CASES.keys())
def test_hedges_g_is_pooled_cohen_d_times_exact_correction(xa, xb):
    out = compare_groups(two_groups(xa, xb), value="value", group="group", a="SLR/NR", b="MaR")
    na, nb = len(xa), len(xb)
    df = na + nb - 2
    sp = math.sqrt(((na - 1) * np.var(xa, ddof=1) + (nb - 1) * np.var(xb, ddof=1)) / df)
    j = math.gamma(df / 2) / (math.sqrt(df / 2) * math.gamma((df - 1) / 2))  # Hedges 1981
    expected = (np.mean(xa) - np.mean(xb)) / sp * j
    assert row(out, STUDENT_T)["hedges_g"] == pytest.approx(expected)
    assert row(out, WELCH_T)["hedges_g"] == pytest.approx(expected)
    assert np.isnan(row(out, MANN_WHITNEY)["hedges_g"])


@pytest.mark.parametrize(("xa", "xb"), COMPARE_CASES.values(), ids=COMPARE_CASES.keys())
def test_mann_whitney_row_matches_scipy_and_reports_median_difference(xa, xb):
    got = row(compare_groups(two_groups(xa, xb), value="value", group="group",
                             a="SLR/NR", b="MaR"), MANN_WHITNEY)
    ref = sps.mannwhitneyu(xa, xb, alternative="two-sided")  # scipy.stats.mannwhitneyu(a, b)
    assert got["statistic"] == pytest.approx(ref.statistic)
    assert got["p"] == pytest.approx(ref.pvalue)
    assert got["diff"] == pytest.approx(np.median(xa) - np.median(xb))  # numpy.median
    assert np.isnan(got[["se", "ci_low", "ci_high", "df"]].astype(float)).all()


@pytest.mark.parametrize(("xa", "xb"), COMPARE_CASES.values(), ids=COMPARE_CASES.keys())
def test_every_comparison_row_names_its_estimate(xa, xb):
    # Issue 11, point 4: the Mann–Whitney row's number is a difference in medians, not in means.
    out = compare_groups(two_groups(xa, xb), value="value", group="group", a="SLR/NR", b="MaR")
    for test, kind, expected in ((STUDENT_T, "difference in means (a − b)", np.mean(xa) - np.mean(xb)),
                                 (WELCH_T, "difference in means (a − b)", np.mean(xa) - np.mean(xb)),
                                 (MANN_WHITNEY, "difference in medians (a − b)", np.median(xa) - np.median(xb))):
        got = row(out, test)
        assert got["estimate_kind"] == kind
        assert got["estimate"] == pytest.approx(expected)  # numpy.mean / numpy.median


def test_compare_groups_by_month_tests_each_month_separately():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {"month": np.repeat([0, 6, 12], 20), "group": np.tile(["MaR"] * 12 + ["SLR/NR"] * 8, 3),
         "hb": rng.normal(100, 10, 60)}
    )
    out = compare_groups(frame, value="hb", group="group", a="SLR/NR", b="MaR", by="month")
    assert out["month"].tolist() == [0, 0, 0, 6, 6, 6, 12, 12, 12]
    assert out["test"].tolist() == [STUDENT_T, WELCH_T, MANN_WHITNEY] * 3
    for month in (0, 6, 12):
        part = frame[frame["month"] == month]
        xa = part.loc[part["group"] == "SLR/NR", "hb"]
        xb = part.loc[part["group"] == "MaR", "hb"]
        got = row(out[out["month"] == month], STUDENT_T)
        assert got["p"] == pytest.approx(sps.ttest_ind(xa, xb).pvalue)  # scipy.stats.ttest_ind
        assert (got["n_a"], got["n_b"]) == (8, 12)


def test_group_with_one_patient_is_not_computed_for_t_but_is_for_mann_whitney():
    out = compare_groups(two_groups([75.0], [100.0, 104.0, 98.0]), value="value",
                         group="group", a="SLR/NR", b="MaR")
    for test in (STUDENT_T, WELCH_T):
        got = row(out, test)
        assert not got["computed"]
        assert got["reason"] == "not computed: group SLR/NR has n = 1 (need ≥ 2)"
        assert np.isnan(got[RESULTS].astype(float)).all()
    mw = row(out, MANN_WHITNEY)
    # scipy.stats.mannwhitneyu([75], [100, 104, 98])
    assert mw["computed"]
    assert mw["p"] == pytest.approx(sps.mannwhitneyu([75.0], [100, 104, 98]).pvalue)
    assert out["small_n"].all()


def test_group_absent_under_filter_is_not_computed_for_every_test():
    out = compare_groups(two_groups([75.0, 80.0], []), value="value", group="group",
                         a="SLR/NR", b="MaR")
    assert out["reason"].tolist() == ["not computed: group MaR is empty under this filter"] * 3
    assert not out["computed"].any()
    assert np.isnan(out[RESULTS].to_numpy(float)).all()
    assert out["n_b"].tolist() == [0, 0, 0]


def test_unstratified_comparison_of_an_empty_frame_still_explains_itself():
    out = compare_groups(two_groups([], []), value="value", group="group", a="SLR/NR", b="MaR")
    assert out["test"].tolist() == [STUDENT_T, WELCH_T, MANN_WHITNEY]
    assert set(out["reason"]) == {
        "not computed: group SLR/NR is empty under this filter; "
        "group MaR is empty under this filter"
    }


def test_group_whose_values_are_all_missing_says_so():
    frame = two_groups([75.0, 80.0], [np.nan, np.nan])
    out = compare_groups(frame, value="value", group="group", a="SLR/NR", b="MaR")
    assert set(out["reason"]) == {"not computed: group MaR has no non-missing value values"}


def test_zero_variance_in_both_groups_stops_t_but_not_mann_whitney():
    out = compare_groups(two_groups([5.0] * 4, [7.0] * 5), value="value", group="group",
                         a="SLR/NR", b="MaR")
    for test in (STUDENT_T, WELCH_T):
        assert row(out, test)["reason"] == "not computed: zero variance in both groups"
    mw = row(out, MANN_WHITNEY)
    assert mw["computed"]
    # scipy.stats.mannwhitneyu([5]*4, [7]*5)
    assert mw["p"] == pytest.approx(sps.mannwhitneyu([5.0] * 4, [7.0] * 5).pvalue)


def test_all_values_tied_stops_mann_whitney():
    out = compare_groups(two_groups([5.0] * 4, [5.0] * 3), value="value", group="group",
                         a="SLR/NR", b="MaR")
    assert not out["computed"].any()
    assert row(out, MANN_WHITNEY)["reason"] == (
        "not computed: all values are tied (identical in both groups)"
    )


def test_compare_groups_does_not_mutate_input():
    frame = two_groups([1.0, 2.0, np.nan], [3.0, 5.0, 4.0], month=[0] * 6)
    before = frame.copy()
    compare_groups(frame, value="value", group="group", a="SLR/NR", b="MaR", by="month")
    group_summary(frame, value="value", group="group", by="month")
    pd.testing.assert_frame_equal(frame, before)


def test_same_group_twice_is_an_error():
    with pytest.raises(ValueError, match="choose two different groups"):
        compare_groups(two_groups([1.0], [2.0]), value="value", group="group", a="MaR", b="MaR")


# Printed rows: (n, mean, SD) of SLR/NR, then MaR; printed SE and P (None = "< 0.001").
# Table 5 is left out: its SDs are copies of Table 4's (AUDIT.md).
PUBLISHED = {
    "Table 4 Hb0M": (15, 74.73, 11.49, 33, 81.79, 6.88, 2.662, 0.011),
    "Table 4 Hb6M": (15, 88.67, 12.94, 33, 111.24, 10.47, 3.513, None),
    "Table 4 Hb24M": (15, 90.2, 12.78, 33, 109.33, 9.45, 3.292, None),
    "Table 6 Hb0M": (13, 75.23, 12.036, 21, 80.24, 6.01, 3.094, 0.115),
    "Table 6 Hb6M": (13, 85.77, 11.05, 21, 108.24, 10.00, 3.672, None),
    "Table 6 Hb12M": (13, 84.77, 13.39, 21, 107.10, 9.74, 3.97, None),
    "Table 7 HbF0M": (13, 7.14, 8.06, 21, 18.10, 17.31, 5.134, 0.041),
    "Table 7 HbF12M": (13, 33.06, 28.37, 21, 86.75, 13.16, 7.146, None),
    "Table 10 SF0M": (13, 7137.38, 4725.55, 21, 4826.5, 3509.68, 1414.825, 0.112),
    "Table 10 SF12M": (13, 5574, 3685.67, 21, 3362.86, 2400.92, 1040.73, 0.041),
    "Table 10 SF24M": (13, 4714.38, 3021.29, 21, 2428.76, 2026.50, 863.701, 0.013),
}


@pytest.mark.parametrize("printed", PUBLISHED.values(), ids=PUBLISHED.keys())
def test_pooled_student_t_reproduces_published_se_and_p(printed):
    na, ma, sa, nb, mb, sb, se, p = printed
    frame = two_groups(exact_sample(na, ma, sa, seed=1), exact_sample(nb, mb, sb, seed=2))
    got = row(compare_groups(frame, value="value", group="group", a="SLR/NR", b="MaR"), STUDENT_T)
    # scipy.stats.ttest_ind_from_stats(ma, sa, na, mb, sb, nb, equal_var=True)
    ref = sps.ttest_ind_from_stats(ma, sa, na, mb, sb, nb, equal_var=True)
    assert got["p"] == pytest.approx(ref.pvalue)
    assert got["statistic"] == pytest.approx(ref.statistic)
    # The printed means and SDs are rounded, so the printed SE is matched to 0.05%.
    assert got["se"] == pytest.approx(se, rel=5e-4)
    if p is None:
        assert got["p"] < 0.001
    else:
        assert got["p"] == pytest.approx(p, abs=5e-4)


def test_table6_hb6m_synthetic_cohort_gives_printed_se():
    # Table 6, Hb 6M: SLR/NR 13, 85.77 ± 11.05; MaR 21, 108.24 ± 10.00; SE 3.672, P < 0.001.
    frame = two_groups(exact_sample(13, 85.77, 11.05, seed=11),
                       exact_sample(21, 108.24, 10.00, seed=12))
    got = row(compare_groups(frame, value="value", group="group", a="SLR/NR", b="MaR"), STUDENT_T)
    assert got["se"] == pytest.approx(3.672, abs=5e-4)
    assert got["diff"] == pytest.approx(85.77 - 108.24)
    assert got["df"] == 32
    assert got["p"] < 0.001



def test_student_row_warns_when_the_sds_differ_more_than_twofold():
    # Issue 11: SDs 1.58 and 4.74 (numpy.std(ddof=1) below): a 3-fold ratio; the pooled variance misleads.
    xa, xb = np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([1.0, 4.0, 7.0, 10.0, 13.0])
    out = compare_groups(two_groups(xa, xb), value="value", group="group", a="SLR/NR", b="MaR")
    ratio = np.std(xb, ddof=1) / np.std(xa, ddof=1)
    assert row(out, STUDENT_T)["sd_ratio"] == pytest.approx(ratio)
    assert row(out, STUDENT_T)["sd_warning"].startswith("the SDs differ 3.0-fold (> 2)")
    assert row(out, WELCH_T)["sd_warning"] == "" and row(out, MANN_WHITNEY)["sd_warning"] == ""
    close = compare_groups(two_groups(xa, xa + 1), value="value", group="group", a="SLR/NR", b="MaR")
    assert (close["sd_warning"] == "").all() and row(close, STUDENT_T)["sd_ratio"] == pytest.approx(1.0)
