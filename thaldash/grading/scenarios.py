"""The named grading scenarios, and grading rules as text (a URL's parameters, a compact pin).

``GradingRules()`` is "Paper, as applied"; the others show what the printed criteria, or a stricter
clinical reading, would have given.
"""

from __future__ import annotations

import re

from thaldash.grading.rules import FIELDS_BY_NAME, RULE_FIELDS, GradingRules


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


# Grading rules in the URL -----------------------------------------------------------------------------

def rules_from_params(params: dict[str, str]) -> tuple[str, GradingRules, list[str]]:
    """(scenario name, rules, warnings) from URL params: a scenario slug plus changed thresholds."""
    warnings: list[str] = []
    name, base = DEFAULT_SCENARIO, SCENARIOS[DEFAULT_SCENARIO]
    if params.get("scenario"):
        try:
            name, base = find_scenario(params["scenario"])
        except ValueError as exc:
            warnings.append(f"{exc} Using {DEFAULT_SCENARIO}.")
    changes = {k: v for k, v in params.items() if k in FIELDS_BY_NAME}
    if not changes:
        return name, base, warnings
    try:
        return name, GradingRules.from_params(base.to_params() | changes), warnings
    except ValueError as exc:
        warnings.append(f"{exc} The thresholds of {name} are used instead.")
        return name, base, warnings


def rules_to_params(name: str, rules: GradingRules) -> dict[str, str]:
    """The scenario's slug (unless the default) and every threshold that differs from it."""
    out = {} if name == DEFAULT_SCENARIO else {"scenario": scenario_slug(name)}
    base = SCENARIOS[name].to_params()
    return out | {k: v for k, v in rules.to_params().items() if base[k] != v}
