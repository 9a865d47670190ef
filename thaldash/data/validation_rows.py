"""Checks across rows: duplicate visits, a baseline visit, values constant within a patient, and a few
cross-column warnings (schedule, baseline transfusion, NTDT transfusions, unknown alleles).

They need a patient's rows together: they run a slice of whole patients at a time
(``Collector.chunks``), sorting a slice by (patient, month) only when it is not in that order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.data.alleles import is_known, normalise_allele
from thaldash.data.schema import COLUMNS, STUDY_MONTHS
from thaldash.data.checks import Collector, Labels, as_float, as_text, display, expand

ALLELE_COLUMNS: tuple[str, ...] = ("allele_1", "allele_2")


def check_rows(frame: pd.DataFrame, typed: dict[str, object], bad: dict[str, np.ndarray],
                labels: dict[str, Labels], out: Collector) -> None:
    """Checks across rows: duplicate visits, baseline, patient-level constancy, alleles, schedule.

    A slice at a time (slices hold whole patients). Every check runs on every slice, so that the
    first slice sets the order of the problems as a single pass would.
    """
    ntdt = (labels["thal_type"].uniques == "NTDT").to_numpy() if "thal_type" in labels else None
    known = {name: np.array([is_known(u) for u in labels[name].uniques], dtype=bool)
             for name in ALLELE_COLUMNS if name in labels}
    for c in out.chunks:
        _check_rows_of(c, frame.iloc[c], {n: _rows(v, c) for n, v in typed.items()},
                       {n: b[c] for n, b in bad.items()}, labels, ntdt, known, out)


def _rows(typed: object, c: slice) -> object:
    return typed.iloc[c] if isinstance(typed, pd.Series) else typed[c]


def _check_rows_of(c: slice, frame: pd.DataFrame, typed: dict[str, object], bad: dict[str, np.ndarray],
                   labels: dict[str, Labels], ntdt: np.ndarray | None, known: dict[str, np.ndarray],
                   out: Collector) -> None:
    codes = labels["patient_id"].codes[c]
    month = as_float(typed["month"]) if "month" in typed else np.full(len(codes), np.nan)
    # Months outside 0..4094 are errors already; leaving them out keeps the sort key exact.
    with np.errstate(invalid="ignore"):
        valid = (codes >= 0) & (month >= 0) & (month < 4095)
    # One stable sort by (patient, month) serves the duplicate, baseline and constancy checks.
    key = codes.astype(np.int64) * 4096 + np.where(valid, month, 4095).astype(np.int64)
    order = _RowOrder(None if (key[1:] >= key[:-1]).all() else np.argsort(key, kind="stable"))
    k, p = order.take(key), order.take(codes)
    starts = np.r_[True, p[1:] != p[:-1]] & (p >= 0)
    first_row = np.zeros(len(codes), dtype=bool)
    first_row[order.rows(np.flatnonzero(starts))] = True
    del key, p, starts
    if "month" in typed:
        dup = np.zeros(len(codes), dtype=bool)
        dup[order.rows(np.flatnonzero((k[1:] == k[:-1]) & order.take(valid)[1:]) + 1)] = True
        out.cells("error", "month", dup, frame["month"],
                  lambda v: f"duplicate visit: another row has the same patient_id and month {v}",
                  kind="duplicate visit", start=c.start)
        out.cells("warning", "month", np.isfinite(month) & ~np.isin(month, STUDY_MONTHS), frame["month"],
                  f"off the study schedule ({', '.join(map(str, STUDY_MONTHS))})", start=c.start)
        # Sorted by month within patient, a patient's first row is month 0 when there is one.
        out.cells("warning", "month", first_row & ~(valid & (month == 0)), None,
                  "the patient has no month-0 (baseline) visit", label="no baseline visit", start=c.start)
        if "rbc_units" in typed:
            with np.errstate(invalid="ignore"):
                transfused = (month == 0) & (as_float(typed["rbc_units"]) > 0)
            out.cells("warning", "rbc_units", transfused, frame["rbc_units"],
                      "transfusion recorded at month 0; rbc_units counts units since the previous visit, "
                      "so it should be 0 (or empty) at baseline", start=c.start)
    del k
    if ntdt is not None and "pre_rbc_units_24m" in typed:
        with np.errstate(invalid="ignore"):
            before = as_float(typed["pre_rbc_units_24m"]) > 0
        out.cells("warning", "pre_rbc_units_24m", first_row & expand(ntdt, labels["thal_type"].codes[c], False)
                  & before, frame["pre_rbc_units_24m"],
                  "NTDT patient with transfusions in the 24 months before enrolment (expected 0 for NTDT)",
                  start=c.start)
    for name, is_known_value in known.items():
        out.cells("warning", name, first_row & expand(~is_known_value, labels[name].codes[c], False), frame[name],
                  lambda v: f"unknown β-globin variant {normalise_allele(v)!r}; its β0/β+ class "
                            "will be shown as 'unknown'", label="unknown β-globin variant", start=c.start)
    for name in typed:
        if COLUMNS[name].level == "patient" and name != "patient_id":
            # Numbers compare as numbers (NaN equal to NaN); hashing 7 million floats is not needed.
            values = labels[name].codes[c] if name in labels else as_float(typed[name])
            _check_constant(name, frame[name], values, bad[name], codes, order, first_row, out, c.start)


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


_VARIES = "varies within a patient"


def _check_constant(name: str, raw: pd.Series, values: np.ndarray, bad: np.ndarray, codes: np.ndarray,
                    order: _RowOrder, first_row: np.ndarray, out: Collector, start: int) -> None:
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
    flagged = first_row & np.isin(codes, varying) if len(varying) else np.zeros(len(codes), dtype=bool)
    # Without a flagged row the shown texts are never read: no column of a million empty texts per check.
    shown = pd.Series("", index=raw.index, dtype=object) if flagged.any() else None
    shown_rows = np.flatnonzero(flagged)[:max(out.room("error", name, _VARIES), 0)]
    if len(shown_rows):  # the distinct values of the patients whose rows will be shown
        rows = np.flatnonzero(np.isin(codes, codes[shown_rows]))
        distinct = (pd.DataFrame({"p": codes[rows], "v": [display(x) or "(empty)" for x in raw.iloc[rows]]})
                    .groupby("p", sort=False)["v"].agg(_listed))
        shown.iloc[shown_rows] = distinct.reindex(codes[shown_rows]).to_numpy()
    out.cells("error", name, flagged, shown,
              lambda v: f"a patient-level value differs between rows of the same patient ({v}); "
                        "it must be the same on every row", label=_VARIES, start=start, formatted=True)


def _listed(values: pd.Series, most: int = 5) -> str:
    """A patient's distinct values in file order ("72.0 | 80.0"), at most ``most`` of them (each cut short)."""
    distinct = list(dict.fromkeys(values))
    more = f" | … and {len(distinct) - most:,} more" if len(distinct) > most else ""
    return " | ".join(distinct[:most]) + more
