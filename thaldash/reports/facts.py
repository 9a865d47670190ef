"""Every quantity the paper prints, computed from a cohort: the facts ``reports.reproduction`` sets beside it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from thaldash.analyses.patient import patient_rows
from thaldash.analyses.patients import PAPER_MONTHS, baseline_hbf_vs_rise, compare_measure, paired_ferritin
from thaldash.analyses.safety import cohort_safety, withdrawals
from thaldash.data.cohort import Cohort, positions
from thaldash.grading.summary import tier_table
from thaldash.grading.transfusion import transfusion_facts
from thaldash.stats import PAIRED_T, PEARSON, STUDENT_T

Facts = dict[str, object]


def cohort_facts(cohort: Cohort, patients: pd.DataFrame, *,
                 adverse_events: pd.DataFrame | None = None) -> Facts:
    """Every quantity ``data/published.csv`` refers to, computed from ``cohort`` (key → value).

    ``patients`` is ``analyses.patients.patient_table(cohort, rules)``: the tiers, groups and
    comparisons are those of its rules (the paper's, ``GradingRules()``, for the reproduction).
    ``adverse_events`` is the cohort's adverse-events table (``AdverseEvents.events``); without it
    the paper's adverse-event counts are "not in this cohort" (the bundled reconstruction has none:
    the paper prints counts, not patients).
    """
    facts: Facts = {}
    if adverse_events is not None:
        _adverse_events(facts, cohort, adverse_events)
    transfusions = transfusion_facts(cohort)
    _population(facts, cohort.patients)
    _tiers(facts, cohort, patients, transfusions)
    _genotypes(facts, cohort, patients, transfusions)
    del transfusions  # 70 MiB at a million patients, not needed by the comparisons that follow
    _patients(facts, cohort, patients)
    _comparisons(facts, cohort, patients)
    return facts


def _population(facts: Facts, patients: pd.DataFrame) -> None:
    analysed = patients[~patients["withdrawn"]]
    withdrawn = patients[patients["withdrawn"]]
    facts["enrolled.n"] = len(patients)
    facts["withdrawn.n"] = len(withdrawn)
    facts["withdrawn.tdt.n"] = int((withdrawn["thal_type"] == "TDT").sum())
    facts["analysed.n"] = len(analysed)
    for scope, frame in (("enrolled", patients), ("analysed", analysed)):
        facts[f"{scope}.tdt.n"] = int((frame["thal_type"] == "TDT").sum())
        facts[f"{scope}.ntdt.n"] = int((frame["thal_type"] == "NTDT").sum())
    if "sex" in patients:
        facts["enrolled.male.n"] = int((patients["sex"] == "M").sum())
        facts["enrolled.female.n"] = int((patients["sex"] == "F").sum())
    if "age_years" in patients:
        age = patients["age_years"]
        facts["enrolled.age.min"], facts["enrolled.age.max"] = age.min(), age.max()
        facts["enrolled.age.median"] = age.median()
        # The paper's bands "12–14", "14–18", "over 18" overlap; read as 12–13, 14–18, 19+ (AUDIT).
        facts["enrolled.age_12_13.n"] = int((age < 14).sum())
        facts["enrolled.age_14_18.n"] = int(((age >= 14) & (age < 19)).sum())
        facts["enrolled.age_over_18.n"] = int((age >= 19).sum())
        facts["analysed.age_under_14.pct"] = 100 * (analysed["age_years"] < 14).sum() / max(len(analysed), 1)
    facts["enrolled.splenectomy.n"] = int(patients["splenectomy"].sum())
    if "withdrawal_reason" in withdrawn:
        for row in withdrawals(patients).itertuples(index=False):
            facts[f"withdrawn.reason[{row.reason_withdrawn}].n"] = int(row.n)
    facts["analysed.genotypes.n"] = analysed["genotype"].nunique()
    facts["analysed.alleles.n"] = pd.concat([analysed["allele_1"], analysed["allele_2"]]).nunique()


def _adverse_events(facts: Facts, cohort: Cohort, events: pd.DataFrame) -> None:
    """Patients with each event (``ae[event].n``) and those of them who did not withdraw for it."""
    table = cohort_safety(cohort.patients, events)
    for row in table[table["status"].isin(("recorded", "none recorded"))].itertuples(index=False):
        facts[f"ae[{row.event}].n"] = int(row.n)
        facts[f"ae[{row.event}].not_withdrawn.n"] = int(row.n - row.n_withdrawn)


def _tiers(facts: Facts, cohort: Cohort, table: pd.DataFrame, transfusions: pd.DataFrame) -> None:
    summary = tier_table(table).set_index("tier")
    evaluable = table["evaluable"]
    facts["graded.n"] = int(evaluable.sum())
    for tier in ("MaR", "MiR", "SLR", "NR", "ORR"):
        key = "orr" if tier == "ORR" else f"tier.{tier}"
        facts[f"{key}.n"] = int(summary.at[tier, "n"])
        facts[f"{key}.pct"] = summary.at[tier, "pct"]
    tdt = transfusions[transfusions["thal_type"] == "TDT"]
    independent = tdt["ti_month"].notna()
    facts["tdt.transfusion_free.n"] = int(independent.sum())
    facts["tdt.transfusion_free.pct"] = 100 * independent.sum() / max(len(tdt), 1)
    facts["tdt.ti_month_1.n"] = int((tdt["ti_month"] == 1).sum())
    facts["tdt.ti_month_3.n"] = int((tdt["ti_month"] == 3).sum())
    still = tdt[~independent]
    facts["tdt.still_transfused.n"] = len(still)
    facts["tdt.still_transfused.reduction_mean"] = still["reduction_pct"].mean() if len(still) else math.nan
    ntdt = transfusions[transfusions["thal_type"] == "NTDT"]
    facts["ntdt.transfusion_free.n"] = int((ntdt["ever_transfused_after_baseline"] == False).sum())  # noqa: E712
    if "chelation_stop_month" in cohort.patients:
        analysed = cohort.patients[~cohort.patients["withdrawn"]]
        stopped = analysed["chelation_stop_month"].notna() & (analysed["thal_type"] == "TDT")
        facts["tdt.chelation_stopped.n"] = int(stopped.sum())


def _genotypes(facts: Facts, cohort: Cohort, table: pd.DataFrame, transfusions: pd.DataFrame) -> None:
    # One row per analysed patient: group, genotype, type, TI month and Hb at months 0–6, joined by position
    # (no 7M-row merge, no patients × months panel, no hash of a million ids).
    at = positions(cohort.analysed_patients["patient_id"], table["patient_id"])
    hb = {}
    months = np.unique(cohort.analysed["month"].to_numpy())
    for month in (m for m in HB_MONTHS if m in months):  # a month nobody visited is "not in this cohort"
        column = cohort.at_month("hb_g_l", month)
        hb[month] = np.where(at >= 0, column[np.maximum(at, 0)] if len(column) else np.nan, np.nan)
    found = positions(transfusions["patient_id"], table["patient_id"])
    ti = np.where(found >= 0, transfusions["ti_month"].to_numpy(dtype=float)[np.maximum(found, 0)], np.nan)
    columns = [c for c in ("genotype", "genotype_group", "thal_type", "beta_class") if c in table]
    per_patient = table[columns].assign(ti_month=ti, **{f"hb_m{m}": v for m, v in hb.items()})
    # Each group's rows as positions, read a column at a time: a copy of every column per group (what iterating
    # a group-by makes) was 140 MiB at a million patients.
    for group, rows in _groups(per_patient, "genotype_group"):
        facts[f"genotype_group.{group}.n"] = len(rows)
        facts[f"genotype_group.{group}.genotypes.n"] = rows["genotype"].nunique()
        facts[f"genotype_group.{group}.tdt.n"] = int((rows["thal_type"] == "TDT").sum())
        facts[f"genotype_group.{group}.ntdt.n"] = int((rows["thal_type"] == "NTDT").sum())
        _hb_facts(facts, f"genotype_group[{group}]", rows)
    for genotype, rows in _groups(per_patient, "genotype"):
        key = f"genotype[{genotype}]"
        tdt = (rows["thal_type"] == "TDT").to_numpy(dtype=bool, na_value=False)
        facts[f"{key}.n"] = len(rows)
        facts[f"{key}.tdt.n"] = int(tdt.sum())
        facts[f"{key}.ntdt.n"] = int((rows["thal_type"] == "NTDT").sum())
        facts[f"{key}.ti_month_1.n"] = int((rows["ti_month"].to_numpy()[tdt] == 1).sum())
        facts[f"{key}.ti_month_3.n"] = int((rows["ti_month"].to_numpy()[tdt] == 3).sum())
        facts[f"{key}.group"] = rows["genotype_group"].iloc[0]
        facts[f"{key}.beta_class"] = rows["beta_class"].iloc[0] if "beta_class" in rows else None
        _hb_facts(facts, key, rows)


class _GroupRows:
    """The rows of one group of a frame, a column at a time (``rows[column]``, ``column in rows``, ``len``)."""

    def __init__(self, frame: pd.DataFrame, positions: np.ndarray) -> None:
        self._frame, self._positions = frame, positions

    def __len__(self) -> int:
        return len(self._positions)

    def __contains__(self, column: str) -> bool:
        return column in self._frame

    def __getitem__(self, column: str) -> pd.Series:
        return self._frame[column].iloc[self._positions]


def _groups(frame: pd.DataFrame, column: str) -> list[tuple[object, _GroupRows]]:
    """``frame.groupby(column, observed=True)``'s groups in its order, as ``_GroupRows``."""
    return [(label, _GroupRows(frame, rows)) for label, rows in frame.groupby(column, observed=True).indices.items()]


