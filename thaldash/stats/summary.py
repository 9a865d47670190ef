"""Descriptive statistics per group (and per ``by`` level, e.g. per month)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from thaldash.data.validation_text import small_int_type
from thaldash.stats.inputs import SMALL_N, as_list, numeric_values, require_columns

SUMMARY_COLUMNS: tuple[str, ...] = (
    "n", "n_rows", "mean", "sd", "median", "q1", "q3", "min", "max", "small_n",
)


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

    ``quartiles=False`` leaves out ``q1`` and ``q3``.
    """
    table = group_statistics(frame, keys, numeric_values(frame, value), quartiles=quartiles)
    # Rounding error can leave ~1e-17 for a constant group; zero variance must read as exactly 0
    # so that "zero variance" checks downstream are exact.
    constant = (table["n"] >= 2) & (table["min"] == table["max"])
    table["sd"] = table["sd"].mask(constant, 0.0)
    table["small_n"] = table["n"] < SMALL_N
    return table[[*keys, *(c for c in SUMMARY_COLUMNS if c in table.columns)]]


def group_statistics(frame: pd.DataFrame, keys: Sequence[Hashable], values: np.ndarray, *, median: bool = True,
                     quartiles: bool = False, tallies: Mapping[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Per observed combination of ``keys``: ``n`` (non-NaN ``values``), ``n_rows``, ``mean``, ``sd`` (ddof 1),
    ``min``, ``max`` (and ``median``, ``q1``, ``q3``, linear interpolation as numpy's and pandas' default;
    each ``tallies`` column: how many of the group's rows are true), one row per combination in the order
    of ``DataFrame.groupby(keys, sort=True, observed=True, dropna=True)``, the key columns first with
    their own types. Rows with a missing key belong to no group. NaN statistics where n is too small.

    Why not ``groupby``: at 7 million visits pandas' group-by takes 300–400 MiB of temporaries (a copy
    of the keys, labels per key and combined, a sort per quantile); here the rows are ordered once by one
    small code per row (a radix sort) and each group's values are sorted in place, about 130 MiB.
    """
    keys = list(keys)
    codes, levels = _combined_codes(frame, keys)  # -1: a key is missing
    observed, dense = _dense(codes, levels)
    del codes
    k = len(observed)
    grouped = dense[dense >= 0]
    sizes = np.bincount(grouped, minlength=k)
    counted = {name: np.bincount(grouped, weights=np.asarray(flags, dtype=bool)[dense >= 0], minlength=k)
               .astype(np.int64) for name, flags in (tallies or {}).items()}
    del grouped
    ordered = values[np.argsort(dense, kind="stable")[len(dense) - int(sizes.sum()):]]  # each group's values together
    del dense
    ends = np.cumsum(sizes)
    n = np.zeros(k, dtype=np.int64)
    out = {c: np.full(k, np.nan) for c in ("mean", "sd", "min", "max", "median", "q1", "q3")}
    for g, (start, end) in enumerate(zip(ends - sizes, ends)):
        x = ordered[start:end]
        x.sort()  # in place; NaN sort last
        m = int(np.searchsorted(x, np.nan))  # the values, NaN left out
        n[g] = m
        if m == 0:
            continue
        x = x[:m]
        # An exactly rounded sum (as pandas' compensated one nearly is): a mean of 75.975 must not print as 75.98
        # because the values were summed in sorted order.
        out["mean"][g], out["min"][g], out["max"][g] = math.fsum(x) / m, x[0], x[-1]
        out["median"][g] = (x[(m - 1) // 2] + x[m // 2]) / 2  # as numpy.median
        out["q1"][g], out["q3"][g] = _quantile_sorted(x, 0.25), _quantile_sorted(x, 0.75)
        if m >= 2:
            out["sd"][g] = x.std(ddof=1)
    table = _key_frame(frame, keys, levels, observed)
    table["n"], table["n_rows"] = n, sizes.astype(np.int64)
    for name in ("mean", "sd", "median", "min", "max", "q1", "q3"):
        if (name != "median" or median) and (name not in ("q1", "q3") or quartiles):
            table[name] = out[name]
    for name, tally in counted.items():
        table[name] = tally
    return table


def _quantile_sorted(x: np.ndarray, q: float) -> float:
    """The ``q`` quantile of sorted ``x`` by linear interpolation (numpy's ``method="linear"``)."""
    h = (len(x) - 1) * q
    low = int(np.floor(h))
    high = min(low + 1, len(x) - 1)
    return float(x[low] + (h - low) * (x[high] - x[low]))


def _combined_codes(frame: pd.DataFrame, keys: list[Hashable]) -> tuple[np.ndarray, list[pd.Index | pd.Categorical]]:
    """One code per row for its combination of ``keys`` (mixed radix, -1 where a key is missing), in the smallest
    integer type that holds every combination, and each key's levels in groupby's order (a categorical's
    categories, otherwise the sorted values)."""
    own_codes, levels = [], []
    for key in keys:
        own, level = _key_codes(frame[key])
        own_codes.append(own)
        levels.append(level)
    space = int(np.prod([max(len(level), 1) for level in levels], dtype=np.float64))
    # int32 while it fits: a million patients' visits are 28 MiB a copy, not 56
    codes = np.zeros(len(frame), dtype=np.int32 if space < 2**31 else np.int64)
    for own, level in zip(own_codes, levels):
        missing = (codes < 0) | (own < 0)
        codes *= max(len(level), 1)  # in place
        codes += own
        codes[missing] = -1
        del missing
    return codes, levels


def _key_codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(column, sort=True)`` (a categorical: its codes and categories), -1 for missing; small integers
    such as months are counted rather than hashed (``sorted_codes``), one byte a row."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    if column.dtype.kind in "iu":
        own, level = sorted_codes(column.to_numpy(), limit=1 << 16)
        return own, pd.Index(level)
    own, level = pd.factorize(column, sort=True)
    return own, pd.Index(level)


def sorted_codes(values: np.ndarray, *, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)``: a code per value and the distinct values, sorted. Integers in
    [0, ``limit``) are counted rather than hashed, and their codes come in the smallest integer type (a month is one
    byte a row, not eight)."""
    if values.dtype.kind in "iu" and len(values) and values.min() >= 0 and values.max() < limit:
        seen = np.bincount(values) > 0
        lookup = (np.cumsum(seen) - 1).astype(small_int_type(int(seen.sum())))
        return lookup[values], np.flatnonzero(seen).astype(values.dtype)
    codes, uniques = pd.factorize(values, sort=True)
    return codes, np.asarray(uniques)


def _dense(codes: np.ndarray, levels: list) -> tuple[np.ndarray, np.ndarray]:
    """The observed combined codes, sorted, and each row's position among them (-1 where missing) as a small
    integer type (a radix sort orders it)."""
    space = int(np.prod([max(len(level), 1) for level in levels], dtype=np.float64))
    if space <= 1 << 24:
        present = np.bincount(codes[codes >= 0], minlength=space) > 0
        observed = np.flatnonzero(present)
        lookup = np.full(space + 1, -1, dtype=small_int_type(len(observed)))
        lookup[observed] = np.arange(len(observed))
        return observed, lookup[codes]  # code -1 reads the last slot, -1
    observed, inverse = np.unique(codes, return_inverse=True)
    dense = inverse - int(len(observed) > 0 and observed[0] < 0)
    observed = observed[observed >= 0]
    return observed, dense.astype(small_int_type(len(observed)))


def _key_frame(frame: pd.DataFrame, keys: list[Hashable], levels: list, observed: np.ndarray) -> pd.DataFrame:
    """The key columns of the observed combinations, each with its column's own type."""
    columns = {}
    rest = observed
    for key, level in reversed(list(zip(keys, levels))):
        width = max(len(level), 1)
        own, rest = rest % width, rest // width
        column = frame[key]
        if isinstance(column.dtype, pd.CategoricalDtype):
            columns[key] = pd.Categorical.from_codes(own, dtype=column.dtype)
        else:
            columns[key] = pd.Index(level).take(own)
    return pd.DataFrame({key: columns[key] for key in keys}, index=pd.RangeIndex(len(observed)))
