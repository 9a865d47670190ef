"""The problems table of a validation, collected a slice of rows at a time.

Validation checks a large file in slices of whole patients (``thaldash.data.validation_chunks``); the
``Collector`` merges what each slice finds into the table a single pass would give: per kind of
problem (severity, column, kind), the first ``CAP`` rows in file order, the total count and one
"… and N more" row, kinds in the order the checks run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thaldash.data.schema import COLUMNS

CAP = 1_000  # problem rows kept per (column, problem kind); the rest become one summary row
MAX_SHOWN_CHARS = 100  # characters of a cell (or column name) quoted in a problem row
PROBLEM_COLUMNS: tuple[str, ...] = ("severity", "file", "column", "patient_id", "value", "problem")
"""``file`` names the file of a folder (its path inside the folder) the problem is in; "" for a single file."""

# C0, DEL and C1 controls (tab and newline included: a label has no use for them), bidi
# embeddings/overrides/isolates/marks, and invisible characters that make two labels look equal.
UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def escape_unsafe(text: str) -> str:
    """``text`` with control, bidi and invisible characters written as ``\\xNN``/``\\uNNNN``."""
    return UNSAFE_CHARACTERS.sub(lambda m: (f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                            else f"\\u{ord(m.group()):04x}"), text)


def display(value: object) -> str:
    """The text of a cell as shown in a problem row ("" for missing; long text cut, see ``shorten``)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return shorten(str(value))


def shorten(text: str) -> str:
    """``text``, or its start and its length when longer than ``MAX_SHOWN_CHARS``.

    A problem row quotes its cell in the value and often in the sentence too, and the table goes
    to the terminal and the browser: a 50 MB cell must not become 100 MB of output.
    """
    if len(text) <= MAX_SHOWN_CHARS:
        return text
    return f"'{text[:MAX_SHOWN_CHARS]}…' ({len(text):,} characters)"


def empty_problems() -> pd.DataFrame:
    """A problems frame with no rows and the standard columns."""
    return pd.DataFrame({c: pd.Series(dtype="str") for c in PROBLEM_COLUMNS})


@dataclass
class _Kind:
    """The rows kept so far for one kind of problem, and how many were found."""

    severity: str
    column: str
    summary: str  # what the "… and N more rows" row says (the label, or the problem)
    rows: list[dict[str, str]] = field(default_factory=list)
    count: int = 0


