"""Tests for the response-grading engine (``thaldash.grading.grade``, ``scenarios``, ``grading_summary``).

Patients are hand-made visits frames; expected tiers come from the rules as written in
``schema.DEFINITIONS`` and the paper (Yang et al. 2024, Table 3 and "Efficacy evaluation"),
reference confidence intervals from scipy called in the test.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from thaldash.data.cohort_build import build_cohort
from thaldash.data.schema import MAR_GROUP, NOT_EVALUABLE, OTHER_GROUP, TIER_ORDER
from thaldash.grading.grade import grade
from thaldash.grading.whatif import patient_moves, transition_matrix
from thaldash.grading.rules import RULE_FIELDS, GradingRules
from thaldash.grading.scenarios import SCENARIO_DESCRIPTIONS, SCENARIOS, find_scenario
from thaldash.grading.summary import (
    genotype_groups, genotype_tiers, tier_table, with_genotype_group,
)
from thaldash.grading.trace import value_text
from thaldash.grading.scenarios import scenario_name, scenario_slug

NaN = float("nan")
QUIET = {12: (100.0, 0.0), 18: (100.0, 0.0), 24: (100.0, 0.0)}


def patient(pid: str, visits: dict[int, tuple[float, float]], *, pre: float = 40.0, thal: str = "TDT",
            genotype: str = "CD41-42/-28", withdrawn: bool = False) -> list[dict[str, object]]:
    """Rows of one patient from {month: (hb_g_l, rbc_units)}."""
    return [{"patient_id": pid, "genotype": genotype, "thal_type": thal, "pre_rbc_units_24m": pre,
             "month": m, "hb_g_l": hb, "rbc_units": units, "withdrawn": withdrawn}
            for m, (hb, units) in visits.items()]


def frame(*patients: list[dict[str, object]]) -> pd.DataFrame:
    rows = [row for p in patients for row in p]
    return pd.DataFrame(rows).astype({"month": "int64", "patient_id": "str", "genotype": "str",
                                      "thal_type": "str", "withdrawn": bool})


def transfused(pid: str, reduction: float, *, hb: tuple[float, float] = (80.0, 100.0), pre: float = 40.0,
               **kwargs: object) -> list[dict[str, object]]:
    """A patient still transfused in months 3–6 whose 6-month reduction is ``reduction`` %.

    pre = 40 units / 24 months → 10 units expected over 6 months; the window gets
    10 × (1 − r/100) units, split 40/30/30 % over months 1, 3 and 6.
    """
    units = pre * 6 / 24 * (1 - reduction / 100)
    visits = {0: (hb[0], 0.0), 1: (hb[0] + 5, 0.4 * units), 3: (hb[0] + 10, 0.3 * units),
              6: (hb[1], 0.3 * units), **QUIET}
    return patient(pid, visits, pre=pre, **kwargs)


def stopped(pid: str, month: int, *, hb: tuple[float, float] = (80.0, 110.0), **kwargs: object) -> list[dict]:
    """A TDT patient transfused up to ``month`` (1 or 3) and never after."""
    visits = {0: (hb[0], 0.0), 1: (hb[0] + 10, 3.0), 3: (hb[0] + 20, 2.0 if month >= 3 else 0.0),
              6: (hb[1], 0.0), **QUIET}
    return patient(pid, visits, **kwargs)


def ntdt(pid: str, *, hb: tuple[float, float] = (80.0, 100.0), **kwargs: object) -> list[dict]:
    visits = {0: (hb[0], 0.0), 1: (hb[0] + 5, 0.0), 3: (hb[0] + 10, 0.0), 6: (hb[1], 0.0), **QUIET}
    return patient(pid, visits, pre=0.0, thal="NTDT", **kwargs)


def only(rows: list[dict], rules: GradingRules = GradingRules()) -> pd.Series:
    return grade(frame(rows), rules).iloc[0]


def tier_sentence(trace: str) -> str:
    """The trace's tier part, without the transfusion-independence sentence that follows it."""
    return trace.split(". Transfusion independence: ")[0]


# ------------------------------------------------------------------ the paper's Table 3
# Table 3: the 13 TDT patients still transfused after 6 months, with their transfusion reductions.
TABLE3_REDUCTIONS = (31.0, 35.2, 41.5, 38.2, 34.3, 47.7, 13.3, 18.1, 21.5, 21.4, 30.8, 36.9, 37.6)


def paper_cohort() -> pd.DataFrame:
    """48 analysed patients as the Results describe them, plus the 4 TDT who withdrew.

    "21 patients (61.8%) ... discontinuing ... 16 ... within one month ... 5 ... at the three-month
    mark"; "14 cases with NTDT did not require blood transfusions"; Table 3's 13 reductions.
    """
    patients = [transfused(f"T{i:02d}", r) for i, r in enumerate(TABLE3_REDUCTIONS)]
    patients += [stopped(f"S1{i:02d}", 1) for i in range(16)]
    patients += [stopped(f"S3{i:02d}", 3) for i in range(5)]
    patients += [ntdt(f"N{i:02d}") for i in range(14)]
    patients += [patient(f"W{i}", {0: (80.0, 0.0), 1: (85.0, 2.0)}, withdrawn=True) for i in range(4)]
    return frame(*patients)


