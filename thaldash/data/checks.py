"""Cell-level checks generated from the contract's ``Column`` data.

Everything here is driven by a ``Column`` (kind, nullable, allowed, minimum/maximum,
plausible, unit_check); nothing names a particular column except the two documented
normalisation tables below. Text is processed once per distinct value (``pd.factorize``)
and expanded back with integer codes, so a million-row column costs one hash pass. Rows are
checked a slice at a time (``Collector.chunks``): the temporaries of a check are a slice's,
and only the typed column is as long as the file.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from thaldash.data.schema import MAX_TEXT_CHARS, Column
from thaldash.data.validation_chunks import median_within
from thaldash.data.validation_problems import (CAP, PROBLEM_COLUMNS, UNSAFE_CHARACTERS, Collector, display,
                                          empty_problems, escape_unsafe)
from thaldash.data.validation_text import as_text, cells_where, expand, factorize_text, no_cells, text_column

__all__ = ["CAP", "PROBLEM_COLUMNS", "UNSAFE_CHARACTERS", "Collector", "Labels", "as_text", "cells_per_value",
           "coerce_bool", "coerce_number", "coerce_string", "display", "empty_problems", "escape_unsafe",
           "expand", "factorize_text", "no_cells", "text_column"]

# Spellings accepted for an ``allowed`` value beyond a case difference; each use is a warning.
ALLOWED_ALIASES: dict[str, dict[str, str]] = {
    "sex": {"male": "M", "female": "F", "man": "M", "woman": "F"},
}
# Boolean columns whose contract description says "missing means false".
MISSING_MEANS_FALSE: tuple[str, ...] = ("withdrawn",)
# "1.0"/"0.0" are how a float 0/1 column reads as text; the numeric path accepts 1.0 and 0.0 too.
_TRUE = frozenset({"true", "yes", "1", "1.0"})
_FALSE = frozenset({"false", "no", "0", "0.0"})

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_MISSING_MARKERS = frozenset({"na", "n/a", "n.a.", "nan", "null", "none", "nil", "-", "--", ".", "?",
                              "missing", "nd", "n.d.", "#n/a", "#na", "#value!", "#div/0!"})
# Non-numeric text, in the order tried: (kind, pattern, problem). Each kind is capped separately.
_NOT_NUMBER: tuple[tuple[str, str, Callable[[str], str]], ...] = (
    ("thousands_separator", r"[+-]?\d{1,3}(?:,\d{3})+",
     lambda v: f"not a number (thousands separator or decimal comma? write {v.strip().replace(',', '')} "
               f"or {v.strip().replace(',', '.', 1)})"),
    ("decimal_comma", r"[+-]?\d*,\d+",
     lambda v: f"not a number (decimal comma? write {v.strip().replace(',', '.')})"),
    ("censored", r"(?:[<>≤≥]=?|less than|greater than)\s*" + _NUMBER,
     lambda v: "censored value (a detection limit, not a measurement); write a number or leave the cell empty"),
    ("infinite", r"[+-]?inf(?:inity)?", lambda v: "infinite value; write a finite number"),
    ("number_with_text", _NUMBER + r"\s*\S.*",
     lambda v: "not a number (a number followed by text, perhaps a unit); write the number only"),
)



def cells_per_value(out: Collector, severity: str, column: str, per_value: np.ndarray, codes: np.ndarray,
                    raw: pd.Series, problem: str | Callable[[str], str], *, fill: bool = False,
                    label: str = "") -> None:
    """One problem per row whose distinct value is flagged in ``per_value`` (``fill`` for a missing cell)."""
    if not per_value.any() and not fill:
        return
    for c in out.chunks:
        out.cells(severity, column, expand(per_value, codes[c], fill), raw.iloc[c], problem, label=label,
                  start=c.start)


def _is_numeric(raw: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(raw) or pd.api.types.is_integer_dtype(raw)


def _numbers(raw: pd.Series) -> np.ndarray:
    """The file's own array when it is plain float64 or integers (no copy), else a float64 copy."""
    if isinstance(raw.dtype, np.dtype) and raw.dtype.kind in "iuf" and raw.dtype.itemsize == 8:
        return raw.to_numpy()
    return raw.to_numpy(dtype="float64", na_value=np.nan)


