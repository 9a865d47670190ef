"""Render tidy frames for the terminal, Markdown, CSV and JSON; neutralise spreadsheet formulas."""

from __future__ import annotations

import json
import math
from typing import Literal

import pandas as pd

Format = Literal["table", "md", "csv", "json"]

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with a single quote.

    Numbers are left alone: a negative number is data, not a formula.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and headers cannot run as spreadsheet formulas."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_formula)
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    return out


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
        return safe_for_spreadsheet(frame).to_csv(index=False)
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
