"""Descriptive statistics per group (and per ``by`` level, e.g. per month)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import pandas as pd

from thaldash.stats.inputs import SMALL_N, as_list, numeric_values, require_columns

SUMMARY_COLUMNS: tuple[str, ...] = (
    "n", "n_rows", "mean", "sd", "median", "q1", "q3", "min", "max", "small_n",
)
_ALL = "__thaldash_all__"  # stand-in grouping key when there is nothing to group by
_VALUE = "__thaldash_value__"


def group_summary(
    frame: pd.DataFrame,
    *,
    value: Hashable,
    group: Hashable,
    by: Hashable | Sequence[Hashable] | None = None,
) -> pd.DataFrame:
    """Count, mean, SD, quartiles and range of ``value`` per group (per ``by`` level).

    Parameters
    ----------
    frame
        Tidy data, one observation per row. Not modified.
    value
        Numeric column to describe; NaN counts as missing.
    group
        Column holding the group labels (e.g. ``"response_group"``).
    by
        Optional column name (or list of names) to stratify by, e.g. ``"month"``.
        Rows whose ``group`` or ``by`` value is missing are left out (they belong to no group).

    Returns
    -------
    pandas.DataFrame
        One row per observed (``by`` level, group), sorted by ``by`` then group:

        - the ``by`` column(s) and the ``group`` column, under their own names;
        - ``n``: non-missing values; ``n_rows``: rows (including those with ``value`` missing);
        - ``mean``; ``sd`` (ddof = 1), NaN when n < 2 and exactly 0 when all values are equal;
        - ``median``, ``q1``, ``q3`` (linear interpolation, numpy's default), ``min``, ``max``;
          all NaN when n = 0 (``mean`` too);
        - ``small_n``: True when n < 5.

    Raises
    ------
    ValueError
        A column is missing, named twice, not numeric, or holds infinite values.
    """
    by_cols = as_list(by)
    require_columns(frame, [*by_cols, group, value])
    return summarise(frame, value=value, keys=[*by_cols, group])


def summarise(
    frame: pd.DataFrame, *, value: Hashable, keys: list[Hashable], quartiles: bool = True
) -> pd.DataFrame:
    """``group_summary`` over arbitrary key columns (an empty list gives one overall row).

    ``quartiles=False`` leaves out ``q1`` and ``q3`` (two sorts fewer, for callers that only
    need the median).
    """
    values = numeric_values(frame, value)
    use_keys = keys or [_ALL]
    data = frame[keys].assign(**{_VALUE: values})
    if not keys:
        data = data.assign(**{_ALL: 0})
    grouped = data.groupby(use_keys, sort=True, dropna=True, observed=True)[_VALUE]
    stats = grouped.agg(["count", "size", "mean", "std", "median", "min", "max"])
    out = pd.DataFrame(
        {
            "n": stats["count"].astype("int64"),
            "n_rows": stats["size"].astype("int64"),
            "mean": stats["mean"],
            "sd": stats["std"],
            "median": stats["median"],
            "min": stats["min"],
            "max": stats["max"],
        }
    )
    # Rounding error can leave ~1e-17 for a constant group; zero variance must read as exactly 0
    # so that "zero variance" checks downstream are exact.
    constant = (out["n"] >= 2) & (out["min"] == out["max"])
    out["sd"] = out["sd"].mask(constant, 0.0)
    if quartiles:
        out["q1"], out["q3"] = grouped.quantile(0.25), grouped.quantile(0.75)
    out["small_n"] = out["n"] < SMALL_N
    out = out.reset_index()
    if not keys:
        out = out.drop(columns=_ALL)
    return out[[*keys, *(c for c in SUMMARY_COLUMNS if c in out.columns)]]