def as_float(values: np.ndarray) -> np.ndarray:
    """``values`` (a slice of a typed number column) as float64: a view, or a copy of integers."""
    return np.asarray(values, dtype=np.float64)


def coerce_number(col: Column, raw: pd.Series, out: Collector) -> tuple[np.ndarray, np.ndarray]:
    """Values (NaN where missing or bad) and the mask of bad cells, for a float/int column.

    The values are the file's own array when typing changes nothing (float64, or integers:
    ``as_float`` gives a slice as floats), else a new float64 array.
    """
    codes = None
    bad: np.ndarray | None = None
    if _is_numeric(raw):
        values = _numbers(raw)
    else:
        codes, uniq = factorize_text(raw)
        stripped = uniq.str.strip()
        u_missing = (stripped == "").to_numpy()
        u_ok = stripped.str.fullmatch(_NUMBER).to_numpy(dtype=bool)
        u_values = stripped.where(u_ok).astype("float64").to_numpy()
        u_bad = ~u_ok & ~u_missing
        values = expand(u_values, codes, np.nan)
        if u_bad.any():
            bad = expand(u_bad, codes, False)
            _explain_not_numbers(col, raw, stripped, u_bad, codes, out)
    owned = codes is not None
    for c in out.chunks:
        v, shown = as_float(values[c]), raw.iloc[c]
        missing = np.isnan(v) if codes is None else expand(u_missing, codes[c], True)
        # Stored infinities, and text such as "1e400" that overflows a float.
        flagged = np.isinf(v)
        out.cells("error", col.name, flagged, shown, "infinite value; write a finite number", start=c.start)
        if col.kind == "int":
            fractional = np.isfinite(v) & (v != np.floor(v))
            out.cells("error", col.name, fractional, shown, "not a whole number", start=c.start)
            flagged |= fractional
        _check_empty(col, missing, shown, out, c.start)
        if flagged.any():
            if not owned:  # the file's array is never written: copy it once, the first time it must change
                values, owned = np.array(values, dtype=np.float64), True
            values[c][flagged] = np.nan
            bad = np.zeros(len(values), dtype=bool) if bad is None else bad
            bad[c] |= flagged
    _check_range(col, values, raw, out)
    return values, (no_cells(len(values)) if bad is None else bad)


def _explain_not_numbers(col: Column, raw: pd.Series, stripped: pd.Series, u_bad: np.ndarray,
                         codes: np.ndarray, out: Collector) -> None:
    lower = stripped.str.lower()
    left = u_bad.copy()
    marker = left & lower.isin(_MISSING_MARKERS).to_numpy()
    kinds = [("missing_marker", marker, lambda v: "missing-value marker; leave the cell empty for a missing value")]
    left &= ~marker
    for kind, pattern, problem in _NOT_NUMBER:
        hit = left & lower.str.fullmatch(pattern).to_numpy(dtype=bool)
        left &= ~hit
        kinds.append((kind, hit, problem))
    kinds.append(("not_a_number", left, lambda v: "not a number"))
    for kind, hit, problem in kinds:
        if hit.any():
            cells_per_value(out, "error", col.name, hit, codes, raw, problem, label=kind.replace("_", " "))


