"""What every page view is computed from: the cohort, the filter, the grading, and how to grade."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from thaldash.data.cohort import Cohort
from thaldash.data.filters import CohortFilter
from thaldash.data.schedule import DEFAULT_SCHEDULE, scheduled
from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules

PAPER_RULES = GradingRules()


def _patient_table(cohort: Cohort, rules: GradingRules) -> pd.DataFrame:
    # Imported when first used: the analyses need scipy.stats, which a cold start should not wait for.
    from thaldash.analyses.patients import patient_table

    return patient_table(cohort, rules)


@dataclass(frozen=True, eq=False)
class ViewContext:
    """One view of one cohort.

    Attributes
    ----------
    cohort
        Every patient of the file (groups such as the genotype group are decided on it).
    filtered
        The patients the sidebar filter keeps.
    filter, rules, scenario
        The filter, the grading rules and the grading's name as shown ("Strict clinical (modified)").
    bundled
        The data are the bundled reconstruction of the paper's cohort.
    presentation
        Figures in projector type.
    grader, tabulator
        ``grade`` and ``patient_table``, or cached versions of them (the app passes its caches, so
        a page view never grades a cohort a second time).
    schedule, scheduler
        How visits off the study schedule are read by the trajectories and the comparisons by month
        (``data.schedule.SCHEDULES``: "nearest" study month, or "recorded"), and ``data.schedule.scheduled``
        or a cached version of it. Grading always reads the recorded months.
    """

    cohort: Cohort
    filtered: Cohort
    filter: CohortFilter = field(default_factory=CohortFilter)
    rules: GradingRules = PAPER_RULES
    scenario: str = "Paper, as applied"
    bundled: bool = False
    presentation: bool = False
    grader: Callable[[Cohort, GradingRules], pd.DataFrame] = grade
    tabulator: Callable[[Cohort, GradingRules], pd.DataFrame] = _patient_table
    schedule: str = DEFAULT_SCHEDULE
    scheduler: Callable[[Cohort, str], Cohort] = scheduled

    def scheduled(self, cohort: Cohort | None = None) -> Cohort:
        """``cohort`` (default: the filtered patients) with its visits read under the view's ``schedule``."""
        return self.scheduler(self.filtered if cohort is None else cohort, self.schedule)

    def graded(self, cohort: Cohort | None = None) -> pd.DataFrame:
        """The grading of ``cohort`` (default: the filtered patients) under the view's rules."""
        return self.grader(self.filtered if cohort is None else cohort, self.rules)

    def patient_table(self) -> pd.DataFrame:
        """``analyses.patients.patient_table`` of the whole cohort under the view's rules."""
        return self.tabulator(self.cohort, self.rules)

    def paper_applies(self, *, graded: bool = True) -> bool:
        """The paper's numbers describe what is shown: the bundled cohort, no filter, and (for numbers
        that depend on the tiers, ``graded``) the paper's rules.

        The one place that decides it; every "beside the paper" column and table asks here.
        """
        return self.bundled and self.filter.is_default and (not graded or self.rules == PAPER_RULES)

    @property
    def n(self) -> int:
        """Patients the filter keeps."""
        return len(self.filtered.patients)

    def key(self) -> tuple:
        """What identifies this view for a cache: the data, the filter, the grading, the type size."""
        return (self.cohort.sha256, self.filtered.sha256, tuple(sorted(self.rules.to_params().items())),
                self.scenario, self.bundled, self.presentation, self.schedule)
