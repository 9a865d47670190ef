"""The HTML handout: self-contained, no script, nothing fetched, every text escaped, one SVG per figure."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import altair as alt
import pandas as pd
import pytest

import thaldash.export.deck.html
from thaldash.export.deck.house import figure_svg
from thaldash.export.deck.html import build_html
from thaldash.export.deck.model import RECONSTRUCTION_LINE, Deck, DeckItem, Source
from tests.export.decks import FOOTER, WHEN, small_table

HOSTILE = '<img src=x onerror="alert(1)">'
SCRIPT = "<script>alert(2)</script>"


class Elements(HTMLParser):
    """Every start tag of a document with its attributes, and its text."""

    def __init__(self, document: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def handout(deck: Deck) -> str:
    return build_html(deck)


def gradient_chart(label: str) -> dict:
    """A chart with a continuous colour legend: its SVG defines a gradient by id."""
    frame = pd.DataFrame({"genotype": [label, "CD17/CD17", "-28/-28"], "orr": [20.0, 60.0, 100.0]})
    return alt.Chart(frame, title=label).mark_bar().encode(
        x=alt.X("genotype:N", title=label), y="orr:Q", color="orr:Q").properties(width=300, height=200).to_dict()


@pytest.fixture(scope="module")
def hostile_deck() -> Deck:
    items = (
        DeckItem("figure", SCRIPT, HOSTILE, SCRIPT, figure=gradient_chart(HOSTILE), footer=HOSTILE,
                 source=Source(HOSTILE, "a=<b>&c=\"d\"")),
        DeckItem("figure", "Second", "", "", figure=gradient_chart("CD41-42/-28")),
        DeckItem("table", HOSTILE, SCRIPT, HOSTILE, table=pd.DataFrame({HOSTILE: [SCRIPT, HOSTILE]})),
    )
    return Deck(SCRIPT, HOSTILE, HOSTILE, WHEN, False, items)


@pytest.fixture(scope="module")
def hostile_handout(hostile_deck: Deck) -> str:
    return build_html(hostile_deck)


@pytest.mark.parametrize("which", ["handout", "hostile_handout"])
def test_there_is_no_script(request, which: str) -> None:
    document = request.getfixturevalue(which)
    assert "<script" not in document.lower()
    assert not [t for t, attrs in Elements(document).tags if t == "script" or any(
        a.startswith("on") for a in attrs)]


@pytest.mark.parametrize("which", ["handout", "hostile_handout"])
def test_no_address_outside_the_xmlns_attributes(request, which: str) -> None:
    document = request.getfixturevalue(which)
    namespaces = re.findall(r'\sxmlns(?::\w+)?="([^"]*)"', document)
    assert set(namespaces) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    rest = re.sub(r'\sxmlns(?::\w+)?="[^"]*"', "", document)
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import|@font-face", rest, re.IGNORECASE)
    assert all(target.startswith("#") for target in re.findall(r"url\(\s*['\"]?([^)'\"]*)", rest))
    for _tag, attrs in Elements(document).tags:
        for name in ("src", "href", "xlink:href", "srcset", "action", "poster", "data"):
            assert attrs.get(name) in (None, "") or attrs[name].startswith(("#", "data:image/")), (name, attrs)


def test_the_page_forbids_any_fetch(handout: str) -> None:
    (csp,) = [a["content"] for t, a in Elements(handout).tags if t == "meta"
              and (a.get("http-equiv") or "").lower() == "content-security-policy"]
    assert "default-src 'none'" in csp


def test_hostile_labels_stay_text(hostile_handout: str) -> None:
    parsed = Elements(hostile_handout)
    assert not [t for t, _ in parsed.tags if t in ("img", "script")]
    text = "".join(parsed.text)
    assert HOSTILE in text and SCRIPT in text  # shown, as text: in titles, the table, the footer, the chart


def test_one_inline_svg_per_figure(handout: str, deck: Deck, hostile_handout: str) -> None:
    assert handout.count("<svg") == sum(i.kind == "figure" for i in deck.items)
    assert hostile_handout.count("<svg") == 2


def _ids_and_targets(document: str) -> tuple[list[str], list[str]]:
    """The ids defined inside figures (not the items' section ids) and the url(#…) references."""
    ids = [attrs["id"] for tag, attrs in Elements(document).tags if attrs.get("id") and tag != "section"]
    return ids, re.findall(r"url\(#([^)]+)\)", document)


def test_ids_are_unique_and_every_reference_finds_its_own(hostile_handout: str) -> None:
    ids, targets = _ids_and_targets(hostile_handout)
    assert len(ids) == len(set(ids))
    assert len([i for i in ids if "gradient" in i.lower()]) >= 2, "each chart defines its legend gradient"
    assert targets and set(targets) <= set(ids)


def test_two_figures_with_the_same_ids_do_not_share_them(monkeypatch, hostile_deck: Deck) -> None:
    # vl-convert numbers gradients per process; an SVG from a cache or another worker can repeat an id.
    svg = figure_svg(gradient_chart("cached"))
    monkeypatch.setattr(thaldash.export.deck.html, "figure_svg", lambda spec, **_: svg)
    ids, targets = _ids_and_targets(build_html(hostile_deck))
    assert len(ids) == len(set(ids)) == 2
    assert sorted(targets) == sorted(ids), "each figure points at its own gradient"


def test_each_item_has_title_caption_footer_and_the_reconstruction_line(handout: str, deck: Deck) -> None:
    text = " ".join(Elements(handout).text)
    for item in deck.items:
        assert item.title in text and item.caption in text and item.notes in text
        assert item.source.reproduce_text() in text
    for line in FOOTER.splitlines():
        assert text.count(line) == len(deck.items)
    assert handout.count(f'<p class="reconstruction">{RECONSTRUCTION_LINE}</p>') == 1 + len(deck.items)


def test_no_reconstruction_line_for_real_data(real_data_deck: Deck) -> None:
    assert RECONSTRUCTION_LINE not in build_html(real_data_deck)


def test_tables_carry_the_cells_with_numbers_right_aligned(handout: str) -> None:
    rows = re.findall(r"<tr>(.*?)</tr>", handout)
    assert '<th scope="col" class="">Tier</th><th scope="col" class="num">n</th>' in rows[0]
    assert '<td class="">MaR</td><td class="num">35</td><td class="num">72.9</td>' in rows[1]
    assert "<td class=\"num\">–</td>" in rows[3]  # the missing percentage
    assert len(re.findall(r"<tbody>", handout)) == 2


def test_print_rules_keep_items_whole_and_figures_within_the_page(handout: str) -> None:
    style = re.search(r"<style>(.*?)</style>", handout, re.S).group(1)
    assert "@page" in style and "break-inside: avoid" in style
    assert re.search(r"\.chart svg \{[^}]*max-width: 100%", style)
    assert re.search(r"@media print \{.*table \{[^}]*width: 100%", style, re.S)


def test_a_table_only_deck_needs_no_figure_renderer() -> None:
    deck = Deck("Tables", items=(DeckItem("table", "T", table=small_table()),))
    assert "<svg" not in build_html(deck)


def test_a_figure_that_cannot_be_drawn_is_named_in_a_sentence() -> None:
    spec = {"mark": "nonsense", "data": {"values": [{}]}}
    broken = Deck("D", items=(DeckItem("figure", "Broken chart", figure=spec),))
    with pytest.raises(ValueError, match=r"^Item 'Broken chart': the figure could not be drawn .*Remove it from"):
        build_html(broken)


def test_an_empty_deck_is_its_title_block() -> None:
    document = build_html(Deck("Nothing yet", created=WHEN))
    assert "Nothing yet" in document and "<section" not in document
