"""Response tiers (MaR/MiR/SLR/NR) per patient under a set of ``GradingRules``, with the reason.

Two criteria are computed for every patient, each as a tier code (0 MaR, 1 MiR, 2 SLR, 3 NR,
4 not evaluable) and a clause of text:

- transfusion: no transfusion in the last ``transfusion_free_months`` of the window → MaR;
  otherwise the transfusion reduction over the window: ≥ ``mir_reduction_pct`` MiR,
  ≥ ``slr_reduction_pct`` SLR, below NR. A patient never transfused in the 24 months before
  enrolment (``pre_rbc_units_24m`` = 0) who is transfused in those last months has no defined
  reduction, but their need rose from nothing: NR, said so in the trace (not "not evaluable",
  which would drop a non-responder from every denominator).
- Hb: the Hb rise (window end, or best value in the window, minus baseline):
  ≥ ``mar_hb_rise_g_l`` MaR, ≥ ``mir_hb_rise_g_l`` MiR, above 0 SLR, 0 or below NR. The printed
  criteria give SLR and NR the same Hb condition (< 1.0 g/L), so "any rise" vs "no rise" is this
  module's reading.

``hb_criterion`` decides how they combine: "none" (transfusion only), "untransfused" (Hb instead
of automatic MaR for untransfused patients), "everyone" (the better tier; with one criterion
missing, a MaR from the other still decides, anything less is not evaluable because the missing
one could have been better). Ties are credited to the transfusion criterion, the paper's primary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.data.alleles import genotype_columns
from thaldash.data.coded_text import Coded, number_choices, render_groups, select, texts
from thaldash.data.cohort import Cohort
from thaldash.data.schema import TIER_ORDER
from thaldash.grading.rules import GradingRules
from thaldash.grading.trace import NE, Sentences, value_text
from thaldash.grading.transfusion import EPS, VisitPanel, transfusion_arrays, tristate, visit_panel

__all__ = ["grade", "grade_panel", "hb_arrays", "tier_codes", "TierCodes"]

CRITERIA: tuple[str, ...] = ("transfusion-free", "transfusion reduction", "Hb rise", "missing data")

GRADE_COLUMNS: tuple[str, ...] = (
    "patient_id", "genotype", "thal_type", "tier", "evaluable", "deciding_criterion", "hb_baseline",
    "hb_window_end", "hb_rise", "reduction_pct", "ti_month", "rule_trace", "ti_status", "transfusion_tier",
    "hb_tier", "pre_rbc_units_24m", "units_in_window", "expected_units_in_window", "transfused_in_last_months",
    "withdrawn")


@dataclass(frozen=True, eq=False)
class HbEvidence:
    """A patient panel's Hb evidence under one rule set (``hb_arrays``)."""

    base: np.ndarray
    end: np.ndarray
    best: np.ndarray
    rise: np.ndarray
    why: Coded
    measure: str


def hb_arrays(panel: VisitPanel, rules: GradingRules) -> HbEvidence:
    """Baseline, window-end and best-in-window Hb, the rise, and why the rise is missing."""
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
    return HbEvidence(base, end, best, rise, Coded(base_state * 3 + later_state, choices), measure)


@dataclass(frozen=True, eq=False)
class TierCodes:
    """Tier codes per patient (0 MaR … 3 NR, 4 not evaluable) and what decided them."""

    code: np.ndarray
    t_code: np.ndarray
    h_code: np.ndarray
    crit: np.ndarray
    show_h: np.ndarray


