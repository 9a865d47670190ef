"""Means over time, data completeness and capped individual lines (``thaldash.analyses.trajectories``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from thaldash.analyses.trajectories import (
    GEOMETRIC_MEAN, MEAN, cap_patients, completeness, individual_lines, trajectory_means,
)

NaN = float("nan")


def _visits(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    """Rows of (patient_id, group, month, value)."""
    frame = pd.DataFrame(rows, columns=["patient_id", "group", "month", "sf_ng_ml"])
    return frame.astype({"patient_id": "str", "group": "str", "month": "int64", "sf_ng_ml": "float64"})


VALUES = {
    ("A", 0): [2400.0, 3100.0, 1800.0, 5000.0],
    ("A", 6): [1500.0, 2600.0, 900.0],
    ("B", 0): [4100.0, 3900.0],
}


def _frame() -> pd.DataFrame:
    rows = []
    for (group, month), values in VALUES.items():
        rows += [(f"{group}{k}", group, month, v) for k, v in enumerate(values)]
    rows.append(("A9", "A", 6, NaN))  # a visit without a value: counted in n_rows, not in n
    return _visits(rows)


def test_arithmetic_means_and_t_intervals_match_scipy() -> None:
    out = trajectory_means(_frame(), measure="sf_ng_ml", by="group").set_index(["group", "month"])
    for key, values in VALUES.items():
        x = np.array(values)
        row = out.loc[key]
        se = x.std(ddof=1) / np.sqrt(len(x))
        # scipy.stats.t.interval(0.95, df=n − 1, loc=mean, scale=se): the two-sided t interval
        low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=se)
        assert row["n"] == len(x)
        assert row["mean"] == pytest.approx(x.mean())
        assert row["sd"] == pytest.approx(x.std(ddof=1))
        assert row["se"] == pytest.approx(se)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
        assert row["estimate"] == MEAN and bool(row["computed"]) and row["reason"] == ""
    assert out.loc[("A", 6), "n_rows"] == 4  # three values and one visit with the value missing


def test_log_scale_gives_geometric_mean_with_back_transformed_interval() -> None:
    out = trajectory_means(_frame(), measure="sf_ng_ml", by="group", log=True).set_index(["group", "month"])
    x = np.array(VALUES[("A", 0)])
    logs = np.log(x)
    # scipy.stats.t.ppf(0.975, n − 1) is the t quantile of a two-sided 95% interval
    half = stats.t.ppf(0.975, len(x) - 1) * logs.std(ddof=1) / np.sqrt(len(x))
    row = out.loc[("A", 0)]
    assert row["mean"] == pytest.approx(stats.gmean(x))  # scipy.stats.gmean
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((np.exp(logs.mean() - half), np.exp(logs.mean() + half)))
    assert row["sd"] == pytest.approx(logs.std(ddof=1))
    assert row["estimate"] == GEOMETRIC_MEAN


def test_values_at_or_below_zero_are_left_out_of_a_log_estimate_and_counted() -> None:
    frame = _visits([("P1", "A", 0, 0.0), ("P2", "A", 0, 100.0), ("P3", "A", 0, 400.0)])
    row = trajectory_means(frame, measure="sf_ng_ml", log=True).iloc[0]
    assert (row["n"], row["n_excluded"]) == (2, 1)
    assert row["mean"] == pytest.approx(200.0)  # √(100 × 400)


@pytest.mark.parametrize("values, reason", [
    ([90.0], "only 1 value"),
    ([90.0, 90.0, 90.0], "all values are equal"),
    ([NaN, NaN], "no values"),
])
def test_undefined_interval_is_not_computed_with_a_reason(values: list[float], reason: str) -> None:
    frame = _visits([(f"P{k}", "A", 3, v) for k, v in enumerate(values)])
    row = trajectory_means(frame, measure="sf_ng_ml").iloc[0]
    assert not row["computed"]
    assert reason in row["reason"] and row["reason"].startswith("not computed: ")
    assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"]) and np.isnan(row["sd"])
    finite = [v for v in values if not np.isnan(v)]
    assert (row["mean"] == pytest.approx(np.mean(finite))) if finite else np.isnan(row["mean"])


def test_without_grouping_there_is_one_row_per_month_and_the_input_is_untouched() -> None:
    frame = _frame()
    before = frame.copy()
    out = trajectory_means(frame, measure="sf_ng_ml")
    assert list(out["month"]) == [0, 6]
    assert list(out["n"]) == [6, 3]
    pd.testing.assert_frame_equal(frame, before)


def test_missing_column_is_a_sentence() -> None:
    with pytest.raises(ValueError, match="hb_g_l"):
        trajectory_means(_frame(), measure="hb_g_l")


def _completeness_frame() -> pd.DataFrame:
    # P1: visits at 0, 1 and 3, Hb missing at month 1. P2: only a baseline visit.
    return pd.DataFrame({
        "patient_id": ["P1", "P1", "P1", "P2"], "thal_type": ["TDT", "TDT", "TDT", "NTDT"],
        "month": [0, 1, 3, 0], "hb_g_l": [80.0, NaN, 95.0, 70.0], "sf_ng_ml": [2000.0, 1900.0, NaN, 3000.0],
    }).astype({"patient_id": "str", "thal_type": "str", "month": "int64"})


def test_completeness_statuses_on_a_hand_made_cohort() -> None:
    result = completeness(_completeness_frame(), expected_months=(0, 1, 3), measures=("hb_g_l", "sf_ng_ml"),
                          by="thal_type")
    detail = result.detail.assign(hb_g_l=lambda d: d["hb_g_l"].astype("str"),
                                  sf_ng_ml=lambda d: d["sf_ng_ml"].astype("str"))
    expected = pd.DataFrame({
        "patient_id": ["P1", "P1", "P1", "P2", "P2", "P2"],
        "thal_type": ["TDT", "TDT", "TDT", "NTDT", "NTDT", "NTDT"],
        "month": [0, 1, 3, 0, 1, 3],
        "hb_g_l": ["value", "missing value", "value", "value", "no visit", "no visit"],
        "sf_ng_ml": ["value", "value", "missing value", "value", "no visit", "no visit"],
    }).astype({"patient_id": "str", "thal_type": "str", "month": "int64", "hb_g_l": "str", "sf_ng_ml": "str"})
    pd.testing.assert_frame_equal(detail, expected)


def test_completeness_summary_counts_per_month() -> None:
    summary = completeness(_completeness_frame(), expected_months=(0, 1, 3), measures=("hb_g_l",)).summary
    assert list(summary["month"]) == [0, 1, 3]
    assert list(summary["n_expected"]) == [2, 2, 2]
    assert list(summary["n_visit"]) == [2, 1, 1]
    assert list(summary["n_value"]) == [2, 0, 1]
    assert list(summary["pct_value"]) == pytest.approx([100.0, 0.0, 50.0])


def test_visits_off_the_expected_schedule_are_left_out_of_the_map() -> None:
    frame = _completeness_frame()
    extra = pd.concat([frame, frame.iloc[[0]].assign(month=2)], ignore_index=True)
    detail = completeness(extra, expected_months=(0, 1, 3), measures=("hb_g_l",)).detail
    assert sorted(detail["month"].unique()) == [0, 1, 3]


@pytest.mark.parametrize("month_type", ["int16", "int8", "int64", "float64"])
def test_completeness_is_the_same_whatever_the_months_integer_type(month_type) -> None:
    # The cohort keeps months as int16 and completeness works on small codes; the reference is the hand-made
    # cohort with int64 months (the test above), and a visit off the schedule (month 2) is still left out.
    frame = _completeness_frame()
    frame = pd.concat([frame, frame.iloc[[0]].assign(month=2)], ignore_index=True)
    reference = completeness(frame, expected_months=(0, 1, 3), measures=("hb_g_l", "sf_ng_ml"), by="thal_type")
    got = completeness(frame.astype({"month": month_type}), expected_months=(0, 1, 3),
                       measures=("hb_g_l", "sf_ng_ml"), by="thal_type")
    pd.testing.assert_frame_equal(got.summary, reference.summary)
    pd.testing.assert_frame_equal(got.detail, reference.detail)
    assert list(got.summary["n_visit"]) == [2, 1, 1, 2, 1, 1]


def test_completeness_with_months_beyond_a_small_integer_type() -> None:
    # Expected months that an int8 month column cannot hold (200) are compared in int64, not wrapped.
    frame = _completeness_frame().astype({"month": "int8"})
    summary = completeness(frame, expected_months=(0, 3, 200), measures=("hb_g_l",), with_detail=False).summary
    assert list(summary["month"]) == [0, 3, 200]
    assert list(summary["n_visit"]) == [2, 1, 0]


def _many(n_patients: int) -> pd.DataFrame:
    ids = [f"S{k:05d}" for k in range(n_patients)]
    return pd.DataFrame({"patient_id": np.repeat(ids, 2), "month": np.tile([0, 6], n_patients),
                         "hb_g_l": np.arange(2 * n_patients, dtype=float)}).astype({"patient_id": "str"})


def test_individual_lines_are_capped_reproducibly() -> None:
    frame = _many(1000)
    first = individual_lines(frame, measure="hb_g_l", max_patients=50)
    again = individual_lines(frame, measure="hb_g_l", max_patients=50)
    assert first.capped and first.n_patients == 1000 and first.n_shown == 50
    assert first.rows["patient_id"].nunique() == 50 and len(first.rows) == 100  # every visit of each
    pd.testing.assert_frame_equal(first.rows, again.rows)
    assert "50 of 1,000" in first.note


def test_individual_lines_below_the_cap_keep_every_patient_and_drop_missing_values() -> None:
    frame = _many(10)
    frame = frame.assign(hb_g_l=frame["hb_g_l"].where(frame.index != 3))
    lines = individual_lines(frame, measure="hb_g_l", max_patients=400)
    assert not lines.capped and lines.n_shown == 10 and len(lines.rows) == 19
    assert lines.note == "all 10 patients"


def test_cap_patients_bounds_rows_when_patients_have_many_visits() -> None:
    # 300 patients seen monthly for 36 months (37 rows each): 400 patients would be 11,100 rows.
    ids = np.char.add("M", np.arange(300).astype(str))
    frame = pd.DataFrame({"patient_id": np.repeat(ids, 37), "month": np.tile(np.arange(37), 300)})
    capped = cap_patients(frame, max_patients=400, max_rows=5_000)
    assert len(capped.rows) <= 5_000 and capped.n_shown == 5_000 // 37 and capped.n_patients == 300
    assert capped.rows["patient_id"].nunique() == capped.n_shown
    assert (capped.rows.groupby("patient_id").size() == 37).all()  # whole patients, never cut lines
    assert capped.capped and f"{5_000 // 37} of 300" in capped.note
    # Without a row budget only the patient count binds, and a budget that fits changes nothing.
    assert not cap_patients(frame, max_patients=400).capped
    pd.testing.assert_frame_equal(cap_patients(frame, max_patients=50, max_rows=50 * 37).rows,
                                  cap_patients(frame, max_patients=50).rows)


def test_cap_patients_needs_patient_ids() -> None:
    with pytest.raises(ValueError, match="patient_id"):
        cap_patients(pd.DataFrame({"x": [1]}))


def test_small_groups_are_flagged_as_on_the_other_pages() -> None:
    # Issue 11: intervals from n < 5 values are flagged (small_n), as comparisons and tier tables do.
    rows = [(f"A{k}", "A", 0, 1000.0 + 10 * k) for k in range(5)] + [(f"B{k}", "B", 0, 900.0 + k) for k in range(4)]
    out = trajectory_means(_visits(rows), measure="sf_ng_ml", by="group").set_index("group")
    assert not out.loc["A", "small_n"] and out.loc["B", "small_n"]
    assert out.loc["B", "computed"]  # flagged, still given


@pytest.mark.parametrize("max_patients", [5, 40, 1_000])
def test_the_completeness_sample_draws_as_capping_the_whole_detail_does(max_patients):
    from tests.cohorts import awkward_cohort
    from thaldash.analyses.trajectories import completeness_sample

    visits = awkward_cohort("off_schedule_months", 200, seed=2)  # visits missing and off the schedule
    months = (0, 1, 3, 6, 12, 18, 24)
    whole = completeness(visits, expected_months=months, measures=("hb_g_l",))
    expected = cap_patients(whole.detail, max_patients=max_patients)  # the draw over the whole detail
    got = completeness_sample(visits, expected_months=months, measures=("hb_g_l",), max_patients=max_patients)
    assert (got.n_patients, got.n_shown) == (expected.n_patients, expected.n_shown)
    pd.testing.assert_frame_equal(got.rows.reset_index(drop=True), expected.rows.reset_index(drop=True))
    counts_only = completeness(visits, expected_months=months, measures=("hb_g_l",), with_detail=False)
    pd.testing.assert_frame_equal(counts_only.summary, whole.summary)
    assert counts_only.detail.empty and list(counts_only.detail.columns) == list(whole.detail.columns)


def test_the_completeness_sample_finds_its_patients_without_a_hash_table_on_the_cohorts_ids():
    """A lookup by text (isin) builds pandas' hash table on the cohort's id categories and keeps it for the cohort's
    life (62 MiB at a million patients); the sample finds its patients' visits by their codes."""
    from thaldash.analyses.trajectories import completeness_sample
    from thaldash.data.loading import load_cohort
    from tools.synthetic import synthetic_cohort

    cohort = load_cohort(synthetic_cohort(12_000, seed=1).to_parquet(index=False), name="ids.parquet").cohort
    categories = cohort.visits["patient_id"].cat.categories
    assert "_engine" not in categories._cache  # let go of once the file was checked
    got = completeness_sample(cohort.analysed, max_patients=100)
    assert got.n_shown == 100 and got.rows["patient_id"].nunique() == 100
    assert "_engine" not in categories._cache
