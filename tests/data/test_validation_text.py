"""Text columns as codes: the sorted factorisation behind every categorical text column of the cohort."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thaldash.data.validation_text import sorted_factorize, text_column

_ALPHABET = list("ab AB0z\t") + ["é", "É", "\u200f", "中", "😀"]


def _texts(n: int, seed: int) -> list[str | None]:
    rng = np.random.default_rng(seed)
    return [None if rng.random() < 0.1 else "".join(rng.choice(_ALPHABET, rng.integers(0, 4))) for _ in range(n)]


@pytest.mark.parametrize("values", [
    [], [None], [None, None], [""], ["b", "a", "b", None, "a", ""], ["P10", "P9", "P1", "p1", " P1"],
    *(_texts(n, seed) for n in (2, 10, 200) for seed in range(5)),
])
def test_sorted_factorize_is_pandas_factorize_with_sort(values):
    # Reference: pandas.factorize(values, sort=True) (codes, -1 for missing, and the sorted distinct texts).
    column = pd.Series(values, dtype="str")
    codes, uniques = pd.factorize(column, sort=True)
    got_codes, got_uniques = sorted_factorize(column)
    np.testing.assert_array_equal(got_codes, codes)
    assert got_codes.dtype == codes.dtype
    pd.testing.assert_index_equal(got_uniques, pd.Index(uniques, dtype="str"))


def test_text_column_sorts_like_text():
    column = text_column(np.array([0, 1, 2, -1, 1]), pd.Series(["b", "a", None], dtype="str"))
    assert column.cat.categories.tolist() == ["a", "b"]
    assert column.cat.codes.tolist() == [1, 0, -1, -1, 0]  # a missing text (NaN) and a missing code (-1) alike


def test_a_column_of_distinct_sorted_texts_keeps_the_files_own_codes():
    """Parquet ids arrive as a categorical with sorted, distinct categories: the typed column shares those codes (28 MiB
    at a million patients) instead of copying them; other columns are re-coded, and both read as the same texts."""
    from thaldash.data.validation_text import factorize_text, text_column

    ids = pd.Series(pd.Categorical([f"P{i:05d}" for i in (3, 1, 2, 1, 0)], categories=[f"P{i:05d}" for i in range(4)]))
    codes, uniques = factorize_text(ids)
    typed = text_column(codes, uniques)
    assert np.shares_memory(typed.array.codes, codes)
    assert typed.astype("str").tolist() == ids.astype("str").tolist()  # pandas' own text, the reference
    shuffled = pd.Series(pd.Categorical(["b", "a", "c", None], categories=["c", "a", "b"]))
    codes, uniques = factorize_text(shuffled)
    typed = text_column(codes, uniques)
    assert not np.shares_memory(typed.array.codes, codes)
    assert list(typed.cat.categories) == ["a", "b", "c"] and typed.astype("object").tolist()[:3] == ["b", "a", "c"]
    assert pd.isna(typed.iloc[3])
