"""The Data page: the loaded file's checks and provenance, and an upload for this session only."""

from __future__ import annotations

from tests.pages.conftest import REPO, parquet_bytes, sidebar_text, tiny_cohort_frame

DATA = REPO / "pages" / "10_Data.py"


def test_bundled_cohort_passes_and_shows_provenance(run_page):
    at = run_page(DATA)
    assert any("Every check of the contract passed" in s.value for s in at.success)
    provenance = at.dataframe[0].value.set_index("measure")
    assert {"hb_g_l", "hbf_pct", "sf_ng_ml", "rbc_units"} <= set(provenance.index)
    counts = provenance[["published", "derived", "assumed", "not_recorded"]].sum(axis=1)
    assert (counts == provenance["total"]).all()
    assert not [b for b in at.button if b.label.startswith("Return to")], "no return button without an upload"


def test_the_contract_is_shown(run_page):
    at = run_page(DATA)
    contract = at.expander[0].markdown[0].value
    assert "| `hb_g_l` | yes |" in contract


def test_a_file_without_provenance_says_so(run_page):
    at = run_page(DATA, "tiny")
    assert any("no `*_provenance` columns" in i.value for i in at.info)


def test_a_valid_upload_becomes_this_sessions_data_and_can_be_dropped(run_page):
    at = run_page(DATA)
    at.file_uploader[0].upload("tiny.parquet", parquet_bytes(tiny_cohort_frame())).run()
    assert not at.exception
    assert "n = 3 of 3 analysed patients" in sidebar_text(at)
    assert any("In use for this session" in s.value for s in at.success)
    at.button(key="thaldash.return_to_default").click().run()
    assert "n = 48 of 48 analysed patients" in sidebar_text(at)
    assert not at.file_uploader[0].value, "the uploader is emptied so the file is not taken again"


def test_an_invalid_upload_is_refused_with_every_problem(run_page):
    at = run_page(DATA)
    bad = tiny_cohort_frame().assign(hb_g_l=8.5)  # a whole column in g/dL
    at.file_uploader[0].upload("bad.parquet", parquet_bytes(bad)).run()
    assert not at.exception
    assert any("cannot be used" in e.value for e in at.error)
    problems = at.dataframe[-1].value
    assert "hb_g_l" in set(problems["column"]) and "error" in set(problems["severity"])
    assert "n = 48 of 48 analysed patients" in sidebar_text(at), "the current data stay in place"
