"""The rules editor draws one control per grading rule: every rule of ``RULE_FIELDS`` in exactly one box."""

from __future__ import annotations

from collections import Counter

from thaldash.grading.rules import RULE_FIELDS
from thaldash.ui.rules_editor import GROUPS


def test_every_rule_has_one_control():
    boxed = Counter(name for names in GROUPS.values() for name in names)
    assert boxed == Counter(spec.name for spec in RULE_FIELDS)