def coerce_bool(col: Column, raw: pd.Series, out: Collector) -> tuple[np.ndarray, np.ndarray]:
    """1.0/0.0 values as float32 (NaN where missing or bad) and the mask of bad cells, for a bool column.

    A column stored as plain booleans has nothing missing or wrong: its own array is the typed values (readers
    take them as numbers), not a float32 copy (28 MiB a column at 7 million rows, held while the file is checked).
    """
    if isinstance(raw.dtype, np.dtype) and raw.dtype == np.bool_:
        return raw.to_numpy(), no_cells(len(raw))
    typed = np.empty(len(raw), dtype=np.float32)  # 1, 0 or NaN: half the memory of float64, exactly
    bad: np.ndarray | None = None
    text = not (pd.api.types.is_bool_dtype(raw) or _is_numeric(raw))
    if text:
        codes, uniq = factorize_text(raw)
        lower = uniq.str.strip().str.lower()
        u_values = np.where(lower.isin(_TRUE), 1.0, np.where(lower.isin(_FALSE), 0.0, np.nan))
        u_bad = np.isnan(u_values) & (lower != "").to_numpy()
    for c in out.chunks:
        if text:
            values, wrong = expand(u_values, codes[c], np.nan), expand(u_bad, codes[c], False)
        else:
            values = raw.iloc[c].to_numpy(dtype="float64", na_value=np.nan)
            wrong = np.zeros(len(values), dtype=bool) if pd.api.types.is_bool_dtype(raw) else \
                ~np.isnan(values) & ~np.isin(values, (0.0, 1.0))
            values = np.where(wrong, np.nan, values)
        out.cells("error", col.name, wrong, raw.iloc[c], "not true/false; write true, false, yes, no, 1 or 0",
                  start=c.start)
        missing = np.isnan(values) & ~wrong
        if col.name in MISSING_MEANS_FALSE:
            values = np.where(missing, 0.0, values)
        else:
            _check_empty(col, missing, raw.iloc[c], out, c.start)
        typed[c] = values
        if wrong.any():
            bad = np.zeros(len(raw), dtype=bool) if bad is None else bad
            bad[c] = wrong
    return typed, (no_cells(len(raw)) if bad is None else bad)


class Labels(NamedTuple):
    """A typed text column: the values, bad cells, and codes (equal values share a code, -1 missing)."""

    text: pd.Series
    bad: np.ndarray
    codes: np.ndarray
    uniques: pd.Series


def coerce_string(col: Column, raw: pd.Series, out: Collector, *,
                  factorized: tuple[np.ndarray, pd.Series] | None = None,
                  normalise: Callable[[str], str] | None = None) -> Labels:
    """Trimmed text (NaN where missing; ``allowed`` values in canonical spelling; ``normalise`` applied).

    ``factorized`` is ``factorize_text(raw)`` when the caller already has it. The text is a
    categorical column with sorted categories (``text_column``).
    """
    codes, uniq = factorized if factorized is not None else factorize_text(raw)
    u_long = (uniq.str.len() > MAX_TEXT_CHARS).to_numpy(dtype=bool)
    if u_long.any():
        cells_per_value(out, "error", col.name, u_long, codes, raw,
                        f"more than {MAX_TEXT_CHARS:,} characters, too long for a {col.name}; "
                        "check that the column holds what its name says", label="text too long")
        uniq = uniq.where(~u_long, "")
    stripped = uniq.str.strip()
    trimmed = (stripped != uniq).to_numpy() & (stripped != "").to_numpy()
    cells_per_value(out, "warning", col.name, trimmed, codes, raw, "leading or trailing spaces removed")
    u_missing = (stripped == "").to_numpy() & ~u_long
    u_bad = np.zeros(len(uniq), dtype=bool)
    if col.allowed:
        stripped, u_bad = _normalise_allowed(col, stripped, u_missing | u_long, codes, raw, out)
    if normalise is not None:
        stripped = pd.Series([normalise(v) for v in stripped], dtype="str")
    typed = stripped.where(~u_missing & ~u_long)
    if not col.nullable:
        cells_per_value(out, "error", col.name, u_missing, codes, raw, f"empty cell; {col.name} must not be empty",
                        fill=True)
    # Trimming and respelling can make distinct raw texts equal; equal typed values share one code.
    text = text_column(codes, typed)
    return Labels(text, cells_where(u_bad | u_long, codes), text.array.codes,  # the column's own codes, not a copy
                  pd.Series(text.cat.categories, dtype="str"))


