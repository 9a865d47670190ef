"""The reference of the What-if page: the rules the app's grading is compared with.

A named scenario (by its slug, as the URL writes it) or rules pinned by the user (``reference="pinned"``,
the rules in the ``pinned`` param as ``grading.rules.rules_text``, so a link keeps them).
"""

from __future__ import annotations

from dataclasses import dataclass

from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import (DEFAULT_SCENARIO, SCENARIOS, differences, find_scenario, rules_from_text,
                                        scenario_slug)

PINNED, PINNED_NAME = "pinned", "Pinned rules"
SLUGS: dict[str, str] = {scenario_slug(name): name for name in SCENARIOS}
"""Reference choices: scenario slug → name (plus ``PINNED`` when the link holds readable pinned rules)."""
DEFAULT_REFERENCE = scenario_slug(DEFAULT_SCENARIO)


@dataclass(frozen=True)
class Reference:
    """The rules the what-if rules are compared with: ``slug`` (a scenario's, or ``PINNED``), its name
    and rules, the link's pinned rules as text, and why they are not used ("" when they are)."""

    slug: str
    name: str
    rules: GradingRules
    pinned: str = ""
    problem: str = ""

    @property
    def description(self) -> str:
        """What the pinned rules change from the paper's ("the paper, as applied" when nothing)."""
        return differences(self.rules) or "the paper, as applied"

    def params(self) -> dict[str, str]:
        """The view params naming this reference."""
        return {"reference": self.slug, "pinned": self.pinned if self.slug == PINNED else ""}


def reference_choices(pinned: str) -> tuple[str, ...]:
    """The references offered: every scenario, and the pinned rules when ``pinned`` can be read."""
    return (*SLUGS, PINNED) if pinned and not _pinned(pinned)[1] else tuple(SLUGS)


def resolve_reference(reference: str = DEFAULT_REFERENCE, pinned: str = "") -> Reference:
    """The reference named by the page's params; an unknown or unusable one is the paper, as applied."""
    rules, problem = _pinned(pinned)
    if reference == PINNED and rules is not None:
        return Reference(PINNED, PINNED_NAME, rules, pinned)
    name, scenario = find_scenario(reference if reference in SLUGS else DEFAULT_REFERENCE)
    return Reference(scenario_slug(name), name, scenario, pinned, problem)


def _pinned(text: str) -> tuple[GradingRules | None, str]:
    if not text:
        return None, ""
    try:
        return rules_from_text(text), ""
    except ValueError as error:
        return None, str(error)
