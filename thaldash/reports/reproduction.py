"""The paper's published numbers beside the same numbers computed from a cohort.

On the bundled cohort this is the reproduction report (every published number that does not
contradict another one must match); on a user's cohort it reads "your cohort beside the
published study". Facts (``reports.facts``) are computed through the same analyses the pages use.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from thaldash.data.cohort import Cohort
from thaldash.published.numbers import contradictions, decimals, printed_interval, prints_as, published_numbers
from thaldash.reports.facts import cohort_facts

STATUSES = ("match", "documented contradiction", "miss", "not in this cohort")


_COUNT_OF_ABSENT = re.compile(r"^genotype\[[^\]]+\]\.(?:(?:tdt|ntdt|ti_month_\d)\.)?n$")


def _absent(fact: str) -> object:
    """A genotype the cohort does not have is counted as 0 patients; anything else is unknown."""
    return 0 if _COUNT_OF_ABSENT.match(fact) else None


def _matches(value: object, expected: str) -> bool | None:
    """True/False when ``value`` prints as ``expected``; None when it could not be computed."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if printed_interval(expected) is None:
        return str(value) == expected
    return prints_as(value, expected)


def _shown(value: object, expected: str, fact: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if printed_interval(expected) is None:
        return str(value)
    number = float(value)
    if fact.endswith(".p") and number < 0.001:
        return f"{number:.1e}"  # a P value too small for the printed digits: show it, not 0.000
    return f"{number:.{decimals(expected)}f}"


def reproduction_report(cohort: Cohort, patients: pd.DataFrame, *,
                        adverse_events: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per published number: ref, source, location, printed, computed, status, contradiction, note.

    ``status`` is one of ``STATUSES``: "documented contradiction" marks a miss that
    ``data/contradictions.csv`` explains (it can never be matched together with the number kept).
    ``patients``, ``adverse_events``: as in ``cohort_facts``.
    """
    facts = cohort_facts(cohort, patients, adverse_events=adverse_events)
    published = published_numbers()
    notes = contradictions().set_index("id")["title"]
    computed, status = [], []
    for row in published.itertuples(index=False):
        value = facts.get(row.fact, _absent(row.fact))
        verdict = _matches(value, row.value)
        computed.append(_shown(value, row.value, row.fact))
        if verdict is None:
            status.append("documented contradiction" if row.contradiction else "not in this cohort")
        elif verdict:
            status.append("match")
        else:
            status.append("documented contradiction" if row.contradiction else "miss")
    return published.assign(
        computed=computed, status=status,
        note=published["contradiction"].map(notes).fillna(""),
    )[["ref", "source", "location", "printed", "computed", "status", "contradiction", "note", "fact"]]


def report_counts(report: pd.DataFrame) -> pd.DataFrame:
    """Numbers per status, in ``STATUSES`` order, with the total."""
    counts = report["status"].value_counts().reindex(list(STATUSES), fill_value=0)
    return pd.DataFrame({"status": [*counts.index, "total"], "n": [*counts.to_numpy(), len(report)]})


def match_label(*, reconstruction: bool) -> str:
    """What the count of matching published numbers means, for a headline.

    The bundled reconstruction was fitted to the published numbers, so its matches are not a
    validation: "Published numbers the cohort was fitted to". Another cohort that matches them
    does so on its own: "Published numbers reproduced".
    """
    return "Published numbers the cohort was fitted to" if reconstruction else "Published numbers reproduced"


def reproduction_summary(counts: pd.DataFrame, *, source_name: str, reconstruction: bool) -> str:
    """One sentence of ``report_counts``: "cohort.parquet: fitted to 614 of 636 published numbers; …".

    On the bundled reconstruction the matches are what it was fitted to (``match_label``); on any
    other cohort they are numbers it reproduces.
    """
    n = counts.set_index("status")["n"]
    matched = (f"fitted to {n['match']} of {n['total']} published numbers (a reconstruction made to match them, "
               "not a validation)" if reconstruction else
               f"{n['match']} of {n['total']} published numbers reproduced")
    return (f"{source_name}: {matched}; {n['documented contradiction']} documented contradictions "
            f"(data/contradictions.csv); {n['miss']} other misses; {n['not in this cohort']} not computable "
            "from this cohort")
