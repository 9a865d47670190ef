"""No data value ever renders as markup: a cohort whose labels are links, images, URLs, e-mail
addresses and HTML is shown on every page without one link, image or element made from them, and
without a request to another host (issue 17).

The labels sit where pages print data: patient ids (tables, captions, the patient picker, page-link
labels), genotype variants, the withdrawal reason, the chelator, the file name.
"""

from __future__ import annotations

from collections.abc import Iterator

from urllib.parse import quote
import pytest
from playwright.sync_api import expect

from tests.adversarial import valid_frame
from tests.browser.conftest import Contexts, serving, wait_rendered
from thaldash.ui.navigation import PAGES

EVIL = "evil.example"
HOSTILE_IDS = {  # one per patient of tests/adversarial.valid_frame, each a way to make markup
    "P01": f"![x](http://{EVIL}/pixel.png)",
    "P02": f"[click](https://{EVIL}/)",
    "P03": f"http://{EVIL}/bare",
    "P04": f"www.{EVIL}",
    "P05": f"me@{EVIL}",
    "P06": f"<img src=http://{EVIL}/html.png>",
}


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("hostile")
    frame = valid_frame()
    frame = frame.assign(
        patient_id=frame["patient_id"].map(HOSTILE_IDS),
        withdrawn=frame["patient_id"].eq("P06"),
        withdrawal_month=frame["patient_id"].map({"P06": 3.0}),
        withdrawal_reason=frame["patient_id"].map({"P06": f"see https://{EVIL}/why ![y](http://{EVIL}/y.png)"}),
        chelator=f"deferasirox <b>bold</b> www.{EVIL}",
        allele_2=frame["allele_2"].where(frame["patient_id"] != "P02", f"[v](http://{EVIL}/v)"),
    )
    path = folder / f"www.{EVIL}.parquet"
    frame.to_parquet(path, index=False)
    with serving(folder / "streamlit.log", {"THALDASH_DATA": str(path)}) as base:
        yield base


@pytest.fixture
def hostile(browser: object, hostile_url: str) -> Iterator[Contexts]:
    opened = Contexts(browser, hostile_url)
    yield opened
    opened.close()


def _markup_from_data(page) -> list[str]:
    """Links, images and elements in the page that point at or were made from the hostile values."""
    return page.evaluate("""() => {
        const bad = [];
        for (const a of document.querySelectorAll('a[href]')) {
            const href = a.getAttribute('href');
            const url = new URL(href, location.href);  // the app's own links may carry a value in their query
            if (url.host !== location.host || url.protocol === 'mailto:') bad.push('a ' + href);
        }
        for (const img of document.querySelectorAll('img')) {
            const src = img.getAttribute('src') || '';
            const url = new URL(src, location.href);
            if (url.host !== location.host && url.protocol !== 'data:') bad.push('img ' + src);
        }
        for (const b of document.querySelectorAll('[data-testid="stMain"] b, [data-testid="stSidebar"] b')) {
            if (b.textContent === 'bold') bad.push('b from data');
        }
        return bad;
    }""")


@pytest.mark.parametrize("page_entry", PAGES, ids=lambda p: p.label)
def test_no_page_renders_data_as_markup(hostile, hostile_url, page_entry):
    page = hostile.new_page()
    page.goto(f"{hostile_url}/{page_entry.url_path}")
    wait_rendered(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert _markup_from_data(page) == []
    assert hostile.foreign_requests() == []


def test_the_patient_link_of_the_what_if_page_shows_its_label_as_text(hostile, hostile_url):
    # The What-if page names the chosen patient in a link to the Patient page; page-link labels render
    # Markdown, so an id "![x](http://host/x.png)" there made every viewer fetch a remote image.
    page = hostile.new_page()
    page.goto(f"{hostile_url}/What-if?window_months=12&transfusion_free_months=6&patient="
              + quote(HOSTILE_IDS["P01"], safe=""))
    wait_rendered(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert _markup_from_data(page) == []
    assert hostile.foreign_requests() == []
