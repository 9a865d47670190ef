"""Logistic regression with Firth's bias reduction, equivalent to R's ``logistf``.

Why: transfusion independence among TDT patients is nearly separated by genotype and HbF
(about 13 patients stay transfusion-dependent), so ordinary maximum likelihood gives infinite
or wildly inflated odds ratios. Firth's penalty (the Jeffreys prior, ½·log det of the Fisher
information) keeps every estimate finite; intervals and P values come from the profile of the
penalized likelihood, as Heinze & Schemper (2002) recommend, never from Wald statistics.

The fit is Newton–Raphson on the modified score with step halving; the penalty is always
computed from the full design (also when a coefficient is held fixed), as ``logistf`` does.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from thaldash.stats.firth_fit import MAX_ITER, PenalizedFit, Profile, ProfileError, augmented_information, fit_penalized
from thaldash.stats.inputs import (
    binary_values,
    check_confidence,
    not_computed,
    numeric_values,
    require_columns,
)

INTERCEPT = "intercept"
METHOD = "Firth penalized likelihood (logistf-equivalent)"
TEST = "penalized likelihood ratio"
CI_METHOD = "profile penalized likelihood"
CI_METHOD_LARGE = "Wald (penalized estimate ± z·SE)"
PROFILE_MAX_N = 20_000
"""Patients above which the interval is Wald's rather than the profile's: a profile bound refits the model
a dozen times per limit (about 50 s at 700,000 patients), while at such sizes the two agree to the
printed digits. The penalized likelihood-ratio test is kept at every size."""
TERM_COLUMNS: tuple[str, ...] = (
    "term", "estimate", "se", "odds_ratio", "ci_low", "ci_high", "statistic", "p", "test",
    "ci_method", "n", "n_dropped", "events", "non_events", "events_per_parameter",
    "converged", "iterations", "penalized_loglik", "method", "reason",
)


def firth_logistic(
    frame: pd.DataFrame,
    *,
    outcome: Hashable,
    predictors: Sequence[Hashable],
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Firth-penalized logistic regression of ``outcome`` on ``predictors`` (plus intercept).

    Parameters
    ----------
    frame
        One row per patient. Not modified. Rows with a missing outcome or predictor are left
        out (counted in ``n_dropped``).
    outcome
        Column coded True/False or 1/0; the probability of True (1) is modelled.
    predictors
        Numeric or boolean columns (code a category as 0/1 indicator columns, e.g. β0/β0 = 1).
    confidence
        Coverage of the profile-likelihood intervals (Wald intervals above ``PROFILE_MAX_N`` patients).

    Returns
    -------
    pandas.DataFrame
        One row per term, ``intercept`` first, then the predictors in the order given:

        - ``term``; ``estimate``: coefficient on the log-odds scale; ``se``: its standard
          error, √ of the diagonal of (X'·diag(wᵢ(1 + hᵢ))·X)⁻¹ at the estimate, as
          ``logistf`` ≥ 1.24 reports it (shown for reference; nothing below uses it);
        - ``odds_ratio`` = exp(estimate); ``ci_low``, ``ci_high``: the interval on the odds-
          ratio scale where twice the drop of the profile penalized log-likelihood stays
          below the χ²₁ quantile (±inf if the profile never drops that far within ±60 log-odds);
        - ``statistic``: penalized likelihood-ratio χ² (1 df) for the coefficient being 0,
          the model refitted without it but penalized with the full design; ``p`` its upper tail;
          ``test`` (``TEST``) and ``ci_method`` (``CI_METHOD``) name them;
        - model-level, the same on every row: ``n`` (complete rows), ``n_dropped``,
          ``events``, ``non_events``, ``events_per_parameter`` = min(events, non_events) /
          number of predictors, ``converged``, ``iterations``, ``penalized_loglik``,
          ``method`` (``METHOD``);
        - ``reason``: ``""``, or "not computed: …" (no complete rows, fewer rows than
          parameters, no events or no non-events, a constant predictor, predictors that are
          linear combinations of each other, or no convergence); then every number is NaN.
          A term whose profile fails to converge keeps its estimate but gets NaN interval
          and test, with its own reason.

    Raises
    ------
    ValueError
        A column is missing or used twice, no predictor is given, the outcome is not yes/no,
        a predictor is not numeric, or ``confidence`` is not between 0 and 1.
    """
    predictors = list(predictors)
    if not predictors:
        raise ValueError("predictors: give at least one predictor column (e.g. baseline HbF)")
    require_columns(frame, [outcome, *predictors])
    level = check_confidence(confidence)
    y_all = binary_values(frame[outcome], str(outcome))
    x_all = np.column_stack([numeric_values(frame, c, booleans=True) for c in predictors])
    complete = ~np.isnan(y_all) & ~np.isnan(x_all).any(axis=1)
    y, x = y_all[complete], x_all[complete]
    terms = [INTERCEPT, *map(str, predictors)]
    design = np.column_stack([np.ones(len(y)), x])
    base = {
        "n": int(complete.sum()),
        "n_dropped": int((~complete).sum()),
        "events": int(y.sum()),
        "non_events": int(len(y) - y.sum()),
    }
    base["events_per_parameter"] = min(base["events"], base["non_events"]) / len(predictors)
    why = _degenerate(design, y, terms)
    fit = None if why else fit_penalized(design, y)
    if fit is not None and not fit.converged:
        why = f"the fit did not converge in {MAX_ITER} iterations"
    if why:
        return _empty(terms, base, not_computed(why), fit)

    quantile = stats.chi2.ppf(level, 1)
    se = np.sqrt(np.diag(np.linalg.inv(augmented_information(design, fit.beta))))
    large = base["n"] > PROFILE_MAX_N
    rows = []
    for j, term in enumerate(terms):
        profile = Profile(design, y, j, fit)
        row = {"term": term, "estimate": fit.beta[j], "se": se[j],
               "odds_ratio": np.exp(fit.beta[j]), "reason": ""}
        try:
            statistic = max(2 * (fit.loglik - profile.loglik(0.0)), 0.0)
            if large:
                low, high = fit.beta[j] - np.sqrt(quantile) * se[j], fit.beta[j] + np.sqrt(quantile) * se[j]
            else:
                low, high = profile.bound(-1, quantile, se[j]), profile.bound(+1, quantile, se[j])
        except ProfileError:
            statistic = low = high = np.nan
            row["reason"] = not_computed(
                f"the profile likelihood of {term} did not converge, so its interval and test "
                "are missing")
        rows.append({**row, "ci_low": np.exp(low), "ci_high": np.exp(high),
                     "statistic": statistic, "p": stats.chi2.sf(statistic, 1)})
    out = pd.DataFrame(rows).assign(
        test=TEST, ci_method=CI_METHOD_LARGE if large else CI_METHOD, **base, converged=True, iterations=fit.iterations,
        penalized_loglik=fit.loglik, method=METHOD,
    )
    return out[list(TERM_COLUMNS)]


