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
    pd.testing.assert_frame_equal(view.means.frame, expected)
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
