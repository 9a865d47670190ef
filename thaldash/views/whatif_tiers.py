"""The What-if page's tier section: headline rates, the transition heatmap and the tier table of the app's
rules beside the reference, with the paired difference of each rate (Newcombe) and McNemar's exact P.

It depends on the rules only through the tiers they give, so the app caches it on ``tier_key`` (most
threshold steps move no patient, and then nothing is rebuilt). ``views.whatif`` assembles the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thaldash.charts import transition_heatmap
from thaldash.data.schema import NOT_EVALUABLE, TIERS
from thaldash.grading.effects import rule_effect
from thaldash.grading.whatif import (published_tiers, tier_changes,
                                     tier_digest, transition_matrix)
from thaldash.views.blocks import Col, Figure, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.reference import DEFAULT_REFERENCE, resolve_reference
from thaldash.views.wording import interval_text, p_text

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
