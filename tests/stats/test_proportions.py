"""proportions: Clopper–Pearson and Wilson intervals against scipy.stats.binomtest."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from thaldash.stats.proportions import proportions
from thaldash.stats import (
    proportion_interval,
)

RESULTS = ["diff", "se", "ci_low", "ci_high", "statistic", "df", "p", "hedges_g"]

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
