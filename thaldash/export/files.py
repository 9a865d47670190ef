"""Charts to PNG/SVG and tables to CSV, each carrying a footer that says where it came from.

Rendering uses ``vl_convert`` (a bundled Vega engine), so exports work offline: the house font
(``palette.FONT``) ends in the generic ``sans-serif`` and no web font is ever requested.
The footer is drawn as a small text block under the chart (a ``vconcat`` of the chart and a
text view), which works for single, layered, faceted and concatenated charts alike.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import vl_convert as vlc

from thaldash.charts.palette import NORMAL, PRESENTATION
from thaldash.data.bundled import RECONSTRUCTION_NOTE
from thaldash.data.disclosure import suppress_small_counts, suppression_note
from thaldash.export.small_cells import chart_note, suppressed_spec

if TYPE_CHECKING:  # altair (a second of a cold start) loads with the first chart
    import altair as alt

EXPORT_WIDTH = 720
"""Width (px, before ``scale``) given to ``width="container"`` charts in an export."""

FOOTER_WRAP = 120
"""Characters per footer line before wrapping."""

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
    return formula_guard(frame)[0]


def formula_guard(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``safe_for_spreadsheet(frame)`` and the number of text cells and headers it prefixed."""
    out = frame.copy()
    changed = 0
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            guarded = out[col].map(neutralise_formula)
            changed += int((guarded.astype("object") != out[col].astype("object")).fillna(False).sum())
            out[col] = guarded
    headers = [neutralise_formula(str(c)) for c in out.columns]
    changed += sum(h != str(c) for h, c in zip(headers, out.columns))
    out.columns = headers
    return out, changed


def guard_note(changed: int) -> str:
    """The footer line of a spreadsheet file whose ``changed`` text cells the formula guard prefixed."""
    cells = f"{changed} text cell{'s' if changed != 1 else ''}"
    return (f"formula guard: {cells} starting with =, +, -, @, tab or CR prefixed with an apostrophe (') so a "
            "spreadsheet shows them as text; the value as recorded is the text after it (e.g. '-28/-28 is -28/-28)")


_TOP_LEVEL_ONLY = ("$schema", "config", "datasets", "autosize", "background", "padding", "usermeta")


def _clean(text: object) -> str:
    """One line of printable text: control and bidirectional-override characters become spaces."""
    out = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in str(text))
    return " ".join(out.split())


def footer_text(source_name: str, sha256: str, filter_text: str, scenario_text: str, when: dt.date, *,
                reconstruction: bool = False, notes: Sequence[str] = ()) -> str:
    """The provenance footer: one "key: value" line each for data, filter, grading and date.

    The hash is shortened to its first 12 hex digits (enough to tell files apart by eye). With
    ``reconstruction`` (``thaldash.data.bundled.is_reconstruction``), a "cohort: reconstructed from
    published aggregates, not patient data" line follows the data line, so the figure or table says
    so wherever it goes. Each of ``notes`` (e.g. that a result is assumed by the reconstruction,
    ``thaldash.published.constraints``) becomes a "note: …" line before the date.
    """
    short = _clean(sha256)[:12] or "unknown"
    return with_notes("\n".join([
        f"data: {_clean(source_name) or 'unnamed'} (sha256 {short})",
        *([f"cohort: {RECONSTRUCTION_NOTE}"] if reconstruction else []),
        f"filter: {_clean(filter_text) or 'none'}",
        f"grading: {_clean(scenario_text) or 'not applicable'}",
        f"exported: {when.isoformat()} with thaldash",
    ]), notes)


def with_notes(footer: str, notes: Sequence[str]) -> str:
    """``footer`` (a ``footer_text``) with a "note: …" line for each of ``notes`` before its last line.

    A page's footer is made once; a table or figure that shows assumed results adds its
    ``constraint_note`` here, so its own export says what the result rests on. Repeated and empty
    notes are dropped.
    """
    extra = [f"note: {text}" for text in dict.fromkeys(_clean(n) for n in notes) if text]
    if not extra:
        return footer
    lines = footer.splitlines()
    return "\n".join([*lines[:-1], *extra, *lines[-1:]])


def _fix_width(node: Any, width: int) -> Any:
    """A copy of the spec with every ``width: "container"`` replaced by ``width`` px."""
    if isinstance(node, dict):
        return {k: (width if k == "width" and v == "container" else _fix_width(v, width)) for k, v in node.items()}
    if isinstance(node, list):
        return [_fix_width(v, width) for v in node]
    return node


