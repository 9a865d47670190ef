"""The Response page's view (``thaldash.views.response``): denominators, analyses, TDT and NTDT apart, the
reduction two ways, the independence rule, and the caveat of outcome-defined groups.

Reference values: the paper (Results: 52 enrolled, 4 withdrew, 48 analysed, 35 MaR, 44 responders;
Table 3: the 13 per-patient reductions), intervals from ``scipy.stats.binomtest(...).proportion_ci``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tests.views.checks import assert_page_is_complete, context
from thaldash.analyses.response import ti_timing
from thaldash.data.filters import CohortFilter
from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules
from thaldash.views.response import response_view

WITHDRAWN = CohortFilter(include_withdrawn=True)
# Table 3's "reduction in transfusion volume (%)" of the 13 TDT still transfused.
TABLE_3_REDUCTIONS = (31.0, 35.2, 41.5, 38.2, 34.3, 47.7, 13.3, 18.1, 21.5, 21.4, 30.8, 36.9, 37.6)


def exact_ci(k: int, n: int) -> tuple[float, float]:
    ci = stats.binomtest(k, n).proportion_ci(method="exact")  # Clopper–Pearson
    return 100 * ci.low, 100 * ci.high


@pytest.mark.parametrize("flt, n", [(CohortFilter(), 48), (WITHDRAWN, 52)])  # Results: 48 analysed of 52 enrolled
def test_the_tiers_count_every_patient_the_header_counts(bundled, flt, n):
    ctx = context(bundled, flt)
    tiers = response_view(ctx).tiers.frame.set_index("tier")
    assert ctx.n == n and (tiers["n_patients"] == n).all()
    # Per protocol: the 48 analysed in the denominator, the withdrawn on their own row.
    assert tiers.loc["MaR", "total"] == 48 and tiers.loc["withdrawn", "n"] == n - 48


def test_intention_to_treat_counts_the_withdrawn_as_failures(bundled):
    view = response_view(context(bundled, WITHDRAWN), analysis="intention-to-treat")
    mar = view.tiers.frame.set_index("tier").loc["MaR"]
    assert (mar["n"], mar["total"]) == (35, 52)
    assert (mar["ci_low"], mar["ci_high"]) == pytest.approx(exact_ci(35, 52))
    shown = {s.key: s for s in view.headlines}
    assert (shown["all_orr_itt"].value, shown["all_orr_itt"].n) == (f"{100 * 44 / 52:.1f} %", 52)
    assert view.notice == "" and view.beside_paper is None  # the paper's figures are per protocol


def test_intention_to_treat_without_the_withdrawn_in_view_says_what_to_tick(bundled):
    view = response_view(context(bundled), analysis="intention-to-treat")
    assert "leaves out the 4 patients who withdrew" in view.notice and "Include withdrawn patients" in view.notice
    assert "these are the per-protocol numbers" in view.tiers.caption
    assert not {s.key: s for s in view.headlines}["all_orr_itt"].computed


def test_not_evaluable_patients_can_count_as_failures(tiny):
    graded = grade(tiny)
    n_ne = int((graded["tier"] == "not evaluable").sum())
    assert n_ne == 1  # T-GAP: no 6-month visit
    plain = response_view(context(tiny, bundled=False)).tiers.frame.set_index("tier")
    failing = response_view(context(tiny, bundled=False), not_evaluable_as_failure=True).tiers.frame.set_index("tier")
    assert failing.loc["MaR", "total"] == plain.loc["MaR", "total"] + n_ne == len(graded)
    assert "not-evaluable ones counted as failures" in failing.loc["MaR", "denominator"]


def test_tdt_and_ntdt_are_apart_and_the_ntdt_rate_says_it_is_by_rule(bundled):
    by_type = {s.key: s for s in response_view(context(bundled)).by_type}
    assert (by_type["tdt_orr_pp"].value, by_type["tdt_orr_pp"].n) == ("88.2 %", 34)  # 30 of 34 TDT (Table 3: 4 NR)
    assert by_type["tdt_orr_pp"].detail.startswith("30 patients")
    assert "all 14 NTDT were never transfused" in by_type["ntdt_mar_pp"].detail


def test_the_reduction_is_the_papers_unweighted_mean_beside_the_pooled_one(bundled):
    view = response_view(context(bundled))
    rows = view.reduction.frame
    assert rows["n"].tolist() == [13, 13]
    assert rows["pct"].iloc[0] == pytest.approx(np.mean(TABLE_3_REDUCTIONS), abs=0.06)  # Table 3, printed to 0.1
    graded = grade(bundled)
    still = graded[(graded["thal_type"] == "TDT") & graded["ti_month"].isna() & graded["reduction_pct"].notna()]
    # The pooled reduction is the per-patient reductions weighted by each patient's expected volume.
    weighted = np.average(still["reduction_pct"], weights=still["expected_units_in_window"])
    assert rows["pct"].iloc[1] == pytest.approx(weighted)
    assert "unweighted" in view.reduction.displayed()["Estimate"].iloc[0]


def test_independence_follows_the_gradings_rule(bundled):
    rules = GradingRules(ti_min_free_visits=5)
    view = response_view(context(bundled, rules=rules))
    expected = ti_timing(grade(bundled, rules)).set_index("category")["n"]
    shown = view.independence.frame.set_index("category")["n"]
    assert shown.to_dict() == expected.to_dict()
    default = response_view(context(bundled)).independence.frame.set_index("category")["n"]
    # Five later visits free of transfusion: the 5 free from month 3 have only four (6, 12, 18, 24).
    assert (shown["at 3 months"], default["at 3 months"]) == (0, 5)
    assert "at least 5 later visit(s)" in view.independence.caption


def test_non_mar_patients_show_their_transfusion_status(bundled):
    # Graded by Hb rise, an NTDT patient can miss MaR; never transfused, they have no independence month.
    rules = GradingRules(ntdt_endpoint="hb_rise", mar_hb_rise_g_l=60.0, mir_hb_rise_g_l=50.0)
    view = response_view(context(bundled, rules=rules))
    rows = view.non_mar.frame
    assert "ti_status" in view.non_mar.columns
    never = rows[rows["thal_type"] == "NTDT"]
    assert len(never) and (never["ti_status"] == "never transfused").all() and never["ti_month"].isna().all()


@pytest.mark.parametrize("by, caveat", [("genotype_group", True), ("thal_type", False), ("genotype", False)])
def test_groups_defined_by_the_outcome_carry_the_caveat(bundled, by, caveat):
    view = response_view(context(bundled), by=by)
    assert bool(view.caveat) == caveat
    assert ("defined by the outcome" in view.by_group.caption) == caveat


def test_every_block_is_on_the_page(bundled):
    page = assert_page_is_complete(response_view(context(bundled)))
    assert {"headlines", "transfusion_reduction", "non_mar_patients"} <= {b.key for b in page.items()}


def test_an_unknown_analysis_is_refused(bundled):
    with pytest.raises(ValueError, match="analysis"):
        response_view(context(bundled), analysis="as treated")


def test_the_reconstruction_says_which_counts_the_paper_prints_and_which_it_assumes(bundled):
    view = response_view(context(bundled))
    basis = view.tiers.frame.set_index("tier")["basis"]
    # Abstract and Results print 35 MaR and 44 responders of 48; Results print 4 NR.
    assert basis.loc[["MaR", "ORR", "NR"]].tolist() == ["published"] * 3
    assert view.tiers.footer_notes == () and "basis" in view.tiers.columns
    rates = view.rates.frame.set_index(["population", "endpoint", "analysis"])["basis"]
    assert rates.loc[("all (pooled)", "major response (MaR)", "per protocol")] == "published"
    # A subgroup the paper does not report (the splenectomised) rests on the reconstruction.
    spleen = response_view(context(bundled, CohortFilter(splenectomy="yes")))
    assert set(spleen.tiers.frame["basis"]) == {"⚠ assumed"}
    assert "a subgroup the paper does not report" in spleen.tiers.footer_notes
    assert spleen.tier_chart.footer_notes == spleen.tiers.footer_notes
    other = response_view(context(bundled, bundled=False))
    assert "basis" not in other.tiers.columns and other.tiers.footer_notes == () and "basis" not in other.rates.columns


def test_the_tdt_alone_is_one_of_the_papers_populations_not_an_unreported_subgroup(bundled):
    view = response_view(context(bundled, CohortFilter(thal_types=("TDT",))))
    tiers = view.tiers.frame.set_index("tier")
    # TDT = the 48 graded minus the 14 NTDT (Results); Table 3 grades the 13 still transfused.
    assert tiers.loc["MaR", ["n", "total"]].tolist() == [21, 34] and tiers.loc["MaR", "basis"] == "constrained"
    assert "⚠ assumed" not in set(tiers["basis"]) and view.tiers.footer_notes == ()


def test_the_pooled_reduction_is_marked_as_resting_on_the_reconstruction(bundled):
    reduction = response_view(context(bundled)).reduction
    basis = reduction.frame["basis"].tolist()
    # Table 3 prints the 13 per-patient reductions (their mean is the paper's 31.3 %), not the volumes they weigh.
    assert basis == ["published", "⚠ assumed"]
    assert any("Table 3 prints only the reductions" in n for n in reduction.footer_notes)