def _normalise_allowed(col: Column, stripped: pd.Series, u_missing: np.ndarray, codes: np.ndarray,
                       raw: pd.Series, out: Collector) -> tuple[pd.Series, np.ndarray]:
    canonical = {a.lower(): a for a in col.allowed} | ALLOWED_ALIASES.get(col.name, {})
    exact = stripped.isin(col.allowed).to_numpy()
    mapped = stripped.str.lower().map(canonical)
    fixed = ~exact & mapped.notna().to_numpy()
    u_bad = ~exact & ~fixed & ~u_missing
    if fixed.any():
        # One row per spelling (not per cell): "'male' read as 'M' on 3,120 rows".
        first, counts = _first_rows_and_counts(codes, len(stripped), out.chunks)
        for i in np.flatnonzero(fixed)[:CAP]:
            row = int(first[i])
            out.one("warning", col.name, f"{stripped.iloc[i]!r} read as {canonical[stripped.iloc[i].lower()]!r} "
                    f"on {counts[i]:,} row(s)", patient_id=out.patient_at(row), value=display(raw.iloc[row]),
                    count=1)
    cells_per_value(out, "error", col.name, u_bad, codes, raw, "not one of " + ", ".join(col.allowed))
    return stripped.where(~fixed, mapped), u_bad


def _first_rows_and_counts(codes: np.ndarray, n_values: int, chunks: list[slice]) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each code and its number of rows (codes -1 ignored), a slice at a time."""
    first = np.full(n_values, -1, dtype=np.int64)
    counts = np.zeros(n_values, dtype=np.int64)
    for c in chunks:
        part = codes[c]
        part = part[part >= 0]
        counts += np.bincount(part, minlength=n_values)
        present, at = np.unique(codes[c], return_index=True)
        new = (present >= 0) & (first[np.maximum(present, 0)] < 0)
        first[present[new]] = at[new] + c.start
    return first, counts


def _check_empty(col: Column, missing: np.ndarray, shown: pd.Series, out: Collector, start: int) -> None:
    if not col.nullable:
        out.cells("error", col.name, missing, shown, f"empty cell; {col.name} must not be empty", start=start)


def _check_range(col: Column, values: np.ndarray, raw: pd.Series, out: Collector) -> None:
    unit = f" {col.unit}" if col.unit else ""
    for c in out.chunks:
        v = as_float(values[c])
        with np.errstate(invalid="ignore"):
            if col.minimum is not None:
                out.cells("error", col.name, v < col.minimum, raw.iloc[c],
                          f"impossible value: below the minimum of {col.minimum:g}{unit}", start=c.start)
            if col.maximum is not None:
                out.cells("error", col.name, v > col.maximum, raw.iloc[c],
                          f"impossible value: above the maximum of {col.maximum:g}{unit}", start=c.start)
    if col.unit_check is not None and check_unit(col, values, raw, out):
        return  # every value would also be "implausible"; the unit error says it once
    if col.plausible is not None:
        lo, hi = col.plausible
        low = col.minimum if col.minimum is not None else -np.inf
        high = col.maximum if col.maximum is not None else np.inf
        for c in out.chunks:
            v = as_float(values[c])
            with np.errstate(invalid="ignore"):
                odd = ((v < lo) | (v > hi)) & (v >= low) & (v <= high)  # impossible values are errors already
            out.cells("warning", col.name, odd, raw.iloc[c], f"outside the plausible range {lo:g}–{hi:g}{unit}",
                      start=c.start)


def check_unit(col: Column, values: np.ndarray, raw: pd.Series, out: Collector) -> bool:
    """Report a whole column recorded in another unit (``Column.unit_check``); True when it is."""
    check = col.unit_check
    found = median_within(values, out.chunks, check.median_low, check.median_high) if check else None
    if found is None:
        return False
    median, example, n_finite = found
    pid = out.patient_at(example)
    shown = display(raw.iloc[example])
    out.one("error", col.name,
            f"values look like {check.looks_like} (median {median:g}; e.g. {shown} for patient {pid}); "
            f"the contract is {col.unit} — {check.fix}", patient_id=pid, value=shown, count=n_finite)
    return True