def is_presentation(spec: dict[str, Any]) -> bool:
    """Whether ``spec`` carries projector-sized type (a top-level title larger than the normal one)."""
    return spec.get("config", {}).get("title", {}).get("fontSize", NORMAL.title) > NORMAL.title


def export_spec(chart: alt.TopLevelMixin, footer: str, *, width: int = EXPORT_WIDTH,
                min_cell: int | None = None) -> dict[str, Any]:
    """The Vega-Lite spec of ``chart`` with ``footer`` as small grey lines underneath.

    With ``min_cell`` k above 1 (a real cohort), the chart's count labels from 1 to k − 1 read "< k"
    (``export.small_cells.suppressed_spec``) and a footer line says so.
    """
    hidden = suppressed_spec(chart.to_dict(), min_cell)
    small = chart_note(hidden)
    footer = f"{footer}\n{small}" if small and footer else small or footer
    spec = _fix_width(hidden.spec, width)
    top = {k: spec.pop(k) for k in _TOP_LEVEL_ONLY if k in spec}
    size = (PRESENTATION if is_presentation(top) else NORMAL).footer
    lines = [part for line in footer.splitlines() for part in textwrap.wrap(_clean(line), FOOTER_WRAP) or [""]]
    footer_view = {
        "data": {"values": [{}]},
        "mark": {"type": "text", "text": lines, "align": "left", "baseline": "top", "fontSize": size,
                 "color": "#555555", "lineHeight": size + 3},
        "encoding": {"x": {"value": 0}, "y": {"value": 0}},
        # A 1-px view: the lines overflow it to the right, so the footer never widens the chart.
        "width": 1, "height": len(lines) * (size + 3),
        "view": {"stroke": None},
    }
    return {**top, "vconcat": [spec, footer_view], "spacing": 16}


def chart_png(chart: alt.TopLevelMixin, footer: str, *, scale: float = 2, width: int = EXPORT_WIDTH,
              min_cell: int | None = None) -> bytes:
    """``chart`` with its footer as PNG bytes (``scale`` 2 gives crisp slides and print); ``min_cell`` as for
    ``export_spec``."""
    return vlc.vegalite_to_png(export_spec(chart, footer, width=width, min_cell=min_cell), scale=scale)


def chart_svg(chart: alt.TopLevelMixin, footer: str, *, width: int = EXPORT_WIDTH, min_cell: int | None = None) -> str:
    """``chart`` with its footer as SVG text (text stays text, so the footer is searchable); ``min_cell`` as for
    ``export_spec``."""
    return vlc.vegalite_to_svg(export_spec(chart, footer, width=width, min_cell=min_cell))


def table_csv(frame: pd.DataFrame, footer: str, *, counts: Sequence[str] = (), derived: Sequence[str] = (),
              min_cell: int | None = None, fractions: Sequence[str] = ()) -> bytes:
    """``frame`` as UTF-8 CSV (with a byte-order mark, so Excel reads "β" right), footer below.

    With ``min_cell`` k above 1, the ``counts`` columns show 1 … k − 1 as "< k" and the ``derived``
    columns of those rows are left empty, and small numbers of "k/n" pairs in the ``fractions`` text columns
    read "< k" (``data.disclosure.suppress_small_counts``); a footer line says so.

    Text cells a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
    tab or CR) get a leading apostrophe (``safe_for_spreadsheet``); numbers stay
    numbers. After a blank line, each footer line follows as a ``# key: value`` row, quoted
    by the CSV writer when it contains a comma so it stays one cell; when the guard changed a
    cell, a last line says so (``guard_note``), since "'-28/-28" is not the recorded value.
    The guard is for files made for spreadsheets: machine outputs (CLI csv/json, the report)
    carry the values as they are (``thaldash.text``).
    """
    table = frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index()
    hidden = suppress_small_counts(table, counts=counts, derived=derived, min_cell=min_cell, fractions=fractions)
    table = hidden.frame
    # Categorical text escapes safe_for_spreadsheet's string-column test; make it plain text.
    table = table.astype({c: "str" for c in table.columns
                          if isinstance(table[c].dtype, pd.CategoricalDtype)
                          and not pd.api.types.is_numeric_dtype(table[c].cat.categories)})
    guarded, changed = formula_guard(table)
    body = guarded.to_csv(index=False, lineterminator="\r\n")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([])
    small = suppression_note(hidden)
    for line in [*footer.splitlines(), *([small] if small else []), *([guard_note(changed)] if changed else [])]:
        writer.writerow(["# " + _clean(line)])
    return ("\ufeff" + body + out.getvalue()).encode("utf-8")

