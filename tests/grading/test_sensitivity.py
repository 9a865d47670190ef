"""The sensitivity sweep grades every grid point exactly as grade() does."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules
from thaldash.grading.sensitivity import default_values, sensitivity_grid


def _counts(cohort, rules):
    graded = grade(cohort, rules)
    evaluable = graded[graded["evaluable"]]
    return (len(evaluable), int(evaluable["tier"].isin(["MaR", "MiR", "SLR"]).sum()),
            int((evaluable["tier"] == "MaR").sum()))


@pytest.mark.parametrize("x, xs, y, ys, base", [
    ("slr_reduction_pct", [10, 25, 30.8, 40], "mir_reduction_pct", [40, 50, 60], GradingRules()),
    ("mar_hb_rise_g_l", [0, 10, 20, 30], "window_months", [3, 6, 12], GradingRules(hb_criterion="everyone")),
    ("mir_hb_rise_g_l", [0, 5, 10], "transfusion_free_months", [1, 3, 6], GradingRules(hb_criterion="untransfused")),
])
def test_each_point_equals_grade(bundled, x, xs, y, ys, base):
    grid = sensitivity_grid(bundled, base, x=x, x_values=xs, y=y, y_values=ys)
    assert len(grid) == len(xs) * len(ys)
    for row in grid.itertuples(index=False):
        try:
            rules = dataclasses.replace(base, **{x: row.x, y: row.y})
        except ValueError:
            assert not row.valid and row.reason
            continue
        n, orr, mar = _counts(bundled, rules)
        assert (row.n_graded, row.orr_n, row.mar_n) == (n, orr, mar), (row.x, row.y)
        assert row.orr_pct == pytest.approx(100 * orr / n)


def test_paper_point_is_on_the_grid(bundled):
    grid = sensitivity_grid(bundled, GradingRules(), x="slr_reduction_pct", x_values=[25],
                            y="mir_reduction_pct", y_values=[50])
    # Results: ORR 44/48 = 91.7%, MaR 35/48 = 72.9%.
    assert (grid.at[0, "orr_n"], grid.at[0, "mar_n"], grid.at[0, "n_graded"]) == (44, 35, 48)


def test_invalid_combinations_are_marked_not_computed(bundled):
    grid = sensitivity_grid(bundled, GradingRules(), x="slr_reduction_pct", x_values=[60],
                            y="mir_reduction_pct", y_values=[50])
    assert not grid.at[0, "valid"] and "slr" in grid.at[0, "reason"].lower() and np.isnan(grid.at[0, "orr_pct"])


def test_not_evaluable_patients_are_counted_apart(tiny):
    grid = sensitivity_grid(tiny, GradingRules(), x="slr_reduction_pct", x_values=[25],
                            y="mir_reduction_pct", y_values=[50])
    assert grid.at[0, "n_not_evaluable"] == 1  # T-GAP: no 6-month visit


@pytest.mark.parametrize("field", ["mir_reduction_pct", "mar_hb_rise_g_l", "window_months"])
def test_default_values_are_allowed(field):
    for value in default_values(field):
        dataclasses.replace(GradingRules(), **{field: value})  # raises if not allowed


def test_same_rule_twice_is_refused(bundled):
    with pytest.raises(ValueError, match="two different"):
        sensitivity_grid(bundled, GradingRules(), x="mir_reduction_pct", x_values=[50], y="mir_reduction_pct",
                         y_values=[50])


def test_a_rise_from_no_transfusion_is_nr_on_the_grid_too(bundled):
    # Issue 11, point 1: P01 (NTDT, never transfused before) given 2 units at months 3 and 6 is NR in
    # grade(); the sweep must count it the same way (before, both left it out of the denominator).
    visits = bundled.visits
    months = visits["month"].to_numpy()
    p01 = (visits["patient_id"] == "P01").to_numpy()
    edited = dataclasses.replace(bundled, sha256="edited", visits=visits.assign(
        rbc_units=visits["rbc_units"].mask(p01 & ((months == 3) | (months == 6)), 2.0)))
    grid = sensitivity_grid(edited, GradingRules(), x="slr_reduction_pct", x_values=[25],
                            y="mir_reduction_pct", y_values=[50])
    assert (grid.at[0, "orr_n"], grid.at[0, "n_graded"]) == _counts(edited, GradingRules())[1::-1] == (43, 48)
