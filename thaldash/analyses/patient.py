"""One patient's profile: attributes, visits, tier with its rule trace, and where each value comes from.

Lookups compare the integer codes of the cohort's categorical ``patient_id`` (a few milliseconds
for a million patients), or binary-search a sorted text column. The paper's printed numbers
about a named patient (Tables 3 and 8) are set beside the values computed from the loaded file by
``analyses.patient_published``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.data.cohort import Cohort, positions
from thaldash.published.attributes import attribute_provenance
from thaldash.analyses.patient_published import computed_facts, published_beside
from thaldash.data.schema import MEASURES, STUDY_MONTHS, provenance_column
from thaldash.text import value_text

# (column, label) of the patient-level facts shown, in order; absent columns are skipped.
ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("genotype", "Genotype"), ("allele_1", "Allele 1"), ("allele_2", "Allele 2"),
    ("beta_class", "β0/β+ class"), ("thal_type", "Type"), ("sex", "Sex"), ("age_years", "Age (years)"),
    ("splenectomy", "Splenectomy"), ("pre_rbc_units_24m", "RBC units in the 24 months before enrolment"),
    ("dose_mg_day", "Thalidomide dose (mg/day)"), ("chelator", "Chelator"),
    ("chelation_stop_month", "Chelation stopped for low ferritin at month"), ("withdrawn", "Withdrew"),
    ("withdrawal_month", "Withdrawal month"), ("withdrawal_reason", "Withdrawal reason"),
    ("published_tier", "Tier recorded by the investigators"),
)
NO_PROVENANCE = "not recorded"
NO_VISIT = "no visit"


def patient_rows(visits: pd.DataFrame, patient_id: str, *, is_sorted: bool | None = None) -> pd.DataFrame:
    """The visit rows of ``patient_id`` (empty when absent); binary search when ``visits`` is sorted.

    ``is_sorted=True`` skips the check (``Cohort.visits`` and ``Cohort.patients`` are sorted by
    ``patient_id``; checking 7 million ids costs more than the search).
    """
    ids = visits["patient_id"]
    if isinstance(ids.dtype, pd.CategoricalDtype):  # compare one integer code per row, not text
        # The id's code by one vectorised comparison: ``get_loc`` or ``in`` would build pandas' hash table on the
        # categories, 62 MiB at a million patients, kept for the cohort's life.
        code = np.flatnonzero(np.asarray(ids.cat.categories == patient_id, dtype=bool))
        if not len(code):
            return visits.iloc[0:0]
        return visits[ids.cat.codes.to_numpy() == code[0]]
    if is_sorted or (is_sorted is None and ids.is_monotonic_increasing):
        lo, hi = ids.searchsorted(patient_id, side="left"), ids.searchsorted(patient_id, side="right")
        return visits.iloc[int(lo):int(hi)]
    return visits[(ids == patient_id).to_numpy(dtype=bool, na_value=False)]


def patient_labels(patients: pd.DataFrame) -> pd.Series:
    """"T3-01 · CD17/-28 · TDT" per patient (index: patient_id), for a searchable patient picker."""
    label = patients["patient_id"].astype("str")
    for column in ("genotype", "thal_type"):
        if column in patients:
            label = label.str.cat(patients[column].astype("str").fillna("?"), sep=" · ")
    return pd.Series(label.to_numpy(), index=pd.Index(patients["patient_id"].astype("str"), name="patient_id"))


def attributes(rows: pd.DataFrame, *, reconstruction: bool = False) -> pd.DataFrame:
    """The patient-level facts of one patient (their row of ``Cohort.patients``).

    Returns one row per fact present: ``attribute`` (column name), ``label``, ``value`` (as text:
    "yes"/"no" for booleans, "" when missing), ``provenance`` ("published", "derived",
    "assumed" from the file's ``<column>_provenance``, or "not recorded") and
    ``provenance_note`` (why, or "").

    With ``reconstruction`` (the bundled cohort, ``thaldash.data.bundled.is_reconstruction``), an
    attribute the file carries without a provenance column takes it from
    ``published.constraints.attribute_provenance``: the genotype, alleles and type are published
    for every analysed patient (Table 1), not "not recorded".
    """
    columns = ("attribute", "label", "value", "provenance", "provenance_note")
    if not len(rows):
        return pd.DataFrame({c: pd.Series(dtype="str") for c in columns})
    first = rows.iloc[0]
    withdrawn = bool(first.get("withdrawn", False)) if pd.notna(first.get("withdrawn", False)) else False
    out = []
    for column, label in ATTRIBUTES:
        if column not in rows:
            continue
        source = provenance_column(column)
        provenance, note = (value_text(first[source]) if source in rows else ""), ""
        if not provenance and reconstruction:
            found = attribute_provenance(column, patient_id=str(first["patient_id"]), withdrawn=withdrawn)
            provenance, note = found if found else ("", "")
        out.append({"attribute": column, "label": label, "value": value_text(first[column]),
                    "provenance": provenance or NO_PROVENANCE, "provenance_note": note})
    return pd.DataFrame(out, columns=list(columns)).astype("str")


def visit_table(rows: pd.DataFrame, *, expected_months: tuple[int, ...] = STUDY_MONTHS) -> pd.DataFrame:
    """One patient's visits, every expected month included, each value beside its provenance.

    Returns
    -------
    One row per month (expected months plus any other visit month), sorted:

    - ``month``, ``visit``: "yes" or "no visit"
    - for each of hb_g_l, hbf_pct, sf_ng_ml, rbc_units: the value (NaN when missing) and
      ``<measure>_provenance`` ("" without a visit, "not recorded" when the file has no provenance)
    """
    months = np.union1d(np.asarray(expected_months, dtype=np.int64), rows["month"].to_numpy(dtype=np.int64))
    where = pd.Index(rows["month"].to_numpy(dtype=np.int64)).get_indexer(months)
    seen = where >= 0
    out = pd.DataFrame({"month": months, "visit": np.where(seen, "yes", NO_VISIT)})
    for measure in MEASURES:
        values = rows[measure].to_numpy(dtype=float, na_value=np.nan) if measure in rows else np.full(len(rows), np.nan)
        out[measure] = np.where(seen, values[np.maximum(where, 0)] if len(rows) else np.nan, np.nan)
        source = provenance_column(measure)
        prov = rows[source].astype("str").fillna(NO_PROVENANCE).to_numpy() if source in rows else \
            np.full(len(rows), NO_PROVENANCE, dtype=object)
        out[source] = np.where(seen, prov[np.maximum(where, 0)] if len(rows) else "", "")
    return out.astype({"visit": "str", **{provenance_column(m): "str" for m in MEASURES}})


@dataclass(frozen=True, eq=False)
class PatientProfile:
    """Everything the Patient page shows about one patient.

    Attributes
    ----------
    patient_id
    rows
        The patient's visit rows as in the file (for ``charts.patient_timeline``).
    attributes
        ``attributes(rows, reconstruction=…)``.
    visits
        ``visit_table(rows)``.
    grading
        The patient's row of ``grade`` (``tier``, ``rule_trace``, …), None for a withdrawn patient.
    genotype_group
        Group of the patient's genotype decided on the whole cohort ("MaR group", …, or "").
    published
        ``published_beside``: the paper's numbers about this patient beside the computed ones.
    """

    patient_id: str
    rows: pd.DataFrame
    attributes: pd.DataFrame
    visits: pd.DataFrame
    grading: pd.Series | None
    genotype_group: str
    published: pd.DataFrame


def patient_profile(cohort: Cohort, patient_id: str, graded: pd.DataFrame, groups: pd.DataFrame, *,
                    reconstruction: bool = False) -> PatientProfile:
    """Assemble the profile of ``patient_id``; ``reconstruction``: the cohort is the bundled one (``attributes``).

    ``reconstruction``: the rows are the bundled reconstruction's (``attributes``).

    Parameters
    ----------
    cohort
        The cohort the patient belongs to (their facts and visits are looked up in it).
    graded
        A grading that includes the patient under the rules shown (e.g. the whole cohort's; a
        withdrawn patient has no row, as in the paper's analysed population).
    groups
        ``grading.summary.genotype_groups`` of the whole cohort.

    Raises
    ------
    ValueError
        ``patient_id`` is not in ``cohort``.
    """
    pid = str(patient_id)
    patient = patient_rows(cohort.patients, pid)
    if len(patient) != 1:
        raise ValueError(f"patient_id: there is no patient {pid!r} in this cohort.")
    rows = patient_rows(cohort.visits, pid)
    mine = patient_rows(graded, pid)
    grading = mine.iloc[0] if len(mine) else None
    genotype = str(patient["genotype"].iloc[0]) if "genotype" in patient else ""
    group = groups.set_index("genotype")["group"].get(genotype, "")
    return PatientProfile(patient_id=pid, rows=rows, attributes=attributes(patient, reconstruction=reconstruction),
                          visits=visit_table(rows),
                          grading=grading, genotype_group=str(group),
                          published=published_beside(pid, computed_facts(patient, rows, grading)))


def lines_table(rows: pd.DataFrame, *, measure: str, by: str | None = None) -> pd.DataFrame:
    """The patients drawn as individual lines, one row each, for a table to pick a patient from.

    ``rows`` is ``trajectories.individual_lines(...).rows`` (already capped). Returns
    ``patient_id``, the ``by`` column when given, then ``measure`` at each month as columns
    ``m0``, ``m1``, … (NaN where the patient has no value), sorted by patient.
    """
    wide = rows.pivot_table(index="patient_id", columns="month", values=measure, aggfunc="first", observed=True)
    wide.columns = [f"m{int(m)}" for m in wide.columns]
    out = wide.reset_index()
    if by is not None and by in rows:
        first = rows.drop_duplicates("patient_id").set_index("patient_id")[by]
        out.insert(1, by, out["patient_id"].map(first).to_numpy())
    return out.astype({"patient_id": "str"})


def rows_of(visits: pd.DataFrame, patient_ids: pd.Series | list[str], columns: list[str] | None = None) -> pd.DataFrame:
    """The visit rows of several patients (``data.cohort.positions``, not ``isin``: fast on a million ids)."""
    wanted = pd.Series(pd.unique(pd.Index(patient_ids).astype("str")))
    rows = visits[positions(wanted, visits["patient_id"]) >= 0]
    return rows if columns is None else rows[columns]
