"""The Arrow table a page's table is sent as: the bytes Streamlit itself makes from the frame, made once."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
from streamlit.dataframe_util import convert_arrow_table_to_arrow_bytes, convert_pandas_df_to_arrow_bytes

from thaldash import lazy
from thaldash.ui import widgets


def _frame() -> pd.DataFrame:
    ids = pd.Categorical(["P-2", "P-1", "P-3"], categories=[f"P-{i}" for i in range(1, 1001)])
    return pd.DataFrame({"patient_id": ids, "n": [3, 1, 2], "mean": [9.5, np.nan, 10.25],
                         "tier": pd.Categorical(["MaR", None, "NR"]), "note": ["a", None, "c"]})


def test_sent_bytes_are_those_streamlit_makes_from_the_frame():
    frame = _frame()
    # Reference: Streamlit's own pandas → Arrow bytes path (st.dataframe given the displayed frame).
    expected = convert_pandas_df_to_arrow_bytes(widgets.displayed(frame))
    assert convert_arrow_table_to_arrow_bytes(widgets.sent(frame)) == expected
    first_two = convert_pandas_df_to_arrow_bytes(widgets.displayed(frame.head(2)))
    assert convert_arrow_table_to_arrow_bytes(widgets.sent(frame, 2)) == first_two


def test_sent_is_made_once_per_frame_and_released_with_it():
    frame = _frame()
    assert widgets.sent(frame) is widgets.sent(frame)
    assert widgets.sent(frame, 2) is not widgets.sent(frame)  # another row count, another table
    held = lambda: [key for key in lazy._DERIVED if key[0] == frame_id and key[1] == "arrow"]  # noqa: E731
    frame_id = id(frame)
    assert len(held()) == 2  # the whole frame and its first two rows
    del frame
    gc.collect()
    assert held() == []


def test_a_new_frame_with_the_same_content_is_converted_anew():
    first, second = _frame(), _frame()
    assert widgets.sent(first) is not widgets.sent(second)
    assert widgets.sent(first).equals(widgets.sent(second))
