"""ROC curve and DeLong AUC against scipy's Mann–Whitney U and R pROC's published values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from thaldash.stats.roc import AUC_COLUMNS, CURVE_COLUMNS, roc_auc, roc_curve

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def asah() -> pd.DataFrame:
    data = pd.read_csv(DATA / "asah.csv")
    return data.assign(poor=data["outcome"].eq("Poor"))


@pytest.mark.parametrize(
    ("score", "variance"),
    [
        # pROC tests/testthat/test-var.R, "var with delong works":
        # var(roc(aSAH$outcome, aSAH$<score>)) (DeLong)
        ("s100b", 0.00266868245717244),
        ("ndka", 0.0031908105493913),
        ("wfns", 0.00146991470882363),
    ],
)
def test_delong_variance_matches_proc(asah: pd.DataFrame, score: str, variance: float) -> None:
    row = roc_auc(asah, outcome="poor", score=score).iloc[0]
    assert row["se"] ** 2 == pytest.approx(variance, rel=1e-10)
    assert (row["n_pos"], row["n_neg"]) == (41, 72)  # "72 controls ... < 41 cases"


def test_ndka_interval_matches_proc(asah: pd.DataFrame) -> None:
    # pROC tests/testthat/test-ci.auc.R: expected.ci.auc for ci.auc(r.ndka)
    row = roc_auc(asah, outcome="poor", score="ndka").iloc[0]
    np.testing.assert_allclose([row["ci_low"], row["auc"], row["ci_high"]],
                               [0.501244999271703, 0.611957994579946, 0.722670989888189], rtol=1e-10)


def test_s100b_matches_proc_printed_output(asah: pd.DataFrame) -> None:
    # pROC tests/testthat/print_output/r.s100b: "Area under the curve: 0.7314";
    # pROC's documented ci.auc(aSAH$outcome, aSAH$s100b): 95% CI 0.6301–0.8326 (DeLong)
    row = roc_auc(asah, outcome="poor", score="s100b").iloc[0]
    assert round(row["auc"], 4) == 0.7314
    assert (round(row["ci_low"], 4), round(row["ci_high"], 4)) == (0.6301, 0.8326)
    assert row["method"] == "DeLong" and row["reason"] == ""


@pytest.mark.parametrize("score", ["s100b", "ndka", "wfns", "age"])
def test_auc_equals_mann_whitney_u_over_pairs(asah: pd.DataFrame, score: str) -> None:
    pos = asah.loc[asah["poor"], score]
    neg = asah.loc[~asah["poor"], score]
    u = stats.mannwhitneyu(pos, neg).statistic  # U of the first sample, ties counted ½
    row = roc_auc(asah, outcome="poor", score=score).iloc[0]
    assert row["auc"] == pytest.approx(u / (len(pos) * len(neg)), rel=1e-12)


@pytest.mark.parametrize("score", ["s100b", "wfns"])
def test_curve_points_count_patients_at_or_above_each_threshold(asah: pd.DataFrame, score: str) -> None:
    curve = roc_curve(asah, outcome="poor", score=score)
    assert list(curve.columns) == list(CURVE_COLUMNS)
    assert curve.iloc[0][["tpr", "fpr"]].tolist() == [0.0, 0.0]
    assert curve.iloc[-1][["tpr", "fpr"]].tolist() == [1.0, 1.0]
    for _, point in curve.iloc[1:].iterrows():
        called = asah[score] >= point["threshold"]
        assert point["tp"] == (called & asah["poor"]).sum()
        assert point["fp"] == (called & ~asah["poor"]).sum()
    # the trapezoidal area under the points is the AUC (ties give the diagonal segments)
    area = np.trapezoid(curve["tpr"], curve["fpr"])
    assert area == pytest.approx(roc_auc(asah, outcome="poor", score=score)["auc"].iloc[0])


def test_missing_values_are_dropped_and_counted() -> None:
    data = pd.DataFrame({"ti": [1, 1, 0, 0, None, 1], "hbf": [9.0, 7.0, 8.0, 2.0, 5.0, None]})
    row = roc_auc(data, outcome="ti", score="hbf").iloc[0]
    assert (row["n"], row["n_dropped"], row["n_pos"], row["n_neg"]) == (4, 2, 2, 2)
    assert row["auc"] == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("ti", "auc_given", "words"),
    [
        ([1, 1, 1], False, "positives and negatives"),
        ([1, 0, 0], True, "at least 2 positives and 2 negatives"),
        ([1, 1, 0, 0], True, "separates the two groups completely"),
    ],
)
def test_undefined_intervals_say_why(ti: list[int], auc_given: bool, words: str) -> None:
    data = pd.DataFrame({"ti": ti, "hbf": np.arange(len(ti), 0, -1, dtype=float)})
    row = roc_auc(data, outcome="ti", score="hbf").iloc[0]
    assert row["reason"].startswith("not computed: ") and words in row["reason"]
    assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"]) and np.isnan(row["se"])
    assert np.isfinite(row["auc"]) == auc_given
    assert list(roc_auc(data, outcome="ti", score="hbf").columns) == list(AUC_COLUMNS)


def test_one_class_gives_an_empty_curve() -> None:
    data = pd.DataFrame({"ti": [True, True], "hbf": [1.0, 2.0]})
    assert roc_curve(data, outcome="ti", score="hbf").empty


def test_interval_is_clipped_to_zero_one() -> None:
    data = pd.DataFrame({"ti": [1, 1, 1, 0, 0, 0], "hbf": [9.0, 8.0, 1.5, 2.0, 1.0, 0.5]})
    row = roc_auc(data, outcome="ti", score="hbf").iloc[0]
    assert row["ci_high"] == 1.0 and row["auc"] + 1.96 * row["se"] > 1.0


def test_non_binary_outcome_is_an_error() -> None:
    data = pd.DataFrame({"tier": ["MaR", "NR"], "hbf": [1.0, 2.0]})
    with pytest.raises(ValueError, match="not yes/no"):
        roc_auc(data, outcome="tier", score="hbf")
