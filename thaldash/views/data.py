"""The Data page's numbers: the loaded file's size and where its values come from.

The checks of the file, the upload and the contract are the data source's own (``thaldash.ui.data_source``);
this view holds what is computed from the validated cohort.
"""

from __future__ import annotations

from dataclasses import dataclass

from thaldash.analyses.overview import provenance_summary
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
    """The file's size (one line) and its provenance table, or why there is none."""

    size: str
    provenance: Table | Stat

    def page(self) -> PageView:
        return PageView(PAGE, (self.provenance,))


def data_view(ctx: ViewContext) -> DataView:
    """The Data page's numbers for the whole file of ``ctx`` (every patient, withdrawn included)."""
    cohort = ctx.cohort
    size = f"{len(cohort.patients)} patients, {len(cohort.visits)} visit rows"
    found = provenance_summary(cohort)
    if not len(found):
        return DataView(size, Stat("provenance", "Where the values come from", reason=NO_PROVENANCE))
    table = Table("provenance", "Where the values come from", found, {
        "measure": Col("Measure"), "counted": Col("Counted per"), "published": Col("Published"),
        "derived": Col("Derived"), "assumed": Col("Assumed"), "not_recorded": Col("Not recorded"),
        "total": Col("Total")},
        caption=f"Every patient of the file ({size}). {PROVENANCE_MEANING}",
        notes="\n".join(f"{r.measure}: {r.published} published, {r.derived} derived, {r.assumed} assumed, "
                        f"{r.not_recorded} not recorded, of {r.total} {r.counted}" for r in found.itertuples()))
    return DataView(size, table)
