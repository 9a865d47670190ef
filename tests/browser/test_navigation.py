"""In a real browser on a fresh server: every page opens by its URL, filters survive page switches,
and a copied URL reproduces the view in a new browser. No request may leave the app's host.

Streamlit 1.67 clears the query string when the sidebar switches pages, and drops the state of
widgets that a run does not draw; the frame keeps the view in ``st.session_state`` and writes it
back to the URL (``thaldash.ui.state``). These tests are the evidence that this works. That every page
opens by its URL is checked in tests/browser/test_every_page.py, in the same browser session that uses
the page for tests/browser/test_privacy.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import REPO

PAGE_FILES = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]


def url_path(path: Path) -> str:
    """The URL path Streamlit gives a page file: "" for the main script, else the name after the number."""
    if path.name == "app.py":
        return ""
    return re.match(r"[0-9]*[_ -]*(.*)\.py$", path.name).group(1)


def sidebar_n(page: Page) -> object:
    return page.get_by_test_id("stSidebar").get_by_text(re.compile(r"^n = \d+ of \d+ "))


def open_page(page: Page, url: str, *, sidebar: bool = True) -> None:
    """Go to ``url`` and wait until the frame has drawn the title and the patient count."""
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible()
    # Presentation mode starts with the sidebar collapsed: the count is there, but hidden.
    if sidebar:
        expect(sidebar_n(page)).to_be_visible()
    else:
        expect(sidebar_n(page)).to_have_count(1)


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the select box or multiselect labelled ``label``."""
    page.get_by_role("combobox", name=label).click()
    page.keyboard.press("ArrowDown")  # a select box opens its list on a key, not on a click
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def switch_page(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def test_filters_survive_page_switches_and_a_shared_link_reproduces_the_view(contexts, app_url, screenshot):
    page = contexts.new_page()
    open_page(page, f"{app_url}/Overview")
    sidebar = page.get_by_test_id("stSidebar")

    choose(page, "TDT / NTDT", "TDT")
    expect(sidebar_n(page)).to_have_text("n = 34 of 48 analysed patients")  # Results: 34 TDT analysed
    choose(page, "Response grading", "Strict clinical")
    expect(page.get_by_role("combobox", name="Response grading")).to_have_value("Strict clinical")
    page.get_by_test_id("stMain").get_by_text("Analysed only").click()  # a page param of Overview
    expect(page).to_have_url(re.compile(r"thal_type=TDT.*scenario=strict-clinical.*population=analysed"))

    switch_page(page, "Data")
    expect(sidebar_n(page)).to_have_text("n = 34 of 48 analysed patients")
    expect(page).to_have_url(re.compile(r"/Data\?.*thal_type=TDT"))  # written back after the switch
    switch_page(page, "Overview")
    expect(sidebar_n(page)).to_have_text("n = 34 of 48 analysed patients")
    expect(page).to_have_url(re.compile(r"/Overview\?.*thal_type=TDT.*scenario=strict-clinical.*population=analysed"))
    expect(page.get_by_role("radio", name="Analysed only")).to_be_checked()
    screenshot(page, "flow-overview-tdt")
    shared = page.url

    fresh = contexts.new_page()  # a new browser context: no cookies, no session
    open_page(fresh, shared)
    expect(fresh.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(sidebar_n(fresh)).to_have_text("n = 34 of 48 analysed patients")
    chips = fresh.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="TDT / NTDT")
    expect(chips.get_by_test_id("stMultiSelectTagsContainer")).to_have_text("TDT")
    expect(fresh.get_by_role("combobox", name="Response grading")).to_have_value("Strict clinical")
    expect(fresh.get_by_role("radio", name="Analysed only")).to_be_checked()
    expect(fresh).to_have_url(shared)
    screenshot(fresh, "flow-shared-link")
    assert sidebar.is_visible()
    assert contexts.foreign_requests() == []


def test_a_link_to_nobody_shows_a_message(contexts, app_url, screenshot):
    page = contexts.new_page()
    open_page(page, f"{app_url}/Overview?genotype=CD41-42/CD17&thal_type=NTDT")
    expect(sidebar_n(page)).to_have_text("n = 0 of 48 analysed patients")
    expect(page.get_by_text("No patient matches the filters")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "flow-no-patients")
    assert contexts.foreign_requests() == []


def test_a_page_chosen_under_where_to_look_opens_in_the_same_session(contexts, app_url, screenshot):
    page = contexts.new_page()
    open_page(page, f"{app_url}/?thal_type=TDT")
    expect(sidebar_n(page)).to_have_text("n = 34 of 48 analysed patients")
    page.evaluate("window.__sameDocument = true")  # gone if the choice loaded the app anew
    page.get_by_test_id("stMain").get_by_test_id("stRadio").get_by_text("Overview", exact=True).click()
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/Overview\?.*thal_type=TDT"))
    expect(sidebar_n(page)).to_have_text("n = 34 of 48 analysed patients")
    assert page.evaluate("window.__sameDocument === true"), "the page switched inside the app, not by a reload"
    screenshot(page, "flow-where-to-look")
    assert contexts.foreign_requests() == []


def test_every_rate_on_home_opens_with_its_table(contexts, app_url):
    page = contexts.new_page()
    open_page(page, f"{app_url}/")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_test_id("stDataFrame")).to_have_count(0)  # closed: not sent on each rerun
    main.get_by_text("Every rate: TDT, NTDT and pooled", exact=False).click()
    expect(main.get_by_test_id("stDataFrame")).to_have_count(1)
    expect(page.get_by_test_id("stException")).to_have_count(0)
