"""The Patient page's view (``thaldash.views.patient``): its blocks are the patient's profile.

Reference values are the paper's Table 3 (patient ①) and Table 8.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.views.checks import assert_page_is_complete, context
from thaldash.analyses.patient import patient_profile
from thaldash.data.filters import CohortFilter
from thaldash.grading.grade import grade
from thaldash.grading.summary import genotype_groups
from thaldash.views.patient import chosen_patient, patient_view


def test_table_3_patient_1(bundled):
    view = patient_view(context(bundled), patient="T3-01")
    stats = {s.label: s for s in view.headlines}
    assert stats["Tier"].value == "SLR" and stats["Transfusion reduction"].value == "31.0 %"  # Table 3: SlR, 31.0
    assert view.visits.frame.set_index("month").loc[[0, 1, 3, 6], "hb_g_l"].tolist() == [66, 72, 75, 79]  # Table 3
    assert "SLR: still transfused in months 3–6; reduction 31.0% is within 25–50%" in view.rule_trace
    assert view.published.frame["printed"].tolist() == ["CD17/-28", "β0/β+", "male", "16", "66", "72", "75", "79",
                                                        "31.0", "SlR"]
    assert view.published.notes == "10 of 10 printed numbers match"
    assert view.note == ""


def test_the_blocks_are_the_profile(bundled):
    graded = grade(bundled)
    profile = patient_profile(bundled, "T8-2", graded, genotype_groups(graded), reconstruction=True)
    view = patient_view(context(bundled), patient="T8-2")
    pd.testing.assert_frame_equal(view.visits.frame, profile.visits)
    pd.testing.assert_frame_equal(view.facts.frame, profile.attributes)
    assert view.visits.frame.set_index("month").loc[24, "sf_ng_ml"] == 346  # Table 8: SF at 24 M
    assert {"hb_g_l_provenance", "rbc_units_provenance"} <= set(view.visits.columns)
    assert {"provenance", "attribute"} <= set(view.facts.columns)


def test_the_timeline_names_the_patients_facts(bundled):
    # The visits carry no patient-level facts (issue 14): the view joins genotype, type and the chelation stop.
    spec = patient_view(context(bundled), patient="T8-2").timeline.chart.to_dict()
    patient = bundled.patients.set_index("patient_id").loc["T8-2"]
    tier = grade(bundled).set_index("patient_id").loc["T8-2", "tier"]
    assert spec["title"]["subtitle"][0].startswith(f"{patient['genotype']} · {patient['thal_type']} · ")
    assert f"tier {tier}" in spec["title"]["subtitle"][0]
    assert any(row.get("text") == "chelation stopped" for rows in spec["datasets"].values() for row in rows)


def test_a_withdrawn_patient_is_shown_but_not_graded(bundled):
    view = patient_view(context(bundled), patient="W1")
    tier = view.headlines[0]
    assert not tier.computed and tier.reason.startswith("the patient withdrew")
    assert view.rule_trace == ""
    assert view.note == "Patient W1 is outside the sidebar filter; shown because it was asked for."
    assert_page_is_complete(view)


def test_a_file_without_provenance_says_so(tiny):
    pid = str(tiny.patients["patient_id"].iloc[0])
    view = patient_view(context(tiny, bundled=False), patient=pid)
    assert not any(c.endswith("provenance") for c in view.visits.columns)
    assert "The file records no provenance" in view.visits.caption
    assert view.published is None
    assert_page_is_complete(view)


def test_an_unknown_patient_is_refused(bundled):
    with pytest.raises(ValueError, match="no patient"):
        patient_view(context(bundled), patient="T3-99")


def test_the_patient_shown_for_a_link(bundled):
    everyone = context(bundled)
    assert chosen_patient(bundled, everyone.filtered, "") == ("P01", "")
    assert chosen_patient(bundled, everyone.filtered, "T3-99") == (
        "P01", "There is no patient T3-99 in this cohort; showing P01 instead.")
    assert chosen_patient(bundled, everyone.filtered, "W1") == ("W1", "")
    nobody = CohortFilter(genotypes=("CD41-42/CD17",), thal_types=("NTDT",)).apply(bundled)
    assert chosen_patient(bundled, nobody, "") == (str(bundled.patients["patient_id"].iloc[0]), "")


def test_every_block_is_on_the_page(bundled):
    page = assert_page_is_complete(patient_view(context(bundled), patient="T3-01"))
    assert [b.key for b in page.items()] == ["patient_T3-01", "patient_T3-01_visits", "patient_T3-01_facts",
                                             "patient_T3-01_published"]


def test_each_fact_says_why_it_has_its_source_and_derived_is_not_solved(bundled):
    view = patient_view(context(bundled), patient="P01")
    facts = view.facts.frame.set_index("attribute")
    assert view.facts.columns["provenance_note"].label == "Why"
    # Table 1 lists every analysed patient's genotype; the Methods give the dose by age.
    assert "Table 1" in facts.loc["genotype", "provenance_note"] and facts.loc["genotype", "provenance"] == "published"
    assert facts.loc["dose_mg_day", "provenance_note"].startswith("Methods:")
    for caption in (view.visits.caption, view.facts.caption):
        assert "one of many values consistent with the published aggregates" in caption
        assert "solved from" not in caption
