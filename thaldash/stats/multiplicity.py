"""Family-wise error control for a family of p-values (Holm, Bonferroni)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, overload

import numpy as np
import pandas as pd

Correction = Literal["holm", "bonferroni"]
CORRECTIONS: tuple[str, ...] = ("holm", "bonferroni")


@overload
def adjust_p(p_values: pd.Series, method: Correction) -> pd.Series: ...
@overload
def adjust_p(
    p_values: Sequence[float] | np.ndarray, method: Correction
) -> np.ndarray: ...


def adjust_p(
    p_values: pd.Series | Sequence[float] | np.ndarray, method: Correction
) -> pd.Series | np.ndarray:
    """Holm or Bonferroni adjusted p-values.

    NaN entries (tests that were not computed) stay NaN and are not counted in the family
    size m.

    - Bonferroni: ``min(1, m · p)``.
    - Holm (step-down): with the m p-values sorted ascending, p₍₁₎ ≤ … ≤ p₍ₘ₎, the
      adjusted value of p₍ₖ₎ is ``min(1, max_{j ≤ k} (m − j + 1) · p₍ⱼ₎)``.

    Parameters
    ----------
    p_values
        The family, in any order.
    method
        ``"holm"`` or ``"bonferroni"``.

    Returns
    -------
    pandas.Series or numpy.ndarray
        Adjusted values in the input order (a Series keeps its index and name).

    Raises
    ------
    ValueError
        ``method`` is unknown, or a p-value lies outside [0, 1].
    """
    if method not in CORRECTIONS:
        raise ValueError(f"correction {method!r} is not available; choose holm or bonferroni")
    p = np.asarray(p_values, dtype="float64").ravel()
    known = ~np.isnan(p)
    if np.any((p[known] < 0) | (p[known] > 1)):
        raise ValueError("p-values must lie between 0 and 1")
    adjusted = np.full(p.shape, np.nan)
    family = p[known]
    m = family.size
    if m:
        if method == "bonferroni":
            adjusted[known] = np.minimum(1.0, m * family)
        else:
            order = np.argsort(family, kind="stable")
            steps = (m - np.arange(m)) * family[order]
            # max over j ≤ k keeps the adjusted values in the same order as the raw ones
            holm = np.minimum(1.0, np.maximum.accumulate(steps))
            result = np.empty(m)
            result[order] = holm
            adjusted[known] = result
    if isinstance(p_values, pd.Series):
        return pd.Series(adjusted, index=p_values.index, name=p_values.name)
    return adjusted


def adjust_family(frame: pd.DataFrame, *, method: Correction = "holm", p: str = "p",
                  family: str | None = "test") -> pd.DataFrame:
    """``frame`` plus ``p_adjusted``, ``correction`` and ``n_tests``: ``method`` applied within each family.

    A family is the rows sharing a value of the ``family`` column (each test of a comparison
    table: alternative tests of one hypothesis are not one family), or every row when ``family``
    is None. ``n_tests`` is the family's size m, the tests with a P value ("k tests on this page");
    ``correction`` names the method and m, e.g. "holm over 4 tests".
    """
    keys = (frame[family].astype(str) if family is not None else pd.Series("", index=frame.index)).to_numpy()
    values = frame[p].to_numpy(dtype="float64", na_value=np.nan)
    adjusted = np.full(len(frame), np.nan)
    size = np.zeros(len(frame), dtype=np.int64)
    for key in dict.fromkeys(keys):
        rows = keys == key
        adjusted[rows] = adjust_p(values[rows], method)
        size[rows] = int((~np.isnan(values[rows])).sum())
    names = [f"{method} over {m} test{'s' if m != 1 else ''}" for m in size]
    return frame.assign(p_adjusted=adjusted, correction=pd.Series(names, index=frame.index, dtype="str"),
                        n_tests=size)
