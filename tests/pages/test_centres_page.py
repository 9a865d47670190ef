"""A folder of three centres in the app: the centre filter, the small-cell and schedule settings, the
Centres page and the Data page's file column (``tests.pages.conftest.write_centres_folder``)."""

from __future__ import annotations

import pytest

from tests.pages.conftest import CENTRES, REPO, sidebar_text

CENTRES_PAGE = REPO / "pages" / "15_Centres.py"
DATA = REPO / "pages" / "10_Data.py"


def test_the_sidebar_offers_centres_small_cells_and_the_schedule(run_page):
    at = run_page(CENTRES_PAGE, "centres")
    assert not at.exception
    centre = [m for m in at.sidebar.multiselect if m.label == "Centre"]
    assert len(centre) == 1 and tuple(centre[0].options) == CENTRES
    assert [n.value for n in at.sidebar.number_input if n.label.startswith("Downloads")] == [5]
    assert [r.value for r in at.sidebar.radio if r.label == "Visits off the study schedule"] == ["nearest"]


def test_the_bundled_reconstruction_has_no_centre_filter_and_no_small_cell_guard(run_page):
    at = run_page(CENTRES_PAGE)
    assert not at.exception
    assert not [m for m in at.sidebar.multiselect if m.label == "Centre"]
    assert not [n for n in at.sidebar.number_input if n.label.startswith("Downloads")]
    assert any("one centre" in i.value for i in at.info)


def test_a_centre_link_filters_the_patients(run_page):
    at = run_page(CENTRES_PAGE, "centres", query={"centre": "south"})
    assert not at.exception
    assert "n = 3 of 9 analysed patients" in sidebar_text(at)
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == ["south"]
    assert not any("name one centre" in i.value for i in at.info)  # the data have three; the filter keeps one
    assert "filter keeps the patients of one centre" in " ".join(e.value for e in [*at.markdown, *at.caption])


def test_the_centres_page_tables(run_page):
    at = run_page(CENTRES_PAGE, "centres")
    patients = at.dataframe[0].value
    assert list(patients.iloc[:, 0]) == list(CENTRES)
    assert any("ORR differs between centres?" in m.label for m in at.metric) or "not computed" in at.markdown[0].value


def test_the_data_page_lists_files_and_moved_visits(run_page):
    at = run_page(DATA, "centres")
    assert not at.exception
    captions = " ".join(c.value for c in at.caption).replace("\\", "")  # Markdown escapes of plain()
    assert "3 files, one cohort: east.parquet, north.parquet, south.csv" in captions
    moved = [d.value for d in at.dataframe if "recorded_month" in d.value.columns or "Recorded month" in d.value.columns]
    assert len(moved) == 1 and len(moved[0]) == 2  # south's T1 at 17 (read as 18) and N1 at 2 (left out)


def _centre_files(broken: bool = False) -> list[tuple[str, bytes, str]]:
    from tests.pages.conftest import parquet_bytes, tiny_cohort_frame

    frame = tiny_cohort_frame()
    south = frame.copy()
    if broken:
        south.loc[south.index[0], "hb_g_l"] = -5.0
    return [("east.parquet", parquet_bytes(frame), "application/octet-stream"),
            ("north.parquet", parquet_bytes(frame), "application/octet-stream"),
            ("south.csv", south.to_csv(index=False).encode(), "text/csv")]


def test_several_uploaded_files_are_one_cohort_of_centres(run_page):
    at = run_page(DATA)
    at.file_uploader[0].set_value(_centre_files()).run()
    assert not at.exception
    assert "n = 9 of 9 analysed patients" in sidebar_text(at)
    assert any("In use for this session: 3 uploaded files" in s.value for s in at.success)
    assert [m for m in at.sidebar.multiselect if m.label == "Centre"]


def test_one_broken_uploaded_file_refuses_them_all_and_is_named(run_page):
    at = run_page(DATA)
    at.file_uploader[0].set_value(_centre_files(broken=True)).run()
    assert not at.exception
    assert "n = 48 of 48 analysed patients" in sidebar_text(at)  # the current data stay
    assert any("3 uploaded files cannot be used" in e.value for e in at.error)
    problems = at.dataframe[-1].value
    errors = problems[problems["severity"] == "error"]
    assert set(errors["file"]) == {"south.csv"} and set(errors["column"]) == {"hb_g_l"}


def test_the_link_sets_k_and_the_schedule_and_the_environment_sets_the_default(run_page, monkeypatch):
    at = run_page(CENTRES_PAGE, "centres", query={"min_cell": "10", "schedule": "recorded"})
    assert not at.exception
    assert [n.value for n in at.sidebar.number_input if n.label.startswith("Downloads")] == [10]
    assert [r.value for r in at.sidebar.radio if r.label == "Visits off the study schedule"] == ["recorded"]
    # As recorded, south's visits at months 17 and 2 are off the schedule (T1 analysed; N1 analysed).
    patients = at.dataframe[0].value
    assert int(patients[patients.iloc[:, 0] == "south"]["n_off_schedule"].iloc[0]) == 2
    monkeypatch.setenv("THALDASH_MIN_CELL", "3")
    at = run_page(CENTRES_PAGE, "centres")
    # Read at the nearest study month, the same two visits are still counted as recorded off the schedule.
    patients = at.dataframe[0].value
    assert int(patients[patients.iloc[:, 0] == "south"]["n_off_schedule"].iloc[0]) == 2
    assert [n.value for n in at.sidebar.number_input if n.label.startswith("Downloads")] == [3]
    at = run_page(CENTRES_PAGE, "centres", query={"min_cell": "lots"})
    assert any("not a whole number" in w.value for w in at.warning)


def test_a_patient_link_names_the_centre_and_the_id(run_page):
    from thaldash.ui.patient_link import patient_url

    patient = REPO / "pages" / "8_Patient.py"
    at = run_page(patient, "centres", query={"patient": "south/T1"})
    assert not at.exception and not at.warning
    assert at.selectbox(key="thaldash.w.patient.patient").value == "south/T1"
    visits = next(d.value for d in at.dataframe if "hb_g_l" in d.value.columns)
    # south.csv moves T1's month-18 visit to 17; the Patient page shows the visits as recorded (18 empty).
    by_month = visits.set_index("month")["hb_g_l"]
    assert by_month.notna()[17] and by_month.isna()[18]
    assert "patient=south%2FT1" in patient_url("south/T1")


@pytest.mark.parametrize(("page", "query"), [("2_Response.py", {"by": "centre"}),
                                             ("3_Trajectories.py", {"grouping": "centre"}),
                                             ("4_Comparisons.py", {"grouping": "centre", "group_a": "east",
                                                                   "group_b": "south"})])
def test_pages_group_by_centre(run_page, page, query):
    at = run_page(REPO / "pages" / page, "centres", query=query)
    assert not at.exception and not at.warning
    column = "label" if page.startswith("4_") else "centre"  # Comparisons labels its two groups
    shown = [d.value for d in at.dataframe if column in d.value.columns]
    assert shown
    values = set().union(*(set(d[column]) for d in shown))
    assert {"east", "south"} <= {str(v).split(" ⚠")[0] for v in values}  # Comparisons marks small groups
