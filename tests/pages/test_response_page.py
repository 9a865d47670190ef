"""The Response page: tiers, ORR and transfusion independence with exact CIs, by subgroup, beside the paper.

Numbers on screen are compared with the paper (Abstract, Results, Table 1) and with intervals from
``scipy.stats.binomtest(k, n).proportion_ci(method="exact")`` called here.
"""

from __future__ import annotations

import re

import pytest
from scipy import stats
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import REPO, TIMEOUT, main_text
from thaldash.data.loading import DATA_ENV
from thaldash.grading.scenarios import SCENARIOS, scenario_slug

RESPONSE = REPO / "pages" / "2_Response.py"


def unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def table_with(at: AppTest, column: str):
    """The first table on the page that has ``column``."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with a {column!r} column"
    return found[0]


def exact_ci_text(k: int, n: int) -> str:
    ci = stats.binomtest(k, n).proportion_ci(method="exact")  # Clopper–Pearson
    return f"95% CI {100 * ci.low:.1f}–{100 * ci.high:.1f} %"


def test_headline_numbers_are_the_papers_with_exact_intervals(run_page):
    at = run_page(RESPONSE)
    assert not at.exception
    metrics = {unescaped(m.label): m.value for m in at.metric}
    # Abstract: MaR 35/48 = 72.9 %, ORR 44/48 = 91.7 %, 21/34 TDT transfusion-free = 61.8 %; 16 within 1 month
    assert metrics == {"All: major response (MaR), per protocol": "72.9 %",
                       "All: overall response (MaR + MiR + SLR), per protocol": "91.7 %",
                       "TDT transfusion-free": "61.8 %", "TDT free within 1 month": "47.1 %",
                       "TDT: overall response (MaR + MiR + SLR), per protocol": "88.2 %",
                       "TDT: major response (MaR), per protocol": "61.8 %",
                       "NTDT: major response (MaR), per protocol": "100.0 %"}
    captions = " ".join(c.value for c in at.caption)
    for k, n in ((35, 48), (44, 48), (21, 34), (16, 34)):
        assert f"n = {n} · {k} " in captions and exact_ci_text(k, n) in captions
    assert "Clopper–Pearson exact" in captions


def test_the_published_figures_are_beside_on_the_bundled_unfiltered_cohort(run_page):
    at = run_page(RESPONSE)
    beside = table_with(at, "printed")
    assert beside["printed"].tolist() == ["35/48 = 72.9%", "44/48 = 91.7%", "21/34 = 61.8%", "16", "5"]
    assert beside["n"].tolist() == [35, 44, 21, 16, 5] and beside["same_count"].all()


@pytest.mark.parametrize("query", [{"thal_type": "TDT"}, {"scenario": "strict-clinical"}, {"mir_reduction_pct": "40"}])
def test_the_paper_is_not_beside_a_filtered_or_regraded_view(run_page, query):
    at = run_page(RESPONSE, query=query)
    assert not [d for d in at.dataframe if "printed" in d.value.columns]


def test_tier_and_independence_tables(run_page):
    at = run_page(RESPONSE)
    tiers = table_with(at, "tier").set_index("tier")
    assert tiers.loc[["MaR", "MiR", "SLR", "NR", "ORR", "not evaluable"], "n"].tolist() == [35, 0, 9, 4, 44, 0]
    timing = table_with(at, "category").set_index("category")
    assert timing.loc[["within 1 month", "at 3 months"], "n"].tolist() == [16, 5]  # Table 1, "Amount to"


def test_group_by_comes_from_the_link_and_counts_each_group(run_page):
    at = run_page(RESPONSE, query={"by": "thal_type"})
    assert at.radio(key="thaldash.w.response.by").value == "thal_type"
    wide = table_with(at, "thal_type").set_index("thal_type")
    assert wide.loc["TDT", ["MaR", "SLR", "NR", "n"]].tolist() == [21, 9, 4, 34]
    assert wide.loc["NTDT", ["MaR", "n"]].tolist() == [14, 14]
    at.radio(key="thaldash.w.response.by").set_value("splenectomy").run()
    assert at.query_params["by"] == "splenectomy"
    assert set(table_with(at, "splenectomy")["splenectomy"]) <= {"yes", "no"}


def test_one_patient_groups_are_not_computed(run_page):
    at = run_page(RESPONSE, "tiny", query={"by": "genotype"})  # one patient per genotype
    notes = table_with(at, "genotype")["note"]
    assert notes.str.startswith("not computed: only 1 evaluable patient").all()


def test_a_one_patient_filter_shows_not_computed_instead_of_intervals(run_page):
    at = run_page(RESPONSE, query={"genotype": "CD41-42/CD43"})  # Table 1: a single case
    assert not at.exception
    text = unescaped(main_text(at))
    assert "All: major response (MaR), per protocol**: not computed — only 1 evaluable patient (an interval needs at least 2)" in text
    assert "Tier chart**: not computed — fewer than 2 patients in the denominator" in text
    assert "No non-MaR patients." in text
    assert not at.metric


def test_the_denominator_is_a_page_control_and_the_header_agrees_with_it(run_page):
    at = run_page(RESPONSE, query={"withdrawn": "include", "analysis": "intention-to-treat"})
    assert at.radio(key="thaldash.w.response.analysis").value == "intention-to-treat"
    assert "(n = 52)" in unescaped(at.main.caption[0].value)  # Results: 52 enrolled
    tiers = table_with(at, "tier").set_index("tier")
    assert tiers.loc["MaR", ["n", "total"]].tolist() == [35, 52] and tiers.loc["withdrawn", "n"] == 4
    at.radio(key="thaldash.w.response.analysis").set_value("per-protocol").run()
    assert table_with(at, "tier").set_index("tier").loc["MaR", "total"] == 48
    assert at.query_params.get("analysis") is None  # the default is not written into the link


def test_intention_to_treat_without_the_withdrawn_says_what_to_tick(run_page):
    at = run_page(RESPONSE, query={"analysis": "intention-to-treat"})
    assert any("Include withdrawn patients" in w.value for w in at.warning)


def test_the_reduction_two_ways_and_the_caveat_of_outcome_groups(run_page):
    at = run_page(RESPONSE, query={"by": "genotype_group"})
    reduction = table_with(at, "units_in_window")
    assert [round(p, 1) for p in reduction["pct"]] == [31.3, 30.8]  # Results: 31.3 %, unweighted
    assert any("defined by the outcome" in i.value for i in at.info)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_grading_scenario_runs(run_page, name):
    at = run_page(RESPONSE, query={"scenario": scenario_slug(name)} if name != "Paper, as applied" else {})
    assert not at.exception and not at.error
    assert name in unescaped(main_text(at))


def test_clicking_a_non_mar_patient_opens_the_patient_page(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page("pages/2_Response.py").run()
    table = table_with(at, "rule_trace")
    # What a click on the third row sends (st.dataframe's selection state).
    at.session_state["thaldash.pick.non_mar_patients"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert [t.value for t in at.title] == ["Patient"]
    assert at.query_params["patient"] == table["patient_id"].iloc[2]
    assert at.selectbox(key="thaldash.w.patient.patient").value == table["patient_id"].iloc[2]


def test_the_reconstructions_counts_say_what_they_rest_on(run_page):
    at = run_page(RESPONSE)
    basis = table_with(at, "tier").set_index("tier")["basis"]
    # Abstract and Results print 35 MaR and 44 responders of 48.
    assert basis.loc[["MaR", "ORR"]].tolist() == ["published", "published"]
    spleen = table_with(run_page(RESPONSE, query={"splenectomy": "yes"}), "tier")
    assert set(spleen["basis"]) == {"⚠ assumed"}  # the paper reports no splenectomy subgroup
    assert "basis" not in table_with(run_page(RESPONSE, "tiny"), "tier").columns
