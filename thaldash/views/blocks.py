"""The pieces a page is made of: a figure, a table, a headline number — each with its words.

Blocks are plain data: a page draws them, a deck turns them into slides. A table carries how each
column is shown (``Col``: label, number format, width), written once for the screen, the slide
and the handout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # altair (a second of a cold start) loads with the first chart
    import altair as alt


@dataclass(frozen=True)
class Col:
    """How one table column is shown.

    Attributes
    ----------
    label
        The header.
    format
        A printf-style number format ("%.1f", "%d", "%+.2f", "%.0f %%"), or "percent" for a fraction shown as a
        percentage (0.471 → "47.1 %"); None shows the value as it is.
    width
        "small", "medium", "large" or pixels; None lets the table decide.
    count
        The column counts patients (or visits): a download of real patients' data shows 1 … k − 1 as
        "< k" (``data.disclosure``).
    from_counts
        The column is computed from the row's counts (a percentage, an interval): left empty in a
        download where a count of its row is hidden, since it would give the count back.
    fraction
        Text writing counts as "k/n" (a 2 × 2 table in words): each k below the threshold is hidden the same way.
    """

    label: str
    format: str | None = None
    width: str | int | None = None
    count: bool = False
    from_counts: bool = False
    fraction: bool = False


@dataclass(frozen=True, eq=False)
class Figure:
    """A chart with its title, caption (n, test, method) and speaker notes (the numbers behind it).

    ``key`` is the figure's stable id within its page (the download's file name, the deck item's id).
    ``footer_notes`` go into its export footer as "note: …" lines (``export.files.with_notes``): what
    an assumed result rests on, so the file says it wherever it goes.
    """

    key: str
    title: str
    chart: alt.TopLevelMixin
    caption: str = ""
    notes: str = ""
    stretch: bool = True
    footer_notes: tuple[str, ...] = ()


PATIENT_LIST_ROWS = 200_000
"""The longest list of patients a table keeps: the page shows its first thousand rows and offers it as a CSV
up to this length (``ui.patient_link``); a longer one is told by its length, its counts by the page's
aggregate tables."""


@dataclass(frozen=True, eq=False)
class Table:
    """A table: the rows (raw values), which columns are shown and how, and its words.

    ``frame`` keeps the raw numbers (the CSV download carries them); ``columns`` lists the shown
    columns in order with their ``Col``. With ``patient_column``, a click on a row opens that
    patient's page. ``what`` names the rows ("non-MaR patients") in notes such as "No non-MaR patients.".
    ``footer_notes`` go into its CSV's footer as "note: …" lines, as for a ``Figure``.
    """

    key: str
    title: str
    frame: pd.DataFrame
    columns: Mapping[str, Col]
    caption: str = ""
    notes: str = ""
    patient_column: str | None = None
    what: str = "rows"
    footer_notes: tuple[str, ...] = ()
    long_list: bool = False
    """A list of patients (``patient_column``) that may be as long as the cohort and is only shown and
    downloaded: it keeps its first ``PATIENT_LIST_ROWS`` rows (the most a page shows or downloads) and
    ``n_rows`` says how many there are. Lists read row by row elsewhere (the What-if page's) keep every row."""
    n_rows: int = -1
    """Rows of the whole list (set from ``frame``)."""

    def __post_init__(self) -> None:
        missing = [c for c in self.columns if c not in self.frame.columns]
        if missing:
            raise ValueError(f"table {self.key!r}: the columns {missing} to show are not in its frame")
        if self.n_rows < 0:
            object.__setattr__(self, "n_rows", len(self.frame))
        if self.long_list and self.patient_column is not None and len(self.frame) > PATIENT_LIST_ROWS:
            # A million patients' rows held in a cached view to show its first thousand (60 MiB at 1M on the
            # Transfusion and iron page); beyond this length neither the page nor a download uses them.
            object.__setattr__(self, "frame", self.frame.head(PATIENT_LIST_ROWS))

    @property
    def trimmed(self) -> bool:
        """True when ``frame`` holds only the first rows of a longer list (``n_rows``)."""
        return len(self.frame) < self.n_rows

    @property
    def counts(self) -> tuple[str, ...]:
        """The shown columns that count patients (``Col.count``)."""
        return tuple(name for name, col in self.columns.items() if col.count)

    @property
    def from_counts(self) -> tuple[str, ...]:
        """The shown columns computed from a row's counts (``Col.from_counts``)."""
        return tuple(name for name, col in self.columns.items() if col.from_counts)

    @property
    def fractions(self) -> tuple[str, ...]:
        """The shown text columns writing counts as "k/n" (``Col.fraction``)."""
        return tuple(name for name, col in self.columns.items() if col.fraction)

    def displayed(self) -> pd.DataFrame:
        """The shown columns, labelled, numbers formatted as text: what a slide or a handout prints."""
        out = {}
        for name, col in self.columns.items():
            values = self.frame[name]
            out[col.label] = [formatted(v, col.format) for v in values.tolist()] if col.format else values.tolist()
        return pd.DataFrame(out, index=range(len(self.frame)))


@dataclass(frozen=True)
class Stat:
    """A headline number: label, value (already formatted), its n and a detail line; or why not."""

    key: str
    label: str
    value: str = ""
    n: int | None = None
    detail: str = ""
    reason: str = ""
    help: str | None = None

    @property
    def computed(self) -> bool:
        return not self.reason

    def text(self) -> str:
        """One line for notes and decks: "ORR: 91.7 % (n = 48; 44 patients · 95% CI 80.0–97.7 %)"."""
        if self.reason:
            return f"{self.label}: not computed — {self.reason.removeprefix('not computed: ')}"
        extra = "; ".join(t for t in (f"n = {self.n}" if self.n is not None else "", self.detail) if t)
        return f"{self.label}: {self.value}" + (f" ({extra})" if extra else "")


PERCENT = "percent"
"""``Col.format`` of a fraction shown as a percentage (Streamlit's own "percent" format on screen)."""


def formatted(value: Any, fmt: str) -> Any:
    """``value`` through a printf format; missing values and text stay as they are."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) or isinstance(value, bool):
        return value
    if fmt == PERCENT:
        return formatted(100 * value, "%.1f %%") if isinstance(value, (int, float)) else value
    try:
        return fmt % value
    except (TypeError, ValueError):
        return value


Block = Figure | Table | Stat


@dataclass(frozen=True, eq=False)
class PageView:
    """A page's blocks in the order the page shows them, for "Add this page" and the deck."""

    page: str
    blocks: tuple[Block, ...] = field(default=())

    def items(self) -> tuple[Figure | Table, ...]:
        """The figures and tables (a deck's slides), in page order."""
        return tuple(b for b in self.blocks if isinstance(b, (Figure, Table)))

    def stats(self) -> tuple[Stat, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Stat))

    def find(self, key: str) -> Figure | Table | None:
        return next((b for b in self.items() if b.key == key), None)
