"""A table item as the text of its cells: the same words on a slide and in the handout.

The caller has already rounded and labelled the frame; this only turns values into text
(missing values become an en dash, booleans "yes"/"no") and decides which columns hold numbers,
so that they are right-aligned.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

MISSING = "–"
"""Shown for a missing value (NaN, None, NA); a reason column says why, never the dash alone."""

# A number as a page prints it: "12", "−3.4", "72.9 %", "< 0.001", "80.0–97.7", "0.10 to 0.60".
_NUMBER = r"[<>≤≥~≈]?\s*[−+-]?\d[\d,]*(\.\d+)?\s*%?"
NUMBER_LIKE = re.compile(rf"^{_NUMBER}(\s*(–|-|to)\s*{_NUMBER})?$")


@dataclass(frozen=True)
class Cells:
    """The display text of a table: ``header`` (one per column), ``rows`` and ``numeric`` flags."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]


def cell_text(value: object) -> str:
    """One value as the text a reader sees."""
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, float) and math.isnan(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return cell_text(value.item())
    return str(value)


def _column_name(name: object) -> str:
    if isinstance(name, tuple):  # a MultiIndex column
        return " / ".join(str(part) for part in name if str(part))
    return str(name)


def _is_numeric(column: pd.Series, texts: list[str]) -> bool:
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_numeric_dtype(column):
        return True
    # Text columns of formatted numbers ("< 0.001", "80.0–97.7") read as numbers; a few words among
    # them ("not computed") do not change the column's alignment.
    shown = [t for t in texts if t not in ("", MISSING)]
    numbers = sum(bool(NUMBER_LIKE.match(t)) for t in shown)
    return bool(shown) and numbers * 2 > len(shown)


def table_cells(frame: pd.DataFrame) -> Cells:
    """The text of ``frame``; a named index (``set_index("tier")``) becomes the first column(s).

    An unnamed index is row numbering (also after a sort or a filter) and is not shown.
    """
    named = any(name is not None for name in frame.index.names)
    table = frame.reset_index(drop=not named)
    columns = [table.iloc[:, i] for i in range(table.shape[1])]
    texts = [[cell_text(v) for v in column.tolist()] for column in columns]
    return Cells(header=tuple(_column_name(c) for c in table.columns),
                 rows=tuple(zip(*texts)) if texts and len(table) else (),
                 numeric=tuple(_is_numeric(c, t) for c, t in zip(columns, texts)))
