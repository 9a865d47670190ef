"""Check a raw cohort table against the contract and type it; report every problem at once.

Cell checks are generated from ``thaldash.data.schema.CONTRACT`` (see ``thaldash.data.checks``);
only rules that cannot be written as column data are code: here the header, allele normalisation
and unsafe text in labels; in ``thaldash.data.validation_rows`` the checks across rows (duplicate
visits, patient-level constancy, schedule, baseline and NTDT transfusions).

Rows are checked in slices of whole patients (``thaldash.data.validation_chunks``), so the memory the
checks need beyond the typed columns does not grow with the file; the problems table is the one
a single pass gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.data.alleles import normalise_allele
from thaldash.data.io import RawTable
from thaldash.data.schema import CENTRE_SEPARATOR, COLUMNS, CONTRACT, LABEL_COLUMNS, MAX_TEXT_CHARS, REQUIRED
from thaldash.data.checks import (CAP, PROBLEM_COLUMNS, UNSAFE_CHARACTERS, Collector, Labels,
                                        cells_per_value, coerce_bool, coerce_number, coerce_string, empty_problems,
                                        escape_unsafe, expand, factorize_text)
from thaldash.data.validation_chunks import CHUNK_ROWS, row_chunks
from thaldash.data.validation_rows import ALLELE_COLUMNS, check_rows
from thaldash.data.validation_text import small_codes

__all__ = ["Validation", "validate", "PROBLEM_COLUMNS", "empty_problems", "escape_unsafe", "CAP"]

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


def validate(raw: RawTable | pd.DataFrame, *, chunk_rows: int = CHUNK_ROWS) -> Validation:
    """Check ``raw`` against the contract and return the typed frame and all problems.

    Never raises for bad data: every problem becomes a row of ``problems``. The input is
    not modified. Rows are checked ``chunk_rows`` at a time (whole patients; see
    ``thaldash.data.validation_chunks``); the result does not depend on it.
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
    # Problem rows name the patient by a code per row into the trimmed ids: no text per row.
    pid_codes, pid_texts = texts.get("patient_id", (np.full(len(frame), -1, dtype=np.int8), pd.Series([], dtype="str")))
    several = "patient_id" in texts and _several_centres(texts.get("centre"))
    if several:  # a patient is a (centre, patient_id) pair: rows are named "CENTRE/ID"
        pid_codes, pid_texts = _centre_patients(texts["centre"], texts["patient_id"])
    stripped = pid_texts.str.strip()
    patients = _patients(pid_codes, pid_texts, stripped) if "patient_id" in texts else None
    out = Collector(pid_codes, stripped, row_chunks(patients, len(frame), chunk_rows))
    del patients, stripped
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
    if "centre" in texts:
        codes, uniq = texts["centre"]
        cells_per_value(out, "error", "centre", uniq.str.contains(CENTRE_SEPARATOR, regex=False).to_numpy(dtype=bool),
                        codes, frame["centre"], f"contains '{CENTRE_SEPARATOR}', which joins a centre and a patient "
                        "id in the cohort's patient ids; rename the centre")
    if "patient_id" in labels and len(frame):
        if several and "centre" in labels:  # checks across rows (duplicates, constancy) per (centre, patient)
            labels = labels | {"patient_id": labels["patient_id"]._replace(
                codes=_pair_codes(labels["centre"].codes, labels["patient_id"].codes, len(labels["patient_id"].uniques))[0])}
        check_rows(frame, typed, bad, labels, out)
    problems = out.frame()
    if out.n_errors:
        return Validation(None, problems, out.n_errors, out.n_warnings)
    return Validation(_typed_frame(frame, typed), problems, out.n_errors, out.n_warnings)


def _several_centres(centre: tuple[np.ndarray, pd.Series] | None) -> bool:
    """True when a ``centre`` column names more than one centre (blank cells aside)."""
    if centre is None:
        return False
    codes, uniq = centre
    named = uniq.str.strip()
    used = np.zeros(len(uniq), dtype=bool)
    used[codes[codes >= 0]] = True
    return named[used & (named != "").to_numpy(dtype=bool)].nunique() > 1


def _pair_codes(first: np.ndarray, second: np.ndarray, n_second: int) -> tuple[np.ndarray, np.ndarray]:
    """A code per row for each distinct (first, second) pair, in (first, second) order (-1 when either is
    -1), and each pair's row of first codes and second codes as one key (``first * n_second + second``)."""
    usable = (first >= 0) & (second >= 0)
    key = first.astype(np.int64) * max(n_second, 1) + second.astype(np.int64)
    pairs, inverse = np.unique(key[usable], return_inverse=True)
    codes = np.full(len(first), -1, dtype=np.int64)
    codes[usable] = inverse
    return codes, pairs


def _centre_patients(centre: tuple[np.ndarray, pd.Series], patient: tuple[np.ndarray, pd.Series]
                     ) -> tuple[np.ndarray, pd.Series]:
    """Row codes and texts ("CENTRE/ID", trimmed) of each (centre, patient_id) pair; a row with a blank
    centre or id has no patient (-1), so problems name it by its row."""
    (c_codes, c_texts), (p_codes, p_texts) = centre, patient
    c_named, p_named = c_texts.str.strip(), p_texts.str.strip()
    c_ok = np.r_[(c_named != "").to_numpy(dtype=bool), False]  # index -1: a missing cell
    p_ok = np.r_[(p_named != "").to_numpy(dtype=bool), False]
    usable = c_ok[c_codes] & p_ok[p_codes]
    codes, pairs = _pair_codes(np.where(usable, c_codes, -1), np.where(usable, p_codes, -1), len(p_texts))
    n = max(len(p_texts), 1)
    texts = pd.Series(c_named.to_numpy(dtype=object)[pairs // n], dtype="str").str.cat(
        pd.Series(p_named.to_numpy(dtype=object)[pairs % n], dtype="str"), sep=CENTRE_SEPARATOR)
    return small_codes(codes, len(pairs)), texts


def _patients(codes: np.ndarray, uniq: pd.Series, stripped: pd.Series) -> np.ndarray:
    """Each row's patient as validation will type it (trimmed; blank or over-long ids: -1)."""
    usable = ((stripped != "") & (stripped.str.len() <= MAX_TEXT_CHARS)).to_numpy(dtype=bool)
    if usable.all() and (stripped == uniq).all():
        return codes  # no id to trim: every distinct spelling is a distinct patient already
    ident = np.where(usable, pd.factorize(stripped)[0], -1)
    return expand(small_codes(ident, len(ident)), codes, -1)


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
            column = pd.Series(values.astype(np.int64 if kind == "int" else bool, copy=False), copy=False)
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
                formulas: bool = False, markup: bool = False) -> None:
    """Unsafe characters (errors), and optionally formula prefixes and markup (warnings)."""
    checks = [("error", UNSAFE_CHARACTERS.pattern,
               "contains control or bidirectional-override characters, which can disguise text")]
    if formulas:
        checks.append(("warning", _FORMULA.pattern,
                       "starts with =, +, - or @, which a spreadsheet would run as a formula; "
                       "exports will prefix it with a quote"))
    if markup:
        checks.append(("warning", _MARKUP.pattern, "looks like HTML or Markdown; it will be shown as plain text"))
    for sev, pattern, problem in checks:
        hit = uniq.str.contains(pattern, regex=True).to_numpy(dtype=bool)
        cells_per_value(out, sev, column, hit, codes, raw, problem)
