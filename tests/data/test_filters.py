"""Tests for the sidebar filter (``thaldash.data.filters``): each filter, URL round trip, bad links.

The cohort is hand-written: six patients whose attributes are chosen so that each filter keeps a
known set of patient ids, read off the table below (not computed by the code under test).
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from thaldash.data.cohort import Cohort
from thaldash.data.filters import BETA_CLASSES, CohortFilter, options
from thaldash.data.loading import load_cohort

#  id   alleles           type  spleen sex age  withdrawn   beta class
PATIENTS = [
    ("A", "CD41-42", "-28", "TDT", True, "M", 12.0, False),   # β0/β+
    ("B", "CD41-42", "CD17", "TDT", False, "F", 16.0, False),  # β0/β0
    ("C", "-28", "-28", "NTDT", False, "F", 30.0, False),      # β+/β+
    ("D", "CD17", "-28", "NTDT", True, "M", None, False),      # β0/β+, age not recorded
    ("E", "CD17", "-28", "TDT", False, "M", 18.0, False),      # β0/β+
    ("W", "CD41-42", "CD17", "TDT", True, "F", 15.0, True),    # β0/β0, withdrew
]


def _cohort() -> Cohort:
    rows = []
    for pid, a1, a2, thal, spleen, sex, age, gone in PATIENTS:
        for month in (0, 1):
            rows.append({"patient_id": pid, "allele_1": a1, "allele_2": a2, "thal_type": thal,
                         "splenectomy": spleen, "pre_rbc_units_24m": 40.0 if thal == "TDT" else 0.0,
                         "month": month, "hb_g_l": 80.0, "hbf_pct": 20.0, "sf_ng_ml": 2000.0,
                         "rbc_units": 0.0, "sex": sex, "age_years": age, "withdrawn": gone})
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_parquet(buffer)
    result = load_cohort(buffer.getvalue(), name="six.parquet")
    assert result.ok, result.problems
    return result.cohort


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return _cohort()


def kept(cohort: Cohort, flt: CohortFilter) -> list[str]:
    return sorted(flt.apply(cohort).patients["patient_id"])


@pytest.mark.parametrize("flt, expected", [
    (CohortFilter(), ["A", "B", "C", "D", "E"]),
    (CohortFilter(include_withdrawn=True), ["A", "B", "C", "D", "E", "W"]),
    (CohortFilter(genotypes=("CD17/-28",)), ["D", "E"]),
    (CohortFilter(genotypes=("CD17/-28", "-28/-28")), ["C", "D", "E"]),
    (CohortFilter(alleles=("CD17",)), ["B", "D", "E"]),
    (CohortFilter(alleles=("CD41-42", "-28")), ["A", "B", "C", "D", "E"]),
    (CohortFilter(beta_classes=("β0/β0",)), ["B"]),
    (CohortFilter(beta_classes=("β0/β+",)), ["A", "D", "E"]),
    (CohortFilter(thal_types=("NTDT",)), ["C", "D"]),
    (CohortFilter(splenectomy="yes"), ["A", "D"]),
    (CohortFilter(splenectomy="no"), ["B", "C", "E"]),
    (CohortFilter(sexes=("F",)), ["B", "C"]),
    (CohortFilter(age_min=14, age_max=18), ["B", "E"]),  # bounds inclusive; D has no age
    (CohortFilter(age_min=18), ["C", "E"]),
    (CohortFilter(age_max=12), ["A"]),
    (CohortFilter(thal_types=("TDT",), splenectomy="no", sexes=("M",)), ["E"]),
    (CohortFilter(thal_types=("TDT",), splenectomy="yes", include_withdrawn=True), ["A", "W"]),
])
def test_each_filter_keeps_the_expected_patients(cohort, flt, expected):
    assert kept(cohort, flt) == expected


def test_filter_restricts_visits_as_well_as_patients(cohort):
    filtered = CohortFilter(thal_types=("NTDT",)).apply(cohort)
    assert sorted(filtered.visits["patient_id"].unique()) == ["C", "D"]
    assert len(filtered.visits) == 4  # two visits each


def test_filter_that_matches_nobody_gives_an_empty_cohort(cohort):
    filtered = CohortFilter(thal_types=("NTDT",), splenectomy="yes", sexes=("F",)).apply(cohort)
    assert len(filtered.patients) == 0 and len(filtered.visits) == 0
    assert list(filtered.visits.columns) == list(cohort.visits.columns)


def test_different_filters_give_different_cache_keys(cohort):
    a = CohortFilter(thal_types=("TDT",)).apply(cohort)
    b = CohortFilter(thal_types=("NTDT",)).apply(cohort)
    assert a.sha256 != b.sha256 != cohort.sha256
    assert a.sha256.startswith(cohort.sha256)


def test_apply_does_not_modify_the_cohort(cohort):
    before = cohort.visits.copy()
    CohortFilter(thal_types=("TDT",)).apply(cohort)
    pd.testing.assert_frame_equal(cohort.visits, before)


def test_order_and_duplicates_do_not_make_filters_different():
    assert CohortFilter(thal_types=("TDT", "NTDT", "TDT")) == CohortFilter(thal_types=("NTDT", "TDT"))
    assert hash(CohortFilter(sexes=("M", "F"))) == hash(CohortFilter(sexes=("F", "M")))


@pytest.mark.parametrize("flt", [
    CohortFilter(),
    CohortFilter(genotypes=("CD41-42/-28", "CD17/-28"), alleles=("CAP+1",), beta_classes=("β0/β+",)),
    CohortFilter(thal_types=("TDT",), splenectomy="yes", age_min=12, age_max=18),
    CohortFilter(sexes=("F",), age_min=12.5, include_withdrawn=True),
    CohortFilter(age_max=40.25),
])
def test_params_round_trip(flt):
    back, warnings = CohortFilter.from_params(flt.to_params())
    assert back == flt
    assert warnings == []


def test_default_filter_writes_no_params():
    assert CohortFilter().to_params() == {}


def test_params_are_text():
    params = CohortFilter(age_min=12, include_withdrawn=True, thal_types=("TDT",)).to_params()
    assert params == {"thal_type": "TDT", "age_min": "12", "withdrawn": "include"}


@pytest.mark.parametrize("params, expected, n_warnings", [
    ({"thal_type": "XDT"}, CohortFilter(), 1),
    ({"thal_type": "tdt"}, CohortFilter(thal_types=("TDT",)), 0),            # case forgiven
    ({"beta_class": "b0/b "}, CohortFilter(beta_classes=("β0/β+",)), 0),     # "+" decoded as space
    ({"beta_class": "β0/β+,nonsense"}, CohortFilter(beta_classes=("β0/β+",)), 1),
    ({"splenectomy": "maybe"}, CohortFilter(), 1),
    ({"age_min": "twelve", "age_max": "18"}, CohortFilter(age_max=18), 1),
    ({"age_min": "20", "age_max": "10"}, CohortFilter(), 1),
    ({"age_min": "inf"}, CohortFilter(), 1),
    ({"withdrawn": "perhaps"}, CohortFilter(), 1),
    ({"withdrawn": "exclude"}, CohortFilter(), 0),
    ({"measure": "hb_g_l", "window_months": "6"}, CohortFilter(), 0),        # other state in the URL
    ({"thal_type": ",,"}, CohortFilter(), 0),
])
def test_bad_params_are_dropped_with_a_warning(params, expected, n_warnings):
    flt, warnings = CohortFilter.from_params(params)
    assert flt == expected
    assert len(warnings) == n_warnings
    assert all(isinstance(w, str) and w.endswith(".") for w in warnings)


def test_values_the_cohort_lacks_are_dropped_when_options_are_given(cohort):
    flt, warnings = CohortFilter.from_params(
        {"genotype": "CD17/-28,IVS-II-654/HbE", "allele": "HbE,CD17", "sex": "F"}, options(cohort))
    assert flt == CohortFilter(genotypes=("CD17/-28",), alleles=("CD17",), sexes=("F",))
    assert len(warnings) == 2 and "IVS-II-654/HbE" in warnings[0] and "HbE" in warnings[1]


def test_invalid_settings_raise_on_construction():
    with pytest.raises(ValueError, match="splenectomy"):
        CohortFilter(splenectomy="sometimes")
    with pytest.raises(ValueError, match="age_min"):
        CohortFilter(age_min=30, age_max=20)


def test_options_list_what_the_cohort_has(cohort):
    opts = options(cohort)
    assert opts.genotypes == ("-28/-28", "CD17/-28", "CD41-42/-28", "CD41-42/CD17")
    assert opts.alleles == ("-28", "CD17", "CD41-42")
    assert opts.beta_classes == ("β0/β0", "β0/β+", "β+/β+")  # in BETA_CLASSES order
    assert set(opts.beta_classes) <= set(BETA_CLASSES)
    assert opts.thal_types == ("TDT", "NTDT")
    assert opts.sexes == ("F", "M")
    assert opts.age_range == (12.0, 30.0)


@pytest.mark.parametrize("flt, text", [
    (CohortFilter(), "all analysed patients"),
    (CohortFilter(thal_types=("TDT",), splenectomy="yes", age_min=12, age_max=18),
     "TDT · splenectomy: yes · age 12–18"),
    (CohortFilter(alleles=("CD17",), include_withdrawn=True), "carrying CD17 · withdrawn patients included"),
    (CohortFilter(age_min=18), "age ≥ 18"),
])
def test_describe(flt, text):
    assert flt.describe() == text
