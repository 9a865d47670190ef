"""The deck as one self-contained HTML handout, for reading on screen or printing on A4 or Letter.

Figures are inline SVG (vector, searchable text), tables are HTML tables with the same cell
text as the slides. The file has no script and asks for nothing from anywhere: no web fonts,
no images by URL, no style sheet import; a Content-Security-Policy says so to the browser as
well. Every text from the deck (titles, captions, notes, cells, footers) is escaped.
"""

from __future__ import annotations

import re
from html import escape

from thaldash.export.deck.cells import table_cells
from thaldash.export.deck.house import ACCENT, FONT, figure_svg
from thaldash.export.deck.model import RECONSTRUCTION_LINE, Deck, DeckItem

PAGE_MARGIN_MM = (14, 12)
"""Printed page margins (top and bottom, left and right), on A4 and Letter alike."""

# Nothing may be fetched: inline styles and inline SVG only.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
:root { color-scheme: light; }
body { font-family: %(font)s; color: #222; line-height: 1.4; max-width: 62rem; margin: 2rem auto;
       padding: 0 1.5rem; }
header.deck { border-bottom: 5px solid %(accent)s; padding-bottom: 1rem; margin-bottom: 2rem; }
h1 { font-size: 2rem; margin: 0 0 .5rem; }
h2 { font-size: 1.35rem; margin: 0 0 .6rem; padding-left: .6rem; border-left: 6px solid %(accent)s; }
h3 { font-size: 1rem; margin: .8rem 0 .2rem; }
p { margin: .25rem 0; }
.cohort { font-size: 1.15rem; }
.muted, .footer { color: #555; }
.reconstruction { font-weight: bold; }
section.item { margin: 0 0 2.5rem; break-inside: avoid; page-break-inside: avoid; }
figure { margin: 0; }
figcaption, .caption { font-size: 1rem; margin: .4rem 0; }
.chart svg { display: block; max-width: 100%%; height: auto; }
.table { max-width: 100%%; overflow-x: auto; }
table { border-collapse: collapse; font-size: .9rem; max-width: 100%%; }
th, td { padding: .2rem .5rem; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: %(accent)s; color: #fff; font-weight: bold; vertical-align: bottom; }
tbody tr:nth-child(even) { background: #f2f2f2; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.notes { white-space: pre-wrap; font-size: .9rem; }
.footer { font-size: .8rem; }
@page { margin: %(margin_y)smm %(margin_x)smm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h1 { font-size: 18pt; } h2 { font-size: 13pt; }
  .table { overflow: visible; }
  table { width: 100%%; font-size: 8.5pt; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  th, tbody tr:nth-child(even), header.deck, h2 { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .notes { font-size: 9pt; } .footer { font-size: 7.5pt; }
}
"""

_ID = re.compile(r'(?<![\w:-])id="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')
_HREF = re.compile(r'\s(?:xlink:)?href="([^"]*)"')


def _text(text: str) -> str:
    """Escaped text, its line breaks kept as ``<br>``."""
    return "<br>".join(escape(line) for line in str(text).splitlines())


def _scoped_svg(svg: str, prefix: str) -> str:
    """``svg`` safe to sit beside other figures in one page.

    Ids (clip paths, gradients) get ``prefix``, since two inline SVGs with one id would share
    the first one's clip or gradient. Links other than to the SVG's own parts or to inline
    ``data:`` images are dropped: the handout follows and fetches nothing.
    """
    ids = set(_ID.findall(svg))
    if ids:
        svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
        svg = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}" if m.group(2) in ids else m.group(0), svg)
    return _HREF.sub(lambda m: m.group(0) if m.group(1).startswith(("#", "data:image/")) else "", svg)


def _table_html(item: DeckItem) -> str:
    cells = table_cells(item.table)
    klass = ['num' if numeric else '' for numeric in cells.numeric]
    head = "".join(f'<th scope="col" class="{k}">{_text(h)}</th>' for h, k in zip(cells.header, klass))
    body = "".join("<tr>" + "".join(f'<td class="{k}">{_text(v)}</td>' for v, k in zip(row, klass)) + "</tr>"
                   for row in cells.rows)
    return f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _item_html(deck: Deck, item: DeckItem, number: int) -> str:
    if item.kind == "figure":
        svg = figure_svg(item.figure, what=f"Item {item.title!r}")
        body = f'<div class="chart">{_scoped_svg(svg, f"f{number}")}</div>'
    else:
        body = _table_html(item)
    parts = [f'<section class="item {item.kind}" id="item-{number}">',
             f"<h2>{number}. {_text(item.title)}</h2>",
             f"<figure>{body}<figcaption>{_text(item.caption)}</figcaption></figure>" if item.caption
             else f"<figure>{body}</figure>"]
    if deck.marks_reconstruction(item):
        parts.append(f'<p class="reconstruction">{escape(RECONSTRUCTION_LINE)}</p>')
    if item.notes.strip():
        parts.append(f'<h3>Notes</h3><p class="notes">{escape(item.notes.strip())}</p>')
    parts.append(f'<p class="muted">{escape(item.source.reproduce_text())}</p>')
    if item.footer.strip():
        parts.append(f'<p class="footer">{_text(item.footer.strip())}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def build_html(deck: Deck) -> str:
    """The deck as one HTML document: title block, then each item with its words and provenance."""
    header = [f"<h1>{_text(deck.title)}</h1>"]
    if deck.subtitle:
        header.append(f'<p class="cohort">{_text(deck.subtitle)}</p>')
    if deck.grading:
        header.append(f"<p>Grading: {_text(deck.grading)}</p>")
    header.append(f'<p class="muted">Made {deck.created.isoformat()} with thaldash</p>')
    if deck.marks_reconstruction():
        header.append(f'<p class="reconstruction">{escape(RECONSTRUCTION_LINE)}</p>')
    style = STYLE % {"font": FONT, "accent": ACCENT, "margin_y": PAGE_MARGIN_MM[0], "margin_x": PAGE_MARGIN_MM[1]}
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(deck.title)}</title>",
        f"<style>{style}</style>",
        "</head>",
        "<body>",
        '<header class="deck">', *header, "</header>",
        "<main>", *(_item_html(deck, item, i) for i, item in enumerate(deck.items, start=1)), "</main>",
        "</body>",
        "</html>",
        "",
    ])