def test_paper_table3_is_reproduced() -> None:
    graded = grade(paper_cohort())
    assert len(graded) == 48  # 52 enrolled, 4 withdrew
    counts = graded["tier"].value_counts()
    # Text: 14 NTDT + 21 TDT MaR; Table 3: 9 SLR (30.8–47.7 %), 4 NR (13.3–21.5 %); no MiR.
    assert counts.to_dict() == {"MaR": 35, "MiR": 0, "SLR": 9, "NR": 4, "not evaluable": 0}
    by_id = graded.set_index("patient_id")
    for i, r in enumerate(TABLE3_REDUCTIONS):
        assert by_id.loc[f"T{i:02d}", "reduction_pct"] == pytest.approx(r)
        assert by_id.loc[f"T{i:02d}", "tier"] == ("SLR" if r >= 25 else "NR")
    # "31.3%" in the text is the unweighted mean of Table 3's reductions.
    assert round(graded.loc[graded["thal_type"].eq("TDT") & graded["tier"].isin(["SLR", "NR"]),
                            "reduction_pct"].mean(), 1) == 31.3
    summary = tier_table(graded).set_index("tier")
    assert summary.loc["ORR", "n"] == 44 and summary.loc["ORR", "total"] == 48
    assert round(summary.loc["ORR", "pct"], 1) == 91.7  # "ORR ... 91.7%" (44/48)
    assert summary.loc["MiR", "n"] == 0 and summary.loc[NOT_EVALUABLE, "n"] == 0


def test_paper_transfusion_independence_months() -> None:
    facts = grade(paper_cohort()).set_index("patient_id")["ti_month"]
    # "16 achieved this cessation within one month ... the remaining 5 ... at the three-month mark"
    assert (facts.filter(like="S1") == 1.0).sum() == 16
    assert (facts.filter(like="S3") == 3.0).sum() == 5


def test_never_transfused_patients_have_no_independence_month(bundled) -> None:
    # Issue 11, point 3: the 14 NTDT were never transfused, so never dependent; they read "month 1" before.
    graded = grade(bundled)
    ntdt = graded[graded["thal_type"] == "NTDT"]
    assert len(ntdt) == 14 and ntdt["ti_month"].isna().all()
    assert (ntdt["ti_status"] == "never transfused").all()
    # The TDT timing (Table 1: 16 within 1 month, 5 at 3 months) and the tiers do not move.
    tdt = graded[graded["thal_type"] == "TDT"]
    assert ((tdt["ti_month"] == 1).sum(), (tdt["ti_month"] == 3).sum()) == (16, 5)
    assert graded["tier"].value_counts().to_dict() == {"MaR": 35, "SLR": 9, "NR": 4, "MiR": 0, "not evaluable": 0}


# ------------------------------------------------------------------ default rule branches
@pytest.mark.parametrize("reduction, tier, phrase", [
    (75.0, "MiR", "reduction 75.0% is ≥ 50%"),
    (50.0, "MiR", "reduction 50.0% is ≥ 50%"),
    (49.99, "SLR", "reduction 49.99% is within 25–50%"),
    (31.0, "SLR", "reduction 31.0% is within 25–50%"),
    (25.0, "SLR", "reduction 25.0% is within 25–50%"),
    (24.99, "NR", "reduction 24.99% is < 25%"),
    (13.3, "NR", "reduction 13.3% is < 25%"),
    (0.0, "NR", "reduction 0.0% is < 25%"),
    (-20.0, "NR", "reduction -20.0% is < 25%"),  # more units than before treatment
])
def test_still_transfused_patients_are_graded_by_reduction(reduction: float, tier: str, phrase: str) -> None:
    row = only(transfused("P1", reduction))
    assert row["tier"] == tier
    assert row["deciding_criterion"] == "transfusion reduction"
    assert tier_sentence(row["rule_trace"]) == f"{tier}: still transfused in months 3–6; {phrase}"


def test_trace_never_prints_a_threshold_the_value_misses() -> None:
    assert "reduction 49.996% is within 25–50%" in only(transfused("P1", 49.996))["rule_trace"]


@pytest.mark.parametrize("value, thresholds, text", [
    (31.0, (50.0, 25.0), "31.0"),
    (49.99, (50.0, 25.0), "49.99"),
    (49.995999999999995, (50.0, 25.0), "49.996"),
    (24.990000000000002, (50.0, 25.0), "24.99"),
    (25.000000000000004, (50.0, 25.0), "25.0"),   # within the tolerance: graded, and printed, as 25
    (19.999999999999986, (20.0, 10.0, 0.0), "20.0"),
    (0.04, (20.0, 10.0, 0.0), "0.04"),            # a rise above 0 must not read "0.0"
    (-0.04, (20.0, 10.0, 0.0), "-0.04"),
    (-0.04, (), "0.0"),
    (NaN, (), ""),
])
def test_value_text(value: float, thresholds: tuple[float, ...], text: str) -> None:
    assert value_text(value, thresholds) == text


