"""Cell text, text measurement and how a table is cut into slides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thaldash.export.deck.cells import MISSING, table_cells
from thaldash.export.deck.measure import text_width, wrap
from thaldash.export.deck.table_layout import SIZES, layout_table
from tests.export.decks import long_table, small_table


@pytest.mark.parametrize(("value", "text"), [
    (np.nan, MISSING), (None, MISSING), (pd.NA, MISSING), (True, "yes"), (np.False_, "no"), (np.int64(3), "3"),
    (72.9, "72.9"), ("< 0.001", "< 0.001"), ("", ""),
])
def test_values_become_the_text_a_reader_sees(value: object, text: str) -> None:
    cells = table_cells(pd.DataFrame({"x": pd.Series([value], dtype=object)}))
    assert cells.rows == ((text,),)


def test_number_columns_and_formatted_numbers_are_numeric_and_words_are_not() -> None:
    frame = pd.DataFrame({"n": [1, 2, 3], "p": ["< 0.001", "0.042", "not computed"],
                          "ci": ["1.0–2.0", "0.1 to 0.6", ""],
                          "tier": ["MaR", "MiR", "SLR"], "flag": [True, False, True]})
    assert table_cells(frame).numeric == (True, True, True, False, False)


def test_an_unnamed_index_is_not_shown_and_a_named_one_is() -> None:
    frame = small_table().sort_values("n")
    assert table_cells(frame).header == tuple(frame.columns)
    named = table_cells(frame.set_index("Tier"))
    assert named.header == tuple(frame.columns) and named.rows[0][0] == "MiR"


def test_digits_are_measured_with_the_arial_metrics() -> None:
    # Liberation Sans is metric-compatible with Arial, whose digits advance 1139/2048 em
    # (Arial's hmtx table; Helvetica's AFM gives 556/1000): ten digits at 12 pt ≈ 66.7 pt.
    assert text_width("0123456789", 12) == pytest.approx(10 * 12 * 1139 / 2048, rel=0.01)


def test_wrapped_lines_fit_and_keep_every_word() -> None:
    text = "SLR: still transfused in months 3–6; reduction 31.0% is within 25–50% of the expected units"
    lines = wrap(text, 150, 12)
    assert len(lines) > 1
    assert all(text_width(line, 12) <= 150 for line in lines)
    assert " ".join(lines) == text


def test_a_word_longer_than_the_line_is_broken() -> None:
    lines = wrap("CD41-42/IVS-II-654/CD41-42/IVS-II-654", 60, 12)
    assert len(lines) > 1 and "".join(lines) == "CD41-42/IVS-II-654/CD41-42/IVS-II-654"


def test_a_small_table_takes_one_slide_in_the_largest_type() -> None:
    layout = layout_table(table_cells(small_table()), width=888, height=380)
    assert layout.pages == ((0, 3),) and layout.size == max(SIZES)
    assert layout.width <= 888


def test_a_long_table_is_cut_into_slides_that_each_fit_and_keep_every_row_once() -> None:
    layout = layout_table(table_cells(long_table()), width=888, height=380)
    assert len(layout.pages) > 1 and layout.size >= 12
    rows = [r for start, stop in layout.pages for r in range(start, stop)]
    assert rows == list(range(len(long_table())))
    assert all(layout.height(page) <= 380 for page in range(len(layout.pages)))
    sizes = [stop - start for start, stop in layout.pages]
    assert max(sizes) - min(sizes) <= 1, "the last slide should not be a stub"


def test_a_table_wider_than_the_slide_is_fitted_to_its_width() -> None:
    wide = pd.DataFrame({f"column {i}": ["a rather long text value that needs wrapping"] for i in range(6)})
    layout = layout_table(table_cells(wide), width=888, height=380)
    assert layout.width == pytest.approx(888) and layout.size >= 12
    assert layout.header_height < layout.row_heights[0], "the long cells wrap onto several lines"


def test_a_table_without_rows_is_one_slide_with_its_header() -> None:
    layout = layout_table(table_cells(small_table().iloc[:0]), width=888, height=380)
    assert layout.pages == ((0, 0),) and layout.height(0) == layout.header_height
