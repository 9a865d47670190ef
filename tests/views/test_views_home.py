"""The home page's view (``thaldash.views.home``): key numbers from the grading and the reproduction report.

Reference values are the paper's (Abstract: ORR 91.7 %; Results: 35 of 48 MaR, 72.9 %).
"""

from __future__ import annotations

import pytest
from scipy import stats

import thaldash.views.reproduction as reproduction
from tests.views.checks import assert_page_is_complete, context
from thaldash.analyses.patients import patient_table
from thaldash.data.filters import CohortFilter
from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules
from thaldash.grading.summary import tier_table
from thaldash.reports.reproduction import report_counts, reproduction_report
from thaldash.views.home import BUNDLED_INTRO, OTHER_INTRO, home_view


def exact_ci(k: int, n: int) -> str:
    # The exact (Clopper–Pearson) interval: the beta quantiles, scipy.stats.beta.ppf.
    low, high = stats.beta.ppf(0.025, k, n - k + 1), stats.beta.ppf(0.975, k + 1, n - k)
    return f"95% CI {100 * low:.1f}–{100 * high:.1f} %"


def test_the_papers_cohort_shows_tdt_and_ntdt_apart_and_what_it_was_fitted_to(bundled):
    view = home_view(context(bundled))
    shown = {s.key: s for s in view.page().stats()}
    tdt = shown["tdt_orr_pp"]  # Table 3 / Results: 30 of the 34 TDT responded (21 MaR, 9 SLR)
    assert (tdt.value, tdt.n) == ("88.2 %", 34) and f"30 patients · {exact_ci(30, 34)}" in tdt.detail
    assert (shown["tdt_mar_pp"].value, shown["tdt_mar_pp"].n) == ("61.8 %", 34)
    ntdt = shown["ntdt_mar_pp"]  # Results: the 14 NTDT were never transfused, all MaR by the rule
    assert ntdt.value == "100.0 %" and "all 14 NTDT were never transfused" in ntdt.detail
    assert "says nothing about the drug" in ntdt.detail
    pooled = shown["all_orr_pp"]  # Abstract: ORR 44/48 = 91.7 %
    assert (pooled.value, pooled.n) == ("91.7 %", 48) and "pools 34 TDT and 14 NTDT" in pooled.detail
    report = reproduction_report(bundled, patient_table(bundled, GradingRules()))
    counts = report_counts(report).set_index("status")["n"]
    fitted = shown["reproduced"]
    assert fitted.label == "Published numbers the cohort was fitted to"
    assert fitted.value == f"{counts['match']} of {counts['total']}" and "not a validation" in fitted.detail
    assert "Published numbers reproduced" not in {s.label for s in view.page().stats()}
    assert view.intro == BUNDLED_INTRO


def test_intention_to_treat_counts_the_withdrawn_as_failures_when_they_are_in_view(bundled):
    view = home_view(context(bundled, CohortFilter(include_withdrawn=True)))
    shown = {s.key: s for s in view.page().stats()}
    # 52 enrolled, 4 withdrew (all TDT): 44 responders of 52; 30 TDT responders of 38 TDT enrolled.
    assert (shown["all_orr_itt"].value, shown["all_orr_itt"].n) == (f"{100 * 44 / 52:.1f} %", 52)
    assert exact_ci(44, 52) in shown["all_orr_itt"].detail and "withdrawn counted as failures" in shown["all_orr_itt"].detail
    assert (shown["tdt_orr_itt"].value, shown["tdt_orr_itt"].n) == (f"{100 * 30 / 38:.1f} %", 38)
    assert (shown["tdt_orr_pp"].value, shown["tdt_orr_pp"].n) == ("88.2 %", 34)  # per protocol does not move
    rates = view.rates.frame.set_index(["population", "endpoint", "analysis"])
    assert rates.loc[("all (pooled)", "major response (MaR)", "intention to treat"), "total"] == 52


def test_intention_to_treat_is_not_passed_off_when_the_filter_hides_the_withdrawn(bundled):
    view = home_view(context(bundled))
    itt = {s.key: s for s in view.page().stats()}["all_orr_itt"]
    assert not itt.computed and "leaves out the 4 patients who withdrew" in itt.reason
    assert "Include withdrawn patients" in itt.reason
    rates = view.rates.frame
    itt_rows = rates[(rates["analysis"] == "intention to treat") & (rates["population"] != "NTDT")]
    assert itt_rows["pct"].isna().all() and (itt_rows["reason"] != "").all()
    # No NTDT withdrew: their intention-to-treat rate is the per-protocol one, and says so by being given.
    ntdt = rates[(rates["population"] == "NTDT") & (rates["endpoint"] == "major response (MaR)")]
    assert ntdt["pct"].tolist() == [100.0, 100.0]


def test_the_key_numbers_follow_the_filter(bundled):
    tdt = CohortFilter(thal_types=("TDT",))
    view = home_view(context(bundled, tdt))
    orr = tier_table(grade(tdt.apply(bundled))).set_index("tier").loc["ORR"]
    shown = {s.key: s for s in view.page().stats()}["all_orr_pp"]
    assert (shown.value, shown.n) == (f"{orr['pct']:.1f} %", int(orr["total"]))
    assert {s.label: s.value for s in view.headlines}["Analysed patients"] == "34"  # Results: 34 TDT


def test_another_cohort_is_not_measured_against_the_paper(tiny, monkeypatch):
    def refuse(ctx):
        raise AssertionError("the reproduction report was computed for a cohort that is not the paper's")

    monkeypatch.setattr(reproduction, "paper_report", refuse)  # home_view imports it from there when it needs it
    view = home_view(context(tiny, bundled=False))
    shown = {s.label: s.value for s in view.headlines}
    assert "Published numbers reproduced" not in shown and "Published numbers the cohort was fitted to" not in shown
    assert shown["Patients in the file"] == str(len(tiny.patients))
    assert shown["Analysed patients"] == str(int((~tiny.patients["withdrawn"]).sum()))
    assert view.intro == OTHER_INTRO


@pytest.mark.parametrize("bundled_flag", [True, False])
def test_every_headline_is_on_the_page(bundled, bundled_flag):
    page = assert_page_is_complete(home_view(context(bundled, bundled=bundled_flag)))
    assert len(page.stats()) == 9 and [b.key for b in page.items()] == ["headlines"]
