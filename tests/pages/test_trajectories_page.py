"""The Trajectories page: means with 95% CIs by group, Fig. 2 in one click, lines, completeness.

Reference means are computed here from the Parquet file with pandas and ``scipy.stats.t.interval``
(grouped by the investigators' ``published_tier``, which the paper's rule reproduces), or are
the paper's Table 2.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import REPO, TIMEOUT, main_text
from thaldash.data.loading import DATA_ENV, bundled_cohort_path

TRAJECTORIES = REPO / "pages" / "3_Trajectories.py"
KEY = "thaldash.w.trajectories."


def shown_text(at: AppTest) -> str:
    """The main area's text as read on screen (captions are Markdown-escaped by ``thaldash.ui.render``)."""
    return re.sub(r"\\(.)", r"\1", main_text(at))


def means_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "estimate" in d.value.columns)


@pytest.fixture(scope="module")
def analysed() -> pd.DataFrame:
    visits = pd.read_parquet(bundled_cohort_path())
    return visits[~visits["withdrawn"]]


def test_means_by_tier_match_scipy(run_page, analysed):
    at = run_page(TRAJECTORIES)
    assert not at.exception
    shown = means_table(at).set_index(["tier", "month"])
    for (tier, month), values in analysed.groupby(["published_tier", "month"])["hb_g_l"]:
        row = shown.loc[(tier, month)]
        low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
        assert row["n"] == len(values)
        assert (row["mean"], row["ci_low"], row["ci_high"]) == pytest.approx((values.mean(), low, high))


def test_fig_2_is_one_click_and_its_link_reproduces_it(run_page):
    at = run_page(TRAJECTORIES, query={"measure": "sf_ng_ml", "lines": "1"})
    next(b for b in at.button if b.label == "Fig. 2 of the paper").click().run()
    assert dict(at.query_params) == {"grouping": "genotype", "months": "6", "patients": "mar"}
    assert at.selectbox(key=KEY + "measure").value == "hb_g_l"
    shown = means_table(at).set_index(["genotype", "month"])["mean"]
    # Table 2 (Hb, g/L, MaR group by genotype at 0/1/3/6 M)
    for genotype, means in {"-28/-28": (84.67, 95.67, 113.33, 120.33), "CD17/-29": (90.75, 101.75, 117.00, 124.25),
                            "CD17/CD17": (80.33, 92.33, 103.00, 101.67)}.items():
        assert [round(shown[(genotype, m)], 2) for m in (0, 1, 3, 6)] == list(means)
    assert means_table(at)["genotype"].nunique() == 10  # Table 2: ten genotypes, 33 patients
    again = run_page(TRAJECTORIES, query=dict(at.query_params))
    pd.testing.assert_frame_equal(means_table(again), means_table(at))


def test_ferritin_on_a_log_scale_is_a_geometric_mean(run_page, analysed):
    at = run_page(TRAJECTORIES, query={"measure": "sf_ng_ml", "grouping": "none", "log": "1"})
    table = means_table(at).set_index("month")
    assert set(table["estimate"]) == {"geometric mean"}
    for month, values in analysed.groupby("month")["sf_ng_ml"]:
        assert table.loc[month, "mean"] == pytest.approx(stats.gmean(values))
    assert "geometric mean" in shown_text(at)


def test_one_patient_groups_have_no_interval(run_page):
    at = run_page(TRAJECTORIES, "tiny", query={"grouping": "genotype"})
    table = means_table(at)
    assert (table["n"] == 1).all() and table["ci_low"].isna().all()
    assert table["reason"].str.startswith("not computed: only 1 value").all()


def test_individual_lines_list_the_patients_drawn(run_page):
    at = run_page(TRAJECTORIES, query={"lines": "1"})
    lines = next(d.value for d in at.dataframe if "m0" in d.value.columns)
    assert len(lines) == 48 and lines["patient_id"].is_unique
    assert "Thin lines: all 48 patients." in shown_text(at)


def test_completeness_says_when_nothing_is_missing_and_counts_gaps(run_page):
    at = run_page(TRAJECTORIES)
    assert "Every patient has a value at every expected month (336 values)" in shown_text(at)
    tiny = run_page(TRAJECTORIES, "tiny")
    summary = next(d.value for d in tiny.dataframe if "n_visit" in d.value.columns).set_index("month")
    assert summary.loc[18, ["n_expected", "n_visit"]].tolist() == [3, 2]  # N1 has no month-18 visit
    assert np.isclose(summary.loc[18, "pct_visit"], 200 / 3)


def test_clicking_a_line_patient_opens_the_patient_page(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page("pages/3_Trajectories.py").run()
    at.toggle(key=KEY + "lines").set_value(True).run()
    lines = next(d.value for d in at.dataframe if "m0" in d.value.columns)
    at.session_state["thaldash.pick.trajectory_patients"] = {"selection": {"rows": [5], "columns": [], "cells": []}}
    at.run()
    assert [t.value for t in at.title] == ["Patient"]
    assert at.query_params["patient"] == lines["patient_id"].iloc[5]


def test_fig_2_flags_small_groups_and_marks_what_the_reconstruction_assumed(run_page):
    at = run_page(TRAJECTORIES, query={"grouping": "genotype", "months": "6", "patients": "mar"})
    assert not at.exception
    table = means_table(at)
    # Table 2: 33 MaR-group patients in ten genotypes, so some genotypes have fewer than 5; the flag is n < 5.
    assert ((table["n"] < 5) == (table["flag"] == "⚠ n < 5")).all() and (table["n"] < 5).any()
    assert "basis" in table.columns and "rest on fewer than 5 patients" in shown_text(at)


def test_tiers_as_groups_carry_the_outcome_caveat(run_page):
    at = run_page(TRAJECTORIES)
    assert any("defined by the outcome" in i.value for i in at.info)
    by_type = run_page(TRAJECTORIES, query={"grouping": "thal_type"})
    assert not any("defined by the outcome" in i.value for i in by_type.info)


def test_the_tiny_upload_has_no_basis_column(run_page):
    at = run_page(TRAJECTORIES, "tiny", query={"grouping": "none"})
    assert not at.exception and "basis" not in means_table(at).columns
