"""Cell-level checks generated from the contract's ``Column`` data, and the problem collector.

Everything here is driven by a ``Column`` (kind, nullable, allowed, minimum/maximum,
plausible, unit_check); nothing names a particular column except the two documented
normalisation tables below. Text is processed once per distinct value (``pd.factorize``)
and expanded back with integer codes, so a million-row column costs one hash pass.
"""

from __future__ import annotations

import re
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from thaldash.schema import COLUMNS, MAX_TEXT_CHARS, Column

CAP = 1_000  # problem rows kept per (column, problem kind); the rest become one summary row
MAX_SHOWN_CHARS = 100  # characters of a cell (or column name) quoted in a problem row
PROBLEM_COLUMNS: tuple[str, ...] = ("severity", "column", "patient_id", "value", "problem")

# C0, DEL and C1 controls (tab and newline included: a label has no use for them), bidi
# embeddings/overrides/isolates/marks, and invisible characters that make two labels look equal.
UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")

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


def escape_unsafe(text: str) -> str:
    """``text`` with control, bidi and invisible characters written as ``\\xNN``/``\\uNNNN``."""
    return UNSAFE_CHARACTERS.sub(lambda m: (f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                            else f"\\u{ord(m.group()):04x}"), text)


def display(value: object) -> str:
    """The text of a cell as shown in a problem row ("" for missing; long text cut, see ``shorten``)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return shorten(str(value))


def shorten(text: str) -> str:
    """``text``, or its start and its length when longer than ``MAX_SHOWN_CHARS``.

    A problem row quotes its cell in the value and often in the sentence too, and the table goes
    to the terminal and the browser: a 50 MB cell must not become 100 MB of output.
    """
    if len(text) <= MAX_SHOWN_CHARS:
        return text
    return f"'{text[:MAX_SHOWN_CHARS]}…' ({len(text):,} characters)"


class Collector:
    """Collects problems, keeping at most ``CAP`` rows per (column, kind) plus a summary row."""

    def __init__(self, patient_ids: pd.Series) -> None:
        self._pid = patient_ids
        self._parts: list[pd.DataFrame] = []
        self.n_errors = 0
        self.n_warnings = 0

    def cells(self, severity: str, column: str, mask: np.ndarray, shown: pd.Series | None,
              problem: str | Callable[[str], str], *, label: str = "") -> int:
        """Record one problem per row where ``mask`` is true; ``shown`` gives the cell text."""
        rows = np.flatnonzero(mask)
        if not len(rows):
            return 0
        column_def = COLUMNS.get(column)
        if column_def is not None and column_def.level == "patient" and len(rows) > 1:
            # A patient-level value repeats on every visit row: report it once per patient.
            pid = self._pid.iloc[rows].astype("str").fillna("").to_numpy()
            keys = pd.DataFrame({"p": pid, "v": as_text(shown.iloc[rows]).to_numpy() if shown is not None else 0})
            rows = rows[~keys.duplicated().to_numpy() | (pid == "")]
        take = rows[:CAP]
        values = [display(v) for v in shown.iloc[take]] if shown is not None else [""] * len(take)
        texts = [problem(v) for v in values] if callable(problem) else [problem] * len(take)
        pids = [display(p) for p in self._pid.iloc[take]]
        # Without a patient to name, the position is the only way to find the row (1 = first data row).
        texts = [t if p else f"{t} (data row {r + 1:,})" for t, p, r in zip(texts, pids, take)]
        part = {"severity": severity, "column": shorten(column), "patient_id": pids, "value": values,
                "problem": texts}
        self._parts.append(pd.DataFrame(part))
        if len(rows) > CAP:
            what = label or (problem if isinstance(problem, str) else texts[0])
            self.one(severity, column, f"… and {len(rows) - CAP:,} more rows with this problem ({what})",
                     count=0)
        self._count(severity, len(rows))
        return len(rows)

    def patient_at(self, row: int) -> str:
        """The patient_id text of row ``row`` ("" when unknown)."""
        return display(self._pid.iloc[row])

    def one(self, severity: str, column: str, problem: str, patient_id: str = "", value: str = "",
            *, count: int = 1) -> None:
        """Record a single problem that is not tied to a set of cells."""
        self._parts.append(pd.DataFrame({"severity": [severity], "column": [shorten(column)],
                                         "patient_id": [patient_id],
                                         "value": [value], "problem": [problem]}))
        self._count(severity, count)

    def _count(self, severity: str, n: int) -> None:
        if severity == "error":
            self.n_errors += n
        else:
            self.n_warnings += n

    def frame(self) -> pd.DataFrame:
        """All problems, errors first, in the order they were found."""
        if not self._parts:
            return empty_problems()
        out = pd.concat(self._parts, ignore_index=True).astype("str")
        order = np.argsort((out["severity"] != "error").to_numpy(), kind="stable")
        return out.iloc[order].reset_index(drop=True)


def empty_problems() -> pd.DataFrame:
    """A problems frame with no rows and the standard columns."""
    return pd.DataFrame({c: pd.Series(dtype="str") for c in PROBLEM_COLUMNS})


def as_text(raw: pd.Series) -> pd.Series:
    """The column as ``str`` with missing cells as NaN (Python objects become their ``str``)."""
    if isinstance(raw.dtype, pd.StringDtype):
        return raw
    if isinstance(raw.dtype, pd.CategoricalDtype):  # per category, then expanded by the codes
        codes, uniques = factorize_text(raw)
        return pd.Series(pd.Index(uniques, dtype="str").take(codes, allow_fill=True, fill_value=np.nan),
                         index=raw.index, dtype="str")
    try:
        return raw.astype(object).astype("str")
    except (UnicodeError, TypeError, ValueError):  # e.g. undecodable bytes objects in a frame
        return raw.astype(object).map(lambda v: None if pd.isna(v) is True else repr(v) if isinstance(v, bytes)
                                      else str(v)).astype("str")


def _is_numeric(raw: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(raw) or pd.api.types.is_integer_dtype(raw)


def factorize_text(raw: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes per row (-1 missing) and the text of each code, for any column read as text.

    A categorical column (Parquet labels are read dictionary-encoded) already is this: its
    codes are reused and only its categories are turned into text, never its rows.
    """
    if isinstance(raw.dtype, pd.CategoricalDtype):
        return raw.cat.codes.to_numpy(), as_text(pd.Series(raw.cat.categories)).reset_index(drop=True)
    codes, uniques = pd.factorize(as_text(raw))
    return small_codes(codes, len(uniques)), pd.Series(uniques, dtype="str")


