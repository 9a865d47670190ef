"""The Overview page: study flow, demographics and Table 1 on screen, with and without filters.

Reference numbers are the paper's (Yang et al. 2024, Results "General conditions" and Table 1).
"""

from __future__ import annotations

from tests.pages.conftest import REPO

OVERVIEW = REPO / "pages" / "1_Overview.py"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_study_flow_52_4_48(run_page):
    at = run_page(OVERVIEW)
    assert metrics(at) == {"Enrolled": "52", "Withdrew": "4", "Analysed": "48"}


def test_tables_show_demographics_and_table_1(run_page):
    at = run_page(OVERVIEW)
    withdrawals, demographics, table_1 = (d.value for d in at.dataframe)
    assert withdrawals["n"].sum() == 4
    sex = demographics[demographics["characteristic"] == "Sex"].set_index("category")["n"]
    assert (sex["M"], sex["F"]) == (30, 22)
    total = table_1.set_index("genotype").loc["Total"]
    # Table 1, "Amount to 14 34 16 5 48"
    assert (total["n_ntdt"], total["n_tdt"], total["n_tdt_ti_1m"], total["n_tdt_ti_3m"], total["n_total"]) == \
        (14, 34, 16, 5, 48)


def test_a_tdt_filter_restricts_every_section(run_page):
    at = run_page(OVERVIEW, query={"thal_type": "TDT"})
    # 38 TDT enrolled, the 4 who withdrew were all TDT, 34 analysed (Results).
    assert metrics(at) == {"Enrolled": "38", "Withdrew": "4", "Analysed": "34"}
    table_1 = at.dataframe[2].value.set_index("genotype")
    assert table_1.loc["Total", "n_total"] == 34 and table_1.loc["Total", "n_ntdt"] == 0


def test_tiny_cohort_with_one_patient_groups(run_page):
    at = run_page(OVERVIEW, "tiny")
    assert metrics(at) == {"Enrolled": "4", "Withdrew": "1", "Analysed": "3"}
    table_1 = at.dataframe[2].value.set_index("genotype")
    assert list(table_1["n_total"]) == [1, 1, 1, 3]
    assert table_1.loc["CD17/CD17", "group"] == "SLR/NR group"


def test_presentation_mode_hides_downloads(run_page):
    assert run_page(OVERVIEW).get("download_button")
    assert not run_page(OVERVIEW, query={"present": "1"}).get("download_button")


def test_demographics_population_is_a_page_param(run_page):
    at = run_page(OVERVIEW, query={"population": "analysed"})
    assert at.radio(key="thaldash.w.overview.population").value == "analysed"
    demographics = at.dataframe[1].value
    assert set(demographics["total"]) == {48}
    at.radio(key="thaldash.w.overview.population").set_value("enrolled").run()
    assert "population" not in at.query_params
    assert set(at.dataframe[1].value["total"]) == {52}
