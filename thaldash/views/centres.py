"""The Centres page: patients, withdrawals, visit completeness and response per centre, and whether the
response rate differs between centres."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from thaldash.analyses.centres import CENTRE, centre_patients, centre_response, orr_heterogeneity
from thaldash.analyses.response import response_patients
from thaldash.charts import tiers_by_group_chart
from thaldash.grading.summary import tier_table
from thaldash.views.blocks import Col, Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.response import crosstab_columns

PAGE = "Centres"
ONE_CENTRE = ("These data name one centre: there is nothing to compare. A folder of files, one per centre, or a "
              "centre column makes several (the Data page's contract says how).")
FILTERED_TO_ONE = "The sidebar's filter keeps the patients of one centre: there is nothing to compare."


@dataclass(frozen=True, eq=False)
class CentresView:
    """What the Centres page shows: headline numbers, patients and visits per centre, response per centre,
    the test of heterogeneity (a ``Stat``, with the reason when it is not computed); ``several``: the data
    name more than one centre (the filter may keep fewer)."""

    headlines: tuple[Stat, ...]
    patients: Table
    response_chart: Figure | Stat
    response: Table
    heterogeneity: Stat
    several: bool

    def page(self) -> PageView:
        return PageView(PAGE, (*self.headlines, self.patients, self.response_chart, self.response, self.heterogeneity))


def centres_view(ctx: ViewContext) -> CentresView:
    """The Centres page of ``ctx``: the filtered patients (withdrawn counted apart) by centre."""
    enrolled = replace(ctx.filter, include_withdrawn=True).apply(ctx.cohort)
    counts = centre_patients(enrolled, ctx.scheduled(enrolled))
    graded = response_patients(ctx.graded(), ctx.filtered.patients, ctx.graded(ctx.cohort))
    if CENTRE not in graded:  # one file without a centre column: one centre, named after the data
        graded = graded.assign(**{CENTRE: "all"})
    crosstab = centre_response(graded)
    test = orr_heterogeneity(crosstab).iloc[0]
    n_centres = len(counts)
    schedule = "as recorded" if ctx.schedule == "recorded" else "read at the nearest study month"
    patients = Table("centre_patients", "Patients and visits by centre", counts, {
        CENTRE: Col("Centre"), "n_enrolled": Col("Enrolled", count=True), "n_withdrawn": Col("Withdrew", count=True),
        "n_analysed": Col("Analysed", count=True), "n_expected": Col("Visits expected", count=True),
        "n_visits": Col("Visits at a study month", count=True),
        "pct_visits": Col("Visit completeness %", "%.1f", from_counts=True),
        "n_off_schedule": Col("Visits off the schedule (recorded)", count=True)},
        caption=f"Enrolled patients of the filter, withdrawn included. Visit completeness: the analysed patients' "
                f"visits at the 7 study months (0–24) of all they were expected to have, off-schedule visits "
                f"{schedule} (sidebar); visits off the schedule are counted as the centre recorded them. "
                f"Withdrawn patients are left out of the visits.",
        notes=_patient_notes(counts))
    group_caption = ("ORR: MaR + MiR + SLR of the evaluable patients of each centre, Clopper–Pearson exact 95% CI; "
                     "centres under 5 evaluable patients are flagged (Note).")
    by_table = tier_table(graded, by=CENTRE)
    chart: Figure | Stat = (Figure("tiers_by_centre", "Response tiers by centre", tiers_by_group_chart(
        by_table, by=CENTRE, presentation=ctx.presentation), caption=group_caption, notes=_orr_notes(crosstab))
        if len(crosstab) else Stat("tiers_by_centre", "Response by centre", reason="no analysed patient"))
    response = Table("centre_response", "Response tiers by centre", crosstab, crosstab_columns(CENTRE, "Centre"),
                     caption=group_caption, notes=_orr_notes(crosstab))
    heterogeneity = _heterogeneity(test, several=n_centres > 1,
                                   why=FILTERED_TO_ONE if ctx.cohort.several_centres else ONE_CENTRE)
    n_enrolled, n_analysed = int(counts["n_enrolled"].sum()), int(counts["n_analysed"].sum())
    headlines = (
        Stat("centres", "Centres", f"{n_centres:,}", n=n_enrolled, detail=f"{n_analysed:,} analysed patients"),
        Stat("withdrawn", "Withdrew", f"{int(counts['n_withdrawn'].sum()):,}", n=n_enrolled,
             detail="of the enrolled patients"),
    )
    return CentresView(headlines, patients, chart, response, heterogeneity, ctx.cohort.several_centres)


def _heterogeneity(test: pd.Series, *, several: bool, why: str) -> Stat:
    label = "ORR differs between centres?"
    if not several:
        return Stat("heterogeneity", label, reason=why)
    if test["reason"]:
        return Stat("heterogeneity", label, reason=str(test["reason"]))
    statistic = (f"χ² = {test['statistic']:.2f}, {int(test['df'])} df; " if pd.notna(test["statistic"]) else "")
    return Stat("heterogeneity", label, f"P = {_p(test['p'])}", n=int(test["n"]),
                detail=f"{statistic}{test['test']}, {int(test['n_centres'])} centres with evaluable patients; "
                       f"{test['why']}",
                help="The null hypothesis: every centre has the same response rate (MaR + MiR + SLR of the "
                     "evaluable patients). A small P says the rates differ more than chance alone would make them; "
                     "a large P does not show that they are equal.")


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _patient_notes(counts: pd.DataFrame) -> str:
    return "\n".join(f"{r.centre}: {r.n_enrolled} enrolled, {r.n_withdrawn} withdrew, {r.n_visits} of "
                     f"{r.n_expected} expected visits" + (f" ({r.pct_visits:.1f} %)" if pd.notna(r.pct_visits) else "")
                     for r in counts.itertuples())


def _orr_notes(crosstab: pd.DataFrame) -> str:
    lines = []
    for row in crosstab.itertuples(index=False):
        ci = f", 95% CI {row.ci_low:.1f}–{row.ci_high:.1f} %" if pd.notna(row.ci_low) else ""
        rate = f"ORR {row.orr:.1f} %" if pd.notna(row.orr) else "ORR not computed"
        lines.append(f"{getattr(row, CENTRE)}: n = {row.n}, {rate}{ci}")
    return "\n".join(lines)
