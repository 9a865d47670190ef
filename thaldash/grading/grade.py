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

``ntdt_endpoint`` then overrides the tier of NTDT patients: "hb_rise" grades them by the Hb rise
alone, "hb_rise_sustained" by the smallest rise at any visit from the window's end to month 24
(every study visit of that span needed), with the same Hb thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.data.alleles import genotype_columns
from thaldash.data.coded_text import number_choices, render_groups, select, texts
from thaldash.data.cohort import Cohort
from thaldash.data.schema import TIER_ORDER
from thaldash.grading.hb import hb_arrays
from thaldash.grading.rules import GradingRules
from thaldash.grading.trace import NE, Sentences, value_text
from thaldash.grading.transfusion import EPS, transfusion_arrays, tristate
from thaldash.grading.panel import VisitPanel, cohort_panel, visit_panel

__all__ = ["grade", "grade_panel", "hb_arrays", "tier_codes", "TierCodes"]

CRITERIA: tuple[str, ...] = ("transfusion-free", "transfusion reduction", "Hb rise", "missing data")

GRADE_COLUMNS: tuple[str, ...] = (
    "patient_id", "genotype", "thal_type", "tier", "evaluable", "deciding_criterion", "hb_baseline",
    "hb_window_end", "hb_rise", "reduction_pct", "ti_month", "rule_trace", "ti_status", "transfusion_tier",
    "hb_tier", "pre_rbc_units_24m", "units_in_window", "expected_units_in_window", "transfused_in_last_months",
    "withdrawn")


@dataclass(frozen=True, eq=False)
class TierCodes:
    """Tier codes per patient (0 MaR … 3 NR, 4 not evaluable) and what decided them."""

    code: np.ndarray
    t_code: np.ndarray
    h_code: np.ndarray
    crit: np.ndarray
    show_h: np.ndarray
    ntdt_rule: np.ndarray  # 0: graded as above; 1: NTDT by Hb rise; 2: NTDT by sustained Hb rise


def _hb_code(rise: np.ndarray, rules: GradingRules) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # NaN compares false, and NaN means not evaluable
        return np.select([np.isnan(rise), rise >= rules.mar_hb_rise_g_l - EPS, rise >= rules.mir_hb_rise_g_l - EPS,
                          rise > EPS], [NE, 0, 1, 2], 3)


def tier_codes(tail: np.ndarray, red: np.ndarray, rise: np.ndarray, rules: GradingRules,
               new_need: np.ndarray | None = None, *, ntdt: np.ndarray | None = None,
               sustained: np.ndarray | None = None) -> TierCodes:
    """Combine the transfusion and Hb criteria into tiers: the whole rule, without the text.

    ``tail`` is 0 untransfused in the window's last months, 1 transfused, 2 unknown; ``red`` the
    reduction (%); ``rise`` the Hb rise (g/L); ``new_need`` (optional) marks patients transfused in
    the last months after no transfusion in the 24 months before enrolment: their reduction is
    undefined, but their need rose, so the transfusion criterion gives NR; ``ntdt`` marks NTDT patients and ``sustained`` is
    their sustained rise (``hb_arrays``), both needed when ``rules.ntdt_endpoint`` is not
    "transfusion". Cheap enough to call for every point of a sensitivity grid on a large cohort
    (``thaldash.grading.sensitivity``).
    """
    mode = rules.hb_criterion
    mir, slr = rules.mir_reduction_pct, rules.slr_reduction_pct
    rose = np.zeros(len(tail), bool) if new_need is None else np.asarray(new_need, dtype=bool)
    with np.errstate(invalid="ignore"):  # NaN compares false, and NaN means not evaluable
        t_code = np.select([tail == 0, (tail == 1) & rose, (tail == 1) & (red >= mir - EPS),
                            (tail == 1) & (red >= slr - EPS), (tail == 1) & (red < slr - EPS)],
                           [0, 3, 1, 2, 3], NE)
    h_code = _hb_code(rise, rules)
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
    ntdt_rule = np.zeros(len(tail), dtype=np.int64)
    if rules.ntdt_endpoint != "transfusion":
        if ntdt is None or (rules.ntdt_endpoint == "hb_rise_sustained" and sustained is None):
            raise ValueError(f"ntdt_endpoint={rules.ntdt_endpoint!r} needs the NTDT patients (ntdt) "
                             "and, when sustained, their sustained Hb rise")
        sustained_rule = rules.ntdt_endpoint == "hb_rise_sustained"
        n_code = _hb_code(sustained, rules) if sustained_rule else h_code
        ntdt_rule = np.where(ntdt, 2 if sustained_rule else 1, 0)
        code = np.where(ntdt, n_code, code)
        crit = np.where(ntdt, np.where(n_code == NE, 3, 2), crit)
        h_code = np.where(ntdt, n_code, h_code)
        show_h = show_h | ntdt
    return TierCodes(code, t_code, h_code, crit, show_h, ntdt_rule)


