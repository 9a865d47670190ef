"""correlation: Pearson and Spearman with Fisher-z intervals, against scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from thaldash.stats import (
    PEARSON,
    SPEARMAN,
    correlation,
)

RESULTS = ["diff", "se", "ci_low", "ci_high", "statistic", "df", "p", "hedges_g"]

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
