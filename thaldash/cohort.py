"""A validated cohort: typed visits in long layout plus one row of facts per patient."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thaldash.alleles import genotype_columns
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
    """Assemble a ``Cohort`` from a frame that ``thaldash.validation`` has already typed and checked."""
    visits = frame.assign(withdrawn=frame["withdrawn"].fillna(False).astype(bool)
                          if "withdrawn" in frame else False)
    visits = pd.concat([visits, genotype_columns(visits)], axis=1)
    visits = visits.sort_values(["patient_id", "month"], kind="stable").reset_index(drop=True)
    patient_cols = [c for c in visits.columns
                    if c in PATIENT_LEVEL or c in ("genotype", "beta_class")]
    patients = (
        visits.groupby("patient_id", sort=True, as_index=False)
        .agg(**{c: (c, "first") for c in patient_cols if c != "patient_id"},
             n_visits=("month", "size"))
    )
    return Cohort(visits=visits, patients=patients, source_name=source_name, sha256=sha256)


def patient_level_columns(frame: pd.DataFrame) -> list[str]:
    """Contract patient-level columns present in ``frame``."""
    return [c for c in frame.columns if c in COLUMNS and COLUMNS[c].level == "patient"]
