"""The Response page: tiers and ORR with exact intervals (per protocol or intention to treat), TDT and NTDT
apart, the transfusion reduction two ways, transfusion independence, tiers by subgroup."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thaldash.analyses.groupings import grouping_caveat
from thaldash.analyses.headlines import reduction_summary, response_headlines
from thaldash.analyses.response import (GROUPINGS, beside_published, non_mar_patients, response_patients, ti_timing,
                                        tier_crosstab)
from thaldash.charts import tier_bars, tiers_by_group_chart
from thaldash.grading.summary import ANALYSES, tier_table
from thaldash.views.blocks import Col, Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import Param
from thaldash.views.wording import BASIS_NOTE, assumed_notes, basis_marks
from thaldash.views.headlines import (ANALYSIS_LABELS, ITT, headline, headline_stat, headline_table, itt_left_out,
                                      reduction_table)

PAGE = "Response"
CI_NOTE = "Clopper–Pearson exact 95% CI"
_PCT = {"pct": Col("%", "%.1f", from_counts=True), "ci_low": Col("95% CI low", "%.1f", from_counts=True),
        "ci_high": Col("95% CI high", "%.1f", from_counts=True), "reason": Col("Note")}
PARAMS: tuple[Param, ...] = (Param("by", "genotype", lambda ctx, _: tuple(ctx.groupings(GROUPINGS))),
                            Param("analysis", "per-protocol", ANALYSES), Param("ne_fail", False))
"""The page's own settings (``views.params``): the subgroups of the tiers and the denominators."""


@dataclass(frozen=True, eq=False)
class ResponseView:
    """Everything the Response page shows for one grouping (``by``), analysis and count of the not evaluable.

    ``notice`` says why intention to treat cannot be shown as asked ("" when it can); ``caveat`` is
    ``analyses.groupings.grouping_caveat(by)`` ("" for a grouping fixed at enrolment).
    """

    headlines: tuple[Stat, ...]
    beside_paper: Table | None
    tier_chart: Figure | Stat
    tiers: Table
    by_type: tuple[Stat, ...]
    rates: Table
    reduction: Table
    independence: Table
    by_group_chart: Figure
    by_group: Table
    non_mar: Table
    notice: str = ""
    caveat: str = ""

    def page(self) -> PageView:
        return PageView(PAGE, (*self.headlines, *((self.beside_paper,) if self.beside_paper else ()),
                               self.tier_chart, self.tiers, *self.by_type, self.rates, self.reduction,
                               self.independence, self.by_group_chart, self.by_group, self.non_mar))


