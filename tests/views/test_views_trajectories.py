"""The Trajectories page's view (``thaldash.views.trajectories``): its blocks are the analyses' outputs.

Reference means are computed here with pandas and ``scipy.stats.t.interval``, or are the paper's
Table 2 (the data of Fig. 2).
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from tests.views.checks import assert_page_is_complete, context
from thaldash.analyses.trajectories import completeness, trajectory_means
from thaldash.data.filters import CohortFilter
from thaldash.data.schema import OTHER_GROUP
from thaldash.grading.grade import grade
from thaldash.grading.summary import genotype_groups
from thaldash.views.blocks import Stat
from thaldash.views.trajectories import FIG_2, NO_VISITS, trajectories_view, trajectory_visits


def test_means_by_tier_are_the_analysis_and_match_scipy(bundled):
    ctx = context(bundled)
    view = trajectories_view(ctx)
    expected = trajectory_means(trajectory_visits(ctx), measure="hb_g_l", by="tier")
    pd.testing.assert_frame_equal(view.means.frame[expected.columns], expected)  # plus flag and Basis columns
    tiers = grade(bundled).set_index("patient_id")["tier"]
    visits = bundled.analysed.assign(tier=lambda v: v["patient_id"].astype(str).map(tiers))
    shown = view.means.frame.set_index(["tier", "month"])
    for (tier, month), values in visits.groupby(["tier", "month"])["hb_g_l"]:
        low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
        assert shown.loc[(tier, month), ["n", "mean", "ci_low", "ci_high"]].tolist() == \
            pytest.approx([len(values), values.mean(), low, high])


def test_fig_2_settings_give_table_2_over_months_0_to_6(bundled):
    view = trajectories_view(context(bundled), **FIG_2)
    means = view.means.frame.set_index(["genotype", "month"])["mean"]
    # Table 2 (Hb, g/L, MaR group by genotype at 0/1/3/6 M)
    for genotype, published in {"-28/-28": (84.67, 95.67, 113.33, 120.33),
                                "CD17/-29": (90.75, 101.75, 117.00, 124.25)}.items():
        assert [round(means[(genotype, m)], 2) for m in (0, 1, 3, 6)] == list(published)
    assert view.means.frame["month"].max() == 6
    assert view.chart.title == "Hb (g/L) over months 0–6 by genotype"
    assert view.chart.chart.to_dict()["title"]["text"] == "Hb over months 0–6 by genotype"


def test_individual_lines_list_every_patient_drawn(bundled):
    view = trajectories_view(context(bundled), lines=True)
    assert len(view.lines.frame) == 48 and view.lines.frame["patient_id"].is_unique
    assert view.lines.caption == "Thin lines: all 48 patients."
    assert view.lines.patient_column == "patient_id"
    assert trajectories_view(context(bundled)).lines is None


def test_a_log_scale_is_for_ferritin_only(bundled):
    ferritin = trajectories_view(context(bundled), measure="sf_ng_ml", grouping="none", log=True)
    assert set(ferritin.means.frame["estimate"]) == {"geometric mean"}
    means = ferritin.means.frame.set_index("month")["mean"]
    for month, values in bundled.analysed.groupby("month")["sf_ng_ml"]:
        assert means[month] == pytest.approx(stats.gmean(values))
    assert "geometric mean" in ferritin.chart.caption
    assert set(trajectories_view(context(bundled), log=True).means.frame["estimate"]) == {"mean"}


def test_completeness_is_the_analysis(bundled):
    ctx = context(bundled)
    view = trajectories_view(ctx)
    expected = completeness(trajectory_visits(ctx), measures=("hb_g_l",)).summary
    pd.testing.assert_frame_equal(view.completeness.frame, expected)
    assert view.complete
    assert "Every patient has a value at every expected month (336 values)." in view.completeness.caption  # 48 × 7


def test_a_selection_without_visits_says_why(bundled):
    groups = genotype_groups(grade(bundled))
    other = groups.loc[groups["group"] == OTHER_GROUP, "genotype"].iloc[0]
    view = trajectories_view(context(bundled, CohortFilter(genotypes=(other,))), patients="mar")
    assert isinstance(view.chart, Stat) and view.chart.reason == NO_VISITS
    assert view.page().items() == ()


@pytest.mark.parametrize("settings", [{}, {"lines": True}, FIG_2])
def test_every_block_is_on_the_page(bundled, settings):
    assert_page_is_complete(trajectories_view(context(bundled), **settings))


@pytest.mark.parametrize("settings", [{"measure": "ldh"}, {"grouping": "age"}, {"months": 5}, {"patients": "x"}])
def test_unknown_settings_are_refused(bundled, settings):
    with pytest.raises(ValueError, match="is not one of"):
        trajectories_view(context(bundled), **settings)


def test_means_from_fewer_than_5_patients_are_flagged(bundled):
    view = trajectories_view(context(bundled), grouping="genotype", months=6, patients="mar")
    frame = view.means.frame
    # Patients per genotype in the MaR group at month 0, counted here with plain pandas.
    month0 = frame[frame["month"] == 0].set_index("genotype")
    assert ((month0["n"] < 5) == (month0["flag"] == "⚠ n < 5")).all() and (month0["n"] < 5).any()
    assert "flag" in view.means.columns and "⚠ n < 5" in view.means.caption
    assert "rest on fewer than 5 patients" in view.chart.caption


@pytest.mark.parametrize("grouping, caveat", [("tier", True), ("genotype_group", True), ("thal_type", False)])
def test_groups_defined_by_the_outcome_carry_the_caveat(bundled, grouping, caveat):
    view = trajectories_view(context(bundled), grouping=grouping)
    assert bool(view.caveat) == caveat and ("defined by the outcome" in view.chart.caption) == caveat


def test_the_reconstruction_marks_the_means_it_assumed(bundled):
    view = trajectories_view(context(bundled), grouping="none")
    basis = view.means.frame.set_index("month")["basis"]
    # The paper prints no Hb at months 1, 3 (overall) or 18; the others follow from the printed group means.
    assert basis.loc[[1, 3, 18]].tolist() == ["⚠ assumed"] * 3
    assert "⚠ assumed" not in basis.loc[[0, 6, 12, 24]].tolist()
    assert "the 18-month visit is not published; its values are assumed" in view.means.footer_notes
    assert view.chart.footer_notes == view.means.footer_notes
    other = trajectories_view(context(bundled, bundled=False), grouping="none")
    assert "basis" not in other.means.columns and other.means.footer_notes == ()
