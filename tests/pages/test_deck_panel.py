"""The deck in the dashboard (``thaldash.ui.deck_panel``): add a figure, add a page, reorder, remove, download.

The PPTX is built by the function the sidebar's download button calls (``deck_file``) from the deck the
session holds after the clicks, and opened again with python-pptx.
"""

from __future__ import annotations

import io

from pptx import Presentation

from tests.pages.conftest import REPO, sidebar_text
from thaldash.export.deck.model import RECONSTRUCTION_LINE
from thaldash.ui.deck_panel import DECK_KEY, command_line, deck_file
from thaldash.views.deck import parse_state

RESPONSE = REPO / "pages" / "2_Response.py"
SAFETY = REPO / "pages" / "13_Safety.py"


def deck_of(at):
    return at.session_state[DECK_KEY]


def test_add_a_figure_a_page_reorder_remove_and_download(run_page):
    at = run_page(RESPONSE, query={"thal_type": "TDT", "by": "thal_type"})
    assert not at.exception
    assert "Empty" in sidebar_text(at)
    at.button(key="thaldash.deck.add.response_tiers").click().run()
    deck = deck_of(at)
    assert [i.item_id for i in deck.items] == ["response_tiers"]
    assert "**1 item** (figures and tables)" in sidebar_text(at)
    item = deck.items[0]
    assert item.source.page == "Response"
    assert {k: v for k, v in parse_state(item.source.state).items() if k in ("thal_type", "by")} == {
        "thal_type": "TDT", "by": "thal_type"}
    assert "filter: TDT (n = 34)" in item.footer and item.reconstruction

    at.button(key="thaldash.deck.add_page").click().run()
    assert not at.exception
    ids = [i.item_id for i in deck_of(at).items]
    # The figure added first is the page's own figure again (same view): updated in place, not duplicated.
    assert ids[0] == "response_tiers" and ids.count("response_tiers") == 1
    assert {"tiers_by_thal_type", "non_mar_patients"} <= set(ids)
    n = len(ids)
    assert f"**{n} items**" in sidebar_text(at)

    at.button(key="thaldash.deck.down.0").click().run()
    assert [i.item_id for i in deck_of(at).items][:2] == [ids[1], ids[0]]
    at.button(key="thaldash.deck.remove.1").click().run()
    after = [i.item_id for i in deck_of(at).items]
    assert "response_tiers" not in after and len(after) == n - 1

    deck = deck_of(at)
    prs = Presentation(io.BytesIO(deck_file(deck, "pptx")))
    slides = list(prs.slides)
    titles = [next(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in slides[1:]]
    # One slide per item, a long table continued on further slides under the same title.
    assert [t.removesuffix(" (continued)") for t in titles if not t.endswith("(continued)")] == [
        i.title for i in deck.items]
    assert all(RECONSTRUCTION_LINE in "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
               for slide in slides)
    assert "<svg" in deck_file(deck, "html").decode("utf-8")
    assert command_line(deck).startswith("python -m thaldash deck --out deck.pptx --page 'Response?")

    at.button(key="thaldash.deck.clear").click().run()
    assert not deck_of(at).items and "Empty" in sidebar_text(at)


def test_the_deck_follows_the_session_across_pages(run_page):
    at = run_page(RESPONSE)
    at.button(key="thaldash.deck.add.response_tiers").click().run()
    deck = deck_of(at)
    safety = run_page(SAFETY, session={DECK_KEY: deck})
    assert not safety.exception
    safety.button(key="thaldash.deck.add.adverse_events").click().run()
    assert [(i.source.page, i.item_id) for i in deck_of(safety).items] == [
        ("Response", "response_tiers"), ("Safety", "adverse_events")]


def test_presentation_mode_hides_the_adding_buttons(run_page):
    at = run_page(RESPONSE, query={"present": "1"})
    assert not at.exception
    keys = {b.key for b in at.button}
    assert not any(str(k).startswith("thaldash.deck.add") for k in keys)


def test_a_figure_added_after_a_what_if_slider_records_those_rules(run_page):
    from thaldash.ui.state import rule_widget_key

    at = run_page(REPO / "pages" / "6_What-if.py")
    at.slider(key=rule_widget_key("slr_reduction_pct")).set_value(40.0).run()  # reruns the fragment only
    at.button(key="thaldash.deck.add.whatif_transitions").click().run()
    assert not at.exception
    item = deck_of(at).items[0]
    assert parse_state(item.source.state)["slr_reduction_pct"] == "40"
    assert "grading: Paper, as applied (modified): slr_reduction_pct = 40" in item.footer


def test_a_real_cohorts_slides_hide_small_counts_at_the_sidebars_k(run_page):
    """The hand-written cohort (every tier count 1 to 4): "Add to deck" and "Add this page" guard at the
    sidebar's k (here 3 from the link), the footer says so and the item's state records k."""
    at = run_page(RESPONSE, "tiny", query={"min_cell": "3"})
    assert not at.exception
    at.button(key="thaldash.deck.add.response_tiers_table").click().run()
    at.button(key="thaldash.deck.add_page").click().run()
    assert not at.exception
    items = deck_of(at).items
    assert len(items) >= 2
    for item in items:
        assert "small cells: counts below 3 shown as < 3" in item.footer, item.item_id
        assert parse_state(item.source.state)["min_cell"] == "3"
    table = next(i for i in items if i.item_id == "response_tiers_table").table
    assert "< 3" in table["n"].tolist()
