"""Partial pooling of k/n across groups: beta-binomial empirical Bayes.

Why: transfusion independence per genotype is k/n with n of 1 to 6; a raw 1/1 or 0/2 says
little. Partial pooling shrinks each group's proportion toward the common one by an amount the
data choose: little when the groups clearly differ, much when their spread is no more than
binomial noise.

Model: kᵢ ~ Binomial(nᵢ, pᵢ), pᵢ ~ Beta(α, β). α and β maximise the marginal (beta-binomial)
likelihood Σ log BetaBinom(kᵢ; nᵢ, α, β) (``scipy.stats.betabinom``, ``scipy.optimize``); each
group's estimate is its posterior Beta(α + kᵢ, β + nᵢ − kᵢ). The intervals treat α and β as
known, so they are somewhat too narrow when there are few groups.

Two boundaries are reported as such, not as numbers: the likelihood can be largest as
α + β → ∞ (no spread beyond binomial noise: complete pooling, every group gets the pooled
proportion and its Clopper–Pearson interval), or as α + β → 0 (every group all-or-none: no
pooling is supported, nothing is computed).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from thaldash.stats.inputs import check_confidence, not_computed, require_columns

METHOD = "beta-binomial empirical Bayes (marginal maximum likelihood)"
COMPLETE_METHOD = "complete pooling (no spread beyond binomial noise); Clopper–Pearson interval"
POOLING_COLUMNS: tuple[str, ...] = (
    "n", "k", "proportion", "estimate", "ci_low", "ci_high", "alpha", "beta", "pooling",
    "method", "reason",
)
# Bounds of log(α + β) searched; a maximum at either end is a boundary. Above α + β ≈ e^15 (3 million)
# scipy's beta-binomial log-likelihood loses digits to cancellation (about 1e-5 at e^20, more at e^25),
# enough for an optimizer to "find" a maximum there whose mean is off by 1e-3; so large a prior is
# complete pooling for any count this dashboard sees.
_LOG_M = (-12.0, 15.0)
_BOUNDARY = 1e-7  # log-likelihood gain below which the boundary model is taken


def partial_pooling(
    frame: pd.DataFrame,
    *,
    successes: Hashable,
    trials: Hashable,
    group: Hashable,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Each group's proportion shrunk toward the common one by beta-binomial empirical Bayes.

    Parameters
    ----------
    frame
        One row per group (e.g. per genotype): successes k and trials n. Not modified.
    successes, trials, group
        Column names.
    confidence
        Coverage of the equal-tailed posterior interval.

    Returns
    -------
    pandas.DataFrame
        One row per group, in the order of ``frame``:

        - the ``group`` column; ``n``, ``k``; ``proportion`` = k / n (raw);
        - ``estimate``: posterior mean (α + k) / (α + β + n); ``ci_low``, ``ci_high``: the
          posterior's equal-tailed interval;
        - ``alpha``, ``beta``: the fitted prior (the same on every row; inf under complete
          pooling);
        - ``pooling``: "partial", "complete" (α + β → ∞: estimate = pooled Σk/Σn with its
          Clopper–Pearson interval) or "none" (α + β → 0, nothing computed);
        - ``method``: ``METHOD``, or ``COMPLETE_METHOD`` under complete pooling;
        - ``reason``: ``""`` or "not computed: …" (fewer than 3 groups with patients; no group
          with any success or every trial a success; every group all-or-none; a group
          without patients). Then ``estimate``, the interval, ``alpha`` and ``beta`` are NaN.

    Raises
    ------
    ValueError
        A column is missing; counts missing, negative, not whole numbers, or k > n; a group
        listed twice; ``confidence`` not between 0 and 1.
    """
    level = check_confidence(confidence)
    require_columns(frame, [group, successes, trials])
    k, n = _counts(frame, successes, trials)
    if frame[group].duplicated().any():
        raise ValueError(f"{group}: {frame[group][frame[group].duplicated()].iloc[0]!r} is listed "
                         "twice; give one row per group")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({group: frame[group].to_numpy(), "n": n.astype("int64"),
                            "k": k.astype("int64"), "proportion": np.where(n > 0, k / n, np.nan)})
    used = n > 0
    why = _degenerate(k[used], n[used])
    if why:
        return _finish(out, np.nan, np.nan, "none", METHOD, not_computed(why), used)
    alpha, beta = _fit(k[used], n[used])
    if alpha is None:
        return _finish(out, np.nan, np.nan, "none", METHOD, not_computed(
            "every group is all-or-none, so the groups share nothing to pool"), used)
    tail = (1 - level) / 2
    if np.isinf(alpha):
        total_k, total_n = int(k[used].sum()), int(n[used].sum())
        interval = stats.binomtest(total_k, total_n).proportion_ci(level, method="exact")
        result = out.assign(estimate=total_k / total_n, ci_low=interval.low, ci_high=interval.high)
        return _finish(result, np.inf, np.inf, "complete", COMPLETE_METHOD, "", used)
    a_post, b_post = alpha + k, beta + n - k
    result = out.assign(
        estimate=a_post / (a_post + b_post),
        ci_low=stats.beta.ppf(tail, a_post, b_post),
        ci_high=stats.beta.ppf(1 - tail, a_post, b_post),
    )
    return _finish(result, alpha, beta, "partial", METHOD, "", used)


