"""Words shared by the statistics pages (Comparisons, Change and correlation): P values and
intervals as table text, and the sentence that says whether the paper's printed values are reproduced."""

from __future__ import annotations

import math

import pandas as pd

from thaldash.analyses.published_cells import contradiction_notes

SMALL_N_MARK = "⚠ n < 5"
ASSUMED_MARK = "⚠ assumed"
"""How a result the reconstruction assumed is marked in a table's "Basis" column."""
BASIS_NOTE = (f"Basis: whether the paper prints the number, fixes it by printed numbers (constrained) or leaves it to "
              f"the reconstruction ({ASSUMED_MARK}).")
"""The caption's sentence for a "Basis" column."""
DIFFERS = "Some numbers do not print as the paper's, outside the documented contradictions."


def basis_marks(constraints: pd.Series) -> list[str]:
    """A "Basis" column from ``constraint`` values: "published", "constrained", ``ASSUMED_MARK`` or ""."""
    return [ASSUMED_MARK if c == "assumed" else str(c) for c in constraints]


def assumed_notes(rows: pd.DataFrame) -> tuple[str, ...]:
    """The ``constraint_note`` of the assumed rows, once each: what an export of them must say it rests on."""
    return tuple(dict.fromkeys(n for c, n in zip(rows["constraint"], rows["constraint_note"]) if c == "assumed" and n))


def p_text(p: float, reason: str = "") -> str:
    """P as a table shows it: "< 0.001", "0.042", "not computed" (with a reason) or "" (no test on the row)."""
    if not math.isfinite(p):
        return "not computed" if reason else ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def interval_text(low: float, high: float, digits: int) -> str:
    """"1.234 to 5.678" ("" when the interval is not computed)."""
    return f"{low:,.{digits}f} to {high:,.{digits}f}" if math.isfinite(low) else ""


def paper_check(table: pd.DataFrame) -> tuple[str, str]:
    """(warning, caption) about the paper's printed values beside ``table`` (``with_published`` columns).

    The warning is ``DIFFERS`` when a printed value is not reproduced outside a documented
    contradiction, else ""; the caption says what the "paper" columns are, that every value is
    reproduced, and names each documented contradiction met ("" when the paper prints nothing here).
    """
    notes = [f"{n.id}: {n.title} (see the Reproduction page)." for n in
             contradiction_notes(table["contradiction"]).itertuples()]
    if (table["published_status"] == "differs").any():
        return DIFFERS, " ".join(notes)
    if not (table["published_status"] != "").any():
        return "", " ".join(notes)
    marked = (table["contradiction"] != "").any()
    head = ("\"paper\": the value the paper prints (bundled cohort, no filter, the paper's grading). ✓ Every one is "
            "reproduced at its printed precision" + (", except those marked † (a documented contradiction):"
                                                     if marked else "."))
    return "", " ".join([head, *notes])


def has_published(table: pd.DataFrame) -> bool:
    """The paper prints a value on some row of ``table`` (its "paper" columns are shown)."""
    return bool((table["published_status"] != "").any())
