"""The paper's analyses on any cohort: who is in which group, and the comparisons built on that.

One code path for the pages, ``python -m thaldash report`` and the reproduction report, so the
numbers on screen, in an archived report and beside the published values are the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from thaldash.data.cohort import Cohort, positions, rows_where
from thaldash.grading.grade import grade
from thaldash.grading.summary import with_genotype_group
from thaldash.grading.rules import GradingRules
from thaldash.analyses.groupings import with_p_reading
from thaldash.stats import compare_groups, correlation, paired_change

Grouping = Literal["genotype_group", "tier", "thal_type", "splenectomy", "sex", "genotype_sets", "centre"]
Subset = Literal["analysed", "TDT", "NTDT"]

GROUPINGS: dict[str, str] = {
    "genotype_group": "Genotype group (MaR group vs SLR/NR group, as the paper)",
    "tier": "Response tier",
    "thal_type": "TDT vs NTDT",
    "splenectomy": "Splenectomy",
    "sex": "Sex",
    "genotype_sets": "Two genotype sets of your choice",
}
# The two groups compared by default, in the paper's order (difference = first − second).
DEFAULT_PAIR: dict[str, tuple[str, str]] = {
    "genotype_group": ("SLR/NR", "MaR"),
    "tier": ("SLR", "MaR"),
    "thal_type": ("TDT", "NTDT"),
    "splenectomy": ("yes", "no"),
    "sex": ("F", "M"),
    "genotype_sets": ("set A", "set B"),
}
VISIT_MEASURES: dict[str, str] = {"hb_g_l": "Hb (g/L)", "hbf_pct": "HbF (%)", "sf_ng_ml": "Serum ferritin (ng/mL)"}
PATIENT_MEASURES: dict[str, str] = {
    "hb_rise": "Hb rise over the grading window (g/L)",
    "reduction_pct": "Transfusion reduction over the grading window (%)",
}
PAPER_MONTHS: tuple[int, ...] = (0, 6, 12, 24)
PAPER_SF_PAIRS: tuple[tuple[int, int], ...] = ((0, 12), (0, 24), (12, 24))


def patient_table(cohort: Cohort, rules: GradingRules = GradingRules(), *,
                  graded: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per analysed patient: tier and its evidence, genotype group, attributes, baseline HbF.

    The genotype group is decided on every analysed patient of ``cohort`` (the paper's rule), so
    restricting rows afterwards (TDT only, a sidebar filter) never moves a genotype between groups.
    Columns: those of ``thaldash.grading.grade.grade`` plus ``genotype_group`` ("MaR"/"SLR/NR"/NaN when
    not evaluable), ``sex``, ``age_years``, ``splenectomy``, ``beta_class``, ``centre`` (a cohort of
    centres), ``hbf_baseline``.

    ``graded`` is ``grade(cohort, rules)`` when the caller already holds it (the app's cached grading):
    the table then shares its columns instead of grading a million patients again.
    """
    graded = with_genotype_group(grade(cohort, rules) if graded is None else graded)
    graded = graded.assign(genotype_group=graded["genotype_group"].map(
        {"MaR group": "MaR", "SLR/NR group": "SLR/NR"}))
    # Attributes and baseline HbF joined by position (integer codes), not by merging on text ids.
    patients = cohort.patients
    at = positions(patients["patient_id"], graded["patient_id"])
    extra = {c: patients[c].array.take(at, allow_fill=True)
             for c in ("sex", "age_years", "splenectomy", "beta_class", "centre") if c in patients and c not in graded}
    if "splenectomy" in extra:
        extra["splenectomy"] = pd.Series(extra["splenectomy"]).map({True: "yes", False: "no"}).astype("category")
    hbf = cohort.at_month("hbf_pct", 0)  # per analysed patient: the first rows of ``patients``
    analysed = (at >= 0) & (at < len(hbf))
    hbf_baseline = np.full(len(at), np.nan)
    hbf_baseline[analysed] = hbf[at[analysed]]
    return graded.assign(**{c: pd.Series(v, index=graded.index) for c, v in extra.items()},
                         hbf_baseline=hbf_baseline)


def group_column(patients: pd.DataFrame, grouping: Grouping,
                 sets: tuple[Sequence[str], Sequence[str]] | None = None) -> pd.Series:
    """The group label of each patient for ``grouping`` (NaN = in neither group)."""
    if grouping == "genotype_sets":
        if sets is None:
            raise ValueError("genotype_sets: choose the genotypes of set A and set B")
        a, b = set(sets[0]), set(sets[1])
        overlap = a & b
        if overlap:
            raise ValueError(f"genotype_sets: {', '.join(sorted(overlap))} is in both sets; a patient can be in one only")
        codes = np.where(patients["genotype"].isin(a), 0, np.where(patients["genotype"].isin(b), 1, -1))
        return pd.Series(pd.Categorical.from_codes(codes, categories=["set A", "set B"]), index=patients.index)
    # Categorical: comparing a million labels with a group name compares small integer codes.
    return patients[grouping].astype("category")


def subset_patients(patients: pd.DataFrame, subset: Subset,
                    patient_ids: pd.Index | Sequence[str] | None = None) -> pd.DataFrame:
    """Rows of ``patients`` in ``subset`` (all analysed, TDT or NTDT) and, if given, ``patient_ids``."""
    chosen = patients[(patients["thal_type"] == subset).to_numpy()] if subset in ("TDT", "NTDT") else patients
    return only_patients(chosen, patient_ids)


