"""The cohort's shape: one row per patient, visits with visit-level columns only, analysed patients first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thaldash.data.cohort import rows_where
from thaldash.data.cohort_build import build_cohort
from thaldash.data.filters import CohortFilter
from thaldash.data.schema import COLUMNS
from thaldash.data.validation import validate
from tools.synthetic import synthetic_cohort


@pytest.fixture(scope="module")
def frame():
    return validate(synthetic_cohort(400, seed=5)).frame


@pytest.fixture(scope="module")
def cohort(frame):
    return build_cohort(frame.sample(frac=1, random_state=2), "synthetic", "x")  # shuffled on purpose


def test_no_patient_level_value_is_repeated_on_the_visits(cohort):
    visit_level = {c for c, col in COLUMNS.items() if col.level == "visit"}
    assert set(cohort.visits.columns) <= visit_level | {"patient_id"}
    assert cohort.patients["patient_id"].is_unique
    assert {"genotype", "beta_class", "thal_type", "withdrawn", "n_visits"} <= set(cohort.patients.columns)


def test_patients_hold_each_patients_first_row_values(frame, cohort):
    # pandas' own groupby-first, computed here, is the reference
    expected = frame.groupby("patient_id", observed=True)[["thal_type", "pre_rbc_units_24m", "age_years"]].first()
    got = cohort.patients.set_index(cohort.patients["patient_id"].astype(str))
    for column in expected.columns:
        pd.testing.assert_series_equal(got[column].loc[expected.index.astype(str)].reset_index(drop=True),
                                       expected[column].reset_index(drop=True), check_names=False,
                                       check_categorical=False, check_dtype=False)
    counts = frame.groupby("patient_id", observed=True).size()
    assert got["n_visits"].loc[counts.index.astype(str)].tolist() == counts.tolist()


def test_analysed_patients_come_first_then_the_withdrawn(cohort):
    withdrawn = cohort.patients["withdrawn"].to_numpy()
    assert withdrawn.any() and not withdrawn.all()
    assert not withdrawn[: int((~withdrawn).sum())].any(), "every analysed patient precedes every withdrawn one"
    visit_withdrawn = withdrawn[cohort.visit_patient]
    for part in (cohort.visits[~visit_withdrawn], cohort.visits[visit_withdrawn]):
        ids = part["patient_id"].astype("str").tolist()
        months = part["month"].tolist()
        assert list(zip(ids, months)) == sorted(zip(ids, months))
    assert cohort.patients["patient_id"].tolist() == cohort.visits["patient_id"].drop_duplicates().tolist()


def test_visits_with_joins_patient_facts_like_a_merge(cohort):
    joined = cohort.visits_with(["thal_type", "genotype"])
    # pandas.merge on patient_id, written here
    merged = cohort.visits.merge(cohort.patients[["patient_id", "thal_type", "genotype"]], on="patient_id",
                                 how="left", sort=False)
    np.testing.assert_array_equal(joined["thal_type"].astype(str), merged["thal_type"].astype(str))
    np.testing.assert_array_equal(joined["genotype"].astype(str), merged["genotype"].astype(str))
    analysed = cohort.visits_with(["withdrawn"], analysed=True)
    assert len(analysed) == len(cohort.analysed) and not analysed["withdrawn"].any()


@pytest.mark.parametrize("month", [0, 3, 24, 99])
@pytest.mark.parametrize("analysed", [True, False])
def test_at_month_is_one_value_per_patient_like_a_pivot(frame, cohort, month, analysed):
    got = cohort.at_month("hb_g_l", month, analysed=analysed)
    # pandas.pivot_table of the validated frame, written here, is the reference
    wide = frame.pivot_table(index="patient_id", columns="month", values="hb_g_l", observed=True, dropna=False)
    patients = cohort.analysed_patients if analysed else cohort.patients
    ids = patients["patient_id"].astype(str)
    wide.index = wide.index.astype(str)
    want = wide[month].reindex(ids).to_numpy() if month in wide else np.full(len(ids), np.nan)
    assert len(got) == len(patients)
    np.testing.assert_array_equal(got, want)


def test_the_analysed_visits_and_the_default_filter_share_the_cohorts_memory(cohort):
    hb = cohort.visits["hb_g_l"].to_numpy()
    analysed = cohort.analysed
    assert np.shares_memory(analysed["hb_g_l"].to_numpy(), hb)
    assert len(analysed) == int(cohort.patients.loc[~cohort.patients["withdrawn"], "n_visits"].sum())
    filtered = CohortFilter().apply(cohort)
    assert np.shares_memory(filtered.visits["hb_g_l"].to_numpy(), hb)
    assert cohort.analysed is analysed, "computed once per cohort"
    assert np.shares_memory(filtered.visit_patient, cohort.visit_patient)
    # the rows it shares are the right ones: each visit's patient, found by id (pandas, written here)
    want = pd.Index(filtered.patients["patient_id"]).get_indexer(filtered.visits["patient_id"])
    np.testing.assert_array_equal(filtered.visit_patient, want)
    tdt = CohortFilter(thal_types=("TDT",)).apply(cohort)  # scattered patients: their own rows
    np.testing.assert_array_equal(tdt.visit_patient,
                                  pd.Index(tdt.patients["patient_id"]).get_indexer(tdt.visits["patient_id"]))


def test_a_filter_that_keeps_scattered_rows_selects_exactly_them(cohort):
    tdt = CohortFilter(thal_types=("TDT",)).apply(cohort)
    joined = cohort.visits_with(["thal_type", "withdrawn"])
    expected = cohort.visits[((joined["thal_type"] == "TDT") & ~joined["withdrawn"]).to_numpy()]
    pd.testing.assert_frame_equal(tdt.visits, expected)
    assert set(tdt.patients["thal_type"]) == {"TDT"} and tdt.patients["n_visits"].sum() == len(tdt.visits)


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


def test_the_cohort_lets_go_of_the_hash_table_on_its_patient_ids_once_checked():
    frame = synthetic_cohort(12_000, 0)
    result = validate(frame)
    assert result.ok, result.problems
    ids = result.frame["patient_id"]
    ids.cat.categories.get_indexer(ids.cat.categories[:3])  # the table pandas builds (and keeps) on a lookup
    assert "_engine" in ids.cat.categories._cache
    cohort = build_cohort(result.frame, "synthetic", "sha")
    categories = cohort.patients["patient_id"].cat.categories
    assert categories is cohort.visits["patient_id"].cat.categories
    assert "_engine" not in categories._cache, "a million-entry hash table would live as long as the cohort"
    assert categories.get_loc(categories[5]) == 5  # a lookup by text still works (builds it again)


def test_visits_in_file_order_with_withdrawn_among_them_are_put_in_cohort_order(frame):
    # Reference: numpy's stable lexsort by (withdrawn, patient_id, month), which build_cohort used for every
    # file out of order. The synthetic file is written patient by patient, with the withdrawn among the others.
    by_patient = frame.sort_values(["patient_id", "month"], kind="stable").reset_index(drop=True)
    assert by_patient["withdrawn"].any() and not by_patient["withdrawn"].is_monotonic_increasing
    order = np.lexsort((by_patient["month"].to_numpy(), by_patient["patient_id"].astype("str").to_numpy(),
                        by_patient["withdrawn"].to_numpy()))
    built = build_cohort(by_patient, "synthetic", "x")
    expected = by_patient.iloc[order].reset_index(drop=True)
    expected = expected[list(built.visits.columns)].astype({"month": built.visits["month"].dtype})  # kept as int16
    pd.testing.assert_frame_equal(built.visits, expected, check_exact=True)
