"""The Data page's numbers: the loaded file's size and where its values come from.

The checks of the file, the upload and the contract are the data source's own (``thaldash.ui.data_source``);
this view holds what is computed from the validated cohort.
"""

from __future__ import annotations

from dataclasses import dataclass

from thaldash.analyses.overview import provenance_summary
from thaldash.data.schedule import RULE, schedule_changes
from thaldash.views.blocks import Col, PageView, Stat, Table
from thaldash.views.context import ViewContext

PAGE = "Data"
NO_PROVENANCE = "This file has no `*_provenance` columns, so the origin of its values is not recorded."
PROVENANCE_MEANING = ("published: printed in the paper for this patient; derived: one of many values consistent "
                      "with the published aggregates, which fix their sums and spreads but not this value; "
                      "assumed: not constrained by any published number.")
"""What each provenance means, as the Data and Patient pages say it (a derived value is not "solved": the
aggregates leave it free within their sums and spreads)."""


@dataclass(frozen=True, eq=False)
class DataView:
    """The file's size (one line), its provenance table (or why there is none), and the visits off the study
    schedule that the nearest-month rule moves or leaves out (None when every visit is on the schedule)."""

    size: str
    provenance: Table | Stat
    schedule: Table | None = None

    def page(self) -> PageView:
        return PageView(PAGE, (self.provenance, *((self.schedule,) if self.schedule is not None else ())))


def data_view(ctx: ViewContext) -> DataView:
    """The Data page's numbers for the whole file of ``ctx`` (every patient, withdrawn included)."""
    cohort = ctx.cohort
    centres = f" from {len(cohort.centres)} centres" if cohort.several_centres else ""
    size = f"{len(cohort.patients)} patients, {len(cohort.visits)} visit rows{centres}"
    moved = schedule_table(ctx)
    found = provenance_summary(cohort)
    if not len(found):
        return DataView(size, Stat("provenance", "Where the values come from", reason=NO_PROVENANCE), moved)
    table = Table("provenance", "Where the values come from", found, {
        "measure": Col("Measure"), "counted": Col("Counted per"), "published": Col("Published", count=True),
        "derived": Col("Derived", count=True), "assumed": Col("Assumed", count=True),
        "not_recorded": Col("Not recorded", count=True),
        "total": Col("Total", count=True)},
        caption=f"Every patient of the file ({size}). {PROVENANCE_MEANING}",
        notes="\n".join(f"{r.measure}: {r.published} published, {r.derived} derived, {r.assumed} assumed, "
                        f"{r.not_recorded} not recorded, of {r.total} {r.counted}" for r in found.itertuples()))
    return DataView(size, table, moved)


def schedule_table(ctx: ViewContext) -> Table | None:
    """Every visit off the study schedule, with what the nearest-month rule does with it; None when there is none."""
    cohort = ctx.cohort
    if not cohort.n_off_schedule:
        return None
    changes = schedule_changes(cohort)
    n_moved = int((changes["change"] == "moved").sum())
    return Table("schedule_changes", "Visits off the study schedule", changes, {
        "patient_id": Col("Patient"), "recorded_month": Col("Recorded month", "%d"),
        "study_month": Col("Read as month", "%d"), "change": Col("Change"), "reason": Col("Why", width="large")},
        caption=f"{cohort.n_off_schedule:,} visits at a month off the schedule; under the nearest-month rule "
                f"{n_moved:,} visits are read as a study month and {len(changes) - n_moved:,} left out (this table "
                f"lists both). The rule: {RULE.describe()}. Used by the trajectories and the comparisons by month "
                "unless the sidebar says \"As recorded\"; grading always uses the recorded months.",
        patient_column="patient_id", long_list=True, what="visits off the schedule")