@pytest.mark.parametrize("rows", [stopped("P1", 1), stopped("P1", 3), ntdt("P1")])
def test_untransfused_patients_are_major_response(rows: list[dict]) -> None:
    row = only(rows)
    assert (row["tier"], row["deciding_criterion"], row["evaluable"]) == ("MaR", "transfusion-free", True)
    assert tier_sentence(row["rule_trace"]) == "MaR: no transfusion in months 3–6"


@pytest.mark.parametrize("rows, reason", [
    (patient("P1", {0: (80, 0), 1: (85, 2), 3: (90, 2)}), "no visit at month 6"),
    (patient("P1", {0: (80, 0), 1: (85, 2), 3: (90, NaN), 6: (95, 1)}), "rbc_units missing at month 3"),
    (patient("P1", {0: (80, 0), 1: (85, 2), 3: (90, 1), 6: (95, NaN)}), "rbc_units missing at month 6"),
    (patient("P1", {0: (80, 0), 1: (85, 2), 6: (95, 1)}), "no visit at month 3"),
])
def test_missing_deciding_values_are_not_evaluable_never_nr(rows: list[dict], reason: str) -> None:
    row = only(rows)
    assert row["tier"] == NOT_EVALUABLE and not row["evaluable"]
    assert row["deciding_criterion"] == "missing data"
    assert tier_sentence(row["rule_trace"]) == f"not evaluable: {reason}"


# Issue 11, point 1: a patient never transfused before enrolment who needs transfusions on
# treatment did not respond. Graded "not evaluable" before, which dropped them from every denominator.
@pytest.mark.parametrize("rules", [GradingRules(), GradingRules(hb_criterion="untransfused")])
def test_transfused_after_none_before_enrolment_is_nr_with_the_reason(rules: GradingRules) -> None:
    row = only(patient("P1", {0: (80, 0), 1: (85, 0), 3: (90, 2), 6: (95, 2)}, pre=0.0, thal="NTDT"), rules)
    assert (row["tier"], row["evaluable"], row["transfusion_tier"]) == ("NR", True, "NR")
    assert row["rule_trace"].startswith(
        "NR: transfused in months 3–6 after none in the 24 months before enrolment (pre_rbc_units_24m = 0): "
        "the need for transfusion rose, so no response")
    assert math.isnan(row["reduction_pct"])  # still undefined: a division by 0, not a number


def test_transfused_after_none_before_but_free_at_the_end_is_still_mar() -> None:
    # Transfused at month 1 only: no transfusion in months 3–6, MaR as for anyone untransfused then.
    row = only(patient("P1", {0: (80, 0), 1: (85, 2), 3: (90, 0), 6: (95, 0)}, pre=0.0, thal="NTDT"))
    assert row["tier"] == "MaR"


def test_everyone_mode_lets_hb_beat_a_rise_in_need() -> None:
    # The transfusion criterion gives NR; the Hb criterion (+25 g/L ≥ 20) gives MaR, the better one.
    rows = patient("P1", {0: (80, 0), 1: (85, 0), 3: (90, 2), 6: (105, 2)}, pre=0.0, thal="NTDT")
    row = only(rows, GradingRules(hb_criterion="everyone"))
    assert (row["tier"], row["transfusion_tier"], row["deciding_criterion"]) == ("MaR", "NR", "Hb rise")


def test_ntdt_transfused_on_treatment_stays_in_the_denominator(bundled) -> None:
    # The example: P01 (NTDT, -28/-28) given 2 units at months 3 and 6.
    visits = bundled.visits
    months = visits["month"].to_numpy()
    p01 = (visits["patient_id"] == "P01").to_numpy()
    edited = visits.assign(rbc_units=visits["rbc_units"].mask(p01 & ((months == 3) | (months == 6)), 2.0))
    edited_cohort = dataclasses.replace(bundled, visits=edited, sha256="edited")
    graded = grade(edited_cohort)
    assert graded.set_index("patient_id").at["P01", "tier"] == "NR"
    orr = tier_table(graded).set_index("tier").loc["ORR"]
    # 44 responders before, P01 among them; now 43 of the 48 analysed (the old code gave 43/47).
    assert (orr["n"], orr["total"]) == (43, 48)


def test_a_missing_value_that_cannot_change_the_tier_does_not_block_it() -> None:
    # Month-3 units missing, but nothing in months 3–6 (the month-6 visit covers them): MaR.
    rows = patient("P1", {0: (80, 0), 1: (85, 2), 3: (90, NaN), 6: (95, 0)})
    assert only(rows)["tier"] == "MaR"


def test_withdrawn_patients_are_excluded_unless_asked() -> None:
    visits = paper_cohort()
    assert not grade(visits)["patient_id"].str.startswith("W").any()
    with_withdrawn = grade(visits, include_withdrawn=True)
    withdrawn = with_withdrawn[with_withdrawn["withdrawn"]]
    assert len(with_withdrawn) == 52 and len(withdrawn) == 4
    assert (withdrawn["tier"] == NOT_EVALUABLE).all()  # left before month 6: never silently NR


# ------------------------------------------------------------------ Hb criterion modes
UNTRANSFUSED_BY_HB = GradingRules(hb_criterion="untransfused")


