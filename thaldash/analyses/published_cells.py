"""The paper's printed numbers beside a computed table: which cell prints as published, which
is under a documented contradiction (``thaldash.published.numbers``), and how the pages mark it.

``published_columns`` is the one implementation of the verdict; ``comparisons.with_published``,
``change.paired_view`` and ``change.correlation_view`` name their facts and call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import pandas as pd

from thaldash.published.numbers import contradictions, prints_as, published_numbers


@lru_cache(maxsize=1)
def _printings() -> pd.DataFrame:
    """One printing per fact, a table's before the text's, with its contradiction id."""
    numbers = published_numbers()
    ranked = numbers.assign(_rank=~numbers["source"].str.startswith("Table"))
    first = ranked.sort_values("_rank", kind="stable").drop_duplicates("fact").set_index("fact")
    shown = first["value"].str.replace(r"^<\s*", "< ", regex=True)
    return pd.DataFrame({"printed": shown, "contradiction": first["contradiction"]}, index=first.index)


def contradiction_notes(ids: pd.Series) -> pd.DataFrame:
    """``id``, ``title`` of each documented contradiction named in ``ids`` (a ``contradiction`` column)."""
    named = {c for text in ids for c in str(text).split(", ") if c}
    found = contradictions()
    return found.loc[found["id"].isin(named), ["id", "title"]].reset_index(drop=True)


def published_columns(table: pd.DataFrame, keys: list[list[str | None]], fields: Sequence[str]) -> pd.DataFrame:
    """``published_<field>`` (printed text or ""), ``contradiction``, ``contradicted`` and
    ``published_status`` per row (see ``with_published``)."""
    printings = _printings()
    columns: dict[str, list[str]] = {f"published_{f}": [] for f in fields}
    notes, cells, status = [], [], []
    for i, row_keys in enumerate(keys):
        row_notes, row_cells, verdicts = [], [], []
        for field, fact in zip(fields, row_keys, strict=True):
            hit = fact is not None and fact in printings.index
            printed = printings.at[fact, "printed"] if hit else ""
            columns[f"published_{field}"].append(printed)
            note = printings.at[fact, "contradiction"] if hit else ""
            if note:  # a contradicted cell cannot be reproduced together with the rest: not judged
                row_cells.append(field)
                row_notes += [] if note in row_notes else [note]
            elif hit:
                verdicts.append(prints_as(table[field].iat[i], printed))
        notes.append(", ".join(row_notes))
        cells.append(", ".join(row_cells))
        status.append("differs" if not all(verdicts) else
                      "reproduced except documented contradiction" if row_notes and verdicts else
                      "documented contradiction" if row_notes else "reproduced" if verdicts else "")
    return table.assign(**columns, contradiction=notes, contradicted=cells, published_status=status)


def marked_published(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with each printed value under a documented contradiction marked, as "81.79 †"."""
    fields = [c.removeprefix("published_") for c in table.columns
              if c.startswith("published_") and c != "published_status"]
    cells = [text.split(", ") for text in table["contradicted"]]
    marked = {f"published_{f}": [f"{v} †" if f in c else v
                                  for v, c in zip(table[f"published_{f}"], cells, strict=True)] for f in fields}
    return table.assign(**marked)
