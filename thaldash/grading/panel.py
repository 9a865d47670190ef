"""A visits frame as patients × months matrices: the one pivot grading, transfusion facts and the
reproduction read (``visit_panel``; ``cohort_panel`` for a cohort, its patient facts from
``Cohort.patients``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.data.cohort import Cohort, positions
from thaldash.stats.summary import sorted_codes


@dataclass(frozen=True, eq=False)
class VisitPanel:
    """A visits frame as patients × months matrices.

    Attributes
    ----------
    patients
        One row per patient (sorted by ``patient_id``, RangeIndex): the first visit row's values
        of every column that is not a visit measure.
    months
        Sorted distinct visit months (int64), the matrices' columns.
    present
        ``present[i, j]`` is true when patient ``i`` has a visit row at ``months[j]``.
    values
        Float matrices, NaN where the visit is absent or the value is missing.
    """

    patients: pd.DataFrame
    months: np.ndarray
    present: np.ndarray
    values: dict[str, np.ndarray]

    def column(self, month: int) -> int | None:
        """Matrix column of ``month``, or None when no patient has a visit then."""
        j = int(np.searchsorted(self.months, month))
        return j if j < len(self.months) and self.months[j] == month else None


_VISIT_MEASURES = ("month", "hb_g_l", "hbf_pct", "sf_ng_ml", "rbc_units")


def visit_panel(visits: pd.DataFrame, measures: tuple[str, ...] = ("rbc_units", "hb_g_l"), *,
                patients: pd.DataFrame | None = None, in_row_order: bool = False) -> VisitPanel:
    """Pivot ``visits`` to patients × months once: patients by ``patient_id``, or in the order their rows
    come when ``in_row_order`` and each patient's rows are together (a ``Cohort``'s visits).

    The panel's patient facts come from ``patients`` (a ``Cohort.patients`` table, matched by
    ``patient_id``) when given, else from each patient's first visit row (a long frame that carries
    them, as tests and small tools write it).

    Raises
    ------
    ValueError
        When a required column is missing or a patient has two rows for the same month.
    """
    needed = ("patient_id", "month", *measures)
    missing = [c for c in needed if c not in visits.columns]
    if missing:
        raise ValueError(f"The visits table lacks the column(s) {', '.join(missing)}.")
    for name in ("patient_id", "month"):
        empty = int(visits[name].isna().sum())
        if empty:
            raise ValueError(f"{name} is empty on {empty} row(s); every visit needs a patient and a month.")
    pid = visits["patient_id"].reset_index(drop=True)
    codes, first = _patient_codes(pid, in_row_order=in_row_order)
    month_codes, months = _month_codes(visits["month"].to_numpy())
    n_pat, n_month = len(first), len(months)
    # Cell of each row in the patients × months grid; 32-bit while it fits (7 million rows: 28 MB, not 56).
    cell = np.int32 if n_pat * n_month < 2**31 else np.int64
    flat = codes.astype(cell)  # in place from here: each temporary of 7 million rows is 28–56 MB
    del codes
    flat *= cell(n_month)
    flat += month_codes
    del month_codes
    # A cohort's visits come by patient and month: then cells only ever increase, and no two rows share one.
    if len(flat) > 1 and not bool((flat[1:] > flat[:-1]).all()):
        counts = np.bincount(flat, minlength=n_pat * n_month)
        if (counts > 1).any():
            dup = int(np.flatnonzero(counts > 1)[0])
            raise ValueError(
                f"Patient {pid.iloc[first[dup // n_month]]} has {counts[dup]} rows for month "
                f"{months[dup % n_month]}; each (patient_id, month) must appear once.")
        del counts
    present = np.zeros(n_pat * n_month, dtype=bool)
    present[flat] = True
    present = present.reshape(n_pat, n_month)
    values = {}
    for name in measures:
        grid = np.full(n_pat * n_month, np.nan)
        grid[flat] = pd.to_numeric(visits[name]).to_numpy(dtype=float, na_value=np.nan)
        values[name] = grid.reshape(n_pat, n_month)
    ids = pid.iloc[first].reset_index(drop=True)
    if patients is not None:
        at = positions(patients["patient_id"], ids)
        # A cohort's analysed patients are its first rows, in order: a slice, not a copy of every patient column
        # (40 MiB at a million patients, per panel).
        run = len(at) > 0 and at[0] >= 0 and bool((np.diff(at) == 1).all())
        facts = (patients.iloc[int(at[0]):int(at[0]) + len(at)] if run else patients.iloc[at]).reset_index(drop=True)
    else:
        keep = [c for c in visits.columns if c not in _VISIT_MEASURES and not str(c).endswith("_provenance")]
        facts = visits[keep].iloc[first].reset_index(drop=True)
    return VisitPanel(patients=facts.assign(patient_id=ids), months=months, present=present, values=values)


def cohort_panel(cohort: Cohort, measures: tuple[str, ...] = ("rbc_units", "hb_g_l"), *,
                 include_withdrawn: bool = False) -> VisitPanel:
    """``visit_panel`` of a cohort's visits (the analysed patients' unless ``include_withdrawn``)."""
    visits = cohort.visits if include_withdrawn else cohort.analysed
    # In the cohort's patient order (analysed first, then the withdrawn, each by id), not by id alone: the
    # analysed patients' rows of everyone's grading are then its first rows, a slice that shares its memory
    # (ui.caching grades a million patients once, not twice).
    return visit_panel(visits, measures, patients=cohort.patients, in_row_order=True)


def _month_codes(month: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(month, sort=True)``, the distinct months as int64.

    Study months are small integers: counted in one pass, not hashed (7 million visits: 0.25 s a grading).
    """
    codes, months = sorted_codes(month, limit=1 << 16)
    return codes, np.asarray(months, dtype=np.int64)


def _patient_codes(pid: pd.Series, *, in_row_order: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Patient code per row and each patient's first row; codes follow sorted patient_id, or the rows'
    order when ``in_row_order`` and each patient's rows are together.

    When the rows are already sorted by patient (a ``Cohort``'s analysed visits), one vectorised
    comparison of integer codes replaces a hash table.
    """
    if len(pid) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if isinstance(pid.dtype, pd.CategoricalDtype):
        ids = pid.cat.codes.to_numpy()  # int32 at a million patients: no 56 MB copy
        n_distinct = int(np.count_nonzero(np.bincount(ids, minlength=len(pid.cat.categories))))
    else:
        ids, uniques = pd.factorize(pid, sort=True)
        ids, n_distinct = ids.astype(np.int64), len(uniques)
    starts = np.r_[True, ids[1:] != ids[:-1]]
    first = np.flatnonzero(starts)
    if len(first) == n_distinct and (in_row_order or bool((np.diff(ids[first]) > 0).all())):  # sorted by patient
        codes = np.cumsum(starts, dtype=np.int32 if len(starts) < 2**31 else np.int64)
        codes -= 1
        return codes, first
    # Categories are sorted, so this is patient_id order; codes of categories are counted, not hashed (7 million
    # codes out of order at a million patients).
    codes, _ = sorted_codes(ids, limit=4 * len(ids) + (1 << 16))
    first = np.empty(codes.max() + 1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return codes.astype(np.int64), first