@pytest.mark.parametrize("base, end, tier", [
    (80.0, 100.0, "MaR"),   # rise exactly 20
    (80.1, 100.1, "MaR"),   # 19.999999999999986 in binary floating point: still exactly 20
    (80.0, 99.9, "MiR"),
    (80.0, 90.0, "MiR"),    # rise exactly 10
    (80.3, 90.3, "MiR"),
    (80.0, 89.9, "SLR"),
    (80.0, 80.1, "SLR"),
    (80.0, 80.0, "NR"),
    (80.0, 75.0, "NR"),
])
def test_untransfused_mode_grades_ntdt_by_hb_rise(base: float, end: float, tier: str) -> None:
    row = only(ntdt("P1", hb=(base, end)), UNTRANSFUSED_BY_HB)
    assert (row["tier"], row["deciding_criterion"]) == (tier, "Hb rise")
    assert row["hb_rise"] == pytest.approx(end - base)
    assert row["rule_trace"].startswith(f"{tier}: no transfusion in months 3–6, so graded by Hb: Hb rise ")


def test_untransfused_mode_still_grades_transfused_patients_by_reduction() -> None:
    row = only(transfused("P1", 31.0, hb=(80.0, 130.0)), UNTRANSFUSED_BY_HB)
    assert (row["tier"], row["deciding_criterion"]) == ("SLR", "transfusion reduction")


def test_untransfused_mode_without_hb_is_not_evaluable() -> None:
    row = only(patient("P1", {0: (80, 0), 1: (85, 0), 3: (90, 0), 6: (NaN, 0)}, pre=0, thal="NTDT"),
               UNTRANSFUSED_BY_HB)
    assert row["tier"] == NOT_EVALUABLE
    assert tier_sentence(row["rule_trace"]) == "not evaluable: no transfusion in months 3–6, but Hb missing at month 6"


@pytest.mark.parametrize("reduction, hb, tier, criterion", [
    (31.0, (80.0, 100.0), "MaR", "Hb rise"),               # Hb MaR beats transfusion SLR
    (31.0, (80.0, 90.0), "MiR", "Hb rise"),                # Hb MiR beats SLR
    (31.0, (80.0, 85.0), "SLR", "transfusion reduction"),  # tie: credited to transfusion
    (13.3, (80.0, 85.0), "SLR", "Hb rise"),
    (13.3, (80.0, 80.0), "NR", "transfusion reduction"),
    (60.0, (80.0, 70.0), "MiR", "transfusion reduction"),
])
def test_everyone_mode_takes_the_better_tier(reduction: float, hb: tuple, tier: str, criterion: str) -> None:
    row = only(transfused("P1", reduction, hb=hb), GradingRules(hb_criterion="everyone"))
    assert (row["tier"], row["deciding_criterion"]) == (tier, criterion)


@pytest.mark.parametrize("rows, tier", [
    # transfusion-free (MaR) and Hb missing: MaR needs one criterion only
    (patient("P1", {0: (80, 0), 1: (85, 2), 3: (90, 0), 6: (NaN, 0)}), "MaR"),
    # still transfused (SLR) and Hb missing: Hb could have been better
    (patient("P1", {0: (80, 0), 1: (85, 3), 3: (90, 2.9), 6: (NaN, 1)}), NOT_EVALUABLE),
    # transfusion not evaluable, Hb MaR
    (patient("P1", {0: (80, 0), 1: (85, 2), 3: (90, NaN), 6: (105, 1)}), "MaR"),
    # transfusion not evaluable, Hb MiR: transfusion could have been better
    (patient("P1", {0: (80, 0), 1: (85, 2), 3: (90, NaN), 6: (95, 1)}), NOT_EVALUABLE),
])
def test_everyone_mode_with_one_criterion_missing(rows: list[dict], tier: str) -> None:
    assert only(rows, GradingRules(hb_criterion="everyone"))["tier"] == tier


@pytest.mark.parametrize("measure, tier, rise", [("window_end", "MiR", 15.0), ("best_within_window", "MaR", 25.0)])
def test_hb_rise_measure(measure: str, tier: str, rise: float) -> None:
    rows = patient("P1", {0: (80, 0), 1: (90, 0), 3: (105, 0), 6: (95, 0)}, pre=0, thal="NTDT")
    row = only(rows, GradingRules(hb_criterion="untransfused", hb_rise_measure=measure))
    assert (row["tier"], row["hb_rise"]) == (tier, pytest.approx(rise))


def test_best_within_window_survives_a_missing_window_end() -> None:
    rows = patient("P1", {0: (80, 0), 1: (90, 0), 3: (105, 0), 6: (NaN, 0)}, pre=0, thal="NTDT")
    best = only(rows, GradingRules(hb_criterion="untransfused", hb_rise_measure="best_within_window"))
    end = only(rows, GradingRules(hb_criterion="untransfused"))
    assert (best["tier"], best["hb_best_in_window"]) == ("MaR", 105.0)
    assert end["tier"] == NOT_EVALUABLE


# ------------------------------------------------------------------ windows
WINDOW_PATIENT = patient("P1", {0: (80, 0), 1: (85, 2), 3: (90, 2), 6: (95, 2), 12: (100, 0),
                                18: (100, 0), 24: (100, 0)}, pre=48.0)


