"""``thaldash.grading.effects``: what a rule set does to the cohort loaded, computed (issue 11)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from thaldash.grading.effects import rule_effect, tier_moves
from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import SCENARIOS

STRICT = SCENARIOS["Strict clinical"]


@pytest.fixture(scope="module")
def paper(bundled):
    return grade(bundled)


def test_moves_are_the_crosstab_of_the_two_gradings(bundled, paper) -> None:
    strict = grade(bundled, STRICT)
    moves = tier_moves(paper, strict)
    # pandas written here: patients by type and pair of tiers, off the diagonal
    both = pd.DataFrame({"t": paper["thal_type"].astype(str), "a": paper["tier"].astype(str),
                         "b": strict["tier"].astype(str)})
    expected = both[both["a"] != both["b"]].value_counts().to_dict()
    assert {(r.thal_type, r.tier_reference, r.tier_whatif): r.n for r in moves.itertuples()} == expected


def test_strict_clinical_says_what_it_does_to_this_cohort(bundled, paper) -> None:
    # Issue 11: all 21 transfusion-free TDT lose MaR, resting on reconstructed month-1 units.
    text = rule_effect(paper, grade(bundled, STRICT), reference_rules=GradingRules(), whatif_rules=STRICT,
                       visits=bundled.analysed)
    assert text.startswith("All 21 TDT patients graded MaR under the reference lose MaR (21 become MiR).")
    assert "21 at month 1 (rbc_units reconstructed, one of many values consistent with the published aggregates" \
        in text


def test_the_text_follows_the_data_not_a_template(bundled, paper) -> None:
    # Two of the 21 transfusion-free TDT edited to no transfusion at month 1 (and 3): 19 lose MaR.
    keep = paper.loc[(paper["thal_type"] == "TDT") & (paper["tier"] == "MaR"), "patient_id"].iloc[:2].tolist()
    visits = bundled.visits
    spared = visits["patient_id"].isin(keep).to_numpy() & visits["month"].isin([1, 3]).to_numpy()
    edited_visits = visits.assign(rbc_units=visits["rbc_units"].mask(spared, 0.0))
    edited = dataclasses.replace(bundled, sha256="edited", visits=edited_visits)
    text = rule_effect(grade(edited), grade(edited, STRICT), reference_rules=GradingRules(), whatif_rules=STRICT,
                       visits=edited.analysed)
    assert text.startswith("19 of the 21 TDT patients graded MaR under the reference lose MaR")


def test_the_same_rules_move_nobody(paper) -> None:
    assert "move no patient" in rule_effect(paper, paper, reference_rules=GradingRules(),
                                            whatif_rules=GradingRules())
