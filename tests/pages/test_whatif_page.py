"""The What-if page: its numbers are the core's, the rules live in the shared state and the URL.

Expected counts are computed here through the core the page and the CLI share
(``thaldash.grading.grade.grade``), never read back from the page's own helpers.
"""

from __future__ import annotations

import argparse
import json
import re

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.cohorts import tiny_frame
from tests.pages.conftest import REPO, TIMEOUT, main_text, parquet_bytes, sidebar_text
from thaldash.cli import grade as grade_command
from thaldash.cli.common import rules_from_args
from thaldash.data.schema import NOT_EVALUABLE
from thaldash.grading.grade import grade
from thaldash.grading.summary import genotype_groups
from thaldash.data.loading import DATA_ENV, bundled_cohort_path, load_cohort
from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import SCENARIOS, rules_text
from thaldash.grading.sensitivity import sensitivity_grid
from thaldash.ui.state import rule_widget_key
from thaldash.grading.scenarios import rules_from_params
from thaldash.grading.whatif import sweep_values

PAGE = REPO / "pages" / "6_What-if.py"
TIERS = ("MaR", "MiR", "SLR", "NR")


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(bundled_cohort_path()).cohort


def unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def tier_table(at: AppTest) -> pd.DataFrame:
    """The page's tier table (the first table with a "tier" column), indexed by tier."""
    table = next(d.value for d in at.main.dataframe if "tier" in d.value.columns)
    return table.set_index("tier")


def counts(at: AppTest, column: str = "whatif") -> dict[str, int]:
    """n of each tier as the page shows it in ``column`` ("35/48 = 72.9 % (…)" → 35)."""
    table = tier_table(at)
    return {t: int(str(table.loc[t, column]).split("/")[0]) for t in (*TIERS, NOT_EVALUABLE)}


def expected_counts(cohort, rules: GradingRules) -> dict[str, int]:
    tiers = grade(cohort, rules)["tier"]  # the core call both the page and the CLI make
    return {t: int((tiers == t).sum()) for t in (*TIERS, NOT_EVALUABLE)}


def transition_total(at: AppTest) -> int:
    """Sum of the transition heatmap's cells, read from the chart's own dataset."""
    for chart in at.get("vega_lite_chart"):
        title = json.loads(chart.proto.spec).get("title", {})
        if title.get("text") == "How patients move between tiers":
            (dataset,) = chart.proto.datasets
            return int(pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()["n"].sum())
    raise AssertionError("no transition heatmap on the page")


def run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture(autouse=True)
def bundled_data(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)


def test_default_rules_show_the_published_counts(cohort):
    at = run()
    assert not at.exception
    # The paper, Results: "The ORR was 91.7% (44/48 cases), and 72.9% showed MaR (35/48 cases)"; Table 3
    # grades 9 of the 13 still-transfused patients SLR and 4 NR, so no MiR.
    assert counts(at) == {"MaR": 35, "MiR": 0, "SLR": 9, "NR": 4, NOT_EVALUABLE: 0}
    table = tier_table(at)
    assert table.loc["ORR", "whatif"].startswith("44/48 = 91.7 %")
    assert table.loc["ORR", "paper"].startswith("44/48 = 91.7 %")  # the published column, bundled and unfiltered
    assert [table.loc[t, "paper"].split(" ")[0] for t in TIERS] == ["35/48", "0/48", "9/48", "4/48"]
    metrics = {unescaped(m.label): m.value for m in at.metric}
    assert metrics["ORR (MaR + MiR + SLR)"] == "91.7 %"
    assert "Clopper–Pearson" in main_text(at)
    assert transition_total(at) == 48
    assert dict(at.query_params) == {}


