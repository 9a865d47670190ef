"""Paired difference of proportions against Newcombe's and Fagerland's published intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from thaldash.stats.paired_proportions import PAIRED_COLUMNS, newcombe_interval, paired_difference


def _patients(both: int, only_a: int, only_b: int, neither: int) -> tuple[list[int], list[int]]:
    """Classifications A (x) and B (y) of patients with the given concordance counts."""
    x = [1] * both + [1] * only_a + [0] * only_b + [0] * neither
    y = [1] * both + [0] * only_a + [1] * only_b + [0] * neither
    return x, y


@pytest.mark.parametrize(
    ("table", "expected", "digits"),
    [
        # Newcombe (1998) Stat Med 17:2635, example with a, b, c, d = 20, 12, 2, 16:
        # method 10 interval 0.0562 to 0.3292 (as reproduced in ratesci's
        # tests/testthat/test3.R, "against Newcombe's method 10 result")
        ((20, 12, 2, 16), (0.0562, 0.3292), 4),
        # Fagerland, Lydersen & Laake (2014), airway hyper-responsiveness (Bentur et al. 2009),
        # 1, 1, 7, 12: Newcombe square-and-add −0.507 to −0.026 (ratesci test3.R)
        ((1, 1, 7, 12), (-0.507, -0.026), 3),
        # Fagerland et al., Statistical Analysis of Contingency Tables (2017) ch. 8, complete
        # response before/after consolidation (Cavo et al. 2012), [[59, 6], [16, 80]]:
        # estimate −0.0621, 95% CI −0.1186 to −0.0046 (contingencytables tests/test-ch8.R)
        ((59, 6, 16, 80), (-0.1186, -0.0046), 4),
        # Tang, Ling, Ling & Tian (2010) example 8, 3, 1, 2: −0.1574 to 0.4136 (ratesci test3.R)
        ((8, 3, 1, 2), (-0.1574, 0.4136), 4),
    ],
)
def test_newcombe_method_10_matches_published_intervals(
    table: tuple[int, int, int, int], expected: tuple[float, float], digits: int
) -> None:
    low, high = newcombe_interval(*table)
    assert (round(low, digits), round(high, digits)) == expected


def test_paired_difference_orients_and_counts() -> None:
    # Newcombe's example with B as the first classification: p_b = 32/50, p_a = 22/50
    x, y = _patients(both=20, only_a=2, only_b=12, neither=16)
    row = paired_difference(x, y).iloc[0]
    counts = ("n", "n_a", "n_b", "discordant_ab", "discordant_ba")
    assert tuple(row[c] for c in counts) == (50, 22, 32, 2, 12)
    assert row["diff"] == pytest.approx(0.2) and row["p_b"] - row["p_a"] == pytest.approx(row["diff"])
    assert (round(row["ci_low"], 4), round(row["ci_high"], 4)) == (0.0562, 0.3292)
    assert row["estimate_kind"].startswith("p_b − p_a") and row["reason"] == ""
    assert list(paired_difference(x, y).columns) == list(PAIRED_COLUMNS)


def test_swapping_the_classifications_mirrors_the_result() -> None:
    x, y = _patients(both=59, only_a=16, only_b=6, neither=80)
    forward, backward = paired_difference(x, y).iloc[0], paired_difference(y, x).iloc[0]
    assert forward["diff"] == pytest.approx(-backward["diff"])
    assert forward["ci_low"] == pytest.approx(-backward["ci_high"])
    assert forward["p"] == pytest.approx(backward["p"])


@pytest.mark.parametrize(("only_a", "only_b"), [(7, 1), (16, 6), (2, 12), (3, 3), (0, 5)])
def test_mcnemar_p_is_the_exact_binomial_tail(only_a: int, only_b: int) -> None:
    x, y = _patients(both=10, only_a=only_a, only_b=only_b, neither=10)
    m, k = only_a + only_b, min(only_a, only_b)
    # two-sided exact McNemar under Binomial(m, ½), summed by hand
    expected = min(1.0, 2 * sum(math.comb(m, i) for i in range(k + 1)) / 2**m)
    assert paired_difference(x, y)["p"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_no_discordant_patients() -> None:
    x, y = _patients(both=5, only_a=0, only_b=0, neither=5)
    row = paired_difference(x, y).iloc[0]
    assert row["diff"] == 0 and row["p"] == 1.0 and row["ci_low"] < 0 < row["ci_high"]


def test_missing_pairs_are_dropped_and_booleans_accepted() -> None:
    x = pd.Series([True, True, False, None, True])
    y = pd.Series([True, False, True, True, None])
    row = paired_difference(x, y).iloc[0]
    assert (row["n"], row["n_dropped"], row["both"]) == (3, 2, 1)


def test_nobody_classified_twice_is_not_computed() -> None:
    row = paired_difference([1, None], [None, 0]).iloc[0]
    assert row["reason"].startswith("not computed: ") and np.isnan(row["diff"]) and np.isnan(row["p"])


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [([1, 0], [1], "same patients"), ([1, 2], [1, 0], "not yes/no"), (["MaR"], ["NR"], "not yes/no")],
)
def test_bad_input_raises_sentences(x: list, y: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        paired_difference(x, y)


@pytest.mark.parametrize("as_type", [int, np.int64])
def test_a_million_pairs_give_the_large_sample_interval(as_type) -> None:
    # At 1,000,000 patients the product of the four margins is ~6e22, past int64: the What-if page failed
    # there. Reference: for large n the method-10 interval tends to the Wald interval of a paired difference,
    # (c − b)/n ± z·sqrt((b + c)/n − ((c − b)/n)²)/sqrt(n) (Agresti, Categorical Data Analysis, §10.1),
    # with z from scipy.
    from scipy import stats as scipy_stats

    a, b, c, d = 400_000, 30_000, 90_000, 480_000
    n = a + b + c + d
    low, high = newcombe_interval(*(as_type(v) for v in (a, b, c, d)))
    diff = (c - b) / n
    half = scipy_stats.norm.ppf(0.975) * math.sqrt((b + c) / n - diff**2) / math.sqrt(n)
    assert math.isfinite(low) and math.isfinite(high)
    # the sign convention of newcombe_interval: (a + b)/n − (a + c)/n = (b − c)/n
    assert (low, high) == pytest.approx((-diff - half, -diff + half), abs=2e-5)
