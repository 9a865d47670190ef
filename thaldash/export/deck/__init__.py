"""Slide decks and HTML handouts of dashboard figures and tables.

A ``Deck`` of ``DeckItem``s (frozen; kept in the browser session while an investigator adds,
removes and reorders items) becomes a PowerPoint file with ``build_pptx`` or one self-contained
HTML handout with ``build_html``. All that is taken from ``thaldash`` is imported in
``thaldash.export.deck.house``.
"""

from __future__ import annotations

from thaldash.export.deck.html import build_html
from thaldash.export.deck.model import RECONSTRUCTION_LINE, Deck, DeckItem, Source
from thaldash.export.deck.pptx import build_pptx

__all__ = ["RECONSTRUCTION_LINE", "Deck", "DeckItem", "Source", "build_html", "build_pptx"]