def tier_codes(tail: np.ndarray, red: np.ndarray, rise: np.ndarray, rules: GradingRules,
               new_need: np.ndarray | None = None) -> TierCodes:
    """Combine the transfusion and Hb criteria into tiers: the whole rule, without the text.

    ``tail`` is 0 untransfused in the window's last months, 1 transfused, 2 unknown; ``red`` the
    reduction (%); ``rise`` the Hb rise (g/L); ``new_need`` (optional) marks patients transfused in
    the last months after no transfusion in the 24 months before enrolment: their reduction is
    undefined, but their need rose, so the transfusion criterion gives NR. Cheap enough to call for
    every point of a sensitivity grid on a large cohort (``thaldash.grading.sensitivity``).
    """
    mode = rules.hb_criterion
    mir, slr, mar_hb, mir_hb = (rules.mir_reduction_pct, rules.slr_reduction_pct,
                                rules.mar_hb_rise_g_l, rules.mir_hb_rise_g_l)
    rose = np.zeros(len(tail), bool) if new_need is None else np.asarray(new_need, dtype=bool)
    with np.errstate(invalid="ignore"):  # NaN compares false, and NaN means not evaluable
        t_code = np.select([tail == 0, (tail == 1) & rose, (tail == 1) & (red >= mir - EPS),
                            (tail == 1) & (red >= slr - EPS), (tail == 1) & (red < slr - EPS)],
                           [0, 3, 1, 2, 3], NE)
        h_code = np.select([np.isnan(rise), rise >= mar_hb - EPS, rise >= mir_hb - EPS, rise > EPS],
                           [NE, 0, 1, 2], 3)
    t_crit = np.where(t_code == 0, 0, np.where(t_code == NE, 3, 1))
    if mode == "none":
        code, crit = t_code, t_crit
        show_h = np.zeros(len(tail), bool)
    elif mode == "untransfused":
        show_h = tail == 0
        code = np.where(show_h, h_code, t_code)
        crit = np.where(show_h, np.where(h_code == NE, 3, 2), t_crit)
    else:
        show_h = np.ones(len(tail), bool)
        best = np.minimum(t_code, h_code)  # not evaluable (4) loses to any tier
        # With one criterion missing only a MaR from the other decides: the missing one could be better.
        decided = ((t_code != NE) & (h_code != NE)) | (best == 0)
        code = np.where(decided, best, NE)
        crit = np.where(~decided, 3, np.where(t_code == code, t_crit, 2))  # ties go to transfusion
    return TierCodes(code, t_code, h_code, crit, show_h)


def grade_panel(panel: VisitPanel, rules: GradingRules = GradingRules(), *,
                include_withdrawn: bool = False) -> pd.DataFrame:
    """``grade`` on an already built panel (lets callers grade several scenarios on one pivot)."""
    if len(panel.patients) == 0:
        return pd.DataFrame({c: pd.Series(dtype=_EMPTY_DTYPES.get(c, "str")) for c in GRADE_COLUMNS})
    w, mode = rules.window_months, rules.hb_criterion
    a = transfusion_arrays(panel, window=w, free_months=rules.transfusion_free_months,
                           ti_min_visits=rules.ti_min_free_visits)
    hb = hb_arrays(panel, rules)
    tail, red, rise = a.transfused, a.reduction, hb.rise
    mir, slr, mar_hb, mir_hb = (rules.mir_reduction_pct, rules.slr_reduction_pct,
                                rules.mar_hb_rise_g_l, rules.mir_hb_rise_g_l)
    tiers = tier_codes(tail, red, rise, rules, a.new_need)
    code, t_code, h_code, crit, show_h = tiers.code, tiers.t_code, tiers.h_code, tiers.crit, tiers.show_h

    red_codes, red_texts = number_choices(red, lambda v: value_text(v, (mir, slr)))
    ti_codes, ti_texts = number_choices(a.ti_month, lambda v: "" if np.isnan(v) else f"{v:g}")
    rise_codes, rise_texts = number_choices(rise, lambda v: value_text(v, (mar_hb, mir_hb, 0.0)))
    t_why = select([tail == 2], [a.last_months_problem], a.reduction_problem)
    shown_t = (t_code >= 1) & (t_code <= 3)
    shown_h = show_h & (h_code <= 3)
    rose = shown_t & a.new_need
    parts = [code, t_code, np.where(show_h, h_code, 0), np.where(mode == "untransfused", tail, 0),
             np.where(shown_t & ~rose, red_codes, 0), np.where(shown_h, rise_codes, 0),
             np.where(t_code == NE, t_why.codes, 0), np.where(show_h & (h_code == NE), hb.why.codes, 0),
             rose.astype(np.int64), a.ti_status.codes, ti_codes]
    sentences = Sentences(rules, hb.measure, red_texts, rise_texts, t_why.choices, hb.why.choices,
                          a.ti_status.choices, ti_texts)
    trace = render_groups(parts, sentences.trace)

    pts = panel.patients
    withdrawn = (pts["withdrawn"].fillna(False).astype(bool).to_numpy()
                 if "withdrawn" in pts else np.zeros(len(pts), bool))
    out = pd.DataFrame({
        "patient_id": pts["patient_id"],
        "genotype": _genotype(pts),
        "thal_type": pts["thal_type"] if "thal_type" in pts else pd.Series(pd.NA, index=pts.index, dtype="str"),
        "tier": texts(code, TIER_ORDER),
        "evaluable": code != NE,
        "deciding_criterion": texts(crit, CRITERIA),
        "hb_baseline": hb.base,
        "hb_window_end": hb.end,
        "hb_rise": rise,
        "reduction_pct": red,
        "ti_month": a.ti_month,
        "rule_trace": trace.series(),
        "ti_status": a.ti_status.series(),
        "transfusion_tier": texts(t_code, TIER_ORDER),
        "hb_tier": texts(h_code, TIER_ORDER),
        "pre_rbc_units_24m": a.pre,
        "units_in_window": a.units_in_window,
        "expected_units_in_window": a.expected,
        "transfused_in_last_months": tristate(tail),
        "withdrawn": withdrawn,
    })
    if rules.hb_rise_measure == "best_within_window":
        out = out.assign(hb_best_in_window=hb.best)
    if "published_tier" in pts:
        out = out.assign(published_tier=pts["published_tier"].to_numpy())
    if not include_withdrawn:
        out = out[~withdrawn].reset_index(drop=True)
    return out