def grade_panel(panel: VisitPanel, rules: GradingRules = GradingRules(), *,
                include_withdrawn: bool = False) -> pd.DataFrame:
    """``grade`` on an already built panel (lets callers grade several scenarios on one pivot)."""
    if len(panel.patients) == 0:
        optional = [c for c, wanted in (("hb_best_in_window", rules.hb_rise_measure == "best_within_window"),
                                        ("hb_rise_sustained", rules.ntdt_endpoint == "hb_rise_sustained")) if wanted]
        return pd.DataFrame({c: pd.Series(dtype=_EMPTY_DTYPES.get(c, "float64" if c in optional else "str"))
                             for c in (*GRADE_COLUMNS, *optional)})
    w, mode = rules.window_months, rules.hb_criterion
    a = transfusion_arrays(panel, window=w, free_months=rules.transfusion_free_months,
                           ti_min_visits=rules.ti_min_free_visits)
    hb = hb_arrays(panel, rules)
    tail, red, rise = a.transfused, a.reduction, hb.rise
    mir, slr, mar_hb, mir_hb = (rules.mir_reduction_pct, rules.slr_reduction_pct,
                                rules.mar_hb_rise_g_l, rules.mir_hb_rise_g_l)
    pts = panel.patients
    ntdt = (pts["thal_type"] == "NTDT").to_numpy(dtype=bool, na_value=False) if "thal_type" in pts \
        else np.zeros(len(pts), bool)
    tiers = tier_codes(tail, red, rise, rules, a.new_need, ntdt=ntdt, sustained=hb.sustained)
    code, t_code, h_code, crit, show_h = tiers.code, tiers.t_code, tiers.h_code, tiers.crit, tiers.show_h
    by_sustained = tiers.ntdt_rule == 2

    red_codes, red_texts = number_choices(red, lambda v: value_text(v, (mir, slr)))
    ti_codes, ti_texts = number_choices(a.ti_month, lambda v: "" if np.isnan(v) else f"{v:g}")
    rise_codes, rise_texts = number_choices(np.where(by_sustained, hb.sustained, rise),
                                            lambda v: value_text(v, (mar_hb, mir_hb, 0.0)))
    t_why = select([tail == 2], [a.last_months_problem], a.reduction_problem)
    h_why = select([by_sustained], [hb.sustained_why], hb.why)
    shown_t = (t_code >= 1) & (t_code <= 3)
    shown_h = show_h & (h_code <= 3)
    rose = shown_t & a.new_need
    parts = [code, t_code, np.where(show_h, h_code, 0), np.where(mode == "untransfused", tail, 0),
             np.where(shown_t & ~rose, red_codes, 0), np.where(shown_h, rise_codes, 0),
             np.where(t_code == NE, t_why.codes, 0), np.where(show_h & (h_code == NE), h_why.codes, 0),
             tiers.ntdt_rule, rose.astype(np.int64), a.ti_status.codes, ti_codes]
    sentences = Sentences(rules, hb.measure, red_texts, rise_texts, t_why.choices, h_why.choices,
                          a.ti_status.choices, ti_texts, sustained_measure=hb.sustained_measure)
    trace = render_groups(parts, sentences.trace)

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
    if rules.ntdt_endpoint == "hb_rise_sustained":
        out = out.assign(hb_rise_sustained=hb.sustained)
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
    - ``hb_rise_sustained`` (g/L) with ``ntdt_endpoint="hb_rise_sustained"``: the smallest Hb rise
      at the study visits from the window's end to month 24 (NaN when one of them is missing)
    - ``published_tier`` when the visits carry it
    """
    if isinstance(visits, Cohort):
        return grade_panel(cohort_panel(visits, include_withdrawn=include_withdrawn), rules,
                           include_withdrawn=include_withdrawn)
    return grade_panel(visit_panel(visits), rules, include_withdrawn=include_withdrawn)


def sustained_rise(cohort: Cohort, rules: GradingRules = GradingRules()) -> np.ndarray:
    """The ``hb_rise_sustained`` column of ``grade(cohort, replace(rules, ntdt_endpoint="hb_rise_sustained"))``
    (analysed patients, in its row order), without the rest of a grading.

    A whole grading renders every patient's rule trace as text: at a million patients that is a few
    hundred MiB for one column of floats.
    """
    panel = cohort_panel(cohort, measures=("hb_g_l",))  # Hb only: the units panel would be 56 MiB more, unread
    pts = panel.patients
    withdrawn = (pts["withdrawn"].fillna(False).astype(bool).to_numpy()
                 if "withdrawn" in pts else np.zeros(len(pts), bool))
    sustained = np.asarray(hb_arrays(panel, rules).sustained, dtype=float)
    return sustained[~withdrawn] if len(pts) else np.zeros(0)
