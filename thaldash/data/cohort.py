"""A validated cohort: one row of facts per patient, and the visits with visit-level columns only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from functools import cached_property

import numpy as np
import pandas as pd

from thaldash.data.schema import STUDY_MONTHS


@dataclass(frozen=True, eq=False)
class Cohort:
    """A cohort that passed validation, as two tables: patients and their visits.

    Attributes
    ----------
    patients
        One row per patient: the analysed patients first, then the withdrawn ones, each part
        sorted by patient_id (so the analysed patients and the default filter are slices that share
        memory, not copies). Every patient-level contract column with its contract type (text as
        categoricals with sorted categories, numbers as float64 with NaN for missing, booleans as
        bool), plus ``genotype`` (unordered allele pair, e.g. ``CD41-42/-28``), ``beta_class``
        (e.g. ``β0/β+``) and ``n_visits``. ``withdrawn`` is always present. With several centres
        (``thaldash.data.centres``), ``patient_id`` is ``CENTRE/ID`` and ``centre`` and
        ``centre_patient_id`` (the file's own id) are present too.
    visits
        One row per patient per visit, in the patients' order and then by month: ``patient_id``
        (a categorical sharing the patients' categories) and the visit-level columns only
        (``month`` as int16, the measures, their provenance). A patient-level fact is never repeated on
        a patient's visit rows; ``visits_with`` joins the ones an analysis needs.
    source_name
        File name (or "bundled cohort") for captions and export footers.
    sha256
        Hex digest of the source bytes; the cache key for everything derived from this cohort.
    parent
        The whole cohort this one was selected from (a filter, ``subset``), or None. Per-patient
        results of the parent (a patient's tier depends on their own visits only) can then be
        restricted instead of computed again.
    scope
        "shared" for data every user of the app sees (the configured file), "session" for one
        browser session's upload: what is computed from it is kept for that session only.
    """

    visits: pd.DataFrame
    patients: pd.DataFrame
    source_name: str
    sha256: str
    parent: Cohort | None = field(default=None, repr=False)
    scope: Literal["shared", "session"] = "shared"

    def __hash__(self) -> int:  # hashed by content, so Streamlit and functools can cache on it
        return hash(self.sha256)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cohort) and other.sha256 == self.sha256

    @cached_property
    def visit_patient(self) -> np.ndarray:
        """Row of ``patients`` of each visit (visits come in the patients' order)."""
        # 32-bit rows while they fit: 7 million visits take 27 MiB, not 53, for as long as the cohort lives.
        row_type = np.int32 if len(self.patients) < 2**31 else np.int64
        return np.repeat(np.arange(len(self.patients), dtype=row_type), self.patients["n_visits"].to_numpy())

    @cached_property
    def n_analysed(self) -> int:
        """Patients who did not withdraw (the efficacy population); they come first."""
        return int((~self.patients["withdrawn"].to_numpy(dtype=bool)).sum())

    @cached_property
    def analysed_patients(self) -> pd.DataFrame:
        """The rows of ``patients`` who did not withdraw; a slice."""
        return self.patients.iloc[: self.n_analysed]

    @cached_property
    def analysed(self) -> pd.DataFrame:
        """Visits of the patients who did not withdraw; a slice, once."""
        return self.visits.iloc[: int(self.patients["n_visits"].iloc[: self.n_analysed].sum())]

    @cached_property
    def centres(self) -> tuple[str, ...]:
        """The centres of this cohort's patients, sorted; () when the data name no centre."""
        if "centre" not in self.patients:
            return ()
        return tuple(sorted(str(c) for c in self.patients["centre"].dropna().unique()))

    @property
    def several_centres(self) -> bool:
        """More than one centre: the centre is then a filter, a grouping and a page."""
        return len(self.centres) > 1

    @cached_property
    def n_off_schedule(self) -> int:
        """Visits at a month outside the study schedule (``schema.STUDY_MONTHS``)."""
        return int((~np.isin(self.visits["month"].to_numpy(), STUDY_MONTHS)).sum())

    def visits_with(self, columns: Sequence[str], *, analysed: bool = False, where: np.ndarray | None = None,
                    only: Sequence[str] | None = None) -> pd.DataFrame:
        """Visits (of the analysed patients only, with ``analysed``) with patient-level ``columns`` joined.

        For analyses written over a long frame; the join is a positional take, no merge on text.
        ``where`` (one bool per row of ``patients``) keeps the visits of those patients only, and ``only``
        the visit columns named (those present): the rows are then chosen before anything is joined or
        copied, so a third of a million-patient cohort costs a third of its visits' memory, not all of it.
        """
        visits = self.analysed if analysed else self.visits
        rows = self.visit_patient[: len(visits)]
        names = [c for c in visits.columns if only is None or c in only]
        if where is not None:
            keep = np.asarray(where, dtype=bool)[rows]
            # Column by column and without consolidating: a mask of the whole frame copies its 2-D blocks first.
            visits = pd.DataFrame({c: visits[c].array[keep] for c in names}, copy=False)
            rows = rows[keep]
        elif only is not None:
            visits = visits[names]  # a lazy selection: nothing is copied
        wanted = [c for c in columns if c in self.patients.columns and c not in visits.columns]
        joined = {c: pd.Series(self.patients[c].array.take(rows), index=visits.index, name=c) for c in wanted}
        return visits.assign(**joined) if joined else visits

    def at_month(self, measure: str, month: int, *, analysed: bool = True) -> np.ndarray:
        """``measure`` at visit ``month``, one value per patient (the analysed patients' rows of ``patients``,
        or every row), NaN where the patient has no such visit or no value.

        For facts at one month (baseline HbF, Hb at months 0–6): a mask of the month and a scatter, without a
        patients × months panel of the whole cohort.
        """
        visits = self.analysed if analysed else self.visits
        out = np.full(self.n_analysed if analysed else len(self.patients), np.nan)
        hit = visits["month"].to_numpy() == month
        out[self.visit_patient[: len(visits)][hit]] = visits[measure].to_numpy()[hit]  # (patient, month) is unique
        return out

    def subset(self, patient_ids: pd.Index | list[str], tag: str) -> "Cohort":
        """The same cohort restricted to ``patient_ids``; ``tag`` keeps cache keys distinct."""
        keep = pd.Index(pd.unique(pd.Index(patient_ids)))
        # A hash lookup: Series.isin on a million Arrow strings runs in Python in pandas 3.
        return self.take(keep.get_indexer(self.patients["patient_id"]) >= 0, tag)

    def take(self, keep: np.ndarray, tag: str) -> "Cohort":
        """The same cohort restricted to the patients where ``keep`` (one bool per patient) is true."""
        keep = np.asarray(keep, dtype=bool)
        taken = Cohort(
            visits=rows_where(self.visits, keep[self.visit_patient]),
            patients=rows_where(self.patients, keep),
            source_name=self.source_name,
            sha256=f"{self.sha256}:{tag}",
            parent=self.parent or self,
            scope=self.scope,
        )
        if len(taken.patients) and bool(keep[: len(taken.patients)].all()):
            # The first patients (the default filter: every analysed patient): their visits' rows are a
            # slice of ours, so a slice of ours too, not 27 MiB more per filtered cohort at a million patients.
            taken.__dict__["visit_patient"] = self.visit_patient[: len(taken.visits)]
        return taken


def long_visits(source: Cohort | pd.DataFrame, columns: Sequence[str], *, analysed: bool = True) -> pd.DataFrame:
    """A long visits frame carrying the patient-level ``columns`` an analysis reads.

    ``source`` is a ``Cohort`` (its analysed patients' visits, or all with ``analysed=False``, with
    ``columns`` joined by ``Cohort.visits_with``) or already such a frame (returned as it is).
    """
    return source.visits_with(columns, analysed=analysed) if isinstance(source, Cohort) else source


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
