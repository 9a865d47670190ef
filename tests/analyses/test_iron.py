"""Transfusions before and on treatment, the transfusion grid, ferritin and chelation stops.

Expected values are worked out by hand in the comments, from the definitions in
``thaldash.analyses.iron`` (units per month = units ÷ months; pre-enrolment = pre_rbc_units_24m ÷ 24).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thaldash.analyses.chelation import chelation_stops, stop_months
from thaldash.analyses.iron import (
    ferritin_course, reduction_bins, transfusion_timeline, transfusion_timeline_sample, units_before_after,
)
from thaldash.analyses.trajectories import trajectory_means

NaN = float("nan")
MONTHS = (0, 1, 3, 6, 12, 18, 24)


def _patient(pid: str, units: dict[int, float], *, pre: float = 48.0, thal: str = "TDT",
             sf: dict[int, float] | None = None, stop: float = NaN) -> list[dict[str, object]]:
    return [{"patient_id": pid, "thal_type": thal, "genotype": "CD41-42/CD17", "pre_rbc_units_24m": pre,
             "month": m, "rbc_units": u, "sf_ng_ml": (sf or {}).get(m, 1000.0), "chelation_stop_month": stop,
             "sex": "M", "age_years": 15.0}
            for m, u in units.items()]


def _frame(*patients: list[dict[str, object]]) -> pd.DataFrame:
    rows = [r for p in patients for r in p]
    return pd.DataFrame(rows).astype({"patient_id": "str", "thal_type": "str", "genotype": "str", "month": "int64",
                                      "sex": "str"})


FULL = {0: 0.0, 1: 2.0, 3: 3.0, 6: 1.0, 12: 0.0, 18: 2.0, 24: 4.0}


def test_units_before_after_on_a_hand_made_patient() -> None:
    row = units_before_after(_frame(_patient("P1", FULL))).iloc[0]
    assert row["pre_units_per_month"] == 2.0          # 48 / 24
    assert row["units_window"] == 6.0                 # 2 + 3 + 1 at months 1, 3, 6
    assert row["units_per_month_window"] == 1.0       # 6 / 6
    assert row["reduction_pct_window"] == pytest.approx(50.0)  # 100 × (1 − 6 / 12)
    assert row["units_24m"] == 12.0                   # 6 + 0 + 2 + 4
    assert row["units_per_month_24m"] == 0.5          # 12 / 24
    assert row["reduction_pct_24m"] == pytest.approx(75.0)     # 100 × (1 − 12 / 48)
    assert row["change_per_month_window"] == -1.0     # 1 − 2
    assert row["change_per_month_24m"] == -1.5        # 0.5 − 2
    assert row["problem_window"] == "" and row["problem_24m"] == ""


def test_a_missing_visit_leaves_the_total_unknown_with_the_reason() -> None:
    gap = {m: u for m, u in FULL.items() if m != 18}
    row = units_before_after(_frame(_patient("P1", gap))).iloc[0]
    assert row["units_window"] == 6.0  # months 1–6 are complete
    assert np.isnan(row["units_24m"]) and np.isnan(row["units_per_month_24m"]) and np.isnan(row["reduction_pct_24m"])
    assert "no visit at month 18" in row["problem_24m"]


def test_a_missing_value_leaves_the_window_total_unknown() -> None:
    row = units_before_after(_frame(_patient("P1", FULL | {3: NaN}))).iloc[0]
    assert np.isnan(row["units_window"])
    assert "rbc_units missing at month 3" in row["problem_window"]


def test_only_tdt_patients_are_listed_and_tiers_are_attached() -> None:
    frame = _frame(_patient("P1", FULL), _patient("N1", dict.fromkeys(MONTHS, 0.0), pre=0.0, thal="NTDT"))
    graded = pd.DataFrame({"patient_id": ["N1", "P1"], "tier": ["MaR", "MiR"]})
    out = units_before_after(frame, graded=graded)
    assert list(out["patient_id"]) == ["P1"]
    assert list(out["tier"]) == ["MiR"]


def test_no_tdt_patient_gives_an_empty_frame_with_the_columns() -> None:
    frame = _frame(_patient("N1", dict.fromkeys(MONTHS, 0.0), pre=0.0, thal="NTDT"))
    out = units_before_after(frame)
    assert out.empty and "units_per_month_24m" in out.columns


def test_transfusion_timeline_rates_use_the_interval_since_the_previous_visit() -> None:
    gap = {m: u for m, u in FULL.items() if m != 6}  # month 12 then covers months 3–12
    out = transfusion_timeline(_frame(_patient("P1", gap))).set_index("month")
    assert list(out.index) == list(MONTHS)
    assert out.loc[6, "status"] == "no visit" and np.isnan(out.loc[6, "rbc_units"])
    assert out.loc[3, "interval_months"] == 2 and out.loc[3, "units_per_month"] == 1.5   # 3 units / 2 months
    assert out.loc[12, "interval_months"] == 9                                           # 12 − 3
    assert out.loc[24, "units_per_month"] == pytest.approx(4 / 6)
    assert np.isnan(out.loc[0, "interval_months"]) and np.isnan(out.loc[0, "units_per_month"])


def test_transfusion_timeline_marks_a_missing_value() -> None:
    out = transfusion_timeline(_frame(_patient("P1", FULL | {1: NaN}))).set_index("month")
    assert out.loc[1, "status"] == "missing value" and np.isnan(out.loc[1, "units_per_month"])


@pytest.mark.parametrize("max_patients", [2, 10])
def test_the_timeline_sample_is_the_timeline_of_the_drawn_patients(max_patients) -> None:
    visits = _frame(*(_patient(f"P{i}", FULL) for i in range(5)), _patient("N1", {0: 0.0, 1: 0.0}, thal="NTDT"))
    sample = transfusion_timeline_sample(visits, max_patients=max_patients)
    whole = transfusion_timeline(visits)
    drawn = sorted(set(sample.rows["patient_id"].astype("str")))
    assert sample.n_patients == 5 and sample.n_shown == len(drawn) == min(max_patients, 5)  # TDT only
    expected = whole[whole["patient_id"].astype("str").isin(drawn)].reset_index(drop=True)
    pd.testing.assert_frame_equal(sample.rows.reset_index(drop=True).astype({"patient_id": "str"}),
                                  expected.astype({"patient_id": "str"}))


def test_ferritin_course_is_trajectory_means_on_ferritin() -> None:
    frame = _frame(_patient("P1", FULL, sf={0: 3000, 6: 2000}), _patient("P2", FULL, sf={0: 5000, 6: 1000}))
    pd.testing.assert_frame_equal(ferritin_course(frame, log=True),
                                  trajectory_means(frame, measure="sf_ng_ml", log=True))


def test_chelation_stops_in_the_layout_of_table_8() -> None:
    frame = _frame(
        _patient("T1", FULL, sf={6: 345.0, 24: 345.0}, stop=6.0),
        _patient("T2", FULL, sf={6: 900.0, 12: 404.0, 24: 346.0}, stop=12.0),
        # Stopped at month 9, between visits: the ferritin before the stop is the month-6 value.
        _patient("T3", FULL, sf={6: 583.0, 12: 500.0, 24: NaN}, stop=9.0),
        _patient("P9", FULL),  # never stopped
    )
    out = chelation_stops(frame)
    assert list(out["patient_id"]) == ["T1", "T3", "T2"]  # by stop month
    t3 = out.set_index("patient_id").loc["T3"]
    assert (t3["sf_month_at_stop"], t3["sf_at_stop"]) == (6.0, 583.0)
    assert np.isnan(t3["sf_24m"]) and t3["problem"] == "no ferritin at month 24"
    t2 = out.set_index("patient_id").loc["T2"]
    assert (t2["sf_at_stop"], t2["sf_24m"], t2["sf_change"]) == (404.0, 346.0, -58.0)
    assert t2["problem"] == "" and t2["sex"] == "M" and t2["age_years"] == 15.0


def test_stop_months_count_every_stop_and_name_the_first_few() -> None:
    stops = pd.DataFrame({"patient_id": [f"P{i:02d}" for i in range(10)],
                          "chelation_stop_month": [6.0] * 8 + [12.0, 7.5]})
    out = stop_months(stops)
    assert out["chelation_stop_month"].tolist() == [6.0, 7.5, 12.0]
    assert out["n"].tolist() == [8, 1, 1]  # counted by hand from the rows above
    assert out["who"].tolist() == ["P00, P01, P02, P03, P04, P05 … and 2 more", "P09", "P08"]


def test_no_stops_give_no_stop_months() -> None:
    out = stop_months(chelation_stops(_frame(_patient("P1", FULL))))
    assert out.empty and list(out.columns) == ["chelation_stop_month", "n", "who"]


def test_no_chelation_column_gives_an_empty_table() -> None:
    frame = _frame(_patient("P1", FULL)).drop(columns="chelation_stop_month")
    out = chelation_stops(frame)
    assert out.empty and list(out.columns)[:2] == ["patient_id", "sex"]


def test_reduction_bins_put_thresholds_on_edges_and_extremes_in_their_bins() -> None:
    values = [10.0, 24.9, 25.0, 49.0, 50.0, 100.0, -150.0, NaN]
    bins = reduction_bins(pd.DataFrame({"reduction_pct": values}), width=5.0)
    count = bins.set_index("bin_start")["n"]
    assert count[20.0] == 1 and count[25.0] == 1 and count[45.0] == 1 and count[50.0] == 1
    assert count[95.0] == 1                     # 100 % sits in the last, closed bin
    low = bins[bins["open_low"]]
    assert list(low["n"]) == [1] and list(low["bin_end"]) == [-100.0]  # −150 % goes to "< −100 %"
    assert int(bins["n"].sum()) == 7            # the NaN is not counted
    assert count[-100.0] == 0


def test_reduction_bins_of_nothing_is_empty() -> None:
    assert reduction_bins(pd.DataFrame({"reduction_pct": [NaN]})).empty


@pytest.mark.parametrize("max_patients", [3, 25, 10_000])
def test_the_timeline_sample_of_a_cohort_draws_the_patients_cap_patients_draws(max_patients) -> None:
    """From a Cohort the draw is made on the patient table; it must be the draw ``cap_patients`` makes on
    the TDT visits (the general path, kept for long frames), withdrawn and NTDT patients left out."""
    from thaldash.data.loading import load_cohort
    from tools.synthetic import synthetic_cohort

    frame = synthetic_cohort(300, seed=5)
    cohort = load_cohort(frame.to_parquet(index=False), name="timeline.parquet").cohort
    got = transfusion_timeline_sample(cohort, max_patients=max_patients, seed=3)
    tdt = cohort.visits_with(["thal_type", "pre_rbc_units_24m", "genotype"], analysed=True)
    tdt = tdt[(tdt["thal_type"] == "TDT").to_numpy(dtype=bool, na_value=False)]
    want = transfusion_timeline_sample(tdt, max_patients=max_patients, seed=3)
    assert (got.n_patients, got.n_shown) == (want.n_patients, want.n_shown)
    assert 0 < got.n_shown <= max_patients and got.n_shown <= got.n_patients < cohort.n_analysed
    pd.testing.assert_frame_equal(got.rows.reset_index(drop=True).astype({"patient_id": "str"}),
                                  want.rows.reset_index(drop=True).astype({"patient_id": "str"}))
