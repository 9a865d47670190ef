"""The Safety page: adverse events as patients of the enrolled with exact intervals, and why patients withdrew."""

from __future__ import annotations

from dataclasses import dataclass

from thaldash import charts
from thaldash.analyses.safety import rash_readings, safety_for, withdrawals
from thaldash.data.adverse_events import AdverseEvents, source_label
from thaldash.published.paper import is_bundled
from thaldash.views.blocks import Col, Figure, PageView, Table
from thaldash.views.context import ViewContext
from thaldash.views.estimates import PCT_COLUMNS, RATE_COLUMNS, rate_lines
from thaldash.views.overview import enrolled

PAGE = "Safety"
PAPER_INTRO = ("The paper's adverse events, **as printed**: patients of the 52 enrolled (withdrawals included), with "
               "Clopper–Pearson exact 95% intervals. The bundled cohort holds no adverse events of its own (the paper "
               "prints counts, not patients), so these numbers do not depend on the reconstruction, and the sidebar "
               "filter does not apply to them.")
STATUS_NOTE = ("**Not reported** (the paper names the risk but gives no number) is not **zero**; **none recorded** means "
               "a table was given and lists no such event.")
RASH_CAPTION = ("The Results list \"rash in 4 cases\" (2 withdrew for a severe rash) and, in the same sentence, \"skin "
                "rash in 4 cases\". Whether these are the same patients is not said (data/contradictions.csv, C9), so a "
                "rash of either kind affected 4 to 8 of the 52.")
WITHDRAWAL_NOTE = ("Results: two withdrew for a severe rash within two months, one for a menstrual disorder after five "
                   "months, one for haematopoietic stem cell transplantation.")


@dataclass(frozen=True, eq=False)
class SafetyView:
    """The events (chart and table), the rash readings (paper only), the withdrawals (None when nobody withdrew).

    ``paper``: the numbers are the paper's printed counts (no table of the cohort's own was given);
    ``unusable``: a table was given but cannot be used.
    """

    paper: bool
    unusable: bool
    chart: Figure
    table: Table
    readings: Table | None
    withdrawals: Table | None

    def page(self) -> PageView:
        blocks = (self.chart, self.table, self.readings, self.withdrawals)
        return PageView(PAGE, tuple(b for b in blocks if b is not None))


def safety_view(ctx: ViewContext, *, events: AdverseEvents | None = None) -> SafetyView:
    """Adverse events of the enrolled patients of ``ctx`` (withdrawn included): from ``events`` when it is a
    usable table, else the paper's printed counts (on any cohort: the counts are the paper's, said so)."""
    everyone = enrolled(ctx)
    given = events.events if events is not None and events.ok else None
    table = safety_for(everyone, given, source=source_label(events) if given is not None else "")
    paper = bool((table["status"] == "reported").any())
    if paper:
        who = "Patients of the 52 enrolled, as printed in the paper (the sidebar filter does not apply)"
    else:
        who = (f"Patients with an event, of the enrolled patients shown (n = {len(everyone.patients)}, withdrawals "
               f"included), from {source_label(events) if given is not None else 'no adverse-events table'}")
    caption = f"{who}; Clopper–Pearson exact 95% intervals. Not reported is not zero."
    notes = rate_lines(table, "event", count="n")
    chart = Figure("adverse_events", "Adverse events", charts.proportion_forest(
        table, label="event", heading="Adverse events", note="no point: no number (see Note)",
        presentation=ctx.presentation), caption=caption, notes=notes)
    events_table = Table("adverse_events_table", "Adverse events", table, {
        "event": Col("Event"), "status": Col("Status"), "n": Col("Patients", "%d", count=True), "total": Col("Of", count=True), **PCT_COLUMNS,
        "n_withdrawn": Col("Withdrew for it", "%d", count=True), "n_grade_3_plus": Col("Grade ≥ 3", "%d", count=True),
        "source": Col("Where", width="large")}, caption=caption, notes=notes)
    readings = None
    if paper:
        rash = rash_readings(table)
        readings = Table("rash_readings", "Rash: one list or two?", rash, {
            "reading": Col("Reading"), "n": Col("Patients", "%d", count=True), "total": Col("Of", count=True), **RATE_COLUMNS},
            caption=RASH_CAPTION, notes=rate_lines(rash, "reading", count="n"))
    gone = withdrawals(everyone.patients)
    withdrew = None
    if len(gone):
        withdrew = Table("withdrawals", "Why patients withdrew", gone, {
            "reason_withdrawn": Col("Reason"), "n": Col("Patients", count=True), "total": Col("Of enrolled", count=True), **RATE_COLUMNS,
            "month_min": Col("From month", "%.0f"), "month_max": Col("To month", "%.0f")},
            caption=f"{int(gone['n'].sum())} of the {len(everyone.patients)} enrolled patients shown withdrew; "
                    "Clopper–Pearson exact 95% intervals." + (f" {WITHDRAWAL_NOTE}" if is_bundled(ctx.cohort) else ""),
            notes=rate_lines(gone, "reason_withdrawn", count="n"))
    return SafetyView(paper, events is not None and not events.ok, chart, events_table, readings, withdrew)
