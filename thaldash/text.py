"""Tidy frames as text for machines and terminals: a table, Markdown, CSV and JSON.

Values are written as they are: a genotype "-28/-28" stays "-28/-28" in CSV and JSON. The guard
against spreadsheet formulas belongs to files made for spreadsheets (the pages' CSV downloads,
``thaldash.export.files.table_csv``), not to a machine output that another program reads.
"""

from __future__ import annotations

import json
import math
from typing import Literal

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
