"""The Transfusion and iron page: units before vs on treatment, reductions, and Table 8.

Reference values are computed here from the Parquet file's rows (units per month = units ÷
months) or are the paper's (Table 3 patient ①'s 31.0 % reduction; Table 8).
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import REPO, TIMEOUT, main_text
from thaldash.data.loading import DATA_ENV, bundled_cohort_path

IRON = REPO / "pages" / "7_Transfusion_and_iron.py"
KEY = "thaldash.w.transfusion-and-iron."


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_units_before_and_on_treatment_per_tdt_patient(run_page):
    at = run_page(IRON)
    assert not at.exception
    units = table_with(at, "pre_units_per_month").set_index("patient_id")
    visits = pd.read_parquet(bundled_cohort_path())
    analysed_tdt = visits[(visits["thal_type"] == "TDT") & ~visits["withdrawn"]]
    assert sorted(units.index) == sorted(analysed_tdt["patient_id"].unique())  # 34 TDT (Results)
    mine = visits[visits["patient_id"] == "T3-01"]
    pre = mine["pre_rbc_units_24m"].iloc[0]
    on = mine.loc[mine["month"].between(1, 6), "rbc_units"].sum()
    row = units.loc["T3-01"]
    assert row["pre_units_per_month"] == pytest.approx(pre / 24)
    assert row["units_per_month_window"] == pytest.approx(on / 6)
    assert round(row["reduction_pct_window"], 1) == 31.0  # Table 3, patient ①


def test_table_8_computed_and_as_published(run_page):
    at = run_page(IRON)
    computed = table_with(at, "sf_change").set_index("patient_id")
    published = next(d.value for d in at.dataframe
                     if "sf_at_stop" in d.value.columns and "sf_change" not in d.value.columns).set_index("patient_id")
    # Table 8: stop month, SF before discontinuation, SF at 24 M
    paper = {"T8-1": (6, 345, 345), "T8-2": (12, 404, 346), "T8-3": (18, 583, 336), "T8-4": (12, 550, 459)}
    for pid, values in paper.items():
        assert tuple(computed.loc[pid, ["chelation_stop_month", "sf_at_stop", "sf_24m"]]) == values
        assert tuple(published.loc[pid, ["chelation_stop_month", "sf_at_stop", "sf_24m"]]) == values


def test_the_published_table_8_is_only_beside_the_unfiltered_bundled_cohort(run_page):
    at = run_page(IRON, query={"genotype": "CD41-42/CD17"})
    assert sum("sf_at_stop" in d.value.columns for d in at.dataframe) == 1
    assert len(table_with(at, "sf_change")) == 3  # T8-1, T8-2, T8-3


def test_a_filter_without_tdt_patients_says_so(run_page):
    at = run_page(IRON, query={"thal_type": "NTDT"})
    assert not at.exception
    assert any("No TDT patient matches the filter" in i.value for i in at.info)


def test_a_file_without_chelation_stops_says_so(run_page):
    at = run_page(IRON, "tiny")
    assert not at.exception
    assert "No patient of the filter had chelation stopped" in main_text(at)


@pytest.mark.parametrize("query", [{"period": "24m"}, {"ferritin": "stops", "log": "1"}, {"ferritin": "stops"},
                                   {"scenario": "strict-clinical"}])
def test_views_from_the_link_run(run_page, query):
    at = run_page(IRON, query=query)
    assert not at.exception and not at.error
    assert dict(at.query_params) == query


def test_clicking_a_table_8_row_opens_the_patient(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page("pages/7_Transfusion_and_iron.py").run()
    at.session_state["thaldash.pick.chelation_stops"] = {"selection": {"rows": [3], "columns": [], "cells": []}}
    at.run()
    assert [t.value for t in at.title] == ["Patient"]
    assert at.query_params["patient"] == "T8-3"  # sorted by stop month: T8-3 stopped last (18 M)
