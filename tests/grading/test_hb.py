"""The Hb evidence of a patient (``thaldash.grading.hb``) and the NTDT endpoint it feeds (``ntdt_endpoint``).

Expected tiers are written from the rule as its help text states it (≥ MaR Hb rise MaR, ≥ MiR Hb
rise MiR, any rise SLR, none NR; sustained = the smallest rise from the window's end to month 24),
with the paper's default thresholds 20 and 10 g/L; the paper's own tiers (35/0/9/4, Results) are
the reference that the default must keep.
"""

from __future__ import annotations

import math

import pytest

from tests.grading.test_grading import frame, patient, stopped
from thaldash.grading.grade import grade
from thaldash.grading.hb import hb_arrays
from thaldash.grading.rules import GradingRules
from thaldash.grading.sensitivity import sensitivity_grid
from thaldash.grading.summary import tier_table
from thaldash.grading.panel import visit_panel

NaN = math.nan


def ntdt(pid: str, hb: dict[int, float]) -> list[dict]:
    return patient(pid, {m: (v, 0.0) for m, v in hb.items()}, pre=0.0, thal="NTDT")


COURSE = {0: 80.0, 1: 85.0, 3: 90.0, 6: 105.0, 12: 98.0, 18: 101.0, 24: 100.0}  # +25 at 6 M, lowest later +18


def test_sustained_rise_is_the_smallest_rise_from_the_window_end_to_month_24():
    evidence = hb_arrays(visit_panel(frame(ntdt("N1", COURSE))), GradingRules())
    assert evidence.rise[0] == pytest.approx(25.0)      # 105 − 80 at month 6
    assert evidence.sustained[0] == pytest.approx(18.0)  # 98 − 80 at month 12, the lowest of 6–24


def test_a_missing_visit_of_the_span_leaves_the_sustained_rise_missing_with_a_reason():
    course = {m: v for m, v in COURSE.items() if m != 18}
    evidence = hb_arrays(visit_panel(frame(ntdt("N1", course))), GradingRules())
    assert math.isnan(evidence.sustained[0])
    assert evidence.sustained_why.series().iloc[0] == "no visit at month 18"


@pytest.mark.parametrize("endpoint, tier, trace", [
    ("transfusion", "MaR", "MaR: no transfusion in months 3–6"),
    ("hb_rise", "MaR", "MaR: NTDT, graded by Hb rise: Hb rise 25.0 g/L (month 6 vs month 0) is ≥ 20 g/L"),
    ("hb_rise_sustained", "MiR", "MiR: NTDT, graded by sustained Hb rise: Hb rise 18.0 g/L "
                                 "(smallest of months 6–24 vs month 0) is within 10–20 g/L"),
])
def test_ntdt_endpoint_grades_an_ntdt_patient_by_hb(endpoint, tier, trace):
    row = grade(frame(ntdt("N1", COURSE)), GradingRules(ntdt_endpoint=endpoint)).iloc[0]
    # The tier sentence; the transfusion-independence clause follows it (tests/test_grading.py).
    assert (row["tier"], row["rule_trace"].split(". Transfusion independence:")[0]) == (tier, trace)


@pytest.mark.parametrize("end, tier", [(100.0, "MaR"), (99.9, "MiR"), (90.0, "MiR"), (85.0, "SLR"), (80.0, "NR"),
                                       (75.0, "NR")])
def test_hb_rise_thresholds_for_ntdt(end, tier):
    course = {0: 80.0, 1: 80.0, 3: 80.0, 6: end, 12: 120.0, 18: 120.0, 24: 120.0}
    assert grade(frame(ntdt("N1", course)), GradingRules(ntdt_endpoint="hb_rise")).iloc[0]["tier"] == tier


def test_missing_visit_makes_the_sustained_endpoint_not_evaluable_never_nr():
    course = {m: v for m, v in COURSE.items() if m != 24}
    row = grade(frame(ntdt("N1", course)), GradingRules(ntdt_endpoint="hb_rise_sustained")).iloc[0]
    assert row["tier"] == "not evaluable" and not row["evaluable"]
    assert row["rule_trace"].split(". Transfusion independence:")[0] == \
        "not evaluable: NTDT, graded by sustained Hb rise: no visit at month 24"


def test_the_endpoint_leaves_tdt_patients_as_they_were():
    visits = frame(stopped("T1", 3), ntdt("N1", COURSE))
    before = grade(visits).set_index("patient_id")
    after = grade(visits, GradingRules(ntdt_endpoint="hb_rise_sustained")).set_index("patient_id")
    assert after.loc["T1", "tier"] == before.loc["T1", "tier"] == "MaR"
    assert after.loc["T1", "rule_trace"] == before.loc["T1", "rule_trace"]
    assert "hb_rise_sustained" in after and "hb_rise_sustained" not in before


def test_default_keeps_the_papers_tiers(bundled):
    # Results: 35 MaR, 0 MiR, 9 SLR, 4 NR of 48.
    counts = tier_table(grade(bundled)).set_index("tier")["n"]
    assert counts[["MaR", "MiR", "SLR", "NR"]].tolist() == [35, 0, 9, 4]


def test_sensitivity_grid_grades_ntdt_as_grade_does(bundled):
    rules = GradingRules(ntdt_endpoint="hb_rise_sustained")
    grid = sensitivity_grid(bundled, rules, x="mar_hb_rise_g_l", x_values=[20.0], y="mir_hb_rise_g_l",
                            y_values=[10.0]).iloc[0]
    direct = tier_table(grade(bundled, rules)).set_index("tier")["n"]
    assert (grid["mar_n"], grid["orr_n"]) == (direct["MaR"], direct["ORR"])


def test_unknown_endpoint_is_a_sentence():
    with pytest.raises(ValueError, match="ntdt_endpoint .* one of transfusion, hb_rise, hb_rise_sustained"):
        GradingRules(ntdt_endpoint="sometimes")
