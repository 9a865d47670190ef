"""Check a raw cohort table against the contract and type it; report every problem at once.

Cell checks are generated from ``thaldash.schema.CONTRACT`` (see ``thaldash.validation_checks``);
only rules that cannot be written as column data live here as code: the header, duplicate
visits, patient-level constancy, allele normalisation, unsafe text in labels, and a few
cross-column plausibility warnings (schedule, baseline transfusion, NTDT transfusions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.alleles import is_known, normalise_allele
from thaldash.io import RawTable
from thaldash.schema import COLUMNS, CONTRACT, LABEL_COLUMNS, REQUIRED, STUDY_MONTHS
from thaldash.validation_checks import (CAP, PROBLEM_COLUMNS, UNSAFE_CHARACTERS, Collector, Labels, as_text,
                                        coerce_bool, coerce_number, coerce_string, display, empty_problems,
                                        escape_unsafe, expand, factorize_text, text_column)

__all__ = ["Validation", "validate", "PROBLEM_COLUMNS", "empty_problems", "escape_unsafe", "CAP"]

ALLELE_COLUMNS: tuple[str, ...] = ("allele_1", "allele_2")
_FORMULA = re.compile(r"^[=+\-@]")
_MARKUP = re.compile(r"<|!\[|\]\(")


@dataclass(frozen=True, eq=False)
class Validation:
    """The outcome of ``validate``.

    Attributes
    ----------
    frame
        The typed, normalised frame (``None`` when there is any error): contract columns with
        their contract types (strings ``str`` with NaN for missing, alleles in canonical
        spelling, ``month`` int64, measures float64, booleans bool), ``withdrawn`` always
        present (missing means False); columns outside the contract are left out (each is
        named in a warning); index 0..n-1.
    problems
        One row per problem, errors first: ``severity`` ("error"/"warning"), ``column``
        ("" for file-level problems), ``patient_id`` ("" when not tied to a patient),
        ``value`` (the original cell text, "" when none) and ``problem`` (a sentence). At
        most ``CAP`` rows per column and kind of problem, then one "… and N more" row.
    n_errors, n_warnings
        Number of problems found, counting those beyond the cap.
    """

    frame: pd.DataFrame | None
    problems: pd.DataFrame
    n_errors: int = 0
    n_warnings: int = 0

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return self.frame is not None

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "warning"]


def validate(raw: RawTable | pd.DataFrame) -> Validation:
    """Check ``raw`` against the contract and return the typed frame and all problems.

    Never raises for bad data: every problem becomes a row of ``problems``. The input is
    not modified.
    """
    if isinstance(raw, RawTable):
        frame, dups = raw.frame, tuple(raw.duplicated_columns)
        extras, refused = tuple(raw.extra_columns), tuple(raw.refused_columns)
    else:
        names = [str(c) for c in raw.columns]
        dups = tuple(dict.fromkeys(n for i, n in enumerate(names) if n in names[:i]))
        frame = raw.set_axis(names, axis=1).loc[:, ~pd.Index(names).duplicated()]
        extras = tuple((n, str(frame[n].dtype)) for n in frame.columns if n not in COLUMNS)
        frame, refused = frame[[n for n in frame.columns if n in COLUMNS]], ()
    frame = frame.reset_index(drop=True)
    texts = {name: factorize_text(frame[name]) for name in frame.columns if COLUMNS[name].kind == "string"}
    # Problem rows name the patient; a categorical keeps that to one code per row at any size.
    pids = (text_column(texts["patient_id"][0], texts["patient_id"][1].str.strip())
            if "patient_id" in texts else pd.Series("", index=frame.index, dtype="str"))
    out = Collector(pids)
    _check_header([*frame.columns, *(n for n, _ in refused), *(n for n, _ in extras)], dups, out)
    for name, problem in refused:
        out.one("error", name, problem)
    for name, stored in extras:
        out.one("warning", name, f"not read: a column outside the contract (stored as {stored}); "
                "no analysis uses it")
    if len(frame) == 0:
        out.one("error", "", "the file has no data rows")
    typed: dict[str, object] = {}
    bad: dict[str, np.ndarray] = {}
    labels: dict[str, Labels] = {}
    for col in CONTRACT:
        if col.name not in frame.columns:
            continue
        raw_col = frame[col.name]
        if col.kind in ("float", "int"):
            typed[col.name], bad[col.name] = coerce_number(col, raw_col, out)
        elif col.kind == "bool":
            typed[col.name], bad[col.name] = coerce_bool(col, raw_col, out)
        else:
            labels[col.name] = coerce_string(col, raw_col, out, factorized=texts.get(col.name),
                                             normalise=normalise_allele if col.name in ALLELE_COLUMNS else None)
            typed[col.name], bad[col.name] = labels[col.name].text, labels[col.name].bad
    _check_labels(frame, texts, out)
    if "patient_id" in labels and len(frame):
        _check_rows(frame, typed, bad, labels, out)
    problems = out.frame()
    if out.n_errors:
        return Validation(None, problems, out.n_errors, out.n_warnings)
    return Validation(_typed_frame(frame, typed), problems, out.n_errors, out.n_warnings)


def _check_header(names: list[str], dups: tuple[str, ...], out: Collector) -> None:
    present = set(names)
    loose = {n.strip().lower(): n for n in names}
    for name in REQUIRED:
        if name not in present:
            near = loose.get(name)
            hint = f" (a column is named {near!r}; names are case-sensitive)" if near else ""
            out.one("error", name, f"required column is missing{hint}")
    for name in dups:
        out.one("error", name, "the column appears more than once in the header; keep one")
    for name in names:
        if UNSAFE_CHARACTERS.search(name):
            out.one("error", name, "the column name contains control or bidirectional-override characters")


def _check_labels(frame: pd.DataFrame, texts: dict[str, tuple[np.ndarray, pd.Series]],
                  out: Collector) -> None:
    for name, (codes, uniq) in texts.items():
        _check_text(name, frame[name], codes, uniq, out, formulas=name in LABEL_COLUMNS and
                    name not in ALLELE_COLUMNS, markup=name in LABEL_COLUMNS)


def _check_rows(frame: pd.DataFrame, typed: dict[str, object], bad: dict[str, np.ndarray],
                labels: dict[str, Labels], out: Collector) -> None:
    """Checks across rows: duplicate visits, baseline, patient-level constancy, alleles, schedule."""
    codes = labels["patient_id"].codes
    month = typed.get("month", np.full(len(codes), np.nan))
    # Months outside 0..4094 are errors already; leaving them out keeps the sort key exact.
    with np.errstate(invalid="ignore"):
        valid = (codes >= 0) & (month >= 0) & (month < 4095)
    # One stable sort by (patient, month) serves the duplicate, baseline and constancy checks.
    key = codes.astype(np.int64) * 4096 + np.where(valid, month, 4095).astype(np.int64)
    order = _RowOrder(None if (key[1:] >= key[:-1]).all() else np.argsort(key, kind="stable"))
    k, c = order.take(key), order.take(codes)
    starts = np.r_[True, c[1:] != c[:-1]] & (c >= 0)
    first_row = np.zeros(len(codes), dtype=bool)
    first_row[order.rows(np.flatnonzero(starts))] = True
    if "month" in typed:
        dup = np.zeros(len(codes), dtype=bool)
        dup[order.rows(np.flatnonzero((k[1:] == k[:-1]) & order.take(valid)[1:]) + 1)] = True
        out.cells("error", "month", dup, frame["month"],
                  lambda v: f"duplicate visit: another row has the same patient_id and month {v}")
        out.cells("warning", "month", np.isfinite(month) & ~np.isin(month, STUDY_MONTHS), frame["month"],
                  f"off the study schedule ({', '.join(map(str, STUDY_MONTHS))})")
        # Sorted by month within patient, a patient's first row is month 0 when there is one.
        out.cells("warning", "month", first_row & ~(valid & (month == 0)), None,
                  "the patient has no month-0 (baseline) visit", label="no baseline visit")
        if "rbc_units" in typed:
            out.cells("warning", "rbc_units", (month == 0) & (typed["rbc_units"] > 0), frame["rbc_units"],
                      "transfusion recorded at month 0; rbc_units counts units since the previous visit, "
                      "so it should be 0 (or empty) at baseline")
    if "thal_type" in typed and "pre_rbc_units_24m" in typed:
        ntdt = (typed["thal_type"] == "NTDT").to_numpy(dtype=bool, na_value=False)
        out.cells("warning", "pre_rbc_units_24m", first_row & ntdt & (typed["pre_rbc_units_24m"] > 0),
                  frame["pre_rbc_units_24m"],
                  "NTDT patient with transfusions in the 24 months before enrolment (expected 0 for NTDT)")
    for name in ALLELE_COLUMNS:
        if name in labels:
            known = np.array([is_known(u) for u in labels[name].uniques], dtype=bool)
            unknown = expand(~known, labels[name].codes, False)
            out.cells("warning", name, first_row & unknown, frame[name],
                      lambda v: f"unknown β-globin variant {normalise_allele(v)!r}; its β0/β+ class "
                                "will be shown as 'unknown'", label="unknown β-globin variant")
    for name in typed:
        if COLUMNS[name].level == "patient" and name != "patient_id":
            # Numbers compare as numbers (NaN equal to NaN); hashing 7 million floats is not needed.
            values = labels[name].codes if name in labels else np.asarray(typed[name], dtype="float64")
            _check_constant(name, frame[name], values, bad[name], codes, order, first_row, out)


@dataclass(frozen=True, eq=False)
class _RowOrder:
    """The rows in (patient, month) order: a permutation, or None when the file is in that order.

    Files are usually written patient by patient; then no sort, and no copies in sorted order, are made.
    """

    order: np.ndarray | None

    def take(self, values: np.ndarray) -> np.ndarray:
        """``values`` in (patient, month) order."""
        return values if self.order is None else values[self.order]

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """File rows of ``positions`` in the sorted order."""
        return positions if self.order is None else self.order[positions]


def _check_constant(name: str, raw: pd.Series, values: np.ndarray, bad: np.ndarray, codes: np.ndarray,
                    order: _RowOrder, first_row: np.ndarray, out: Collector) -> None:
    # Typed values compare ("yes" equals "true"); a cell that failed typing compares by its text.
    if bad.any():
        vcodes = pd.factorize(values)[0] if values.dtype.kind == "f" else values
        text_codes, _ = pd.factorize(as_text(raw).str.strip())
        values = np.where(bad, text_codes + vcodes.max() + 2, vcodes)
    c, v = order.take(codes), order.take(values)
    with np.errstate(invalid="ignore"):
        changed = v[1:] != v[:-1]
    if v.dtype.kind == "f":  # a missing value equals a missing value, and differs from a number
        changed &= ~(np.isnan(v[1:]) & np.isnan(v[:-1]))
    differs = (c[1:] == c[:-1]) & (c[1:] >= 0) & changed
    varying = np.unique(c[1:][differs])
    if not len(varying):
        return
    flagged = first_row & np.isin(codes, varying)
    shown_rows = np.flatnonzero(flagged)[:CAP]
    rows = np.flatnonzero(np.isin(codes, codes[shown_rows]))
    distinct = (pd.DataFrame({"p": codes[rows], "v": [display(x) or "(empty)" for x in raw.iloc[rows]]})
                .groupby("p", sort=False)["v"].agg(lambda s: " | ".join(dict.fromkeys(s))))
    shown = pd.Series("", index=raw.index, dtype=object)
    shown.iloc[shown_rows] = distinct.reindex(codes[shown_rows]).to_numpy()
    out.cells("error", name, flagged, shown,
              lambda v: f"a patient-level value differs between rows of the same patient ({v}); "
                        "it must be the same on every row", label="varies within a patient")


def _typed_frame(frame: pd.DataFrame, typed: dict[str, object]) -> pd.DataFrame:
    columns: dict[str, object] = {}
    for name in frame.columns:
        if name not in typed:
            continue
        kind, values = COLUMNS[name].kind, typed[name]
        if kind == "string":
            column = values
        elif kind == "float":
            column = pd.Series(values, dtype="float64", copy=False)  # often the file's own array
        elif np.isnan(values).any():  # only for a nullable int/bool column, none in contract v1
            column = pd.array(np.where(np.isnan(values), None, values),
                              dtype="Int64" if kind == "int" else "boolean")
        else:
            column = pd.Series(values.astype(np.int64 if kind == "int" else bool), copy=False)
        if not _unchanged(frame[name], column):
            columns[name] = column
    # Only changed columns are new: unchanged ones keep sharing the input's memory (copy-on-write),
    # which spares a copy of every number column of a 7-million-row file.
    typed_frame = frame.assign(**{n: pd.Series(c).set_axis(frame.index) for n, c in columns.items()})
    if "withdrawn" not in typed_frame:
        typed_frame = typed_frame.assign(withdrawn=np.zeros(len(frame), dtype=bool))
    return typed_frame


def _unchanged(raw: pd.Series, column: object) -> bool:
    """True when ``column`` has ``raw``'s dtype and values (missing where ``raw`` is missing)."""
    if not isinstance(column, pd.Series) or column.dtype != raw.dtype or raw.dtype.kind not in "fiub":
        return False
    before, after = raw.to_numpy(), column.to_numpy()
    if before.ctypes.data == after.ctypes.data and before.strides == after.strides and len(before) == len(after):
        return True  # typing handed the file's own array back: nothing to compare (and no temporaries)
    return bool(np.array_equal(before, after, equal_nan=raw.dtype.kind == "f"))


def _check_text(column: str, raw: pd.Series, codes: np.ndarray, uniq: pd.Series, out: Collector, *,
                severity: str = "error", formulas: bool = False, markup: bool = False) -> None:
    """Unsafe characters (``severity``), and optionally formula prefixes and markup (warnings)."""
    checks = [(severity, UNSAFE_CHARACTERS.pattern,
               "contains control or bidirectional-override characters, which can disguise text")]
    if formulas:
        checks.append(("warning", _FORMULA.pattern,
                       "starts with =, +, - or @, which a spreadsheet would run as a formula; "
                       "exports will prefix it with a quote"))
    if markup:
        checks.append(("warning", _MARKUP.pattern, "looks like HTML or Markdown; it will be shown as plain text"))
    for sev, pattern, problem in checks:
        hit = uniq.str.contains(pattern, regex=True).to_numpy(dtype=bool)
        if hit.any():
            out.cells(sev, column, expand(hit, codes, False), raw, problem)
