"""The rule trace: one readable sentence per patient saying which rule gave the tier and why.

Sentences are written once per distinct combination of tiers, values and reasons
(``coded_text.render_groups``), never once per patient.
"""

from __future__ import annotations

import numpy as np

from thaldash.grading.rules import GradingRules
from thaldash.data.schema import TIER_ORDER
from thaldash.grading.transfusion import EPS

NE = 4  # tier code of "not evaluable"; 0–3 are MaR, MiR, SLR, NR


def _num(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def value_text(value: float, thresholds: tuple[float, ...] = ()) -> str:
    """``value`` with one decimal ("" for NaN), or as many more as it takes not to print a
    threshold the value does not reach (49.99 must not read "50.0")."""
    if np.isnan(value):
        return ""
    for decimals in range(1, 13):
        text = f"{value:.{decimals}f}"
        if not any(abs(float(text) - t) < EPS < abs(value - t) for t in thresholds):
            break
    return text[1:] if text.startswith("-") and float(text) == 0 else text


class Sentences:
    """The rule trace, written once per distinct combination of tiers, values and reasons."""

    def __init__(self, rules: GradingRules, measure: str, reductions: list[str], rises: list[str],
                 t_reasons: tuple[str, ...], h_reasons: tuple[str, ...],
                 ti_statuses: tuple[str, ...] = (), ti_months: list[str] | tuple[str, ...] = (), *,
                 sustained_measure: str = "") -> None:
        self.mode = rules.hb_criterion
        self.span = "months {}–{}".format(*rules.free_span)
        self.free = f"no transfusion in {self.span}"
        self.still = f"still transfused in {self.span}; reduction "
        self.rose = (f"transfused in {self.span} after none in the 24 months before enrolment "
                     "(pre_rbc_units_24m = 0): the need for transfusion rose, so no response")
        mir, slr = _num(rules.mir_reduction_pct), _num(rules.slr_reduction_pct)
        self.t_compare = (f"% is ≥ {mir}%", f"% is within {slr}–{mir}%", f"% is < {slr}%")
        mar_h, mir_h = _num(rules.mar_hb_rise_g_l), _num(rules.mir_hb_rise_g_l)
        compare = (f"is ≥ {mar_h} g/L", f"is within {mir_h}–{mar_h} g/L", f"is above 0 but < {mir_h} g/L",
                   "is not above 0")
        self.h_compare = tuple(f" g/L ({measure}) {c}" for c in compare)
        self.s_compare = tuple(f" g/L ({sustained_measure}) {c}" for c in compare)
        self.reductions, self.rises = reductions, rises
        self.t_reasons, self.h_reasons = t_reasons, h_reasons
        self.ti_statuses, self.ti_months = ti_statuses, ti_months
        k = rules.ti_min_free_visits
        self.ti_rule = f"≥ {k} later visit{'s' if k > 1 else ''} without transfusion"

    def independence(self, status: int, month: int) -> str:
        """The transfusion-independence clause: the month and the rule, or why there is none."""
        if not self.ti_statuses:
            return ""
        text = self.ti_statuses[status]
        if text == "independent":
            text = f"from month {self.ti_months[month]} ({self.ti_rule})"
        return f". Transfusion independence: {text}"

    def transfusion(self, t: int, r: int, why: int, rose: int = 0) -> str:
        if t == 0:
            return self.free
        if t == NE:
            return self.t_reasons[why]
        if rose:
            return self.rose
        return self.still + self.reductions[r] + self.t_compare[t - 1]

    def hb(self, h: int, x: int, why: int, sustained: bool = False) -> str:
        if h == NE:
            return self.h_reasons[why]
        return "Hb rise " + self.rises[x] + (self.s_compare if sustained else self.h_compare)[h]

    def trace(self, code: int, t: int, h: int, tail: int, r: int, x: int, t_why: int, h_why: int,
              ntdt: int = 0, rose: int = 0, ti: int = 0, ti_month: int = 0) -> str:
        return self.tier(code, t, h, tail, r, x, t_why, h_why, ntdt, rose) + self.independence(ti, ti_month)

    def tier(self, code: int, t: int, h: int, tail: int, r: int, x: int, t_why: int, h_why: int,
             ntdt: int = 0, rose: int = 0) -> str:
        """The tier and the rule that gave it."""
        tier = TIER_ORDER[code]
        if ntdt:  # ntdt_endpoint: NTDT graded by Hb alone
            how = "sustained Hb rise" if ntdt == 2 else "Hb rise"
            return f"{tier}: NTDT, graded by {how}: {self.hb(h, x, h_why, sustained=ntdt == 2)}"
        mode = self.mode
        if mode == "none" or (mode == "untransfused" and tail != 0):
            return f"{tier}: {self.transfusion(t, r, t_why, rose)}"
        h_text = self.hb(h, x, h_why)
        if mode == "untransfused":
            return f"{tier}: {self.free}, {'so graded by Hb:' if h != NE else 'but'} {h_text}"
        t_text = self.transfusion(t, r, t_why, rose)
        if code == NE:
            if t != NE:
                return (f"{tier}: {h_text}; the transfusion criterion alone gives {TIER_ORDER[t]}, "
                        "which the Hb criterion could improve")
            if h != NE:
                return (f"{tier}: {t_text}; the Hb criterion alone gives {TIER_ORDER[h]}, "
                        "which the transfusion criterion could improve")
            return f"{tier}: transfusion criterion: {t_text}; Hb criterion: {h_text}"
        if t == code:
            other = f"the Hb criterion gives {TIER_ORDER[h]}: " if h != NE else "the Hb criterion is not evaluable: "
            return f"{tier}: {t_text} ({other}{h_text})"
        other = (f"the transfusion criterion gives {TIER_ORDER[t]}: " if t != NE
                 else "the transfusion criterion is not evaluable: ")
        return f"{tier}: {h_text} ({other}{t_text})"
