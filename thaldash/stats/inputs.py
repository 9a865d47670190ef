"""Input checks and small numeric helpers shared by the modules of ``thaldash.stats``.

Every check raises a ``ValueError`` whose message is a sentence naming the column and the
problem, so the UI and CLI can show it as is.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: a second of import at a cold start

CONFIDENCE = 0.95
"""Coverage of every confidence interval in the statistics core."""

SMALL_N = 5
"""A group (or sample) with fewer observations than this is flagged ``small_n``."""

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
    return float(special.ndtri(0.5 + confidence / 2))


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


def as_list(columns: Hashable | Sequence[Hashable] | None) -> list[Hashable]:
    """``None`` → ``[]``, one name → ``[name]``, a list or tuple of names → a list."""
    if columns is None:
        return []
    if isinstance(columns, (list, tuple)):
        return list(columns)
    return [columns]


def require_columns(frame: pd.DataFrame, columns: Sequence[Hashable]) -> None:
    """Raise when a column is missing from ``frame`` or named twice among ``columns``."""
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


def numeric_values(frame: pd.DataFrame, column: Hashable, *, booleans: bool = False) -> np.ndarray:
    """``frame[column]`` as float64 (NaN = missing); raise if it is not numeric or not finite.

    With ``booleans``, a True/False column counts as 1/0 (a model's indicator predictor).
    """
    series = frame[column]
    if booleans and pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype="float64", na_value=np.nan)
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        raise ValueError(
            f"{column}: expected numbers but the column holds {series.dtype} values"
        )
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    infinite = np.isinf(values)
    if infinite.any():
        where = series.index[infinite]
        raise ValueError(
            f"{column}: {int(infinite.sum())} value(s) are infinite (first at row {where[0]!r}); "
            "statistics need finite numbers"
        )
    return values


def t_interval(
    diff: np.ndarray, se: np.ndarray, df: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided ``CONFIDENCE`` interval ``diff ± t(df) · se`` (NaN in → NaN out)."""
    half = special.stdtrit(df, 0.5 + CONFIDENCE / 2) * se  # the t quantile, scipy.stats.t.ppf
    return diff - half, diff + half


def fisher_interval(r: np.ndarray, se_z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a correlation from ``atanh(r) ± z · se_z``, mapped back with ``tanh``."""
    z = special.ndtri(0.5 + CONFIDENCE / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.arctanh(r)
        return np.tanh(centre - z * se_z), np.tanh(centre + z * se_z)


def hedges_correction(df: np.ndarray) -> np.ndarray:
    """Exact small-sample factor J(df) = Γ(df/2) / (√(df/2) · Γ((df−1)/2)) for Hedges' g."""
    df = np.asarray(df, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / np.sqrt(df / 2)


def join_reasons(parts: list[str]) -> str:
    """``""`` when nothing stopped the computation, else ``"not computed: a; b"``."""
    return NOT_COMPUTED + "; ".join(parts) if parts else ""
