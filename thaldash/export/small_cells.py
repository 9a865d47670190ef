"""Small cells in exported figures: the count labels of a chart of real patients read "< k".

A table declares its count columns (``views.blocks.Col``); a chart declares the fields of its text marks
that show counts (``charts.base.count_marks``, kept in the spec's ``usermeta``). ``suppressed_spec`` is the
one place a chart's spec is made safe to leave the app — the PNG/SVG downloads (``export.files``) and the
deck's figures (``views.deck``) both go through it; the screen keeps every number (it is the analyst's).

What is changed, for k above 1: a declared count field shown by a text mark is shown from a copy that reads
"< k" for 1 … k − 1 (the field itself stays, so bars and colours keep their size); a declared label field
("3 (6.3%)", "ORR 3/15 = 20.0%") has its small counts, and the percentages that would give them back,
rewritten (``data.disclosure.hide_counts_in_text``), as have the "k/n" pairs of every title and subtitle. The
spec's ARIA descriptions (which would print each mark's raw fields into an SVG) are turned off. The length
of a bar on a count axis still shows its count: a chart whose bars count patients says so in its own
caption, and its CSV download carries the guarded numbers.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

from thaldash.data.disclosure import hide_counts_in_text

META = "thaldash"
SHOWN = "__shown"
"""Suffix of the text copy of a count field that an exported text mark shows instead."""


@dataclass(frozen=True)
class SuppressedSpec:
    """``suppressed_spec``'s result: the spec as exported, how many labels were hidden, and k."""

    spec: dict[str, Any]
    n_hidden: int
    min_cell: int
    checked: bool = False
    """k was above 1 and the chart declares count labels (or a title had a small "k/n"): its footer says so."""


def _count_text(value: Any, k: int) -> Any:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if 1 <= value < k:
        return f"< {k}"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def _rows(node: Any):
    """Every list of data rows of a spec: the top-level ``datasets`` and inline ``data.values``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasets" and isinstance(value, dict):
                yield from (rows for rows in value.values() if isinstance(rows, list))
            elif key == "data" and isinstance(value, dict) and isinstance(value.get("values"), list):
                yield value["values"]
            else:
                yield from _rows(value)
    elif isinstance(node, list):
        for value in node:
            yield from _rows(value)


def _walk(node: Any, counts: frozenset[str], k: int, hidden: list[int]) -> None:
    """Point text marks at the shown copies of ``counts``; rewrite the "k/n" pairs of titles (in place)."""
    if isinstance(node, list):
        for value in node:
            _walk(value, counts, k, hidden)
        return
    if not isinstance(node, dict):
        return
    text = node.get("encoding", {}).get("text") if isinstance(node.get("encoding"), dict) else None
    if isinstance(text, dict) and text.get("field") in counts:
        rest = {key: v for key, v in text.items() if key not in ("field", "type", "format", "formatType")}
        node["encoding"]["text"] = rest | {"field": text["field"] + SHOWN, "type": "nominal"}
    if node.get("title") is not None:
        node["title"] = _title(node["title"], k, hidden)
    for key, value in node.items():
        if key not in ("title", "datasets", "data", "usermeta"):
            _walk(value, counts, k, hidden)


def _title(title: Any, k: int, hidden: list[int]) -> Any:
    if isinstance(title, str):
        text, n = hide_counts_in_text(title, k)
        hidden[0] += n
        return text
    if isinstance(title, list):
        return [_title(t, k, hidden) for t in title]
    if isinstance(title, dict):
        return {key: (_title(v, k, hidden) if key in ("text", "subtitle") else v) for key, v in title.items()}
    return title


def suppressed_spec(spec: dict[str, Any], min_cell: int | None) -> SuppressedSpec:
    """``spec`` (a Vega-Lite dict) with its count labels from 1 to ``min_cell`` − 1 shown as "< k".

    The chart's declared fields (``charts.base.count_marks``: ``counts``, numbers a text mark shows;
    ``labels``, text such as "3 (6.3%)") are read from ``usermeta``. None, 0 or 1 return ``spec`` itself.
    """
    k = int(min_cell or 0)
    if k <= 1:
        return SuppressedSpec(spec, 0, k)
    meta = spec.get("usermeta", {}).get(META, {}) if isinstance(spec.get("usermeta"), dict) else {}
    counts, labels = frozenset(meta.get("counts", ())), frozenset(meta.get("labels", ()))
    out = copy.deepcopy(spec)
    hidden = [0]
    for rows in _rows(out):
        for row in rows:
            if not isinstance(row, dict):
                continue
            for field in counts.intersection(row):
                shown = _count_text(row[field], k)
                hidden[0] += isinstance(shown, str) and shown.startswith("<")
                row[field + SHOWN] = shown
            for field in labels.intersection(row):
                row[field], n = hide_counts_in_text(row[field], k, leading=True)
                hidden[0] += n
    _walk(out, counts, k, hidden)
    # Vega-Lite writes each mark's fields into an ARIA label, which an SVG keeps: the raw counts would stay.
    out["config"] = {**out.get("config", {}), "aria": False}
    return SuppressedSpec(out, hidden[0], k, checked=bool(counts or labels or hidden[0]))


def chart_note(result: SuppressedSpec) -> str:
    """The footer line of an exported figure checked for small counts ("" when it was not)."""
    if not result.checked:
        return ""
    k = result.min_cell
    done = (f"{result.n_hidden} label{'s' if result.n_hidden != 1 else ''}" if result.n_hidden
            else "none in this figure")
    return f"small cells: counts below {k} shown as < {k} in the labels ({done})"
