"""Beta-binomial partial pooling: the marginal MLE against a brute-force grid written here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from thaldash.stats.pooling import COMPLETE_METHOD, METHOD, POOLING_COLUMNS, partial_pooling

GENOTYPES = pd.DataFrame({
    "genotype": ["CD41-42/CD41-42", "CD41-42/IVS-II-654", "CD17/CD41-42", "CD17/IVS-II-654",
                 "CD41-42/-28", "IVS-II-654/IVS-II-654", "CD17/CD17", "CD41-42/CD71-72"],
    "ti": [3, 0, 2, 5, 1, 0, 4, 2],
    "tdt": [4, 3, 5, 6, 4, 2, 8, 9],
})


def _grid_loglik(alpha: np.ndarray, beta: np.ndarray, k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Beta-binomial log-likelihood from Beta functions, by hand: C(n,k)·B(k+α, n−k+β)/B(α, β)."""
    total = np.zeros_like(alpha)
    for ki, ni in zip(k, n, strict=True):
        log_choose = special.gammaln(ni + 1) - special.gammaln(ki + 1) - special.gammaln(ni - ki + 1)
        total += log_choose + special.betaln(ki + alpha, ni - ki + beta) - special.betaln(alpha, beta)
    return total


def test_marginal_mle_matches_a_brute_force_grid() -> None:
    out = partial_pooling(GENOTYPES, successes="ti", trials="tdt", group="genotype")
    alpha, beta = out["alpha"].iloc[0], out["beta"].iloc[0]
    k, n = GENOTYPES["ti"].to_numpy(float), GENOTYPES["tdt"].to_numpy(float)
    # coarse grid over (mean, log size), then a fine grid around its best point
    means, sizes = np.linspace(0.01, 0.99, 197), np.exp(np.linspace(-4, 8, 241))
    m, s = np.meshgrid(means, sizes)
    ll = _grid_loglik(m * s, (1 - m) * s, k, n)
    i = np.unravel_index(np.argmax(ll), ll.shape)
    m0, s0 = m[i], s[i]
    fine_means = np.linspace(m0 - 0.01, m0 + 0.01, 201)
    fine_sizes = np.exp(np.linspace(np.log(s0) - 0.1, np.log(s0) + 0.1, 201))
    m, s = np.meshgrid(fine_means, fine_sizes)
    ll = _grid_loglik(m * s, (1 - m) * s, k, n)
    j = np.unravel_index(np.argmax(ll), ll.shape)
    assert alpha / (alpha + beta) == pytest.approx(m[j], abs=2e-4)
    assert np.log(alpha + beta) == pytest.approx(np.log(s[j]), abs=2e-3)
    assert _grid_loglik(np.array([alpha]), np.array([beta]), k, n)[0] >= ll.max() - 1e-8


def test_posterior_is_beta_alpha_plus_k() -> None:
    out = partial_pooling(GENOTYPES, successes="ti", trials="tdt", group="genotype", confidence=0.9)
    a, b = out["alpha"].iloc[0], out["beta"].iloc[0]
    post_a, post_b = a + out["k"], b + out["n"] - out["k"]
    np.testing.assert_allclose(out["estimate"], post_a / (post_a + post_b))
    np.testing.assert_allclose(out["ci_low"], stats.beta.ppf(0.05, post_a, post_b))
    np.testing.assert_allclose(out["ci_high"], stats.beta.ppf(0.95, post_a, post_b))
    np.testing.assert_allclose(out["proportion"], GENOTYPES["ti"] / GENOTYPES["tdt"])
    assert (out["pooling"] == "partial").all() and (out["method"] == METHOD).all()
    assert list(out.columns) == ["genotype", *POOLING_COLUMNS]


def test_estimates_shrink_toward_the_common_proportion() -> None:
    out = partial_pooling(GENOTYPES, successes="ti", trials="tdt", group="genotype")
    centre = out["alpha"].iloc[0] / (out["alpha"].iloc[0] + out["beta"].iloc[0])
    raw_gap = (out["proportion"] - centre).abs()
    pooled_gap = (out["estimate"] - centre).abs()
    assert (pooled_gap <= raw_gap + 1e-12).all()


