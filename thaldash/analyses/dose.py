"""Response by thalidomide dose, and whether dose can be told apart from age.

The paper doses by age and weight (37.5 mg/day under 14 years or 25 kg, else 50 mg/day), so a
difference between dose groups may be a difference between children and adults. ``dose_ages``
measures the overlap of ages between doses and ``confounding_statement`` says, from the data, what
can and cannot be concluded; every dose result carries it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thaldash.analyses.basis import DOSE, basis
from thaldash.analyses.endpoints import PROPORTION_COLUMNS, endpoint_proportions
from thaldash.data.cohort import Cohort, positions
from thaldash.grading.rules import GradingRules
from thaldash.grading.summary import tier_table
from thaldash.published.paper import is_bundled
from thaldash.stats.contingency import fisher_2x2

AGE_COLUMNS: tuple[str, ...] = ("dose_mg_day", "n", "n_age", "age_min", "age_max", "age_median", "n_under_14")
TEST_COLUMNS: tuple[str, ...] = ("comparison", "test", "table", "n", "odds_ratio", "ci_low", "ci_high", "p",
                                 "confounding", "basis", "reason")
NO_DOSE = "(dose not recorded)"


def _dose(frame: pd.DataFrame, patients: pd.DataFrame) -> pd.Series:
    """Each row's dose (mg/day) from ``patients``, by ``patient_id``; NaN when unknown."""
    if "dose_mg_day" not in patients:
        return pd.Series(np.nan, index=frame.index)
    at = positions(patients["patient_id"].astype("str"), frame["patient_id"].astype("str"))
    dose = pd.to_numeric(patients["dose_mg_day"]).to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(np.where(at >= 0, dose[np.maximum(at, 0)], np.nan), index=frame.index)


def dose_ages(patients: pd.DataFrame) -> pd.DataFrame:
    """Ages of the analysed patients at each dose.

    Returns ``AGE_COLUMNS``, one row per recorded dose (ascending): ``n`` patients, ``n_age`` with
    an age, ``age_min``/``age_max``/``age_median`` (years) and ``n_under_14``.
    """
    analysed = patients[~patients["withdrawn"].to_numpy(dtype=bool)] if "withdrawn" in patients else patients
    dose = _dose(analysed, analysed)
    age = pd.to_numeric(analysed["age_years"]).to_numpy(dtype=float, na_value=np.nan) if "age_years" in analysed \
        else np.full(len(analysed), np.nan)
    frame = pd.DataFrame({"dose_mg_day": dose.to_numpy(), "age": age}).dropna(subset=["dose_mg_day"])
    grouped = frame.groupby("dose_mg_day", sort=True)
    out = grouped.agg(n=("age", "size"), n_age=("age", "count"), age_min=("age", "min"), age_max=("age", "max"),
                      age_median=("age", "median"), n_under_14=("age", lambda a: int((a < 14).sum()))).reset_index()
    return out[list(AGE_COLUMNS)]


def confounding_statement(ages: pd.DataFrame) -> tuple[bool, str]:
    """(confounded, sentence): whether dose and age can be separated in ``dose_ages`` output.

    Confounded when the age ranges of the doses do not overlap: then every comparison by dose is
    also a comparison by age, and the data cannot say which one acts.
    """
    known = ages[ages["n_age"] > 0]
    if len(ages) == 0:
        return False, "The file records no dose, so response cannot be compared by dose."
    if len(ages) == 1:
        return False, (f"Every patient with a recorded dose took {ages['dose_mg_day'].iloc[0]:g} mg/day: response "
                       "cannot be compared by dose.")
    if len(known) < len(ages):
        return True, "Some dose groups have no recorded age, so whether dose is confounded by age cannot be checked."
    spans = [f"every patient on {d:g} mg/day is {lo:g}–{hi:g} years old" if lo != hi else
             f"every patient on {d:g} mg/day is {lo:g} years old"
             for d, lo, hi in zip(known["dose_mg_day"], known["age_min"], known["age_max"])]
    ordered = known.sort_values("age_min")
    separate = bool((ordered["age_min"].to_numpy()[1:] > ordered["age_max"].to_numpy()[:-1]).all())
    if separate:
        return True, ("Dose and age cannot be separated: " + "; ".join(spans) + ". Any difference by dose is "
                      "equally a difference by age (the paper gives the lower dose to patients under 14 years "
                      "or 25 kg).")
    medians = ", ".join(f"{m:g} years on {d:g} mg/day" for d, m in zip(known["dose_mg_day"], known["age_median"]))
    return False, (f"The ages of the dose groups overlap (median {medians}), so dose can be compared within "
                   "ages; a difference between the groups may still partly be one of age.")


