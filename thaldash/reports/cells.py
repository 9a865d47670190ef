"""Small cells in the report (``python -m thaldash report --min-cell K``): which fields count patients.

The command line shows every count by default (the analyst holds the data); ``--min-cell K`` applies the
downloads' rule (``thaldash.data.disclosure``) to every section of the report: counts from 1 to K − 1 become
"< K", and the percentages and intervals of those rows are left empty. The fields are listed here,
section by section, beside ``report.SECTION_FIELDS`` (a test checks that each one exists there).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from thaldash.data.disclosure import suppress_small_counts, suppression_note
from thaldash.text import frame_records

_RATE = ("pct", "ci_low", "ci_high")
COUNT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "headlines": (("n", "total", "n_patients"), _RATE),
    "tiers": (("n", "total", "n_patients"), _RATE),
    "reduction": (("n",), ()),
    "genotype_groups": (("n", "n_evaluable", "n_mar", "n_mir", "n_slr", "n_nr", "n_not_evaluable"), ()),
    "comparisons": (("n_a", "n_b"), ()),
    "paired_changes": (("n", "n_dropped"), ()),
    "correlation": (("n", "n_dropped"), ()),
    "endpoints": (("k", "n"), _RATE),
    "genotype_endpoints": (("k", "n"), _RATE),
    "genotype_distributions": (("n",), ()),
    "genotype_claim": (("n",), ()),
    "genotype_pooled": (("n", "k"), ("proportion",)),
    "ti_incidence": (("n", "at_risk", "events", "censored"), ("cum_incidence", "ci_low", "ci_high")),
    "ti_durability": (("n", "n_reached", "n_unknown", "n_lost"), ("proportion_lost", "ci_low", "ci_high")),
    "ti_model": (("n", "events", "non_events"), ()),
    "ti_roc": (("n", "n_dropped", "n_pos", "n_neg"), ()),
    "safety": (("n", "total", "n_withdrawn", "n_grade_3_plus"), _RATE),
    "safety_rash_readings": (("n", "total"), _RATE),
    "withdrawals": (("n", "total"), _RATE),
    "dose_tiers": (("n", "total"), _RATE),
    "dose_endpoints": (("k", "n"), _RATE),
    "dose_test": (("n",), ()),
    "dose_ages": (("n", "n_age", "n_under_14"), ()),
    "dose_confounding": ((), ()),
}
"""Per section: (fields counting patients, fields computed from a row's counts)."""
POPULATION_COUNTS: tuple[str, ...] = ("enrolled", "withdrawn", "analysed", "graded_evaluable")
FRACTION_FIELDS: dict[str, tuple[str, ...]] = {"genotype_claim": ("table",), "dose_test": ("table",)}
"""Per section: text fields that write counts as "k/n" pairs (``disclosure.suppress_small_counts``' ``fractions``)."""


def suppress_report(report: dict[str, Any], min_cell: int | None) -> dict[str, Any]:
    """``report`` (``report.full_report``) with counts from 1 to ``min_cell`` − 1 shown as "< k" in every section.

    Adds ``small_cells``: the rule and the number of cells hidden (null when ``min_cell`` is None, 0 or 1:
    nothing is hidden).
    """
    k = int(min_cell or 0)
    out = dict(report)
    if k <= 1:
        return out | {"small_cells": None}
    n_counts = n_derived = 0
    population = pd.DataFrame([report["population"]])
    hidden = suppress_small_counts(population, counts=POPULATION_COUNTS, min_cell=k)
    out["population"] = frame_records(hidden.frame)[0]
    n_counts += hidden.n_counts
    for section, (counts, derived) in COUNT_FIELDS.items():
        if section not in report:
            continue
        frame = pd.DataFrame(report[section])
        hidden = suppress_small_counts(frame, counts=counts, derived=derived, min_cell=k,
                                       fractions=FRACTION_FIELDS.get(section, ()))
        out[section] = frame_records(hidden.frame)
        n_counts, n_derived = n_counts + hidden.n_counts, n_derived + hidden.n_derived
    note = suppression_note(type(hidden)(pd.DataFrame(), n_counts, n_derived, k, checked=True))
    return out | {"small_cells": {"min_cell": k, "counts_hidden": n_counts, "derived_hidden": n_derived, "rule": note}}
