"""The shared page frame (``thaldash.ui``): every page in every scenario, URL state, data source.

Expected patient counts are computed here from the Parquet file with plain pandas (one row per
patient, then boolean masks), independently of ``thaldash.data.filters``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import (NO_PATIENTS_QUERY, REPO, TIMEOUT, main_text, parquet_bytes, sidebar_text,
                                  tiny_cohort_frame)
from thaldash.data.loading import DATA_ENV, bundled_cohort_path
from thaldash.ui.data_source import UPLOAD_KEY, cli_data_path
from thaldash.ui.widgets import plain

OVERVIEW = REPO / "pages" / "1_Overview.py"
HOME = REPO / "app.py"


def unescaped(text: str) -> str:
    """Markdown text as the reader sees it (``plain`` backslash-escapes punctuation)."""
    return re.sub(r"\\(.)", r"\1", text)


def expected_n(**conditions: object) -> int:
    """Analysed patients of the bundled cohort matching ``column == value`` for each condition."""
    patients = pd.read_parquet(bundled_cohort_path()).drop_duplicates("patient_id")
    keep = ~patients["withdrawn"].fillna(False).astype(bool)
    for column, value in conditions.items():
        keep &= patients[column] == value
    return int(keep.sum())


ANALYSED = expected_n()


def test_every_page_runs_in_every_scenario(run_page, page_file: Path, scenario: str):
    at = run_page(page_file, scenario)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title, "the frame draws the page title"
    text = sidebar_text(at)
    if scenario == "no_patients":
        assert f"n = 0 of {ANALYSED} analysed patients" in text
    elif scenario == "tiny":
        assert "n = 3 of 3 analysed patients" in text  # 4 enrolled, 1 withdrew
    elif scenario == "centres":
        assert "n = 9 of 9 analysed patients" in text  # three centres of 4 enrolled, 1 withdrew each
    else:
        assert f"n = {ANALYSED} of {ANALYSED} analysed patients" in text
    # Under the title, before anything else the page says: the bundled file is a reconstruction (the rule:
    # its digest is in data/cohort.sha256); a file of one's own is not called one.
    line = unescaped(at.main.caption[0].value)
    assert ("reconstructed from published aggregates, not patient data" in line) == (scenario in ("bundled", "no_patients")), line
    assert "Patients:" in line


def test_every_export_footer_of_the_bundled_cohort_says_reconstructed(run_page, page_file: Path):
    at = run_page(page_file)
    footer = unescaped(at.main.caption[-1].value)  # Frame.footer_caption: the footer every download carries
    assert "data: cohort.parquet" in footer and "cohort: reconstructed from published aggregates, not patient data" in footer


def test_link_sets_the_filter_and_its_widgets(run_page):
    at = run_page(OVERVIEW, query={"thal_type": "TDT", "splenectomy": "yes"})
    n = expected_n(thal_type="TDT", splenectomy=True)
    assert f"n = {n} of {ANALYSED} analysed patients" in sidebar_text(at)
    assert at.sidebar.multiselect(key="thaldash.w.thal_types").value == ["TDT"]
    assert at.sidebar.radio(key="thaldash.w.splenectomy").value == "yes"
    assert dict(at.query_params) == {"thal_type": "TDT", "splenectomy": "yes"}


def test_changing_a_filter_writes_the_url(run_page):
    at = run_page(OVERVIEW)
    at.sidebar.multiselect(key="thaldash.w.thal_types").select("NTDT").run()
    assert at.query_params["thal_type"] == "NTDT"
    assert f"n = {expected_n(thal_type='NTDT')} of {ANALYSED}" in sidebar_text(at)
    at.sidebar.checkbox(key="thaldash.w.include_withdrawn").check().run()
    assert at.query_params["withdrawn"] == "include"
    assert "of 52 enrolled patients (withdrawn included)" in sidebar_text(at)


def test_reset_filters_clears_widgets_and_url(run_page):
    at = run_page(OVERVIEW, query={"thal_type": "TDT", "sex": "F"})
    at.sidebar.button(key="thaldash.reset_filters").click().run()
    assert dict(at.query_params) == {}
    assert at.sidebar.multiselect(key="thaldash.w.thal_types").value == []
    assert f"n = {ANALYSED} of {ANALYSED}" in sidebar_text(at)


def test_no_patients_is_a_message_not_an_error(run_page):
    at = run_page(OVERVIEW, "no_patients")
    assert any("No patient matches" in i.value for i in at.info)
    assert not at.main.get("arrow_data_frame"), "the page stops before its tables"
    assert dict(at.query_params) == NO_PATIENTS_QUERY, "the link stays shareable"


def test_bad_link_values_are_dropped_with_a_warning(run_page):
    at = run_page(OVERVIEW, query={"thal_type": "XDT", "scenario": "nope", "age_min": "twelve",
                                   "mir_reduction_pct": "lots"})
    warnings = unescaped(" ".join(w.value for w in at.warning))
    for word in ("XDT", "nope", "twelve", "lots"):
        assert word in warnings
    assert dict(at.query_params) == {}
    assert f"n = {ANALYSED} of {ANALYSED}" in sidebar_text(at)


def test_link_values_are_escaped_in_warnings(run_page):
    at = run_page(OVERVIEW, query={"genotype": "[x](https://example.org)"})
    shown = " ".join(w.value for w in at.warning)
    assert "\\[x\\]\\(https" in shown  # a literal text, not a link


def test_scenario_and_thresholds_from_the_link(run_page):
    at = run_page(HOME, query={"scenario": "strict-clinical", "mir_reduction_pct": "40"})
    assert at.sidebar.selectbox(key="thaldash.w.scenario").value == "Strict clinical"
    shown = unescaped(main_text(at))
    assert "Strict clinical (modified): mir_reduction_pct = 40" in shown
    assert dict(at.query_params) == {"scenario": "strict-clinical", "mir_reduction_pct": "40"}


def test_choosing_a_scenario_drops_the_link_thresholds(run_page):
    at = run_page(HOME, query={"mir_reduction_pct": "40"})
    at.sidebar.selectbox(key="thaldash.w.scenario").select("Paper, as printed").run()
    assert dict(at.query_params) == {"scenario": "paper-as-printed"}


def test_presentation_mode_from_the_link(run_page):
    at = run_page(OVERVIEW, query={"present": "1"})
    assert at.sidebar.toggle(key="thaldash.w.present").value is True
    assert any("<style>" in m.value for m in at.markdown)
    assert not at.get("download_button"), "no download buttons in presentation mode"
    at.sidebar.toggle(key="thaldash.w.present").set_value(False).run()
    assert "present" not in at.query_params
    assert at.get("download_button")


PROBE = '''
import streamlit as st
from thaldash.ui import page_frame

frame = page_frame("Probe")
measure = frame.param("measure", "hb_g_l", ("hb_g_l", "hbf_pct"))
st.selectbox("Measure", ("hb_g_l", "hbf_pct"), key=frame.key("measure"))
window = frame.param("window", 6, (3, 6, 12))
groups = frame.param("groups", ("TDT",), ("TDT", "NTDT"))
st.multiselect("Groups", ("TDT", "NTDT"), key=frame.key("groups"))
log = frame.param("log", False)
st.text(f"measure={measure} window={window} groups={groups} log={log}")
'''


def probe(query: dict[str, str]) -> AppTest:
    at = AppTest.from_string(PROBE, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_page_params_are_read_from_the_link():
    at = probe({"measure": "hbf_pct", "window": "12", "groups": "TDT,NTDT", "log": "1", "thal_type": "TDT"})
    assert at.text[0].value == "measure=hbf_pct window=12 groups=('TDT', 'NTDT') log=True"
    assert at.selectbox(key="thaldash.w.probe.measure").value == "hbf_pct"
    assert at.query_params["thal_type"] == "TDT"


def test_page_params_outside_their_choices_fall_back_to_the_default():
    at = probe({"measure": "potassium", "window": "7", "groups": "TDT,other", "log": "maybe"})
    assert at.text[0].value == "measure=hb_g_l window=6 groups=('TDT',) log=False"
    assert dict(at.query_params) == {}


def test_page_param_widgets_write_the_url():
    at = probe({})
    at.selectbox(key="thaldash.w.probe.measure").select("hbf_pct").run()
    assert at.query_params["measure"] == "hbf_pct"
    assert at.text[0].value.startswith("measure=hbf_pct")
    at.selectbox(key="thaldash.w.probe.measure").select("hb_g_l").run()
    assert "measure" not in at.query_params  # the default is not written


def test_a_page_param_may_not_shadow_the_shared_state(caplog):
    at = AppTest.from_string("from thaldash.ui import page_frame\npage_frame('Probe').param('thal_type', 'x')\n",
                             default_timeout=TIMEOUT).run()
    assert at.exception  # a programming error, caught by the page tests
    assert "redacted" in at.exception[0].value  # client.showErrorDetails = "none": no details in the browser
    assert "would clash with the shared URL state" in caplog.text


def test_an_upload_in_the_session_replaces_the_data_for_that_session_only(run_page):
    data = parquet_bytes(tiny_cohort_frame())
    upload = {"name": "tiny.parquet", "data": data, "sha256": hashlib.sha256(data).hexdigest()}
    at = run_page(HOME, session={UPLOAD_KEY: upload})
    assert "n = 3 of 3 analysed patients" in sidebar_text(at)
    assert "tiny.parquet" in unescaped(sidebar_text(at) + main_text(at) + " ".join(c.value for c in at.sidebar.caption))
    other_session = run_page(HOME)
    assert f"n = {ANALYSED} of {ANALYSED}" in sidebar_text(other_session)


def test_an_invalid_data_file_shows_its_problems_not_a_traceback(run_page, monkeypatch, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("patient_id,month\nP1,zero\n", encoding="utf-8")
    monkeypatch.setenv(DATA_ENV, str(bad))
    at = AppTest.from_file(str(OVERVIEW), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "The data cannot be shown"
    assert at.error and "bad.csv" in unescaped(at.error[0].value)
    problems = at.dataframe[0].value
    assert "error" in set(problems["severity"])
    assert "hb_g_l" in set(problems["column"])  # a missing required column, named
    assert at.file_uploader, "a valid file can be uploaded instead"


@pytest.mark.parametrize("argv, expected", [
    (["app.py"], None),
    (["app.py", "--data", "cohort.csv"], Path("cohort.csv")),
    (["app.py", "--server.port", "1", "--data", "x.parquet", "--other"], Path("x.parquet")),
    (["app.py", "--data"], None),                 # no value: ignored, never a crash
    (["app.py", "--dat", "x.parquet"], None),     # no abbreviations
    (["pytest", "-q", "tests/pages"], None),
])
def test_cli_data_path(argv, expected):
    assert cli_data_path(argv) == expected


@pytest.mark.parametrize("text, shown", [
    ("[click](https://example.org)", "\\[click\\]\\(https\\:/\u2060/example\\.org\\)"),
    # GFM autolinks survive escaping (seen in chromium): a word joiner inside each breaks them
    ("see http://host/x.png", "see http\\:/\u2060/host/x\\.png"),
    ("www.host.example", "www\u2060\\.host\\.example"),
    ("me@host.example", "me\u2060@host\\.example"),
    ("![img](x.png)", "\\!\\[img\\]\\(x\\.png\\)"),
    ("**bold** _it_ `code`", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"),
    (":red[alarm] $x$ <b>", "\\:red\\[alarm\\] \\$x\\$ \\<b\\>"),
    ("two\nlines", "two lines"),
    ("CD41-42/-28", "CD41\\-42/\\-28"),
])
def test_plain_escapes_markdown(text, shown):
    assert plain(text) == shown


@pytest.mark.parametrize("ages, query, expected_n", [
    ((14.0, 22.0, None), {"age_min": "14.5"}, 1),     # whole ages: ≥ 14.5 is ≥ 15 → T2 (22) only
    ((12.5, 22.25, None), {"age_min": "12.5", "age_max": "20"}, 1),  # tenths: T1 (12.5) only
    ((12.5, 22.25, None), {"age_min": "1"}, 3),       # below everyone: no restriction, said so
])
def test_age_range_from_a_link(run_page, ages, query, expected_n):
    frame = tiny_cohort_frame()
    frame = frame.assign(age_years=frame["patient_id"].map({"T1": ages[0], "T2": ages[1], "N1": ages[2],
                                                            "W1": 30.0}))
    data = parquet_bytes(frame)
    upload = {"name": "ages.parquet", "data": data, "sha256": hashlib.sha256(data).hexdigest()}
    at = run_page(HOME, query=query, session={UPLOAD_KEY: upload})
    assert not at.exception
    assert f"n = {expected_n} of 3 analysed patients" in sidebar_text(at)


def test_the_frame_starts_without_scipy_stats():
    # A second of import at every cold start (BENCHMARKS.md): only pages that compute statistics load it.
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import sys, thaldash.ui.frame, thaldash.ui.page_setup, thaldash.ui.caching, "
                           "thaldash.grading.summary; print('scipy.stats' in sys.modules)"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_the_home_page_starts_without_pptx_altair_or_scipy_stats():
    # What app.py imports: python-pptx (a deck download), altair (the first chart) and scipy.stats (the
    # reproduction report, bundled cohort only) cost seconds of a cold start the home page does not use.
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import sys, thaldash.ui, thaldash.ui.caching, thaldash.ui.render, "
                           "thaldash.ui.navigation, thaldash.views.home; "
                           "print(sorted(m for m in ('pptx', 'altair', 'scipy.stats') if m in sys.modules))"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("query", [{"age_min": "1e308"}, {"age_max": "-1e308"}, {"age_min": "1e308", "age_max": "2e308"}])
def test_an_absurd_age_in_a_link_is_clamped_not_an_overflow(run_page, query):
    # Issue 17: ?age_min=1e308 on a cohort whose ages are not whole numbers raised OverflowError on every page.
    frame = tiny_cohort_frame()
    frame = frame.assign(age_years=frame["patient_id"].map({"T1": 12.5, "T2": 22.25, "N1": None, "W1": 30.0}))
    data = parquet_bytes(frame)
    upload = {"name": "ages.parquet", "data": data, "sha256": hashlib.sha256(data).hexdigest()}
    at = run_page(HOME, query=query, session={UPLOAD_KEY: upload})
    assert not at.exception
    assert "outside the recorded ages" in " ".join(w.value for w in at.warning)
    at.switch_page("pages/2_Response.py").run()  # the session is not left broken
    assert not at.exception


def test_a_link_that_breaks_the_page_falls_back_to_the_default_view(run_page, monkeypatch):
    # Whatever a link's settings break in the frame, the page shows the default view and says why,
    # and the next runs of the session do not inherit the broken state.
    import thaldash.ui.page_setup as frame_module

    real, calls = frame_module.filter_panel, []

    def fragile(flt, *args, **kwargs):
        calls.append(flt)
        if flt.thal_types:  # the link asked for a type: pretend that breaks the sidebar
            raise OverflowError("cannot convert float infinity to integer")
        return real(flt, *args, **kwargs)

    monkeypatch.setattr(frame_module, "filter_panel", fragile)
    at = run_page(HOME, query={"thal_type": "TDT"})
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "could not be shown" in warnings and "OverflowError" in warnings
    assert "n = 48 of 48 analysed patients" in sidebar_text(at)
    at.run()
    assert not at.exception and not calls[-1].thal_types


def test_repeated_values_in_a_list_setting_count_once(run_page):
    at = run_page(HOME, query={"thal_type": ",".join(["TDT"] * 5000)})
    assert not at.exception
    assert at.sidebar.multiselect(key="thaldash.w.thal_types").value == ["TDT"]
