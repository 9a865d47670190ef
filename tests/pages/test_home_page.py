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


def test_where_to_look_is_one_element_that_opens_the_chosen_page_in_the_same_session(run_page):
    from tests.pages.conftest import sidebar_text
    from thaldash.ui.navigation import PAGES
    from thaldash.ui.widgets import plain

    at = run_page(HOME, query={"withdrawn": "include"})
    assert not at.main.get("page_link"), "no element per page: every one is re-sent on each rerun"
    [guide] = [r for r in at.main.radio if r.options == [f"**{plain(p.label)}**" for p in PAGES[1:]]]
    assert list(guide.proto.captions) == [plain(p.summary) for p in PAGES[1:]]
    assert guide.value is None
    guide.set_value("Patient").run()
    assert not at.exception
    assert [t.value for t in at.main.title] == ["Patient"]
    assert "of 52 enrolled patients" in sidebar_text(at)  # the session's filter came along: 52 enrolled


def test_every_rate_is_drawn_only_while_its_expander_is_open(run_page):
    closed = run_page(HOME)
    assert not closed.exception and not closed.main.dataframe  # closed: nothing re-sent on each rerun
    opened = run_page(HOME, session={"thaldash.home.rates": True})
    assert not opened.exception
    [rates] = opened.main.dataframe
    assert set(rates.value["population"]) == {"TDT", "NTDT", "all (pooled)"}
    assert set(rates.value["analysis"]) == {"per protocol", "intention to treat"}
