"""Real-browser fixtures: a fresh ``streamlit run app.py`` server and Debian's headless chromium.

The server runs in a subprocess with a clean environment (no ``THALDASH_DATA``, so the bundled
cohort) on a free port, bound to 127.0.0.1 (which also stops Streamlit from asking an outside
service for the machine's public address at start-up). Chromium is driven by Playwright
through ``executable_path`` — never ``playwright install``. Every request each browser context
makes is recorded, so a test can fail on any request to a host other than the app's own.
Screenshots go to ``artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Bounds of waits on conditions, not expectations of speed: a failing test fails when one is reached, a passing
# one never waits that long. With two test workers and other jobs on 2 cores, a fresh server's first page
# (which imports the analyses) and an upload's rerun each took over 30 s.
START_TIMEOUT = 120.0  # seconds for the server to answer its health check
WAIT_MS = 90_000  # Playwright waits
expect.set_options(timeout=WAIT_MS)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clean_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    return {k: os.environ[k] for k in keep if k in os.environ} | {"PYTHONUNBUFFERED": "1"}


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)  # polling an HTTP endpoint: there is no event to await before it listens
    raise RuntimeError(f"streamlit did not answer {url} within {START_TIMEOUT:.0f} s:\n{log.read_text()}")


@contextmanager
def serving(log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """A freshly started ``streamlit run app.py`` on a free port (clean environment plus ``env``)."""
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false"]
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, cwd=REPO, env=_clean_env() | (env or {}), stdout=out,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(f"{base}/_stcore/health", process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of a freshly started server on the bundled cohort."""
    with serving(tmp_path_factory.mktemp("server") / "streamlit.log") as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium, headless, through Playwright; skipped when chromium is not installed."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed (CI installs it with apt-get; see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Contexts:
    """New browser contexts (each a separate Streamlit session), with every request recorded."""

    def __init__(self, browser: object, app_url: str) -> None:
        self._browser = browser
        self.app_host = urlsplit(app_url).netloc
        self.requests: list[str] = []
        self._open: list[object] = []

    def new_page(self, **options: object) -> object:
        context = self._browser.new_context(viewport=VIEWPORT, **options)
        context.set_default_timeout(WAIT_MS)
        context.on("request", lambda request: self.requests.append(request.url))
        self._open.append(context)
        return context.new_page()

    def foreign_requests(self) -> list[str]:
        """Requests to any host but the app's own (data: and blob: URLs are not requests out)."""
        return [u for u in self.requests
                if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != self.app_host]

    def close(self) -> None:
        for context in self._open:
            context.close()


@pytest.fixture
def contexts(browser: object, app_url: str) -> Iterator[Contexts]:
    opened = Contexts(browser, app_url)
    yield opened
    opened.close()


def wait_rendered(page: object) -> None:
    """Wait until the script run has finished and no element is still a placeholder or stale."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)
    expect(page.locator('[data-stale="true"]')).to_have_count(0)


@pytest.fixture
def screenshot() -> Callable[[object, str], Path]:
    """``screenshot(page, name)`` waits for the page to settle, saves ``artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page: object, name: str) -> Path:
        wait_rendered(page)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
