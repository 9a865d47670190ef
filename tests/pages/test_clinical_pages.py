"""The clinical pages (Genotype look-up, Independence, Safety, Dose and NTDT) on the bundled cohort, a tiny
cohort and an empty filter; the numbers on screen are the report's (``reports.clinical.clinical_sections``).

Reference values: the paper (Table 1, Results) and intervals from ``scipy.stats`` called here.
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from tests.pages.conftest import REPO, main_text
from thaldash.reports.clinical import clinical_sections

LOOKUP = REPO / "pages" / "11_Genotype_look-up.py"
INDEPENDENCE = REPO / "pages" / "12_Independence.py"
SAFETY = REPO / "pages" / "13_Safety.py"
DOSE = REPO / "pages" / "14_Dose_and_NTDT.py"
PAGES = (LOOKUP, INDEPENDENCE, SAFETY, DOSE)


@pytest.fixture(scope="module")
def report(bundled) -> dict[str, pd.DataFrame]:
    return clinical_sections(bundled)


def table_with(at, *columns: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert found, f"no table with {columns}"
    return found[0]


def metrics(at) -> dict[str, str]:
    return {m.label.replace("\\", ""): m.value for m in at.main.metric}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
@pytest.mark.parametrize("scenario", ["bundled", "tiny", "no_patients"])
def test_page_runs(run_page, page, scenario):
    at = run_page(page, scenario)
    assert not at.exception, [e.value for e in at.exception]
    if scenario == "no_patients":
        assert "No patient matches the filters" in main_text(at)


def test_lookup_accepts_any_spelling_and_shows_the_reports_numbers(run_page, report):
    at = run_page(LOOKUP, query={"lookup": "βCD17/βCD41-42"})  # either order, the paper's spelling
    assert not at.exception
    shown = metrics(at)
    # Table 1, ⑤ βCD41-42/βCD17: 5 TDT, all 5 detached; Clopper–Pearson 5/5.
    assert shown["TDT: transfusion independent"] == "100.0 %"
    ci = stats.binomtest(5, 5).proportion_ci(method="exact")
    assert f"5 of 5 · 95% CI {100 * ci.low:.1f}–{100 * ci.high:.1f} %" in " ".join(c.value for c in at.caption)
    on_screen = table_with(at, "endpoint", "k", "basis").drop(columns="basis").reset_index(drop=True)
    rows = report["genotype_endpoints"]
    mine = rows[rows["genotype"] == "CD41-42/CD17"].drop(columns=["genotype", "basis"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(on_screen, mine[list(on_screen.columns)], check_dtype=False)  # the shown columns
    claim = table_with(at, "comparison", "counts_from")
    assert claim["p"].tolist() == report["genotype_claim"]["p"].tolist()
    assert claim["counts_from"].iloc[0] == "Table 1 (published counts)"
    assert "uses Table 1's printed counts only" in main_text(at).replace("\\", "")


def test_lookup_of_one_patient_says_no_estimate(run_page):
    at = run_page(LOOKUP, query={"lookup": "CD41-42/β-43"})  # Table 1, ⑩: 1 case, TDT
    text = main_text(at).replace("\\", "")
    assert "one patient: no estimate" in text and "No NTDT patient matches." in text
    assert "TDT: transfusion independent" not in metrics(at)


def test_lookup_refuses_one_allele_with_a_sentence(run_page):
    at = run_page(LOOKUP, query={"lookup": "CD41-42"})
    assert not at.exception
    assert "is not two alleles" in " ".join(w.value for w in at.warning)


def test_lookup_by_class(run_page, report):
    at = run_page(LOOKUP, query={"by": "beta_class", "bclass": "β0/β+"})
    assert not at.exception
    tdt = table_with(at, "endpoint", "k").set_index("thal_type").loc["TDT"]
    assert (tdt["k"], tdt["n"]) == (8, 17)  # Table 1 by class: β0/β+ 8 of 17 independent


def test_independence_page_shows_the_reports_numbers(run_page, report):
    at = run_page(INDEPENDENCE)
    assert not at.exception
    incidence = table_with(at, "visit", "cum_incidence").set_index("visit")
    overall = report["ti_incidence"]
    overall = overall[overall["grouping"] == "all TDT patients"].set_index("visit")
    assert incidence["cum_incidence"].tolist() == overall["cum_incidence"].tolist()
    assert incidence.loc[[1.0, 3.0], "events"].tolist() == [16, 5]  # Table 1: 16 within 1 month, 5 at 3
    model = table_with(at, "odds_ratio", "events_per_parameter")
    assert model["odds_ratio"].tolist() == report["ti_model"]["odds_ratio"].tolist()
    aucs = table_with(at, "auc")
    assert aucs["auc"].tolist() == report["ti_roc"]["auc"].tolist()
    assert "6.5 events per parameter" in main_text(at).replace("\\", "")


def test_independence_by_class_and_genotype_set(run_page):
    at = run_page(INDEPENDENCE, query={"by": "beta_class"})
    assert set(table_with(at, "visit", "beta_class")["beta_class"]) == {"β0/β0", "β0/β+", "β+/β+"}
    at = run_page(INDEPENDENCE, query={"by": "genotype_set", "set": "CD41-42/CD17,CD17/CD17"})
    groups = table_with(at, "visit", "genotype_set").groupby("genotype_set")["n"].first()
    assert groups.to_dict() == {"chosen genotypes": 7, "other genotypes": 27}  # Table 1: 5 + 2 TDT


def test_safety_page_shows_the_papers_counts(run_page, report):
    at = run_page(SAFETY)
    assert not at.exception
    table = table_with(at, "event", "status")
    assert table["n"].tolist() == pytest.approx(report["safety"]["n"].tolist(), nan_ok=True)
    assert table.set_index("event").loc["thrombosis", "status"] == "not reported"
    readings = table_with(at, "reading")
    assert readings["n"].tolist() == [4, 8]  # C9: 4 to 8 of 52


def test_safety_page_with_an_uploaded_table(run_page):
    from thaldash.ui.adverse_source import UPLOAD_KEY

    data = b"patient_id,event,grade,led_to_withdrawal\nP01,rash,1,no\nW1,severe rash,3,yes\n"
    at = run_page(SAFETY, session={UPLOAD_KEY: {"name": "ae.csv", "data": data, "sha256": "ae-test"}})
    assert not at.exception
    rash = table_with(at, "event", "status").set_index("event").loc["rash"]
    # Of the 52 enrolled (withdrawals included): P01 and W1 had a rash, W1 withdrew for it.
    assert (rash["status"], rash["n"], rash["total"], rash["n_withdrawn"]) == ("recorded", 2, 52, 1)
    assert table_with(at, "event", "status").set_index("event").loc["thrombosis", "status"] == "none recorded"


def test_dose_page_states_the_confounding(run_page, report):
    at = run_page(DOSE)
    assert not at.exception
    warning = " ".join(w.value for w in at.warning).replace("\\", "")
    assert warning == report["dose_confounding"]["statement"].iloc[0]
    test = table_with(at, "comparison", "odds_ratio")
    assert test["p"].tolist() == report["dose_test"]["p"].tolist()
    ntdt = next(d.value for d in at.dataframe if "endpoint" in d.value and "dose_mg_day" not in d.value)
    expected = report["endpoints"][report["endpoints"]["thal_type"] == "NTDT"]
    assert ntdt["k"].tolist() == expected["k"].tolist() and ntdt["n"].tolist() == [14] * 4  # Results: 14 NTDT


def test_data_page_documents_and_checks_the_adverse_events_table(run_page):
    from thaldash.ui.adverse_source import UPLOAD_KEY

    at = run_page(REPO / "pages" / "10_Data.py")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "`led_to_withdrawal`" in text and "THALDASH_ADVERSE_EVENTS" in text
    assert "No adverse-events table is given." in main_text(at)
    data = b"patient_id,event\nP99,rash\n"  # not a patient of the cohort
    at = run_page(REPO / "pages" / "10_Data.py", session={UPLOAD_KEY: {"name": "ae.csv", "data": data,
                                                                        "sha256": "ae-bad"}})
    assert "cannot be used (1 error(s), 0 warning(s))" in main_text(at).replace("\\", "")
    problems = next(d.value for d in at.dataframe if "problem" in d.value)
    assert problems["problem"].str.contains("P99 is not in the cohort file").any()
