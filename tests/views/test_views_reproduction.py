"""The Reproduction page's view (``thaldash.views.reproduction``): its blocks are the reproduction report's."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.views.checks import assert_page_is_complete, context
from thaldash.analyses.patients import patient_table
from thaldash.data.filters import CohortFilter
from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import SCENARIOS
from thaldash.published.numbers import contradictions, published_numbers
from thaldash.reports.reproduction import report_counts, reproduction_report
from thaldash.views.reproduction import BUNDLED_INTRO, OTHER_INTRO, printed_sources, reproduction_view, shown_rows


@pytest.fixture(scope="module")
def report(bundled) -> pd.DataFrame:
    return reproduction_report(bundled, patient_table(bundled, GradingRules()))


def test_counts_and_rows_are_the_reports(bundled, report):
    view = reproduction_view(context(bundled))
    counts = report_counts(report).set_index("status")["n"]
    stats = {s.label: s.value for s in view.headlines}
    assert stats["Published numbers the cohort was fitted to"] == f"{counts['match']} of {counts['total']}"
    assert "Reproduced" not in stats and "Published numbers reproduced" not in stats
    assert stats["Documented contradictions"] == str(counts["documented contradiction"])
    assert stats["Other misses"] == "0"
    pd.testing.assert_frame_equal(view.rows.frame, report)
    assert counts["total"] == len(published_numbers())  # one row per number of data/published.csv
    assert view.rows.caption.startswith(f"{len(report)} of {len(report)} published numbers shown (every number)")
    pd.testing.assert_frame_equal(view.contradictions.frame, contradictions())
    assert view.intro == BUNDLED_INTRO


def test_the_sidebar_does_not_change_the_comparison(bundled, report):
    # The published numbers describe the whole cohort under the paper's rules.
    ctx = context(bundled, CohortFilter(thal_types=("TDT",)), rules=SCENARIOS["Strict clinical"])
    pd.testing.assert_frame_equal(reproduction_view(ctx).rows.frame, report)


@pytest.mark.parametrize("show", ["misses", "contradictions"])
def test_a_selection_of_rows(report, show):
    rows = shown_rows(report, show=show)
    assert len(rows)
    if show == "misses":
        assert (rows["status"] != "match").all() and len(rows) == (report["status"] != "match").sum()
    else:
        assert (rows["contradiction"] != "").all() and len(rows) == (report["contradiction"] != "").sum()


def test_rows_printed_in_chosen_places(bundled, report):
    where = printed_sources()[:2]
    view = reproduction_view(context(bundled), sources=where)
    assert set(view.rows.frame["source"]) == set(where)
    assert len(view.rows.frame) == report["source"].isin(where).sum()
    assert f"printed in {', '.join(where)}" in view.rows.caption


def test_another_cohort_is_compared_not_judged(tiny):
    view = reproduction_view(context(tiny, bundled=False))
    assert view.intro == OTHER_INTRO
    assert {s.label for s in view.headlines} >= {"Published numbers reproduced"}  # another cohort's own matches
    assert_page_is_complete(view)


def test_every_block_is_on_the_page(bundled):
    page = assert_page_is_complete(reproduction_view(context(bundled)))
    assert [b.key for b in page.items()] == ["reproduction", "contradictions"]


def test_an_unknown_selection_is_refused(report):
    with pytest.raises(ValueError, match="is not one of"):
        shown_rows(report, show="some")


def test_the_download_of_a_real_cohort_hides_its_small_computed_counts(tiny):
    """Eight hand-written patients: a computed count of 1 to 4 reads "< 5" in the CSV, and its status (which
    says whether it equals the printed number) is left empty with it."""
    import csv
    import io

    from thaldash.export.files import table_csv

    table = reproduction_view(context(tiny)).rows
    assert "computed" in table.counts and "computed" in table.fractions and "status" in table.from_counts
    small = [v for v in table.frame["computed"] if v.isdigit() and 1 <= int(v) < 5]
    assert small, "the tiny cohort has counts of 1 to 4 patients"
    body = table_csv(table.frame, "data: tiny", counts=table.counts, derived=table.from_counts,
                     fractions=table.fractions, min_cell=5).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body.split("\r\n\r\n")[0])))
    computed = [r["computed"] for r in rows]
    assert computed.count("< 5") >= len(small)
    assert not any(v.isdigit() and 1 <= int(v) < 5 for v in computed)
    assert all(r["status"] == "" for r in rows if r["computed"] == "< 5")