def dose_endpoints(cohort: Cohort, per_patient: pd.DataFrame, rules: GradingRules = GradingRules()) -> pd.DataFrame:
    """The look-up's endpoints (``endpoints.endpoint_proportions``) per dose, TDT and NTDT apart.

    ``per_patient`` is ``endpoints.patient_endpoints(cohort, rules)``. Returns ``dose_mg_day``
    (``NO_DOSE`` when unknown, as text) and ``PROPORTION_COLUMNS`` plus ``confounding``; the
    ``basis`` says that on the bundled cohort dose rests on assumed ages. A type with no patient at
    a dose has no rows there (``dose_ages`` counts the patients of each dose).
    """
    frame = per_patient.assign(dose_mg_day=_dose_labels(_dose(per_patient, cohort.patients)))
    present = frame.groupby(["dose_mg_day", "thal_type"]).size()
    out = endpoint_proportions(frame, rules, by="dose_mg_day")
    keep = [(d, t) in present.index for d, t in zip(out["dose_mg_day"], out["thal_type"])]
    out = out[np.array(keep, dtype=bool)].reset_index(drop=True)
    _, sentence = confounding_statement(dose_ages(cohort.patients))
    return out.assign(basis=basis(is_bundled(cohort), assumed=DOSE), confounding=sentence)[
        ["dose_mg_day", *PROPORTION_COLUMNS, "confounding"]]


def dose_tiers(cohort: Cohort, graded: pd.DataFrame) -> pd.DataFrame:
    """Tier counts with their intervals per dose: ``grading.summary.tier_table(by="dose_mg_day")``."""
    frame = graded.assign(dose_mg_day=_dose_labels(_dose(graded, cohort.patients)))
    return tier_table(frame, by="dose_mg_day").assign(basis=basis(is_bundled(cohort), assumed=DOSE))


def dose_test(cohort: Cohort, per_patient: pd.DataFrame) -> pd.DataFrame:
    """Fisher's exact test of transfusion independence by dose among TDT patients (two doses only).

    Returns ``TEST_COLUMNS``, one row; not computed (with the reason) unless exactly two doses have
    TDT patients. ``confounding`` repeats ``confounding_statement``: with dose and age confounded the
    test compares ages as much as doses.
    """
    tdt = per_patient[(per_patient["thal_type"] == "TDT").to_numpy(dtype=bool) & per_patient["independent"].notna()]
    dose = _dose(tdt, cohort.patients)
    counts = pd.DataFrame({"d": dose, "k": tdt["independent"].astype(float)}).dropna().groupby("d")["k"].agg(
        ["size", "sum"])
    _, sentence = confounding_statement(dose_ages(cohort.patients))
    row = {"comparison": "transfusion independence by dose (TDT)", "test": "", "table": "", "n": int(counts["size"].sum()),
           "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "confounding": sentence,
           "basis": basis(is_bundled(cohort), assumed=DOSE), "reason": ""}
    if len(counts) != 2:
        row["reason"] = f"not computed: {len(counts)} dose(s) with TDT patients; the test compares two"
        return pd.DataFrame([row])[list(TEST_COLUMNS)]
    (low, (n1, k1)), (high, (n2, k2)) = [(d, (int(r["size"]), int(r["sum"]))) for d, r in counts.iterrows()]
    result = fisher_2x2(k1, n1 - k1, k2, n2 - k2).iloc[0]
    row.update(test=result["test"], table=f"{low:g} mg/day {k1}/{n1} independent vs {high:g} mg/day {k2}/{n2}",
               odds_ratio=result["odds_ratio"], ci_low=result["ci_low"], ci_high=result["ci_high"], p=result["p"],
               reason=result["reason"])
    return pd.DataFrame([row])[list(TEST_COLUMNS)]


def _dose_labels(dose: pd.Series) -> pd.Series:
    """Doses as text ("37.5 mg/day"), so a group is a label; unknown doses are ``NO_DOSE``."""
    return dose.map(lambda d: NO_DOSE if pd.isna(d) else f"{d:g} mg/day")
