"""The deck model: frozen items, a deck changed only by returning a new one, errors as sentences."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from thaldash.export.deck.model import Deck, DeckItem, Source
from tests.export.decks import WHEN, plain_chart, small_table


def item(item_id: str, state: str = "", page: str = "Response") -> DeckItem:
    return DeckItem("table", f"Table {item_id}", table=small_table(), source=Source(page, state), item_id=item_id)


def deck_of(*items: DeckItem) -> Deck:
    return Deck("Deck", created=WHEN, items=items)


def ids(deck: Deck) -> list[str]:
    return [i.item_id for i in deck.items]


def test_add_appends_and_leaves_the_old_deck_as_it_was() -> None:
    before = deck_of(item("a"))
    after = before.add(item("b"))
    assert ids(after) == ["a", "b"] and ids(before) == ["a"]


def test_adding_the_same_view_again_replaces_it_in_place() -> None:
    deck = deck_of(item("a"), item("b"), item("c"))
    newer = item("b")
    updated = deck.add(newer)
    assert ids(updated) == ["a", "b", "c"] and updated.items[1] is newer


def test_the_same_figure_of_another_view_is_a_new_item() -> None:
    deck = deck_of(item("a", state="filter.thal_type=TDT")).add(item("a", state="filter.thal_type=NTDT"))
    assert [i.source.state for i in deck.items] == ["filter.thal_type=TDT", "filter.thal_type=NTDT"]


@pytest.mark.parametrize(("position", "to", "expected"), [
    (0, 2, ["b", "c", "a"]), (2, 0, ["c", "a", "b"]), (1, 1, ["a", "b", "c"]), (1, 2, ["a", "c", "b"]),
])
def test_move_puts_the_item_at_the_new_position(position: int, to: int, expected: list[str]) -> None:
    assert ids(deck_of(item("a"), item("b"), item("c")).move(position, to)) == expected


def test_remove_drops_one_item() -> None:
    assert ids(deck_of(item("a"), item("b"), item("c")).remove(1)) == ["a", "c"]


@pytest.mark.parametrize("position", [3, -1])
def test_a_position_outside_the_deck_is_refused_with_the_valid_range(position: int) -> None:
    with pytest.raises(IndexError, match="positions 0 to 2"):
        deck_of(item("a"), item("b"), item("c")).remove(position)


def test_position_finds_an_item_by_its_key() -> None:
    deck = deck_of(item("a"), item("b", state="x=1"))
    assert deck.position(("Response", "x=1", "b")) == 1 and deck.position(("Response", "", "b")) is None


def test_items_and_decks_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        item("a").title = "other"
    with pytest.raises(dataclasses.FrozenInstanceError):
        deck_of(item("a")).items = ()


def test_an_item_keeps_its_own_copy_of_the_table_and_the_figure() -> None:
    frame, spec = small_table(), plain_chart()
    table_item = DeckItem("table", "T", table=frame)
    figure_item = DeckItem("figure", "F", figure=spec)
    frame.loc[0, "Tier"] = "changed"
    spec["mark"] = "line"
    assert table_item.table.loc[0, "Tier"] == "MaR" and figure_item.figure["mark"] == {"type": "bar"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "figure", "title": "F"}, "needs its chart as a Vega-Lite dict"),
    ({"kind": "table", "title": "T", "table": [[1, 2]]}, "needs its table as a pandas DataFrame"),
    ({"kind": "table", "title": "T", "table": pd.DataFrame()}, "has no columns"),
    ({"kind": "figure", "title": "F", "figure": {"mark": "bar"}, "table": small_table()}, "cannot also carry a table"),
    ({"kind": "table", "title": " ", "table": small_table()}, "title is empty"),
    ({"kind": "chart", "title": "C"}, 'must be "figure" or "table"'),
])
def test_an_inconsistent_item_is_refused_with_a_sentence(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DeckItem(**kwargs)


def test_a_deck_needs_a_title() -> None:
    with pytest.raises(ValueError, match="title is empty"):
        Deck("  ")


@pytest.mark.parametrize(("deck_flag", "item_flag", "on_item"), [
    (False, False, False), (True, False, True), (False, True, True), (True, True, True)])
def test_reconstruction_is_marked_when_the_deck_or_the_item_says_so(deck_flag: bool, item_flag: bool,
                                                                    on_item: bool) -> None:
    one = DeckItem("table", "T", table=small_table(), reconstruction=item_flag)
    deck = Deck("D", reconstruction=deck_flag, items=(one,))
    assert deck.marks_reconstruction(one) is on_item and deck.marks_reconstruction() is on_item


def test_reproduce_text_names_the_page_and_the_query_string() -> None:
    assert Source("Comparisons", "measure=hb_g_l").reproduce_text() == \
        "Reproduce: open the Comparisons page with ?measure=hb_g_l"
    assert "defaults" in Source("Overview", "").reproduce_text()
    assert Source().reproduce_text() == "Reproduce: page not recorded."
