"""One patient's profile: attributes, visits, tier with its rule trace, and where each value comes from.

Lookups compare the integer codes of the cohort's categorical ``patient_id`` (a few milliseconds
for a million patients), or binary-search a sorted text column. The paper's printed numbers
about a named patient (Tables 3 and 8) come from ``thaldash.published.numbers`` and are shown beside the
values computed from the loaded file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.data.cohort import Cohort
from thaldash.published.attributes import attribute_provenance
from thaldash.published.numbers import decimals, printed_interval, published_numbers
from thaldash.data.schema import MEASURES, STUDY_MONTHS, provenance_column

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
        categories = ids.cat.categories
        if patient_id not in categories:
            return visits.iloc[0:0]
        return visits[ids.cat.codes.to_numpy() == categories.get_loc(patient_id)]
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


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return f"{value:g}"
    return str(value)


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
        provenance, note = (_text(first[source]) if source in rows else ""), ""
        if not provenance and reconstruction:
            found = attribute_provenance(column, patient_id=str(first["patient_id"]), withdrawn=withdrawn)
            provenance, note = found if found else ("", "")
        out.append({"attribute": column, "label": label, "value": _text(first[column]),
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


def computed_facts(patient: pd.DataFrame, rows: pd.DataFrame, graded: pd.Series | None) -> dict[str, object]:
    """This patient's values under the fact names of ``data/published.csv`` (after ``patient[ID].``).

    ``patient`` is the patient's row of ``Cohort.patients`` (a one-row frame), ``rows`` their visits.
    """
    facts: dict[str, object] = {}
    first = patient.iloc[0] if len(patient) else pd.Series(dtype=object)
    for column in ("genotype", "beta_class", "sex", "age_years", "chelation_stop_month"):
        if column in first:
            facts[column] = first[column]
    if len(rows):
        by_month = rows.set_index("month")
        for month in by_month.index:
            facts[f"hb_g_l.m{month}"] = by_month.at[month, "hb_g_l"]
            facts[f"sf_ng_ml.m{month}"] = by_month.at[month, "sf_ng_ml"]
        stop = first.get("chelation_stop_month")
        if stop is not None and pd.notna(stop) and float(stop) in set(by_month.index.astype(float)):
            facts["sf_ng_ml.at_chelation_stop"] = by_month.at[int(stop), "sf_ng_ml"]
    if graded is not None:
        facts["tier"], facts["reduction_pct"] = graded["tier"], graded["reduction_pct"]
    return facts


def _same(value: object, printed: str, asserted: str) -> bool | None:
    """Does ``value`` print as the published number (or equal the published label)?"""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    interval = printed_interval(asserted)
    if interval is None or isinstance(value, str):
        return str(value) == asserted
    low, high = interval
    return bool(low - 1e-9 <= float(value) < high + 1e-9)


def published_beside(patient_id: str, facts: dict[str, object]) -> pd.DataFrame:
    """Every number the paper prints about ``patient_id`` with the value computed from the file.

    Returns ``source`` (e.g. "Table 3"), ``location``, ``field`` (fact name after
    ``patient[ID].``), ``printed``, ``computed`` (text, "" when the file has no such value) and
    ``status``: "match", "differs" or "not in this file". Empty for a patient the paper does not
    name.
    """
    table = published_numbers()
    prefix = f"patient[{patient_id}]."
    rows = table[table["fact"].str.startswith(prefix)]
    out = []
    for row in rows.itertuples(index=False):  # a named patient has at most a dozen printed numbers
        field = row.fact.removeprefix(prefix)
        value = facts.get(field)
        same = _same(value, row.printed, row.value)
        # Text at the printed precision: the precision the comparison is made at.
        computed = _text(value) if not isinstance(value, (float, np.floating)) or pd.isna(value) \
            else f"{value:.{decimals(row.value)}f}"
        out.append({"source": row.source, "location": row.location, "field": field, "printed": row.printed,
                    "computed": computed,
                    "status": "not in this file" if same is None else "match" if same else "differs"})
    columns = ("source", "location", "field", "printed", "computed", "status")
    return pd.DataFrame(out, columns=list(columns)).astype("str")


TABLE_8_FIELDS: dict[str, str] = {
    "genotype": "genotype", "sex": "sex", "age": "age_years", "stop": "chelation_stop_month",
    "sf_stop": "sf_at_stop", "sf24": "sf_24m",
}


def published_table_8() -> pd.DataFrame:
    """The paper's Table 8 (chelation stopped for low ferritin) as printed, one row per patient.

    Columns ``patient_id`` and the fields of ``iron.chelation_stops`` it prints: ``genotype``,
    ``sex``, ``age_years``, ``chelation_stop_month``, ``sf_at_stop``, ``sf_24m`` (numbers as
    floats; sex as "M"/"F").
    """
    table = published_numbers()
    rows = table[table["source"] == "Table 8"]
    parts = rows["ref"].str.split(".", expand=True)
    long = pd.DataFrame({"patient_id": parts[1].to_numpy(), "field": parts[2].map(TABLE_8_FIELDS).to_numpy(),
                         "value": rows["value"].to_numpy()}).dropna(subset=["field"])
    wide = long.pivot(index="patient_id", columns="field", values="value").reset_index()
    wide.columns.name = None
    numeric = ["age_years", "chelation_stop_month", "sf_at_stop", "sf_24m"]
    wide = wide.assign(**{c: pd.to_numeric(wide[c]) for c in numeric if c in wide})
    cols = ["patient_id", "genotype", "sex", "age_years", "chelation_stop_month", "sf_at_stop", "sf_24m"]
    return wide.reindex(columns=cols).sort_values(["chelation_stop_month", "patient_id"], ignore_index=True)


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
    mine = graded[(graded["patient_id"] == pid).to_numpy(dtype=bool)]
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
    """The visit rows of several patients (a hash lookup, not ``isin``: fast on a million ids)."""
    wanted = pd.Index(pd.unique(pd.Index(patient_ids).astype("str")))
    rows = visits[wanted.get_indexer(visits["patient_id"]) >= 0]
    return rows if columns is None else rows[columns]