def linear_predictor(frame: pd.DataFrame, terms: pd.DataFrame) -> pd.Series:
    """Fitted log-odds of each row of ``frame`` from the ``terms`` of ``firth_logistic``.

    Use it as the score of ``thaldash.stats.roc`` to draw the model's ROC curve. NaN where a
    predictor is missing or the model was not computed.
    """
    require_columns(terms, ["term", "estimate"])
    coefficients = terms.set_index("term")["estimate"]
    predictors = [t for t in coefficients.index if t != INTERCEPT]
    require_columns(frame, predictors)
    values = np.full(len(frame), float(coefficients.get(INTERCEPT, np.nan)))
    for name in predictors:
        values = values + coefficients[name] * numeric_values(frame, name, booleans=True)
    return pd.Series(values, index=frame.index, name="log_odds")


def _degenerate(design: np.ndarray, y: np.ndarray, terms: list[str]) -> str:
    """Why the model cannot be fitted, or ``""``."""
    n, k = design.shape
    if n == 0:
        return "no patient has the outcome and every predictor recorded"
    if n <= k:
        return f"{n} complete patient(s) for {k} parameters; need more patients than parameters"
    if y.sum() == 0 or y.sum() == n:
        return "every patient has the same outcome, so there is nothing to predict"
    constant = [terms[j] for j in range(1, k) if np.ptp(design[:, j]) == 0]
    if constant:
        return f"{', '.join(constant)} takes one value in every complete patient"
    if np.linalg.matrix_rank(design) < k:
        return "the predictors are linear combinations of each other (e.g. an indicator and its complement)"
    return ""


def _empty(terms: list[str], base: dict, reason: str, fit: PenalizedFit | None) -> pd.DataFrame:
    out = pd.DataFrame({"term": terms}).assign(
        estimate=np.nan, se=np.nan, odds_ratio=np.nan, ci_low=np.nan, ci_high=np.nan,
        statistic=np.nan, p=np.nan, test=TEST, ci_method=CI_METHOD, **base,
        converged=False, iterations=fit.iterations if fit else 0,
        penalized_loglik=np.nan, method=METHOD, reason=reason,
    )
    return out[list(TERM_COLUMNS)]
