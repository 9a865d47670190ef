"""Per-row explanations without per-row Python: text as codes into a short list of choices.

A million patients have a million reasons, but only a handful of *distinct* reasons. Text is
therefore carried as integer codes plus the list of distinct strings, formatted once per distinct
value, and materialised in Arrow at the end (``Coded.series``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


def texts(codes: np.ndarray, choices: Sequence[str]) -> pd.Series:
    """``choices[codes[i]]`` as a categorical text Series (categories: the distinct choices, in order).

    A million patients share a handful of sentences: one small integer per row, not a million
    strings, so cached gradings of a large cohort stay small. Compares, groups and prints as text.
    """
    choices = list(choices)
    distinct = list(dict.fromkeys(choices))  # the choices' own order (MaR, MiR, SLR, NR, not evaluable)
    remap = pd.Index(distinct, dtype=object).get_indexer(choices) if choices else np.zeros(0, dtype=np.int64)
    codes = remap[np.asarray(codes, dtype=np.int64)] if len(choices) else np.asarray(codes, dtype=np.int64)
    categories = pd.Index(distinct, dtype="str")
    return pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories)))


@dataclass(frozen=True, eq=False)
class Coded:
    """Row ``i`` reads ``choices[codes[i]]``."""

    codes: np.ndarray
    choices: tuple[str, ...]

    def series(self) -> pd.Series:
        return texts(self.codes, self.choices)

    def take(self, rows: np.ndarray) -> Coded:
        return Coded(self.codes[rows], self.choices)


def category_text(values: pd.Categorical) -> pd.api.extensions.ExtensionArray:
    """A categorical's values as plain ``str`` (missing stays missing), taken from its categories' own text.

    ``Series.astype("str")`` of a categorical goes through a Python object per row: at a million patients 60 MiB
    for the ids and more for each label column; this is one take in Arrow.
    """
    return values.categories.astype("str").array.take(values.codes, allow_fill=True)


def constant(text: str, n: int) -> Coded:
    return Coded(np.zeros(n, dtype=np.int64), (text,))


def select(conditions: Sequence[np.ndarray], options: Sequence[Coded], default: Coded) -> Coded:
    """Like ``numpy.select`` over coded texts: the first true condition picks the option."""
    offsets, choices = [], []
    for option in (*options, default):
        offsets.append(len(choices))
        choices.extend(option.choices)
    codes = np.select(list(conditions), [o.codes + off for o, off in zip(options, offsets)],
                      default.codes + offsets[-1])
    return Coded(codes.astype(np.int64), tuple(choices))


def render_groups(parts: Sequence[np.ndarray], render: Callable[..., str]) -> Coded:
    """Group rows by their tuple of integer ``parts`` and format each distinct tuple once.

    ``render(*values)`` receives one row's part values (Python ints) and returns its text.
    """
    n = len(parts[0])
    key = np.zeros(n, dtype=np.int64)
    for part in parts:
        part = np.asarray(part, dtype=np.int64)
        size = int(part.max()) + 1 if n else 1
        key_size = int(key.max()) + 1 if n else 1
        if key_size * size >= 2**62:  # keep the mixed-radix key inside int64
            key = np.unique(key, return_inverse=True)[1].reshape(-1)
            key_size = int(key.max()) + 1
        key = key * size + part
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    columns = [np.asarray(p, dtype=np.int64)[first].tolist() for p in parts]
    choices = tuple(render(*values) for values in zip(*columns))
    return Coded(inverse.reshape(-1).astype(np.int64), choices)


def number_choices(values: np.ndarray, fmt: Callable[[float], str]) -> tuple[np.ndarray, list[str]]:
    """Codes of ``values`` into their distinct values, and each distinct value formatted once.

    NaN values share one code whose text is ``fmt(nan)``.
    """
    uniq, inverse = np.unique(values, return_inverse=True)  # NaNs collapse into one
    return inverse.reshape(-1).astype(np.int64), [fmt(v) for v in uniq.tolist()]


def fill_missing(labels: pd.Series, text: str) -> pd.Series:
    """``labels.fillna(text)`` for plain and categorical text alike (a categorical gains the category)."""
    if isinstance(labels.dtype, pd.CategoricalDtype) and labels.isna().any() and text not in labels.cat.categories:
        labels = labels.cat.add_categories([text])
    return labels.fillna(text)


def observed(labels: pd.Series) -> pd.Series:
    """``labels`` without the categories no row uses (a filtered cohort keeps the file's categories)."""
    if isinstance(labels.dtype, pd.CategoricalDtype):
        return labels.cat.remove_unused_categories()
    return labels


def equals(labels: pd.Series, text: str) -> np.ndarray:
    """``labels.astype(str).to_numpy() == text`` as a bool array; a categorical is compared once per category,
    not written out as a million strings (a missing label is never equal)."""
    if isinstance(labels.dtype, pd.CategoricalDtype):
        hit = np.append(np.asarray(labels.cat.categories.astype(str) == text, dtype=bool), False)
        return hit[labels.cat.codes.to_numpy()]  # code -1 (missing) reads the appended False
    return np.asarray(labels.astype(str).to_numpy() == text, dtype=bool)