@pytest.mark.parametrize("window, free, tier, reduction, trace", [
    (3, 3, "SLR", 100 * (1 - 4 / 6), "SLR: still transfused in months 0–3; reduction 33.3% is within 25–50%"),
    (6, 3, "MiR", 50.0, "MiR: still transfused in months 3–6; reduction 50.0% is ≥ 50%"),
    (12, 6, "MaR", 75.0, "MaR: no transfusion in months 6–12"),
    (12, 3, "MaR", 75.0, "MaR: no transfusion in months 6–12"),  # rounded up to the month-12 visit interval
])
def test_window_length(window: int, free: int, tier: str, reduction: float, trace: str) -> None:
    # pre 48 units / 24 months; units 2 at months 1, 3, 6 and none after.
    row = only(WINDOW_PATIENT, GradingRules(window_months=window, transfusion_free_months=free))
    assert (row["tier"], tier_sentence(row["rule_trace"])) == (tier, trace)
    assert row["reduction_pct"] == pytest.approx(reduction)


def test_window_end_hb_follows_the_window() -> None:
    row = only(WINDOW_PATIENT, GradingRules(window_months=12, transfusion_free_months=6))
    assert (row["hb_baseline"], row["hb_window_end"]) == (80.0, 100.0)


# ------------------------------------------------------------------ scenarios
def probe_cohort() -> pd.DataFrame:
    return frame(
        ntdt("N", hb=(80.0, 95.0)),                        # never transfused, Hb +15
        stopped("S", 3, hb=(75.0, 110.0)),                 # TDT stopped at month 3: 5 of 10 units, Hb +35
        transfused("BIG", 31.0, hb=(80.0, 105.0)),         # still transfused, Hb +25
        transfused("SMALL", 13.3, hb=(80.0, 81.5)),        # still transfused, Hb +1.5
        transfused("NONE", 20.0, hb=(80.0, 78.0)),         # still transfused, Hb −2
    )


@pytest.mark.parametrize("name, tiers", [
    ("Paper, as applied", ["MaR", "MaR", "SLR", "NR", "NR"]),
    # printed criteria in g/L: a 1.5 g/L rise is MiR, any 2 g/L rise MaR
    ("Paper, as printed", ["MaR", "MaR", "MaR", "MiR", "NR"]),
    ("Paper criteria read as g/dL", ["MaR", "MaR", "MaR", "SLR", "NR"]),
    # whole window transfusion-free: S (5 of 10 units, 50 %) becomes MiR; N graded by Hb +15: MiR
    ("Strict clinical", ["MiR", "MiR", "SLR", "NR", "NR"]),
])
def test_each_scenario(name: str, tiers: list[str]) -> None:
    graded = grade(probe_cohort(), SCENARIOS[name]).set_index("patient_id")
    assert graded.loc[["N", "S", "BIG", "SMALL", "NONE"], "tier"].tolist() == tiers


def test_scenarios_are_described_and_found_by_slug() -> None:
    assert set(SCENARIO_DESCRIPTIONS) == set(SCENARIOS)
    assert SCENARIOS["Paper, as applied"] == GradingRules()
    for name, rules in SCENARIOS.items():
        assert find_scenario(scenario_slug(name)) == (name, rules)
        assert find_scenario(name.upper()) == (name, rules)
        assert scenario_name(rules) == name
    assert scenario_name(GradingRules(mir_reduction_pct=60)) is None
    with pytest.raises(ValueError, match="paper-as-applied"):
        find_scenario("paper as written")


def test_transition_matrix_of_two_scenarios() -> None:
    ref = grade(probe_cohort(), SCENARIOS["Paper, as applied"])
    alt = grade(probe_cohort(), SCENARIOS["Strict clinical"])
    matrix = transition_matrix(ref, alt)
    assert list(matrix.index) == list(TIER_ORDER) and list(matrix.columns) == list(TIER_ORDER)
    expected = pd.DataFrame(0, index=matrix.index, columns=matrix.columns)
    expected.loc["MaR", "MiR"] = 2   # N and S
    expected.loc["SLR", "SLR"] = 1
    expected.loc["NR", "NR"] = 2
    pd.testing.assert_frame_equal(matrix, expected, check_dtype=False)
    assert int(matrix.to_numpy().sum()) == 5
    changed, _ = patient_moves(ref, alt)
    assert sorted(changed["patient_id"]) == ["N", "S"]
    assert changed.set_index("patient_id").loc["S", "trace_whatif"].startswith(
        "MiR: still transfused in months 0–6; reduction 50.0%")


def test_compare_counts_not_evaluable() -> None:
    visits = frame(ntdt("N"), patient("X", {0: (80, 0), 1: (85, 2), 3: (90, 0)}))
    matrix = transition_matrix(grade(visits, GradingRules()), grade(visits, GradingRules(hb_criterion="untransfused")))
    assert matrix.loc[NOT_EVALUABLE, NOT_EVALUABLE] == 1 and matrix.loc["MaR", "MaR"] == 1


