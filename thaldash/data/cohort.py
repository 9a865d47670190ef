"""A validated cohort: one row of facts per patient, and the visits with visit-level columns only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from functools import cached_property

import numpy as np
import pandas as pd

from thaldash.data.alleles import genotype_class, genotype_columns, genotype_label
from thaldash.data.schema import CENTRE_ID, COLUMNS, STUDY_MONTHS
from thaldash.data.validation_text import text_column


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
