"""Slide decks and HTML handouts of dashboard figures and tables.

A ``Deck`` of ``DeckItem``s (frozen; kept in the browser session while an investigator adds,
removes and reorders items) becomes a PowerPoint file with ``build_pptx`` or one self-contained
HTML handout with ``build_html``. All that is taken from ``thaldash`` is imported in
``newdeck.house``.
"""

from __future__ import annotations

from newdeck.html import build_html
from newdeck.model import RECONSTRUCTION_LINE, Deck, DeckItem, Source
from newdeck.pptx import build_pptx

__all__ = ["RECONSTRUCTION_LINE", "Deck", "DeckItem", "Source", "build_html", "build_pptx"]
