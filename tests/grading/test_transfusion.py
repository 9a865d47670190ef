"""Tests for ``thaldash.grading.transfusion``: window totals, reductions, transfusion-free tails, independence.

Every patient is written by hand as month → (hb_g_l, rbc_units); expected values are worked out
from the contract's definitions (``schema.DEFINITIONS``) in the comments next to them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from thaldash.grading.transfusion import tail_start, transfusion_facts
from thaldash.grading.panel import visit_panel

NaN = float("nan")


def patient(pid: str, visits: dict[int, tuple[float, float]], *, pre: float = 40.0,
            thal: str = "TDT") -> list[dict[str, object]]:
    """Rows of one patient from {month: (hb_g_l, rbc_units)}."""
    return [{"patient_id": pid, "thal_type": thal, "pre_rbc_units_24m": pre, "month": m,
             "hb_g_l": hb, "rbc_units": units} for m, (hb, units) in visits.items()]


def frame(*patients: list[dict[str, object]]) -> pd.DataFrame:
    rows = [row for p in patients for row in p]
    return pd.DataFrame(rows).astype({"month": "int64", "patient_id": "str", "thal_type": "str"})


def facts_of(visits: dict[int, tuple[float, float]], **kwargs: object) -> pd.Series:
    pre = kwargs.pop("pre", 40.0)
    return transfusion_facts(frame(patient("P1", visits, pre=pre)), **kwargs).iloc[0]


FULL = {0: (80, 0), 1: (90, 2), 3: (95, 3), 6: (100, 2.5), 12: (100, 0), 18: (100, 0), 24: (100, 0)}


def test_window_total_and_reduction_follow_the_definition() -> None:
    row = facts_of(FULL)
    assert row["units_in_window"] == 7.5  # 2 + 3 + 2.5 at months 1, 3, 6
    assert row["expected_units_in_window"] == 10.0  # 40 × 6 / 24
    assert row["reduction_pct"] == pytest.approx(25.0)  # 100 × (1 − 7.5 / 10)
    assert row["reduction_problem"] == ""
    assert bool(row["transfused_in_last_months"]) is True  # 2.5 units at month 6
    assert row["ti_month"] == 6.0  # zero at every visit after month 6
    assert row["ti_status"] == "independent"
    assert bool(row["ever_transfused_after_baseline"]) is True


@pytest.mark.parametrize("window, units, expected, reduction", [
    (3, 2 + 3, 5.0, 0.0),                 # months 1, 3: 5 of 40 × 3/24 = 5
    (6, 2 + 3 + 2.5, 10.0, 25.0),         # months 1, 3, 6
    (12, 2 + 3 + 2.5 + 0, 20.0, 62.5),    # months 1, 3, 6, 12: 7.5 of 20
])
def test_window_length(window: int, units: float, expected: float, reduction: float) -> None:
    row = facts_of(FULL, window=window, free_months=3 if window != 3 else 2)
    assert row["units_in_window"] == units
    assert row["expected_units_in_window"] == expected
    assert row["reduction_pct"] == pytest.approx(reduction)


def test_month_zero_units_are_not_counted() -> None:
    row = facts_of({**FULL, 0: (80, 9)})
    assert row["units_in_window"] == 7.5


def test_no_transfusion_before_enrolment_makes_the_reduction_undefined() -> None:
    row = facts_of({0: (80, 0), 1: (85, 0), 3: (88, 0), 6: (90, 0), 12: (90, 0)}, pre=0.0)
    assert math.isnan(row["reduction_pct"])
    assert "pre_rbc_units_24m = 0" in row["reduction_problem"]
    assert bool(row["transfused_in_last_months"]) is False
    assert bool(row["ever_transfused_after_baseline"]) is False
    # Issue 11, point 3: never transfused, before or after enrolment, so never dependent: no
    # independence month (it read 1 before), and the status says why.
    assert math.isnan(row["ti_month"]) and row["ti_status"] == "never transfused"


def test_transfused_before_enrolment_but_not_after_is_independent_from_month_1() -> None:
    # Dependent before (40 units in 24 months), none from month 1 on: Table 1's "within 1 month".
    row = facts_of({0: (80, 0), 1: (85, 0), 3: (88, 0), 6: (90, 0), 12: (90, 0)}, pre=40.0)
    assert row["ti_month"] == 1.0 and row["ti_status"] == "independent"


def test_never_transfused_before_but_transfused_after_is_dated_as_usual() -> None:
    row = facts_of({0: (80, 0), 1: (85, 2), 3: (88, 0), 6: (90, 0)}, pre=0.0)
    assert row["ti_month"] == 1.0 and row["ti_status"] == "independent"


def test_never_transfused_needs_every_value_recorded() -> None:
    # A missing value after baseline could hide a transfusion: not evaluable, as for anyone.
    row = facts_of({0: (80, 0), 1: (85, NaN), 3: (88, 0), 6: (90, 0)}, pre=0.0)
    assert math.isnan(row["ti_month"]) and row["ti_status"].startswith("not evaluable")


@pytest.mark.parametrize("visits, problem", [
    ({0: (80, 0), 1: (90, 2), 6: (100, 1), 12: (100, 0)}, "no visit at month 3"),
    ({0: (80, 0), 1: (90, 2), 3: (95, NaN), 6: (100, 1), 12: (100, 0)}, "rbc_units missing at month 3"),
    ({0: (80, 0), 1: (90, NaN), 3: (95, NaN), 6: (100, 1)}, "rbc_units missing at months 1, 3"),
    ({0: (80, 0), 1: (90, 2), 3: (95, 1)}, "no visit at month 6"),
    ({0: (80, 0)}, "no visit at months 1, 3, 6"),
    ({0: (80, 0), 3: (95, NaN), 6: (100, 1)}, "no visit at month 1; rbc_units missing at month 3"),
])
def test_incomplete_window_is_not_evaluable_with_the_reason(visits: dict, problem: str) -> None:
    row = facts_of(visits)
    assert math.isnan(row["units_in_window"]) and math.isnan(row["reduction_pct"])
    assert row["reduction_problem"] == problem


@pytest.mark.parametrize("visits, transfused, problem", [
    ({0: (80, 0), 1: (90, 2), 3: (95, 3), 6: (100, 0)}, False, ""),
    ({0: (80, 0), 1: (90, 2), 3: (95, 3), 6: (100, 0.5)}, True, ""),
    # Missing month 3 visit: the month-6 count covers months 1–6, zero means no transfusion in 3–6.
    ({0: (80, 0), 1: (90, 2), 6: (100, 0)}, False, ""),
    ({0: (80, 0), 1: (90, 2), 3: (95, 3), 6: (100, NaN)}, None, "rbc_units missing at month 6"),
    ({0: (80, 0), 1: (90, 2), 3: (95, 3)}, None, "no visit at month 6"),
])
def test_transfused_in_last_three_months(visits: dict, transfused: bool | None, problem: str) -> None:
    row = facts_of(visits)
    if transfused is None:
        assert pd.isna(row["transfused_in_last_months"])
    else:
        assert bool(row["transfused_in_last_months"]) is transfused
    assert row["last_months_problem"] == problem


def test_an_off_schedule_transfusion_inside_the_tail_counts() -> None:
    row = facts_of({0: (80, 0), 1: (90, 2), 3: (95, 3), 5: (97, 1), 6: (100, 0)})
    assert bool(row["transfused_in_last_months"]) is True
    assert row["units_in_window"] == 6.0


@pytest.mark.parametrize("window, free, start", [
    (6, 3, 3), (6, 6, 0), (6, 5, 1), (6, 4, 1), (3, 3, 0), (3, 2, 1), (12, 6, 6), (12, 3, 6), (12, 12, 0),
])
def test_tail_is_whole_visit_intervals(window: int, free: int, start: int) -> None:
    # The last study month (0, 1, 3, 6, 12, 18, 24) at or before W − F.
    assert tail_start(window, free) == start


def test_whole_window_free_needs_every_visit_free() -> None:
    stopped_at_3 = {0: (80, 0), 1: (90, 2), 3: (95, 3), 6: (100, 0)}
    assert bool(facts_of(stopped_at_3, free_months=3)["transfused_in_last_months"]) is False
    assert bool(facts_of(stopped_at_3, free_months=6)["transfused_in_last_months"]) is True


@pytest.mark.parametrize("visits, ti, status", [
    ({0: (80, 0), 1: (90, 2), 3: (95, 0), 6: (100, 0), 12: (100, 0)}, 1.0, "independent"),
    ({0: (80, 0), 1: (90, 2), 3: (95, 1), 6: (100, 0), 12: (100, 0)}, 3.0, "independent"),
    ({0: (80, 0), 1: (90, 2), 3: (95, 1), 6: (100, 0), 12: (100, 1)}, NaN, "still transfused at the last visit"),
    # A missing value after the candidate month is not evaluable, never read as 0.
    ({0: (80, 0), 1: (90, 2), 3: (95, 0), 6: (100, NaN), 12: (100, 0)}, NaN,
     "not evaluable: rbc_units missing after month 1"),
    # A missing value before the last transfusion does not matter.
    ({0: (80, 0), 1: (90, NaN), 3: (95, 2), 6: (100, 0)}, 3.0, "independent"),
    ({0: (80, 0), 1: (90, 0)}, NaN, "not evaluable: no visit after month 1"),
    ({0: (80, 0)}, NaN, "not evaluable: no visit after baseline"),
    # Missing visits are covered by the next visit's "since the previous visit" count.
    ({0: (80, 0), 1: (90, 2), 12: (100, 0), 24: (100, 0)}, 1.0, "independent"),
])
def test_transfusion_independence_month(visits: dict, ti: float, status: str) -> None:
    row = facts_of(visits)
    assert (math.isnan(row["ti_month"]) and math.isnan(ti)) or row["ti_month"] == ti
    assert row["ti_status"] == status


@pytest.mark.parametrize("visits, ever", [
    ({0: (80, 0), 1: (90, 0), 3: (95, 0), 6: (100, 0)}, False),
    ({0: (80, 0), 1: (90, 0), 3: (95, 1), 6: (100, 0)}, True),
    ({0: (80, 0), 1: (90, 0), 3: (95, NaN), 6: (100, 0)}, None),
    ({0: (80, 0)}, None),
])
def test_ever_transfused_after_baseline(visits: dict, ever: bool | None) -> None:
    value = facts_of(visits)["ever_transfused_after_baseline"]
    assert pd.isna(value) if ever is None else bool(value) is ever


def test_one_row_per_patient_sorted_and_input_untouched() -> None:
    visits = frame(patient("P2", FULL), patient("P1", FULL, pre=0.0, thal="NTDT"))
    visits = visits.sample(frac=1, random_state=3)  # rows in any order
    before = visits.copy()
    facts = transfusion_facts(visits)
    assert facts["patient_id"].tolist() == ["P1", "P2"]
    assert facts["thal_type"].tolist() == ["NTDT", "TDT"]
    pd.testing.assert_frame_equal(visits, before)


def test_duplicate_visit_is_a_sentence_naming_the_patient() -> None:
    visits = frame(patient("P1", FULL), patient("P1", {6: (99, 1)}))
    with pytest.raises(ValueError, match=r"Patient P1 has 2 rows for month 6"):
        transfusion_facts(visits)


def test_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match="rbc_units"):
        transfusion_facts(frame(patient("P1", FULL)).drop(columns="rbc_units"))


def test_panel_matrices() -> None:
    panel = visit_panel(frame(patient("P1", {0: (80, 0), 6: (100, 2)}), patient("P2", {1: (90, 1)})))
    assert panel.months.tolist() == [0, 1, 6]
    np.testing.assert_array_equal(panel.present, [[True, False, True], [False, True, False]])
    np.testing.assert_array_equal(panel.values["hb_g_l"], [[80, NaN, 100], [NaN, 90, NaN]])


@pytest.mark.parametrize("months", [[0, 6, 1], [24, 3, 70000], [-1, 0, 2]])
def test_panel_months_are_the_sorted_distinct_months(months) -> None:
    # Reference: numpy.unique (sorted distinct months), for study months, a month beyond 2**16 and a negative one.
    visits = frame(patient("P1", {months[0]: (80, 0), months[1]: (100, 2)}), patient("P2", {months[2]: (90, 1)}))
    panel = visit_panel(visits)
    assert panel.months.tolist() == np.unique(months).tolist() and panel.months.dtype == np.int64
    column = {m: panel.column(m) for m in months}
    assert panel.values["hb_g_l"][0, column[months[0]]] == 80 and panel.values["hb_g_l"][1, column[months[2]]] == 90
    assert panel.present.sum() == 3


def test_empty_visits_give_an_empty_frame() -> None:
    empty = frame(patient("P1", FULL)).iloc[:0]
    facts = transfusion_facts(empty)
    assert len(facts) == 0 and "reduction_pct" in facts.columns


# Issue 11: the transfusion-independence rule gets a minimum duration (GradingRules.ti_min_free_visits).
STOPS_AT_18 = {0: (80, 0), 1: (85, 2), 3: (88, 2), 6: (90, 2), 12: (90, 1), 18: (92, 1), 24: (93, 0)}


@pytest.mark.parametrize("needed, ti, status", [
    (1, 18.0, "independent"),  # the paper: one later transfusion-free visit (month 24) is enough
    (2, NaN, "not evaluable: only 1 visit after month 18; the rule needs 2 later transfusion-free visits"),
])
def test_independence_needs_the_minimum_number_of_free_visits(needed: int, ti: float, status: str) -> None:
    row = facts_of(STOPS_AT_18, ti_min_visits=needed)
    assert (math.isnan(row["ti_month"]) and math.isnan(ti)) or row["ti_month"] == ti
    assert row["ti_status"] == status


def test_a_longer_free_run_meets_a_stricter_rule() -> None:
    # Last transfusion at month 12, then months 18 and 24 free: two visits, independent from 12 under ≥ 2.
    row = facts_of({**STOPS_AT_18, 18: (92, 0)}, ti_min_visits=2)
    assert (row["ti_month"], row["ti_status"]) == (12.0, "independent")
    # ≥ 3 asks for a third later visit the patient does not have.
    assert math.isnan(facts_of({**STOPS_AT_18, 18: (92, 0)}, ti_min_visits=3)["ti_month"])


def test_the_minimum_cannot_be_zero() -> None:
    with pytest.raises(ValueError, match="ti_min_visits must be at least 1"):
        facts_of(STOPS_AT_18, ti_min_visits=0)
