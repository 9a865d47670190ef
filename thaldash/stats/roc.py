"""ROC curve and area under it, with DeLong's interval, for a score against a yes/no outcome.

Why: to say how well baseline HbF (or a model's fitted log-odds) separates patients who became
transfusion independent from those who did not, with an honest interval at n ≈ 34.

The AUC is the Mann–Whitney probability P(score of a positive > score of a negative) + ½·P(tie);
its variance is DeLong, DeLong & Clarke-Pearson (1988), computed from mid-ranks
(Sun & Xu 2014) in O(n log n), the same estimator as R pROC's ``var()`` and ``ci.auc()``.
Higher scores are taken to indicate the positive outcome; the curve is never flipped, so an
AUC below 0.5 means the score points the other way.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
from scipy import stats

from thaldash.stats.inputs import (
    binary_values,
    check_confidence,
    not_computed,
    numeric_values,
    require_columns,
    z_value,
)

METHOD = "DeLong"
CURVE_COLUMNS: tuple[str, ...] = ("threshold", "tp", "fp", "tpr", "fpr")
AUC_COLUMNS: tuple[str, ...] = (
    "n", "n_dropped", "n_pos", "n_neg", "auc", "se", "ci_low", "ci_high", "method", "reason",
)


def roc_curve(frame: pd.DataFrame, *, outcome: Hashable, score: Hashable) -> pd.DataFrame:
    """The empirical ROC curve: one point per distinct score, calling "positive" score ≥ threshold.

    Parameters
    ----------
    frame
        One row per patient. Not modified. Rows with a missing outcome or score are left out.
    outcome
        Column coded True/False or 1/0 (True = positive, e.g. transfusion independent).
    score
        Numeric column; higher values are expected in positives.

    Returns
    -------
    pandas.DataFrame
        Points in order of decreasing threshold, starting at (0, 0) with threshold +inf and
        ending at (1, 1) at the lowest score:

        - ``threshold``; ``tp``, ``fp``: positives and negatives with score ≥ threshold;
        - ``tpr`` = tp / positives (sensitivity), ``fpr`` = fp / negatives (1 − specificity).

        No rows when there is no positive or no negative (``roc_auc`` says why).

    Raises
    ------
    ValueError
        A column is missing, the outcome is not yes/no, or the score is not numeric.
    """
    y, x, _ = _values(frame, outcome, score)
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    if n_pos == 0 or n_neg == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in CURVE_COLUMNS})
    order = np.argsort(-x, kind="stable")
    x, y = x[order], y[order]
    # the last patient of each run of tied scores closes a point of the curve
    last = np.r_[np.flatnonzero(np.diff(x) != 0), len(x) - 1]
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    out = pd.DataFrame({
        "threshold": np.r_[np.inf, x[last]],
        "tp": np.r_[0, tp].astype("int64"),
        "fp": np.r_[0, fp].astype("int64"),
    })
    return out.assign(tpr=out["tp"] / n_pos, fpr=out["fp"] / n_neg)[list(CURVE_COLUMNS)]


def roc_auc(
    frame: pd.DataFrame, *, outcome: Hashable, score: Hashable, confidence: float = 0.95
) -> pd.DataFrame:
    """Area under the ROC curve with its DeLong standard error and confidence interval.

    Parameters
    ----------
    frame, outcome, score
        As in ``roc_curve``.
    confidence
        Coverage of the interval.

    Returns
    -------
    pandas.DataFrame
        One row:

        - ``n``: patients with outcome and score; ``n_dropped``: rows left out for a missing
          value; ``n_pos``, ``n_neg``: positives and negatives among ``n``;
        - ``auc``: U / (n_pos · n_neg), U the Mann–Whitney statistic of the positives (ties
          count ½); computed whenever both groups have a patient;
        - ``se``: √ of DeLong's variance (sample variances of the placement values, ddof 1);
        - ``ci_low``, ``ci_high``: ``auc ± z·se``, clipped to [0, 1] as pROC does;
        - ``method``: ``METHOD``;
        - ``reason``: ``""``, or "not computed: …". When a group is empty everything is NaN;
          when a group has a single patient, or the score separates the groups completely
          (AUC 0 or 1, where DeLong's variance is 0 and the interval would have no width),
          ``auc`` is given but ``se`` and the interval are NaN.

    Raises
    ------
    ValueError
        As ``roc_curve``; ``confidence`` not between 0 and 1.
    """
    level = check_confidence(confidence)
    y, x, dropped = _values(frame, outcome, score)
    pos, neg = x[y == 1], x[y == 0]
    m, n = len(pos), len(neg)
    row = {"n": m + n, "n_dropped": dropped, "n_pos": m, "n_neg": n, "auc": np.nan,
           "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "method": METHOD, "reason": ""}
    if m == 0 or n == 0:
        row["reason"] = not_computed(f"an AUC needs positives and negatives; there are {m} and {n}")
        return pd.DataFrame([row])[list(AUC_COLUMNS)]
    both = stats.rankdata(np.r_[pos, neg])
    # placement values: the share of the other group each patient outranks (ties ½)
    v_pos = (both[:m] - stats.rankdata(pos)) / n
    v_neg = 1 - (both[m:] - stats.rankdata(neg)) / m
    auc = float(v_pos.mean())
    row["auc"] = auc
    if m < 2 or n < 2:
        row["reason"] = not_computed(
            f"DeLong's interval needs at least 2 positives and 2 negatives; there are {m} and {n}")
    elif auc in (0.0, 1.0):
        row["reason"] = not_computed(
            "the score separates the two groups completely, so DeLong's interval has no width")
    else:
        se = float(np.sqrt(v_pos.var(ddof=1) / m + v_neg.var(ddof=1) / n))
        half = z_value(level) * se
        row.update(se=se, ci_low=max(auc - half, 0.0), ci_high=min(auc + half, 1.0))
    return pd.DataFrame([row])[list(AUC_COLUMNS)]


def _values(frame: pd.DataFrame, outcome: Hashable, score: Hashable) -> tuple[np.ndarray, np.ndarray, int]:
    """Outcome (0/1) and score of the complete rows, and how many rows were left out."""
    require_columns(frame, [outcome, score])
    y = binary_values(frame[outcome], str(outcome))
    x = numeric_values(frame, score, booleans=True)
    keep = ~np.isnan(y) & ~np.isnan(x)
    return y[keep], x[keep], int((~keep).sum())
