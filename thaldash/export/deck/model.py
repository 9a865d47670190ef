"""What a deck is: frozen items (a figure or a table with its words and provenance) in order.

A deck lives in the browser session while an investigator collects figures and tables, so it
is plain data: a figure is its Vega-Lite spec (a dict, not an Altair object), a table a pandas
frame already rounded and labelled for display. Every change returns a new ``Deck``.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pandas as pd

from thaldash.data.bundled import RECONSTRUCTION_NOTE

Kind = Literal["figure", "table"]

RECONSTRUCTION_LINE = RECONSTRUCTION_NOTE[0].upper() + RECONSTRUCTION_NOTE[1:]
"""Said on the title slide and on every data slide built from the bundled reconstructed cohort
(the export footers' and the report's words, ``thaldash.data.bundled.RECONSTRUCTION_NOTE``)."""


@dataclass(frozen=True)
class Source:
    """Where an item was made: the page's name and the URL query string that reproduces the view.

    ``state`` is the query string without the leading "?" (``filter.thal_type=TDT&by=genotype``).
    """

    page: str = ""
    state: str = ""

    def reproduce_text(self) -> str:
        """One line saying how to get the same view back in the dashboard."""
        if not self.page:
            return "Reproduce: page not recorded."
        view = f"?{self.state.lstrip('?')}" if self.state.strip("?") else "(no query string: the defaults)"
        return f"Reproduce: open the {self.page} page with {view}"


# eq=False: items are compared by identity, because a DataFrame has no single truth value (and a
# dict no hash); the deck finds items by ``key`` instead.
@dataclass(frozen=True, eq=False)
class DeckItem:
    """One figure or one table, with the words that go with it on a slide and in the handout.

    Parameters
    ----------
    kind
        "figure" (``figure`` is a Vega-Lite spec) or "table" (``table`` is a DataFrame).
    title
        Slide title.
    caption
        One or two lines written by the page: n, the test and the filters.
    notes
        Speaker notes: the numbers behind the item (n, estimates with intervals, P with its test).
    figure
        An Altair chart's ``to_dict()``; copied, so later changes to the caller's dict do not leak in.
    table
        Rows and columns as they should be shown (rounded and labelled by the caller); copied.
    footer
        Provenance, one "key: value" line each (``thaldash.export.footer_text``).
    reconstruction
        True when the data are the bundled reconstructed cohort.
    source
        Page and URL state that reproduce the item.
    item_id
        Stable id of the figure or table within its page (``response_tiers``).

    Raises
    ------
    ValueError
        When the kind does not match what is given (a figure item without a figure, …).
    """

    kind: Kind
    title: str
    caption: str = ""
    notes: str = ""
    figure: dict[str, Any] | None = None
    table: pd.DataFrame | None = None
    footer: str = ""
    reconstruction: bool = False
    source: Source = field(default_factory=Source)
    item_id: str = ""

    def __post_init__(self) -> None:
        name = f"Deck item {self.title!r}"
        if self.kind not in ("figure", "table"):
            raise ValueError(f"{name}: kind is {self.kind!r}; it must be \"figure\" or \"table\".")
        if not str(self.title).strip():
            raise ValueError("Deck item: the title is empty; every slide needs a title.")
        if self.kind == "figure":
            if not isinstance(self.figure, dict) or not self.figure:
                raise ValueError(f"{name}: a figure item needs its chart as a Vega-Lite dict (chart.to_dict()).")
            if self.table is not None:
                raise ValueError(f"{name}: a figure item cannot also carry a table; add the table as its own item.")
            object.__setattr__(self, "figure", copy.deepcopy(self.figure))
        else:
            if not isinstance(self.table, pd.DataFrame):
                raise ValueError(f"{name}: a table item needs its table as a pandas DataFrame.")
            if self.figure is not None:
                raise ValueError(f"{name}: a table item cannot also carry a figure; add the figure as its own item.")
            if len(self.table.columns) == 0:
                raise ValueError(f"{name}: the table has no columns to show.")
            object.__setattr__(self, "table", self.table.copy())

    @property
    def key(self) -> tuple[str, str, str]:
        """(page, state, item_id): the same figure of the same view is one item in a deck."""
        return (self.source.page, self.source.state, self.item_id)


@dataclass(frozen=True)
class Deck:
    """A titled, ordered collection of items; every method returns a new deck.

    Parameters
    ----------
    title
        Deck title (title slide, handout heading, file metadata).
    subtitle
        The cohort: file name and n.
    grading
        The grading rules as text.
    created
        The date the deck is made.
    reconstruction
        True when the deck's cohort is the bundled reconstruction; a slide carries the
        reconstruction line when its item or the deck says so.
    items
        The items, in slide order.
    """

    title: str
    subtitle: str = ""
    grading: str = ""
    created: dt.date = field(default_factory=dt.date.today)
    reconstruction: bool = False
    items: tuple[DeckItem, ...] = ()

    def __post_init__(self) -> None:
        if not str(self.title).strip():
            raise ValueError("Deck: the title is empty; the title slide and the file need one.")
        object.__setattr__(self, "items", tuple(self.items))
        for item in self.items:
            if not isinstance(item, DeckItem):
                raise ValueError(f"Deck: {item!r} is not a DeckItem.")

    def add(self, item: DeckItem) -> Deck:
        """The deck with ``item`` at the end, or in place of the item with the same ``key``.

        Pressing "Add to deck" twice on one view therefore updates the slide instead of
        duplicating it; the same figure under another filter (another state) is a new item.
        """
        at = self.position(item.key)
        if at is None:
            return replace(self, items=(*self.items, item))
        return replace(self, items=(*self.items[:at], item, *self.items[at + 1:]))

    def remove(self, position: int) -> Deck:
        """The deck without the item at ``position`` (0-based)."""
        self._check(position)
        return replace(self, items=self.items[:position] + self.items[position + 1:])

    def move(self, position: int, to: int) -> Deck:
        """The deck with the item at ``position`` moved to ``to`` (both 0-based)."""
        self._check(position)
        self._check(to)
        items = list(self.items)
        items.insert(to, items.pop(position))
        return replace(self, items=tuple(items))

    def position(self, key: tuple[str, str, str]) -> int | None:
        """Where the item with ``key`` is, or None."""
        return next((i for i, item in enumerate(self.items) if item.key == key), None)

    def marks_reconstruction(self, item: DeckItem | None = None) -> bool:
        """Whether the reconstruction line goes on ``item``'s slides (None: on the title slide).

        Either flag is enough: calling real data reconstructed is the safe mistake, the
        opposite is not.
        """
        if item is None:
            return self.reconstruction or any(i.reconstruction for i in self.items)
        return self.reconstruction or item.reconstruction

    def _check(self, position: int) -> None:
        if not 0 <= position < len(self.items):
            raise IndexError(f"Deck: there is no item at position {position}; the deck has {len(self.items)} "
                             f"item(s), at positions 0 to {len(self.items) - 1}.")
