"""The PowerPoint file, opened again with python-pptx: slides, pictures, native tables, words, notes."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.enum.text import PP_ALIGN

from thaldash.export.deck.house import NORMAL, PRESENTATION, is_presentation, presentation_spec
from thaldash.export.deck.model import RECONSTRUCTION_LINE, Deck, DeckItem, Source
from thaldash.export.deck.pptx import build_pptx
from tests.export.decks import FOOTER, LONG_ROWS, long_table, plain_chart

PROJECTOR_PX = 1920


@pytest.fixture(scope="module")
def pptx_bytes(deck: Deck) -> bytes:
    return build_pptx(deck)


@pytest.fixture(scope="module")
def prs(pptx_bytes: bytes):
    return Presentation(io.BytesIO(pptx_bytes))


@pytest.fixture(scope="module")
def real_prs(real_data_deck: Deck):
    return Presentation(io.BytesIO(build_pptx(real_data_deck)))


def texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def title_of(slide) -> str:
    return texts(slide)[0]


def tables(slide) -> list:
    return [shape.table for shape in slide.shapes if shape.has_table]


def runs(slide):
    for shape in slide.shapes:
        frames = [shape.text_frame] if shape.has_text_frame else (
            [cell.text_frame for cell in shape.table.iter_cells()] if shape.has_table else [])
        for frame in frames:
            for paragraph in frame.paragraphs:
                yield from ((shape, run) for run in paragraph.runs)


def slides_of(prs, title: str) -> list:
    return [s for s in list(prs.slides)[1:] if title_of(s) in (title, f"{title} (continued)")]


def test_slides_are_16_by_9(prs) -> None:
    # PowerPoint's own "Widescreen" size: 12 192 000 × 6 858 000 EMU (13.333 in × 7.5 in).
    assert (prs.slide_width, prs.slide_height) == (12_192_000, 6_858_000)
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9)


def test_one_slide_per_item_after_the_title_plus_continuations_of_long_tables(prs, deck: Deck) -> None:
    titles = [title_of(s) for s in prs.slides]
    assert titles[0] == deck.title
    continued = [t for t in titles if t.endswith("(continued)")]
    assert continued and set(continued) == {"Every patient (continued)"}
    assert len(prs.slides) == 1 + len(deck.items) + len(continued)
    assert [t for t in titles[1:] if t not in continued] == [i.title for i in deck.items]


def test_figure_slides_carry_one_sharp_picture_inside_the_slide(prs) -> None:
    for title in ("Response tiers", "A plain chart"):
        (slide,) = slides_of(prs, title)
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        picture = pictures[0]
        image = Image.open(io.BytesIO(picture.image.blob))
        assert picture.image.content_type == "image/png"
        shown_px = picture.width / prs.slide_width * PROJECTOR_PX
        assert image.width >= shown_px - 1, "fewer pixels than the projector shows"
        assert image.width / image.height == pytest.approx(picture.width / picture.height, rel=0.01)
        assert picture._element.nvPicPr.cNvPr.get("descr", "").startswith(title)


def test_nothing_is_placed_outside_the_slide(prs) -> None:
    for slide in prs.slides:
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, shape.name
            assert shape.left + shape.width <= prs.slide_width and shape.top + shape.height <= prs.slide_height, \
                (title_of(slide), shape.name)


def test_a_table_is_a_native_table_with_the_right_cells(prs) -> None:
    (slide,) = slides_of(prs, "Tier table")
    (table,) = tables(slide)
    cells = [[table.cell(r, c).text for c in range(len(table.columns))] for r in range(len(table.rows))]
    assert cells == [
        ["Tier", "n", "%", "95% CI", "Note"],
        ["MaR", "35", "72.9", "58.2 to 84.7", ""],
        ["MiR", "0", "0.0", "0.0 to 7.4", ""],
        ["not evaluable", "2", "–", "", "a value is missing"],
    ]


def test_numbers_are_right_aligned_and_the_header_is_styled(prs) -> None:
    (slide,) = slides_of(prs, "Tier table")
    (table,) = tables(slide)
    alignment = [table.cell(1, c).text_frame.paragraphs[0].alignment for c in range(5)]
    assert alignment == [PP_ALIGN.LEFT, PP_ALIGN.RIGHT, PP_ALIGN.RIGHT, PP_ALIGN.RIGHT, PP_ALIGN.LEFT]
    header = table.cell(0, 0)
    assert str(header.fill.fore_color.rgb) == "0072B2"  # Okabe–Ito blue
    assert all(run.font.bold for run in header.text_frame.paragraphs[0].runs)


def test_a_long_table_continues_over_slides_with_its_header_and_every_row_once(prs) -> None:
    pages = slides_of(prs, "Every patient")
    assert len(pages) >= 2
    seen = []
    for slide in pages:
        (table,) = tables(slide)
        assert [c.text for c in table.rows[0].cells] == list(long_table().columns)
        seen += [table.cell(r, 0).text for r in range(1, len(table.rows))]
        assert any(t.startswith("Rows ") and t.endswith(f" of {LONG_ROWS}") for t in texts(slide))
    assert seen == list(long_table()["Patient"])


def test_type_is_large_enough_for_the_back_of_the_room(prs, deck: Deck) -> None:
    for slide in list(prs.slides)[1:]:
        sizes = {}
        for shape, run in runs(slide):
            kind = ("table" if shape.has_table else "title" if run.text == title_of(slide)
                    else "footer" if run.text.startswith("data: ") else "caption" if run.text in
                    {i.caption for i in deck.items} else "other")
            sizes.setdefault(kind, set()).add(run.font.size.pt)
        assert min(sizes["title"]) >= 28 and min(sizes["caption"]) >= 16 and sizes["footer"] == {10}
        assert min(sizes.get("table", {12})) >= 12


def test_every_data_slide_has_the_provenance_footer(prs) -> None:
    lines = FOOTER.splitlines()
    for slide in list(prs.slides)[1:]:
        footer = " ".join(t.replace("\n", " ") for t in texts(slide) if t.startswith("data: "))
        assert all(line in footer for line in lines), title_of(slide)


def test_notes_hold_the_numbers_and_the_view_that_reproduces_the_item(prs, deck: Deck) -> None:
    for item in deck.items:
        for slide in slides_of(prs, item.title):
            notes = slide.notes_slide.notes_text_frame.text
            assert item.notes in notes and item.source.reproduce_text() in notes
            assert f"?{item.source.state}" in notes if item.source.state else "defaults" in notes


@pytest.mark.parametrize(("which", "present"), [("prs", True), ("real_prs", False)])
def test_the_reconstruction_line_is_on_every_slide_only_for_a_reconstructed_cohort(request, which: str,
                                                                                   present: bool) -> None:
    for slide in request.getfixturevalue(which).slides:
        assert (RECONSTRUCTION_LINE in texts(slide)) is present, title_of(slide)


def test_the_file_refers_to_nothing_outside_itself(pptx_bytes: bytes, prs) -> None:
    for part in prs.part.package.iter_parts():
        assert not any(rel.is_external for rel in part.rels.values()), part.partname
    with zipfile.ZipFile(io.BytesIO(pptx_bytes)) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            assert b'TargetMode="External"' not in data and b"hlinkClick" not in data, name


def test_a_desk_sized_chart_is_given_presentation_type() -> None:
    spec = {**plain_chart(), "config": {"title": {"fontSize": NORMAL.title}, "axis": {
        "labelFontSize": NORMAL.axis_label, "titleFontSize": 13}}}
    bigger = presentation_spec(spec)
    assert not is_presentation(spec) and is_presentation(bigger)
    assert bigger["config"]["axis"] == {"labelFontSize": PRESENTATION.axis_label, "titleFontSize": 13}
    assert spec["config"]["title"]["fontSize"] == NORMAL.title, "the item's own spec is not changed"


def test_a_presentation_chart_is_left_as_it_is(chart_spec: dict) -> None:
    assert is_presentation(chart_spec) and presentation_spec(chart_spec) is chart_spec


def test_hostile_text_stays_text() -> None:
    hostile = "<img src=x> http://example.invalid =cmd|' /C calc'!A0"
    deck = Deck(hostile, items=(DeckItem("table", hostile, hostile, hostile, table=pd.DataFrame({hostile: [hostile]}),
                                         source=Source(hostile, hostile)),))
    prs = Presentation(io.BytesIO(build_pptx(deck)))
    (table,) = tables(prs.slides[1])
    assert table.cell(0, 0).text == hostile and table.cell(1, 0).text == hostile
    for part in prs.part.package.iter_parts():
        assert not any(rel.is_external for rel in part.rels.values())


def test_a_figure_that_cannot_be_drawn_is_named_in_a_sentence() -> None:
    spec = {"mark": "nonsense", "data": {"values": [{}]}}
    broken = Deck("D", items=(DeckItem("figure", "Broken chart", figure=spec),))
    with pytest.raises(ValueError, match=r"^Slide 'Broken chart': the figure could not be drawn .*add it again"):
        build_pptx(broken)


def test_an_empty_deck_is_its_title_slide() -> None:
    prs = Presentation(io.BytesIO(build_pptx(Deck("Nothing yet"))))
    assert len(prs.slides) == 1 and title_of(prs.slides[0]) == "Nothing yet"
