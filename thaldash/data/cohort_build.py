"""A ``Cohort`` assembled from a checked file: one row of facts per patient, the visits in cohort order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from thaldash.data.alleles import genotype_class, genotype_columns, genotype_label
from thaldash.data.cohort import Cohort
from thaldash.data.schema import CENTRE_ID, COLUMNS
from thaldash.data.validation_text import text_column


def build_cohort(frame: pd.DataFrame, source_name: str, sha256: str) -> Cohort:
    """Assemble a ``Cohort`` from a frame that ``thaldash.data.validation`` has already typed and checked.

    Patient-level values are taken from each patient's first visit row: validation has checked
    that they are the same on every row (a missing value included), so this equals pandas'
    first non-missing value per patient, without a group-by over a million patients. Columns
    outside the contract are left out: no analysis reads them.

    ``frame`` is read, never changed. When the caller keeps no other reference to it
    (``loading.load_cohort`` hands it over), putting the rows in cohort order frees each column as
    soon as its reordered copy exists: a million patients cost one extra column, not a second cohort.
    """
    visit_cols = ["patient_id", *(c for c in frame.columns if c in COLUMNS and COLUMNS[c].level == "visit")]
    patient_cols = [c for c in frame.columns
                    if (c in COLUMNS and COLUMNS[c].level == "patient" and c != "patient_id") or c == CENTRE_ID]
    columns = {name: frame[name] for name in dict.fromkeys([*visit_cols, *patient_cols])}
    columns["withdrawn"] = (frame["withdrawn"].fillna(False).astype(bool) if "withdrawn" in frame
                            else pd.Series(np.zeros(len(frame), dtype=bool), index=frame.index))
    if "withdrawn" not in patient_cols:
        patient_cols.append("withdrawn")
    del frame  # from here on the columns are held only by ``columns`` (and by the caller, if it kept them)
    codes = _codes(columns["patient_id"])
    withdrawn = columns["withdrawn"].to_numpy(dtype=bool)
    month = columns["month"].to_numpy()
    if month.dtype.kind in "iu" and len(month) and -2**15 <= month.min() and month.max() < 2**15:
        month = month.astype(np.int16)  # the same order from a quarter of the bytes (its copies while ordering)
    order = _cohort_order(withdrawn, codes, month)
    if order is not None:  # files are usually written in order: then no sort and no copies
        codes = codes[order]
    starts = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, dtype=bool)
    first = np.flatnonzero(starts)
    first_rows = first if order is None else order[first]
    patients = {"patient_id": pd.Series(columns["patient_id"].array.take(first_rows), name="patient_id", copy=False)}
    for name in patient_cols:  # a patient's first row: one value per patient, never one per visit
        patients[name] = pd.Series(columns.pop(name).array.take(first_rows), name=name, copy=False)
    patients = pd.DataFrame(patients, copy=False)
    patients = pd.concat([patients, _genotypes(patients)], axis=1)
    patients = patients.assign(n_visits=np.diff(np.r_[first, len(codes)]).astype(np.int64))
    if order is not None:
        for name in list(columns):  # one column at a time, each old one let go as its copy is made
            columns[name] = pd.Series(columns[name].array.take(order), name=name, copy=False)  # no index copied
    visits = pd.DataFrame({name: columns.pop(name).reset_index(drop=True) for name in visit_cols}, copy=False)
    visits = _with_compact_months(visits)
    drop_hash_tables(patients)
    return Cohort(visits=visits, patients=patients, source_name=source_name, sha256=sha256)


def _with_compact_months(visits: pd.DataFrame) -> pd.DataFrame:
    """Months as 16-bit integers (the contract allows 0–240): 7 million visits take 13 MiB, not 53, and so
    does each reading of them on the study schedule. Values are unchanged; arithmetic on them mixes with
    64-bit study months or floats, which numpy widens."""
    month = visits["month"].to_numpy()
    if month.dtype.kind != "i" or (len(month) and not (np.iinfo(np.int16).min <= month.min()
                                                       and month.max() <= np.iinfo(np.int16).max)):
        return visits
    return visits.assign(month=month.astype(np.int16))


def drop_hash_tables(patients: pd.DataFrame, *, min_categories: int = 10_000) -> None:
    """Let go of the hash tables pandas built on large category lists while the file was checked.

    Checking that a million patient ids are unique builds pandas' hash engine on the categories (an object
    array of the ids and its table: ~70 MiB at a million patients), which pandas then keeps for as long as
    the categories live, i.e. the cohort's life. The analyses find patients by their integer codes
    (``positions``), so nothing needs it; a rare lookup by text builds it again. ``Index._cache`` is where
    pandas keeps it (private, read with a default: a pandas without it leaves memory as it was). The app calls
    it again after each page's first computation (``ui.caching._view``), so that no lookup by text on a page keeps it.
    """
    for column in patients.columns:
        dtype = patients[column].dtype
        if isinstance(dtype, pd.CategoricalDtype) and len(dtype.categories) >= min_categories:
            getattr(dtype.categories, "_cache", {}).pop("_engine", None)


def _cohort_order(withdrawn: np.ndarray, codes: np.ndarray, month: np.ndarray) -> np.ndarray | None:
    """``np.lexsort((month, codes, withdrawn))``, or None when the rows are in that order already.

    A file written patient by patient with the withdrawn among the others needs only the analysed rows, then the
    withdrawn, each in file order: what the stable sort gives then, without sorting 7 million rows (0.45 s).
    """
    if _in_cohort_order(withdrawn, codes, month):
        return None
    analysed, left = np.flatnonzero(~withdrawn), np.flatnonzero(withdrawn)
    if all(_in_cohort_order(np.zeros(len(rows), dtype=bool), codes[rows], month[rows]) for rows in (analysed, left)):
        return np.concatenate([analysed, left])
    return np.lexsort((month, codes, withdrawn))


def _in_cohort_order(withdrawn: np.ndarray, codes: np.ndarray, month: np.ndarray) -> bool:
    """True when rows are ordered by withdrawn (analysed first), then patient, then month."""
    if len(codes) < 2:
        return True
    w = withdrawn.astype(np.int8)
    with np.errstate(invalid="ignore"):
        later = (w[1:] > w[:-1]) | ((w[1:] == w[:-1]) & ((codes[1:] > codes[:-1])
                                                          | ((codes[1:] == codes[:-1]) & (month[1:] >= month[:-1]))))
    return bool(later.all())


def _codes(labels: pd.Series) -> np.ndarray:
    """Integer codes of a text column that sort like the text (-1 missing, which sorts first)."""
    if isinstance(labels.dtype, pd.CategoricalDtype) and labels.cat.categories.is_monotonic_increasing:
        return labels.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(labels, sort=True)[0].astype(np.int64)


def _genotypes(patients: pd.DataFrame) -> pd.DataFrame:
    """``alleles.genotype_columns`` as categoricals: each distinct allele pair labelled once, expanded by codes."""
    first, second = patients["allele_1"], patients["allele_2"]
    if first.isna().any() or second.isna().any():
        return genotype_columns(patients).astype("category")
    codes_1, uniques_1 = pd.factorize(first)
    codes_2, uniques_2 = pd.factorize(second)
    uniques_1, uniques_2 = np.asarray(uniques_1, dtype=object), np.asarray(uniques_2, dtype=object)
    pairs, inverse = _distinct(codes_1.astype(np.int64) * len(uniques_2) + codes_2, len(uniques_1) * len(uniques_2))
    left, right = uniques_1[pairs // len(uniques_2)], uniques_2[pairs % len(uniques_2)]
    genotype = text_column(inverse, pd.Series([genotype_label(a, b) for a, b in zip(left, right)], dtype="str"))
    beta = text_column(inverse, pd.Series([genotype_class(a, b) for a, b in zip(left, right)], dtype="str"))
    return pd.DataFrame({"genotype": genotype, "beta_class": beta}).set_axis(patients.index)


def _distinct(codes: np.ndarray, n_possible: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` in linear time when the codes are few (no sort)."""
    if n_possible > 4 * len(codes) + 1_000_000:
        return np.unique(codes, return_inverse=True)
    present = np.zeros(n_possible, dtype=bool)
    present[codes] = True
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present), rank[codes]
