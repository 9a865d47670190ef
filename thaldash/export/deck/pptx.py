"""The deck as a PowerPoint file: a title slide, then one slide per figure and per table page.

16:9 slides in the house font and colours, type sized for the back of a room (title ≥ 28 pt,
caption ≥ 16 pt, table ≥ 12 pt, footer 10 pt). Figures are pictures rendered sharp enough for a
1920-px projector; tables are native PowerPoint tables (editable), split over "(continued)"
slides when long. Every data slide says where its data came from (the provenance footer) and,
for the bundled cohort, that it is reconstructed; the speaker notes hold the numbers behind the
item and the view that reproduces it. The file refers to nothing outside itself.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Pt

from thaldash.export.deck.cells import table_cells
from thaldash.export.deck.house import ACCENT, FONT_FAMILY
from thaldash.export.deck.measure import wrap
from thaldash.export.deck.model import RECONSTRUCTION_LINE, Deck, DeckItem
from thaldash.export.deck.picture import slide_picture
from thaldash.export.deck.table_layout import PAD_X, PAD_Y, TableLayout, layout_table

SLIDE_W, SLIDE_H = 960.0, 540.0  # pt: 13.333 in × 7.5 in, 16:9
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 36.0, 20.0, 14.0
TEXT_W = SLIDE_W - 2 * MARGIN_X
TITLE_SIZES = (32.0, 28.0)  # the larger when the title fits on one line
CAPTION_SIZES = (18.0, 16.0)  # the larger when the caption fits on two lines
FOOTER_SIZE, RECONSTRUCTION_SIZE, CORNER_SIZE = 10.0, 12.0, 12.0
GAP = 8.0  # pt between blocks
LINE = 1.2  # line height / type size
WRAP_SAFETY = 0.96  # wrap estimates on a slightly narrower line: renderers differ a little

TEXT, MUTED, WHITE, BAND = "222222", "555555", "FFFFFF", "F2F2F2"


@dataclass(frozen=True)
class _Frame:
    """The slide's content box (pt), between the title block and the caption/footer block."""

    left: float
    top: float
    width: float
    height: float


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _text_box(slide: Any, lines: list[str], *, left: float, top: float, width: float, height: float,
              size: float, bold: bool = False, colour: str = TEXT, anchor: MSO_ANCHOR = MSO_ANCHOR.TOP,
              align: PP_ALIGN = PP_ALIGN.LEFT) -> Any:
    """A text box without margins or autofit (so the measured wrap holds), one paragraph per line."""
    box = slide.shapes.add_textbox(Pt(left), Pt(top), Pt(width), Pt(height))
    frame = box.text_frame
    frame.word_wrap, frame.auto_size, frame.vertical_anchor = True, MSO_AUTO_SIZE.NONE, anchor
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    _write(frame, lines, size=size, bold=bold, colour=colour, align=align)
    return box


def _write(frame: Any, lines: list[str], *, size: float, bold: bool, colour: str, align: PP_ALIGN) -> None:
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        # The paragraph mark sets the height of an empty line, at the template's 18 pt unless told;
        # an empty run would too (LibreOffice), so an empty cell gets no run.
        paragraph.font.size = Pt(size)
        paragraph._p.get_or_add_endParaRPr().set("sz", str(round(size * 100)))
        if line:
            run = paragraph.add_run()
            run.text = line
            run.font.name, run.font.size, run.font.bold = FONT_FAMILY, Pt(size), bold
            run.font.color.rgb = _rgb(colour)


def _fitted(text: str, sizes: tuple[float, ...], most_lines: int, *, bold: bool) -> tuple[float, list[str]]:
    """The largest of ``sizes`` at which ``text`` takes at most ``most_lines`` lines (else the smallest)."""
    for size in sizes:
        lines = wrap(text, TEXT_W * WRAP_SAFETY, size, bold=bold)
        if len(lines) <= most_lines:
            break
    return size, lines


def _height(lines: list[str], size: float) -> float:
    return len(lines) * size * LINE


def _accent(slide: Any, *, left: float, top: float, width: float, height: float) -> None:
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Pt(left), Pt(top), Pt(width), Pt(height))
    bar.fill.solid()
    bar.fill.fore_color.rgb = _rgb(ACCENT)
    bar.line.fill.background()


@dataclass(frozen=True)
class _Layout:
    """Where a data slide's text goes (pt) and the content box left between title and caption."""

    title_size: float
    title_height: float
    caption_size: float
    caption_lines: int
    caption_top: float
    footer: tuple[str, ...]
    footer_top: float
    reconstruction_top: float | None
    box: _Frame


