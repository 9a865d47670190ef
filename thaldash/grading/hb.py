"""A patient panel's Hb evidence under one rule set: baseline, window end, best, rise, sustained rise.

Shared by ``grade`` (the tiers and their trace) and ``sensitivity`` (the same evidence, once per
window), so that both grade from the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thaldash.data.coded_text import Coded, constant, render_groups
from thaldash.data.schema import STUDY_MONTHS
from thaldash.grading.rules import SUSTAINED_TO_MONTH, GradingRules
from thaldash.grading.panel import VisitPanel

__all__ = ["HbEvidence", "hb_arrays"]


@dataclass(frozen=True, eq=False)
class HbEvidence:
    """A patient panel's Hb evidence under one rule set (``hb_arrays``)."""

    base: np.ndarray
    end: np.ndarray
    best: np.ndarray
    rise: np.ndarray
    why: Coded
    measure: str
    sustained: np.ndarray
    sustained_why: Coded
    sustained_measure: str


def hb_arrays(panel: VisitPanel, rules: GradingRules) -> HbEvidence:
    """Baseline, window-end and best-in-window Hb, the rise, and why the rise is missing.

    ``sustained`` is the smallest Hb minus baseline Hb at the study visits from the window's end
    to ``SUSTAINED_TO_MONTH`` (NaN, with ``sustained_why``, when one of them or baseline is missing).
    """
    hb = panel.values["hb_g_l"]
    n, w = len(hb), rules.window_months

    def at(month: int) -> tuple[np.ndarray, np.ndarray]:  # value, state: 0 no visit, 1 missing, 2 ok
        j = panel.column(month)
        if j is None:
            return np.full(n, np.nan), np.zeros(n, dtype=np.int64)
        return hb[:, j], np.where(~panel.present[:, j], 0, np.where(np.isnan(hb[:, j]), 1, 2))

    base, base_state = at(0)
    end, end_state = at(w)
    cols = (panel.months > 0) & (panel.months <= w)
    best = np.where(np.isnan(hb[:, cols]), -np.inf, hb[:, cols]).max(axis=1, initial=-np.inf)
    best = np.where(np.isneginf(best), np.nan, best)
    if rules.hb_rise_measure == "window_end":
        rise, later_state, measure = end - base, end_state, f"month {w} vs month 0"
        later_text = (f"no visit at month {w}", f"Hb missing at month {w}", "")
    else:
        rise, later_state, measure = best - base, np.where(np.isnan(best), 0, 2), f"best in months 1–{w} vs month 0"
        later_text = (f"no Hb recorded in months 1–{w}", "", "")
    base_text = ("no visit at month 0", "Hb missing at month 0", "")
    choices = tuple("; ".join(t for t in (b, e) if t) for b in base_text for e in later_text)
    sustained, sustained_why, span = _sustained(panel, hb, base, base_state, w)
    return HbEvidence(base, end, best, rise, Coded(base_state * 3 + later_state, choices), measure,
                      sustained, sustained_why, span)


def _sustained(panel: VisitPanel, hb: np.ndarray, base: np.ndarray, base_state: np.ndarray,
               window: int) -> tuple[np.ndarray, Coded, str]:
    """Smallest Hb rise over the study visits from ``window`` to ``SUSTAINED_TO_MONTH``, and why it is missing."""
    n = len(hb)
    months = [m for m in STUDY_MONTHS if window <= m <= SUSTAINED_TO_MONTH]
    span = f"smallest of months {months[0]}–{months[-1]} vs month 0" if len(months) > 1 else \
        f"month {window} vs month 0"
    states, values = [], []
    for m in months:
        j = panel.column(m)
        if j is None:
            states.append(np.zeros(n, dtype=np.int64))
            values.append(np.full(n, np.nan))
        else:
            states.append(np.where(~panel.present[:, j], 0, np.where(np.isnan(hb[:, j]), 1, 2)))
            values.append(hb[:, j])
    if not months:
        return np.full(n, np.nan), constant(f"no study visit from month {window} to {SUSTAINED_TO_MONTH}", n), span
    lowest = np.min(np.stack(values), axis=0)  # NaN wherever any visit of the span lacks Hb
    sustained = lowest - base

    def render(b: int, *later: int) -> str:
        gone = [str(m) for m, s in zip(months, later) if s == 0]
        empty = [str(m) for m, s in zip(months, later) if s == 1]
        parts = [("no visit at month 0", "Hb missing at month 0", "")[b]]
        parts += [f"no visit at month{'s' if len(gone) > 1 else ''} {', '.join(gone)}"] if gone else []
        parts += [f"Hb missing at month{'s' if len(empty) > 1 else ''} {', '.join(empty)}"] if empty else []
        return "; ".join(p for p in parts if p)

    return sustained, render_groups([base_state, *states], render), span
