"""Proportions with their confidence intervals (response rates, tier shares): the one implementation.

Every rate the dashboard, the report and the CLI show goes through ``proportions``: the
percentage, its interval and, where it is not given, the reason. Clopper–Pearson is computed from
the inverse regularised incomplete beta function (``scipy.special``), which is what
``scipy.stats.binomtest(k, n).proportion_ci(method="exact")`` returns, vectorised, and costs no
``scipy.stats`` import at a cold start.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import special

from thaldash.stats.inputs import CONFIDENCE, NOT_COMPUTED

ProportionMethod = Literal["clopper-pearson", "wilson"]
CI_METHOD_NAMES: dict[str, str] = {
    "clopper-pearson": "Clopper–Pearson exact",
    "wilson": "Wilson score",
}
MIN_FOR_INTERVAL = 2
"""An interval needs at least this many patients in the denominator. Clopper–Pearson exists for one
patient (0–97.5 % or 2.5–100 %), but an interval that says "anything" reads as a result."""


def proportion_interval(k: np.ndarray | int, n: np.ndarray | int, *, method: ProportionMethod = "clopper-pearson",
                        confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised interval for ``k`` successes of ``n``, as fractions; NaN where ``n`` is 0.

    ``"clopper-pearson"`` is the exact interval from beta quantiles (0 and 1 at the ends);
    ``"wilson"`` is the Wilson score interval without continuity correction.

    Raises
    ------
    ValueError
        Unknown method; counts negative, not whole numbers, or ``k > n``.
    """
    if method not in CI_METHOD_NAMES:
        raise ValueError(f"interval method {method!r} is not available; choose clopper-pearson or wilson")
    k, n = np.atleast_1d(np.asarray(k, dtype="float64")), np.atleast_1d(np.asarray(n, dtype="float64"))
    for name, v in (("successes", k), ("n", n)):
        bad = ~np.isfinite(v) | (v < 0) | (v != np.round(v))
        if bad.any():
            raise ValueError(f"{name}: {v[bad][0]!r} is not a whole number ≥ 0")
    over = k > n
    if over.any():
        raise ValueError(f"successes: {k[over][0]:g} is more than its n {n[over][0]:g}")
    alpha = 1 - confidence
    empty = n == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "clopper-pearson":
            low = np.where(k > 0, special.betaincinv(k, n - k + 1, alpha / 2), 0.0)
            high = np.where(k < n, special.betaincinv(k + 1, n - k, 1 - alpha / 2), 1.0)
        else:
            z = special.ndtri(1 - alpha / 2)
            phat = k / n
            centre = (phat + z**2 / (2 * n)) / (1 + z**2 / n)
            half = z / (1 + z**2 / n) * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2))
            # the ends are exactly 0 (k = 0) and 1 (k = n); rounding would leave 1 − 1e-16
            low = np.where(k == 0, 0.0, centre - half)
            high = np.where(k == n, 1.0, centre + half)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def proportions(n: np.ndarray, total: np.ndarray, *, method: ProportionMethod = "clopper-pearson",
                confidence: float = CONFIDENCE, noun: str = "patient") -> dict[str, np.ndarray]:
    """Percentages of counts ``n`` out of ``total`` with their intervals, or why not.

    ``noun`` names one member of the denominator in the reasons ("evaluable patient": "not
    computed: no evaluable patients").

    Returns a dict of equal-length arrays (columns for a frame): ``pct`` (100 · n / total, NaN
    when total is 0), ``ci_low``, ``ci_high`` (percent; NaN when total < ``MIN_FOR_INTERVAL``),
    ``ci_method`` (e.g. "Clopper–Pearson exact 95%", "" without an interval), ``computed``
    (an interval is given) and ``reason`` ("" or "not computed: …").
    """
    n, total = np.asarray(n, dtype=float), np.asarray(total, dtype=float)
    low, high = proportion_interval(n, total, method=method, confidence=confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(total > 0, 100 * n / np.where(total > 0, total, 1), np.nan)
    computed = total >= MIN_FOR_INTERVAL
    reason = np.select([total <= 0, total < MIN_FOR_INTERVAL],
                       [NOT_COMPUTED + f"no {noun}s",
                        NOT_COMPUTED + f"only 1 {noun} (an interval needs at least {MIN_FOR_INTERVAL})"], "")
    return {"pct": pct, "ci_low": np.where(computed, 100 * low, np.nan),
            "ci_high": np.where(computed, 100 * high, np.nan),
            "ci_method": np.where(computed, f"{CI_METHOD_NAMES[method]} {confidence * 100:g}%", ""),
            "computed": computed, "reason": reason.astype(object)}