# ------------------------------------------------------------------ GradingRules
@pytest.mark.parametrize("rules", [*SCENARIOS.values(), GradingRules(
    window_months=12, transfusion_free_months=9, mir_reduction_pct=66.6, slr_reduction_pct=33.3,
    mar_hb_rise_g_l=15.5, mir_hb_rise_g_l=0.1, hb_rise_measure="best_within_window", hb_criterion="everyone")])
def test_rules_round_trip_through_params(rules: GradingRules) -> None:
    params = rules.to_params()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    assert GradingRules.from_params(params) == rules
    assert hash(GradingRules.from_params(params)) == hash(rules)


def test_rules_are_frozen_hashable_and_described_as_data() -> None:
    rules = GradingRules()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.window_months = 12  # type: ignore[misc]
    assert {rules: 1}[GradingRules(mir_reduction_pct=50)] == 1
    assert [f.name for f in RULE_FIELDS] == [f.name for f in dataclasses.fields(GradingRules)]
    for spec in RULE_FIELDS:
        assert spec.default == getattr(rules, spec.name)
        assert spec.label and spec.help
    assert GradingRules.from_params({}) == rules


@pytest.mark.parametrize("params, words", [
    ({"window_months": "7"}, ["window_months", "3, 6, 12", "7"]),
    ({"window_months": "six"}, ["window_months", "3, 6, 12", "six"]),
    ({"transfusion_free_months": "0"}, ["transfusion_free_months", "1 to 12"]),
    ({"transfusion_free_months": "12"}, ["transfusion_free_months", "window_months"]),
    ({"transfusion_free_months": "2.5"}, ["transfusion_free_months"]),
    ({"mir_reduction_pct": "150"}, ["mir_reduction_pct", "0 to 100", "150"]),
    ({"mir_reduction_pct": "nan"}, ["mir_reduction_pct"]),
    ({"slr_reduction_pct": "-1"}, ["slr_reduction_pct", "0 to 100"]),
    ({"slr_reduction_pct": "60"}, ["slr_reduction_pct", "mir_reduction_pct"]),
    ({"mar_hb_rise_g_l": "inf"}, ["mar_hb_rise_g_l", "g/L"]),
    ({"mir_hb_rise_g_l": "25"}, ["mir_hb_rise_g_l", "mar_hb_rise_g_l"]),
    ({"hb_rise_measure": "max"}, ["hb_rise_measure", "window_end, best_within_window"]),
    ({"hb_criterion": "all"}, ["hb_criterion", "none, untransfused, everyone"]),
    ({"window": "6"}, ["Unknown grading rule 'window'", "window_months"]),
])
def test_bad_rule_values_are_refused_with_a_sentence(params: dict[str, str], words: list[str]) -> None:
    with pytest.raises(ValueError) as caught:
        GradingRules.from_params(params)
    for word in words:
        assert word in str(caught.value)


def test_unknown_params_can_be_ignored_for_urls() -> None:
    assert GradingRules.from_params({"genotype": "x", "window_months": "3"}, ignore_unknown=True) == \
        GradingRules(window_months=3)


