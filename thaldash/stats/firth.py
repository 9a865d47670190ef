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
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special, stats

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
TERM_COLUMNS: tuple[str, ...] = (
    "term", "estimate", "se", "odds_ratio", "ci_low", "ci_high", "statistic", "p", "test",
    "ci_method", "n", "n_dropped", "events", "non_events", "events_per_parameter",
    "converged", "iterations", "penalized_loglik", "method", "reason",
)
_MAX_ITER = 100
_MAX_STEP = 5.0  # logistf's maxstep: no coefficient moves more than this in one iteration
_TOL = 1e-9
_BRACKET_LIMIT = 60.0  # log-odds; a profile bound beyond ±60 is reported as infinite


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray
    loglik: float  # penalized
    converged: bool
    iterations: int


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
        Coverage of the profile-likelihood intervals.

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
    fit = None if why else _fit(design, y)
    if fit is not None and not fit.converged:
        why = f"the fit did not converge in {_MAX_ITER} iterations"
    if why:
        return _empty(terms, base, not_computed(why), fit)

    quantile = stats.chi2.ppf(level, 1)
    se = np.sqrt(np.diag(np.linalg.inv(_augmented_information(design, fit.beta))))
    rows = []
    for j, term in enumerate(terms):
        profile = _Profile(design, y, j, fit)
        row = {"term": term, "estimate": fit.beta[j], "se": se[j],
               "odds_ratio": np.exp(fit.beta[j]), "reason": ""}
        try:
            statistic = max(2 * (fit.loglik - profile.loglik(0.0)), 0.0)
            low, high = profile.bound(-1, quantile, se[j]), profile.bound(+1, quantile, se[j])
        except _ProfileError:
            statistic = low = high = np.nan
            row["reason"] = not_computed(
                f"the profile likelihood of {term} did not converge, so its interval and test "
                "are missing")
        rows.append({**row, "ci_low": np.exp(low), "ci_high": np.exp(high),
                     "statistic": statistic, "p": stats.chi2.sf(statistic, 1)})
    out = pd.DataFrame(rows).assign(
        test=TEST, ci_method=CI_METHOD, **base, converged=True, iterations=fit.iterations,
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


def _empty(terms: list[str], base: dict, reason: str, fit: _Fit | None) -> pd.DataFrame:
    out = pd.DataFrame({"term": terms}).assign(
        estimate=np.nan, se=np.nan, odds_ratio=np.nan, ci_low=np.nan, ci_high=np.nan,
        statistic=np.nan, p=np.nan, test=TEST, ci_method=CI_METHOD, **base,
        converged=False, iterations=fit.iterations if fit else 0,
        penalized_loglik=np.nan, method=METHOD, reason=reason,
    )
    return out[list(TERM_COLUMNS)]


def _state(design: np.ndarray, y: np.ndarray, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Penalized log-likelihood, fitted probabilities and leverages hᵢ at ``beta``."""
    eta = design @ beta
    prob = special.expit(eta)
    weight = prob * (1 - prob)
    loglik = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    root_w = design * np.sqrt(weight)[:, None]
    try:
        # Cholesky of the k×k information: log det and the hat diagonal in O(n·k²)
        chol = linalg.cholesky(root_w.T @ root_w, lower=True)
    except linalg.LinAlgError:
        return -np.inf, prob, np.zeros_like(prob)
    # hᵢ = ‖L⁻¹·(W^½X)ᵢ‖²; one matrix-vector product per column is far faster here than a
    # triangular solve with n right-hand sides or an (n×k)·(k×k) product
    inverse = np.linalg.inv(chol)
    hat = np.zeros(len(prob))
    for row in inverse:
        hat += (root_w @ row) ** 2
    return loglik + float(np.sum(np.log(np.diag(chol)))), prob, hat


def _augmented_information(design: np.ndarray, beta: np.ndarray, hat: np.ndarray | None = None) -> np.ndarray:
    """X'·diag(wᵢ(1 + hᵢ))·X, the information of logistf's augmented-data fit."""
    prob = special.expit(design @ beta)
    if hat is None:
        hat = _state(design, np.zeros(len(prob)), beta)[2]
    weight = prob * (1 - prob) * (1 + hat)
    return design.T @ (design * weight[:, None])


def _fit(
    design: np.ndarray, y: np.ndarray, *, fixed: int | None = None,
    value: float = 0.0, start: np.ndarray | None = None,
) -> _Fit:
    """Maximise the penalized log-likelihood, optionally with coefficient ``fixed`` = ``value``."""
    k = design.shape[1]
    beta = np.zeros(k) if start is None else start.astype("float64").copy()
    free = np.ones(k, dtype=bool)
    if fixed is not None:
        beta[fixed] = value
        free[fixed] = False
    loglik, prob, hat = _state(design, y, beta)
    for iteration in range(1, _MAX_ITER + 1):
        score = design[:, free].T @ (y - prob + hat * (0.5 - prob))
        info = _augmented_information(design, beta, hat)[np.ix_(free, free)]
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            return _Fit(beta, loglik, False, iteration)
        largest = np.max(np.abs(step)) if step.size else 0.0
        if largest > _MAX_STEP:
            step = step * (_MAX_STEP / largest)
        for _ in range(30):  # step halving while the penalized likelihood drops
            trial = beta.copy()
            trial[free] += step
            new_loglik, new_prob, new_hat = _state(design, y, trial)
            if new_loglik >= loglik - 1e-12:
                break
            step = step / 2
        change = new_loglik - loglik
        beta, loglik, prob, hat = trial, new_loglik, new_prob, new_hat
        # Newton steps shrink quadratically near the maximum; the score itself is a sum over
        # patients, so an absolute bound on it would never be met in a large cohort
        moved = np.max(np.abs(step), initial=0.0)
        if moved < _TOL or (moved < 1e-6 and abs(change) <= 1e-12 * max(1.0, abs(loglik))):
            return _Fit(beta, loglik, True, iteration)
    return _Fit(beta, loglik, False, _MAX_ITER)


class _ProfileError(RuntimeError):
    """A constrained fit of the profile did not converge."""


class _Profile:
    """Profile penalized log-likelihood of coefficient ``index``, warm-started fit to fit."""

    def __init__(self, design: np.ndarray, y: np.ndarray, index: int, full: _Fit) -> None:
        self.design, self.y, self.index, self.full = design, y, index, full
        self._start = full.beta

    def loglik(self, value: float) -> float:
        fit = _fit(self.design, self.y, fixed=self.index, value=value, start=self._start)
        if not fit.converged:  # a warm start far from the answer can stall; retry from the fit
            fit = _fit(self.design, self.y, fixed=self.index, value=value, start=self.full.beta)
        if not fit.converged:
            raise _ProfileError(value)
        self._start = fit.beta
        return fit.loglik

    def bound(self, side: int, quantile: float, se: float) -> float:
        """Where 2·(ℓ̂ − ℓ_profile) reaches ``quantile`` on ``side`` (−1 low, +1 high)."""
        centre = float(self.full.beta[self.index])
        target = self.full.loglik - quantile / 2

        def gap(value: float) -> float:
            return self.loglik(value) - target

        self._start = self.full.beta
        # the Wald limit is usually close: start just beyond it, then double the distance
        step = 2.2 * se if np.isfinite(se) and se > 0 else 1.0
        inner, outer = centre, centre + side * step
        while gap(outer) > 0:
            if abs(outer - centre) > _BRACKET_LIMIT:
                return side * np.inf
            inner, outer = outer, centre + side * 2 * abs(outer - centre)
        return float(optimize.brentq(gap, min(inner, outer), max(inner, outer), xtol=1e-9))
