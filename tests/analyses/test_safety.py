"""Safety (``thaldash.analyses.safety``): the paper's adverse events and a cohort's own, with exact intervals.

Reference counts: Yang et al. 2024, Results, text lines 336–346 (n of the 52 enrolled); reference
intervals: ``scipy.stats.binomtest(k, n).proportion_ci(method="exact")`` (Clopper–Pearson), called here.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from thaldash.analyses.safety import (cohort_safety, event_counts, paper_safety, paper_total, rash_readings,
                                      safety_table, withdrawals)


def exact(k: int, n: int) -> tuple[float, float]:
    ci = stats.binomtest(k, n).proportion_ci(method="exact")
    return 100 * ci.low, 100 * ci.high


def test_paper_counts_with_exact_intervals():
    table = paper_safety().set_index("event")
    # Results: oedema 9, rash 4, joint 4, skin rash 4, drowsiness 3, constipation 2 of 52 enrolled.
    expected = {"eyelid/facial oedema": 9, "rash": 4, "joint swelling or pain": 4, "skin rash": 4,
                "drowsiness": 3, "constipation": 2}
    assert paper_total() == 52
    for event, k in expected.items():
        row = table.loc[event]
        assert (row["n"], row["total"], row["status"]) == (k, 52, "reported")
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(exact(k, 52))
    assert table.loc["rash", "n_withdrawn"] == 2  # "2 cases discontinued the drug due to severe rashes"
    assert table.loc["eyelid/facial oedema", "source"].startswith("General conditions")


@pytest.mark.parametrize("event", ["thrombosis", "peripheral neuropathy"])
def test_not_reported_is_not_zero(event):
    row = paper_safety().set_index("event").loc[event]
    assert row["status"] == "not reported" and math.isnan(row["n"]) and math.isnan(row["pct"])
    assert row["reason"].startswith("not computed: the paper does not report it")


def test_rash_either_list_is_a_range():
    readings = rash_readings(paper_safety()).set_index("reading")
    assert readings["n"].tolist() == [4, 8]  # C9: the same 4 patients, or 4 + 4
    assert (readings["ci_low"].iloc[1], readings["ci_high"].iloc[1]) == pytest.approx(exact(8, 52))


def events_table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["patient_id", "event", "grade", "led_to_withdrawal"]).astype(
        {"grade": "Int64"})


def test_a_patient_counts_once_per_event():
    counts = event_counts(events_table([("A", "rash", 1, False), ("A", "rash", 3, True), ("B", "rash", None, False),
                                        ("B", "constipation", 1, False)])).set_index("event")
    assert counts.loc["rash", ["n", "n_events", "n_withdrawn", "n_grade_3_plus"]].tolist() == [2, 3, 1, 1]
    assert counts.loc["constipation", "n"] == 1


def test_a_cohort_table_lists_absent_events_as_none_recorded(tiny):
    events = events_table([("T-NR", "thrombosis", 4, False)])
    table = cohort_safety(tiny.patients, events).set_index("event")
    n = len(tiny.patients)
    assert table.loc["thrombosis", ["status", "n", "total"]].tolist() == ["recorded", 1, n]
    assert (table.loc["thrombosis", "ci_low"], table.loc["thrombosis", "ci_high"]) == pytest.approx(exact(1, n))
    none = table.loc["peripheral neuropathy"]
    assert (none["status"], none["n"], none["pct"]) == ("none recorded", 0, 0.0)
    assert (none["ci_low"], none["ci_high"]) == pytest.approx(exact(0, n))


def test_without_a_table_nothing_is_counted(tiny):
    table = cohort_safety(tiny.patients, None)
    assert (table["status"] == "not recorded").all() and table["n"].isna().all()
    assert table["reason"].str.contains("no adverse-event table").all()


def test_events_of_patients_outside_the_view_are_left_out(tiny):
    events = events_table([("T-NR", "rash", 1, False), ("N-1", "rash", 1, False)])
    one = tiny.patients[tiny.patients["patient_id"] == "T-NR"]
    table = cohort_safety(one, events).set_index("event")
    assert table.loc["rash", ["n", "total"]].tolist() == [1, 1]
    assert table.loc["rash", "reason"].startswith("not computed: only 1 patient")  # n = 1: no interval


def test_no_patients_gives_no_percentages():
    table = safety_table(event_counts(events_table([])), 0, source="x")
    assert table["pct"].isna().all() and (table["reason"] == "not computed: no patients").all()


def test_withdrawals_of_the_bundled_cohort(bundled):
    table = withdrawals(bundled.patients).set_index("reason_withdrawn")
    # Results, text lines 335–340: two severe rashes within two months, a menstrual disorder after five,
    # one transplant; of the 52 enrolled.
    assert table["n"].to_dict() == {"severe rash": 2, "haematopoietic stem cell transplantation": 1,
                                    "menstrual disorder": 1}
    assert table.loc["severe rash", "month_max"] <= 2 and table.loc["menstrual disorder", "month_min"] == 5
    assert (table.loc["severe rash", "ci_low"], table.loc["severe rash", "ci_high"]) == pytest.approx(exact(2, 52))


def test_no_withdrawals_gives_no_rows(tiny):
    analysed = tiny.patients[~tiny.patients["withdrawn"]]
    assert withdrawals(analysed).empty
