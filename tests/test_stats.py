"""Tests for the statistics core (``thaldash.stats``).

Reference values come from scipy or numpy called here, on small hand-made data, or from the
paper's printed tables; each carries its source in a comment.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from thaldash.stats.proportions import proportions
from thaldash.stats import (
    MANN_WHITNEY,
    PAIRED_T,
    PEARSON,
    SPEARMAN,
    STUDENT_T,
    WELCH_T,
    WILCOXON,
    adjust_family,
    adjust_p,
    compare_groups,
    correlation,
    group_summary,
    paired_change,
    proportion_interval,
)

RESULTS = ["diff", "se", "ci_low", "ci_high", "statistic", "df", "p", "hedges_g"]


def exact_sample(n: int, mean: float, sd: float, seed: int) -> np.ndarray:
    """n values whose mean and SD (ddof = 1) are exactly ``mean`` and ``sd``."""
    x = np.random.default_rng(seed).normal(size=n)
    return mean + sd * (x - x.mean()) / x.std(ddof=1)


def two_groups(xa, xb, a="SLR/NR", b="MaR", **extra) -> pd.DataFrame:
    return pd.DataFrame(
        {"group": [a] * len(xa) + [b] * len(xb), "value": np.r_[xa, xb].astype(float), **extra}
    )


def row(frame: pd.DataFrame, test: str) -> pd.Series:
    (hit,) = np.flatnonzero(frame["test"].to_numpy() == test)
    return frame.iloc[hit]


# --- group_summary ----------------------------------------------------------------------

SUMMARY_CASES = {
    "small": [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0],
    "with_nan": [10.5, np.nan, 12.0, 7.25, 9.0, np.nan],
    "two": [80.0, 95.5],
}


@pytest.mark.parametrize("values", SUMMARY_CASES.values(), ids=SUMMARY_CASES.keys())
def test_group_summary_matches_numpy(values):
    frame = pd.DataFrame({"arm": "A", "hb": values})
    got = group_summary(frame, value="hb", group="arm").iloc[0]
    x = np.array(values)[~np.isnan(values)]
    assert got["n"] == x.size and got["n_rows"] == len(values)
    assert got["mean"] == pytest.approx(np.mean(x))  # numpy.mean
    assert got["sd"] == pytest.approx(np.std(x, ddof=1))  # numpy.std(ddof=1)
    assert got["median"] == pytest.approx(np.median(x))  # numpy.median
    assert got["q1"] == pytest.approx(np.percentile(x, 25))  # numpy.percentile (linear)
    assert got["q3"] == pytest.approx(np.percentile(x, 75))
    assert (got["min"], got["max"]) == (x.min(), x.max())
    assert got["small_n"] == (x.size < 5)


def test_group_summary_one_row_per_stratum_and_group_keeps_names():
    frame = pd.DataFrame(
        {"month": [0, 0, 0, 6, 6, 6], "arm": ["B", "A", "A", "A", "B", "B"],
         "hb": [1.0, 2.0, 4.0, 5.0, 6.0, 8.0]}
    )
    got = group_summary(frame, value="hb", group="arm", by="month")
    assert list(got.columns[:2]) == ["month", "arm"]
    assert list(zip(got["month"], got["arm"])) == [(0, "A"), (0, "B"), (6, "A"), (6, "B")]
    assert got["mean"].tolist() == pytest.approx([3.0, 1.0, 5.0, 7.0])


@pytest.mark.parametrize(
    ("values", "mean_is_nan", "sd_is_nan"),
    [([np.nan, np.nan], True, True), ([7.0], False, True), ([7.0, np.nan], False, True)],
)
def test_group_summary_undefined_stats_are_nan(values, mean_is_nan, sd_is_nan):
    got = group_summary(pd.DataFrame({"arm": "A", "hb": values}), value="hb", group="arm")
    assert np.isnan(got["mean"].iloc[0]) == mean_is_nan
    assert np.isnan(got["sd"].iloc[0]) == sd_is_nan
    assert bool(got["small_n"].iloc[0])


def test_group_summary_constant_group_has_sd_exactly_zero():
    got = group_summary(pd.DataFrame({"arm": "A", "hb": [0.1] * 7}), value="hb", group="arm")
    assert got["sd"].iloc[0] == 0.0


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"arm": ["A"], "hb": ["high"]}), "hb: expected numbers"),
        (pd.DataFrame({"arm": ["A"], "x": [1.0]}), "column 'hb' is not in the data"),
        (pd.DataFrame({"arm": ["A"], "hb": [np.inf]}), "hb: 1 value(s) are infinite"),
    ],
)
def test_group_summary_rejects_bad_input_with_a_sentence(frame, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        group_summary(frame, value="hb", group="arm")


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


# --- paired_change ----------------------------------------------------------------------

def visits(rows: dict[str, dict[int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(pid, month, v) for pid, by_month in rows.items() for month, v in by_month.items()],
        columns=["patient_id", "month", "sf"],
    )


PAIRED_DATA = {
    "P1": {0: 5200.0, 12: 4100.0, 24: 3000.0},
    "P2": {0: 3900.0, 12: 3950.0, 24: 2500.0},
    "P3": {0: 8100.0, 12: 6000.0, 24: 5200.0},
    "P4": {0: 2500.0, 12: 2400.0, 24: 2600.0},
    "P5": {0: 6100.0, 12: 4300.0},  # missed the 24-month visit
    "P6": {0: 4700.0, 12: np.nan, 24: 3300.0},  # 12-month value missing
    "P7": {0: 3000.0, 12: 2100.0, 24: 1900.0},
}


@pytest.mark.parametrize(("i", "j"), [(0, 12), (0, 24), (12, 24), (24, 0)])
def test_paired_change_matches_scipy_and_drops_incomplete_subjects(i, j):
    frame = visits(PAIRED_DATA)
    out = paired_change(frame, value="sf", subject="patient_id", time="month", pairs=[(i, j)])
    complete = [p for p, v in PAIRED_DATA.items() if not np.isnan(v.get(i, np.nan))
                and not np.isnan(v.get(j, np.nan))]
    xi = np.array([PAIRED_DATA[p][i] for p in complete])
    xj = np.array([PAIRED_DATA[p][j] for p in complete])
    t = row(out, PAIRED_T)
    ref = sps.ttest_rel(xi, xj)  # scipy.stats.ttest_rel(x_i, x_j)
    ci = ref.confidence_interval(0.95)
    assert (t["n"], t["n_dropped"]) == (len(complete), len(PAIRED_DATA) - len(complete))
    assert t["diff"] == pytest.approx(np.mean(xi - xj))
    assert t["mean_i"] - t["mean_j"] == pytest.approx(t["diff"])
    assert t["sd_diff"] == pytest.approx(np.std(xi - xj, ddof=1))  # numpy.std(ddof=1)
    assert t["statistic"] == pytest.approx(ref.statistic)
    assert t["p"] == pytest.approx(ref.pvalue)
    assert t["df"] == ref.df
    assert (t["ci_low"], t["ci_high"]) == pytest.approx((ci.low, ci.high))
    w = row(out, WILCOXON)
    ref_w = sps.wilcoxon(xi - xj)  # scipy.stats.wilcoxon(x_i - x_j)
    assert (w["statistic"], w["p"]) == pytest.approx((ref_w.statistic, ref_w.pvalue))
    # Issue 11, point 4: each row names its estimate; the Wilcoxon row's is the median difference.
    assert (t["estimate"], t["estimate_kind"]) == (pytest.approx(np.mean(xi - xj)),
                                                   "mean of the paired differences (time_i − time_j)")
    assert (w["estimate"], w["estimate_kind"]) == (pytest.approx(np.median(xi - xj)),  # numpy.median
                                                   "median of the paired differences (time_i − time_j)")


def test_paired_change_rows_follow_pairs_and_tests():
    out = paired_change(visits(PAIRED_DATA), value="sf", subject="patient_id", time="month",
                        pairs=[(0, 12), (12, 24)])
    assert list(zip(out["time_i"], out["time_j"], out["test"])) == [
        (0, 12, PAIRED_T), (0, 12, WILCOXON), (12, 24, PAIRED_T), (12, 24, WILCOXON)
    ]
    assert (out["correction"] == "none").all() and out["p_adjusted"].isna().all()


@pytest.mark.parametrize("method", ["holm", "bonferroni"])
def test_paired_change_adjusts_within_each_test_family(method):
    pairs = [(0, 12), (0, 24), (12, 24)]
    out = paired_change(visits(PAIRED_DATA), value="sf", subject="patient_id", time="month",
                        pairs=pairs, correction=method)
    for test in (PAIRED_T, WILCOXON):
        part = out[out["test"] == test]
        p = part["p"].to_numpy()
        if method == "bonferroni":
            expected = np.minimum(1, 3 * p)  # min(1, m·p), m = 3 rows of this test
        else:
            order = np.argsort(p)  # Holm: cumulative max of (m − k + 1)·p₍ₖ₎, capped at 1
            steps = np.minimum(1, np.maximum.accumulate((3 - np.arange(3)) * p[order]))
            expected = np.empty(3)
            expected[order] = steps
        assert part["p_adjusted"].to_numpy() == pytest.approx(expected)
        assert (part["correction"] == method).all()


@pytest.mark.parametrize(
    ("data", "t_reason", "w_reason"),
    [
        ({"P1": {0: 1.0, 12: 2.0}, "P2": {0: 3.0}},
         "not computed: only 1 subject has both visits (need ≥ 2)",
         "not computed: only 1 subject has both visits (need ≥ 2)"),
        ({"P1": {0: 1.0}, "P2": {12: 3.0}},
         "not computed: no subject has sf at both month 0 and month 12",
         "not computed: no subject has sf at both month 0 and month 12"),
        ({"P1": {0: 5.0, 12: 3.0}, "P2": {0: 9.0, 12: 7.0}, "P3": {0: 4.0, 12: 2.0}},
         "not computed: zero variance of the differences (every difference is 2)", ""),
        ({"P1": {0: 5.0, 12: 5.0}, "P2": {0: 9.0, 12: 9.0}},
         "not computed: zero variance of the differences (every difference is 0)",
         "not computed: all differences are zero"),
    ],
    ids=["one_pair", "no_pair", "constant_difference", "all_zero"],
)
def test_paired_change_undefined_cases(data, t_reason, w_reason):
    out = paired_change(visits(data), value="sf", subject="patient_id", time="month",
                        pairs=[(0, 12)], correction="holm")
    t, w = row(out, PAIRED_T), row(out, WILCOXON)
    assert t["reason"] == t_reason and not t["computed"]
    assert np.isnan(t[["se", "ci_low", "ci_high", "statistic", "df", "p", "p_adjusted"]]
                    .astype(float)).all()
    assert w["reason"] == w_reason and w["computed"] == (w_reason == "")


def test_paired_change_rejects_two_rows_for_one_visit_and_does_not_mutate():
    frame = visits(PAIRED_DATA)
    before = frame.copy()
    paired_change(frame, value="sf", subject="patient_id", time="month", pairs=[(0, 12)])
    pd.testing.assert_frame_equal(frame, before)
    doubled = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="P1 at month 0"):
        paired_change(doubled, value="sf", subject="patient_id", time="month", pairs=[(0, 12)])


def test_table9_layout_is_reproduced_from_a_cohort_with_its_summaries():
    # Table 9 (48 patients): I − J = 1490.586 (SE 295.779) for 0−12 M, 2457.900 (445.509) for
    # 0−24 M, 967.314 (229.968) for 12−24 M. Build differences with exactly those means and
    # SDs (SE·√48), keeping 0−24 = (0−12) + (12−24) through their correlation.
    n = 48
    s01, s12, s02 = (se * math.sqrt(n) for se in (295.779, 229.968, 445.509))
    rho = (s02**2 - s01**2 - s12**2) / (2 * s01 * s12)
    centred = np.random.default_rng(3).normal(size=(n, 2))
    q, _ = np.linalg.qr(centred - centred.mean(axis=0))
    e1, e2 = q.T * math.sqrt(n - 1)  # mean 0, SD 1, uncorrelated
    d01 = 1490.586 + s01 * e1
    d12 = 967.314 + s12 * (rho * e1 + math.sqrt(1 - rho**2) * e2)
    sf0 = exact_sample(n, 6000.0, 3000.0, seed=4)
    frame = pd.DataFrame({
        "patient_id": np.tile([f"P{k:02d}" for k in range(n)], 3),
        "month": np.repeat([0, 12, 24], n),
        "sf": np.r_[sf0, sf0 - d01, sf0 - d01 - d12],
    })
    out = paired_change(frame, value="sf", subject="patient_id", time="month",
                        pairs=[(0, 12), (0, 24), (12, 24)])
    t = out[out["test"] == PAIRED_T]
    assert t["diff"].tolist() == pytest.approx([1490.586, 2457.900, 967.314])
    assert t["se"].tolist() == pytest.approx([295.779, 445.509, 229.968], rel=1e-6)
    # Table 9 prints P = 0.001 for 12 vs 24 M; t = 4.21 on 47 df gives P ≈ 0.0001 (AUDIT.md).
    assert (t["p"] < 0.001).all()


# --- correlation ------------------------------------------------------------------------

CORRELATION_CASES = {
    "positive": ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [2.1, 3.9, 6.2, 5.8, 9.9, 12.5, 11.1]),
    "ties_noise": (
        [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0], [5.0, 3.0, 5.0, 8.0, 9.0, 7.0, 9.0, 3.0]
    ),
}


@pytest.mark.parametrize(("xs", "ys"), CORRELATION_CASES.values(), ids=CORRELATION_CASES.keys())
def test_correlation_matches_scipy(xs, ys):
    frame = pd.DataFrame({"hbf0": xs + [np.nan], "dhb": ys + [4.0]})
    before = frame.copy()
    out = correlation(frame, x="hbf0", y="dhb")
    pd.testing.assert_frame_equal(frame, before)
    pearson, spearman = out.iloc[0], out.iloc[1]
    assert out["method"].tolist() == [PEARSON, SPEARMAN]
    assert out["n"].tolist() == [len(xs)] * 2 and out["n_dropped"].tolist() == [1, 1]
    ref = sps.pearsonr(xs, ys)  # scipy.stats.pearsonr; Fisher-z interval
    ci = ref.confidence_interval(0.95)
    assert (pearson["r"], pearson["p"]) == pytest.approx((ref.statistic, ref.pvalue))
    assert (pearson["ci_low"], pearson["ci_high"]) == pytest.approx((ci.low, ci.high))
    line = sps.linregress(xs, ys)  # scipy.stats.linregress(x, y)
    assert (pearson["slope"], pearson["intercept"]) == pytest.approx((line.slope, line.intercept))
    ref_s = sps.spearmanr(xs, ys)  # scipy.stats.spearmanr
    assert (spearman["r"], spearman["p"]) == pytest.approx((ref_s.statistic, ref_s.pvalue))
    # Bonett & Wright (2000): tanh(atanh(r) ± 1.959964·√((1 + r²/2)/(n − 3)))
    half = 1.959964 * math.sqrt((1 + ref_s.statistic**2 / 2) / (len(xs) - 3))
    expected = (math.tanh(math.atanh(ref_s.statistic) - half),
                math.tanh(math.atanh(ref_s.statistic) + half))
    assert (spearman["ci_low"], spearman["ci_high"]) == pytest.approx(expected, rel=1e-5)
    assert np.isnan(spearman["slope"])


@pytest.mark.parametrize(
    ("xs", "ys", "reason"),
    [
        ([1.0, 2.0], [3.0, 4.0], "not computed: only 2 complete pair(s) of x and y (need ≥ 3)"),
        ([2.0, 2.0, 2.0, 2.0], [1.0, 5.0, 3.0, 4.0],
         "not computed: x has the same value (2) in every complete pair"),
        ([1.0, 2.0, 3.0, np.nan], [7.0, 7.0, 7.0, 1.0],
         "not computed: y has the same value (7) in every complete pair"),
    ],
)
def test_correlation_undefined_cases(xs, ys, reason):
    out = correlation(pd.DataFrame({"x": xs, "y": ys}), x="x", y="y")
    assert out["reason"].tolist() == [reason, reason]
    assert not out["computed"].any()
    results = out[["r", "ci_low", "ci_high", "p", "slope", "intercept"]].to_numpy(float)
    assert np.isnan(results).all()


def test_correlation_with_three_pairs_has_r_but_no_interval():
    out = correlation(pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, 3.0, 2.0]}), x="x", y="y")
    assert out["computed"].all()
    assert out["r"].iloc[0] == pytest.approx(sps.pearsonr([1, 2, 3], [1, 3, 2]).statistic)
    assert out[["ci_low", "ci_high"]].isna().all().all()


# --- proportions ------------------------------------------------------------------------

@pytest.mark.parametrize(("k", "n"), [(44, 48), (35, 48), (0, 13), (13, 13), (1, 2), (0, 48), (48, 48), (1, 3), (9, 13)])
@pytest.mark.parametrize(("method", "scipy_method"), [("clopper-pearson", "exact"),
                                                      ("wilson", "wilson")])
def test_proportion_ci_matches_scipy_binomtest(k, n, method, scipy_method):
    # scipy.stats.binomtest(k, n).proportion_ci(0.95, method=…)
    ref = sps.binomtest(k, n).proportion_ci(0.95, method=scipy_method)
    low, high = proportion_interval(k, n, method=method)
    assert (low[0], high[0]) == pytest.approx((ref.low, ref.high))


def test_proportions_give_percent_interval_and_reason():
    out = pd.DataFrame(proportions(np.array([35, 0, 0, 1]), np.array([48, 48, 0, 1])))
    ref = sps.binomtest(35, 48).proportion_ci(0.95, method="exact")  # scipy.stats.binomtest
    assert out["pct"].iloc[0] == pytest.approx(100 * 35 / 48)
    assert (out["ci_low"].iloc[0], out["ci_high"].iloc[0]) == pytest.approx(
        (100 * ref.low, 100 * ref.high))
    assert out["ci_method"].tolist() == ["Clopper–Pearson exact 95%"] * 2 + ["", ""]
    assert out["reason"].tolist() == ["", "", "not computed: no patients",
                                      "not computed: only 1 patient (an interval needs at least 2)"]
    assert out.loc[3, "pct"] == 100 and np.isnan(out.loc[3, "ci_low"])
    assert out.loc[2, ["pct", "ci_low", "ci_high"]].isna().all()


@pytest.mark.parametrize(("k", "n"), [(5, 4), (-1, 4), (1.5, 4)])
def test_proportion_ci_rejects_impossible_counts(k, n):
    with pytest.raises(ValueError):
        proportion_interval(k, n)


def test_proportion_ci_of_empty_denominator_is_nan():
    assert all(np.isnan(np.concatenate(proportion_interval(0, 0))))


# --- adjust_p ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("p", "method", "expected"),
    [
        # Holm, m = 4: sorted 0.005, 0.01, 0.03, 0.04 → 4·0.005 = 0.02, 3·0.01 = 0.03,
        # 2·0.03 = 0.06, 1·0.04 = 0.04 → running max 0.02, 0.03, 0.06, 0.06; back in input order:
        ([0.01, 0.04, 0.03, 0.005], "holm", [0.03, 0.06, 0.06, 0.02]),
        # Bonferroni, m = 4: 4·p capped at 1
        ([0.01, 0.04, 0.03, 0.5], "bonferroni", [0.04, 0.16, 0.12, 1.0]),
        # NaN stays NaN and is not counted: m = 2 → Holm 2·0.01 = 0.02, max(0.02, 1·0.04)
        ([0.01, np.nan, 0.04], "holm", [0.02, np.nan, 0.04]),
        ([0.01, np.nan, 0.04], "bonferroni", [0.02, np.nan, 0.08]),
        # Holm capped at 1: 2·0.5 = 1.0, max(1.0, 0.6) = 1.0
        ([0.5, 0.6], "holm", [1.0, 1.0]),
        ([np.nan, np.nan], "holm", [np.nan, np.nan]),
    ],
)
def test_adjust_p_matches_hand_computation(p, method, expected):
    np.testing.assert_allclose(adjust_p(p, method), expected)


def test_adjust_p_keeps_series_index_and_rejects_bad_input():
    p = pd.Series([0.02, 0.01], index=["a", "b"], name="p")
    got = adjust_p(p, "holm")
    assert got.index.tolist() == ["a", "b"] and got.name == "p"
    with pytest.raises(ValueError, match="holm or bonferroni"):
        adjust_p([0.1], "fdr")
    with pytest.raises(ValueError, match="between 0 and 1"):
        adjust_p([1.2], "holm")


def test_stats_core_does_not_import_streamlit():
    code = "import sys, thaldash.stats; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


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


def test_adjust_family_adjusts_each_test_apart():
    frame = pd.DataFrame({"test": ["t", "w", "t", "w", "t"], "p": [0.01, 0.04, 0.03, np.nan, 0.02]})
    out = adjust_family(frame)
    # Holm by hand, family "t": 0.01 × 3, 0.02 × 2, 0.03 × 1 → running max 0.03, 0.04, 0.04
    assert out["p_adjusted"].tolist()[::2] == pytest.approx([0.03, 0.04, 0.04])
    assert out.loc[1, "p_adjusted"] == pytest.approx(0.04) and np.isnan(out.loc[3, "p_adjusted"])
    assert out["n_tests"].tolist() == [3, 1, 3, 1, 3]
    assert out.loc[0, "correction"] == "holm over 3 tests"
