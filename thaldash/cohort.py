"""A validated cohort: typed visits in long layout plus one row of facts per patient."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from thaldash.alleles import genotype_class, genotype_columns, genotype_label
from thaldash.schema import COLUMNS, PATIENT_LEVEL
from thaldash.validation_text import text_column


@dataclass(frozen=True, eq=False)
class Cohort:
    """A cohort that passed validation.

    Attributes
    ----------
    visits
        One row per patient per visit: the analysed patients first, then the withdrawn ones,
        each part sorted by patient_id then month (so ``analysed`` and the default filter are
        slices that share memory, not copies). Contract columns with their contract types
        (text as categoricals with sorted categories, months as int64, measures as float64
        with NaN for missing, booleans as bool), plus ``genotype`` (unordered allele pair,
        e.g. ``CD41-42/-28``) and ``beta_class`` (e.g. ``β0/β+``). ``withdrawn`` is always
        present.
    patients
        One row per patient, in the order of ``visits`` (index-free): every patient-level
        column of ``visits`` plus ``genotype``, ``beta_class`` and ``n_visits``.
    source_name
        File name (or "bundled cohort") for captions and export footers.
    sha256
        Hex digest of the source bytes; the cache key for everything derived from this cohort.
    parent
        The whole cohort this one was selected from (a filter, ``subset``), or None. Per-patient
        results of the parent (a patient's tier depends on their own visits only) can then be
        restricted instead of computed again.
    """

    visits: pd.DataFrame
    patients: pd.DataFrame
    source_name: str
    sha256: str
    parent: Cohort | None = field(default=None, repr=False)

    def __hash__(self) -> int:  # hashed by content, so Streamlit and functools can cache on it
        return hash(self.sha256)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cohort) and other.sha256 == self.sha256

    @cached_property
    def analysed(self) -> pd.DataFrame:
        """Visits of patients who did not withdraw (the efficacy population); a slice, once."""
        return rows_where(self.visits, ~self.visits["withdrawn"].to_numpy(dtype=bool))

    def subset(self, patient_ids: pd.Index | list[str], tag: str) -> "Cohort":
        """The same cohort restricted to ``patient_ids``; ``tag`` keeps cache keys distinct."""
        keep = pd.Index(pd.unique(pd.Index(patient_ids)))
        # A hash lookup: Series.isin on a million Arrow strings runs in Python in pandas 3.
        in_keep = lambda ids: keep.get_indexer(ids) >= 0  # noqa: E731
        return Cohort(
            visits=rows_where(self.visits, in_keep(self.visits["patient_id"])),
            patients=rows_where(self.patients, in_keep(self.patients["patient_id"])),
            source_name=self.source_name,
            sha256=f"{self.sha256}:{tag}",
            parent=self.parent or self,
        )


def rows_where(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``frame[keep]``, without a copy when the kept rows are all rows or one unbroken run.

    A positional slice shares the frame's memory (pandas copy-on-write copies only on a write,
    and nothing here writes), so the analysed patients of a million-patient cohort, which come
    first, cost nothing beyond the cohort itself.
    """
    keep = np.asarray(keep, dtype=bool)
    if keep.all():
        return frame
    kept = np.flatnonzero(keep)
    if len(kept) and kept[-1] - kept[0] + 1 == len(kept):
        return frame.iloc[int(kept[0]):int(kept[-1]) + 1]
    return frame[keep]


def positions(ids: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Position in ``ids`` (unique patient ids) of each id of ``wanted``; -1 where absent.

    Ids of one cohort are categoricals sharing its categories: then a lookup table over the
    integer codes answers for a million patients without hashing any text.
    """
    if (isinstance(ids.dtype, pd.CategoricalDtype) and isinstance(wanted.dtype, pd.CategoricalDtype)
            and ids.cat.categories.equals(wanted.cat.categories)):
        lookup = np.full(len(ids.cat.categories) + 1, -1, dtype=np.int64)
        lookup[ids.cat.codes.to_numpy()] = np.arange(len(ids))
        lookup[-1] = -1  # a missing id (code -1) is never found
        return lookup[wanted.cat.codes.to_numpy()]
    return pd.Index(ids).get_indexer(wanted)


def build_cohort(frame: pd.DataFrame, source_name: str, sha256: str) -> Cohort:
    """Assemble a ``Cohort`` from a frame that ``thaldash.validation`` has already typed and checked.

    Patient-level values are taken from each patient's first visit row: validation has checked
    that they are the same on every row (a missing value included), so this equals pandas'
    first non-missing value per patient, without a group-by over a million patients.

    ``frame`` is read, never changed. When the caller keeps no other reference to it
    (``loading.load_cohort`` hands it over), putting the rows in cohort order frees each column as
    soon as its reordered copy exists: a million patients cost one extra column, not a second cohort.
    """
    columns = {name: frame[name] for name in frame.columns}
    columns["withdrawn"] = (frame["withdrawn"].fillna(False).astype(bool) if "withdrawn" in frame
                            else pd.Series(np.zeros(len(frame), dtype=bool), index=frame.index))
    columns.update(_genotypes(frame).items())
    del frame  # from here on the columns are held only by ``columns`` (and by the caller, if it kept them)
    codes = _codes(columns["patient_id"])
    withdrawn = columns["withdrawn"].to_numpy(dtype=bool)
    month = columns["month"].to_numpy()
    if not _in_cohort_order(withdrawn, codes, month):  # files are usually written in order: skip the sort
        order = np.lexsort((month, codes, withdrawn))
        for name in list(columns):  # one column at a time, each old one let go as its copy is made
            columns[name] = pd.Series(columns[name].array.take(order), name=name, copy=False)  # no index copied
        codes = codes[order]
    visits = pd.DataFrame({name: column.reset_index(drop=True) for name, column in columns.items()}, copy=False)
    del columns
    starts = np.r_[True, codes[1:] != codes[:-1]] if len(visits) else np.zeros(0, dtype=bool)
    first = np.flatnonzero(starts)
    patient_cols = ["patient_id", *(c for c in visits.columns if c != "patient_id"
                                    and (c in PATIENT_LEVEL or c in ("genotype", "beta_class")))]
    patients = visits[patient_cols].take(first).reset_index(drop=True)
    patients = patients.assign(n_visits=np.diff(np.r_[first, len(visits)]).astype(np.int64))
    return Cohort(visits=visits, patients=patients, source_name=source_name, sha256=sha256)


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


def _genotypes(visits: pd.DataFrame) -> pd.DataFrame:
    """``alleles.genotype_columns`` as categoricals: each distinct allele pair labelled once, expanded by codes."""
    first, second = visits["allele_1"], visits["allele_2"]
    if first.isna().any() or second.isna().any():
        return genotype_columns(visits).astype("category")
    codes_1, uniques_1 = pd.factorize(first)
    codes_2, uniques_2 = pd.factorize(second)
    uniques_1, uniques_2 = np.asarray(uniques_1, dtype=object), np.asarray(uniques_2, dtype=object)
    pairs, inverse = _distinct(codes_1.astype(np.int64) * len(uniques_2) + codes_2, len(uniques_1) * len(uniques_2))
    left, right = uniques_1[pairs // len(uniques_2)], uniques_2[pairs % len(uniques_2)]
    genotype = text_column(inverse, pd.Series([genotype_label(a, b) for a, b in zip(left, right)], dtype="str"))
    beta = text_column(inverse, pd.Series([genotype_class(a, b) for a, b in zip(left, right)], dtype="str"))
    return pd.DataFrame({"genotype": genotype, "beta_class": beta}).set_axis(visits.index)


def _distinct(codes: np.ndarray, n_possible: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` in linear time when the codes are few (no sort)."""
    if n_possible > 4 * len(codes) + 1_000_000:
        return np.unique(codes, return_inverse=True)
    present = np.zeros(n_possible, dtype=bool)
    present[codes] = True
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present), rank[codes]


def patient_level_columns(frame: pd.DataFrame) -> list[str]:
    """Contract patient-level columns present in ``frame``."""
    return [c for c in frame.columns if c in COLUMNS and COLUMNS[c].level == "patient"]