_EMPTY_DTYPES = {
    **dict.fromkeys(("hb_baseline", "hb_window_end", "hb_rise", "reduction_pct", "ti_month",
                     "pre_rbc_units_24m", "units_in_window", "expected_units_in_window"), "float64"),
    "evaluable": "bool", "withdrawn": "bool", "transfused_in_last_months": "boolean", "ti_status": "str",
}


def _genotype(patients: pd.DataFrame) -> pd.Series:
    """The patients' genotype labels (derived from the alleles when the frame has no genotype)."""
    if "genotype" in patients:
        return patients["genotype"]
    if {"allele_1", "allele_2"} <= set(patients.columns):
        return genotype_columns(patients)["genotype"]
    return pd.Series(pd.NA, index=patients.index, dtype="str")


def grade(visits: pd.DataFrame | Cohort, rules: GradingRules = GradingRules(), *,
          include_withdrawn: bool = False) -> pd.DataFrame:
    """Grade every analysed patient of ``visits`` under ``rules``.

    Parameters
    ----------
    visits
        Long visits frame (or a ``Cohort``, whose ``visits`` are used).
    rules
        Grading rules; the default reproduces the paper as applied.
    include_withdrawn
        Grade withdrawn patients too (excluded by default, as in the paper's 48 analysed).

    Returns
    -------
    One row per patient, sorted by ``patient_id``:

    - ``patient_id``, ``genotype``, ``thal_type``
    - ``tier``: MaR, MiR, SLR, NR or "not evaluable" (a deciding value is missing; never NR)
    - ``evaluable``: bool
    - ``deciding_criterion``: "transfusion-free", "transfusion reduction", "Hb rise" or "missing data"
    - ``hb_baseline``, ``hb_window_end``: Hb (g/L) at months 0 and W; ``hb_rise`` (g/L) per
      ``rules.hb_rise_measure`` (``hb_best_in_window`` is added with "best_within_window")
    - ``reduction_pct``: transfusion reduction over the window (%), NaN when undefined
    - ``ti_month``: transfusion-independence month (see ``thaldash.grading.transfusion``); empty
      for a patient never transfused, whose ``ti_status`` says "never transfused"
    - ``ti_status``: "independent", "never transfused", "still transfused at the last visit" or
      "not evaluable: …" (``transfusion.transfusion_facts``)
    - ``rule_trace``: the tier and why, then the transfusion independence under
      ``rules.ti_min_free_visits`` ("SLR: still transfused in months 3–6; reduction 31.0% is within
      25–50%. Transfusion independence: from month 12 (≥ 1 later visit without transfusion)")
    - ``transfusion_tier``, ``hb_tier``: what each criterion alone gives
    - ``pre_rbc_units_24m``, ``units_in_window``, ``expected_units_in_window``,
      ``transfused_in_last_months`` (boolean, ``<NA>`` when unknown), ``withdrawn``
    - ``published_tier`` when the visits carry it
    """
    if isinstance(visits, Cohort):
        visits = visits.visits if include_withdrawn else visits.analysed
    return grade_panel(visit_panel(visits), rules, include_withdrawn=include_withdrawn)
