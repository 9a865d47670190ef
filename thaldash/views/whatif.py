"""The What-if page: the app's grading rules (``ctx.rules``) against a reference, and what moves.

The page is made of parts computed apart, so that a slider step recomputes only what it changes:

- ``tier_section`` (``views.whatif_tiers``): headline rates, the transition heatmap and the tier table. It depends on the
  rules only through the tiers they give, so the app caches it on ``tier_key`` (most threshold
  steps move no patient, and then nothing is rebuilt);
- ``moves_section``: the patients who change tier and those not evaluable, with the evidence
  (it names the thresholds, so it depends on the rules themselves);
- ``course_figure``: one patient's course (cached on the patient and tier alone);
- ``groups_section``: genotype combinations entering or leaving the MaR group, cached on ``groups_key``;
- ``sweep_section`` (``views.sweep``): ORR or MaR rate over a grid of two rules.

``whatif_view`` assembles them: the whole page for the deck. The reference (``views.reference``) is a named scenario
(its slug) or pinned rules (``reference="pinned"`` with the rules as ``rules_text``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from thaldash import charts
from thaldash.grading.sensitivity import SWEEPABLE
from thaldash.grading.whatif import (ENTERS, LEAVES, genotype_moves, patient_moves, tier_digest)
from thaldash.views.blocks import Col, Figure, PageView, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import Param
from thaldash.views.reference import DEFAULT_REFERENCE, reference_choices, resolve_reference
from thaldash.views.sweep import SWEPT, SweepSection, sweep_section
from thaldash.views.whatif_tiers import TierSection, tier_section

PAGE = "What-if"
_EVIDENCE = (("hb_window_end", "Hb window end (g/L)"), ("hb_rise", "Hb rise (g/L)"), ("reduction_pct", "Reduction (%)"))
_MOVE_COLUMNS: dict[str, Col] = {
    "patient_id": Col("Patient"), "genotype": Col("Genotype"), "thal_type": Col("Type"),
    "tier_reference": Col("Reference tier"), "tier_whatif": Col("What-if tier"), "direction": Col("Change"),
    "hb_baseline": Col("Hb M0 (g/L)", "%.1f"), "ti_month": Col("TI month", "%.0f"),
    "ti_status": Col("Transfusion status"),
    **{f"{c}_{side}": Col(f"{label} ({who})", "%.1f")
       for c, label in _EVIDENCE for side, who in (("reference", "ref."), ("whatif", "what-if"))},
    "trace_reference": Col("Rule trace (reference)", width="large"),
    "trace_whatif": Col("Rule trace (what-if)", width="large")}


@dataclass(frozen=True, eq=False)
class MovesSection:
    """The patients who change tier (``changed``, clickable; its title says how many of ``n``) and
    those not evaluable under either rule set (``missing``, None when there are none)."""

    n: int
    reference: str
    changed: Table
    missing: Table | None

    @property
    def missing_note(self) -> str:
        return "" if self.missing is not None else f"Not evaluable: none of the {self.n} patients, under either rule set."

    def row(self, patient: str) -> pd.Series | None:
        """The ``changed`` row of ``patient`` (tiers, evidence, both rule traces), None when they keep their tier."""
        rows = self.changed.frame[self.changed.frame["patient_id"].astype(str) == patient]
        return rows.iloc[0] if len(rows) else None

    def traces(self, patient: str) -> str:
        """Why ``patient`` moves: the rule trace under each rule set, one line each ("" when they do not)."""
        row = self.row(patient)
        return "" if row is None else (f"{patient} under {self.reference}: {row['trace_reference']}\n"
                                       f"Under the what-if rules: {row['trace_whatif']}")


def moves_section(ctx: ViewContext, *, reference: str = DEFAULT_REFERENCE, pinned: str = "") -> MovesSection:
    """``grading.whatif.patient_moves`` of ``ctx``'s filtered patients, as tables with their words."""
    ref = resolve_reference(reference, pinned)
    changed, missing = patient_moves(ctx.grader(ctx.filtered, ref.rules), ctx.graded())
    n = len(ctx.graded())
    # Under the same window and Hb measure the evidence is the same under both rule sets: show it once.
    same = (ctx.rules.window_months, ctx.rules.hb_rise_measure) == (ref.rules.window_months, ref.rules.hb_rise_measure)
    evidence = {f"{c}_whatif": Col(label, "%.1f") for c, label in _EVIDENCE} if same else {}
    columns = {c: evidence.get(c, col) for c, col in _MOVE_COLUMNS.items()
               if not (same and c.endswith("_reference") and c not in ("trace_reference", "tier_reference"))}
    title = (f"{len(changed):,} of {n:,} patients change tier" if len(changed) else
             f"No patient changes tier between {ref.name} and the what-if rules.")
    table = Table("whatif_changed", title, changed, columns, patient_column="patient_id", what="patients who change tier",
                  caption=f"Each with the evidence and the rule trace under {ref.name} and under the what-if rules.",
                  notes="\n".join(f"{r.patient_id}: {r.tier_reference} → {r.tier_whatif}" for r in changed.head(50)
                                  .itertuples()))
    gone = None
    if len(missing):
        shown = ["patient_id", "genotype", "thal_type", "tier_reference", "tier_whatif", "trace_reference", "trace_whatif"]
        gone = Table("whatif_not_evaluable", f"Not evaluable under either rule set: {len(missing)} patients", missing,
                     {c: _MOVE_COLUMNS[c] for c in shown}, caption="A value the rule needs is missing; the trace names it.",
                     what="patients not evaluable")
    return MovesSection(n, ref.name, table, gone)


def course_key(ctx: ViewContext, patient: str, tier: str) -> tuple:
    """All ``course_figure`` depends on: the cohort, the type size, the patient and the tier."""
    return (ctx.cohort.sha256, ctx.presentation, patient, tier)


