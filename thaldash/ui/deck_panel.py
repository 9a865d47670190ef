"""The deck a user collects while browsing: "Add to deck" beside each figure and table, "Add this page",
and the sidebar panel that lists, reorders and removes the items and downloads them as slides or a handout.

The deck is kept in ``st.session_state`` (a ``export.deck.Deck``; every change makes a new one). Each item
records its page and the view's URL state at the moment it was added (filters, grading, the page's own
settings), so ``python -m thaldash deck --page 'PAGE?STATE#KEY'`` rebuilds it; the panel shows that command.
The files are built only when a download button is clicked (a deck of a dozen slides takes seconds).
Presentation mode hides the adding buttons, as it hides the downloads; the panel stays in the sidebar.
"""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import replace
from typing import Any, Protocol
from urllib.parse import urlencode

import streamlit as st

from thaldash.data.cohort import Cohort
from thaldash.data.filters import CohortFilter
from thaldash.export.deck.model import Deck
from thaldash.ui import caching, state
from thaldash.ui.widgets import plain
from thaldash.views.blocks import Figure, Table
from thaldash.views.context import ViewContext
from thaldash.views.deck import PRESENT, TITLE, collected_deck, deck_item, deck_view, page_items
from thaldash.views.provenance import patients_text
from thaldash.views.registry import PAGES, label_of


class Frame(Protocol):
    """What the deck reads of a page's ``thaldash.ui.frame.Frame`` (named here: the frame draws this panel)."""

    page: str
    cohort: Cohort
    filtered: Cohort
    filter: CohortFilter
    source: Any
    presentation: bool
    footer: str
    min_cell: int | None

    def context(self) -> ViewContext: ...


DECK_KEY = "thaldash.deck"
_NOTE_KEY = "thaldash.deck.note"
_CHANGED_KEY = "thaldash.deck.changed"  # set by a callback; a fragment rerun then reruns the app (the count)
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def current_deck() -> Deck:
    """This session's deck (empty at first)."""
    return st.session_state.get(DECK_KEY) or Deck(TITLE)


def _store(deck: Deck, note: str) -> None:
    st.session_state[DECK_KEY] = deck
    st.session_state[_NOTE_KEY] = note
    st.session_state[_CHANGED_KEY] = True


def view_state(page: str) -> str:
    """The URL query of the view now (filters, grading, ``page``'s own settings), presentation mode left out."""
    shared = {k: v for k, v in st.session_state.get(state.VIEW_KEY, {}).items() if k != PRESENT}
    return urlencode(shared | state.page_params(page))


def _added(deck: Deck, items: list, what: str) -> None:
    for item in items:
        deck = deck.add(item)
    _store(deck, f"Added {what}; the deck has {len(deck.items)} item{'s' if len(deck.items) != 1 else ''}.")


def _add_block(frame: Frame, label: str, block: Figure | Table) -> None:
    """Button callback: ``block`` as shown on the page, with the view's state now."""
    item = deck_item(block, page=label, state=view_state(frame.page), footer=frame.footer,
                     reconstruction=frame.context().bundled,
                     patients=patients_text(frame.filter, len(frame.filtered.patients)), min_cell=frame.min_cell)
    _added(current_deck(), [item], f"“{block.title}”")


def _add_page(frame: Frame, label: str) -> None:
    """Button callback: every figure and table of the page, rebuilt from the view's state (the app's caches)."""
    from thaldash.ui.adverse_source import current_adverse_events

    shared = {k: v for k, v in st.session_state.get(state.VIEW_KEY, {}).items() if k != PRESENT}
    try:
        view = deck_view(frame.cohort, shared, when=dt.date.today(), source_name=frame.source.name,
                         presentation=frame.presentation, min_cell=frame.min_cell)
        view = replace(view, ctx=replace(view.ctx, grader=caching.graded, tabulator=caching.patient_table))
        events = current_adverse_events(frame.cohort) if "adverse_events" in PAGES[label].resources else None
        items = page_items(label, view, state.page_params(frame.page), call=caching.cached_view,
                           adverse_events=events)
    except ValueError as error:
        st.session_state[_NOTE_KEY] = f"The page could not be added: {error}"
        return
    _added(current_deck(), items, f"{len(items)} figures and tables of {label}" if items else f"nothing from {label}")


