"""Published numbers as target intervals, read from data/published.csv (the one transcription)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

PUBLISHED_CSV = Path(__file__).resolve().parents[2] / "data" / "published.csv"


@dataclass(frozen=True)
class Target:
    """The interval of exact values that print as ``printed`` at the paper's precision."""

    fact: str
    value: str
    lo: float
    hi: float

    def holds(self, x: float) -> bool:
        return self.lo <= x < self.hi

    def distance(self, x: float) -> float:
        """0 inside the interval, else how far outside relative to its width."""
        if math.isnan(x):
            return 1e6
        width = max(self.hi - self.lo, 1e-12)
        if x < self.lo:
            return (self.lo - x) / width
        if x >= self.hi:
            return (x - self.hi) / width + 1e-9
        return 0.0


def interval(value: str) -> tuple[float, float]:
    """Exact values that round to ``value`` (half a unit of the last printed digit either side)."""
    text = value.strip()
    if text.startswith("<"):
        return (-math.inf, float(text[1:]))
    exponent = Decimal(text).as_tuple().exponent
    half = 0.5 * 10.0 ** exponent
    v = float(text)
    return (v - half, v + half)


def load_targets(path: Path = PUBLISHED_CSV) -> dict[str, Target]:
    """Numeric targets by fact, skipping numbers that are documented contradictions."""
    out: dict[str, Target] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["contradiction"]:
                continue
            try:
                lo, hi = interval(row["value"])
            except ArithmeticError:
                continue  # a label, not a number
            except ValueError:
                continue
            out[row["fact"]] = Target(row["fact"], row["value"], lo, hi)
    return out