def _layout(deck: Deck, item: DeckItem, title: str, caption: str) -> _Layout:
    """Title block from the top, footer, reconstruction line and caption from the bottom."""
    title_size, title_lines = _fitted(title, TITLE_SIZES, 1, bold=True)
    content_top = MARGIN_TOP + _height(title_lines, title_size) + 4 + 4 + GAP  # title, gap, accent bar, gap
    footer = wrap(" · ".join(line.strip() for line in item.footer.splitlines() if line.strip()),
                  TEXT_W * WRAP_SAFETY, FOOTER_SIZE) if item.footer.strip() else []
    footer_top = SLIDE_H - MARGIN_BOTTOM - _height(footer, FOOTER_SIZE)
    bottom, reconstruction_top = footer_top, None
    if deck.marks_reconstruction(item):
        bottom = reconstruction_top = bottom - _height([RECONSTRUCTION_LINE], RECONSTRUCTION_SIZE) - 2
    caption_size, caption_lines = _fitted(caption, CAPTION_SIZES, 2, bold=False) if caption.strip() else (0.0, [])
    if caption_lines:
        bottom -= _height(caption_lines, caption_size) + GAP
    box = _Frame(MARGIN_X, content_top, TEXT_W, max(bottom - GAP - content_top, 72.0))
    return _Layout(title_size, _height(title_lines, title_size), caption_size, len(caption_lines), bottom,
                   tuple(footer), footer_top, reconstruction_top, box)


def _data_slide(prs: Any, title: str, caption: str, layout: _Layout, content_height: float,
                corner: str = "") -> Any:
    """A slide with ``layout``'s title, caption, reconstruction line and footer drawn.

    The caption goes right under the content (``content_height`` pt from the box's top), so it
    reads as the content's; ``corner`` is a short note right-aligned beside the accent bar.
    """
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # the default template's "Blank"
    _text_box(slide, [title], left=MARGIN_X, top=MARGIN_TOP, width=TEXT_W, height=layout.title_height,
              size=layout.title_size, bold=True, anchor=MSO_ANCHOR.BOTTOM)
    _accent(slide, left=MARGIN_X, top=MARGIN_TOP + layout.title_height + 4, width=86, height=4)
    if corner:
        _text_box(slide, [corner], left=MARGIN_X + 100, top=MARGIN_TOP + layout.title_height + 1,
                  width=TEXT_W - 100, height=CORNER_SIZE * LINE, size=CORNER_SIZE, colour=MUTED,
                  align=PP_ALIGN.RIGHT)
    if layout.caption_lines:
        top = min(layout.caption_top, layout.box.top + content_height + GAP)
        _text_box(slide, [caption], left=MARGIN_X, top=top, width=TEXT_W,
                  height=layout.caption_lines * layout.caption_size * LINE, size=layout.caption_size)
    if layout.reconstruction_top is not None:
        _text_box(slide, [RECONSTRUCTION_LINE], left=MARGIN_X, top=layout.reconstruction_top, width=TEXT_W,
                  height=RECONSTRUCTION_SIZE * LINE, size=RECONSTRUCTION_SIZE, bold=True)
    if layout.footer:
        _text_box(slide, list(layout.footer), left=MARGIN_X, top=layout.footer_top, width=TEXT_W,
                  height=_height(list(layout.footer), FOOTER_SIZE), size=FOOTER_SIZE, colour=MUTED)
    return slide


def _notes(slide: Any, item: DeckItem, prefix: str = "") -> None:
    parts = [prefix, item.notes.strip(), item.source.reproduce_text(), item.footer.strip()]
    slide.notes_slide.notes_text_frame.text = "\n\n".join(p for p in parts if p)


def _figure_slide(prs: Any, deck: Deck, item: DeckItem) -> None:
    layout = _layout(deck, item, item.title, item.caption)
    box = layout.box
    png, width, height = slide_picture(item.figure, width=box.width, height=box.height, slide_width=SLIDE_W,
                                       what=f"Slide {item.title!r}")
    slide = _data_slide(prs, item.title, item.caption, layout, height)
    picture = slide.shapes.add_picture(io.BytesIO(png), Pt(box.left + (box.width - width) / 2), Pt(box.top),
                                       Pt(width), Pt(height))
    # Alternative text for screen readers; python-pptx has no public setter for it.
    picture._element.nvPicPr.cNvPr.set("descr", " ".join(p for p in (item.title, item.caption) if p))
    _notes(slide, item)


