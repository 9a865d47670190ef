"""The paper's published numbers and its documented contradictions, as data.

``data/published.csv`` holds every cohort number printed in Yang et al. 2024 (abstract, results,
tables 1–10, discussion): where it is printed, the string as printed, the value it asserts and
the fact it describes. ``data/contradictions.csv`` holds each pair of published numbers that no
cohort can match together, with the side kept and why.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pandas as pd

from thaldash import DATA_DIR

PUBLISHED_CSV = DATA_DIR / "published.csv"
CONTRADICTIONS_CSV = DATA_DIR / "contradictions.csv"


@lru_cache(maxsize=1)
def published_numbers() -> pd.DataFrame:
    """Columns: ref, source, location, printed, value, fact, contradiction ("" when none)."""
    return pd.read_csv(PUBLISHED_CSV, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def contradictions() -> pd.DataFrame:
    """Columns: id, title, evidence, decision, reason."""
    return pd.read_csv(CONTRADICTIONS_CSV, dtype=str, keep_default_na=False)


def printed_interval(value: str) -> tuple[float, float] | None:
    """The exact values that print as ``value``: half a unit of its last digit either side.

    ``"<0.001"`` gives ``(-inf, 0.001)``; a label (not a number) gives ``None``.
    """
    text = value.strip()
    if text.startswith("<"):
        return (-math.inf, float(text[1:]))
    try:
        exponent = Decimal(text).as_tuple().exponent
    except InvalidOperation:
        return None
    half = 0.5 * 10.0 ** int(exponent)
    return (float(text) - half, float(text) + half)


def decimals(value: str) -> int:
    """Digits after the decimal point in a printed number (0 for integers and labels)."""
    text = value.strip().lstrip("<").strip()
    return len(text.split(".")[1]) if "." in text else 0


def prints_as(value: object, printed: str) -> bool:
    """True when the number ``value`` prints as ``printed`` at its precision.

    Half-up rounding: ``[lo, hi)`` of ``printed_interval`` prints as ``printed``; both ends are
    shifted by float noise so that 30.0749999999 (an exact 30.075) still prints as "30.08".
    ``"< 0.001"`` means below 0.001. False for a label, a missing value or a non-number.
    """
    interval = printed_interval(printed.replace(" ", ""))
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    if interval is None or not math.isfinite(number):
        return False
    low, high = interval
    tol = 1e-9 * max(1.0, abs(number))
    return low - tol <= number < high - tol
