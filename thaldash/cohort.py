"""A validated cohort: typed visits in long layout plus one row of facts per patient."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.alleles import genotype_class, genotype_columns, genotype_label
from thaldash.schema import COLUMNS, PATIENT_LEVEL


@dataclass(frozen=True, eq=False)
class Cohort:
    """A cohort that passed validation.

    Attributes
    ----------
    visits
        One row per patient per visit, sorted by patient_id then month. Contract columns with
        their contract types (strings as ``str``, months as int64, measures as float64 with NaN
        for missing, booleans as bool), plus ``genotype`` (unordered allele pair, e.g.
        ``CD41-42/-28``) and ``beta_class`` (e.g. ``β0/β+``). ``withdrawn`` is always present.
    patients
        One row per patient (index-free, sorted by patient_id): every patient-level column of
        ``visits`` plus ``genotype``, ``beta_class`` and ``n_visits``.
    source_name
        File name (or "bundled cohort") for captions and export footers.
    sha256
        Hex digest of the source bytes; the cache key for everything derived from this cohort.
    """

    visits: pd.DataFrame
    patients: pd.DataFrame
    source_name: str
    sha256: str

    def __hash__(self) -> int:  # hashed by content, so Streamlit and functools can cache on it
        return hash(self.sha256)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cohort) and other.sha256 == self.sha256

    @property
    def analysed(self) -> pd.DataFrame:
        """Visits of patients who did not withdraw (the efficacy population)."""
        return self.visits[~self.visits["withdrawn"]]

    def subset(self, patient_ids: pd.Index | list[str], tag: str) -> "Cohort":
        """The same cohort restricted to ``patient_ids``; ``tag`` keeps cache keys distinct."""
        keep = pd.Index(pd.unique(pd.Index(patient_ids)))
        # A hash lookup: Series.isin on a million Arrow strings runs in Python in pandas 3.
        in_keep = lambda ids: keep.get_indexer(ids) >= 0  # noqa: E731
        return Cohort(
            visits=self.visits[in_keep(self.visits["patient_id"])],
            patients=self.patients[in_keep(self.patients["patient_id"])],
            source_name=self.source_name,
            sha256=f"{self.sha256}:{tag}",
        )


def build_cohort(frame: pd.DataFrame, source_name: str, sha256: str) -> Cohort:
    """Assemble a ``Cohort`` from a frame that ``thaldash.validation`` has already typed and checked.

    Patient-level values are taken from each patient's first visit row: validation has checked
    that they are the same on every row (a missing value included), so this equals pandas'
    first non-missing value per patient, without a group-by over a million patients.
    """
    visits = frame.assign(withdrawn=frame["withdrawn"].fillna(False).astype(bool)
                          if "withdrawn" in frame else False)
    visits = pd.concat([visits, _genotypes(visits)], axis=1)
    same = _same_patient_as_previous(visits)
    if not _sorted(visits, same):  # files are usually written in this order: skip a 7-million-row sort
        visits = visits.sort_values(["patient_id", "month"], kind="stable")
        visits = visits.reset_index(drop=True)
        same = _same_patient_as_previous(visits)
    else:
        visits = visits.reset_index(drop=True)
    first = np.flatnonzero(np.r_[True, ~same]) if len(visits) else np.array([], dtype=np.int64)
    patient_cols = ["patient_id", *(c for c in visits.columns if c != "patient_id"
                                    and (c in PATIENT_LEVEL or c in ("genotype", "beta_class")))]
    patients = visits[patient_cols].take(first).reset_index(drop=True)
    patients = patients.assign(n_visits=np.diff(np.r_[first, len(visits)]).astype(np.int64))
    return Cohort(visits=visits, patients=patients, source_name=source_name, sha256=sha256)


def _same_patient_as_previous(visits: pd.DataFrame) -> np.ndarray:
    """Row i (from the second) has the patient_id of row i - 1; compared in Arrow, not in Python."""
    ids = visits["patient_id"].reset_index(drop=True)
    if len(ids) < 2:
        return np.zeros(0, dtype=bool)
    return (ids.iloc[1:].reset_index(drop=True) == ids.iloc[:-1].reset_index(drop=True)).to_numpy(
        dtype=bool, na_value=False)


def _sorted(visits: pd.DataFrame, same: np.ndarray) -> bool:
    """True when rows are already ordered by patient_id, then month."""
    if len(visits) < 2:
        return True
    ids = visits["patient_id"].reset_index(drop=True)
    if ids.isna().any():
        return False
    later = (ids.iloc[1:].reset_index(drop=True) > ids.iloc[:-1].reset_index(drop=True)).to_numpy(
        dtype=bool, na_value=False)
    month = visits["month"].to_numpy()
    with np.errstate(invalid="ignore"):
        return bool((later | (same & (month[1:] >= month[:-1]))).all())


def _genotypes(visits: pd.DataFrame) -> pd.DataFrame:
    """``alleles.genotype_columns``, labelling each distinct allele pair once and expanding by codes."""
    first, second = visits["allele_1"], visits["allele_2"]
    if first.isna().any() or second.isna().any():
        return genotype_columns(visits)
    codes_1, uniques_1 = pd.factorize(first)
    codes_2, uniques_2 = pd.factorize(second)
    pairs, inverse = _distinct(codes_1.astype(np.int64) * len(uniques_2) + codes_2, len(uniques_1) * len(uniques_2))
    left, right = uniques_1[pairs // len(uniques_2)], uniques_2[pairs % len(uniques_2)]
    genotype = pd.Index([genotype_label(a, b) for a, b in zip(left, right)], dtype="str")
    beta = pd.Index([genotype_class(a, b) for a, b in zip(left, right)], dtype="str")
    return pd.DataFrame({"genotype": pd.Series(genotype.take(inverse), dtype="str"),
                         "beta_class": pd.Series(beta.take(inverse), dtype="str")}).set_axis(visits.index)


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
