"""The deck built from page views (``thaldash.views.deck``, ``views.registry``, ``views.params``), opened again
with python-pptx: slides per item, pictures, native tables, footers, notes and the reconstruction line."""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from scipy.stats import binomtest

from thaldash.export.deck.model import RECONSTRUCTION_LINE
from thaldash.export.deck.pptx import build_pptx
from thaldash.views.deck import PageRequest, deck_view, page_deck, page_items, parse_state
from thaldash.views.params import params_text, read_params
from thaldash.views.registry import PAGES, page_entry

WHEN = dt.date(2026, 12, 3)
# One figure and one table of Response, one figure of Trajectories: a small deck whose slides are known.
PAGES_ASKED = ("Response#response_tiers", "Response#response_tiers_table", "Trajectories#trajectory_hb_g_l")


def slide_texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def opened(deck) -> Presentation:
    return Presentation(io.BytesIO(build_pptx(deck)))


@pytest.fixture(scope="module")
def bundled_deck(bundled):
    return page_deck(bundled, PAGES_ASKED, "thal_type=TDT", when=WHEN)


@pytest.fixture(scope="module")
def bundled_prs(bundled_deck):
    return opened(bundled_deck)


def test_the_registry_names_every_page_of_the_sidebar():
    from thaldash.ui.navigation import PAGES as SIDEBAR

    assert list(PAGES) == [page.label for page in SIDEBAR]


def test_one_slide_per_figure_and_table_after_the_title(bundled_deck, bundled_prs):
    assert [i.item_id for i in bundled_deck.items] == ["response_tiers", "response_tiers_table", "trajectory_hb_g_l"]
    slides = list(bundled_prs.slides)
    assert len(slides) == 1 + 3  # the tier table has 5 rows: one slide
    kinds = [{s.shape_type for s in slide.shapes} for slide in slides[1:]]
    assert MSO_SHAPE_TYPE.PICTURE in kinds[0] and MSO_SHAPE_TYPE.PICTURE in kinds[2]
    assert any(shape.has_table for shape in slides[2].shapes)
    assert not any(shape.has_table for shape in slides[1].shapes)


def test_slides_carry_title_filter_footer_and_the_reconstruction_line(bundled, bundled_prs):
    tdt = bundled.patients[(bundled.patients["thal_type"] == "TDT") & ~bundled.patients["withdrawn"]]
    for slide in list(bundled_prs.slides)[1:]:
        text = "\n".join(slide_texts(slide))
        assert f"data: cohort.parquet (sha256 {bundled.sha256[:12]})" in text
        assert f"filter: TDT (n = {len(tdt)})" in text  # the footer
        assert f"Filter: TDT (n = {len(tdt)})." in text  # the caption
        assert "grading: Paper, as applied" in text
        assert RECONSTRUCTION_LINE in text
    assert slide_texts(list(bundled_prs.slides)[1])[0] == "Response tiers"


def test_another_file_has_no_reconstruction_line(tiny):
    prs = opened(page_deck(tiny, ("Response#response_tiers",), when=WHEN))
    assert not any(RECONSTRUCTION_LINE in t for slide in prs.slides for t in slide_texts(slide))
    assert "sha256 " + tiny.sha256[:12] in "\n".join(slide_texts(list(prs.slides)[1]))


def test_notes_hold_the_numbers_with_their_interval_and_method(bundled, bundled_prs):
    notes = list(bundled_prs.slides)[1].notes_slide.notes_text_frame.text
    tdt = bundled.patients[(bundled.patients["thal_type"] == "TDT") & ~bundled.patients["withdrawn"]]
    assert f"(n = {len(tdt)};" in notes
    found = re.search(r"major response \(MaR\), per protocol: ([\d.]+) % \(n = (\d+); (\d+) patients · 95% CI "
                      r"([\d.]+)–([\d.]+) % \(Clopper–Pearson exact\)", notes)
    assert found, notes
    k, n = int(found[3]), int(found[2])
    ci = binomtest(k, n).proportion_ci(method="exact")  # scipy's Clopper–Pearson, independent of thaldash.stats
    assert float(found[4]) == pytest.approx(100 * ci.low, abs=0.05)
    assert float(found[5]) == pytest.approx(100 * ci.high, abs=0.05)


def test_an_items_recorded_state_rebuilds_the_same_table(bundled):
    first = page_deck(bundled, ["Response?by=thal_type#tiers_by_thal_type_table"], "scenario=strict-clinical",
                      when=WHEN).items[0]
    assert "by=thal_type" in first.source.state and "scenario=strict-clinical" in first.source.state
    again = page_deck(bundled, [PageRequest(first.source.page, first.source.state, first.item_id)], when=WHEN).items[0]
    pd.testing.assert_frame_equal(first.table, again.table)
    assert first.footer == again.footer and first.notes == again.notes


def test_page_settings_round_trip_through_url_text(bundled):
    view = deck_view(bundled, {}, when=WHEN)
    entry = page_entry("Trajectories")
    values = read_params(entry.params, view.ctx, {"measure": "sf_ng_ml", "log": "1", "months": "6"})
    assert values["measure"] == "sf_ng_ml" and values["log"] is True and values["months"] == 6
    assert read_params(entry.params, view.ctx, params_text(entry.params, view.ctx, values)) == values
    assert params_text(entry.params, view.ctx, read_params(entry.params, view.ctx, {})) == {}


def test_whole_file_pages_ignore_the_sidebar(bundled):
    view = deck_view(bundled, parse_state("thal_type=NTDT"), when=WHEN)
    items = page_items("Reproduction", view, {})
    assert items and all("n = 48" in i.footer for i in items)
    assert all("thal_type" not in i.source.state for i in items)


@pytest.mark.parametrize(("pages", "state", "said"), [
    (["Nope"], "", "there is no page 'Nope'; the pages are: Home, Overview"),
    (["Response"], "by=zzz", "Response: by: 'zzz' is not allowed here; choose from genotype"),
    (["Response"], "foo=1", "foo: not a setting of Response"),
    (["Response?measure=hb_g_l"], "", "Response: measure is not a setting of this page (its settings: analysis, by, ne_fail)"),
    (["Response#nope"], "", "Response has no figure or table 'nope'; it has: response_vs_paper"),
    (["Response"], "thal_type=XYZ", "Filter thal_type: 'XYZ' is not among this cohort's values."),
    (["Response"], "genotype=CD41-42/CD17&thal_type=NTDT", "no patient matches the filter"),
    (["Trajectories"], "log=maybe", "Trajectories: log: 'maybe' is not yes or no (1 or 0)"),
    (["Response"], "by=genotype&&", "is not a URL query string"),
    ([], "", "no page given"),
])
def test_what_cannot_be_built_is_a_sentence(bundled, pages, state, said):
    with pytest.raises(ValueError) as error:
        page_deck(bundled, pages, state, when=WHEN)
    assert said in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("label", list(PAGES))
def test_every_page_builds_its_default_view_without_streamlit(bundled, label):
    view = deck_view(bundled, {}, when=WHEN)
    items = page_items(label, view, {})
    keys = [i.item_id for i in items]
    assert len(keys) == len(set(keys)), keys  # an item is found again by its key
    assert all(i.source.page == label and i.footer.startswith("data: cohort.parquet") for i in items)
    if label != "Home":  # Home shows headline numbers only
        assert items and all(i.caption for i in items)
