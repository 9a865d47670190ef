"""The Reproduction page: the counts and rows are the reproduction report's."""

from __future__ import annotations

from tests.pages.conftest import REPO, main_text
from thaldash.analyses.patients import patient_table
from thaldash.data.loading import bundled_cohort_path, load_cohort
from thaldash.grading.rules import GradingRules
from thaldash.reports.reproduction import report_counts, reproduction_report

PAGE = REPO / "pages" / "9_Reproduction.py"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _counts():
    cohort = load_cohort(bundled_cohort_path()).cohort
    report = reproduction_report(cohort, patient_table(cohort, GradingRules()))  # the page grades by the paper's rules
    return report_counts(report).set_index("status")["n"]


def test_counts_are_the_reports(run_page):
    at = run_page(PAGE)
    counts = _counts()
    shown = metrics(at)
    assert shown["Published numbers the cohort was fitted to"] == f"{counts['match']} of {counts['total']}"
    assert "Reproduced" not in shown and "fitted to the numbers the paper prints" in at.main.markdown[0].value
    assert shown["Other misses"] == "0"
    assert shown["Documented contradictions"] == str(counts["documented contradiction"])
    assert len(at.dataframe[0].value) == counts["total"]


def test_misses_only_is_a_link(run_page):
    at = run_page(PAGE, query={"show": "misses"})
    rows = at.dataframe[0].value
    assert len(rows) and (rows["status"] != "match").all()
    assert at.radio(key="thaldash.w.reproduction.show").value == "misses"


def test_sidebar_filter_does_not_change_the_comparison(run_page):
    # The published numbers describe the whole cohort: a TDT filter must not turn matches into misses.
    at = run_page(PAGE, query={"thal_type": "TDT"})
    assert metrics(at)["Other misses"] == "0"


def test_another_cohort_is_compared_not_judged(run_page):
    at = run_page(PAGE, "tiny")
    assert "Your cohort beside the published study" in main_text(at)
    assert not at.exception
