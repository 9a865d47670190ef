"""Transfusion independence (``thaldash.analyses.independence``): course, incidence, durability, model, ROC.

References: Table 1 and the Results (16 of 34 TDT independent within 1 month, 21 by 3 months);
``scipy.stats.ecdf`` (Kaplan–Meier, log-log band), ``scipy.stats.binomtest`` (Clopper–Pearson) and
``scipy.stats.mannwhitneyu`` (AUC = U / (n₁·n₀)), each called in the test.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from thaldash.analyses.independence import ti_course, ti_durability, ti_incidence, ti_model, ti_roc
from thaldash.data.cohort_build import build_cohort
from thaldash.data.validation import validate
from tests.cohorts import MONTHS


def cohort_of(patients: dict[str, tuple]) -> object:
    """A cohort of TDT patients: id → (rbc_units after baseline at months 1..24, baseline HbF, alleles)."""
    rows = []
    for pid, (units, hbf, alleles) in patients.items():
        for k, month in enumerate(MONTHS[: len(units) + 1]):
            rows.append({"patient_id": pid, "allele_1": alleles[0], "allele_2": alleles[1], "thal_type": "TDT",
                         "splenectomy": False, "pre_rbc_units_24m": 48.0, "month": month, "hb_g_l": 90.0,
                         "hbf_pct": hbf if month == 0 else hbf + 5, "sf_ng_ml": 2000.0,
                         "rbc_units": 0.0 if k == 0 else units[k - 1]})
    frame = pd.DataFrame(rows)
    checked = validate(frame)
    assert checked.ok, checked.problems
    return build_cohort(checked.frame, "test", hashlib.sha256(frame.to_csv().encode()).hexdigest())


B00 = ("CD41-42", "CD17")  # β0/β0
B0P = ("CD41-42", "-28")   # β0/β+
NaN = math.nan


def test_course_reads_reached_lost_and_censored():
    cohort = cohort_of({
        "A": ((2, 0, 0, 0, 0, 0), 20.0, B00),         # free from month 1
        "B": ((2, 2, 0, 0, 0, 0), 10.0, B0P),         # free from month 3
        "C": ((2, 0, 3, 3, 3, 3), 5.0, B0P),          # free in months 1–3, transfused again
        "D": ((2, 2, 2, 2, 2, 2), 2.0, B00),          # never free
        "E": ((2, NaN, 2, 2, 2, 2), 3.0, B0P),        # a gap before anything is known: censored at month 1
        "F": ((0, 0, 0), 40.0, B00),                  # never transfused, followed to month 6
    })
    course = ti_course(cohort).set_index("patient_id")
    assert course.loc["A", ["reached_month", "time"]].tolist() == [1.0, 1.0] and not course.loc["A", "lost"]
    assert course.loc["B", "reached_month"] == 3.0 and bool(course.loc["B", "independent"])
    assert bool(course.loc["C", "reached"]) and bool(course.loc["C", "lost"]) and not course.loc["C", "independent"]
    assert not course.loc["D", "reached"] and course.loc["D", "time"] == 24.0 and pd.isna(course.loc["D", "lost"])
    assert pd.isna(course.loc["E", "reached"]) and course.loc["E", "time"] == 1.0
    assert course.loc["F", ["reached_month", "last_visit"]].tolist() == [1.0, 6.0]
    assert course.loc["A", "two_beta0"] == 1.0 and course.loc["B", "two_beta0"] == 0.0


def test_incidence_on_the_bundled_cohort_is_table_1(bundled):
    course = ti_course(bundled)
    out = ti_incidence(bundled, course).set_index("visit")
    # Table 1 / Results: 16 of 34 within 1 month, 16 + 5 = 21 by 3 months.
    assert out.loc[1.0, "cum_incidence"] == pytest.approx(16 / 34)
    assert out.loc[3.0, "cum_incidence"] == pytest.approx(21 / 34)
    reached = course["reached"].astype(bool).to_numpy()
    fit = stats.ecdf(stats.CensoredData(uncensored=course["time"][reached], right=course["time"][~reached]))
    band = fit.sf.confidence_interval(0.95, method="log-log")
    for month in (1.0, 3.0):
        assert out.loc[month, "ci_low"] == pytest.approx(1 - band.high.evaluate(month))
        assert out.loc[month, "ci_high"] == pytest.approx(1 - band.low.evaluate(month))
    assert out.loc[1.0, "basis"].startswith("does not depend") and out.loc[12.0, "basis"].startswith("depends")


def test_incidence_by_beta_class(bundled):
    out = ti_incidence(bundled, ti_course(bundled), by="beta_class")
    at3 = out[out["visit"] == 3].set_index("beta_class")
    # Table 1 by class (CD43 read as β0): β0/β0 11 of 15, β0/β+ 8 of 17, β+/β+ 2 of 2 by 3 months.
    assert at3["cum_incidence"].to_dict() == pytest.approx({"β0/β0": 11 / 15, "β0/β+": 8 / 17, "β+/β+": 1.0})
    assert at3.loc["β+/β+", "reason"].startswith("not computed: everyone followed")


def test_durability_with_an_exact_interval(bundled):
    out = ti_durability(bundled, ti_course(bundled)).iloc[0]
    assert (out["n_reached"], out["n_lost"]) == (21, 0)
    ci = stats.binomtest(0, 21).proportion_ci(method="exact")
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert out["basis"].startswith("depends on the reconstruction's assumptions")


def test_model_counts_events_per_parameter(bundled):
    model = ti_model(bundled, ti_course(bundled))
    full = model[model["model"] == "HbF and β class"]
    assert full["term"].tolist() == ["intercept", "hbf_baseline_per_10", "two_beta0"]
    # 21 independent, 13 not (Results); 2 predictors → 13 / 2 = 6.5 events per parameter.
    assert full[["events", "non_events", "events_per_parameter"]].iloc[0].tolist() == [21, 13, 6.5]
    assert (full["reason"] == "").all() and full["ci_method"].eq("profile penalized likelihood").all()


def test_roc_auc_is_the_mann_whitney_probability(bundled):
    course = ti_course(bundled)
    curves, aucs = ti_roc(bundled, course, ti_model(bundled, course))
    hbf = aucs.set_index("score").iloc[0]
    yes = course.loc[course["independent"].astype(bool), "hbf_baseline"]
    no = course.loc[~course["independent"].astype(bool), "hbf_baseline"]
    u = stats.mannwhitneyu(yes, no).statistic  # scipy.stats.mannwhitneyu: U of the first sample
    assert hbf["auc"] == pytest.approx(u / (len(yes) * len(no)))
    first = curves[curves["score"] == aucs["score"].iloc[0]]
    assert first[["fpr", "tpr"]].iloc[0].tolist() == [0.0, 0.0] and first[["fpr", "tpr"]].iloc[-1].tolist() == [1, 1]


def test_perfect_separation_keeps_the_model_finite():
    # HbF separates completely: every patient above 20 % becomes independent.
    cohort = cohort_of({f"P{i}": ((2, 0, 0, 0, 0, 0) if hbf > 20 else (2, 2, 2, 2, 2, 2), hbf, B00 if i % 2 else B0P)
                        for i, hbf in enumerate([5, 8, 11, 14, 17, 23, 26, 29, 32, 35])})
    course = ti_course(cohort)
    model = ti_model(cohort, course).set_index(["model", "term"])
    row = model.loc[("HbF alone", "hbf_baseline_per_10")]
    assert row["reason"] == "" and np.isfinite(row["odds_ratio"]) and row["odds_ratio"] > 1  # Firth: finite
    _, aucs = ti_roc(cohort, course, ti_model(cohort, course))
    hbf = aucs.iloc[0]
    assert hbf["auc"] == 1.0 and hbf["reason"].startswith("not computed: the score separates")


def test_one_patient_and_no_patient():
    one = cohort_of({"A": ((2, 0, 0, 0, 0, 0), 20.0, B00)})
    course = ti_course(one)
    assert ti_incidence(one, course).set_index("visit").loc[1.0, "cum_incidence"] == 1.0
    assert ti_model(one, course)["reason"].str.startswith("not computed").all()
    assert ti_roc(one, course, ti_model(one, course))[1]["reason"].str.startswith("not computed").all()
    empty = course.iloc[0:0]
    out = ti_incidence(one, empty)
    assert len(out) == 1 and out["reason"].iloc[0].startswith("not computed: no patient")
    assert ti_durability(one, empty)["reason"].iloc[0].startswith("not computed: nobody")
