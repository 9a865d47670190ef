"""The clinical sections of the report (``thaldash.reports.clinical``) and the CLI's ``--adverse-events``.

Reference numbers: the paper (Results, Table 1); every section must hold what the analyses return,
since the pages call the same functions.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from thaldash.analyses.claim import genotype_claim
from thaldash.analyses.independence import ti_course
from thaldash.cli import main
from thaldash.reports.clinical import CLINICAL_FIELDS, clinical_sections
from thaldash.reports.report import SECTION_FIELDS, full_report

AE_CSV = "patient_id,event,month,grade,led_to_withdrawal\nP01,rash,1,1,no\nW1,severe rash,1,3,yes\n"


@pytest.fixture(scope="module")
def sections(bundled):
    return clinical_sections(bundled)


def test_every_clinical_section_is_in_the_report_with_its_fields(sections):
    assert set(CLINICAL_FIELDS) <= set(SECTION_FIELDS)
    for name, fields in CLINICAL_FIELDS.items():
        assert set(fields) <= set(sections[name].columns), name


def test_the_papers_numbers_in_the_clinical_sections(sections):
    tdt = sections["endpoints"].set_index("thal_type").loc["TDT"]
    assert (tdt["k"], tdt["n"]) == (21, 34)  # Results: 21 of 34 TDT free of transfusion
    incidence = sections["ti_incidence"]
    overall = incidence[incidence["grouping"] == "all TDT patients"].set_index("visit")
    assert overall.loc[[1.0, 3.0], "events"].tolist() == [16, 5]  # Table 1: 16 within 1 month, 5 at 3 months
    safety = sections["safety"].set_index("event")
    assert safety.loc["eyelid/facial oedema", ["n", "total"]].tolist() == [9, 52]  # Results
    assert sections["dose_confounding"]["confounded"].iloc[0]


def test_the_claim_section_is_the_analysis(bundled, sections):
    direct = genotype_claim(bundled, ti_course(bundled))
    assert sections["genotype_claim"]["p"].tolist() == direct["p"].tolist()


def test_another_cohort_reports_without_the_paper(tiny):
    report = full_report(tiny, today=dt.date(2026, 1, 1))
    json.dumps(report, allow_nan=False)
    assert {r["status"] for r in report["safety"]} == {"not recorded"}
    assert report["safety_rash_readings"] == []
    assert all(r["basis"] == "computed from the loaded file" for r in report["genotype_claim"])
    uncomputed = [r for r in report["genotype_endpoints"] if r["pct"] is None]
    assert uncomputed and all(r["reason"].startswith("not computed") for r in uncomputed)


def test_cli_report_with_an_adverse_events_table(tmp_path, capsys):
    path = tmp_path / "ae.csv"
    path.write_text(AE_CSV, encoding="utf-8")
    assert main(["report", "--adverse-events", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    rash = next(r for r in report["safety"] if r["event"] == "rash")
    assert (rash["n"], rash["total"], rash["n_withdrawn"], rash["status"]) == (2, 52, 1, "recorded")
    assert report["adverse_events"].startswith("ae.csv (sha256 ")


def test_cli_refuses_an_adverse_events_table_with_errors(tmp_path, capsys):
    path = tmp_path / "ae.csv"
    path.write_text("patient_id,event\nP99,rash\n", encoding="utf-8")
    assert main(["report", "--adverse-events", str(path)]) == 1
    err = capsys.readouterr().err
    assert "patient P99 is not in the cohort file" in err and "breaks the adverse-events contract" in err


def test_cli_validate_checks_the_adverse_events_table_too(tmp_path, capsys):
    from thaldash.data.loading import bundled_cohort_path

    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(AE_CSV, encoding="utf-8")
    bad.write_text("patient_id,event,grade\nP01,rash,9\n", encoding="utf-8")
    assert main(["validate", str(bundled_cohort_path()), "--adverse-events", str(good)]) == 0
    out = capsys.readouterr().out
    assert "adverse events: valid: 2 events of 2 patients, 1 warnings" in out
    assert main(["validate", str(bundled_cohort_path()), "--adverse-events", str(bad)]) == 1
    assert "adverse events: error: grade" in capsys.readouterr().out
