"""The Response page: tiers and ORR with exact intervals, transfusion independence, tiers by subgroup."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thaldash.analyses.centres import with_centre
from thaldash.analyses.response import (GROUPINGS, beside_published, non_mar_patients, response_patients, ti_timing,
                                        tier_crosstab)
from thaldash.charts import tier_bars, tiers_by_group_chart
from thaldash.grading.summary import tier_table
from thaldash.grading.transfusion import transfusion_facts
from thaldash.views.blocks import Col, Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext

PAGE = "Response"
CI_NOTE = "Clopper–Pearson exact 95% CI"
_PCT = {"pct": Col("%", "%.1f", from_counts=True), "ci_low": Col("95% CI low", "%.1f", from_counts=True),
        "ci_high": Col("95% CI high", "%.1f", from_counts=True), "reason": Col("Note")}


@dataclass(frozen=True, eq=False)
class ResponseView:
    """Everything the Response page shows for one grouping (``by``)."""

    headlines: tuple[Stat, ...]
    beside_paper: Table | None
    tier_chart: Figure | Stat
    tiers: Table
    independence: Table
    by_group_chart: Figure
    by_group: Table
    non_mar: Table

    def page(self) -> PageView:
        return PageView(PAGE, (*self.headlines, *((self.beside_paper,) if self.beside_paper else ()),
                               self.tier_chart, self.tiers, self.independence, self.by_group_chart, self.by_group,
                               self.non_mar))


def headline(key: str, label: str, row: pd.Series, what: str) -> Stat:
    """A rate with its n, count and interval (a ``tier_table`` / ``ti_timing`` row), or why not."""
    if not row["computed"]:
        return Stat(key, label, reason=str(row["reason"]))
    return Stat(key, label, f"{row['pct']:.1f} %", n=int(row["total"]),
                detail=f"{int(row['n'])} {what} · 95% CI {row['ci_low']:.1f}–{row['ci_high']:.1f} % "
                       f"({str(row['ci_method']).removesuffix(' 95%')})")


def response_view(ctx: ViewContext, *, by: str = "genotype") -> ResponseView:
    """The Response page of ``ctx`` grouped by ``by`` (one of ``groupings(ctx)``: ``analyses.response.GROUPINGS``,
    and the centre when there are several)."""
    labels = groupings(ctx)
    if by not in labels:
        raise ValueError(f"by: {by!r} is not one of {', '.join(labels)}")
    patients = response_patients(ctx.graded(), ctx.filtered.patients, ctx.graded(ctx.cohort))
    overall = tier_table(patients)
    timing = ti_timing(transfusion_facts(ctx.filtered))
    tiers, ti = overall.set_index("tier"), timing.set_index("category")
    n_eval = int(tiers.loc["MaR", "total"]) if pd.notna(tiers.loc["MaR", "total"]) else 0
    headlines = (
        headline("mar", "Major response (MaR)", tiers.loc["MaR"], "patients"),
        headline("orr", "Overall response rate (MaR + MiR + SLR)", tiers.loc["ORR"], "patients"),
        headline("tdt_free", "TDT transfusion-free", ti.loc["transfusion-free"], "TDT patients"),
        headline("tdt_free_1m", "TDT free within 1 month", ti.loc["within 1 month"], "TDT patients"),
    )
    summary = "; ".join(s.text() for s in headlines)
    beside = None
    if ctx.paper_applies():
        beside = Table("response_vs_paper", "Response beside the paper", beside_published(overall, timing), {
            "quantity": Col("Figure"), "printed": Col("Published"), "n": Col("Computed n", count=True),
            "total": Col("of", "%d", count=True),
            "pct": Col("Computed %", "%.1f"), "same_count": Col("Same count")},
            caption="Abstract, Results and Table 1 of Yang et al. 2024; the bundled cohort, unfiltered, the paper's "
                    "rule.")
    caption = (f"Tiers of the {n_eval} evaluable patients under {ctx.scenario}; percentages of the evaluable "
               f"patients, {CI_NOTE}.")
    if n_eval >= 2:
        tier_chart: Figure | Stat = Figure("response_tiers", "Response tiers", tier_bars(
            overall, presentation=ctx.presentation), caption=caption, notes=summary)
    else:
        tier_chart = Stat("response_tiers", "Tier chart", reason="fewer than 2 evaluable patients")
    tier_rows = Table("response_tiers_table", "Response tiers", overall, {
        "tier": Col("Tier"), "n": Col("n", count=True), "total": Col("of", count=True), **_PCT}, caption=caption,
        notes=summary)
    n_tdt = int(ti.loc["transfusion-free", "n_tdt"])
    independence = Table("transfusion_independence", "Transfusion independence (TDT)", timing, {
        "category": Col("TDT patients"), "n": Col("n", count=True), "total": Col("of", count=True), **_PCT},
        caption=f"TDT patients (n = {n_tdt}), independent from the month after which no visit records a "
                "transfusion: within 1 month (month ≤ 1), at 3 months (1 < month ≤ 3). \"of\": TDT patients "
                f"whose status is known. {CI_NOTE}.",
        notes="; ".join(s.text() for s in headlines[2:]))
    by_table = tier_table(patients, by=by)
    crosstab = tier_crosstab(by_table, by=by)
    group_caption = (f"ORR: % of the evaluable patients of each group, {CI_NOTE}; a group with fewer than 2 "
                     "evaluable patients gets no interval, and groups under 5 are flagged (Note).")
    by_group_chart = Figure(f"tiers_by_{by}", f"Response tiers by {labels[by].lower()}", tiers_by_group_chart(
        by_table, by=by, presentation=ctx.presentation), caption=group_caption, notes=_group_notes(crosstab, by))
    by_group = Table(f"tiers_by_{by}_table", f"Response tiers by {labels[by].lower()}", crosstab,
                     crosstab_columns(by, labels[by]), caption=group_caption, notes=_group_notes(crosstab, by))
    non_mar = Table("non_mar_patients", "Patients not graded MaR", non_mar_patients(patients), {
        "patient_id": Col("Patient"), "genotype": Col("Genotype"), "thal_type": Col("Type"), "tier": Col("Tier"),
        "reduction_pct": Col("Reduction %", "%.1f"), "hb_rise": Col("Hb rise (g/L)", "%.1f"),
        "ti_month": Col("Free from month", "%.0f"), "rule_trace": Col("Why (rule trace)", width="large")},
        caption="Each with the rule that decided the tier.", patient_column="patient_id",
        what="non-MaR patients")
    return ResponseView(headlines, beside, tier_chart, tier_rows, independence, by_group_chart, by_group, non_mar)


def groupings(ctx: ViewContext) -> dict[str, str]:
    """The groupings the page offers for ``ctx``: ``GROUPINGS``, with the centre when there are several."""
    return with_centre(GROUPINGS, ctx.cohort)


def crosstab_columns(by: str, label: str) -> dict[str, Col]:
    """How a ``tier_crosstab`` (tiers and the ORR per group) is shown: counts, then the ORR with its interval."""
    return {by: Col(label), **{t: Col(t, count=True) for t in ("MaR", "MiR", "SLR", "NR", "not evaluable")},
            "n": Col("Patients", count=True), "orr": Col("ORR %", "%.1f", from_counts=True),
            "ci_low": Col("95% CI low", "%.1f", from_counts=True), "ci_high": Col("95% CI high", "%.1f", from_counts=True),
            "note": Col("Note")}


def _group_notes(crosstab: pd.DataFrame, by: str) -> str:
    lines = []
    for row in crosstab.itertuples(index=False):
        group, n, orr, low, high = getattr(row, by), row.n, row.orr, row.ci_low, row.ci_high
        ci = f", 95% CI {low:.1f}–{high:.1f} %" if pd.notna(low) else (f" ({row.note})" if row.note else "")
        rate = f"ORR {orr:.1f} %" if pd.notna(orr) else "ORR not computed"
        lines.append(f"{group}: n = {n}, {rate}{ci}")
    return "\n".join(lines)