def compare_measure(cohort: Cohort, patients: pd.DataFrame, *, measure: str,
                    grouping: Grouping = "genotype_group", groups: tuple[str, str] | None = None,
                    months: Sequence[int] = PAPER_MONTHS, subset: Subset = "analysed",
                    patient_ids: pd.Index | Sequence[str] | None = None,
                    sets: tuple[Sequence[str], Sequence[str]] | None = None) -> pd.DataFrame:
    """``thaldash.stats.compare_groups`` for one measure by month (or once, for a per-patient measure).

    Parameters
    ----------
    cohort
        The cohort whose visits are compared (a visit measure).
    patients
        ``patient_table(cohort, rules)``: who is in which group (and the per-patient measures),
        computed once by the caller under the rules it grades by.

    Returns ``thaldash.stats.compare_groups``'s columns plus ``measure``, ``grouping`` and
    ``subset``; ``month`` is NaN for the per-patient measures (``hb_rise``, ``reduction_pct``);
    ``p_descriptive`` and ``p_note`` say where the P is descriptive because the groups are defined
    by the outcome (``analyses.groupings.with_p_reading``).
    """
    a, b = groups or DEFAULT_PAIR[grouping]
    patients = subset_patients(patients, subset, patient_ids)
    patients = patients.assign(group=group_column(patients, grouping, sets))
    if measure in PATIENT_MEASURES:
        result = compare_groups(patients, value=measure, group="group", a=a, b=b).assign(month=np.nan)
    elif measure in VISIT_MEASURES:
        data = visits_with_group(cohort, patients, months, measure)
        result = compare_groups(data, value=measure, group="group", a=a, b=b, by="month")
    else:
        raise ValueError(f"measure: {measure!r} is not one of {', '.join([*VISIT_MEASURES, *PATIENT_MEASURES])}")
    return with_p_reading(result.assign(measure=measure, grouping=grouping, subset=subset))


def visits_with_group(cohort: Cohort, patients: pd.DataFrame, months: Sequence[int], measure: str) -> pd.DataFrame:
    """``patient_id``, ``month``, the patient's ``group`` and ``measure`` for the visits of ``patients`` (rows of a
    ``patient_table`` of ``cohort`` with a ``group`` column) at ``months``, in the cohort's visit order."""
    # Each visit's row of ``patients`` (-1: not chosen) by the cohort's patient rows, then the rows wanted taken
    # column by column: no 7-million-row copy of the visits, no 64-bit index per visit.
    row_of_patient = np.full(len(cohort.patients) + 1, -1, dtype=np.int32)  # the last slot: not in the cohort
    row_of_patient[positions(cohort.patients["patient_id"], patients["patient_id"])] = np.arange(len(patients))
    where = row_of_patient[cohort.visit_patient]
    keep = (where >= 0) & np.isin(cohort.visits["month"].to_numpy(), np.asarray(months))
    taken = where[keep]
    del where
    # The group taken in its own type (a categorical: a byte a visit; Arrow text): an object per visit was 8 bytes
    # a visit more, and then converted to text.
    group = patients["group"].array.take(taken)
    columns = {c: cohort.visits[c].array[keep] for c in ("patient_id", "month", measure)}
    return pd.DataFrame({**columns, "group": group}, copy=False)[["patient_id", "month", "group", measure]]


def paired_ferritin(cohort: Cohort, patients: pd.DataFrame, *, measure: str = "sf_ng_ml",
                    pairs: Sequence[tuple[int, int]] = PAPER_SF_PAIRS, subset: Subset = "analysed",
                    patient_ids: pd.Index | Sequence[str] | None = None,
                    correction: str | None = None) -> pd.DataFrame:
    """Within-patient change between visits (Table 9 layout: mean of value(i) − value(j)).

    ``patients`` (``patient_table(cohort, rules)``) says who is analysed and of which type; the
    values are ``cohort``'s visits of those patients.
    """
    patients = subset_patients(patients, subset, patient_ids)
    at = positions(patients["patient_id"], cohort.visits["patient_id"])
    # The chosen patients' visits: a slice, not a copy, when they are one run of the cohort (the analysed).
    visits = rows_where(cohort.visits, at >= 0)[["patient_id", "month", measure]]
    del at
    return paired_change(visits, value=measure, subject="patient_id", time="month", pairs=list(pairs),
                         correction=correction).assign(measure=measure, subset=subset)


def baseline_hbf_vs_rise(patients: pd.DataFrame, *, subset: Subset = "analysed",
                         patient_ids: pd.Index | Sequence[str] | None = None,
                         x: str = "hbf_baseline", y: str = "hb_rise") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fig. 3: the per-patient points and their Pearson/Spearman correlation.

    ``patients`` is a ``patient_table(cohort, rules)`` (both variables are per-patient columns of
    it, so no visit is read). Returns ``(points, result)``: points has patient_id, genotype,
    thal_type, tier, x and y columns; result is ``thaldash.stats.correlation``'s frame.
    """
    patients = subset_patients(patients, subset, patient_ids)
    points = patients[["patient_id", "genotype", "thal_type", "tier", x, y]]
    return points, correlation(points, x=x, y=y)


def only_patients(patients: pd.DataFrame, patient_ids: pd.Index | Sequence[str] | None) -> pd.DataFrame:
    """Rows of ``patients`` whose id is in ``patient_ids`` (all when None)."""
    if patient_ids is None:
        return patients
    # data.cohort.positions: integer codes for one cohort's ids, else a hash lookup (Series.isin on a
    # million Arrow strings runs in Python in pandas 3).
    wanted = pd.Series(pd.unique(pd.Series(patient_ids)))
    return patients[positions(wanted, patients["patient_id"]) >= 0]
