"""Small cells in what leaves the app: counts from 1 to k − 1 shown as "< k", for any cohort of real patients.

A table of a few patients per centre or genotype can identify them once it leaves the app; the usual
guard of a multi-centre study is to publish no count below a threshold k. ``suppress_small_counts``
is the one implementation: a table says which of its columns are counts (``views.blocks.Col(count=True)``)
and which are computed from them (``from_counts``: a percentage or an interval, which would give a
suppressed count back); every CSV download passes them (``export.files.table_csv``), and the CLI's
report and grade apply it with ``--min-cell`` (``reports.cells``). Counts written in text ("ORR 3/15",
"n = 3", "4 patients") are hidden by ``hide_counts_in_text``, with the percentages that would give them back:
the speaker notes and captions of a deck (``views.deck``), a chart's count labels in its PNG/SVG and on
slides (``export.small_cells``). The bundled reconstruction holds no patient and is never suppressed
(``data.bundled.is_reconstruction``).

k comes from the sidebar (URL parameter ``min_cell``), whose default is ``default_min_cell``: the
``THALDASH_MIN_CELL`` environment variable, else ``min_cell`` under ``[exports]`` in
``.streamlit/thaldash.toml``, else 5. The command line's report and grade leave counts alone unless given
``--min-cell K``: there the analyst holds the data. Its deck is made to be shown, so it is guarded like the
dashboard's unless told otherwise (``views.deck.slide_min_cell``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash import REPO_DIR

DEFAULT_MIN_CELL = 5
MIN_CELL_ENV = "THALDASH_MIN_CELL"
CONFIG_FILE = REPO_DIR / ".streamlit" / "thaldash.toml"
"""The app's own settings (Streamlit's ``config.toml`` accepts only Streamlit's keys): ``[exports] min_cell``."""
MAX_MIN_CELL = 100


@dataclass(frozen=True, eq=False)
class Suppressed:
    """``suppress_small_counts``'s result: the frame as downloaded, and how many cells were hidden."""

    frame: pd.DataFrame
    n_counts: int
    n_derived: int
    min_cell: int
    checked: bool = False
    """k was above 1 and the table has count columns: its footer says so, hidden cells or not."""


def valid_min_cell(value: object) -> int | None:
    """``value`` as a threshold k (a whole number from 0 to ``MAX_MIN_CELL``; 0 or 1 mean off), or None."""
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if not number.is_integer() or not 0 <= number <= MAX_MIN_CELL:
        return None
    return int(number)


def default_min_cell() -> int:
    """k for the app's downloads when the sidebar has not set it: ``THALDASH_MIN_CELL``, the config file, or 5.

    A value that is not a whole number from 0 to 100 is ignored (the next source is used).
    """
    env = valid_min_cell(os.environ.get(MIN_CELL_ENV, "").strip() or "x")
    if env is not None:
        return env
    try:
        settings = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return DEFAULT_MIN_CELL
    found = valid_min_cell(settings.get("exports", {}).get("min_cell", "x"))
    return DEFAULT_MIN_CELL if found is None else found


FRACTION = re.compile(r"(?<![\w./-])(\d+)/(\d+)(?![\w./])")
"""A count pair written in text ("11/15", "0/5"), not a genotype ("CD17/-28") or a class ("β0/β0")."""


def suppress_small_counts(frame: pd.DataFrame, *, counts: Sequence[str], derived: Sequence[str] = (),
                          min_cell: int | None, fractions: Sequence[str] = ()) -> Suppressed:
    """``frame`` with each count from 1 to ``min_cell`` − 1 written "< k", and the ``derived`` cells of those
    rows left empty.

    Parameters
    ----------
    counts
        Columns holding numbers of patients or visits (those absent from ``frame`` are ignored).
    derived
        Columns computed from a row's counts (a percentage, an interval): emptied in a row where a count
        is hidden, since they would give it back (3 of 48 is 6.25 %).
    min_cell
        k; None, 0 or 1 leave the frame as it is. Zero counts are kept: they identify no one.
    fractions
        Text columns that write counts as "k/n" pairs ("CD17/CD17 2/2, β0/β0 11/15 independent") or "n = 3": each
        such count from 1 to k − 1 becomes "< k" ("CD17/CD17 < 5/< 5"), and the percentages of a text with a
        hidden count are taken out (``hide_counts_in_text``).

    Returns
    -------
    ``Suppressed``: the frame (a copy; count columns with a hidden cell become text), the number of
    counts and of derived cells hidden, and k.
    """
    k = int(min_cell or 0)
    present = [c for c in counts if c in frame.columns]
    texts = [c for c in fractions if c in frame.columns]
    if k <= 1 or not (present or texts):
        return Suppressed(frame, 0, 0, k)
    out, n_text = _fractions(frame, texts, k)
    small = {c: _small(frame[c], k) for c in present}
    hidden_rows = (np.logical_or.reduce(list(small.values())) if small
                   else np.zeros(len(frame), dtype=bool))
    if not hidden_rows.any():
        return Suppressed(out, n_text, 0, k, checked=True)
    if out is frame:
        out = frame.copy()
    for column, mask in small.items():
        if mask.any():
            out[column] = out[column].astype(object).where(~mask, f"< {k}")
    n_derived = 0
    for column in (c for c in derived if c in frame.columns):
        filled = out[column].notna().to_numpy() & hidden_rows
        n_derived += int(filled.sum())
        out[column] = out[column].astype(object).where(~hidden_rows, None)
    return Suppressed(out, n_text + int(sum(int(m.sum()) for m in small.values())), n_derived, k, checked=True)


