"""Small cells on slides (``views.deck.deck_item``): a deck of a real cohort hides counts below k as its
downloads do, in the tables, the figures' labels, the captions and the speaker notes, and says so in the footer.

The real cohort is the hand-written one of ``tests.cohorts`` (7 analysed patients: every tier count is
below 5); the bundled reconstruction is never changed.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pptx import Presentation

from thaldash.data.disclosure import MIN_CELL_ENV
from thaldash.export.deck.pptx import build_pptx
from thaldash.export.small_cells import SHOWN
from thaldash.views.deck import page_deck, parse_state

WHEN = dt.date(2026, 12, 3)
ITEMS = ("Response#response_tiers_table", "Response#response_tiers")


@pytest.fixture(scope="module")
def guarded(tiny):
    return page_deck(tiny, ITEMS, when=WHEN, min_cell=5)


def _table(deck):
    return next(i for i in deck.items if i.kind == "table").table


def test_table_cells_below_k_read_less_than_k_and_their_rates_are_empty(tiny, guarded):
    table = _table(guarded)
    open_ = page_deck(tiny, ITEMS, when=WHEN, min_cell=0)  # 0: every count, as the analyst sees it
    exact = _table(open_)
    column = "n"
    small = [v for v in exact[column] if str(v).strip().isdigit() and 1 <= int(v) < 5]
    assert small, "the tiny cohort has tiers of 1 to 4 patients"
    shown = table[column].tolist()
    assert shown.count("< 5") == len(small)
    assert not any(str(v).strip().isdigit() and 1 <= int(v) < 5 for v in shown)
    hidden_rows = [i for i, v in enumerate(shown) if v == "< 5"]
    percent = next(c for c in table.columns if "%" in c)
    assert hidden_rows and table.loc[hidden_rows, percent].isna().all()
    assert exact.loc[hidden_rows, percent].notna().any()  # they were shown without k


def test_footer_and_notes_say_it(guarded):
    table_item, figure_item = guarded.items
    assert "small cells: counts below 5 shown as < 5" in table_item.footer
    assert "small cells: counts below 5 shown as < 5 in the labels" in figure_item.footer
    assert table_item.footer.splitlines()[-1].startswith("exported: ")  # the line goes before the date
    assert "< 5 patients" in table_item.notes and "66.7 %" not in table_item.notes  # "66.7 % (n = 6; 4 patients"
    assert parse_state(table_item.source.state)["min_cell"] == "5"  # the item rebuilds guarded


def test_figure_labels_show_the_hidden_counts(guarded):
    spec = guarded.items[1].figure
    labels = [r["label"] for rows in spec["datasets"].values() for r in rows if "label" in r]
    assert labels and all(label == "< 5" or label.startswith("0") for label in labels)
    assert spec["config"]["aria"] is False


def test_the_slides_show_it(guarded):
    prs = Presentation(io.BytesIO(build_pptx(guarded)))
    slide = list(prs.slides)[1]
    cells = [c.text for shape in slide.shapes if shape.has_table for row in shape.table.rows for c in row.cells]
    assert "< 5" in cells
    texts = "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
    assert "counts below 5 shown as < 5" in texts
    assert "< 5 patients" in slide.notes_slide.notes_text_frame.text


def test_the_bundled_reconstruction_is_never_changed(bundled):
    deck = page_deck(bundled, ITEMS, "thal_type=NTDT", when=WHEN, min_cell=5)
    assert all("small cells" not in i.footer and "min_cell" not in i.source.state for i in deck.items)
    assert "< 5" not in _table(deck).to_string()
    assert SHOWN not in str(deck.items[1].figure)


def test_k_comes_from_the_state_then_the_default(tiny, monkeypatch):
    deck = page_deck(tiny, ITEMS[:1], "min_cell=3", when=WHEN)
    assert "counts below 3 shown as < 3" in deck.items[0].footer
    monkeypatch.setenv(MIN_CELL_ENV, "4")
    deck = page_deck(tiny, ITEMS[:1], when=WHEN)
    assert "counts below 4 shown as < 4" in deck.items[0].footer
    assert "small cells" not in page_deck(tiny, ITEMS[:1], "min_cell=0", when=WHEN).items[0].footer
    with pytest.raises(ValueError, match="min_cell: 'two' is not a whole number"):
        page_deck(tiny, ITEMS[:1], "min_cell=two", when=WHEN)
