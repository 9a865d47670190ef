"""The numerical core of Firth's logistic regression (``thaldash.stats.firth``): the penalized
likelihood and its Newton–Raphson fit, and the profile that gives the intervals and tests.

The fit is Newton–Raphson on the modified score with step halving; the penalty is always computed
from the full design (also when a coefficient is held fixed), as R's ``logistf`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize, special

MAX_ITER = 100
MAX_STEP = 5.0  # logistf's maxstep: no coefficient moves more than this in one iteration
TOL = 1e-9
BRACKET_LIMIT = 60.0  # log-odds; a profile bound beyond ±60 is reported as infinite


@dataclass(frozen=True)
class PenalizedFit:
    beta: np.ndarray
    loglik: float  # penalized
    converged: bool
    iterations: int


def penalized_state(design: np.ndarray, y: np.ndarray, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
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


def augmented_information(design: np.ndarray, beta: np.ndarray, hat: np.ndarray | None = None) -> np.ndarray:
    """X'·diag(wᵢ(1 + hᵢ))·X, the information of logistf's augmented-data fit."""
    prob = special.expit(design @ beta)
    if hat is None:
        hat = penalized_state(design, np.zeros(len(prob)), beta)[2]
    weight = prob * (1 - prob) * (1 + hat)
    return design.T @ (design * weight[:, None])


def fit_penalized(
    design: np.ndarray, y: np.ndarray, *, fixed: int | None = None,
    value: float = 0.0, start: np.ndarray | None = None,
) -> PenalizedFit:
    """Maximise the penalized log-likelihood, optionally with coefficient ``fixed`` = ``value``."""
    k = design.shape[1]
    beta = np.zeros(k) if start is None else start.astype("float64").copy()
    free = np.ones(k, dtype=bool)
    if fixed is not None:
        beta[fixed] = value
        free[fixed] = False
    loglik, prob, hat = penalized_state(design, y, beta)
    for iteration in range(1, MAX_ITER + 1):
        score = design[:, free].T @ (y - prob + hat * (0.5 - prob))
        info = augmented_information(design, beta, hat)[np.ix_(free, free)]
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            return PenalizedFit(beta, loglik, False, iteration)
        largest = np.max(np.abs(step)) if step.size else 0.0
        if largest > MAX_STEP:
            step = step * (MAX_STEP / largest)
        for _ in range(30):  # step halving while the penalized likelihood drops
            trial = beta.copy()
            trial[free] += step
            new_loglik, new_prob, new_hat = penalized_state(design, y, trial)
            if new_loglik >= loglik - 1e-12:
                break
            step = step / 2
        change = new_loglik - loglik
        beta, loglik, prob, hat = trial, new_loglik, new_prob, new_hat
        # Newton steps shrink quadratically near the maximum; the score itself is a sum over
        # patients, so an absolute bound on it would never be met in a large cohort
        moved = np.max(np.abs(step), initial=0.0)
        if moved < TOL or (moved < 1e-6 and abs(change) <= 1e-12 * max(1.0, abs(loglik))):
            return PenalizedFit(beta, loglik, True, iteration)
    return PenalizedFit(beta, loglik, False, MAX_ITER)


class ProfileError(RuntimeError):
    """A constrained fit of the profile did not converge."""


class Profile:
    """Profile penalized log-likelihood of coefficient ``index``, warm-started fit to fit."""

    def __init__(self, design: np.ndarray, y: np.ndarray, index: int, full: PenalizedFit) -> None:
        self.design, self.y, self.index, self.full = design, y, index, full
        self._start = full.beta

    def loglik(self, value: float) -> float:
        fit = fit_penalized(self.design, self.y, fixed=self.index, value=value, start=self._start)
        if not fit.converged:  # a warm start far from the answer can stall; retry from the fit
            fit = fit_penalized(self.design, self.y, fixed=self.index, value=value, start=self.full.beta)
        if not fit.converged:
            raise ProfileError(value)
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
            if abs(outer - centre) > BRACKET_LIMIT:
                return side * np.inf
            inner, outer = outer, centre + side * 2 * abs(outer - centre)
        return float(optimize.brentq(gap, min(inner, outer), max(inner, outer), xtol=1e-9))
