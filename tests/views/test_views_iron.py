"""The Transfusion and iron page's view (``thaldash.views.iron``): its blocks are the analyses' outputs.

Reference values are the paper's (Table 3 patient ①'s 31.0 % reduction; Table 8) or are worked out
here from the cohort's rows (units per month = units ÷ months).
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from tests.cohorts import awkward_cohort
from tests.views.checks import assert_page_is_complete, context
from thaldash.analyses.chelation import chelation_stops
from thaldash.analyses.iron import ferritin_course, units_before_after
from thaldash.analyses.patient_published import published_table_8
from thaldash.data.cohort import Cohort
from thaldash.data.cohort_build import build_cohort
from thaldash.data.filters import CohortFilter
from thaldash.data.validation import validate
from thaldash.grading.grade import grade
from thaldash.grading.scenarios import SCENARIOS
from thaldash.views.blocks import Stat
from thaldash.views.iron import NOTE_LINES, NO_STOPS, NO_TDT, STOP_PATIENTS, iron_view


def test_units_are_the_analysis_and_table_3s_reduction(bundled):
    view = iron_view(context(bundled))
    expected = units_before_after(bundled, window=6, graded=grade(bundled))
    pd.testing.assert_frame_equal(view.units.frame, expected)
    row = view.units.frame.set_index("patient_id").loc["T3-01"]
    visits = bundled.visits_with(["pre_rbc_units_24m"])
    mine = visits[visits["patient_id"] == "T3-01"]
    assert row["pre_units_per_month"] == pytest.approx(mine["pre_rbc_units_24m"].iloc[0] / 24)
    assert row["units_per_month_window"] == pytest.approx(mine.loc[mine["month"].between(1, 6), "rbc_units"].sum() / 6)
    assert round(row["reduction_pct_window"], 1) == 31.0  # Table 3, patient ①
    assert len(view.units.frame) == 34  # Results: 34 TDT patients analysed
    assert view.units.caption.startswith("34 analysed TDT patients")


@pytest.mark.parametrize("period, shown", [("window", "units_per_month_window"), ("24m", "units_per_month_24m")])
def test_the_period_chooses_the_columns_shown(bundled, period, shown):
    view = iron_view(context(bundled), period=period)
    assert shown in view.units.columns and view.slope.key == f"units_{period}"
    hidden = "units_per_month_24m" if period == "window" else "units_per_month_window"
    assert hidden not in view.units.columns and hidden in view.units.frame  # kept for the CSV


def test_the_histogram_names_the_gradings_thresholds(bundled):
    strict = SCENARIOS["Strict clinical"]
    view = iron_view(context(bundled, rules=strict, scenario="Strict clinical"))
    assert (f"MiR ≥ {strict.mir_reduction_pct:g} %, SLR ≥ {strict.slr_reduction_pct:g} %"
            in view.histogram.caption)
    reductions = view.units.frame["reduction_pct_window"].dropna()
    assert view.histogram.notes.startswith(f"{len(reductions)} of 34 TDT patients with a reduction")


def test_table_8_computed_and_as_published(bundled):
    view = iron_view(context(bundled))
    pd.testing.assert_frame_equal(view.stops.frame, chelation_stops(bundled))
    pd.testing.assert_frame_equal(view.table_8.frame, published_table_8())
    # Table 8: stop month, SF before discontinuation, SF at 24 M
    paper = {"T8-1": (6, 345, 345), "T8-2": (12, 404, 346), "T8-3": (18, 583, 336), "T8-4": (12, 550, 459)}
    computed = view.stops.frame.set_index("patient_id")
    for pid, values in paper.items():
        assert tuple(computed.loc[pid, ["chelation_stop_month", "sf_at_stop", "sf_24m"]]) == values
    assert "T8-3: chelation stopped at month 18; SF 583 ng/mL before, 336 ng/mL at 24 M" in view.stops.notes


def test_the_published_table_8_is_only_beside_the_papers_unfiltered_cohort(bundled):
    assert iron_view(context(bundled, CohortFilter(genotypes=("CD41-42/CD17",)))).table_8 is None
    assert iron_view(context(bundled, bundled=False)).table_8 is None


def test_ferritin_means_or_the_stopped_patients(bundled):
    means = iron_view(context(bundled), log=True)
    assert means.ferritin.key == "ferritin_mean" and "geometric mean" in means.ferritin.caption
    expected = ferritin_course(bundled.analysed, log=True)
    assert means.ferritin.notes.startswith(f"All: month 0: geometric mean {expected['mean'].iloc[0]:.1f}")
    stops = iron_view(context(bundled), ferritin="stops")
    assert stops.ferritin.key == "ferritin_stops" and stops.ferritin.notes == stops.stops.notes


def test_without_tdt_patients_the_view_says_so(bundled):
    view = iron_view(context(bundled, CohortFilter(thal_types=("NTDT",))))
    assert isinstance(view.slope, Stat) and view.slope.reason == NO_TDT
    assert view.units is None and view.histogram is None and view.timeline is None
    assert_page_is_complete(view)


def test_a_cohort_without_chelation_stops_says_so(tiny):
    view = iron_view(context(tiny, bundled=False))
    assert view.stops is None and NO_STOPS in view.ferritin.caption


@pytest.mark.parametrize("settings", [{}, {"period": "24m"}, {"ferritin": "stops", "log": True}])
def test_every_block_is_on_the_page(bundled, settings):
    page = assert_page_is_complete(iron_view(context(bundled), **settings))
    assert len(page.items()) == 7


@pytest.mark.parametrize("settings", [{"period": "12m"}, {"ferritin": "median"}])
def test_unknown_settings_are_refused(bundled, settings):
    with pytest.raises(ValueError, match="is not one of"):
        iron_view(context(bundled), **settings)


@pytest.fixture(scope="module")
def many_stops() -> Cohort:
    """1,000 patients, 60 % of them with chelation stopped: more than the ferritin chart draws lines for."""
    result = validate(awkward_cohort("many_chelation_stops", 1_000))
    assert result.ok, result.problems
    digest = hashlib.sha256(result.frame.to_csv(index=False).encode()).hexdigest()
    return build_cohort(result.frame, "many stops", digest)


def test_many_stopped_patients_are_sampled_for_lines_and_all_listed(many_stops):
    view = iron_view(context(many_stops, bundled=False), ferritin="stops")
    stopped = many_stops.analysed_patients["chelation_stop_month"].notna()
    assert stopped.sum() > STOP_PATIENTS
    assert (f"Showing a random {STOP_PATIENTS} of {stopped.sum():,} analysed patients whose chelation was stopped"
            in view.ferritin.caption)
    assert len(view.stops.frame) == stopped.sum()  # the table lists every one
    assert view.stops.notes.endswith(f"… and {stopped.sum() - NOTE_LINES:,} more patients (all in the table)")
    lines = [d for d in view.ferritin.chart.to_dict()["datasets"].values() if d and "sf_ng_ml" in d[0]]
    assert len({row["patient_id"] for data in lines for row in data}) == STOP_PATIENTS


def test_with_means_the_stops_are_counted_per_month(many_stops):
    view = iron_view(context(many_stops, bundled=False))
    stopped = many_stops.analysed_patients["chelation_stop_month"].dropna()
    marks = [d for d in view.ferritin.chart.to_dict()["datasets"].values() if d and "who" in d[0]]
    assert len(marks) == 1
    counted = {row["chelation_stop_month"]: row["n"] for row in marks[0]}
    assert counted == stopped.value_counts().to_dict()  # pandas' own count of the file's stop months
