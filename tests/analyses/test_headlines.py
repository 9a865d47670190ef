"""``thaldash.analyses.headlines``: the headline numbers with their populations (issue 11).

Reference counts are the paper's (Abstract: 21 of 34 TDT transfusion-free, 61.8 %; ORR 44/48; 52
enrolled, 4 withdrew) and intervals come from scipy called here.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from thaldash.analyses.headlines import POOLED, UNWEIGHTED_MEAN, reduction_summary, response_headlines
from thaldash.grading.grade import grade


@pytest.fixture(scope="module")
def headlines(bundled):
    return response_headlines(grade(bundled, include_withdrawn=True)).set_index(
        ["population", "endpoint", "analysis"])


@pytest.mark.parametrize("population, endpoint, analysis, n, total", [
    ("TDT", "ORR", "per-protocol", 30, 34),                 # 44 responders − 14 NTDT, of 34 TDT
    ("TDT", "transfusion-free", "per-protocol", 21, 34),    # Abstract: 21 (61.8 %)
    ("TDT", "ORR", "intention-to-treat", 30, 38),           # the 4 who withdrew were TDT
    ("NTDT", "ORR", "per-protocol", 14, 14),
    ("all", "ORR", "per-protocol", 44, 48),                 # Abstract: 91.7 %
    ("all", "ORR", "intention-to-treat", 44, 52),           # 84.6 %
    ("all", "MaR", "per-protocol", 35, 48),                 # Abstract: 72.9 %
])
def test_headline_rates(headlines, population, endpoint, analysis, n, total) -> None:
    row = headlines.loc[(population, endpoint, analysis)]
    ref = sps.binomtest(n, total).proportion_ci(method="exact")  # Clopper–Pearson, 95 %
    assert (row["n"], row["total"]) == (n, total)
    assert row["pct"] == pytest.approx(100 * n / total)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((100 * ref.low, 100 * ref.high))


def test_the_ntdt_rows_say_they_are_mar_by_rule(headlines) -> None:
    note = headlines.loc[("NTDT", "ORR", "per-protocol"), "note"]
    assert note.startswith("all 14 NTDT were never transfused, so each is MaR by the transfusion-free rule")
    assert headlines.loc[("all", "ORR", "per-protocol"), "note"].startswith("pools 34 TDT and 14 NTDT")
    ntdt_free = headlines.loc[("NTDT", "transfusion-free", "per-protocol")]
    assert not ntdt_free["computed"] and "never transfusion-dependent" in ntdt_free["reason"]


def test_the_reduction_both_ways(bundled) -> None:
    graded = grade(bundled)
    summary = reduction_summary(graded).set_index("estimate")
    # Abstract: "31.3 %" is the unweighted mean of Table 3's 13 reductions; the pooled volume fell 30.8 %.
    assert round(summary.loc[UNWEIGHTED_MEAN, "pct"], 1) == 31.3
    assert round(summary.loc[POOLED, "pct"], 1) == 30.8
    assert set(summary["n"]) == {13}
    still = graded[(graded["thal_type"] == "TDT") & graded["ti_month"].isna()]
    pooled = 100 * (1 - np.sum(still["units_in_window"]) / np.sum(still["expected_units_in_window"]))
    assert summary.loc[POOLED, "pct"] == pytest.approx(pooled)


def test_no_still_transfused_patient_is_not_computed(bundled) -> None:
    graded = grade(bundled)
    summary = reduction_summary(graded[graded["thal_type"] == "NTDT"])
    assert summary["pct"].isna().all() and summary["reason"].str.startswith("not computed").all()
