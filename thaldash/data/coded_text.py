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
    # A read-only row of zeros at no memory: a million patients' constant was 8 MiB per use.
    return Coded(np.broadcast_to(np.int64(0), (n,)), (text,))


def select(conditions: Sequence[np.ndarray], options: Sequence[Coded], default: Coded) -> Coded:
    """Like ``numpy.select`` over coded texts: the first true condition picks the option."""
    offsets, choices = [], []
    for option in (*options, default):
        offsets.append(len(choices))
        choices.extend(option.choices)
    # A constant option is its offset, not a row of it (np.select broadcasts): one array of codes is made, not one
    # per option.
    codes = np.select(list(conditions), [_shifted(o, off) for o, off in zip(options, offsets)],
                      _shifted(default, offsets[-1]))
    return Coded(np.asarray(codes, dtype=np.int64), tuple(choices))


def _shifted(option: Coded, offset: int) -> np.ndarray | int:
    return offset if len(option.choices) == 1 else option.codes + offset


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
        key *= size  # in place: a million patients' keys are 8 MiB a copy
        key += part
    if n and int(key.max()) < 1 << 22:
        # Few distinct small keys (statuses, months, counts): counted, not sorted; np.unique's sort and its
        # index arrays were 40 MiB at a million patients.
        seen = np.bincount(key) > 0
        lookup = np.cumsum(seen) - 1
        inverse = lookup[key]
        first = np.empty(int(seen.sum()), dtype=np.int64)
        first[inverse[::-1]] = np.arange(n - 1, -1, -1)  # the last write is the first row of each key
    else:
        _uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    del key
    columns = [np.asarray(p)[first].astype(np.int64).tolist() for p in parts]
    choices = tuple(render(*values) for values in zip(*columns))
    return Coded(inverse.reshape(-1).astype(np.int64, copy=False), choices)


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