def beta_binomial_loglik(alpha: float, beta: float, k: np.ndarray, n: np.ndarray) -> float:
    """Marginal log-likelihood Σ log BetaBinom(kᵢ; nᵢ, α, β) (``scipy.stats.betabinom``)."""
    return float(np.sum(stats.betabinom.logpmf(k, n, alpha, beta)))


def _counts(frame: pd.DataFrame, successes: Hashable, trials: Hashable) -> tuple[np.ndarray, np.ndarray]:
    k = pd.to_numeric(frame[successes], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    n = pd.to_numeric(frame[trials], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    for name, v in ((successes, k), (trials, n)):
        bad = ~np.isfinite(v) | (v < 0) | (v != np.round(v))
        if bad.any():
            raise ValueError(f"{name}: {frame[name][bad].iloc[0]!r} is not a whole number ≥ 0")
    if (k > n).any():
        raise ValueError(f"{successes}: {k[k > n][0]:g} is more than its {trials} {n[k > n][0]:g}")
    return k, n


def _degenerate(k: np.ndarray, n: np.ndarray) -> str:
    if len(n) < 3:
        return f"{len(n)} group(s) with patients; pooling needs at least 3"
    if k.sum() == 0:
        return "no group has a success, so there is no spread to estimate"
    if k.sum() == n.sum():
        return "every trial in every group is a success, so there is no spread to estimate"
    return ""


def _fit(k: np.ndarray, n: np.ndarray) -> tuple[float | None, float]:
    """(α, β) maximising the marginal likelihood; (inf, inf) for complete pooling; None for none."""
    pooled = k.sum() / n.sum()

    def negative(theta: np.ndarray) -> float:
        mean, size = special.expit(theta[0]), np.exp(theta[1])
        return -beta_binomial_loglik(mean * size, (1 - mean) * size, k, n)

    best = None
    for log_m in (-2.0, 1.0, 4.0, 8.0):  # several starts: the surface can be flat in log M
        res = optimize.minimize(negative, np.array([special.logit(pooled), log_m]),
                                method="L-BFGS-B", bounds=[(-30, 30), _LOG_M])
        if best is None or res.fun < best.fun:
            best = res
    complete = float(np.sum(stats.binom.logpmf(k, n, pooled)))  # the α + β → ∞ limit
    if -best.fun <= complete + _BOUNDARY or best.x[1] >= _LOG_M[1] - 1e-3:
        return np.inf, np.inf
    if best.x[1] <= _LOG_M[0] + 1e-3:
        return None, np.nan
    mean, size = special.expit(best.x[0]), np.exp(best.x[1])
    return float(mean * size), float((1 - mean) * size)


def _finish(out: pd.DataFrame, alpha: float, beta: float, pooling: str, method: str,
            reason: str, used: np.ndarray) -> pd.DataFrame:
    for column in ("estimate", "ci_low", "ci_high"):
        if column not in out:
            out = out.assign(**{column: np.nan})
    out = out.assign(alpha=alpha, beta=beta, pooling=pooling, method=method, reason=reason)
    if not used.all():  # a group without patients gets no estimate of its own
        empty = ~used
        out.loc[empty, ["estimate", "ci_low", "ci_high"]] = np.nan
        out.loc[empty, "reason"] = not_computed("this group has no patients")
    return out[[out.columns[0], *POOLING_COLUMNS]]