HB_MONTHS: tuple[int, ...] = (0, 1, 3, 6)


def _hb_facts(facts: Facts, key: str, rows: pd.DataFrame) -> None:
    """Mean Hb at months 0–6 and the mean rise from month 0, for the patients of ``rows``."""
    for month in HB_MONTHS:
        if f"hb_m{month}" in rows:
            facts[f"{key}.hb_g_l.m{month}.mean"] = rows[f"hb_m{month}"].mean()
            if month and "hb_m0" in rows:
                facts[f"{key}.hb_rise.m{month}.mean"] = (rows[f"hb_m{month}"] - rows["hb_m0"]).mean()


def _patients(facts: Facts, cohort: Cohort, table: pd.DataFrame) -> None:
    graded = table.set_index("patient_id")
    # The paper names a few patients (Tables 3 and 8); look only at those ids.
    named = cohort.patients[cohort.patients["patient_id"].str.startswith(("T3-", "T8-")).to_numpy(
        dtype=bool, na_value=False)]
    for row in named.itertuples(index=False):
        pid = row.patient_id
        key = f"patient[{pid}]"
        for column in ("genotype", "beta_class", "sex", "age_years", "chelation_stop_month"):
            facts[f"{key}.{column}"] = getattr(row, column, None)
        if pid in graded.index:
            facts[f"{key}.tier"] = graded.at[pid, "tier"]
            facts[f"{key}.reduction_pct"] = graded.at[pid, "reduction_pct"]
        visits = patient_rows(cohort.visits, pid).set_index("month")
        for month in visits.index:
            facts[f"{key}.hb_g_l.m{month}"] = visits.at[month, "hb_g_l"]
            facts[f"{key}.sf_ng_ml.m{month}"] = visits.at[month, "sf_ng_ml"]
        stop = getattr(row, "chelation_stop_month", None)
        if stop is not None and not pd.isna(stop) and stop in visits.index:
            facts[f"{key}.sf_ng_ml.at_chelation_stop"] = visits.at[stop, "sf_ng_ml"]


