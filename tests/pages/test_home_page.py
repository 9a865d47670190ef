"""The home page's key numbers: the paper's reproduction count only for the paper's cohort."""

from __future__ import annotations

from tests.pages.conftest import REPO, tiny_cohort_frame

HOME = REPO / "app.py"


def metrics(at) -> dict[str, str]:
    return {m.label.replace("\\", ""): m.value for m in at.main.metric}


def test_the_bundled_cohort_shows_the_reproduction_count(run_page):
    at = run_page(HOME)
    shown = metrics(at)
    assert shown["Overall response rate (MaR + MiR + SLR)"] == "91.7 %"  # Abstract: ORR 91.7%
    assert shown["Major response (MaR)"] == "72.9 %"  # Results: 35/48 = 72.9%
    assert shown["Published numbers reproduced"].endswith(" of 647")  # rows of data/published.csv


def test_another_cohort_is_not_measured_against_the_paper_on_the_home_page(run_page, monkeypatch):
    import thaldash.views.home as home

    def refuse(ctx):
        raise AssertionError("the reproduction report was computed for a cohort that is not the paper's")

    monkeypatch.setattr(home, "paper_report", refuse)
    at = run_page(HOME, "tiny")
    assert not at.exception
    frame = tiny_cohort_frame().drop_duplicates("patient_id")
    shown = metrics(at)
    assert "Published numbers reproduced" not in shown
    assert shown["Patients in the file"] == str(len(frame))
    assert shown["Analysed patients"] == str(int((~frame["withdrawn"]).sum()))
