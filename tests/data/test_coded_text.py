"""Text compared on its codes: the same answer as writing every row out as text, which is the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thaldash.data.coded_text import equals

VALUES = ["TDT", "NTDT", None, "TDT", "never transfused", None, "NTDT"]


@pytest.mark.parametrize("labels", [
    pd.Series(pd.Categorical(VALUES)),
    pd.Series(pd.Categorical(VALUES, categories=["NTDT", "TDT", "never transfused", "unused"])),
    pd.Series(VALUES, dtype="str"),
    pd.Series(pd.Categorical([None, None])),
    pd.Series(pd.Categorical([], categories=["TDT"])),
], ids=["categorical", "unused category", "text", "all missing", "empty"])
@pytest.mark.parametrize("text", ["TDT", "NTDT", "never transfused", "unused", "nan"])
def test_equals_agrees_with_comparing_the_text(labels, text):
    expected = labels.astype(str).to_numpy() == text  # pandas writes every row out: the reference
    got = equals(labels, text)
    assert got.dtype == bool and len(got) == len(labels)
    np.testing.assert_array_equal(got, np.asarray(expected, dtype=bool))
