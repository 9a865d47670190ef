"""How a table goes onto slides: its type size, column widths, row heights and page breaks.

Decided before drawing, from the text's measured widths (``thaldash.export.deck.measure``), because a slide
table grows downwards when a cell wraps and nothing would stop it at the slide's edge. The rule
is the fewest slides, and at that number the largest type from ``SIZES`` (never below 12 pt).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from thaldash.export.deck.cells import Cells
from thaldash.export.deck.measure import longest_word, text_width, wrap

SIZES: tuple[float, ...] = (18, 16, 14, 12)
"""Table type sizes (pt) tried, largest first; 12 pt is the smallest readable from the back of a room."""

PAD_X = 5.0
"""Cell margin left and right (pt)."""
PAD_Y = 2.5
"""Cell margin top and bottom (pt)."""
LINE = 1.2
"""Line height as a multiple of the type size (Liberation Sans needs 1.15)."""
SLACK = 1.04
"""Measured widths are stretched by this: renderers set text a little wider than the font's metrics."""
AIR = 1.25
"""Most a table narrower than the slide is widened by, so that it does not look cramped."""


@dataclass(frozen=True)
class TableLayout:
    """One table's slide layout; lengths in points.

    ``pages`` holds ``(start, stop)`` row ranges, one per slide (one empty range for a table
    without rows); ``row_heights`` has one height per body row.
    """

    size: float
    widths: tuple[float, ...]
    header_height: float
    row_heights: tuple[float, ...]
    pages: tuple[tuple[int, int], ...]

    @property
    def width(self) -> float:
        return sum(self.widths)

    def height(self, page: int) -> float:
        start, stop = self.pages[page]
        return self.header_height + sum(self.row_heights[start:stop])


def _fit(natural: list[float], floor: list[float], width: float) -> list[float]:
    """Column widths summing to ``width``: narrow columns keep their natural width, wide ones wrap.

    Water-filling: every column gets ``min(natural, cap)`` but at least its ``floor`` (its
    longest word), with ``cap`` the largest that fits. When even the floors do not fit, they
    shrink in proportion and long words break.
    """
    if sum(floor) >= width:
        return [f * width / sum(floor) for f in floor]
    low, high = 0.0, max(natural)
    for _ in range(50):  # bisection to well under a point
        cap = (low + high) / 2
        if sum(max(min(n, cap), f) for n, f in zip(natural, floor)) > width:
            high = cap
        else:
            low = cap
    widths = [max(min(n, low), f) for n, f in zip(natural, floor)]
    spare = width - sum(widths)
    wrapped = [i for i, (w, n) in enumerate(zip(widths, natural)) if w < n] or range(len(widths))
    return [w + (spare / len(wrapped) if i in wrapped else 0.0) for i, w in enumerate(widths)]


def _widths(cells: Cells, size: float, width: float) -> tuple[list[float], bool]:
    """Column widths at ``size`` and whether some word is wider than its column (and breaks)."""
    n_cols = len(cells.header)
    natural = [max([text_width(h, size, bold=True) for h in cells.header[c].split("\n")]
                   + [text_width(line, size) for row in cells.rows for line in row[c].split("\n")]) * SLACK
               + 2 * PAD_X for c in range(n_cols)]
    if sum(natural) <= width:
        return [n * min(AIR, width / sum(natural)) for n in natural], False
    floor = [max([longest_word(cells.header[c], size, bold=True)]
                 + [longest_word(row[c], size) for row in cells.rows]) * SLACK + 2 * PAD_X for c in range(n_cols)]
    floor = [min(f, n) for f, n in zip(floor, natural)]
    return _fit(natural, floor, width), sum(floor) > width


def _height(texts: tuple[str, ...], widths: list[float], size: float, bold: bool) -> float:
    lines = max(len(wrap(t, (w - 2 * PAD_X) / SLACK, size, bold=bold)) for t, w in zip(texts, widths))
    return lines * size * LINE + 2 * PAD_Y


def _pages(heights: list[float], room: float) -> list[tuple[int, int]]:
    """Row ranges filling ``room`` greedily, then evened out so the last slide is not a stub."""
    def greedy(most_rows: int) -> list[tuple[int, int]]:
        pages, start, used = [], 0, 0.0
        for i, h in enumerate(heights):
            if i > start and (used + h > room or i - start >= most_rows):
                pages.append((start, i))
                start, used = i, 0.0
            used += h
        return pages + [(start, len(heights))]

    if not heights:
        return [(0, 0)]
    plain = greedy(len(heights))
    even = greedy(math.ceil(len(heights) / len(plain)))
    return even if len(even) == len(plain) else plain


def layout_table(cells: Cells, *, width: float, height: float) -> TableLayout:
    """The layout of ``cells`` in a box ``width`` × ``height`` pt per slide.

    Preferred, in order: no word broken across lines, the fewest slides, the largest type.
    """
    best: tuple[tuple[bool, int], TableLayout] | None = None
    for size in SIZES:
        widths, broken = _widths(cells, size, width)
        header = _height(cells.header, widths, size, bold=True)
        rows = [_height(row, widths, size, bold=False) for row in cells.rows]
        layout = TableLayout(size=size, widths=tuple(widths), header_height=header, row_heights=tuple(rows),
                             pages=tuple(_pages(rows, max(height - header, 1.0))))
        rank = (broken, len(layout.pages))
        if best is None or rank < best[0]:
            best = (rank, layout)
    return best[1]