@pytest.mark.parametrize("query", [
    {"mir_reduction_pct": "35", "slr_reduction_pct": "20"},
    {"scenario": "strict-clinical"},
    {"scenario": "paper-criteria-read-as-g-dl", "hb_rise_measure": "best_within_window"},
    {"window_months": "12", "transfusion_free_months": "6"},
    {"hb_criterion": "everyone", "mar_hb_rise_g_l": "15", "mir_hb_rise_g_l": "5"},
], ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_thresholds_in_the_link_give_the_cores_counts(cohort, query):
    at = run(query)
    assert not at.exception and not at.error
    _, rules, warnings = rules_from_params(query)
    assert not warnings
    assert counts(at) == expected_counts(cohort, rules)
    assert transition_total(at) == len(grade(cohort, rules))
    for name, value in rules.to_params().items():  # the controls show the link's rules
        widget = at.main.get("slider") + at.main.get("radio")
        shown = next(w.value for w in widget if w.key == rule_widget_key(name))
        assert str(shown) == value or float(shown) == float(value), name
    assert dict(at.query_params) == query, "the address keeps the rules"


def test_moving_a_slider_regrades_and_writes_the_url(cohort):
    at = run()
    at.slider(key=rule_widget_key("slr_reduction_pct")).set_value(40.0).run()
    assert not at.exception
    assert at.query_params["slr_reduction_pct"] == "40"
    assert counts(at) == expected_counts(cohort, GradingRules(slr_reduction_pct=40))
    assert counts(at, "reference") == expected_counts(cohort, GradingRules())
    assert "Paper, as applied (modified)" in unescaped(main_text(at))  # the title line follows
    assert "slr_reduction_pct = 40" in unescaped("\n".join(c.value for c in at.sidebar.caption))


def test_an_invalid_combination_is_explained_not_applied(cohort):
    at = run({"mir_reduction_pct": "40"})
    at.slider(key=rule_widget_key("slr_reduction_pct")).set_value(45.0).run()
    assert not at.exception
    error = unescaped(" ".join(e.value for e in at.error))
    assert "must not exceed" in error and "last valid rules" in error
    assert at.slider(key=rule_widget_key("slr_reduction_pct")).value == 45.0, "the user's value stays to be fixed"
    assert dict(at.query_params) == {"mir_reduction_pct": "40"}
    assert counts(at) == expected_counts(cohort, GradingRules(mir_reduction_pct=40))


def test_the_reference_is_selectable_and_in_the_url(cohort):
    at = run({"reference": "strict-clinical"})
    assert counts(at, "reference") == expected_counts(cohort, SCENARIOS["Strict clinical"])
    assert counts(at) == expected_counts(cohort, GradingRules())
    at.selectbox(key="thaldash.w.what-if.reference").select("paper-as-printed").run()
    assert at.query_params["reference"] == "paper-as-printed"
    assert counts(at, "reference") == expected_counts(cohort, SCENARIOS["Paper, as printed"])


def test_presets_and_reset_set_the_shared_grading(cohort):
    at = run({"mir_reduction_pct": "35"})
    at.button(key="whatif.preset.Strict clinical").click().run()
    assert dict(at.query_params) == {"scenario": "strict-clinical"}
    assert at.sidebar.selectbox(key="thaldash.w.scenario").value == "Strict clinical"
    assert counts(at) == expected_counts(cohort, SCENARIOS["Strict clinical"])
    assert at.slider(key=rule_widget_key("transfusion_free_months")).value == 6
    at.button(key="whatif.preset.Paper, as applied").click().run()  # "Reset to the paper, as applied"
    assert dict(at.query_params) == {}
    assert counts(at) == {"MaR": 35, "MiR": 0, "SLR": 9, "NR": 4, NOT_EVALUABLE: 0}


def test_choosing_a_scenario_in_the_sidebar_moves_the_controls():
    at = run({"mir_reduction_pct": "35"})
    at.sidebar.selectbox(key="thaldash.w.scenario").select("Paper, as printed").run()
    assert at.slider(key=rule_widget_key("mir_reduction_pct")).value == 50.0
    assert at.radio(key=rule_widget_key("hb_criterion")).value == "everyone"
    assert dict(at.query_params) == {"scenario": "paper-as-printed"}


def test_the_sidebar_filter_applies_and_hides_the_published_column(cohort):
    at = run({"thal_type": "TDT", "mir_reduction_pct": "35"})
    tdt = cohort.subset(cohort.patients.loc[cohort.patients["thal_type"] == "TDT", "patient_id"], "tdt")
    assert counts(at) == expected_counts(tdt, GradingRules(mir_reduction_pct=35))
    assert transition_total(at) == 34  # Results: 34 TDT patients analysed
    assert "paper" not in tier_table(at).columns


def test_genotype_groups_are_decided_on_the_whole_cohort(cohort):
    at = run({"scenario": "strict-clinical", "thal_type": "TDT", "view": "Genotype groups"})
    assert not at.exception
    before = genotype_groups(grade(cohort)).set_index("genotype")["group"]
    after = genotype_groups(grade(cohort, SCENARIOS["Strict clinical"])).set_index("genotype")["group"]
    leaving = {g for g in before.index if before[g] == "MaR group" and after[g] != "MaR group"}
    table = next(d.value for d in at.main.dataframe if "move" in d.value.columns)
    assert set(table.loc[table["move"] == "leaves the MaR group", "genotype"]) == leaving
    assert f"{len(leaving)} leave it" in main_text(at)


def test_a_chosen_patient_shows_their_course(cohort):
    # Entered from the app's entry script, as in a browser: a page link resolves against it.
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.switch_page("pages/6_What-if.py")
    for key, value in {"mir_reduction_pct": "30", "slr_reduction_pct": "20", "patient": "T3-02"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    graded = grade(cohort, GradingRules(mir_reduction_pct=30, slr_reduction_pct=20)).set_index("patient_id")
    graded_ref = grade(cohort).set_index("patient_id")
    text = unescaped(main_text(at))
    assert f"T3-02 under Paper, as applied**: {graded_ref.loc['T3-02', 'rule_trace']}" in text
    assert f"Under the what-if rules**: {graded.loc['T3-02', 'rule_trace']}" in text
    titles = [json.loads(c.proto.spec).get("title", {}) for c in at.get("vega_lite_chart")]
    assert any("T3-02" in str(t) for t in titles), "the patient's timeline is drawn"
    if (REPO / "pages" / "8_Patient.py").exists():
        links = at.main.get("page_link")
        assert any("T3-02" in unescaped(link.proto.label) for link in links)  # escaped: the label renders Markdown


def test_the_sweep_grid_is_the_cores(cohort):
    at = run({"view": "Where the conclusions tip", "mir_reduction_pct": "40"})
    assert not at.exception
    rules = GradingRules(mir_reduction_pct=40)
    grid = sensitivity_grid(cohort, rules, x="slr_reduction_pct", x_values=sweep_values("slr_reduction_pct", 25.0),
                            y="window_months", y_values=sweep_values("window_months", 6))
    valid = grid[grid["valid"]]
    assert f"ORR from {valid['orr_pct'].min():.1f} % to {valid['orr_pct'].max():.1f} %" in main_text(at)


def test_sweep_axes_from_the_link_and_the_same_rule_twice(cohort):
    at = run({"view": "Where the conclusions tip", "sweep_x": "mar_hb_rise_g_l", "sweep_y": "mir_hb_rise_g_l",
              "sweep_value": "mar_pct", "hb_criterion": "everyone"})
    rules = GradingRules(hb_criterion="everyone")
    grid = sensitivity_grid(cohort, rules, x="mar_hb_rise_g_l", x_values=sweep_values("mar_hb_rise_g_l", 20.0),
                            y="mir_hb_rise_g_l", y_values=sweep_values("mir_hb_rise_g_l", 10.0))
    valid = grid[grid["valid"]]
    assert f"MaR rate from {valid['mar_pct'].min():.1f} % to {valid['mar_pct'].max():.1f} %" in main_text(at)
    at = run({"view": "Where the conclusions tip", "sweep_x": "window_months", "sweep_y": "window_months"})
    assert not at.exception
    assert any("two different rules" in i.value for i in at.info)


def test_not_evaluable_patients_are_counted_and_listed(tmp_path, monkeypatch):
    path = tmp_path / "gap.parquet"
    path.write_bytes(parquet_bytes(tiny_frame()))  # T-GAP has no month-6 visit
    monkeypatch.setenv(DATA_ENV, str(path))
    at = run()
    assert not at.exception
    assert counts(at)[NOT_EVALUABLE] == 1
    listed = next(d.value for d in at.main.dataframe if "trace_reference" in d.value.columns)
    assert list(listed["patient_id"]) == ["T-GAP"]
    assert "Not evaluable under either rule set: 1 patients" in unescaped(main_text(at))
    assert "n = 7 of 7 analysed patients" in sidebar_text(at)


@pytest.mark.parametrize("settings", [["mir_reduction_pct=35", "slr_reduction_pct=20"], ["window_months=12"],
                                      ["hb_criterion=untransfused", "mar_hb_rise_g_l=25"]])
def test_the_cli_grades_as_the_page_for_the_same_rules(cohort, settings, capsys):
    query = dict(s.split("=") for s in settings)
    page_rules = rules_from_params(query)[1]
    assert rules_from_args("paper-as-applied", settings) == page_rules  # one reading of the rules
    parser = argparse.ArgumentParser()
    grade_command.add_arguments(parser)
    assert grade_command.run(parser.parse_args(["--format", "json", *(f"--set={s}" for s in settings)])) == 0
    cli = pd.DataFrame(json.loads(capsys.readouterr().out))
    cli_counts = {t: int((cli["tier"] == t).sum()) for t in (*TIERS, NOT_EVALUABLE)}
    assert cli_counts == counts(run(query))


def test_the_rules_follow_the_user_to_another_page_and_back(cohort):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.switch_page("pages/6_What-if.py").run()
    at.slider(key=rule_widget_key("mir_reduction_pct")).set_value(35.0).run()
    at.slider(key=rule_widget_key("slr_reduction_pct")).set_value(45.0).run()  # refused: above the MiR 35 %
    assert at.error
    at.switch_page("pages/1_Overview.py").run()
    assert not at.exception
    sidebar_note = unescaped("\n".join(c.value for c in at.sidebar.caption))
    assert "mir_reduction_pct = 35" in sidebar_note, "the other page grades with the what-if rules"
    at.switch_page("pages/6_What-if.py").run()
    assert not at.exception and not at.error
    assert at.slider(key=rule_widget_key("slr_reduction_pct")).value == 25.0  # the shared rules, not a stale value
    assert at.slider(key=rule_widget_key("mir_reduction_pct")).value == 35.0
    assert counts(at) == expected_counts(cohort, GradingRules(mir_reduction_pct=35))


RULES_PROBE = '''
import streamlit as st
from thaldash.grading.scenarios import SCENARIOS
from thaldash.ui import page_frame

frame = page_frame("Probe")
st.button("Strict", key="strict", on_click=frame.set_rules, args=("Strict clinical", SCENARIOS["Strict clinical"]))

@st.fragment
def rules():
    f = frame.refresh_rules()
    st.slider("MiR", 0.0, 100.0, step=1.0, key=f.rule_key("mir_reduction_pct"), on_change=f.rules_changed)
    st.slider("SLR", 0.0, 100.0, step=1.0, key=f.rule_key("slr_reduction_pct"), on_change=f.rules_changed)
    st.text(f"rules={f.rules.describe()} scenario={f.scenario} problem={f.rules_problem}")

rules()
'''


def test_the_frame_api_for_pages_that_edit_the_rules():
    at = AppTest.from_string(RULES_PROBE, default_timeout=TIMEOUT)
    at.query_params["scenario"] = "strict-clinical"
    at.query_params["mir_reduction_pct"] = "45"
    at.run()
    assert at.slider(key=rule_widget_key("mir_reduction_pct")).value == 45.0  # seeded from the link
    at.slider(key=rule_widget_key("mir_reduction_pct")).set_value(40.0).run()
    assert dict(at.query_params) == {"scenario": "strict-clinical", "mir_reduction_pct": "40"}
    assert "mir_reduction_pct=40;" in at.text[0].value and "scenario=Strict clinical (modified)" in at.text[0].value
    assert at.sidebar.selectbox(key="thaldash.w.scenario").value == "Strict clinical"
    at.slider(key=rule_widget_key("slr_reduction_pct")).set_value(41.0).run()  # above MiR: refused, explained
    assert "must not exceed" in at.text[0].value and "mir_reduction_pct=40;" in at.text[0].value
    assert dict(at.query_params) == {"scenario": "strict-clinical", "mir_reduction_pct": "40"}
    at.sidebar.selectbox(key="thaldash.w.scenario").select("Paper, as applied").run()  # the sidebar wins
    assert at.slider(key=rule_widget_key("mir_reduction_pct")).value == 50.0
    assert at.slider(key=rule_widget_key("slr_reduction_pct")).value == 25.0
    assert "problem=None" in at.text[0].value and dict(at.query_params) == {}
    at.button(key="strict").click().run()
    assert dict(at.query_params) == {"scenario": "strict-clinical"}
    assert at.sidebar.selectbox(key="thaldash.w.scenario").value == "Strict clinical"


def test_pinned_rules_are_the_reference_and_the_link_keeps_them(cohort):
    at = run({"mir_reduction_pct": "40", "slr_reduction_pct": "30"})
    at.button(key="whatif.pin").click().run()
    pinned = GradingRules(mir_reduction_pct=40, slr_reduction_pct=30)
    assert at.query_params["reference"] == "pinned"
    assert at.query_params["pinned"] == rules_text(pinned)
    at.slider(key=rule_widget_key("mir_reduction_pct")).set_value(60.0).run()
    assert not at.exception
    assert counts(at, "reference") == expected_counts(cohort, pinned)
    assert counts(at) == expected_counts(cohort, GradingRules(mir_reduction_pct=60, slr_reduction_pct=30))
    assert "Pinned rules" in unescaped(main_text(at))
    again = run(dict(at.query_params))  # the link, opened in another browser
    assert counts(again, "reference") == expected_counts(cohort, pinned)
    assert counts(again) == counts(at)


def test_pinned_rules_that_cannot_be_read_are_explained_and_not_used(cohort):
    at = run({"reference": "pinned", "pinned": "mir_reduction_pct:lots"})
    assert not at.exception
    warning = unescaped(" ".join(w.value for w in at.main.warning))
    assert "pinned rules in the link are not used" in warning and "mir_reduction_pct" in warning
    assert counts(at, "reference") == expected_counts(cohort, GradingRules())


def test_the_page_says_what_the_rules_do_and_pairs_the_difference():
    at = run({"scenario": "strict-clinical"})
    assert not at.exception
    # Issue 11: under Strict clinical all 21 transfusion-free TDT patients lose MaR.
    assert any("All 21 TDT patients graded MaR under the reference lose MaR" in i.value for i in at.info)
    assert tier_table(at).loc["MaR", "paired"].startswith("-43.8 (")  # 21 of the 48 lose MaR, none gains it: −21/48
