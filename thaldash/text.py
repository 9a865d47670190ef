"""Text forms: tidy frames for machines and terminals (a table, Markdown, CSV, JSON), and settings as
URL text (numbers, lists, typed values).

Values are written as they are: a genotype "-28/-28" stays "-28/-28" in CSV and JSON. The guard
against spreadsheet formulas belongs to files made for spreadsheets (the pages' CSV downloads,
``thaldash.export.files.table_csv``), not to a machine output that another program reads.
"""

from __future__ import annotations

import json
import math
from typing import Literal

import numpy as np
import pandas as pd

Format = Literal["table", "md", "csv", "json"]

def _jsonable(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is None:
        return None
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


def frame_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as JSON-ready dicts (NaN becomes null)."""
    return [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def render(frame: pd.DataFrame, fmt: Format, *, floatfmt: str = "{:.4g}") -> str:
    """``frame`` as text in one of the CLI formats."""
    if fmt == "json":
        return json.dumps(frame_records(frame), ensure_ascii=False, indent=1)
    if fmt == "csv":
        return frame.to_csv(index=False)
    shown = frame.map(lambda v: floatfmt.format(v) if isinstance(v, float) and math.isfinite(v)
                      else ("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)))
    if fmt == "md":
        header = "| " + " | ".join(map(str, shown.columns)) + " |"
        rule = "|" + "|".join("---" for _ in shown.columns) + "|"
        body = ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in shown.itertuples(index=False)]
        return "\n".join([header, rule, *body])
    widths = [max(len(str(c)), *(len(v) for v in shown[c])) if len(shown) else len(str(c)) for c in shown.columns]
    line = lambda cells: "  ".join(str(v).ljust(w) for v, w in zip(cells, widths)).rstrip()
    return "\n".join([line(shown.columns), line("-" * w for w in widths),
                      *(line(row) for row in shown.itertuples(index=False))])


# Numbers and settings as URL text: one codec for the filters, the grading rules and the pages' settings.

def number_text(value: float) -> str:
    """The shortest text that reads back as the same float ("50", not "50.0"; "12.5"; 1234567 stays whole)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def parse_number(text: object) -> float | None:
    """A finite number from URL text, or None (not a number, infinite, NaN)."""
    try:
        number = float(str(text).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


MAX_LIST_ITEMS = 200
"""Most values a list setting keeps from a link: repeats beyond it are dropped, not processed."""


def list_items(text: str, separator: str = ",") -> tuple[str, ...]:
    """The non-empty items of a list setting, each once, in first-seen order, at most ``MAX_LIST_ITEMS``.

    A link repeating a value 5,000 times costs no more than one naming it once.
    """
    return tuple(dict.fromkeys(v for v in str(text).split(separator) if v.strip()))[:MAX_LIST_ITEMS]


def encode(value: object) -> str:
    """A setting's value as URL text (``decode`` reads it back)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    return str(value)


def decode(text: str, default: object) -> object:
    """URL text back to the type of ``default``; raises ValueError when it does not parse."""
    if isinstance(default, bool):
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(text)
    if isinstance(default, int):
        number = parse_number(text)
        if number is None or not number.is_integer():
            raise ValueError(text)
        return int(number)
    if isinstance(default, float):
        number = parse_number(text)
        if number is None:
            raise ValueError(text)
        return number
    if isinstance(default, tuple):
        return list_items(text)
    return text


def value_text(value: object) -> str:
    """A cell value as a person reads it: "" for missing, yes/no for booleans, 12 for 12.0."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return f"{value:g}"
    return str(value)
