"""One patient's profile: lookup, attributes with provenance, visits, tier, and the paper's numbers beside.

Reference values are the paper's Table 3 (patient ①, T3-01) and Table 8, or come from the
fixture's own rows (``tests/cohorts.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thaldash.grading.grade import grade
from thaldash.grading.summary import genotype_groups
from thaldash.analyses.patient import (attributes, lines_table, patient_labels, patient_profile, patient_rows, rows_of,
                                       visit_table)
from thaldash.analyses.patient_published import published_beside, published_table_8


@pytest.fixture(scope="module")
def groups(bundled):
    return genotype_groups(grade(bundled))


def profile_of(cohort, pid, groups):
    return patient_profile(cohort, pid, grade(cohort), groups)


@pytest.mark.parametrize("pid", ["P01", "T3-01", "T8-4", "W4", "nobody"])
def test_lookup_equals_a_boolean_mask_sorted_or_not(bundled, pid: str) -> None:
    expected = bundled.visits[bundled.visits["patient_id"] == pid]
    pd.testing.assert_frame_equal(patient_rows(bundled.visits, pid), expected)
    shuffled = bundled.visits.sample(frac=1, random_state=1)
    got = patient_rows(shuffled, pid).sort_values("month")
    pd.testing.assert_frame_equal(got, expected.loc[got.index])


def test_table_3_patient_1(bundled, groups) -> None:
    profile = profile_of(bundled, "T3-01", groups)
    visits = profile.visits.set_index("month")
    assert visits.loc[[0, 1, 3, 6], "hb_g_l"].tolist() == [66, 72, 75, 79]  # Table 3, patient ①
    assert round(profile.grading["reduction_pct"], 1) == 31.0  # Table 3: 31.0
    assert profile.grading["tier"] == "SLR"  # Table 3: SlR
    assert profile.genotype_group == "SLR/NR group"
    assert set(profile.published["status"]) == {"match"}
    assert len(profile.published) == 10  # genotype, class, sex, age, 4 Hb, reduction, tier


def test_provenance_is_shown_beside_each_value(bundled, groups) -> None:
    profile = profile_of(bundled, "T3-01", groups)
    facts = profile.attributes.set_index("attribute")
    raw = patient_rows(bundled.patients, "T3-01").iloc[0]
    for column in ("sex", "age_years", "splenectomy", "pre_rbc_units_24m"):
        assert facts.loc[column, "provenance"] == raw[f"{column}_provenance"]
    assert facts.loc["genotype", "provenance"] == "not recorded"  # the file has no genotype_provenance
    assert facts.loc["splenectomy", "value"] == "no" and facts.loc["age_years", "value"] == "16"
    visits = profile.visits.set_index("month")
    assert visits.loc[0, "hb_g_l_provenance"] == "published"


def test_a_missing_visit_is_a_row_saying_so(tiny) -> None:
    table = visit_table(patient_rows(tiny.visits, "T-GAP")).set_index("month")  # no 6-month visit
    assert table.loc[6, "visit"] == "no visit" and np.isnan(table.loc[6, "hb_g_l"])
    assert table.loc[6, "hb_g_l_provenance"] == ""
    assert table.loc[3, "visit"] == "yes" and table.loc[3, "hb_g_l_provenance"] == "not recorded"
    assert table.index.tolist() == [0, 1, 3, 6, 12, 18, 24]


def test_without_provenance_columns_every_source_is_not_recorded(tiny) -> None:
    facts = attributes(patient_rows(tiny.patients, "T-SLR"))
    assert set(facts["provenance"]) == {"not recorded"}
    assert facts.set_index("attribute").loc["sex", "value"] == "M"


def test_a_withdrawn_patient_has_no_tier(bundled, groups) -> None:
    profile = profile_of(bundled, "W1", groups)
    assert profile.grading is None
    assert profile.attributes.set_index("attribute").loc["withdrawn", "value"] == "yes"


def test_a_value_that_differs_from_the_paper_is_flagged() -> None:
    published = published_beside("T3-01", {"hb_g_l.m0": 67.0, "hb_g_l.m1": 72.0}).set_index("field")
    assert published.loc["hb_g_l.m0", "status"] == "differs" and published.loc["hb_g_l.m0", "computed"] == "67"
    assert published.loc["hb_g_l.m1", "status"] == "match"
    assert published.loc["tier", "status"] == "not in this file"


def test_a_patient_the_paper_does_not_name_has_nothing_beside(bundled, groups) -> None:
    assert profile_of(bundled, "P01", groups).published.empty


def test_table_8_as_printed() -> None:
    table = published_table_8().set_index("patient_id")
    # Table 8: stop month, SF before discontinuation, SF 24 M
    assert table.loc["T8-1", ["chelation_stop_month", "sf_at_stop", "sf_24m"]].tolist() == [6, 345, 345]
    assert table.loc["T8-2", ["chelation_stop_month", "sf_at_stop", "sf_24m"]].tolist() == [12, 404, 346]
    assert table.loc["T8-3", ["chelation_stop_month", "sf_at_stop", "sf_24m"]].tolist() == [18, 583, 336]
    assert table.loc["T8-4", ["chelation_stop_month", "sf_at_stop", "sf_24m"]].tolist() == [12, 550, 459]
    assert table.loc["T8-4", "genotype"] == "CD41-42/IVS-II-654" and table.loc["T8-3", "sex"] == "F"


def test_profile_of_an_unknown_patient_is_refused(bundled, groups) -> None:
    with pytest.raises(ValueError, match="there is no patient 'nobody'"):
        patient_profile(bundled, "nobody", grade(bundled), groups)


def test_labels_name_genotype_and_type(bundled) -> None:
    assert patient_labels(bundled.patients)["T3-01"] == "T3-01 · CD17/-28 · TDT"


def test_lines_table_has_one_row_per_patient_and_a_column_per_month(tiny) -> None:
    rows = tiny.visits_with(["thal_type"])[["patient_id", "thal_type", "month", "hb_g_l"]]
    table = lines_table(rows, measure="hb_g_l", by="thal_type").set_index("patient_id")
    assert len(table) == tiny.visits["patient_id"].nunique()
    assert table.loc["T-SLR", ["m0", "m6", "m24"]].tolist() == [65, 80, 84]  # tests/cohorts.py
    assert np.isnan(table.loc["T-GAP", "m6"]) and table.loc["N-1", "thal_type"] == "NTDT"


def test_rows_of_several_patients(bundled) -> None:
    rows = rows_of(bundled.visits, pd.Series(["T8-1", "T8-3", "T8-1"]), ["patient_id", "month"])
    assert list(rows.columns) == ["patient_id", "month"]
    assert sorted(rows["patient_id"].unique()) == ["T8-1", "T8-3"] and len(rows) == 14


def test_the_reconstruction_says_table_1_publishes_genotype_and_type(bundled, groups) -> None:
    # Issue 11: the Patient page showed "not recorded" for genotype, alleles and type of the bundled
    # cohort, although Table 1 publishes every analysed patient's genotype and type.
    rows = patient_rows(bundled.patients, "P01")
    facts = patient_profile(bundled, "P01", grade(bundled), groups, reconstruction=True).attributes.set_index("attribute")
    for column in ("genotype", "allele_1", "allele_2", "beta_class", "thal_type"):
        assert facts.loc[column, "provenance"] == "published", column
        assert "Table 1" in facts.loc[column, "provenance_note"]
    raw = rows.iloc[0]
    for column in ("sex", "age_years", "splenectomy"):  # the file's own provenance columns still decide
        assert facts.loc[column, "provenance"] == raw[f"{column}_provenance"]
    assert facts.loc["chelator", "provenance"] == "assumed"
    assert facts.loc["dose_mg_day", "provenance"] == "derived"
    # Table 3 prints T3-01's genotype for that patient; the withdrawn patients' genotypes are assumed.
    t3 = attributes(patient_rows(bundled.patients, "T3-01"), reconstruction=True).set_index("attribute")
    assert "Table 3" in t3.loc["genotype", "provenance_note"]
    w1 = attributes(patient_rows(bundled.patients, "W1"), reconstruction=True).set_index("attribute")
    assert (w1.loc["genotype", "provenance"], w1.loc["thal_type", "provenance"]) == ("assumed", "published")
    assert w1.loc["withdrawal_reason", "provenance"] == "published"


def test_one_patients_profile_is_found_without_a_hash_table_on_the_cohorts_ids():
    """``categories.get_loc`` (or ``==`` on the categorical) builds pandas' hash table on the cohort's id categories and
    keeps it for the cohort's life (62 MiB at a million patients); the profile finds the patient by one comparison."""
    from thaldash.data.loading import load_cohort
    from tools.synthetic import synthetic_cohort

    cohort = load_cohort(synthetic_cohort(12_000, seed=3).to_parquet(index=False), name="ids.parquet").cohort
    categories = cohort.patients["patient_id"].cat.categories
    graded = grade(cohort)
    assert "_engine" not in categories._cache
    pid = str(cohort.patients["patient_id"].iloc[7_000])
    profile = patient_profile(cohort, pid, graded=graded, groups=genotype_groups(graded))
    assert "_engine" not in categories._cache
    # the rows found are that patient's: pandas' own comparison on the ids as text, written here
    want = cohort.visits[cohort.visits["patient_id"].astype("str").to_numpy() == pid]
    pd.testing.assert_frame_equal(profile.rows, want)
    assert profile.grading is not None and str(profile.grading["patient_id"]) == pid
    assert len(patient_rows(cohort.visits, "no such patient")) == 0
