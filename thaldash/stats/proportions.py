"""Confidence intervals for proportions (response rates, tier shares)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from thaldash.stats.inputs import CONFIDENCE, NOT_COMPUTED, require_columns

ProportionMethod = Literal["clopper-pearson", "wilson"]
CI_METHOD_NAMES: dict[str, str] = {
    "clopper-pearson": "Clopper–Pearson exact",
    "wilson": "Wilson score",
}


def proportion_ci(
    successes: int, n: int, *, method: ProportionMethod = "clopper-pearson"
) -> tuple[float, float]:
    """95% confidence interval for ``successes / n``, as fractions between 0 and 1.

    ``"clopper-pearson"`` is the exact interval from beta quantiles (0 and 1 at the ends);
    ``"wilson"`` is the Wilson score interval without continuity correction. Returns
    ``(nan, nan)`` when ``n`` is 0.

    Raises
    ------
    ValueError
        Unknown method; counts negative, not whole numbers, or ``successes > n``.
    """
    low, high = _interval(np.array([successes]), np.array([n]), method, "successes", "n")
    return float(low[0]), float(high[0])


def proportion_table(
    counts: pd.DataFrame,
    *,
    count: Hashable = "n",
    total: Hashable = "total",
    method: ProportionMethod = "clopper-pearson",
) -> pd.DataFrame:
    """``counts`` with the percentage and its 95% confidence interval added.

    Parameters
    ----------
    counts
        One row per category (e.g. per response tier), with a count and its denominator.
        Not modified.
    count, total
        Columns holding the successes and the denominator.
    method
        ``"clopper-pearson"`` (default) or ``"wilson"``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``counts`` with, appended:

        - ``pct``: 100 · count / total; ``ci_low``, ``ci_high``: the 95% interval, in percent;
        - ``ci_method``: "Clopper–Pearson exact" or "Wilson score";
        - ``computed``; ``reason``: ``""``, or "not computed: total is 0" (then ``pct`` and
          the interval are NaN).

    Raises
    ------
    ValueError
        Unknown method; a column is missing; counts negative, missing, not whole numbers,
        or a count above its total.
    """
    require_columns(counts, [count, total])
    k = counts[count].to_numpy("float64", na_value=np.nan)
    n = counts[total].to_numpy("float64", na_value=np.nan)
    low, high = _interval(k, n, method, str(count), str(total))
    empty = n == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(empty, np.nan, 100 * k / n)
    return counts.assign(
        pct=pct,
        ci_low=100 * low,
        ci_high=100 * high,
        ci_method=CI_METHOD_NAMES[method],
        computed=~empty,
        reason=np.where(empty, NOT_COMPUTED + f"{total} is 0", ""),
    )


def _interval(
    k: np.ndarray, n: np.ndarray, method: str, k_name: str, n_name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised interval (fractions); NaN where ``n`` is 0."""
    if method not in CI_METHOD_NAMES:
        raise ValueError(f"interval method {method!r} is not available; choose "
                         "clopper-pearson or wilson")
    k, n = np.asarray(k, dtype="float64"), np.asarray(n, dtype="float64")
    for name, v in ((k_name, k), (n_name, n)):
        bad = ~np.isfinite(v) | (v < 0) | (v != np.round(v))
        if bad.any():
            raise ValueError(f"{name}: {v[bad][0]!r} is not a whole number ≥ 0")
    over = k > n
    if over.any():
        raise ValueError(f"{k_name}: {k[over][0]:g} is more than its {n_name} {n[over][0]:g}")
    alpha = 1 - CONFIDENCE
    empty = n == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "clopper-pearson":
            low = np.where(k == 0, 0.0, stats.beta.ppf(alpha / 2, k, n - k + 1))
            high = np.where(k == n, 1.0, stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
        else:
            z = stats.norm.ppf(1 - alpha / 2)
            phat = k / n
            centre = (phat + z**2 / (2 * n)) / (1 + z**2 / n)
            half = z / (1 + z**2 / n) * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2))
            # the ends are exactly 0 (k = 0) and 1 (k = n); rounding would leave 1 − 1e-16
            low = np.where(k == 0, 0.0, centre - half)
            high = np.where(k == n, 1.0, centre + half)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)