N_EQUALS = re.compile(r"(?<![\w.])(n\s*=\s*)(\d+)(?![\w.])")
"""A count written "n = 3" or "n=3"."""
LEADING = re.compile(r"^(\s*)(\d+)(?![\d.,/])")
"""A label that starts with its count ("3 (6.3%)", "3 stopped")."""
COUNTED = re.compile(r"(?<![\w.,/–-])(\d+)(?=\s+(?:[A-Za-z-]+\s+){0,2}(?:patients?|visits?|TDT|NTDT|responders?)\b)")
"""A number of people written in words: "4 patients", "3 TDT patients", "5 TDT and 2 NTDT", "the 6 evaluable
analysed patients"."""
RATE = re.compile(r"\s*=\s*[\d.,]+\s?%(\s*\([^()]*\))?|\s*\(\s*[\d.,]+\s?%[^()]*\)"
                  r"|(?<![\w.])[\d.,]+(?:\s?[–-]\s?[\d.,]+)?\s?%(?!\s*CI)")
"""A percentage (or a percentage interval) given with a count ("= 20.0 % (5.1–45.4)", "(6.3%)", "66.7 %",
"22.3–95.7 %"), but not a confidence level ("95% CI"): it would give a hidden count back."""


def hide_counts_in_text(text: str, min_cell: int | None, *, leading: bool = False) -> tuple[str, int]:
    """``text`` with its counts from 1 to ``min_cell`` − 1 written "< k" ("n < k"), and how many were hidden.

    The counts of a text are the numbers of its "k/n" pairs ("ORR 3/15"), its "n = 3", its numbers of people
    in words ("4 patients", "5 TDT and 2 NTDT"), and with ``leading`` the number a label starts with
    ("3 (6.3%)", for chart labels that are a count). Where a count is hidden, the percentages of the text
    ("= 20.0 % (5.1–45.4)", "(6.3%)", "66.7 %") are taken out too, since they would give it back. A genotype ("CD17/-28"), a class ("β0/β0") and a decimal are not counts.
    """
    k = int(min_cell or 0)
    if k <= 1 or not isinstance(text, str):
        return text, 0
    hidden = 0

    def small(number: str) -> str:
        nonlocal hidden
        if 1 <= int(number) < k:
            hidden += 1
            return f"< {k}"
        return number

    out = FRACTION.sub(lambda m: "/".join(small(n) for n in m.groups()), text)
    out = COUNTED.sub(lambda m: small(m.group(1)), out)
    out = N_EQUALS.sub(lambda m: "n " + shown if (shown := small(m.group(2))).startswith("<") else m.group(0), out)
    if leading:
        out = LEADING.sub(lambda m: m.group(1) + small(m.group(2)), out, count=1)
    return (RATE.sub("", out) if hidden else out), hidden


def hide_counts_in_lines(text: str, min_cell: int | None) -> tuple[str, int]:
    """``hide_counts_in_text`` line by line (speaker notes, captions): a hidden count takes out only its own
    line's percentages. Returns the text and how many counts were hidden."""
    lines, hidden = [], 0
    for line in text.splitlines():
        shown, n = hide_counts_in_text(line, min_cell)
        lines.append(shown)
        hidden += n
    return ("\n".join(lines), hidden) if hidden else (text, 0)


def _fractions(frame: pd.DataFrame, columns: Sequence[str], k: int) -> tuple[pd.DataFrame, int]:
    """``frame`` with the small counts of the text ``columns`` written "< k" (``hide_counts_in_text``), and how many."""
    if not columns:
        return frame, 0
    hidden = 0
    out = frame.copy()
    for column in columns:
        values = []
        for value in out[column]:
            text, n = hide_counts_in_text(value, k) if isinstance(value, str) else (value, 0)
            values.append(text)
            hidden += n
        out[column] = values
    return out, hidden


def suppression_note(result: Suppressed) -> str:
    """The footer line of a download checked for small counts ("" when it was not)."""
    if not result.checked:
        return ""
    k = result.min_cell
    if not result.n_counts:
        return f"small cells: counts below {k} shown as < {k} (none in this table)"
    derived = (f"; the percentages and intervals of those rows ({result.n_derived} cells) are left empty, since "
               "they would give the counts back" if result.n_derived else "")
    return (f"small cells: counts below {k} shown as < {k} ({result.n_counts} cell{'s' if result.n_counts != 1 else ''})"
            f"{derived}")


def _small(values: pd.Series, k: int) -> np.ndarray:
    """Counts from 1 to k − 1; a count shown as text with a mark after it ("3 †") is read by its number."""
    if not pd.api.types.is_numeric_dtype(values.dtype):
        values = values.astype("str").str.extract(r"^\s*(\d+)(?![\d.])", expand=False)
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return (numbers >= 1) & (numbers < k)
