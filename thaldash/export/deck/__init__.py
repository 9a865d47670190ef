"""Slide decks and HTML handouts of dashboard figures and tables.

A ``Deck`` of ``DeckItem``s (frozen; kept in the browser session while an investigator adds,
removes and reorders items) becomes a PowerPoint file with ``build_pptx`` or one self-contained
HTML handout with ``build_html``. All that is taken from ``thaldash`` is imported in
``thaldash.export.deck.house``.

The names load on first use (``thaldash.lazy``): every page's sidebar needs the deck's model, and
python-pptx (about a second of a cold start) only when a deck is downloaded.
"""

from __future__ import annotations

from thaldash.lazy import lazy_exports

__all__ = ["RECONSTRUCTION_LINE", "Deck", "DeckItem", "Source", "build_html", "build_pptx"]
__getattr__, __dir__ = lazy_exports(__name__, {
    "RECONSTRUCTION_LINE": "model", "Deck": "model", "DeckItem": "model", "Source": "model",
    "build_html": "html", "build_pptx": "pptx"}, globals())
