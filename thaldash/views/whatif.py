"""The What-if page: the app's grading rules (``ctx.rules``) against a reference, and what moves.

The page is made of parts computed apart, so that a slider step recomputes only what it changes:

- ``tier_section``: headline rates, the transition heatmap and the tier table. It depends on the
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
from thaldash.charts import transition_heatmap
from thaldash.data.schema import NOT_EVALUABLE, TIERS
from thaldash.grading.sensitivity import SWEEPABLE
from thaldash.grading.effects import rule_effect
from thaldash.grading.whatif import (ENTERS, LEAVES, genotype_moves, patient_moves, published_tiers, tier_changes,
                                     tier_digest, transition_matrix)
from thaldash.views.blocks import Col, Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import Param
from thaldash.views.reference import DEFAULT_REFERENCE, reference_choices, resolve_reference
from thaldash.views.sweep import SWEPT, SweepSection, sweep_section
from thaldash.views.wording import interval_text, p_text

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
class TierSection:
    """Tiers under the reference and the what-if rules: ``headlines`` (ORR, MaR, patients changing
    tier), ``summary`` (one line of counts each, what-if first), the heatmap and the tier table;
    ``effect`` says in words what the what-if rules do to these patients compared with the reference
    (``grading.effects.rule_effect``; also the heatmap's caption)."""

    reference: str
    headlines: tuple[Stat, ...]
    summary: tuple[str, str]
    transitions: Figure
    table: Table
    effect: str = ""


def tier_key(ctx: ViewContext, reference: str = DEFAULT_REFERENCE, pinned: str = "") -> tuple:
    """All ``tier_section`` depends on: the reference, the patients, their tiers under both rule sets
    (digests), the type size, whether the paper's counts stand beside them, and the transfusion-free
    spans of both rule sets (the effect's words name the visits a lost MaR rests on)."""
    ref = resolve_reference(reference, pinned)
    return (reference, pinned, ctx.filtered.sha256, tier_digest(ctx.grader(ctx.filtered, ref.rules)),
            tier_digest(ctx.graded()), ctx.presentation, ctx.paper_applies(graded=False), ref.rules.free_span,
            ctx.rules.free_span)


def tier_section(ctx: ViewContext, *, reference: str = DEFAULT_REFERENCE, pinned: str = "") -> TierSection:
    """Tier counts with exact intervals under both rule sets, for ``ctx``'s filtered patients.

    Reads ``ctx.rules`` only through the tiers they give and their transfusion-free span (see
    ``tier_key``): no rule or scenario name is written here, so equal keys give an equal section.
    """
    ref = resolve_reference(reference, pinned)
    before, after = ctx.grader(ctx.filtered, ref.rules), ctx.graded()
    effect = rule_effect(before, after, reference_rules=ref.rules, whatif_rules=ctx.rules, visits=ctx.filtered.visits)
    tiers = tier_changes(before, after)
    matrix = transition_matrix(before, after)
    n, by_tier = len(after), tiers.set_index("tier")
    moved = n - int(sum(matrix.iat[i, i] for i in range(len(matrix))))
    headlines = (_rate("orr", "ORR (MaR + MiR + SLR)", by_tier.loc["ORR"]),
                 _rate("mar", "Major response", by_tier.loc["MaR"]),
                 Stat("changing", "Patients changing tier", f"{moved}", n=n,
                      detail=f"not evaluable: {by_tier.loc[NOT_EVALUABLE, 'n_whatif']} what-if, "
                             f"{by_tier.loc[NOT_EVALUABLE, 'n_reference']} reference"))
    line = {side: " · ".join(f"{t} {by_tier.loc[t, f'n_{side}']}" for t in (*TIERS, NOT_EVALUABLE))
            for side in ("whatif", "reference")}
    summary = (f"{line['whatif']} (n = {n})", line["reference"])
    pairs = [f"{a} → {b}: {matrix.loc[a, b]}" for a in matrix.index for b in matrix.columns
             if a != b and matrix.loc[a, b]]
    transitions = Figure("whatif_transitions", "How patients move between tiers", transition_heatmap(
        matrix, reference_name=ref.name, whatif_name="what-if rules", presentation=ctx.presentation,
        height=460 if ctx.presentation else None),  # five rows of projector-sized type need the room
        caption=f"The {n} patients by tier under {ref.name} (rows) and the what-if rules (columns); bold: the "
                f"same tier under both. Compared with {ref.name}: {effect}",
        notes="\n".join([f"{moved} of {n} patients change tier", *pairs, effect]))
    return TierSection(ref.name, headlines, summary, transitions, _tier_table(ctx, tiers, ref.name), effect)


def _rate(key: str, label: str, row: pd.Series) -> Stat:
    if row["reason_whatif"]:
        return Stat(key, label, reason=str(row["reason_whatif"]))
    before = "not computed" if row["reason_reference"] else f"{row['pct_reference']:.1f} %"
    return Stat(key, label, f"{row['pct_whatif']:.1f} %", n=int(row["total_whatif"]),
                detail=f"{row['n_whatif']} patients · 95% CI {row['ci_low_whatif']:.1f}–{row['ci_high_whatif']:.1f}"
                       f" (Clopper–Pearson) · reference {before}")


def _cell(row: dict, side: str) -> str:
    if row["tier"] == NOT_EVALUABLE:
        return f"{row[f'n_{side}']}"
    if row[f"reason_{side}"]:
        return "not computed"
    return (f"{row[f'n_{side}']}/{row[f'total_{side}']} = {row[f'pct_{side}']:.1f} % "
            f"({row[f'ci_low_{side}']:.1f}–{row[f'ci_high_{side}']:.1f})")


def _tier_table(ctx: ViewContext, tiers: pd.DataFrame, ref_name: str) -> Table:
    rows = [r._asdict() for r in tiers.itertuples(index=False)]
    table = tiers.assign(
        reference=[_cell(r, "reference") for r in rows], whatif=[_cell(r, "whatif") for r in rows],
        change=["0" if r["diff_n"] == 0 else f"{r['diff_n']:+d}" for r in rows],
        paired=[_paired(r) for r in rows], mcnemar=[p_text(r["p_mcnemar"], r["paired_reason"]) for r in rows],
        moved=["0" if r["moved_in"] == r["moved_out"] == 0 else f"+{r['moved_in']} / −{r['moved_out']}" for r in rows])
    columns = {"tier": Col("Tier"), "reference": Col(f"{ref_name}: n/N = % (95% CI)"),
               "whatif": Col("What-if: n/N = % (95% CI)"), "change": Col("Change, patients"),
               "paired": Col("Paired difference, pp (95% CI)"), "mcnemar": Col("McNemar P"), "moved": Col("In / out")}
    published = ctx.paper_applies(graded=False)
    if published:
        paper = published_tiers().set_index("tier")
        table = table.assign(paper=[f"{paper.loc[t, 'n']}/{paper.loc[t, 'total']} = {paper.loc[t, 'pct']:.1f} %"
                                    if t in paper.index else "" for t in table["tier"]])
        columns["paper"] = Col("Published")
    caption = ("N: evaluable patients; not-evaluable patients have their own row and are left out of the percentages. "
               "95% CI: Clopper–Pearson exact. Change: what-if minus reference, in patients. Paired difference: "
               "what-if minus reference in percentage points over the patients evaluable under both rule sets (every "
               "patient on the not-evaluable row), with Newcombe's interval (method 10) and the exact McNemar P: the "
               "same patients graded twice, so the information is in those who move, not in two independent rates. "
               "In / out: patients entering or leaving the row's tier (ORR: any response)."
               + (" Published (Yang et al. 2024): MaR, NR and ORR as printed, SLR counted in Table 3, MiR what remains "
                  "of the 48." if published else ""))
    notes = "\n".join(f"{t}: what-if {w}; {ref_name} {r}; change {c}; paired difference {d} pp, McNemar P {p or '–'}"
                      for t, w, r, c, d, p in zip(table["tier"], table["whatif"], table["reference"], table["change"],
                                                  table["paired"], table["mcnemar"]))
    return Table("whatif_tiers", f"Tiers under {ref_name} and the what-if rules", table, columns, caption=caption,
                 notes=notes)


def _paired(row: dict) -> str:
    """"+6.3 (1.2 to 12.0), n = 48" ("0.0 (…)" when no one moves), or "not computed: …"."""
    if row["paired_reason"]:
        return str(row["paired_reason"])
    diff = row["paired_diff_pct"]
    return (f"{diff:+.1f} " if round(diff, 1) else "0.0 ") + (
        f"({interval_text(row['paired_ci_low'], row['paired_ci_high'], 1)}), n = {row['paired_n']}")


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
    title = (f"{len(changed)} of {n} patients change tier" if len(changed) else
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
