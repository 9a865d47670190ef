"""Response by dose (``thaldash.analyses.dose``) and the statement of its confounding by age.

References: Methods (37.5 mg/day under 14 years, else 50 mg/day); ``scipy.stats.fisher_exact``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from thaldash.analyses.dose import confounding_statement, dose_ages, dose_endpoints, dose_test, dose_tiers
from thaldash.analyses.endpoints import patient_endpoints
from thaldash.grading.grade import grade


def test_bundled_dose_is_confounded_with_age(bundled):
    ages = dose_ages(bundled.patients).set_index("dose_mg_day")
    # Results: 11 patients (22.9 % of 48) aged 12–13; Methods: they take 37.5 mg/day.
    assert ages.loc[37.5, ["n", "n_under_14", "age_min", "age_max"]].tolist() == [11, 11, 12, 13]
    assert ages.loc[50.0, "n_under_14"] == 0
    confounded, sentence = confounding_statement(dose_ages(bundled.patients))
    assert confounded
    assert sentence.startswith("Dose and age cannot be separated: every patient on 37.5 mg/day is 12–13 years old")


@pytest.mark.parametrize("ages, confounded, start", [
    ([(37.5, 10), (37.5, 15), (50.0, 14), (50.0, 30)], False, "The ages of the dose groups overlap"),
    ([(50.0, 20), (50.0, 30)], False, "Every patient with a recorded dose took 50 mg/day"),
    ([], False, "The file records no dose"),
])
def test_confounding_statement_follows_the_data(ages, confounded, start):
    patients = pd.DataFrame({"patient_id": [f"P{i}" for i in range(len(ages))],
                             "dose_mg_day": [a[0] for a in ages], "age_years": [float(a[1]) for a in ages],
                             "withdrawn": False})
    got, sentence = confounding_statement(dose_ages(patients))
    assert got is confounded and sentence.startswith(start)


def test_dose_test_against_scipy(bundled):
    row = dose_test(bundled, patient_endpoints(bundled)).iloc[0]
    assert row["table"] == "37.5 mg/day 8/11 independent vs 50 mg/day 13/23"
    assert row["p"] == pytest.approx(stats.fisher_exact([[8, 3], [13, 10]]).pvalue)
    assert row["confounding"].startswith("Dose and age cannot be separated")


def test_one_dose_is_not_tested(tiny):
    row = dose_test(tiny, patient_endpoints(tiny)).iloc[0]
    assert row["reason"] == "not computed: 0 dose(s) with TDT patients; the test compares two"


def test_tiers_and_endpoints_by_dose(bundled):
    tiers = dose_tiers(bundled, grade(bundled)).set_index(["dose_mg_day", "tier"])
    assert tiers.loc[("37.5 mg/day", "ORR"), ["n", "total"]].tolist() == [11, 11]
    assert tiers["n"].xs("MaR", level="tier").sum() == 35  # Results: 35 MaR
    ends = dose_endpoints(bundled, patient_endpoints(bundled))
    tdt = ends[ends["thal_type"] == "TDT"].set_index("dose_mg_day")
    assert tdt["k"].sum() == 21 and tdt["n"].sum() == 34  # Results: 21 of 34 transfusion-free
    assert ends["confounding"].str.startswith("Dose and age cannot be separated").all()