def small_codes(codes: np.ndarray, n_values: int) -> np.ndarray:
    """``codes`` (-1 for missing) in the smallest signed integer type that holds ``n_values`` codes.

    Seven million rows of int64 codes are 56 MB per column; of a handful of labels, 7 MB.
    """
    for dtype in (np.int8, np.int16, np.int32):
        if n_values < np.iinfo(dtype).max:
            return codes.astype(dtype, copy=False)
    return codes.astype(np.int64, copy=False)


def text_column(codes: np.ndarray, uniques: pd.Series) -> pd.Series:
    """A categorical ``str`` column from row codes (-1 missing) into ``uniques`` (NaN allowed).

    Equal texts share one code and the categories are sorted (code-point order, as Python and
    pandas compare text), so the column sorts, compares and groups exactly like plain text, at one
    small integer per row.
    """
    per_unique, categories = pd.factorize(pd.Series(uniques, dtype="str"), sort=True)  # NaN → -1
    row_codes = expand(small_codes(per_unique, len(categories)), codes, -1)
    return pd.Series(pd.Categorical.from_codes(row_codes, dtype=pd.CategoricalDtype(pd.Index(categories, dtype="str"))))


def no_cells(n: int) -> np.ndarray:
    """A read-only mask of ``n`` cells with none set, at no memory (most columns have no bad cell)."""
    return np.broadcast_to(np.False_, (n,))


