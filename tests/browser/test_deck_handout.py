"""The HTML handout in Debian's chromium: it asks for nothing but itself, and prints on A4 and Letter.

The handout is opened from a file:// URL in a context whose every request goes through a route
that lets the file itself through and aborts and records anything else; a control page with an
image by URL shows that the route sees such a request. Printing uses ``page.pdf`` (Chromium's
own print path) in A4 and Letter; the figures and tables are then measured in print media at the
width of each paper's printable area.
"""

from __future__ import annotations

import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from thaldash.export.deck.html import PAGE_MARGIN_MM, build_html
from thaldash.export.deck.model import DeckItem
from thaldash.views.deck import page_deck
from tests.export.decks import house_chart, make_deck

MM_PER_IN, PX_PER_IN, PT_PER_IN = 25.4, 96, 72
PAPERS = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}  # mm: ISO 216; ANSI 8.5 × 11 in


def _wide_chart() -> dict:
    """A chart 1400 px wide, twice a printed page: it must be scaled down, not cut off."""
    frame = pd.DataFrame({"month": [0, 6, 12, 24], "hb": [75.0, 105.0, 108.0, 109.0]})
    return alt.Chart(frame, title="Wide").mark_line().encode(x="month:Q", y="hb:Q").properties(
        width=1400, height=250).to_dict()


@pytest.fixture(scope="module", params=["renderer", "pages"])
def handout(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tiny, bundled) -> tuple[Path, int]:
    """(the handout's file, its number of figures): the renderer's test deck with a wide figure, or dashboard
    pages built by ``views.deck.page_deck`` (as ``python -m thaldash deck --out x.html`` builds them)."""
    if request.param == "renderer":
        deck = make_deck(house_chart(tiny), reconstruction=True)
        deck = deck.add(DeckItem("figure", "A wide figure", "Scaled to the page.", figure=_wide_chart(), item_id="wide"))
    else:
        deck = page_deck(bundled, ["Response", "Independence#ti_roc", "Safety#adverse_events",
                                   "Comparisons#group_means"], "thal_type=TDT")
    path = tmp_path_factory.mktemp("handout") / "handout.html"
    path.write_text(build_html(deck), encoding="utf-8")
    return path, sum(item.kind == "figure" for item in deck.items)


def _guarded_page(browser, allowed: str):
    """A page whose context aborts and records every request but the one to ``allowed``."""
    context = browser.new_context()
    others: list[str] = []

    def handle(route) -> None:
        if route.request.url == allowed:
            route.continue_()
        else:
            if route.request.url not in others:
                others.append(route.request.url)
            route.abort()

    context.route("**/*", handle)
    context.on("request", lambda r: others.append(r.url) if r.url != allowed and r.url not in others else None)
    return context, context.new_page(), others


def test_the_guard_sees_a_request_for_an_image_by_url(browser, tmp_path: Path) -> None:
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><p>control</p><img src="http://127.0.0.1:9/x.png">', encoding="utf-8")
    context, page, others = _guarded_page(browser, control.as_uri())
    try:
        page.goto(control.as_uri())
        page.wait_for_load_state("load")
        assert others == ["http://127.0.0.1:9/x.png"]
    finally:
        context.close()


def test_the_handout_requests_nothing_but_itself_and_prints_on_a4_and_letter(browser, handout: tuple[Path, int]) -> None:
    handout, figures = handout
    context, page, others = _guarded_page(browser, handout.as_uri())
    try:
        page.goto(handout.as_uri())
        page.wait_for_load_state("load")
        n_svg = page.locator("svg.marks").count()
        assert n_svg == figures
        page.emulate_media(media="print")
        for paper, (width_mm, height_mm) in PAPERS.items():
            pdf = page.pdf(format=paper)
            pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
            assert pages >= 2, f"{paper}: {pages} page(s)"
            box = [float(v) for v in re.search(rb"/MediaBox\s*\[([^\]]+)\]", pdf).group(1).split()]
            assert box[2] == pytest.approx(width_mm / MM_PER_IN * PT_PER_IN, abs=1)
            assert box[3] == pytest.approx(height_mm / MM_PER_IN * PT_PER_IN, abs=1)

            # The printable width in CSS px; laid out at that width in print media, nothing may exceed it.
            content = (width_mm - 2 * PAGE_MARGIN_MM[1]) / MM_PER_IN * PX_PER_IN
            page.set_viewport_size({"width": int(content), "height": 1000})
            boxes = page.evaluate("""() => [...document.querySelectorAll('svg.marks, table')].map(e => {
                const r = e.getBoundingClientRect(); return {tag: e.tagName, left: r.left, right: r.right,
                width: r.width, height: r.height}; })""")
            assert len([b for b in boxes if b["tag"].lower() == "svg"]) == n_svg
            for b in boxes:
                assert b["width"] > 0 and b["height"] > 0, (paper, b)
                assert b["left"] >= -0.5 and b["right"] <= int(content) + 0.5, (paper, b)
        assert others == []
    finally:
        context.close()
