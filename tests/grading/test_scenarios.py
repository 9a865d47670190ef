"""Grading rules as text: the pinned reference of the What-if page travels in a link."""

from __future__ import annotations

import pytest

from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import SCENARIOS, differences, rules_from_text, rules_text


@pytest.mark.parametrize("rules", [*SCENARIOS.values(), GradingRules(mir_reduction_pct=42.5, slr_reduction_pct=12.0,
                                                                     hb_criterion="everyone", window_months=12)],
                         ids=[*SCENARIOS, "custom"])
def test_rules_text_reads_back_exactly(rules):
    assert rules_from_text(rules_text(rules)) == rules


def test_the_paper_is_written_as_its_window_alone():
    assert rules_text(GradingRules()) == "window_months:6"
    assert rules_text(GradingRules(mir_reduction_pct=40)) == "window_months:6,mir_reduction_pct:40"


@pytest.mark.parametrize(("text", "message"), [
    ("mir_reduction_pct", "not a rule written as name:value"),
    ("bogus:1", "Unknown grading rule 'bogus'"),
    ("mir_reduction_pct:lots", "mir_reduction_pct"),
    ("mir_reduction_pct:20,slr_reduction_pct:30", "slr_reduction_pct"),  # SLR above MiR is refused
    (" , ", "no rules given"),
])
def test_malformed_rules_text_is_refused_with_a_sentence(text, message):
    with pytest.raises(ValueError, match=message):
        rules_from_text(text)


def test_differences_name_each_changed_rule_readably():
    text = differences(GradingRules(mir_reduction_pct=40, hb_criterion="everyone"))
    assert text == "MiR: transfusion reduction at least 40 %; Use the Hb criterion: For everyone (the better tier counts)"
    assert differences(GradingRules()) == ""
    assert differences(GradingRules(), SCENARIOS["Strict clinical"]) != ""
