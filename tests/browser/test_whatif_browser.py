"""The What-if page in a real browser: a moved slider rewrites the address, and that address opened
in a new browser context on the fresh server shows the same counts and the same controls.

Expected counts come from the core (``thaldash.grading.grade.grade``), as in the page tests. Screenshots
of the page (1440×900 and presentation mode) go to ``artifacts/screenshots/what-if/``.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, wait_rendered
from tests.browser.test_navigation import open_page
from thaldash.grading.grade import grade
from thaldash.data.loading import bundled_cohort_path, load_cohort
from thaldash.grading.rules import GradingRules

SLR = "SLR: transfusion reduction at least (%)"
FREE = "Transfusion-free period (months)"


def summary_line(rules: GradingRules) -> str:
    """The page's "What-if:" line for ``rules``, built from the core's grading."""
    tiers = grade(load_cohort(bundled_cohort_path()).cohort, rules)["tier"]
    parts = " · ".join(f"{t} {int((tiers == t).sum())}" for t in ("MaR", "MiR", "SLR", "NR", "not evaluable"))
    return f"What-if: {parts} (n = {len(tiers)})"


def main(page: Page):
    return page.get_by_test_id("stMain")


def slider_value(page: Page, label: str) -> str:
    return page.get_by_role("slider", name=label).get_attribute("aria-valuetext")


def move(page: Page, label: str, steps: int) -> None:
    slider = page.get_by_role("slider", name=label)
    slider.focus()
    for _ in range(steps):
        page.keyboard.press("ArrowRight")


def save(page: Page, name: str) -> None:
    folder = SCREENSHOTS / "what-if"
    folder.mkdir(parents=True, exist_ok=True)
    wait_rendered(page)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_a_moved_slider_makes_a_link_that_reproduces_the_view(contexts, app_url):
    page = contexts.new_page()
    open_page(page, f"{app_url}/What-if")
    expect(main(page).get_by_text(summary_line(GradingRules()))).to_be_visible()
    save(page, "default")

    move(page, SLR, 5)  # 25 % → 30 %: a fragment rerun, which must still write the address
    expect(page).to_have_url(re.compile(r"slr_reduction_pct=30"))
    move(page, FREE, 1)  # 3 → 4 months
    expect(page).to_have_url(re.compile(r"transfusion_free_months=4"))
    rules = GradingRules(slr_reduction_pct=30, transfusion_free_months=4)
    wait_rendered(page)
    expect(main(page).get_by_text(summary_line(rules))).to_be_visible()
    # The frame's lines follow a fragment rerun too: title line and the sidebar's note.
    expect(main(page).get_by_text(re.compile(r"Grading: Paper, as applied \(modified\)"))).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text(re.compile(r"slr_reduction_pct = 30"))).to_be_visible()
    page.get_by_role("combobox", name="Compare with").click()
    page.keyboard.press("ArrowDown")
    page.get_by_role("option", name="Strict clinical", exact=True).click()
    expect(page).to_have_url(re.compile(r"reference=strict-clinical"))
    wait_rendered(page)
    link = page.url

    fresh = contexts.new_page()  # another browser: a new session that only has the link
    open_page(fresh, link)
    wait_rendered(fresh)
    expect(main(fresh).get_by_text(summary_line(rules))).to_be_visible()
    assert slider_value(fresh, SLR) == "30"
    assert slider_value(fresh, FREE) == "4"
    expect(fresh.get_by_role("combobox", name="Compare with")).to_have_value("Strict clinical")
    expect(fresh.get_by_test_id("stException")).to_have_count(0)
    save(fresh, "from-a-link")
    assert contexts.foreign_requests() == []


def test_presentation_mode_and_the_other_tabs(contexts, app_url):
    page = contexts.new_page()
    open_page(page, f"{app_url}/What-if?scenario=strict-clinical&present=1", sidebar=False)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(main(page).get_by_text(summary_line(
        GradingRules(transfusion_free_months=6, hb_criterion="untransfused")))).to_be_visible()
    save(page, "presentation")
    for tab, name in (("Genotype groups", "genotype-groups"), ("Where the conclusions tip", "sweep")):
        page.get_by_role("tab", name=tab).click()
        expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
        wait_rendered(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        save(page, f"presentation-{name}")
    assert contexts.foreign_requests() == []


def test_fast_keys_on_a_slider_lose_no_step(contexts, app_url):
    # Issue 17: at ~150 ms between keys, each run wrote the control's value back from the canonical
    # state and overwrote a key pressed meanwhile (58 steps of 60 arrived). Keys are pressed at that
    # pace; the test then waits for the condition, the value every step must reach.
    page = contexts.new_page()
    open_page(page, f"{app_url}/What-if")
    expect(main(page).get_by_text(summary_line(GradingRules()))).to_be_visible()
    slider = page.get_by_role("slider", name=SLR)
    slider.focus()
    for _ in range(20):  # 25 % → 45 % in 1 % steps (the MiR threshold is 50 %)
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(150)  # the pace of a user's key presses (the stimulus, not a wait for a result)
    expect(page).to_have_url(re.compile(r"slr_reduction_pct=45(&|$)"))  # WAIT_MS: 20 reruns under load
    expect(slider).to_have_attribute("aria-valuetext", "45")
    expect(main(page).get_by_text(summary_line(GradingRules(slr_reduction_pct=45)))).to_be_visible()
