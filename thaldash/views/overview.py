"""The Overview page: the study flow, the demographics and the paper's Table 1 by genotype."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

from thaldash.analyses.overview import demographics, study_flow, table_1
from thaldash.data.cohort import Cohort
from thaldash.views.blocks import Col, PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import Param

PAGE = "Overview"
POPULATIONS: dict[str, str] = {"enrolled": "Enrolled, withdrawn included (as the paper)", "analysed": "Analysed only"}
_COUNTED = {"enrolled": "Enrolled patients, withdrawn included,", "analysed": "Analysed patients"}
LABELS: dict[str, str] = {"sex": "Sex", "age_years": "Age (years)", "age_band": "Age band (years)",
                          "splenectomy": "Splenectomy", "thal_type": "Type"}
TABLE_1_COUNTS: dict[str, str] = {
    "n_ntdt": "NTDT", "n_tdt": "TDT", "n_tdt_ti_1m": "TDT free M1", "n_tdt_ti_3m": "TDT free M3",
    "n_tdt_ti_later": "free later", "n_tdt_not_ti": "transfused*", "n_total": "Total"}
PARAMS: tuple[Param, ...] = (Param("population", "enrolled", tuple(POPULATIONS)),)
"""The page's own settings (``views.params``): the demographics' denominator."""


@dataclass(frozen=True, eq=False)
class OverviewView:
    """Everything the Overview page shows for one demographics population."""

    flow: tuple[Stat, ...]
    withdrawals: Table | None
    demographics: Table
    table_1: Table

    def page(self) -> PageView:
        return PageView(PAGE, (*self.flow, *((self.withdrawals,) if self.withdrawals else ()), self.demographics,
                               self.table_1))


def enrolled(ctx: ViewContext) -> Cohort:
    """The filtered patients with the withdrawn kept, whatever the filter says (the study flow and the
    demographics count everyone enrolled, as the paper's 52)."""
    if ctx.filter.include_withdrawn:
        return ctx.filtered
    return replace(ctx.filter, include_withdrawn=True).apply(ctx.cohort)


def overview_view(ctx: ViewContext, *, population: Literal["enrolled", "analysed"] = "enrolled") -> OverviewView:
    """The Overview page of ``ctx``; ``population`` is the demographics' denominator (``POPULATIONS``)."""
    if population not in POPULATIONS:
        raise ValueError(f"population: {population!r} is not one of {', '.join(POPULATIONS)}")
    everyone = enrolled(ctx)
    flow = study_flow(everyone)
    totals = flow[flow["level"] == "total"].set_index("stage")["n"]
    stats = (Stat("enrolled", "Enrolled", f"{totals['enrolled']}"),
             Stat("withdrawn", "Withdrew", f"{totals['withdrawn']}", detail="reasons below"),
             Stat("analysed", "Analysed", f"{totals['analysed']}", detail="the efficacy population"))
    flow_line = "; ".join(s.text() for s in stats)
    reasons = flow[flow["level"] == "reason"][["reason", "n", "month_min", "month_max"]].reset_index(drop=True)
    withdrawals = None
    if len(reasons):
        withdrawals = Table("withdrawals", "Withdrawals", reasons, {
            "reason": Col("Reason for withdrawal"), "n": Col("Patients", count=True), "month_min": Col("Earliest month", "%.0f"),
            "month_max": Col("Latest month", "%.0f")},
            caption=f"{totals['withdrawn']} of the {totals['enrolled']} enrolled patients who match the filters "
                    "withdrew; months are those of the withdrawal.",
            notes=flow_line)
    demo = demographics(everyone, population)
    n = int(demo["total"].iloc[0]) if len(demo) else 0
    shown = demo.assign(characteristic=demo["characteristic"].map(LABELS).fillna(demo["characteristic"]))
    demographics_table = Table("demographics", "Demographics", shown, {
        "characteristic": Col("Characteristic"), "category": Col("Category"), "n": Col("n", count=True),
        "total": Col("of", count=True), "pct": Col("%", "%.1f", from_counts=True), "value": Col("Years", "%.0f")},
        caption=f"{_COUNTED[population]} who match the filters (n = {n}); "
                "the paper's \"General conditions\" counts all 52 enrolled. % of the number in the \"of\" column.",
        notes=_demographics_notes(shown))
    table = table_1(ctx.filtered, ctx.graded(ctx.cohort))
    total = table[table["genotype"] == "Total"].iloc[0] if len(table) else None
    table_one = Table("table_1", "Table 1 — genotype combinations and transfusion independence", table, {
        "genotype": Col("Genotype"), "beta_class": Col("Class"), "tiers_present": Col("Tiers", width=80),
        "group": Col("Genotype group", width=110),
        **{c: Col(label, width="small", count=True) for c, label in TABLE_1_COUNTS.items()}},
        caption=f"Analysed patients (n = {ctx.n}). TDT patients are counted by the month from which they needed "
                "no more transfusion. The genotype group is decided on the whole cohort under the selected "
                "grading, so a filter never moves a combination between groups. TDT free M1 / M3: "
                "transfusion-independent from month 1 / month 3 (the paper's two \"detachment from transfusion\" "
                "columns). * Still transfused at the last visit, or not evaluable (missing records).",
        notes="" if total is None else (
            f"Analysed: {total['n_total']} ({total['n_ntdt']} NTDT, {total['n_tdt']} TDT); TDT free from month 1: "
            f"{total['n_tdt_ti_1m']}, from month 3: {total['n_tdt_ti_3m']}, later: {total['n_tdt_ti_later']}, "
            f"still transfused or not evaluable: {total['n_tdt_not_ti']}"))
    return OverviewView(stats, withdrawals, demographics_table, table_one)


def _demographics_notes(demo: pd.DataFrame) -> str:
    """One line per characteristic: "Sex: M 30 (57.7 %), F 22 (42.3 %) of 52"."""
    lines = []
    for characteristic, rows in demo.groupby("characteristic", sort=False):
        if rows["pct"].isna().all():  # the age statistics
            parts = [f"{r.category} {r.value:.0f}" for r in rows.itertuples() if pd.notna(r.value)]
            lines.append(f"{characteristic}: " + (", ".join(parts) if parts else "not recorded")
                         + f" (n = {int(rows['n'].iloc[0])})")
        else:
            parts = [f"{r.category} {r.n} ({r.pct:.1f} %)" for r in rows.itertuples()]
            lines.append(f"{characteristic}: {', '.join(parts)} of {int(rows['total'].iloc[0])}")
    return "\n".join(lines)
