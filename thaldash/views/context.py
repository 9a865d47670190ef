"""What every page view is computed from: the cohort, the filter, the grading, and how to grade."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from thaldash.data.cohort import Cohort
from thaldash.data.filters import CohortFilter
from thaldash.data.schedule import DEFAULT_SCHEDULE, scheduled
from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules
from thaldash.published.constraints import label_constraints

PAPER_RULES = GradingRules()


def _grade_everyone(cohort: Cohort, rules: GradingRules) -> pd.DataFrame:
    return grade(cohort, rules, include_withdrawn=True)


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
    everyone_grader
        ``grade(cohort, rules, include_withdrawn=True)``, or the app's cached version of it.
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
    everyone_grader: Callable[[Cohort, GradingRules], pd.DataFrame] = _grade_everyone
    schedule: str = DEFAULT_SCHEDULE
    scheduler: Callable[[Cohort, str], Cohort] = scheduled

    def scheduled(self, cohort: Cohort | None = None) -> Cohort:
        """``cohort`` (default: the filtered patients) with its visits read under the view's ``schedule``."""
        return self.scheduler(self.filtered if cohort is None else cohort, self.schedule)

    def graded(self, cohort: Cohort | None = None) -> pd.DataFrame:
        """The grading of ``cohort`` (default: the filtered patients) under the view's rules."""
        return self.grader(self.filtered if cohort is None else cohort, self.rules)

    def graded_everyone(self) -> pd.DataFrame:
        """The grading of every filtered patient, withdrawn ones included when the filter keeps them.

        ``grade(filtered, rules, include_withdrawn=True)``: the rows ``tier_table`` and
        ``response_headlines`` need for intention to treat, and the ones whose count is the header's n
        whatever the "include withdrawn" box says.
        """
        return self.everyone_grader(self.filtered, self.rules)

    def withdrawn_left_out(self) -> pd.DataFrame:
        """The patients who withdrew whom the filter would keep but for its "include withdrawn" box (their
        ``Cohort.patients`` rows; none when the box is ticked): intention to treat needs them."""
        patients = self.cohort.patients
        if self.filter.include_withdrawn or "withdrawn" not in patients:
            return patients.iloc[:0]
        kept = replace(self.filter, include_withdrawn=True).mask(patients)
        return patients[kept & patients["withdrawn"].fillna(False).astype(bool).to_numpy()]

    def labelled(self, rows: pd.DataFrame, kind: str, *, subgroup: bool = False, **context: str | None) -> pd.DataFrame:
        """``rows`` plus ``constraint`` and ``constraint_note`` (``published.constraints.label_constraints``) on
        the bundled reconstruction, "" on any other file, whose values are its own.

        The grading (the paper's rules or not) and the filter (``paper_population``: none, TDT or NTDT alone
        are the paper's populations) come from the view; ``subgroup`` says the page narrowed the patients
        further itself. ``context`` passes ``measure``, ``grouping``, ``subset``, ``x``, ``y``.
        """
        if not self.bundled:
            return rows.assign(constraint="", constraint_note="")
        population = self.paper_population
        keyed = rows
        if population in ("TDT", "NTDT"):
            # The filter keeps one of the paper's types: "all" / "analysed" rows are that type's results.
            whole = {"all": population, "analysed": population}
            keyed = rows.assign(**{c: rows[c].replace(whole) for c in ("population", "subset") if c in rows})
            context["subset"] = whole.get(context.get("subset") or "analysed", context.get("subset"))
        labels = label_constraints(keyed, kind,  # type: ignore[arg-type]
                                   paper_rules=self.rules == PAPER_RULES,
                                   paper_ti_rule=self.rules.ti_min_free_visits == PAPER_RULES.ti_min_free_visits,
                                   whole_cohort=population is not None and not subgroup, **context)
        return rows.assign(constraint=labels["constraint"], constraint_note=labels["constraint_note"])

    @property
    def paper_population(self) -> str | None:
        """The paper's population the filter keeps: "all" (no filter), "TDT" or "NTDT" (the type alone), None for
        any other subgroup, whose results the paper does not report."""
        for name, kept in (("all", CohortFilter()), ("TDT", CohortFilter(thal_types=("TDT",))),
                           ("NTDT", CohortFilter(thal_types=("NTDT",)))):
            if self.filter == kept:
                return name
        return None

    def groupings(self, base: Mapping[str, str]) -> dict[str, str]:
        """The groupings a page offers (name → label): its ``base`` ones, and the centre when the cohort
        has several (``analyses.centres.with_centre``)."""
        # Imported when first used, as in _patient_table: the centres module needs scipy.stats.
        from thaldash.analyses.centres import with_centre

        return with_centre(base, self.cohort)

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
