"""Input checks and constants shared by the ``newstats`` modules.

Every check raises a ``ValueError`` whose message is a sentence naming the column and the
problem, so a page or the CLI can show it as it is.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

NOT_COMPUTED = "not computed: "
"""Prefix of every ``reason`` cell of a result that was not computed."""


def not_computed(why: str) -> str:
    """``"not computed: <why>"``, the ``reason`` text of an undefined result."""
    return NOT_COMPUTED + why


def check_confidence(confidence: float) -> float:
    """Return ``confidence`` as a float; raise unless it lies strictly between 0 and 1."""
    value = float(confidence)
    if not 0.0 < value < 1.0:
        raise ValueError(
            f"confidence must be a fraction between 0 and 1 (e.g. 0.95 for a 95% interval), "
            f"got {confidence!r}"
        )
    return value


def z_value(confidence: float) -> float:
    """Two-sided standard-normal quantile for ``confidence`` (1.96 for 0.95)."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def require_columns(frame: pd.DataFrame, columns: Sequence[Hashable]) -> None:
    """Raise when ``frame`` is not a DataFrame, a column is missing, or one is named twice."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise ValueError(
            f"column {names} is not in the data (available: "
            f"{', '.join(map(str, frame.columns))})"
        )
    seen: set[Hashable] = set()
    for c in columns:
        if c in seen:
            raise ValueError(f"column {c!r} is given in two roles; each role needs its own column")
        seen.add(c)


def binary_values(values: pd.Series | Sequence[object] | np.ndarray, name: str) -> np.ndarray:
    """Values coded True/False or 1/0 as float64 1.0/0.0, NaN where missing.

    Raises
    ------
    ValueError
        A value other than True, False, 1, 0 or missing.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype="object")
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype="float64", na_value=np.nan)
    missing = series.isna().to_numpy()
    present = series[~missing]
    numeric = pd.to_numeric(present, errors="coerce")
    bad = numeric.isna().to_numpy() | ~np.isin(numeric.to_numpy(dtype="float64"), (0.0, 1.0))
    if bad.any():
        example = present[bad].iloc[0]
        raise ValueError(
            f"{name}: {int(bad.sum())} value(s) are not yes/no (e.g. {example!r}); code the "
            "column as True/False or 1/0, with missing values left empty"
        )
    out = np.full(len(series), np.nan)
    out[~missing] = numeric.to_numpy(dtype="float64")
    return out


def numeric_column(frame: pd.DataFrame, column: Hashable) -> np.ndarray:
    """``frame[column]`` as float64 (booleans as 0/1, NaN = missing); raise unless numeric."""
    series = frame[column]
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype="float64", na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(series):
        raise ValueError(
            f"{column}: expected numbers but the column holds {series.dtype} values; code a "
            "category as 0/1 indicator columns"
        )
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError(f"{column}: {int(np.isinf(values).sum())} value(s) are infinite; "
                         "statistics need finite numbers")
    return values
