"""Grading rules as frozen settings and their controls as data (the named scenarios: ``scenarios``).

``GradingRules()`` reproduces the paper *as applied* (see ``AUDIT.md``, "The grading rule
actually applied"): untransfused patients are MaR, still-transfused patients are graded by the
reduction of transfusion volume alone. The other scenarios show what the printed criteria, or a
stricter clinical reading, would have given.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

import numpy as np

from thaldash.text import number_text
from thaldash.data.schema import STUDY_MONTHS

HbMeasure = Literal["window_end", "best_within_window"]
HbCriterion = Literal["none", "untransfused", "everyone"]
NtdtEndpoint = Literal["transfusion", "hb_rise", "hb_rise_sustained"]

def tail_start(window_months: int, free_months: int) -> int:
    """First month of the transfusion-free check: the last study visit at or before ``W − F``.

    ``rbc_units`` counts units since the previous visit, so only whole visit intervals can be
    checked: with the study schedule, 3 free months of a 12-month window means the month-12 visit,
    which covers months 6–12.
    """
    return max((m for m in STUDY_MONTHS if m <= window_months - free_months), default=0)


WINDOWS: tuple[int, ...] = (3, 6, 12)
HB_MEASURES: tuple[str, ...] = ("window_end", "best_within_window")
HB_CRITERIA: tuple[str, ...] = ("none", "untransfused", "everyone")
NTDT_ENDPOINTS: tuple[str, ...] = ("transfusion", "hb_rise", "hb_rise_sustained")
SUSTAINED_TO_MONTH = 24
"""The last visit an NTDT Hb rise must hold to under ``ntdt_endpoint="hb_rise_sustained"``."""


@dataclass(frozen=True)
class RuleField:
    """One grading rule described as data, so a page or a CLI can build its control from it."""

    name: str
    label: str
    unit: str
    help: str
    kind: Literal["int", "float", "choice"]
    default: int | float | str
    choices: tuple[int | str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None


RULE_FIELDS: tuple[RuleField, ...] = (
    RuleField("window_months", "Observation window", "months",
              "Months of treatment after which the response is graded (the paper: 6).",
              "int", 6, choices=WINDOWS),
    RuleField("transfusion_free_months", "Transfusion-free period", "months",
              "A patient with no transfusion in this many months before the window's end counts as "
              "untransfused (the paper as applied: 3, i.e. months 3–6). Rounded up to whole visit "
              "intervals, because rbc_units counts units since the previous visit (3 months of a "
              "12-month window checks the month-12 visit, which covers months 6–12).",
              "int", 3, minimum=1, maximum=12, step=1),
    RuleField("mir_reduction_pct", "MiR: transfusion reduction at least", "%",
              "A still-transfused patient whose transfusion volume fell by at least this much is MiR.",
              "float", 50.0, minimum=0, maximum=100, step=1),
    RuleField("slr_reduction_pct", "SLR: transfusion reduction at least", "%",
              "A still-transfused patient with a reduction from this value up to the MiR threshold is "
              "SLR; below it, NR.", "float", 25.0, minimum=0, maximum=100, step=1),
    RuleField("mar_hb_rise_g_l", "MaR: Hb rise at least", "g/L",
              "Hb rise that makes a patient MaR when the Hb criterion is used.",
              "float", 20.0, minimum=0, maximum=100, step=0.5),
    RuleField("mir_hb_rise_g_l", "MiR: Hb rise at least", "g/L",
              "Hb rise that makes a patient MiR when the Hb criterion is used; any smaller rise above 0 "
              "is SLR, no rise is NR.", "float", 10.0, minimum=0, maximum=100, step=0.5),
    RuleField("hb_rise_measure", "Hb rise measured as", "",
              "Hb at the window's end, or the best Hb at any visit after baseline up to the window's "
              "end, minus baseline Hb.", "choice", "window_end", choices=HB_MEASURES,
              choice_labels=("At the window's end", "Best value within the window")),
    RuleField("hb_criterion", "Use the Hb criterion", "",
              "none: transfusion only (the paper as applied). untransfused: untransfused patients are "
              "graded by Hb rise instead of automatically MaR. everyone: each patient gets the better of "
              "the Hb tier and the transfusion tier (the printed criteria).", "choice", "none",
              choices=HB_CRITERIA,
              choice_labels=("Not used (the paper as applied)", "For untransfused patients",
                             "For everyone (the better tier counts)")),
    RuleField("ntdt_endpoint", "NTDT graded by", "",
              "NTDT patients were never transfused, so being transfusion-free says nothing about the drug. "
              "transfusion: transfusion-free, so MaR (the paper as applied). hb_rise: by the Hb rise over the "
              "window (measured as set above): at least the MaR Hb rise MaR, at least the MiR Hb rise MiR, any "
              "rise SLR, none NR, whatever the Hb criterion says for TDT patients. hb_rise_sustained: the same "
              f"thresholds on the smallest rise at any visit from the window's end to month {SUSTAINED_TO_MONTH}, "
              "so the rise must last; a missing visit in that span makes the patient not evaluable.",
              "choice", "transfusion", choices=NTDT_ENDPOINTS,
              choice_labels=("Transfusion-free, so MaR (the paper as applied)", "Hb rise over the window",
                             f"Hb rise sustained to month {SUSTAINED_TO_MONTH}")),
    RuleField("ti_min_free_visits", "Transfusion independence: transfusion-free visits needed", "visits",
              "A patient is transfusion-independent from the month of the last transfusion (month 1 when "
              "none after baseline) once at least this many later visits are recorded, all without "
              "transfusion (the paper: 1, one later visit; 2 asks that independence last a visit longer). "
              "Dates the independence month (Table 1, the transfusion-free count); the tiers do not use it.",
              "int", 1, minimum=1, maximum=6, step=1),
)
FIELDS_BY_NAME: dict[str, RuleField] = {f.name: f for f in RULE_FIELDS}


@dataclass(frozen=True)
class GradingRules:
    """How response tiers are assigned; the defaults reproduce the paper as applied.

    Raises
    ------
    ValueError
        On construction with a value outside what ``RULE_FIELDS`` allows, or thresholds in the
        wrong order (an SLR threshold above the MiR one, a MiR Hb rise above the MaR one).
    """

    window_months: int = 6
    transfusion_free_months: int = 3
    mir_reduction_pct: float = 50.0
    slr_reduction_pct: float = 25.0
    mar_hb_rise_g_l: float = 20.0
    mir_hb_rise_g_l: float = 10.0
    hb_rise_measure: HbMeasure = "window_end"
    hb_criterion: HbCriterion = "none"
    ntdt_endpoint: NtdtEndpoint = "transfusion"
    ti_min_free_visits: int = 1

    def __post_init__(self) -> None:
        for spec in RULE_FIELDS:
            object.__setattr__(self, spec.name, _checked(spec, getattr(self, spec.name)))
        if self.transfusion_free_months > self.window_months:
            raise ValueError(
                f"transfusion_free_months ({self.transfusion_free_months}) must not exceed window_months "
                f"({self.window_months}).")
        if self.slr_reduction_pct > self.mir_reduction_pct:
            raise ValueError(
                f"slr_reduction_pct ({number_text(self.slr_reduction_pct)} %) must not exceed "
                f"mir_reduction_pct ({number_text(self.mir_reduction_pct)} %).")
        if self.mir_hb_rise_g_l > self.mar_hb_rise_g_l:
            raise ValueError(
                f"mir_hb_rise_g_l ({number_text(self.mir_hb_rise_g_l)} g/L) must not exceed "
                f"mar_hb_rise_g_l ({number_text(self.mar_hb_rise_g_l)} g/L).")

    @property
    def free_span(self) -> tuple[int, int]:
        """(first, last) month of the transfusion-free check, whole visit intervals (``tail_start``)."""
        return tail_start(self.window_months, self.transfusion_free_months), self.window_months

    def to_params(self) -> dict[str, str]:
        """Every rule as text, for a URL query string; ``from_params`` reads it back exactly."""
        out = {}
        for spec in RULE_FIELDS:
            value = getattr(self, spec.name)
            out[spec.name] = number_text(value) if spec.kind == "float" else str(value)
        return out

    @classmethod
    def from_params(cls, params: dict[str, str], *, ignore_unknown: bool = False) -> GradingRules:
        """Rules from text values (missing names keep their defaults).

        Raises
        ------
        ValueError
            A sentence naming the rule, the allowed values and the value given; unknown names are
            an error unless ``ignore_unknown``.
        """
        unknown = sorted(set(params) - set(FIELDS_BY_NAME))
        if unknown and not ignore_unknown:
            raise ValueError(f"Unknown grading rule {unknown[0]!r}; the rules are "
                             f"{', '.join(FIELDS_BY_NAME)}.")
        values = {name: _parse(FIELDS_BY_NAME[name], text)
                  for name, text in params.items() if name in FIELDS_BY_NAME}
        return cls(**values)

    def describe(self) -> str:
        """The rules as one readable line, for captions and report footers."""
        return "; ".join(f"{name}={text}" for name, text in self.to_params().items())


def _allowed_text(spec: RuleField) -> str:
    if spec.choices:
        return "one of " + ", ".join(map(str, spec.choices))
    return f"a number from {number_text(spec.minimum)} to {number_text(spec.maximum)}"


def _parse(spec: RuleField, text: object) -> int | float | str:
    """Text (from a URL or ``--set``) to the field's type; validation happens in ``_checked``."""
    raw = str(text).strip()
    if spec.kind == "choice":
        return raw
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(f"{spec.name} ({spec.label.lower()}, {spec.unit}) must be {_allowed_text(spec)}; "
                         f"got {raw!r}.") from None
    return int(number) if spec.kind == "int" and number.is_integer() else number


def _checked(spec: RuleField, value: object) -> int | float | str:
    """``value`` coerced to the field's type, or a ValueError naming the rule and what it accepts."""
    unit = f", {spec.unit}" if spec.unit else ""
    problem = f"{spec.name} ({spec.label.lower()}{unit}) must be {_allowed_text(spec)}; got {value!r}."
    if spec.kind == "choice":
        if not isinstance(value, str) or value not in spec.choices:
            raise ValueError(problem)
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(problem)
    if spec.kind == "int":
        if not float(value).is_integer():
            raise ValueError(problem)
        value = int(value)
        if spec.choices and value not in spec.choices:
            raise ValueError(problem)
    else:
        value = float(value)
    if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
        raise ValueError(problem)
    return value
