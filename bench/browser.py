"""What a person waits for, measured in Debian's headless chromium driven by Playwright.

Times are taken inside the page where they can be: the moment of the input is the
``pointerdown`` event (recorded by an init script), and "painted" is the first animation frame
at which the script run has finished (``data-test-script-state="notRunning"``), nothing is a
placeholder or stale any more, and the sidebar's "n = … of …" line shows the new count (or the page shows an exception, which
is counted, so that one broken page cannot stall the benchmark).
Playwright polls that condition on every animation frame (``polling="raf"``), so the
resolution is one frame (~16 ms), with no sleeps.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1440, "height": 900}
TIMEOUT_MS = 900_000  # a first render at 1,000,000 patients loads and checks 7 million rows

_RECORD_INPUT = """
document.addEventListener('pointerdown', () => { window.__benchInput = performance.now(); }, true);
document.addEventListener('keydown', () => { window.__benchInput = performance.now(); }, true);
"""

# The frame's sidebar count line: "n = 34 of 48 analysed patients" (bench/bare_app.py and
# bench/reference_app.py draw one too).
_RENDERED = """
([previous, needCount]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const exceptions = document.querySelectorAll('[data-testid="stException"]').length;
  if (exceptions) return {count: null, at: performance.now(), input: window.__benchInput || null, exceptions};
  if (!document.querySelector('h1')) return false;
  if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
  const count = Array.from(document.querySelectorAll('[data-testid="stSidebar"] p'))
    .map(p => p.textContent).find(t => t.startsWith('n = ')) || null;
  if (needCount && (count === null || count === previous)) return false;
  return {count: count, at: performance.now(), input: window.__benchInput || null,
          exceptions: document.querySelectorAll('[data-testid="stException"]').length};
}
"""


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless (never a browser downloaded by Playwright)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any) -> Any:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(_RECORD_INPUT)
    return context.new_page()


def wait_rendered(page: Any, previous: str | None = None, *, need_count: bool = True) -> dict[str, Any]:
    """Wait (every animation frame) for a finished, painted run; returns count, times, exceptions."""
    handle = page.wait_for_function(_RENDERED, arg=[previous, need_count], polling="raf", timeout=TIMEOUT_MS)
    return handle.json_value()


def cold_start(page: Any, url: str, spawned: float) -> tuple[float, dict[str, Any]]:
    """Seconds from the server's spawn (``time.perf_counter`` value) to the first rendered page."""
    page.goto(url, timeout=TIMEOUT_MS)
    state = wait_rendered(page)
    return time.perf_counter() - spawned, state


def toggle_latency(page: Any, label: str) -> tuple[float, dict[str, Any]]:
    """Seconds from a click on the sidebar checkbox ``label`` to the painted rerun."""
    before = wait_rendered(page)
    page.get_by_test_id("stSidebar").get_by_text(label, exact=True).click()
    state = wait_rendered(page, before["count"])
    return (state["at"] - state["input"]) / 1000, state


def new_option_latency(page: Any, label: str) -> tuple[float, dict[str, Any]]:
    """Seconds from choosing the first option not yet chosen in multiselect ``label`` to the painted rerun.

    Each call adds one more option, so every call asks the server for a filter it has not seen.
    """
    before = wait_rendered(page)
    page.get_by_role("combobox", name=label).click()
    page.keyboard.press("ArrowDown")  # opens the list when the click only focused the box
    # Streamlit lists "Select all" first; it would choose every option (often an unchanged count).
    page.get_by_role("option").filter(has_not_text=re.compile(r"^Select all$")).first.click()
    state = wait_rendered(page, before["count"])
    page.keyboard.press("Escape")
    return (state["at"] - state["input"]) / 1000, state


def url_path(path: Path) -> str:
    """The URL path Streamlit gives a page file ("" for the main script)."""
    if path.name == "app.py":
        return ""
    return re.match(r"[0-9]*[_ -]*(.*)\.py$", path.name).group(1)


def open_page(page: Any, url: str) -> tuple[float, dict[str, Any]]:
    """Seconds from navigating to ``url`` until its run is finished and painted."""
    started = time.perf_counter()
    page.goto(url, timeout=TIMEOUT_MS)
    state = wait_rendered(page)
    return time.perf_counter() - started, state
