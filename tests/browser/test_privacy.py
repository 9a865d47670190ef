"""No page sends anything to another host, even when every part of it is used.

Every page is used the way an investigator would: scrolled to the end (lazy content), every expander
opened, every tab shown, and one CSV, PNG and SVG asked for (each must arrive). Every request of the browser
context is routed through a handler that lets requests to the app's own host through and
aborts and records any other, so the test fails on one without letting it leave the machine.
That pass over every page is shared with the navigation checks, in tests/browser/test_every_page.py
(``guard_requests`` and ``use_everything`` here are its steps); one browser session per page serves both.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import WAIT_MS, wait_rendered
from tests.browser.test_navigation import open_page

DOWNLOADS = ("Download CSV", "Download PNG", "Download SVG")
LOCAL_SCHEMES = ("data", "blob", "about", "chrome-extension")
DOWNLOAD_MS = WAIT_MS  # a PNG is rendered on the server when asked for


def guard_requests(page: Page, app_host: str) -> list[str]:
    """Abort and record every request to a host other than ``app_host``."""
    foreign: list[str] = []

    def handle(route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in LOCAL_SCHEMES or parts.netloc == app_host:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.context.route("**/*", handle)
    # Requests a route cannot see (e.g. a service worker's) still reach the context's own log.
    page.context.on("request", lambda r: foreign.append(r.url) if urlsplit(r.url).scheme not in LOCAL_SCHEMES
                    and urlsplit(r.url).netloc not in (app_host, "") and r.url not in foreign else None)
    return foreign


def use_everything(page: Page) -> list[str]:
    """Scroll, open expanders and tabs, ask for one file of each kind; returns the labels that gave none."""
    main = page.get_by_test_id("stMain")
    main.evaluate("element => element.scrollTo(0, element.scrollHeight)")
    summaries = page.locator('[data-testid="stExpander"] summary')
    for i in range(summaries.count()):
        summaries.nth(i).click()
        wait_rendered(page)
    tabs = main.get_by_role("tab")
    for i in range(tabs.count()):
        tabs.nth(i).click()
        wait_rendered(page)
    failed: list[str] = []
    for label in DOWNLOADS:
        button = main.get_by_role("button", name=label).filter(visible=True)
        if button.count() and not _downloads(page, button) and not _downloads(page, button):
            # Asked twice: Streamlit registers a deferred download's callable per script run, so a click
            # that lands while a run is replacing the page's elements gets no file (a person clicks again).
            failed.append(label)
    return failed


def _downloads(page: Page, button) -> bool:
    """Click ``button`` once the page is idle; whether a file arrived."""
    wait_rendered(page)
    try:
        with page.expect_download(timeout=DOWNLOAD_MS) as pending:
            button.first.click()
        pending.value.path()
        return True
    except PlaywrightTimeoutError:
        return False
    finally:
        wait_rendered(page)


def test_the_app_serves_its_own_fonts_and_scripts(contexts, app_url):
    """Every resource the first page loads (scripts, styles, fonts, images) comes from the app."""
    page = contexts.new_page()
    resources: list[tuple[str, str]] = []
    page.on("request", lambda r: resources.append((r.resource_type, r.url)))
    open_page(page, f"{app_url}/")
    page.wait_for_load_state("networkidle")
    kinds = {kind for kind, _ in resources}
    assert {"document", "script"} <= kinds
    assert all(urlsplit(u).netloc == contexts.app_host for _, u in resources if urlsplit(u).scheme in ("http", "https"))
