"""The cohort's layout: analysed patients first, so the efficacy population is a slice, not a copy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thaldash.data.cohort import build_cohort, rows_where
from thaldash.data.filters import CohortFilter
from thaldash.data.validation import validate
from tools.synthetic import synthetic_cohort


@pytest.fixture(scope="module")
def cohort():
    frame = validate(synthetic_cohort(400, seed=5)).frame
    return build_cohort(frame.sample(frac=1, random_state=2), "synthetic", "x")  # shuffled on purpose


def test_analysed_patients_come_first_then_the_withdrawn(cohort):
    withdrawn = cohort.visits["withdrawn"].to_numpy()
    assert withdrawn.any() and not withdrawn.all()
    assert not withdrawn[: int((~withdrawn).sum())].any(), "every analysed row precedes every withdrawn row"
    for part in (cohort.visits[~withdrawn], cohort.visits[withdrawn]):
        ids = part["patient_id"].astype("str").tolist()
        months = part["month"].tolist()
        assert list(zip(ids, months)) == sorted(zip(ids, months))
    assert cohort.patients["patient_id"].tolist() == cohort.visits["patient_id"].drop_duplicates().tolist()


def test_the_analysed_visits_and_the_default_filter_share_the_cohorts_memory(cohort):
    hb = cohort.visits["hb_g_l"].to_numpy()
    analysed = cohort.analysed
    assert np.shares_memory(analysed["hb_g_l"].to_numpy(), hb)
    assert not analysed["withdrawn"].any()
    assert len(analysed) == int((~cohort.visits["withdrawn"]).sum())
    filtered = CohortFilter().apply(cohort)
    assert np.shares_memory(filtered.visits["hb_g_l"].to_numpy(), hb)
    assert cohort.analysed is analysed, "computed once per cohort"


def test_a_filter_that_keeps_scattered_rows_selects_exactly_them(cohort):
    tdt = CohortFilter(thal_types=("TDT",)).apply(cohort)
    expected = cohort.visits[(cohort.visits["thal_type"] == "TDT") & ~cohort.visits["withdrawn"]]
    pd.testing.assert_frame_equal(tdt.visits, expected)


@pytest.mark.parametrize(("keep", "kind"), [
    ([True, True, True, True], "same"), ([False, True, True, False], "slice"),
    ([True, False, True, False], "copy"), ([False] * 4, "slice")])
def test_rows_where_equals_boolean_indexing(keep, kind):
    frame = pd.DataFrame({"a": np.arange(4.0)})
    out = rows_where(frame, np.array(keep))
    pd.testing.assert_frame_equal(out, frame[np.array(keep)])
    if kind == "same":
        assert out is frame
    elif kind == "slice" and len(out):
        assert np.shares_memory(out["a"].to_numpy(), frame["a"].to_numpy())