def cells_where(per_unique: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``expand(per_unique, codes, False)``, or ``no_cells`` when no distinct value is flagged."""
    return expand(per_unique, codes, False) if per_unique.any() else no_cells(len(codes))


def expand(per_unique: np.ndarray, codes: np.ndarray, fill: object) -> np.ndarray:
    # codes == -1 (a missing cell) picks the appended fill value.
    return np.append(per_unique, np.array([fill], dtype=per_unique.dtype))[codes]


def coerce_number(col: Column, raw: pd.Series, out: Collector) -> tuple[np.ndarray, np.ndarray]:
    """Float values (NaN where missing or bad) and the mask of bad cells, for a float/int column."""
    if _is_numeric(raw):
        values = raw.to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(values)
        bad = no_cells(len(values))
    else:
        codes, uniq = factorize_text(raw)
        stripped = uniq.str.strip()
        u_missing = (stripped == "").to_numpy()
        u_ok = stripped.str.fullmatch(_NUMBER).to_numpy(dtype=bool)
        u_values = stripped.where(u_ok).astype("float64").to_numpy()
        u_bad = ~u_ok & ~u_missing
        values = expand(u_values, codes, np.nan)
        missing = expand(u_missing, codes, True)
        bad = cells_where(u_bad, codes)
        if u_bad.any():
            _explain_not_numbers(col, raw, stripped, u_bad, codes, out)
    # Stored infinities, and text such as "1e400" that overflows a float.
    infinite = np.isinf(values)
    if infinite.any():
        out.cells("error", col.name, infinite, raw, "infinite value; write a finite number")
        bad = bad | infinite
        values = np.where(infinite, np.nan, values)
    if col.kind == "int":
        fractional = np.isfinite(values) & (values != np.floor(values))
        out.cells("error", col.name, fractional, raw, "not a whole number")
        bad = bad | fractional
        values = np.where(fractional, np.nan, values)
    _check_empty(col, missing, raw, out)
    _check_range(col, values, raw, out)
    return values, bad


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
            out.cells("error", col.name, expand(hit, codes, False), raw, problem, label=kind.replace("_", " "))


def coerce_bool(col: Column, raw: pd.Series, out: Collector) -> tuple[np.ndarray, np.ndarray]:
    """1.0/0.0 values as float32 (NaN where missing or bad) and the mask of bad cells, for a bool column."""
    if pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype="float64", na_value=np.nan)
        bad = no_cells(len(raw))
    elif _is_numeric(raw):
        values = raw.to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isnan(values) & ~np.isin(values, (0.0, 1.0))
        values = np.where(bad, np.nan, values)
    else:
        codes, uniq = factorize_text(raw)
        lower = uniq.str.strip().str.lower()
        u_values = np.where(lower.isin(_TRUE), 1.0, np.where(lower.isin(_FALSE), 0.0, np.nan))
        u_bad = np.isnan(u_values) & (lower != "").to_numpy()
        values = expand(u_values, codes, np.nan)
        bad = cells_where(u_bad, codes)
    out.cells("error", col.name, bad, raw, "not true/false; write true, false, yes, no, 1 or 0")
    missing = np.isnan(values) & ~bad
    if col.name in MISSING_MEANS_FALSE:
        values = np.where(missing, 0.0, values)
    else:
        _check_empty(col, missing, raw, out)
    return values.astype(np.float32), bad  # 1, 0 or NaN: half the memory of float64, exactly


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
        out.cells("error", col.name, expand(u_long, codes, False), raw,
                  f"more than {MAX_TEXT_CHARS:,} characters, too long for a {col.name}; "
                  "check that the column holds what its name says", label="text too long")
        uniq = uniq.where(~u_long, "")
    stripped = uniq.str.strip()
    trimmed = (stripped != uniq).to_numpy() & (stripped != "").to_numpy()
    if trimmed.any():
        out.cells("warning", col.name, expand(trimmed, codes, False), raw,
                  "leading or trailing spaces removed")
    u_missing = (stripped == "").to_numpy() & ~u_long
    u_bad = np.zeros(len(uniq), dtype=bool)
    if col.allowed:
        stripped, u_bad = _normalise_allowed(col, stripped, u_missing | u_long, codes, raw, out)
    if normalise is not None:
        stripped = pd.Series([normalise(v) for v in stripped], dtype="str")
    typed = stripped.where(~u_missing & ~u_long)
    _check_empty(col, expand(u_missing, codes, True), raw, out)
    # Trimming and respelling can make distinct raw texts equal; equal typed values share one code.
    text = text_column(codes, typed)
    return Labels(text, cells_where(u_bad | u_long, codes), text.cat.codes.to_numpy(),
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
        present, first = np.unique(codes, return_index=True)
        first_of = dict(zip(present, first))
        counts = np.bincount(codes[codes >= 0], minlength=len(stripped))
        for i in np.flatnonzero(fixed)[:CAP]:
            row = int(first_of[i])
            out.one("warning", col.name, f"{stripped.iloc[i]!r} read as {canonical[stripped.iloc[i].lower()]!r} "
                    f"on {counts[i]:,} row(s)", patient_id=out.patient_at(row), value=display(raw.iloc[row]),
                    count=1)
    out.cells("error", col.name, expand(u_bad, codes, False), raw,
              "not one of " + ", ".join(col.allowed))
    return stripped.where(~fixed, mapped), u_bad


def _check_empty(col: Column, missing: np.ndarray, raw: pd.Series, out: Collector) -> None:
    if not col.nullable:
        out.cells("error", col.name, missing, raw, f"empty cell; {col.name} must not be empty")


def _check_range(col: Column, values: np.ndarray, raw: pd.Series, out: Collector) -> None:
    unit = f" {col.unit}" if col.unit else ""
    with np.errstate(invalid="ignore"):
        low = values < col.minimum if col.minimum is not None else np.zeros(len(values), dtype=bool)
        high = values > col.maximum if col.maximum is not None else np.zeros(len(values), dtype=bool)
    if col.minimum is not None:
        out.cells("error", col.name, low, raw, f"impossible value: below the minimum of {col.minimum:g}{unit}")
    if col.maximum is not None:
        out.cells("error", col.name, high, raw, f"impossible value: above the maximum of {col.maximum:g}{unit}")
    if col.unit_check is not None and check_unit(col, values, raw, out):
        return  # every value would also be "implausible"; the unit error says it once
    if col.plausible is not None:
        lo, hi = col.plausible
        with np.errstate(invalid="ignore"):
            odd = ((values < lo) | (values > hi)) & ~low & ~high
        out.cells("warning", col.name, odd, raw, f"outside the plausible range {lo:g}–{hi:g}{unit}")


def check_unit(col: Column, values: np.ndarray, raw: pd.Series, out: Collector) -> bool:
    """Report a whole column recorded in another unit (``Column.unit_check``); True when it is."""
    check = col.unit_check
    finite = np.isfinite(values)
    if check is None or not finite.any():
        return False
    median = float(np.median(values[finite]))
    if not check.median_low <= median <= check.median_high:
        return False
    example = int(np.flatnonzero(finite)[np.argmin(np.abs(values[finite] - median))])
    pid = out.patient_at(example)
    shown = display(raw.iloc[example])
    out.one("error", col.name,
            f"values look like {check.looks_like} (median {median:g}; e.g. {shown} for patient {pid}); "
            f"the contract is {col.unit} — {check.fix}", patient_id=pid, value=shown,
            count=int(finite.sum()))
    return True
