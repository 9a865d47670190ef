"""The Patient page and the link to it from any page (``thaldash.ui.patient_link``).

Reference values are the paper's Table 3 (patient ①) and the rows of the Parquet files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import REPO, TIMEOUT, main_text
from thaldash.data.loading import DATA_ENV
from thaldash.ui.patient_link import patient_url

PATIENT = REPO / "pages" / "8_Patient.py"
PICKER = "thaldash.w.patient.patient"


def unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def visits(at: AppTest):
    return next(d.value for d in at.dataframe if "hb_g_l" in d.value.columns).set_index("month")


def test_a_link_opens_table_3_patient_1(run_page):
    at = run_page(PATIENT, query={"patient": "T3-01"})
    assert not at.exception
    assert at.selectbox(key=PICKER).value == "T3-01"
    assert visits(at).loc[[0, 1, 3, 6], "hb_g_l"].tolist() == [66, 72, 75, 79]  # Table 3, patient ①
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tier"] == "SLR" and metrics["Transfusion reduction"] == "31.0 %"  # Table 3: SlR, 31.0
    assert "SLR: still transfused in months 3–6; reduction 31.0% is within 25–50%" in unescaped(main_text(at))
    published = next(d.value for d in at.dataframe if "printed" in d.value.columns)
    assert published["printed"].tolist() == ["CD17/-28", "β0/β+", "male", "16", "66", "72", "75", "79", "31.0", "SlR"]
    assert set(published["status"]) == {"match"}
    assert dict(at.query_params) == {"patient": "T3-01"}


def test_each_value_shows_where_it_comes_from(run_page):
    at = run_page(PATIENT, query={"patient": "T3-01"})
    table = visits(at)
    assert table.loc[0, "hb_g_l_provenance"] == "published" and table.loc[12, "rbc_units_provenance"] == "assumed"
    facts = next(d.value for d in at.dataframe if "provenance" in d.value.columns).set_index("attribute")
    assert facts.loc["splenectomy", "provenance"] == "assumed" and facts.loc["sex", "provenance"] == "published"


def test_an_unknown_patient_falls_back_with_a_warning(run_page):
    at = run_page(PATIENT, query={"patient": "T3-99"})
    assert not at.exception
    assert "There is no patient T3-99 in this cohort" in unescaped(" ".join(w.value for w in at.warning))
    assert at.selectbox(key=PICKER).value == "P01"  # the filter's first patient


def test_a_withdrawn_patient_is_shown_but_not_graded(run_page):
    at = run_page(PATIENT, query={"patient": "W1"})
    assert not at.exception
    assert "outside the sidebar filter" in unescaped(" ".join(i.value for i in at.info))
    assert "Tier**: not computed — the patient withdrew" in unescaped(main_text(at))


def test_choosing_a_patient_writes_the_url(run_page):
    at = run_page(PATIENT)
    at.selectbox(key=PICKER).select("T8-2").run()
    assert at.query_params["patient"] == "T8-2"
    assert visits(at).loc[24, "sf_ng_ml"] == 346  # Table 8: SF at 24 M


def test_a_missing_visit_in_a_tiny_cohort(run_page):
    at = run_page(PATIENT, "tiny", query={"patient": "N1"})
    assert not at.exception
    assert visits(at).loc[18, "visit"] == "no visit"
    assert "The file records no provenance" in main_text(at)


def test_no_patient_in_the_filter_still_opens_a_linked_patient(run_page):
    at = run_page(PATIENT, "no_patients", query={"patient": "T3-02"})
    assert not at.exception
    assert at.selectbox(key=PICKER).value == "T3-02"


LINKER = """
import streamlit as st
from thaldash.ui.patient_link import open_patient
if st.button("open"):
    open_patient("T3-05")
st.write("start")
"""


@pytest.fixture
def app_with_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A main script beside the app's pages/ (as app.py is): ``open_patient`` can switch to them."""
    monkeypatch.delenv(DATA_ENV, raising=False)
    (tmp_path / "pages").symlink_to(REPO / "pages", target_is_directory=True)
    script = tmp_path / "main.py"
    script.write_text(LINKER)
    return script


def test_open_patient_switches_to_the_patient_page(app_with_pages: Path):
    at = AppTest.from_file(str(app_with_pages), default_timeout=TIMEOUT).run()
    at.button[0].click().run()
    assert [t.value for t in at.title] == ["Patient"]
    assert dict(at.query_params) == {"patient": "T3-05"}
    assert visits(at).loc[[0, 1, 3, 6], "hb_g_l"].tolist() == [61, 64, 75, 69]  # Table 3, patient ⑤


def test_open_patient_without_the_pages_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    script = tmp_path / "alone.py"
    script.write_text(LINKER)
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT).run()
    at.button[0].click().run()
    assert not at.exception
    assert "cannot be opened here" in at.warning[0].value


def test_the_patient_url():
    assert patient_url("T3-01") == "Patient?patient=T3-01"


def test_each_fact_says_why_it_has_its_source(run_page):
    at = run_page(PATIENT, query={"patient": "W1"})
    facts = next(d.value for d in at.dataframe if "provenance" in d.value.columns).set_index("attribute")
    # The Results give the four withdrawals with their month and reason.
    assert facts.loc["withdrawn", "provenance"] == "published"
    assert "4 withdrawals" in facts.loc["withdrawn", "provenance_note"]
    assert "one of many values consistent with the published aggregates" in main_text(at).replace("\\", "")