def _table_shape(slide: Any, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...],
                 numeric: tuple[bool, ...], layout: TableLayout, page: int, box: _Frame) -> Any:
    start, stop = layout.pages[page]
    left = box.left + (box.width - layout.width) / 2
    shape = slide.shapes.add_table(1 + stop - start, len(header), Pt(left), Pt(box.top), Pt(layout.width),
                                   Pt(layout.height(page)))
    table = shape.table
    table.first_row, table.horz_banding = True, False
    for column, width in zip(table.columns, layout.widths):
        column.width = Pt(width)
    heights = (layout.header_height, *layout.row_heights[start:stop])
    for r, (row, height) in enumerate(zip(table.rows, heights)):
        row.height = Pt(height)
        texts = header if r == 0 else rows[start + r - 1]
        for cell, text, right in zip(row.cells, texts, numeric):
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb(ACCENT if r == 0 else (BAND if r % 2 == 0 else WHITE))
            cell.margin_left = cell.margin_right = Pt(PAD_X)
            cell.margin_top = cell.margin_bottom = Pt(PAD_Y)
            cell.vertical_anchor = MSO_ANCHOR.BOTTOM if r == 0 else MSO_ANCHOR.MIDDLE
            _write(cell.text_frame, text.split("\n"), size=layout.size, bold=r == 0,
                   colour=WHITE if r == 0 else TEXT, align=PP_ALIGN.RIGHT if right else PP_ALIGN.LEFT)
    return shape


def _table_slides(prs: Any, deck: Deck, item: DeckItem) -> None:
    cells = table_cells(item.table)
    n = len(cells.rows)
    # Laid out in the smallest box any of its slides can have (the longer title); every slide's
    # own box is at least as large.
    box = _layout(deck, item, f"{item.title} (continued)", item.caption).box
    table = layout_table(cells, width=box.width, height=box.height)
    split = len(table.pages) > 1
    for page, (start, stop) in enumerate(table.pages):
        title = item.title if page == 0 else f"{item.title} (continued)"
        layout = _layout(deck, item, title, item.caption)
        slide = _data_slide(prs, title, item.caption, layout, table.height(page),
                            f"Rows {start + 1}–{stop} of {n}" if split else "")
        _table_shape(slide, cells.header, cells.rows, cells.numeric, table, page, layout.box)
        _notes(slide, item, f"Table rows {start + 1}–{stop} of {n} (slide {page + 1} of {len(table.pages)})."
               if split else "")


def _title_slide(prs: Any, deck: Deck) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    top = 140.0
    size, lines = _fitted(deck.title, (40.0, 32.0), 2, bold=True)
    _text_box(slide, [deck.title], left=MARGIN_X, top=top, width=TEXT_W, height=_height(lines, size), size=size,
              bold=True)
    top += _height(lines, size) + 10
    _accent(slide, left=MARGIN_X, top=top, width=120, height=6)
    top += 6 + 18
    blocks = [(deck.subtitle, 24.0, False, TEXT), (f"Grading: {deck.grading}" if deck.grading else "", 18.0, False,
                                                  TEXT),
              (f"Made {deck.created.isoformat()} with thaldash", 18.0, False, MUTED)]
    if deck.marks_reconstruction():
        blocks.append((RECONSTRUCTION_LINE, 20.0, True, TEXT))
    for text, size, bold, colour in blocks:
        if not text.strip():
            continue
        lines = wrap(text, TEXT_W * WRAP_SAFETY, size, bold=bold)
        _text_box(slide, [text], left=MARGIN_X, top=top, width=TEXT_W, height=_height(lines, size), size=size,
                  bold=bold, colour=colour)
        top += _height(lines, size) + 12
    slide.notes_slide.notes_text_frame.text = "\n".join(
        t for t in (deck.title, deck.subtitle, deck.grading, deck.created.isoformat(),
                    RECONSTRUCTION_LINE if deck.marks_reconstruction() else "") if t)


def build_pptx(deck: Deck) -> bytes:
    """The deck as a .pptx file's bytes: title slide, then each item's slide(s) in order."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Pt(SLIDE_W), Pt(SLIDE_H)
    properties = prs.core_properties
    properties.title, properties.subject = deck.title, deck.subtitle
    properties.author = properties.last_modified_by = "thaldash"
    properties.created = properties.modified = dt.datetime.combine(deck.created, dt.time())
    properties.revision = 1
    _title_slide(prs, deck)
    for item in deck.items:
        (_figure_slide if item.kind == "figure" else _table_slides)(prs, deck, item)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