def response_view(ctx: ViewContext, *, by: str = "genotype", analysis: str = "per-protocol",
                  not_evaluable_as_failure: bool = False) -> ResponseView:
    """The Response page of ``ctx`` grouped by ``by`` (one of ``analyses.response.GROUPINGS``).

    Every filtered patient is graded, withdrawn ones too when the sidebar keeps them
    (``ctx.graded_everyone``), so the tiers' ``n_patients`` is the header's n; ``analysis``
    ("per-protocol" or "intention-to-treat") and ``not_evaluable_as_failure`` decide the denominators
    (``grading.summary.tier_table``). ``by`` is one of ``ctx.groupings(GROUPINGS)``:
    ``analyses.response.GROUPINGS``, and the centre when there are several.
    """
    labels = ctx.groupings(GROUPINGS)
    if by not in labels:
        raise ValueError(f"by: {by!r} is not one of {', '.join(labels)}")
    if analysis not in ANALYSES:
        raise ValueError(f"analysis: {analysis!r} is not one of {', '.join(ANALYSES)}")
    everyone = ctx.graded_everyone()
    patients = response_patients(everyone, ctx.filtered.patients, ctx.graded(ctx.cohort))
    options = {"analysis": analysis, "not_evaluable_as_failure": not_evaluable_as_failure}
    overall = tier_table(patients, **options)
    rows = response_headlines(everyone, not_evaluable_as_failure=not_evaluable_as_failure)
    analysed = patients[~patients["withdrawn"].fillna(False).astype(bool).to_numpy()]
    timing = ti_timing(analysed)  # the grading's own independence rule (ti_min_free_visits)
    tiers, ti = overall.set_index("tier"), timing.set_index("category")
    left_out = itt_left_out(ctx) if analysis == ITT else ""
    notice = left_out and f"Intention to treat: {left_out.removeprefix('not computed: ')}."
    headlines = (
        headline_stat(ctx, rows, "all", "MaR", analysis),
        headline_stat(ctx, rows, "all", "ORR", analysis),
        headline("tdt_free", "TDT transfusion-free", ti.loc["transfusion-free"], "TDT patients"),
        headline("tdt_free_1m", "TDT free within 1 month", ti.loc["within 1 month"], "TDT patients"),
    )
    summary = "; ".join(s.text() for s in headlines)
    beside = None
    if ctx.paper_applies() and analysis == "per-protocol" and not not_evaluable_as_failure:
        beside = Table("response_vs_paper", "Response beside the paper", beside_published(overall, timing), {
            "quantity": Col("Figure"), "printed": Col("Published"), "n": Col("Computed n", count=True),
            "total": Col("of", "%d", count=True),
            "pct": Col("Computed %", "%.1f", from_counts=True), "same_count": Col("Same count")},
            caption="Abstract, Results and Table 1 of Yang et al. 2024; the bundled cohort, unfiltered, the paper's "
                    "rule, per protocol.")
    denominator = str(overall["denominator"].iloc[0])
    n_in = int(tiers.loc["MaR", "total"]) if pd.notna(tiers.loc["MaR", "total"]) else 0
    caption = (f"Tiers of the {len(patients)} patients shown under {ctx.scenario}; percentages of the {n_in} "
               f"{denominator} ({ANALYSIS_LABELS[analysis]}), {CI_NOTE}."
               + (" The sidebar leaves out the patients who withdrew, so these are the per-protocol numbers."
                  if notice else ""))
    # On the reconstruction each count says whether the paper prints it, fixes it or leaves it assumed.
    labelled = ctx.labelled(overall.assign(population="all"), "tiers")
    assumed = assumed_notes(labelled)
    if n_in >= 2:
        tier_chart: Figure | Stat = Figure("response_tiers", "Response tiers", tier_bars(
            overall, presentation=ctx.presentation), caption=caption, notes=summary, footer_notes=assumed)
    else:
        tier_chart = Stat("response_tiers", "Tier chart", reason="fewer than 2 patients in the denominator")
    shown = overall.assign(basis=basis_marks(labelled["constraint"]))
    tier_rows = Table("response_tiers_table", "Response tiers", shown, {
        # Basis before the Note, which is empty but on the not-evaluable rows: the table stands in half the page.
        "tier": Col("Tier"), "n": Col("n", count=True), "total": Col("of", count=True),
        **{c: _PCT[c] for c in ("pct", "ci_low", "ci_high")},
        **({"basis": Col("Basis", width=105)} if ctx.bundled else {}), "reason": _PCT["reason"]},
        caption=caption + (f" {BASIS_NOTE}" if ctx.bundled else ""), notes=summary, footer_notes=assumed)
    by_type = tuple(headline_stat(ctx, rows, population, endpoint, analysis)
                    for population, endpoint in (("TDT", "ORR"), ("TDT", "MaR"), ("NTDT", "MaR")))
    n_tdt = int(ti.loc["transfusion-free", "n_tdt"])
    independence = Table("transfusion_independence", "Transfusion independence (TDT)", timing, {
        "category": Col("TDT patients"), "n": Col("n", count=True), "total": Col("of", count=True), **_PCT},
        caption=f"TDT patients (n = {n_tdt}), independent from the month after which no visit records a "
                f"transfusion, with at least {ctx.rules.ti_min_free_visits} later visit(s) without one (the grading's "
                "rule): within 1 month (month ≤ 1), at 3 months (1 < month ≤ 3). \"of\": TDT patients whose status "
                f"is known. {CI_NOTE}.",
        notes="; ".join(s.text() for s in headlines[2:]))
    by_table = tier_table(patients, by=by, **options)
    crosstab = tier_crosstab(by_table, by=by)
    caveat = grouping_caveat(by)
    group_caption = ((caveat + " " if caveat else "")
                     + f"ORR: % of the {denominator} of each group, {CI_NOTE}; a group with fewer than 2 in the "
                       "denominator gets no interval, and groups under 5 are flagged (Note).")
    by_group_chart = Figure(f"tiers_by_{by}", f"Response tiers by {labels[by].lower()}", tiers_by_group_chart(
        by_table, by=by, presentation=ctx.presentation), caption=group_caption, notes=_group_notes(crosstab, by))
    by_group = Table(f"tiers_by_{by}_table", f"Response tiers by {labels[by].lower()}", crosstab,
                     crosstab_columns(by, labels[by]), caption=group_caption, notes=_group_notes(crosstab, by))
    non_mar = Table("non_mar_patients", "Patients not graded MaR", non_mar_patients(analysed), {
        "patient_id": Col("Patient"), "genotype": Col("Genotype"), "thal_type": Col("Type"), "tier": Col("Tier"),
        "reduction_pct": Col("Reduction %", "%.1f"), "hb_rise": Col("Hb rise (g/L)", "%.1f"),
        "ti_month": Col("Free from month", "%.0f"), "ti_status": Col("Transfusion status"),
        "rule_trace": Col("Why (rule trace)", width="large")},
        caption="Each with the rule that decided the tier. \"Free from month\" is empty for a patient never "
                "transfused (the status says so) or still transfused; patients who withdrew are left out.",
        patient_column="patient_id", long_list=True, what="non-MaR patients")
    return ResponseView(headlines, beside, tier_chart, tier_rows, by_type, headline_table(ctx, rows),
                        reduction_table(ctx, reduction_summary(everyone)), independence, by_group_chart, by_group, non_mar,
                        notice, caveat)




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
