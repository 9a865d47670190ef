"""In chromium, on a server started on a folder of three centres (THALDASH_DATA) (``tests.pages.conftest.write_centres_folder``:
the tiny cohort at east.parquet, north.parquet and south.csv, ids colliding, south with off-schedule
visits): every page opens without an error, and the centre filter works from a link and the sidebar."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Contexts, serving
from tests.browser.test_navigation import PAGE_FILES, choose, open_page, sidebar_n, url_path
from tests.pages.conftest import write_centres_folder
from thaldash.data.loading import DATA_ENV


@pytest.fixture(scope="module")
def centres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = write_centres_folder(tmp_path_factory.mktemp("centres") / "trial")
    with serving(tmp_path_factory.mktemp("server") / "streamlit.log", {DATA_ENV: str(folder)}) as base:
        yield base


@pytest.fixture
def pages(browser: object, centres_url: str) -> Iterator[Contexts]:
    opened = Contexts(browser, centres_url)
    yield opened
    opened.close()


# AppTest runs every page on this folder (tests/pages/test_frame.py, scenario "centres"); in chromium, the
# pages where centres change what is drawn: the Centres page, the groupings, a patient's id and the upload.
CENTRE_PAGES = [p for p in PAGE_FILES if url_path(p) in ("", "Centres", "Response", "Trajectories", "Comparisons",
                                                          "Patient", "Data")]


@pytest.mark.parametrize("path", CENTRE_PAGES, ids=lambda p: p.name)
def test_the_pages_centres_change_open_on_a_folder_of_centres(pages, centres_url, screenshot, path):
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
