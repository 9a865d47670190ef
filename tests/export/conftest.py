"""Fixtures of the deck renderer tests: decks with and without the reconstruction flag, built once."""

from __future__ import annotations

import pytest

from thaldash.export.deck.model import Deck
from tests.export.decks import house_chart, make_deck


@pytest.fixture(scope="session")
def chart_spec(tiny) -> dict:
    return house_chart(tiny)


@pytest.fixture(scope="session")
def deck(chart_spec) -> Deck:
    return make_deck(chart_spec, reconstruction=True)


@pytest.fixture(scope="session")
def real_data_deck(chart_spec) -> Deck:
    return make_deck(chart_spec, reconstruction=False)