class Collector:
    """Collects problems, keeping at most ``CAP`` rows per (column, kind) plus a summary row.

    Parameters
    ----------
    pid_codes, pid_texts
        The patient of each row: a code per row (-1 for none) into the trimmed patient_id texts
        ("" for a blank one). Rows are named by patient without a text column per row.
    chunks
        The slices of rows the checks work on, in file order (see ``thaldash.data.validation_chunks``).

    A check reports a slice with ``cells(..., start=slice.start)``; its kinds are ordered by the
    first call for them (empty or not), so every check must be called for the first slice (a
    call may be skipped only for a reason that holds for every slice).
    """

    def __init__(self, pid_codes: np.ndarray, pid_texts: pd.Series, chunks: list[slice]) -> None:
        self.chunks = chunks
        self._pid_codes = pid_codes
        self._pid_texts = pid_texts.reset_index(drop=True)
        self._entries: list[_Kind | dict[str, str]] = []
        self._kinds: dict[tuple[str, str, str], _Kind] = {}
        self.n_errors = 0
        self.n_warnings = 0

    def cells(self, severity: str, column: str, mask: np.ndarray, shown: pd.Series | None,
              problem: str | Callable[[str], str], *, label: str = "", kind: str = "", start: int = 0,
              formatted: bool = False) -> int:
        """Record one problem per row where ``mask`` (rows ``start`` onwards) is true.

        ``shown`` gives the text of those rows (aligned with ``mask``; ``formatted``: already made of
        ``display`` texts, bounded, not to be cut again); ``kind`` tells apart checks of one column
        whose ``problem`` is a function (default: ``label``, or ``problem`` itself).
        """
        key = (severity, column, kind or label or (problem if isinstance(problem, str) else ""))
        if not key[2]:
            raise ValueError("a check whose problem is a function needs a label or a kind")
        entry = self._kinds.get(key)
        if entry is None:
            entry = self._kinds[key] = _Kind(severity, column, label or (problem if isinstance(problem, str) else ""))
            self._entries.append(entry)
        local = np.flatnonzero(mask)
        if not len(local):
            return 0
        column_def = COLUMNS.get(column)
        if column_def is not None and column_def.level == "patient" and len(local) > 1:
            # A patient-level value repeats on every visit row: report it once per patient (a slice
            # holds all of a patient's rows).
            pid = self._texts_of(self._pid_codes[local + start])
            keys = pd.DataFrame({"p": pid, "v": [_cell_key(v) for v in shown.iloc[local]] if shown is not None else 0})
            local = local[~keys.duplicated().to_numpy() | (pid == "")]
        take = local[:max(CAP - len(entry.rows), 0)]
        show = str if formatted else display
        values = [show(v) for v in shown.iloc[take]] if shown is not None else [""] * len(take)
        for r, value in zip(take + start, values):
            text = problem(value) if callable(problem) else problem
            pid = self.patient_at(int(r))
            # Without a patient to name, the position is the only way to find the row (1 = first data row).
            entry.rows.append({"severity": severity, "file": "", "column": shorten(column), "patient_id": pid, "value": value,
                               "problem": text if pid else f"{text} (data row {r + 1:,})"})
            entry.summary = entry.summary or entry.rows[0]["problem"]
        entry.count += len(local)
        self._count(severity, len(local))
        return len(local)

    def room(self, severity: str, column: str, kind: str) -> int:
        """How many more rows of this kind will be kept (a check can skip preparing the others)."""
        entry = self._kinds.get((severity, column, kind))
        return CAP - (len(entry.rows) if entry is not None else 0)

    def patient_at(self, row: int) -> str:
        """The patient_id text of row ``row`` ("" when unknown)."""
        return display(self._texts_of(self._pid_codes[row:row + 1])[0])

    def _texts_of(self, codes: np.ndarray) -> np.ndarray:
        """The trimmed patient_id of each code ("" for -1), compared as text like the ids themselves."""
        texts = self._pid_texts.take(np.maximum(codes, 0)).fillna("").to_numpy(dtype=object) \
            if len(self._pid_texts) else np.full(len(codes), "", dtype=object)
        texts[codes < 0] = ""
        return texts

    def one(self, severity: str, column: str, problem: str, patient_id: str = "", value: str = "",
            *, count: int = 1) -> None:
        """Record a single problem that is not tied to a set of cells."""
        self._entries.append({"severity": severity, "file": "", "column": shorten(column), "patient_id": patient_id,
                              "value": value, "problem": problem})
        self._count(severity, count)

    def _count(self, severity: str, n: int) -> None:
        if severity == "error":
            self.n_errors += n
        else:
            self.n_warnings += n

    def frame(self) -> pd.DataFrame:
        """All problems, errors first, in the order they were found."""
        rows: list[dict[str, str]] = []
        for entry in self._entries:
            if isinstance(entry, dict):
                rows.append(entry)
                continue
            rows.extend(entry.rows)
            if entry.count > CAP:
                rows.append({"severity": entry.severity, "file": "", "column": shorten(entry.column), "patient_id": "",
                             "value": "", "problem": f"… and {entry.count - CAP:,} more rows with this problem "
                                                     f"({entry.summary})"})
        if not rows:
            return empty_problems()
        out = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS)).astype("str")
        order = np.argsort((out["severity"] != "error").to_numpy(), kind="stable")
        return out.iloc[order].reset_index(drop=True)


def _cell_key(value: object) -> str | None:
    """A cell as text, to tell a patient's distinct values apart (None for a missing cell)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)
