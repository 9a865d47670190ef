"""Association between two numeric columns (Pearson, Spearman) with a least-squares line."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
from scipy import stats

from thaldash.stats.inputs import fisher_interval, join_reasons, numeric_values, require_columns

PEARSON = "Pearson"
SPEARMAN = "Spearman"

CORRELATION_COLUMNS: tuple[str, ...] = (
    "method", "n", "n_dropped", "r", "ci_low", "ci_high", "p", "slope", "intercept",
    "computed", "reason",
)


def correlation(frame: pd.DataFrame, *, x: Hashable, y: Hashable) -> pd.DataFrame:
    """Pearson and Spearman correlation of ``y`` with ``x`` over complete pairs.

    Parameters
    ----------
    frame
        Tidy data, one observation (e.g. one patient) per row. Not modified.
    x, y
        Numeric columns; a row missing either is dropped and counted.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``PEARSON`` then ``SPEARMAN``:

        - ``method``; ``n``: complete pairs; ``n_dropped``: rows missing ``x`` or ``y``;
        - ``r``: ``scipy.stats.pearsonr`` / ``scipy.stats.spearmanr``;
        - ``ci_low``, ``ci_high``: 95% Fisher-z interval ``tanh(atanh(r) ± 1.96·se)`` with
          ``se = 1/√(n − 3)`` (Pearson) or the Bonett–Wright ``se = √((1 + r²/2)/(n − 3))``
          (Spearman); NaN when n = 3, where neither is defined;
        - ``p``: two-sided, from scipy (t distribution with n − 2 df for Spearman);
        - ``slope``, ``intercept``: least-squares line of ``y`` on ``x`` (Pearson row
          only, NaN on the Spearman row);
        - ``computed``; ``reason``: ``""`` or "not computed: …" (needs n ≥ 3 and both
          ``x`` and ``y`` not constant). When not computed, ``r`` to ``intercept`` are NaN.

    Raises
    ------
    ValueError
        A column is missing, used for both ``x`` and ``y``, not numeric or not finite.
    """
    require_columns(frame, [x, y])
    xs, ys = numeric_values(frame, x), numeric_values(frame, y)
    both = ~np.isnan(xs) & ~np.isnan(ys)
    xs, ys = xs[both], ys[both]
    n = int(both.sum())
    parts = []
    if n < 3:
        parts.append(f"only {n} complete pair(s) of {x} and {y} (need ≥ 3)")
    else:
        parts.extend(
            f"{name} has the same value ({v[0]:g}) in every complete pair"
            for name, v in ((x, xs), (y, ys))
            if v.min() == v.max()
        )
    reason = join_reasons(parts)
    base = {"n": n, "n_dropped": len(both) - n, "computed": not parts, "reason": reason}
    nan = float("nan")
    rows = [
        {"method": method, "r": nan, "ci_low": nan, "ci_high": nan, "p": nan, "slope": nan,
         "intercept": nan} | base
        for method in (PEARSON, SPEARMAN)
    ]
    if not parts:
        pearson = stats.pearsonr(xs, ys)
        spearman = stats.spearmanr(xs, ys)
        r_p, r_s = float(pearson.statistic), float(spearman.statistic)
        with np.errstate(divide="ignore"):
            se_p = 1 / np.sqrt(n - 3) if n > 3 else nan
            se_s = np.sqrt((1 + r_s**2 / 2) / (n - 3)) if n > 3 else nan
        low_p, high_p = fisher_interval(np.float64(r_p), np.float64(se_p))
        low_s, high_s = fisher_interval(np.float64(r_s), np.float64(se_s))
        dx = xs - xs.mean()
        slope = float(np.dot(dx, ys - ys.mean()) / np.dot(dx, dx))
        rows[0] |= {"r": r_p, "ci_low": float(low_p), "ci_high": float(high_p),
                    "p": float(pearson.pvalue), "slope": slope,
                    "intercept": float(ys.mean() - slope * xs.mean())}
        rows[1] |= {"r": r_s, "ci_low": float(low_s), "ci_high": float(high_s),
                    "p": float(spearman.pvalue)}
    return pd.DataFrame(rows, columns=list(CORRELATION_COLUMNS))
