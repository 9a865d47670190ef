"""One pass over every page in chromium, on the fresh server of the bundled cohort, serving two checks.

- Navigation (tests/browser/test_navigation.py): the page opens by its URL without an error and counts the
  whole cohort, and again by its presentation-mode link (a new session: the link decides); screenshots of
  both go to ``artifacts/screenshots/page-<name>[-presentation].png``.
- Privacy (tests/browser/test_privacy.py): used as an investigator would (scrolled, every expander and tab
  opened, one CSV, PNG and SVG asked for, each must arrive), the page sends no request to another host;
  every such request is aborted and recorded.

Both used to open every page in a session of their own; one session per page now does both, in that order
(the screenshot is of the page as it opens, before it is used).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_navigation import PAGE_FILES, open_page, sidebar_n, url_path
from tests.browser.test_privacy import guard_requests, use_everything


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_every_page_opens_by_its_url_and_using_it_asks_no_other_host(contexts, app_url, screenshot, path):
    page = contexts.new_page(accept_downloads=True)
    foreign = guard_requests(page, contexts.app_host)

    open_page(page, f"{app_url}/{url_path(path)}")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(sidebar_n(page)).to_have_text("n = 48 of 48 analysed patients")
    screenshot(page, f"page-{path.stem}")  # waits until the run has finished and nothing is stale

    failed = use_everything(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    assert failed == [], f"{path.name}: no file arrived for {', '.join(failed)}"

    open_page(page, f"{app_url}/{url_path(path)}?present=1", sidebar=False)  # a new session: the link decides
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, f"page-{path.stem}-presentation")
    assert foreign == [], foreign
    assert contexts.foreign_requests() == []
