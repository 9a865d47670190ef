"""The paper's analyses on a small hand-written cohort, checked against scipy called here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.cohorts import tiny_frame
from thaldash.analyses.patients import baseline_hbf_vs_rise, compare_measure, group_column, paired_ferritin, patient_table
from thaldash.stats import PAIRED_T, PEARSON, STUDENT_T, WELCH_T


def _values(month: int, column: str, ids: list[str]) -> np.ndarray:
    frame = tiny_frame()
    rows = frame[(frame["month"] == month) & frame["patient_id"].isin(ids)]
    return rows.set_index("patient_id").loc[ids, column].to_numpy(dtype=float)


TDT = ["T-MAR1", "T-MAR3", "T-SLR", "T-NR"]  # T-GAP has no 6-month visit
NTDT = ["N-1", "N-2"]


@pytest.mark.parametrize("test, equal_var", [(STUDENT_T, True), (WELCH_T, False)])
def test_compare_tdt_vs_ntdt_hb_at_6_months(tiny, test, equal_var):
    result = compare_measure(tiny, patient_table(tiny), measure="hb_g_l", grouping="thal_type", months=(6,))
    row = result[result["test"] == test].iloc[0]
    reference = stats.ttest_ind(_values(6, "hb_g_l", TDT), _values(6, "hb_g_l", NTDT), equal_var=equal_var)  # scipy
    assert (row["n_a"], row["n_b"]) == (4, 2)
    assert row["p"] == pytest.approx(reference.pvalue)


def test_withdrawn_patients_are_not_analysed(tiny):
    table = patient_table(tiny)
    assert "W-1" not in set(table["patient_id"])


def test_patient_without_the_deciding_visit_is_not_evaluable(tiny):
    table = patient_table(tiny).set_index("patient_id")
    assert table.at["T-GAP", "tier"] == "not evaluable"
    assert not table.at["T-GAP", "evaluable"]


def test_genotype_group_follows_every_patient_with_the_genotype(tiny):
    # CD17/-28: T-SLR is SLR, so the genotype is in the SLR/NR group and so is N-2, though N-2 is MaR.
    table = patient_table(tiny).set_index("patient_id")
    assert table.at["N-2", "tier"] == "MaR"
    assert table.at["N-2", "genotype_group"] == "SLR/NR"
    assert table.at["N-1", "genotype_group"] == "MaR"


def test_subset_keeps_groups_decided_on_everyone(tiny):
    result = compare_measure(tiny, patient_table(tiny), measure="hb_g_l", subset="NTDT", months=(0,))
    row = result[result["test"] == STUDENT_T].iloc[0]
    assert (row["n_a"], row["n_b"]) == (1, 1)  # N-2 stays SLR/NR, N-1 MaR
    assert not row["computed"] and "n = 1" in row["reason"]


def test_per_patient_measure_compared_once(tiny):
    result = compare_measure(tiny, patient_table(tiny), measure="hb_rise", grouping="thal_type")
    row = result[result["test"] == STUDENT_T].iloc[0]
    rise = lambda ids: _values(6, "hb_g_l", ids) - _values(0, "hb_g_l", ids)
    reference = stats.ttest_ind(rise(TDT), rise(NTDT), equal_var=True)  # scipy.stats.ttest_ind
    assert np.isnan(row["month"])
    assert row["p"] == pytest.approx(reference.pvalue)


def test_genotype_sets_must_not_overlap(tiny):
    table = patient_table(tiny)
    with pytest.raises(ValueError, match="both sets"):
        group_column(table, "genotype_sets", (["CD17/CD17"], ["CD17/CD17", "-28/-28"]))


def test_genotype_sets_label_patients(tiny):
    table = patient_table(tiny)
    labels = group_column(table, "genotype_sets", (["CD41-42/CD17"], ["-28/-28"]))
    assert sorted(labels.dropna()) == ["set A", "set B"]


def test_paired_change_against_scipy_and_counts_dropped(tiny):
    result = paired_ferritin(tiny, patient_table(tiny), pairs=[(0, 6)])
    row = result[result["test"] == PAIRED_T].iloc[0]
    ids = TDT + NTDT
    before, after = _values(0, "sf_ng_ml", ids), _values(6, "sf_ng_ml", ids)
    reference = stats.ttest_rel(before, after)  # scipy.stats.ttest_rel
    assert row["n"] == 6 and row["n_dropped"] == 1  # T-GAP has no 6-month visit
    assert row["diff"] == pytest.approx(np.mean(before - after))
    assert row["p"] == pytest.approx(reference.pvalue)


def test_fig3_correlation_against_scipy(tiny):
    points, result = baseline_hbf_vs_rise(patient_table(tiny))
    evaluable = points.dropna(subset=["hbf_baseline", "hb_rise"])
    reference = stats.pearsonr(evaluable["hbf_baseline"], evaluable["hb_rise"])  # scipy.stats.pearsonr
    row = result[result["method"] == PEARSON].iloc[0]
    assert row["n"] == len(evaluable) and row["r"] == pytest.approx(reference.statistic)


def test_single_patient_change_is_not_computed(tiny):
    # One patient gives n = 1: the paired t must say "not computed" and why, never print a number.
    result = paired_ferritin(tiny, patient_table(tiny), pairs=[(0, 12)], patient_ids=["N-1"])
    row = result[result["test"] == PAIRED_T].iloc[0]
    assert not row["computed"] and np.isnan(row["p"]) and row["reason"].startswith("not computed")


def test_a_patient_table_from_a_held_grading_equals_one_that_grades(bundled):
    from thaldash.grading.grade import grade
    from thaldash.grading.scenarios import SCENARIOS

    rules = SCENARIOS["Strict clinical"]
    held = grade(bundled, rules)
    table = patient_table(bundled, rules, graded=held)
    pd.testing.assert_frame_equal(table, patient_table(bundled, rules))  # the table that grades for itself
    assert np.shares_memory(table["hb_rise"].to_numpy(), held["hb_rise"].to_numpy()), "shares the held grading"
