"""Grading rules as frozen settings, their controls as data, and the named scenarios.

``GradingRules()`` reproduces the paper *as applied* (see ``AUDIT.md``, "The grading rule
actually applied"): untransfused patients are MaR, still-transfused patients are graded by the
reduction of transfusion volume alone. The other scenarios show what the printed criteria, or a
stricter clinical reading, would have given.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from thaldash.grading.transfusion import tail_start

HbMeasure = Literal["window_end", "best_within_window"]
HbCriterion = Literal["none", "untransfused", "everyone"]

WINDOWS: tuple[int, ...] = (3, 6, 12)
HB_MEASURES: tuple[str, ...] = ("window_end", "best_within_window")
HB_CRITERIA: tuple[str, ...] = ("none", "untransfused", "everyone")


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
    RuleField("ti_min_free_visits", "Transfusion independence: transfusion-free visits needed", "visits",
              "A patient is transfusion-independent from the month of the last transfusion (month 1 when "
              "none after baseline) once at least this many later visits are recorded, all without "
              "transfusion (the paper: 1, one later visit; 2 asks that independence last a visit longer). "
              "Dates the independence month (Table 1, the transfusion-free count); the tiers do not use it.",
              "int", 1, minimum=1, maximum=6, step=1),
)
FIELDS_BY_NAME: dict[str, RuleField] = {f.name: f for f in RULE_FIELDS}


def _number_text(value: float) -> str:
    """Shortest text that reads back as the same float ("50" rather than "50.0")."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


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
                f"slr_reduction_pct ({_number_text(self.slr_reduction_pct)} %) must not exceed "
                f"mir_reduction_pct ({_number_text(self.mir_reduction_pct)} %).")
        if self.mir_hb_rise_g_l > self.mar_hb_rise_g_l:
            raise ValueError(
                f"mir_hb_rise_g_l ({_number_text(self.mir_hb_rise_g_l)} g/L) must not exceed "
                f"mar_hb_rise_g_l ({_number_text(self.mar_hb_rise_g_l)} g/L).")

    @property
    def free_span(self) -> tuple[int, int]:
        """(first, last) month of the transfusion-free check, whole visit intervals (``tail_start``)."""
        return tail_start(self.window_months, self.transfusion_free_months), self.window_months

    def to_params(self) -> dict[str, str]:
        """Every rule as text, for a URL query string; ``from_params`` reads it back exactly."""
        out = {}
        for spec in RULE_FIELDS:
            value = getattr(self, spec.name)
            out[spec.name] = _number_text(value) if spec.kind == "float" else str(value)
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
    return f"a number from {_number_text(spec.minimum)} to {_number_text(spec.maximum)}"


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


SCENARIOS: dict[str, GradingRules] = {
    "Paper, as applied": GradingRules(),
    "Paper, as printed": GradingRules(hb_criterion="everyone", mar_hb_rise_g_l=2.0, mir_hb_rise_g_l=1.0),
    "Paper criteria read as g/dL": GradingRules(hb_criterion="everyone", mar_hb_rise_g_l=20.0,
                                                mir_hb_rise_g_l=10.0),
    "Strict clinical": GradingRules(transfusion_free_months=6, hb_criterion="untransfused",
                                    mar_hb_rise_g_l=20.0, mir_hb_rise_g_l=10.0),
}
DEFAULT_SCENARIO = "Paper, as applied"

