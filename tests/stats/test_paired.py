"""paired_change: paired t and Wilcoxon against scipy, and the Table 9 layout."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from thaldash.stats import (
    PAIRED_T,
    WILCOXON,
    paired_change,
)

RESULTS = ["diff", "se", "ci_low", "ci_high", "statistic", "df", "p", "hedges_g"]
from tests.stats.samples import exact_sample, row

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


@pytest.mark.parametrize("seed", range(6))
def test_categorical_ids_and_month_codes_pair_as_text_ids_and_float_months_do(seed):
    # The fast paths (categorical subjects in category order, integer months through a table) against the
    # general one (text ids hashed by pd.factorize, float months by Index.get_indexer) on the same visits.
    rng = np.random.default_rng(seed)
    n = 300
    ids = np.repeat([f"P{i:04d}" for i in range(n)], 5)
    months = np.tile([0, 3, 6, 12, 24], n)
    keep = rng.random(len(ids)) > 0.25  # missing visits
    frame = pd.DataFrame({"patient_id": pd.Categorical(ids[keep]), "month": months[keep],
                          "sf_ng_ml": np.where(rng.random(keep.sum()) < 0.1, np.nan, rng.gamma(4, 500, keep.sum()))})
    general = frame.assign(patient_id=frame["patient_id"].astype(str), month=frame["month"].astype(float))
    pairs = [(0, 12), (0, 24), (12, 24), (3, 30)]  # month 30: no visit
    fast = paired_change(frame, value="sf_ng_ml", subject="patient_id", time="month", pairs=pairs, correction="holm")
    slow = paired_change(general, value="sf_ng_ml", subject="patient_id", time="month", pairs=pairs, correction="holm")
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["n"].gt(0).any() and (fast["n_dropped"] > 0).any()
