"""The home page's view (``thaldash.views.home``): key numbers from the grading and the reproduction report.

Reference values are the paper's (Abstract: ORR 91.7 %; Results: 35 of 48 MaR, 72.9 %).
"""

from __future__ import annotations

import pytest
from scipy import stats

import thaldash.views.home as home
from tests.views.checks import assert_page_is_complete, context
from thaldash.data.filters import CohortFilter
from thaldash.grading.grade import grade
from thaldash.grading.summary import tier_table
from thaldash.reports.reproduction import report_counts, reproduction_report
from thaldash.views.home import BUNDLED_INTRO, OTHER_INTRO, home_view


def test_the_papers_cohort_shows_orr_mar_and_the_reproduction_count(bundled):
    view = home_view(context(bundled))
    stats_ = {s.label: s for s in view.headlines}
    assert stats_["Overall response rate (MaR + MiR + SLR)"].value == "91.7 %"  # Abstract: ORR 91.7%
    mar = stats_["Major response (MaR)"]
    assert (mar.value, mar.n) == ("72.9 %", 48)  # Results: 35/48 = 72.9%
    # The exact (Clopper–Pearson) interval of 35/48: the beta quantiles, scipy.stats.beta.ppf.
    low, high = stats.beta.ppf(0.025, 35, 14), stats.beta.ppf(0.975, 36, 13)
    assert f"35 patients · 95% CI {100 * low:.1f}–{100 * high:.1f} %" in mar.detail
    counts = report_counts(reproduction_report(bundled)).set_index("status")["n"]
    assert stats_["Published numbers reproduced"].value == f"{counts['match']} of {counts['total']}"
    assert view.intro == BUNDLED_INTRO


def test_the_key_numbers_follow_the_filter(bundled):
    tdt = CohortFilter(thal_types=("TDT",))
    view = home_view(context(bundled, tdt))
    orr = tier_table(grade(tdt.apply(bundled))).set_index("tier").loc["ORR"]
    shown = {s.label: s for s in view.headlines}["Overall response rate (MaR + MiR + SLR)"]
    assert (shown.value, shown.n) == (f"{orr['pct']:.1f} %", int(orr["total"]))
    assert {s.label: s.value for s in view.headlines}["Analysed patients"] == "34"  # Results: 34 TDT


def test_another_cohort_is_not_measured_against_the_paper(tiny, monkeypatch):
    def refuse(ctx):
        raise AssertionError("the reproduction report was computed for a cohort that is not the paper's")

    monkeypatch.setattr(home, "paper_report", refuse)
    view = home_view(context(tiny, bundled=False))
    shown = {s.label: s.value for s in view.headlines}
    assert "Published numbers reproduced" not in shown
    assert shown["Patients in the file"] == str(len(tiny.patients))
    assert shown["Analysed patients"] == str(int((~tiny.patients["withdrawn"]).sum()))
    assert view.intro == OTHER_INTRO


@pytest.mark.parametrize("bundled_flag", [True, False])
def test_every_headline_is_on_the_page(bundled, bundled_flag):
    page = assert_page_is_complete(home_view(context(bundled, bundled=bundled_flag)))
    assert len(page.stats()) == 4 and page.items() == ()