def course_figure(ctx: ViewContext, *, patient: str, tier: str) -> Figure:
    """One patient's visits (Hb, HbF, ferritin, transfusions) with their facts and ``tier``.

    Depends on the cohort and the type size, not on the rules (see ``course_key``).
    """
    # Imported when first used (``charts.patient_timeline`` too): they need scipy.stats, which a cold start of
    # this page should not wait for.
    from thaldash.analyses.patient import patient_rows

    facts = patient_rows(ctx.cohort.patients, patient)
    if len(facts) != 1:
        raise ValueError(f"patient_id: there is no patient {patient!r} in this cohort.")
    known = [c for c in ("genotype", "thal_type", "splenectomy") if c in facts]
    rows = patient_rows(ctx.cohort.visits, patient).assign(**{c: facts[c].iloc[0] for c in known}, tier=tier)
    return Figure(f"patient_{patient}", f"Patient {patient}", charts.patient_timeline(rows, presentation=ctx.presentation),
                  caption=f"Hb, HbF, serum ferritin and transfusions at each visit; {tier} under the what-if rules.",
                  stretch=False)


@dataclass(frozen=True, eq=False)
class GroupsSection:
    """Genotype combinations and the MaR group: ``table`` lists those that move (all when none does)."""

    table: Table


def groups_key(ctx: ViewContext, reference: str = DEFAULT_REFERENCE, pinned: str = "") -> tuple:
    """All ``groups_section`` depends on: the reference and the whole cohort's tiers under both rule sets."""
    ref = resolve_reference(reference, pinned)
    return (reference, pinned, ctx.cohort.sha256, tier_digest(ctx.grader(ctx.cohort, ref.rules)),
            tier_digest(ctx.grader(ctx.cohort, ctx.rules)))


def groups_section(ctx: ViewContext, *, reference: str = DEFAULT_REFERENCE, pinned: str = "") -> GroupsSection:
    """``grading.whatif.genotype_moves`` on every analysed patient, whatever the sidebar filter (the paper's rule)."""
    ref = resolve_reference(reference, pinned)
    moves = genotype_moves(ctx.grader(ctx.cohort, ref.rules), ctx.grader(ctx.cohort, ctx.rules))
    moved = moves[moves["move"].isin((ENTERS, LEAVES))]
    enter, leave = int((moves["move"] == ENTERS).sum()), int((moves["move"] == LEAVES).sum())
    columns = {"genotype": Col("Genotype"), "n": Col("Patients", count=True), "group_reference": Col("Group (reference)"),
               "group_whatif": Col("Group (what-if)"), "tiers_reference": Col("Tiers (reference)"),
               "tiers_whatif": Col("Tiers (what-if)"), "move": Col("Move")}
    caption = (f"A combination is in the MaR group when every evaluable patient with it is MaR (the paper's rule), "
               f"decided on all {moves['n'].sum()} analysed patients whatever the sidebar filter; reference: {ref.name}."
               + ("" if len(moved) else " Every combination keeps its group; all are listed."))
    title = f"{enter} of {len(moves)} genotype combinations enter the MaR group, {leave} leave it."
    notes = "\n".join(f"{r.genotype} (n = {r.n}): {r.move}" for r in moved.itertuples()) or "No combination moves."
    return GroupsSection(Table("whatif_genotype_groups", title, moved if len(moved) else moves, columns,
                               caption=caption, notes=notes))


@dataclass(frozen=True, eq=False)
class WhatIfView:
    """The whole What-if page: tiers, moves (and the chosen patient's course), genotype groups, the sweep."""

    tiers: TierSection
    moves: MovesSection
    course: Figure | None
    groups: GroupsSection
    sweep: SweepSection

    def page(self) -> PageView:
        blocks = (*self.tiers.headlines, self.tiers.transitions, self.tiers.table, self.moves.changed, self.course,
                  self.moves.missing, self.groups.table, self.sweep.figure)
        return PageView(PAGE, tuple(b for b in blocks if b is not None))


def whatif_view(ctx: ViewContext, *, reference: str = DEFAULT_REFERENCE, pinned: str = "", patient: str = "",
                sweep_x: str = "slr_reduction_pct", sweep_y: str = "window_months",
                sweep_value: str = "orr_pct") -> WhatIfView:
    """Every part of the page for the page's params (the deck's What-if slides)."""
    moves = moves_section(ctx, reference=reference, pinned=pinned)
    row = moves.row(patient) if patient else None
    course = None
    if row is not None:
        course = replace(course_figure(ctx, patient=patient, tier=str(row["tier_whatif"])), notes=moves.traces(patient))
    return WhatIfView(tier_section(ctx, reference=reference, pinned=pinned), moves, course,
                      groups_section(ctx, reference=reference, pinned=pinned),
                      sweep_section(ctx, sweep_x=sweep_x, sweep_y=sweep_y, sweep_value=sweep_value))


TABS: tuple[str, ...] = ("Patients who change tier", "Genotype groups", "Where the conclusions tip")
"""The page's tabs (its ``view`` setting); the deck takes every part, whichever tab is open."""
PARAMS: tuple[Param, ...] = (
    Param("pinned", ""), Param("reference", DEFAULT_REFERENCE, lambda ctx, v: reference_choices(v["pinned"])),
    Param("view", TABS[0], TABS), Param("patient", ""), Param("sweep_x", "slr_reduction_pct", SWEEPABLE),
    Param("sweep_y", "window_months", SWEEPABLE), Param("sweep_value", "orr_pct", tuple(SWEPT)))
"""The page's own settings (``views.params``): the reference (a scenario, or rules pinned as text), the open
tab, the patient picked, the sweep's two rules and what it shows."""