def test_no_overdispersion_is_complete_pooling() -> None:
    same = pd.DataFrame({"g": list("abcde"), "k": [5, 5, 5, 5, 5], "n": [10] * 5})
    out = partial_pooling(same, successes="k", trials="n", group="g")
    assert (out["pooling"] == "complete").all() and (out["method"] == COMPLETE_METHOD).all()
    assert np.isinf(out["alpha"]).all()
    assert out["estimate"].eq(0.5).all()
    interval = stats.binomtest(25, 50).proportion_ci(method="exact")
    assert out["ci_low"].iloc[0] == pytest.approx(interval.low)


def test_spread_no_wider_than_binomial_noise_is_complete_pooling_not_a_noisy_optimum() -> None:
    """3/4, 1/4, 2/4: the beta-binomial likelihood rises toward its binomial limit as α + β grows (checked here
    with scipy at e^8, e^12, e^15), so the fit is complete pooling at exactly 6/12. Searched up to e^25, the
    cancellation in scipy's log-likelihood there once gave a "partial" fit with its mean at 0.5005."""
    k, n = np.array([3, 1, 2]), np.array([4, 4, 4])
    profile = [np.sum(stats.betabinom.logpmf(k, n, np.exp(m) / 2, np.exp(m) / 2)) for m in (8, 12, 15)]
    assert profile[0] < profile[1] < profile[2] < np.sum(stats.binom.logpmf(k, n, 0.5))  # scipy, the reference
    out = partial_pooling(pd.DataFrame({"g": list("abc"), "k": k, "n": n}), successes="k", trials="n", group="g")
    assert (out["pooling"] == "complete").all() and out["estimate"].eq(0.5).all()


def test_all_or_none_groups_are_not_pooled() -> None:
    data = pd.DataFrame({"g": list("abcde"), "k": [3, 0, 2, 0, 1], "n": [3, 2, 2, 1, 1]})
    out = partial_pooling(data, successes="k", trials="n", group="g")
    assert (out["pooling"] == "none").all() and out["estimate"].isna().all()
    assert out["reason"].str.contains("all-or-none").all()


@pytest.mark.parametrize(
    ("k", "n", "words"),
    [
        ([1, 2], [3, 4], "at least 3"),
        ([0, 0, 0], [3, 4, 5], "no group has a success"),
        ([3, 4, 5], [3, 4, 5], "every trial in every group is a success"),
    ],
)
def test_degenerate_inputs_are_not_computed(k: list[int], n: list[int], words: str) -> None:
    data = pd.DataFrame({"g": [f"g{i}" for i in range(len(k))], "k": k, "n": n})
    out = partial_pooling(data, successes="k", trials="n", group="g")
    assert out["reason"].str.contains(words).all() and out["estimate"].isna().all()
    assert out["reason"].str.startswith("not computed: ").all()


def test_group_without_patients_is_kept_but_not_estimated() -> None:
    data = pd.concat([GENOTYPES, pd.DataFrame({"genotype": ["new"], "ti": [0], "tdt": [0]})],
                     ignore_index=True)
    out = partial_pooling(data, successes="ti", trials="tdt", group="genotype").set_index("genotype")
    assert np.isnan(out.loc["new", "estimate"]) and "no patients" in out.loc["new", "reason"]
    fitted = partial_pooling(GENOTYPES, successes="ti", trials="tdt", group="genotype")
    assert out["alpha"].iloc[0] == pytest.approx(fitted["alpha"].iloc[0])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pd.DataFrame({"g": ["a", "b", "c"], "k": [1, 5, 1], "n": [2, 4, 3]}), "more than"),
        (pd.DataFrame({"g": ["a", "b", "c"], "k": [1, -1, 1], "n": [2, 4, 3]}), "whole number"),
        (pd.DataFrame({"g": ["a", "a", "c"], "k": [1, 1, 1], "n": [2, 4, 3]}), "listed twice"),
    ],
)
def test_bad_counts_raise_sentences(data: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        partial_pooling(data, successes="k", trials="n", group="g")
