"""What a view says about itself: the patients shown, the grading, and the provenance footer of its exports.

One implementation for the dashboard's title line and downloads (``thaldash.ui.sidebar.grading_lines``) and
for the deck's slides built without Streamlit (``thaldash.views.deck``), so a slide's footer reads as the
page's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from thaldash.data.filters import CohortFilter
from thaldash.export.files import footer_text
from thaldash.grading.rules import GradingRules
from thaldash.data.bundled import digest_is_reconstruction
from thaldash.grading.scenarios import SCENARIO_DESCRIPTIONS, SCENARIOS, differences, rules_to_params


def grading_text(name: str, rules: GradingRules) -> tuple[str, str]:
    """(the grading as named, the thresholds changed from scenario ``name``): ("Strict clinical (modified)",
    "window_months = 12"), or (``name``, "") when ``rules`` are the scenario's own."""
    changed = {k: v for k, v in rules_to_params(name, rules).items() if k != "scenario"}
    return (f"{name} (modified)" if changed else name), ", ".join(f"{k} = {v}" for k, v in changed.items())


def patients_text(flt: CohortFilter, n: int) -> str:
    """The patients shown: "TDT · splenectomy: yes (n = 12)"."""
    return f"{flt.describe()} (n = {n:,})"


def view_footer(source_name: str, sha256: str, flt: CohortFilter, n: int, name: str, rules: GradingRules,
                when: dt.date, *, notes: Sequence[str] = ()) -> str:
    """The provenance footer of a view's exports (``export.files.footer_text``): file and hash, patients, grading,
    date, on the bundled reconstruction (``data.bundled.digest_is_reconstruction``) the line saying so, and
    ``notes`` as "note:" lines."""
    scenario, changes = grading_text(name, rules)
    return footer_text(source_name, sha256, patients_text(flt, n), scenario + (f": {changes}" if changes else ""), when,
                       reconstruction=digest_is_reconstruction(sha256), notes=notes)


def grading_description(name: str, rules: GradingRules) -> str:
    """The grading in words, for a deck's title slide: the scenario, what it does, and what was changed from it."""
    changed = differences(rules, SCENARIOS[name]) if name in SCENARIOS else ""
    return " ".join(t for t in (f"{name}: {SCENARIO_DESCRIPTIONS.get(name, rules.describe())}",
                                f"Changed from it: {changed}." if changed else "") if t)
