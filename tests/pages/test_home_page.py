"""The home page's key numbers: the paper's reproduction count only for the paper's cohort."""

from __future__ import annotations

from tests.pages.conftest import REPO, tiny_cohort_frame

HOME = REPO / "app.py"


def metrics(at) -> dict[str, str]:
    return {m.label.replace("\\", ""): m.value for m in at.main.metric}


def test_the_bundled_cohort_shows_the_reproduction_count(run_page):
    at = run_page(HOME)
    shown = metrics(at)
    assert shown["All: overall response (MaR + MiR + SLR), per protocol"] == "91.7 %"  # Abstract: ORR 91.7%
    assert shown["TDT: overall response (MaR + MiR + SLR), per protocol"] == "88.2 %"  # 30 of the 34 TDT
    assert shown["NTDT: major response (MaR), per protocol"] == "100.0 %"
    assert shown["Published numbers the cohort was fitted to"].endswith(" of 647")  # rows of data/published.csv
    assert "Published numbers reproduced" not in shown
    assert "all 14 NTDT were never transfused" in " ".join(c.value for c in at.main.caption)


def test_intention_to_treat_stands_beside_per_protocol_with_the_withdrawn(run_page):
    at = run_page(HOME, query={"withdrawn": "include"})
    shown = metrics(at)
    assert shown["All: overall response (MaR + MiR + SLR), intention to treat"] == f"{100 * 44 / 52:.1f} %"  # 44 of 52 enrolled
    assert shown["All: overall response (MaR + MiR + SLR), per protocol"] == "91.7 %"


def test_another_cohort_is_not_measured_against_the_paper_on_the_home_page(run_page, monkeypatch):
    import thaldash.views.reproduction as reproduction

    def refuse(ctx):
        raise AssertionError("the reproduction report was computed for a cohort that is not the paper's")

    monkeypatch.setattr(reproduction, "paper_report", refuse)  # home_view imports it from there when it needs it
    at = run_page(HOME, "tiny")
    assert not at.exception
    frame = tiny_cohort_frame().drop_duplicates("patient_id")
    shown = metrics(at)
    assert "Published numbers reproduced" not in shown and "Published numbers the cohort was fitted to" not in shown
    assert shown["Patients in the file"] == str(len(frame))
    assert shown["Analysed patients"] == str(int((~frame["withdrawn"]).sum()))


def test_every_rate_is_drawn_once_its_folded_table_is_opened(run_page):
    # Folded at the first paint, so a cold start does not wait for a table nobody sees yet (issue 14).
    folded = run_page(HOME)
    assert not folded.exception and len(folded.dataframe) == 0
    opened = run_page(HOME, session={"thaldash.home.every_rate": True})
    assert not opened.exception and len(opened.dataframe) == 1
    rates = opened.dataframe[0].value
    assert len(rates) > 0 and len(rates) == len(home_rates())


def home_rates():
    """The rates table of the home view of the bundled cohort, computed without the page."""
    from thaldash.data.loading import bundled_cohort_path, load_cohort
    from thaldash.data.filters import CohortFilter
    from thaldash.views.context import ViewContext
    from thaldash.views.home import home_view

    cohort = load_cohort(bundled_cohort_path()).cohort
    return home_view(ViewContext(cohort=cohort, filtered=CohortFilter().apply(cohort))).rates.frame