SCENARIO_DESCRIPTIONS: dict[str, str] = {
    "Paper, as applied": (
        "The rule that reproduces Table 3 and the text (35 MaR, 0 MiR, 9 SLR, 4 NR; ORR 91.7 %): "
        "no transfusion in months 3–6 → MaR (so every NTDT patient is MaR); still-transfused patients by "
        "transfusion reduction over months 1–6: ≥ 50 % MiR, 25–50 % SLR, < 25 % NR. Hb is not used."),
    "Paper, as printed": (
        "The Methods' criteria read literally, in g/L: MaR if Hb rises ≥ 2.0 g/L or no transfusion is "
        "needed; MiR if Hb rises 1.0–2.0 g/L or transfusion volume falls ≥ 50 %; SLR if it falls 25–50 %; "
        "NR below 25 %. The better of the Hb and transfusion tiers counts. The printed SLR and NR share "
        "one Hb criterion (< 1.0 g/L), so Hb alone gives SLR for any rise above 0 and NR otherwise. A "
        "2 g/L rise is within measurement noise, so almost everyone becomes MaR; this does not reproduce "
        "Table 3."),
    "Paper criteria read as g/dL": (
        "The printed criteria with the Hb thresholds read as g/dL (2.0 g/dL = 20 g/L, 1.0 g/dL = 10 g/L), "
        "the better of the Hb and transfusion tiers counting. Still-transfused patients with a large Hb "
        "rise move up; this does not reproduce Table 3 either."),
    "Strict clinical": (
        "MaR by transfusion needs no transfusion during the whole 6-month window (months 0–6), so a "
        "patient who stopped at month 3 is graded by the reduction, like any still-transfused patient: "
        "stopping late is a partial response over the window. Untransfused patients (all NTDT, who "
        "never needed transfusion, so being transfusion-free says nothing about the drug) are graded by "
        "Hb rise at month 6: ≥ 20 g/L MaR, ≥ 10 g/L MiR (the 1 g/dL rise commonly used as the response "
        "threshold in NTDT), any rise above 0 SLR, no rise NR."),
}


def scenario_slug(name: str) -> str:
    """A command-line friendly form of a scenario name: "Paper, as applied" → "paper-as-applied"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def find_scenario(name: str) -> tuple[str, GradingRules]:
    """The scenario called ``name`` (its name or slug, any case) as (canonical name, rules).

    Raises
    ------
    ValueError
        Naming the allowed scenarios when ``name`` matches none.
    """
    wanted = scenario_slug(name)
    for known, rules in SCENARIOS.items():
        if scenario_slug(known) == wanted:
            return known, rules
    allowed = ", ".join(scenario_slug(k) for k in SCENARIOS)
    raise ValueError(f"Unknown scenario {name!r}; the scenarios are {allowed}.")


def scenario_name(rules: GradingRules) -> str | None:
    """The name of the scenario whose rules equal ``rules``, or None for user-defined rules."""
    return next((name for name, known in SCENARIOS.items() if known == rules), None)


def rules_text(rules: GradingRules) -> str:
    """Rules as compact text for a URL: the window, then every rule that differs from the paper's.

    "window_months:6" is the paper's rules; ``rules_from_text`` reads any of these back exactly.
    """
    paper, mine = GradingRules().to_params(), rules.to_params()
    return ",".join(f"{name}:{text}" for name, text in mine.items()
                    if name == "window_months" or text != paper[name])


def rules_from_text(text: str) -> GradingRules:
    """``rules_text`` read back (missing rules keep the paper's values).

    Raises
    ------
    ValueError
        A sentence naming the part that is not ``name:value``, the unknown rule, or the value refused.
    """
    params: dict[str, str] = {}
    for part in (p for p in text.split(",") if p.strip()):
        name, colon, value = part.partition(":")
        if not colon:
            raise ValueError(f"{part.strip()!r} is not a rule written as name:value.")
        params[name.strip()] = value.strip()
    if not params:
        raise ValueError("no rules given.")
    return GradingRules.from_params(params)


def differences(rules: GradingRules, base: GradingRules = GradingRules()) -> str:
    """The rules that differ from ``base``, readable ("MiR: transfusion reduction at least 40 %"); "" when none."""
    mine, theirs = rules.to_params(), base.to_params()
    parts = []
    for spec in RULE_FIELDS:
        if mine[spec.name] == theirs[spec.name]:
            continue
        value = getattr(rules, spec.name)
        if spec.choices and spec.choice_labels:
            shown = dict(zip(spec.choices, spec.choice_labels))[value]
        else:
            shown = f"{mine[spec.name]} {spec.unit}".strip()
        parts.append(f"{spec.label} {shown}" if not spec.choice_labels else f"{spec.label}: {shown}")
    return "; ".join(parts)
