"""In chromium, on a server started on a folder of three centres (``tests.pages.conftest.write_centres_folder``:
the tiny cohort at east.parquet, north.parquet and south.csv, ids colliding, south with off-schedule
visits): every page opens without an error, and the centre filter works from a link and the sidebar."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import REPO, Contexts, _clean_env, _free_port, _wait_healthy
from tests.browser.test_navigation import PAGE_FILES, choose, open_page, sidebar_n, url_path
from tests.pages.conftest import write_centres_folder


@pytest.fixture(scope="module")
def centres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = write_centres_folder(tmp_path_factory.mktemp("centres") / "trial")
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--", "--data", str(folder)]
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, cwd=REPO, env=_clean_env(), stdout=out, stderr=subprocess.STDOUT)
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


@pytest.fixture
def pages(browser: object, centres_url: str) -> Iterator[Contexts]:
    opened = Contexts(browser, centres_url)
    yield opened
    opened.close()


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_every_page_opens_on_a_folder_of_centres(pages, centres_url, screenshot, path):
    page = pages.new_page()
    open_page(page, f"{centres_url}/{url_path(path)}")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(sidebar_n(page)).to_have_text("n = 9 of 9 analysed patients")
    screenshot(page, f"centres-{path.stem}")
    assert pages.foreign_requests() == []


def test_the_centre_filter_from_a_link_and_from_the_sidebar(pages, centres_url, screenshot):
    page = pages.new_page()
    open_page(page, f"{centres_url}/Centres?centre=south")
    expect(sidebar_n(page)).to_have_text("n = 3 of 9 analysed patients")
    open_page(page, f"{centres_url}/Centres")
    choose(page, "Centre", "north")
    expect(sidebar_n(page)).to_have_text("n = 3 of 9 analysed patients")
    expect(page).to_have_url(f"{centres_url}/Centres?centre=north")
    screenshot(page, "centres-filtered")
