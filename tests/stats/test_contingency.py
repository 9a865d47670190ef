"""Fisher–Freeman–Halton and Fisher 2×2 against R's documented outputs, scipy and brute force."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from thaldash.stats.contingency import (
    EXACT,
    FFH_COLUMNS,
    FISHER_2X2_COLUMNS,
    MONTE_CARLO,
    ODDS_RATIO,
    ODDS_RATIO_LARGE,
    fisher_2x2,
    fisher_freeman_halton,
)

# R ?fisher.test, "Job satisfaction" (Agresti 2002, p. 57): fisher.test(Job) gives
# p-value = 0.7827
JOB = np.array([[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]])
# a sparse genotype × TI table of the shape the dashboard tests: 14 genotypes, 34 TDT patients
GENOTYPE_TI = np.array([[3, 1, 0, 2, 1, 0, 1, 2, 0, 1, 3, 2, 0, 0],
                        [0, 1, 2, 0, 1, 3, 1, 0, 2, 1, 0, 1, 2, 3]])


def _brute_force_p(table: np.ndarray) -> float:
    """Sum of the probabilities of every table with the same margins that is no more probable."""
    rows, cols = table.sum(axis=1), table.sum(axis=0)

    def log_prob(t: np.ndarray) -> float:  # hypergeometric probability of a table, margins fixed
        def log_fact(values: object) -> float:
            return sum(math.lgamma(int(v) + 1) for v in np.ravel(values))

        return log_fact(rows) + log_fact(cols) - log_fact(rows.sum()) - log_fact(t)

    observed = log_prob(table)
    total = 0.0
    r, c = table.shape
    free = [range(min(rows[i], cols[j]) + 1) for i in range(r - 1) for j in range(c - 1)]
    for cells in itertools.product(*free):
        t = np.zeros((r, c), dtype=int)
        t[:-1, :-1] = np.array(cells).reshape(r - 1, c - 1)
        t[:-1, -1] = rows[:-1] - t[:-1, :-1].sum(axis=1)
        t[-1, :] = cols - t[:-1, :].sum(axis=0)
        if (t < 0).any():
            continue
        lp = log_prob(t)
        if lp <= observed + 1e-7:
            total += np.exp(lp)
    return total


def test_job_satisfaction_exact_matches_r() -> None:
    result = fisher_freeman_halton(JOB, method="exact").iloc[0]
    assert round(result["p"], 4) == 0.7827
    assert result["method"] == EXACT and np.isnan(result["mc_se"]) and result["reason"] == ""
    assert (result["n"], result["n_rows"], result["n_cols"]) == (96, 4, 4)


def test_job_satisfaction_monte_carlo_is_within_its_error_and_reproducible() -> None:
    first = fisher_freeman_halton(JOB, method="monte-carlo", n_resamples=20_000, seed=7).iloc[0]
    again = fisher_freeman_halton(JOB, method="monte-carlo", n_resamples=20_000, seed=7).iloc[0]
    assert first["p"] == again["p"]
    assert first["method"] == MONTE_CARLO and first["n_resamples"] == 20_000 and first["seed"] == 7
    assert first["mc_se"] == pytest.approx(np.sqrt(first["p"] * (1 - first["p"]) / 20_000))
    assert abs(first["p"] - 0.7827) < 4 * first["mc_se"]


@pytest.mark.parametrize(
    "table",
    [[[8, 2], [1, 5]], [[3, 1], [1, 3]], [[10, 0], [0, 10]], [[0, 5], [6, 1]], [[12, 40], [3, 2]]],
)
def test_two_by_two_equals_scipy_fisher_exact(table: list[list[int]]) -> None:
    ours = fisher_freeman_halton(table, method="exact")["p"].iloc[0]
    assert ours == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-10)


@pytest.mark.parametrize(
    "table",
    [[[2, 0, 3], [1, 4, 0], [0, 2, 2]], [[1, 2, 3, 0], [3, 0, 1, 2]], [[2, 1], [0, 3], [3, 1]]],
)
def test_small_tables_equal_brute_force_enumeration(table: list[list[int]]) -> None:
    table = np.array(table)
    ours = fisher_freeman_halton(table, method="exact")["p"].iloc[0]
    assert ours == pytest.approx(_brute_force_p(table), rel=1e-9)


def test_genotype_table_is_exact_and_fast() -> None:
    # CPU time of this process: the work the exact test does (about 0.03 s), not how busy the machine is. Wall
    # time reached 0.4 s with other jobs on the 2 cores, and the suite runs on two workers.
    start = time.process_time()
    result = fisher_freeman_halton(GENOTYPE_TI).iloc[0]
    assert time.process_time() - start < 1.0
    assert result["method"] == EXACT
    mc = fisher_freeman_halton(GENOTYPE_TI, method="monte-carlo", n_resamples=20_000).iloc[0]
    assert abs(mc["p"] - result["p"]) < 4 * mc["mc_se"] + 1 / 20_001


def test_auto_falls_back_to_monte_carlo_past_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import thaldash.stats.contingency as contingency

    monkeypatch.setattr(contingency, "EXACT_BUDGET", 100)
    auto = fisher_freeman_halton(JOB, n_resamples=2_000).iloc[0]
    assert auto["method"] == MONTE_CARLO and auto["n_resamples"] == 2_000
    exact = fisher_freeman_halton(JOB, method="exact").iloc[0]
    assert np.isnan(exact["p"]) and "method='monte-carlo'" in exact["reason"]


def test_empty_rows_and_columns_are_dropped() -> None:
    padded = np.zeros((3, 6), dtype=int)
    padded[:2, 1:5] = [[1, 2, 3, 0], [3, 0, 1, 2]]
    with_zeros = fisher_freeman_halton(padded).iloc[0]
    plain = fisher_freeman_halton([[1, 2, 3, 0], [3, 0, 1, 2]]).iloc[0]
    assert with_zeros["p"] == plain["p"] and (with_zeros["n_rows"], with_zeros["n_cols"]) == (2, 4)


def test_a_table_with_one_genotype_is_not_computed() -> None:
    result = fisher_freeman_halton(pd.DataFrame({"TI": [5, 0], "not TI": [3, 0]})).iloc[0]
    assert np.isnan(result["p"]) and result["reason"].startswith("not computed: ")
    assert list(fisher_freeman_halton([[1, 2], [3, 4]]).columns) == list(FFH_COLUMNS)


@pytest.mark.parametrize(
    ("table", "kwargs", "message"),
    [
        ([[1, -2], [3, 4]], {}, "whole number"),
        ([[1.5, 2], [3, 4]], {}, "whole number"),
        ([1, 2, 3], {}, "rows × columns"),
        ([[1, 2], [3, 4]], {"method": "chi2"}, "not available"),
        ([[1, 2], [3, 4]], {"n_resamples": 0}, "at least 1"),
    ],
)
def test_bad_tables_raise_sentences(table: object, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fisher_freeman_halton(table, **kwargs)


def test_fisher_2x2_matches_r_tea_tasting() -> None:
    # R fisher.test(matrix(c(3, 1, 1, 3), 2)), two-sided, as printed in Penn State STAT 504
    # lesson 3 TeaLady.out: p-value = 0.4857, 95% CI 0.2117329 621.9337505,
    # odds ratio 6.408309 (conditional MLE)
    # (R finds the estimate and limits with uniroot at its default tolerance, so its digits
    # beyond the fifth differ; its upper limit is 0.7% low, see the closed form below)
    row = fisher_2x2(3, 1, 1, 3).iloc[0]
    assert round(row["p"], 4) == 0.4857
    assert row["odds_ratio"] == pytest.approx(6.408309, rel=1e-5)
    assert row["ci_low"] == pytest.approx(0.2117329, rel=1e-4)
    assert row["ci_high"] == pytest.approx(621.9337505, rel=0.01)


def test_fisher_2x2_limits_solve_the_noncentral_hypergeometric_tails() -> None:
    # margins 4, 4 / 4, 4: P(X = x; ψ) ∝ C(4, x)² ψˣ. The exact limits solve
    # P(X ≥ 3; ψ_low) = 0.025 and P(X ≤ 3; ψ_high) = 0.025
    weights = np.array([1, 16, 36, 16, 1], dtype=float)

    def tail(psi: float, upper: bool) -> float:
        mass = weights * psi ** np.arange(5)
        return mass[3:].sum() / mass.sum() if upper else mass[:4].sum() / mass.sum()

    low = optimize.brentq(lambda psi: tail(psi, True) - 0.025, 1e-6, 10, xtol=1e-14)
    high = optimize.brentq(lambda psi: tail(psi, False) - 0.025, 1, 1e5, xtol=1e-10)
    row = fisher_2x2(3, 1, 1, 3).iloc[0]
    assert row["ci_low"] == pytest.approx(low, rel=1e-6)
    assert row["ci_high"] == pytest.approx(high, rel=1e-6)
    assert list(fisher_2x2(3, 1, 1, 3).columns) == list(FISHER_2X2_COLUMNS)


def test_fisher_2x2_with_an_empty_margin_is_not_computed() -> None:
    row = fisher_2x2(0, 0, 4, 5).iloc[0]
    assert np.isnan(row["p"]) and row["reason"].startswith("not computed: ")


def test_fisher_2x2_zero_cell_gives_an_infinite_odds_ratio() -> None:
    row = fisher_2x2(7, 0, 2, 6).iloc[0]  # every β0/β0 patient independent
    assert row["odds_ratio"] == np.inf and row["ci_high"] == np.inf and row["ci_low"] > 1
    assert row["p"] == pytest.approx(stats.fisher_exact([[7, 0], [2, 6]]).pvalue)


def test_fisher_2x2_of_a_large_table_takes_the_sample_odds_ratio_with_woolfs_interval() -> None:
    # A million-patient cohort made the exact conditional interval take minutes (BENCHMARKS.md). Above
    # EXACT_OR_MAX_N the row says it gives the sample odds ratio and Woolf's interval; the reference is
    # Woolf's formula computed here, and the P stays scipy's exact Fisher test.
    a, b, c, d = 300_000, 120_000, 200_000, 180_000
    row = fisher_2x2(a, b, c, d).iloc[0]
    log_or, se = np.log(a * d / (b * c)), np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert row["ci_method"] == ODDS_RATIO_LARGE
    assert row["odds_ratio"] == pytest.approx(a * d / (b * c), rel=1e-12)
    assert row["ci_low"] == pytest.approx(np.exp(log_or - stats.norm.ppf(0.975) * se), rel=1e-9)
    assert row["ci_high"] == pytest.approx(np.exp(log_or + stats.norm.ppf(0.975) * se), rel=1e-9)
    assert row["p"] == stats.fisher_exact([[a, b], [c, d]]).pvalue


def test_fisher_2x2_of_a_small_table_keeps_the_exact_conditional_interval() -> None:
    assert fisher_2x2(3, 1, 1, 3).iloc[0]["ci_method"] == ODDS_RATIO  # the values: test_fisher_2x2_matches_r_tea_tasting
