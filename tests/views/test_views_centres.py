"""Centre as a filter, a grouping and a page (``analyses.centres``, ``views.centres``) on a folder of centres.

Reference values: scipy's ``chi2_contingency`` and ``fisher_exact`` called here, and counts read off
the hand-built folder (the tiny cohort of ``tests.cohorts``: 8 patients, 1 withdrawn, 7 study visits
each except W-1 (2) and T-GAP (6)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.cohorts import tiny_frame
from thaldash.analyses.centres import centre_patients, orr_heterogeneity, with_centre
from thaldash.analyses.response import GROUPINGS
from thaldash.data.filters import CohortFilter, options
from thaldash.data.loading import load_cohort
from thaldash.stats.contingency import pearson_chi2
from thaldash.views.centres import centres_view
from thaldash.views.comparisons import comparisons_view
from thaldash.views.context import ViewContext
from thaldash.views.response import response_view
from thaldash.views.trajectories import trajectories_view

CENTRES = ("Nanning, 2nd hospital", "east", "north")


@pytest.fixture(scope="module")
def centres(tmp_path_factory):
    folder = tmp_path_factory.mktemp("centres") / "trial"
    folder.mkdir()
    frame = tiny_frame()
    frame.to_parquet(folder / "east.parquet", index=False)
    frame.to_csv(folder / "north.csv", index=False)
    frame.assign(centre=CENTRES[0]).to_parquet(folder / "third.parquet", index=False)
    result = load_cohort(folder)
    assert result.ok, result.problems
    return result.cohort


def _ctx(cohort, flt=CohortFilter()):
    return ViewContext(cohort=cohort, filtered=flt.apply(cohort), filter=flt)


def test_pearson_chi2_is_scipys():
    table = np.array([[20, 15, 30], [10, 14, 8]])
    row = pearson_chi2(table).iloc[0]
    reference = stats.chi2_contingency(table, correction=False)
    assert row["statistic"] == pytest.approx(reference.statistic) and row["p"] == pytest.approx(reference.pvalue)
    assert row["df"] == 2 and row["min_expected"] == pytest.approx(reference.expected_freq.min())


def _crosstab(responders, failures):
    return pd.DataFrame({"MaR": responders, "MiR": 0, "SLR": 0, "NR": failures})


def test_heterogeneity_uses_chi2_when_every_expected_count_is_at_least_5():
    out = orr_heterogeneity(_crosstab([30, 20, 25], [10, 15, 12])).iloc[0]
    reference = stats.chi2_contingency(np.array([[30, 20, 25], [10, 15, 12]]), correction=False)
    assert out["test"].startswith("Pearson") and out["p"] == pytest.approx(reference.pvalue)
    assert out["reason"] == "" and out["n"] == 112 and out["n_centres"] == 3


def test_heterogeneity_is_exact_with_small_expected_counts():
    out = orr_heterogeneity(_crosstab([9, 3], [1, 5])).iloc[0]
    # Two centres: Fisher–Freeman–Halton is Fisher's exact test (two-sided).
    reference = stats.fisher_exact([[9, 3], [1, 5]], alternative="two-sided")
    assert "Freeman" in out["test"] and out["p"] == pytest.approx(reference.pvalue)
    assert "below 5" in out["why"]


def test_heterogeneity_not_computed_says_why():
    assert orr_heterogeneity(_crosstab([5], [2])).iloc[0]["reason"].startswith("not computed: fewer than 2")
    assert "every evaluable patient responded" in orr_heterogeneity(_crosstab([5, 4], [0, 0])).iloc[0]["reason"]


def test_the_centre_is_a_grouping_only_with_several_centres(centres, bundled):
    assert "centre" in with_centre(GROUPINGS, centres) and "centre" not in with_centre(GROUPINGS, bundled)


def test_centre_filter_and_its_link(centres):
    assert options(centres).centres == tuple(sorted(CENTRES))
    flt = CohortFilter(centres=(CENTRES[0],))
    kept = flt.apply(centres).patients
    assert len(kept) == 7 and set(kept["centre"].astype(str)) == {CENTRES[0]}
    params = flt.to_params()
    back, warnings = CohortFilter.from_params(params, options(centres))
    assert back == flt and not warnings  # a comma in the centre's name survives the link
    assert "centre Nanning, 2nd hospital" in flt.describe()


def test_centre_patients_counts(centres):
    enrolled = CohortFilter(include_withdrawn=True).apply(centres)
    counts = centre_patients(enrolled, enrolled).set_index("centre")
    for centre in CENTRES:
        row = counts.loc[centre]
        # 8 enrolled, W-1 withdrew; 7 analysed × 7 expected visits, T-GAP misses month 6: 48 of 49.
        assert (row["n_enrolled"], row["n_withdrawn"], row["n_analysed"]) == (8, 1, 7)
        assert (row["n_expected"], row["n_visits"], row["n_off_schedule"]) == (49, 48, 0)
        assert row["pct_visits"] == pytest.approx(100 * 48 / 49)


def test_centres_page_view(centres):
    view = centres_view(_ctx(centres))
    assert view.several and len(view.patients.frame) == 3
    assert view.patients.counts and "pct_visits" in view.patients.from_counts
    response = view.response.frame.set_index("centre")
    assert set(response.index) == set(CENTRES)
    # The same patients at every centre: the same rates, and nothing to test (P = 1 or not computed).
    assert response["orr"].nunique() == 1
    assert view.heterogeneity.reason or view.heterogeneity.value == "P = 1.000"


def test_centres_page_with_one_centre_says_so(bundled):
    view = centres_view(_ctx(bundled))
    assert not view.several and "one centre" in view.heterogeneity.reason


def test_pages_group_by_centre(centres):
    ctx = _ctx(centres)
    response = response_view(ctx, by="centre")
    assert set(response.by_group.frame["centre"]) == set(CENTRES)
    trajectories = trajectories_view(ctx, grouping="centre")
    assert set(trajectories.means.frame["centre"]) == set(CENTRES)
    comparison = comparisons_view(ctx, grouping="centre")
    assert comparison.problem == ""  # the first two centres by default
    assert set(comparison.comparison.frame["group"]) == {"Nanning, 2nd hospital", "east"}
    with pytest.raises(ValueError):
        response_view(_ctx(load_cohort(_one_file(centres)).cohort), by="centre")


def _one_file(centres) -> bytes:
    import io

    buffer = io.BytesIO()
    tiny_frame().to_parquet(buffer, index=False)
    return buffer.getvalue()