def _comparisons(facts: Facts, cohort: Cohort, table: pd.DataFrame) -> None:
    for subset, name in (("analysed", "analysed"), ("TDT", "tdt")):
        for measure in ("hb_g_l", "hbf_pct", "sf_ng_ml"):
            result = compare_measure(cohort, table, measure=measure, subset=subset, months=PAPER_MONTHS)
            for row in result[result["test"] == STUDENT_T].itertuples(index=False):
                key = f"cmp.{name}.{measure}.m{int(row.month)}"
                for group, suffix in ((row.group_a, "a"), (row.group_b, "b")):
                    for field in ("n", "mean", "sd"):
                        facts[f"{key}.{group}.{field}"] = getattr(row, f"{field}_{suffix}")
                facts[f"{key}.diff"], facts[f"{key}.se"], facts[f"{key}.p"] = row.diff, row.se, row.p
    paired = paired_ferritin(cohort, table)
    for row in paired[paired["test"] == PAIRED_T].itertuples(index=False):
        for i, j, sign in ((row.time_i, row.time_j, 1), (row.time_j, row.time_i, -1)):
            key = f"paired.analysed.sf_ng_ml.m{int(i)}-m{int(j)}"
            facts[f"{key}.diff"], facts[f"{key}.se"], facts[f"{key}.p"] = sign * row.diff, row.se, row.p
    _points, correlation = baseline_hbf_vs_rise(table)
    pearson = correlation[correlation["method"] == PEARSON].iloc[0]
    facts["corr.analysed.hbf_pct.m0.hb_rise.m6.pearson.p"] = pearson["p"]
    facts["corr.analysed.hbf_pct.m0.hb_rise.m6.pearson.r"] = pearson["r"]
