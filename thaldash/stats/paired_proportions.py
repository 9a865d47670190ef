"""Difference between two proportions measured on the same patients (paired binary data).

Why: grading the same 48 patients under two rule sets (the paper's rules and the rules that
reproduce its Table 3, say) gives two response rates that are not independent; an interval for
independent proportions would be too wide or too narrow. The information is in the discordant
patients, those responding under one rule set only.

Interval: Newcombe (1998), Stat Med 17:2635, method 10 — the hybrid score interval that
combines the Wilson intervals of the two marginal proportions with a correction for their
correlation (φ). Test: exact McNemar — a two-sided binomial test that the discordant patients
split 50:50 (``scipy.stats.binomtest``).
"""

from __future__ import annotations

import math

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from thaldash.stats.inputs import binary_values, check_confidence, not_computed, z_value

ESTIMATE_KIND = "p_b − p_a (share positive under B minus share positive under A)"
CI_METHOD = "Newcombe (1998) method 10: hybrid Wilson score interval for paired data"
TEST = "exact McNemar (two-sided binomial test of the discordant pairs)"
PAIRED_COLUMNS: tuple[str, ...] = (
    "n", "n_dropped", "n_a", "n_b", "both", "neither", "discordant_ab", "discordant_ba",
    "p_a", "p_b", "diff", "estimate_kind", "ci_low", "ci_high", "ci_method", "p", "test",
    "reason",
)


def paired_difference(
    x: Sequence[object] | np.ndarray | pd.Series,
    y: Sequence[object] | np.ndarray | pd.Series,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Difference p_b − p_a of two yes/no classifications A (``x``) and B (``y``) of the same patients.

    Parameters
    ----------
    x, y
        True/False or 1/0 per patient, in the same patient order (e.g. responder under rules
        A and under rules B). A patient missing in either is left out (``n_dropped``).
    confidence
        Coverage of the interval.

    Returns
    -------
    pandas.DataFrame
        One row:

        - ``n``: patients classified by both; ``n_dropped``;
        - ``n_a``, ``n_b``: positives under A and under B; ``both``, ``neither``;
        - ``discordant_ab``: positive under A only (x = 1, y = 0); ``discordant_ba``: under B
          only (x = 0, y = 1);
        - ``p_a`` = n_a / n, ``p_b`` = n_b / n; ``diff`` = p_b − p_a, whose meaning
          ``estimate_kind`` states;
        - ``ci_low``, ``ci_high``: Newcombe's method 10 interval for ``diff``; ``ci_method``;
        - ``p``: exact McNemar P value (1 when no patient is discordant); ``test``;
        - ``reason``: ``""``, or "not computed: no patient is classified by both" (then the
          proportions, ``diff``, the interval and ``p`` are NaN).

    Raises
    ------
    ValueError
        ``x`` and ``y`` differ in length, a value is not yes/no, or ``confidence`` is not
        between 0 and 1.
    """
    level = check_confidence(confidence)
    a_values = binary_values(pd.Series(x).reset_index(drop=True), "x (classification A)")
    b_values = binary_values(pd.Series(y).reset_index(drop=True), "y (classification B)")
    if len(a_values) != len(b_values):
        raise ValueError(f"x has {len(a_values)} patients and y has {len(b_values)}; both must "
                         "classify the same patients in the same order")
    keep = ~np.isnan(a_values) & ~np.isnan(b_values)
    a_pos, b_pos = a_values[keep] == 1, b_values[keep] == 1
    n = int(keep.sum())
    both, neither = int(np.sum(a_pos & b_pos)), int(np.sum(~a_pos & ~b_pos))
    only_a, only_b = int(np.sum(a_pos & ~b_pos)), int(np.sum(~a_pos & b_pos))
    row = {
        "n": n, "n_dropped": int((~keep).sum()), "n_a": both + only_a, "n_b": both + only_b,
        "both": both, "neither": neither, "discordant_ab": only_a, "discordant_ba": only_b,
        "p_a": np.nan, "p_b": np.nan, "diff": np.nan, "estimate_kind": ESTIMATE_KIND,
        "ci_low": np.nan, "ci_high": np.nan, "ci_method": CI_METHOD, "p": np.nan, "test": TEST,
        "reason": "",
    }
    if n == 0:
        row["reason"] = not_computed("no patient is classified by both A and B")
        return pd.DataFrame([row])[list(PAIRED_COLUMNS)]
    low, high = newcombe_interval(both, only_b, only_a, neither, confidence=level)
    discordant = only_a + only_b
    p = 1.0 if discordant == 0 else float(stats.binomtest(only_b, discordant, 0.5).pvalue)
    row.update(p_a=(both + only_a) / n, p_b=(both + only_b) / n, diff=(only_b - only_a) / n,
               ci_low=low, ci_high=high, p=p)
    return pd.DataFrame([row])[list(PAIRED_COLUMNS)]


def newcombe_interval(a: int, b: int, c: int, d: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Newcombe's method 10 interval for (a + b)/n − (a + c)/n of the paired table [[a, b], [c, d]].

    ``a``: positive under both classifications, ``b``: under the first only, ``c``: under the
    second only, ``d``: under neither (Newcombe 1998's notation, n = a + b + c + d > 0).
    """
    # Python integers: the product of four counts overflows int64 from about 55,000 patients (numpy would
    # wrap it silently; a Python int past 2**64 has no numpy square root), so it is taken as a float below.
    a, b, c, d = int(a), int(b), int(c), int(d)
    n = a + b + c + d
    z = z_value(check_confidence(confidence))
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = _wilson(a + b, n, z)
    l2, u2 = _wilson(a + c, n, z)
    product = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    # Newcombe's correction: zero while 0 ≤ ad − bc ≤ n/2, reduced by n/2 above it
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = corrected / math.sqrt(float(product)) if product > 0 else 0.0
    lower = np.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    upper = np.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return float(p1 - p2 - lower), float(p1 - p2 + upper)


def _wilson(k: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval (no continuity correction); exactly 0 and 1 at the ends."""
    phat = k / n
    centre = (phat + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2))
    return (0.0 if k == 0 else centre - half), (1.0 if k == n else centre + half)