def add_button(row: Any, frame: Frame, block: Figure | Table) -> None:
    """The "Add to deck" button of ``block``, drawn into ``row`` (the block's row of downloads)."""
    label = label_of(frame.page)
    if label is None:
        return
    row.button("Add to deck", key=f"thaldash.deck.add.{block.key}", on_click=_add_block, args=(frame, label, block),
               help="Put this on a slide of the deck (sidebar), with its caption, numbers and the view's settings.")


def sync() -> None:
    """After a callback changed the deck during a fragment's rerun, rerun the app so the sidebar shows it."""
    if st.session_state.pop(_CHANGED_KEY, False):
        st.rerun(scope="app")


def _move(position: int, to: int) -> None:
    _store(current_deck().move(position, to), "")


def _remove(position: int) -> None:
    deck = current_deck()
    _store(deck.remove(position), f"Removed “{deck.items[position].title}”.")


def _clear() -> None:
    _store(Deck(TITLE), "The deck is empty.")


def command_line(deck: Deck) -> str:
    """The ``python -m thaldash deck`` command that rebuilds ``deck``'s items (for the bundled or configured data)."""
    pages = [f"{item.source.page}?{item.source.state}#{item.item_id}" if item.source.state
             else f"{item.source.page}#{item.item_id}" for item in deck.items]
    return "python -m thaldash deck --out deck.pptx " + " ".join(f"--page {shlex.quote(p)}" for p in pages)


def deck_file(deck: Deck, kind: str) -> bytes:
    """``deck`` as a PowerPoint file (``kind`` "pptx") or an HTML handout ("html"), with its title slide."""
    from thaldash.export.deck import build_html, build_pptx

    full = collected_deck(deck.items)
    return build_pptx(full) if kind == "pptx" else build_html(full).encode("utf-8")


def deck_panel(frame: Frame) -> None:
    """The sidebar's deck: count, "Add this page", the items with move and remove, downloads built on click."""
    st.session_state.pop(_CHANGED_KEY, None)  # drawn now, with every change made before this run
    deck = current_deck()
    n = len(deck.items)
    box = st.sidebar.container()
    box.subheader("Deck")
    box.markdown(f"**{n} item{'s' if n != 1 else ''}** (figures and tables)" if n else "**Empty**: add figures and "
                 "tables from any page.")
    label = label_of(frame.page)
    if label is not None and not frame.presentation and PAGES[label].function:
        box.button("Add this page", key="thaldash.deck.add_page", on_click=_add_page, args=(frame, label),
                   help="Every figure and table of this page as it is set now, one slide each.", width="stretch")
    note = st.session_state.pop(_NOTE_KEY, "")
    slot = box.empty()  # always drawn: the list below keeps its place (and stays open) whether a note shows or not
    if note:  # said where the click was too: the panel may be below the sidebar's fold
        slot.caption(plain(note))
        st.toast(plain(note))
    if not n:
        return
    with box.expander("Slides, in order", key="thaldash.deck.slides"):
        for i, item in enumerate(deck.items):  # one line each: the title, then its buttons
            row = st.container(horizontal=True, wrap=False, vertical_alignment="center", gap="small")
            row.caption(f"{i + 1}. **{plain(item.title)}** ({item.kind}, {plain(item.source.page)})", width="stretch")
            row.button("↑", key=f"thaldash.deck.up.{i}", on_click=_move, args=(i, i - 1), disabled=i == 0,
                       help="Move up", type="tertiary")
            row.button("↓", key=f"thaldash.deck.down.{i}", on_click=_move, args=(i, i + 1), disabled=i == n - 1,
                       help="Move down", type="tertiary")
            row.button("✕", key=f"thaldash.deck.remove.{i}", on_click=_remove, args=(i,), help="Remove",
                       type="tertiary")
        st.button("Clear the deck", key="thaldash.deck.clear", on_click=_clear)
        st.caption("The same deck from the command line:")
        st.code(command_line(deck), language="bash", wrap_lines=True)
    row = box.container(horizontal=True)
    row.download_button("PowerPoint", lambda: deck_file(deck, "pptx"), file_name="thaldash-deck.pptx", mime=PPTX,
                        key="thaldash.deck.pptx", on_click="ignore", help="16:9 slides: figures as pictures, tables as "
                        "PowerPoint tables, the numbers in the speaker notes. Takes a few seconds.")
    row.download_button("Handout (HTML)", lambda: deck_file(deck, "html"), file_name="thaldash-deck.html",
                        mime="text/html", key="thaldash.deck.html", on_click="ignore",
                        help="One self-contained page to read or print on A4 or Letter; no script, no link out.")