def test_rules_refuse_wrong_types_in_python() -> None:
    with pytest.raises(ValueError, match="window_months"):
        GradingRules(window_months=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hb_criterion"):
        GradingRules(hb_criterion=None)  # type: ignore[arg-type]


# ------------------------------------------------------------------ summaries
def test_tier_table_rows_and_cis() -> None:
    summary = tier_table(grade(paper_cohort())).set_index("tier")
    assert list(summary.index) == ["MaR", "MiR", "SLR", "NR", "ORR", NOT_EVALUABLE, "withdrawn"]
    for tier, k in {"MaR": 35, "MiR": 0, "SLR": 9, "NR": 4, "ORR": 44}.items():
        ref = sps.binomtest(k, 48).proportion_ci(method="exact")  # Clopper–Pearson, 95 %
        assert summary.loc[tier, "n"] == k and summary.loc[tier, "total"] == 48
        assert summary.loc[tier, "pct"] == pytest.approx(100 * k / 48)
        assert summary.loc[tier, "ci_low"] == pytest.approx(100 * ref.low)
        assert summary.loc[tier, "ci_high"] == pytest.approx(100 * ref.high)
        assert summary.loc[tier, "ci_method"] == "Clopper–Pearson exact 95%"
    assert pd.isna(summary.loc[NOT_EVALUABLE, "total"]) and math.isnan(summary.loc[NOT_EVALUABLE, "pct"])


def test_not_evaluable_patients_are_outside_the_denominator() -> None:
    graded = grade(paper_cohort(), include_withdrawn=True)
    summary = tier_table(graded).set_index("tier")
    # Issue 11: the withdrawn have a row of their own (they were counted as "not evaluable").
    assert summary.loc["ORR", "total"] == 48 and summary.loc[NOT_EVALUABLE, "n"] == 0
    assert summary.loc["withdrawn", "n"] == 4 and pd.isna(summary.loc["withdrawn", "total"])
    assert set(summary["n_patients"]) == {52}


def test_intention_to_treat_counts_the_withdrawn_as_failures(bundled) -> None:
    # Issue 11: 44 responders of the 52 enrolled = 84.6 % (the 4 who withdrew are failures).
    graded = grade(bundled, include_withdrawn=True)
    itt = tier_table(graded, analysis="intention-to-treat").set_index("tier")
    ref = sps.binomtest(44, 52).proportion_ci(method="exact")  # Clopper–Pearson, 95 %
    assert (itt.loc["ORR", "n"], itt.loc["ORR", "total"]) == (44, 52)
    assert round(itt.loc["ORR", "pct"], 1) == 84.6
    assert (itt.loc["ORR", "ci_low"], itt.loc["ORR", "ci_high"]) == pytest.approx((100 * ref.low, 100 * ref.high))
    assert (itt.loc["withdrawn", "n"], itt.loc["withdrawn", "total"]) == (4, 52)
    assert set(itt["analysis"]) == {"intention-to-treat"}
    # Per protocol on the same rows: the paper's 44/48, the 4 withdrawn left out and counted apart.
    pp = tier_table(graded).set_index("tier")
    assert (pp.loc["ORR", "n"], pp.loc["ORR", "total"], pp.loc["withdrawn", "n"]) == (44, 48, 4)


@pytest.mark.parametrize("analysis, total", [("per-protocol", 49), ("intention-to-treat", 53)])
def test_not_evaluable_can_count_as_failures(bundled, analysis, total) -> None:
    # A 49th analysed patient, P01's copy without its month-6 visit: not evaluable, or a failure when asked.
    facts = [c for c in bundled.patients.columns if c not in ("genotype", "beta_class", "n_visits")]
    visits = bundled.visits_with(facts).astype({"patient_id": "str"})
    p01 = (visits["patient_id"] == "P01").to_numpy()
    copy = visits[p01 & (visits["month"] != 6).to_numpy()].assign(patient_id="P99")
    edited = build_cohort(pd.concat([visits, copy], ignore_index=True), "edited", "extra")
    graded = grade(edited, include_withdrawn=True)
    assert ((graded["tier"] == NOT_EVALUABLE) & ~graded["withdrawn"]).sum() == 1
    table = tier_table(graded, analysis=analysis, not_evaluable_as_failure=True).set_index("tier")
    assert (table.loc["ORR", "n"], table.loc["ORR", "total"]) == (44, total)
    assert table.loc[NOT_EVALUABLE, "total"] == total
    assert (table.loc["ORR", "total"] + (table.loc["withdrawn", "n"] if analysis == "per-protocol" else 0)
            == table.loc["ORR", "n_patients"])


def test_tier_table_with_nobody_evaluable_is_not_computed() -> None:
    graded = grade(frame(patient("X", {0: (80, 0), 1: (85, 2)})))
    summary = tier_table(graded).set_index("tier")
    assert math.isnan(summary.loc["ORR", "pct"]) and math.isnan(summary.loc["ORR", "ci_low"])
    assert summary.loc["ORR", "reason"] == "not computed: no evaluable patients"


def test_tier_table_with_one_evaluable_patient_gives_no_interval() -> None:
    # One implementation of tier counts: Home, What-if and Response once disagreed here (2.5–100 % vs
    # "not computed"); a one-patient interval says "anything" and must not read as a result.
    graded = grade(frame(patient("X", {0: (80, 0), 1: (85, 0), 3: (90, 0), 6: (95, 0)})))
    summary = tier_table(graded).set_index("tier")
    assert summary.loc["ORR", "total"] == 1 and summary.loc["ORR", "pct"] == 100
    assert math.isnan(summary.loc["ORR", "ci_low"]) and not summary.loc["ORR", "computed"]
    assert summary.loc["ORR", "reason"].startswith("not computed: only 1 evaluable patient")


def group_cohort() -> pd.DataFrame:
    return frame(
        ntdt("A1", genotype="-28/-28"), stopped("A2", 1, genotype="-28/-28"),
        ntdt("B1", genotype="CD17/CD17"), transfused("B2", 31.0, genotype="CD17/CD17"),
        ntdt("C1", genotype="CD41-42/CD17"), patient("C2", {0: (80, 0), 1: (85, 2)}, genotype="CD41-42/CD17"),
        patient("D1", {0: (80, 0), 1: (85, 2)}, genotype="CD39/CD39"),
    )


def test_genotype_tiers_are_zero_filled() -> None:
    long = genotype_tiers(grade(group_cohort()))
    assert len(long) == 4 * len(TIER_ORDER)
    counts = long.set_index(["genotype", "tier"])["n"]
    assert counts[("CD17/CD17", "SLR")] == 1 and counts[("CD17/CD17", "NR")] == 0
    assert counts[("CD41-42/CD17", NOT_EVALUABLE)] == 1


def test_genotype_groups() -> None:
    groups = genotype_groups(grade(group_cohort())).set_index("genotype")
    assert groups["group"].to_dict() == {
        "-28/-28": MAR_GROUP,             # every patient MaR
        "CD17/CD17": OTHER_GROUP,         # one SLR: the NTDT MaR patient falls in the SLR/NR group
        "CD41-42/CD17": MAR_GROUP,        # every *evaluable* patient MaR; the other one is counted
        "CD39/CD39": NOT_EVALUABLE,       # nobody evaluable
    }
    assert groups.loc["CD41-42/CD17", "n_not_evaluable"] == 1
    assert groups.loc["CD17/CD17", "tiers_present"] == "MaR, SLR"
    assert groups.loc["CD17/CD17", ["n", "n_evaluable", "n_mar", "n_slr"]].tolist() == [2, 2, 1, 1]
    patients = with_genotype_group(grade(group_cohort())).set_index("patient_id")
    assert patients.loc["B1", "genotype_group"] == OTHER_GROUP


# ------------------------------------------------------------------ interface
def test_grade_accepts_a_cohort_and_leaves_the_input_alone() -> None:
    visits = paper_cohort()
    before = visits.copy()
    raw = visits.drop(columns="genotype").assign(allele_1="CD41-42", allele_2="-28")
    cohort = build_cohort(raw, source_name="test", sha256="x")
    from_cohort = grade(cohort)
    assert from_cohort["tier"].value_counts().to_dict() == {"MaR": 35, "MiR": 0, "SLR": 9, "NR": 4,
                                                            "not evaluable": 0}
    assert (from_cohort["genotype"] == "CD41-42/-28").all()
    pd.testing.assert_frame_equal(visits, before)


def test_genotype_is_derived_from_alleles_when_absent() -> None:
    raw = frame(ntdt("P1")).drop(columns="genotype").assign(allele_1="-28", allele_2="CD41-42")
    assert grade(raw)["genotype"].tolist() == ["CD41-42/-28"]


def test_output_columns() -> None:
    graded = grade(paper_cohort())
    assert list(graded.columns[:12]) == [
        "patient_id", "genotype", "thal_type", "tier", "evaluable", "deciding_criterion", "hb_baseline",
        "hb_window_end", "hb_rise", "reduction_pct", "ti_month", "rule_trace"]
    assert graded["patient_id"].is_monotonic_increasing


def test_published_tier_is_carried_along() -> None:
    visits = frame(ntdt("P1")).assign(published_tier="MaR")
    assert grade(visits)["published_tier"].tolist() == ["MaR"]


# ------------------------------------------------------------------ transfusion-independence rule
def test_independence_rule_is_a_rule_field_with_bounds() -> None:
    spec = next(f for f in RULE_FIELDS if f.name == "ti_min_free_visits")
    assert (spec.kind, spec.default, spec.minimum, spec.maximum, spec.unit) == ("int", 1, 1, 6, "visits")
    assert GradingRules.from_params({"ti_min_free_visits": "2"}).ti_min_free_visits == 2
    with pytest.raises(ValueError, match=r"ti_min_free_visits .* must be a number from 1 to 6; got 0"):
        GradingRules(ti_min_free_visits=0)


@pytest.mark.parametrize("needed, clause", [
    (1, "Transfusion independence: from month 12 (≥ 1 later visit without transfusion)"),
    (3, "Transfusion independence: not evaluable: only 2 visits after month 12; the rule needs 3 later "
        "transfusion-free visits"),
])
def test_the_rule_trace_shows_the_independence_rule(needed: int, clause: str) -> None:
    # Transfused up to month 12 (50 % reduction over months 1–6: 6 of 12 expected units), free at 18 and 24.
    rows = patient("P1", {0: (80, 0), 1: (85, 2), 3: (90, 2), 6: (95, 2), 12: (100, 1), 18: (100, 0),
                          24: (100, 0)}, pre=48.0)
    row = only(rows, GradingRules(ti_min_free_visits=needed))
    assert row["rule_trace"] == "MiR: still transfused in months 3–6; reduction 50.0% is ≥ 50%. " + clause
    assert row["tier"] == "MiR"  # the independence rule dates independence; it never moves a tier


def test_the_trace_says_never_transfused() -> None:
    assert only(ntdt("P1"))["rule_trace"] == ("MaR: no transfusion in months 3–6. "
                                              "Transfusion independence: never transfused")


@pytest.mark.parametrize("by", [None, "thal_type", "genotype"])
@pytest.mark.parametrize("analysis", ["per-protocol", "intention-to-treat"])
def test_tier_counts_agree_with_pandas_crosstab(bundled, by, analysis):
    """``tier_table`` counts on codes; pandas' crosstab of the tier texts per group is the reference."""
    from thaldash.grading.summary import tier_table

    graded = grade(bundled, GradingRules(), include_withdrawn=True)
    out = tier_table(graded, by=by, analysis=analysis)
    column = np.where(graded["withdrawn"].to_numpy(dtype=bool), "withdrawn",
                      np.where(graded["tier"].isna().to_numpy(), "not evaluable", graded["tier"].astype(str).to_numpy()))
    known = np.ones(len(graded), bool) if by is None else graded[by].notna().to_numpy()
    key = np.full(len(graded), "all", dtype=object) if by is None else graded[by].astype(str).to_numpy()
    reference = pd.crosstab(key[known], column[known])
    assert len(reference) == (1 if by is None else graded[by].nunique())
    for group, row in reference.iterrows():
        mine = out if by is None else out[out[by].astype(str) == group]
        for tier, n in row.items():
            assert int(mine.loc[mine["tier"] == tier, "n"].iloc[0]) == n, (group, tier)
    assert out["n_patients"].groupby(out[by] if by else pd.Series(0, index=out.index)).first().sum() == known.sum()
