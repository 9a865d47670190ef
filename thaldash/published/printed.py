"""The paper's printed facts as lookups: where each is printed, and whether a printing survives its contradictions.

Shared by ``published.constraints`` (results) and ``published.attributes`` (patient attributes):
a fact is "kept" when at least one of its printings is under no documented contradiction, so the
bundled reconstruction reproduces it (``tests/test_reproduction.py``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from thaldash.published.numbers import published_numbers


@dataclass(frozen=True)
class Printing:
    """Every printing of one fact: where, and the contradictions (``data/contradictions.csv``) they belong to."""

    sources: tuple[str, ...]
    contradictions: tuple[str, ...]
    kept: bool  # at least one printing is under no contradiction, so the cohort reproduces it


@lru_cache(maxsize=1)
def printings() -> dict[str, Printing]:
    """Every fact of ``data/published.csv`` with its printings (read once)."""
    numbers = published_numbers()
    out = {}
    for fact, rows in numbers.groupby("fact", sort=False):
        notes = tuple(dict.fromkeys(c for c in rows["contradiction"] if c))
        sources = tuple(dict.fromkeys(rows["source"]))
        out[str(fact)] = Printing(sources, notes, bool((rows["contradiction"] == "").any()))
    return out


def matches(value: str, pattern: str) -> bool:
    """``value`` matches one of the ``|``-separated file patterns of ``pattern`` (``*`` and ``?``)."""
    return any(fnmatch.fnmatchcase(value, p.strip()) for p in pattern.split("|"))


def where(facts: Iterable[str]) -> str:
    """Where the facts are printed: "Table 4", "Abstract and Table 4", "Abstract, Results and Table 4"."""
    sources = list(dict.fromkeys(s for f in facts for s in printings()[f].sources))
    return sources[0] if len(sources) == 1 else ", ".join(sources[:-1]) + " and " + sources[-1]


def kept(*facts: str) -> bool:
    """Whether every fact is printed and at least one printing of each is under no contradiction."""
    printed = printings()
    return all(f in printed and printed[f].kept for f in facts)


def contradiction_note(facts: Iterable[str], what: str = "some printed cells of this row are") -> str:
    """"; <what> under documented contradiction C1" for the facts none of whose printings is kept ("" if none)."""
    printed = printings()
    ids = dict.fromkeys(c for f in facts if f in printed and not printed[f].kept for c in printed[f].contradictions)
    return f"; {what} under documented contradiction {', '.join(ids)}" if ids else ""
