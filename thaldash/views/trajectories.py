"""The Trajectories page: Hb, HbF and ferritin over follow-up by group, patient lines, and which values exist."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from thaldash.analyses.groupings import grouping_caveat
from thaldash.analyses.patient import lines_table
from thaldash.analyses.response import grouped_visits, response_patients
from thaldash.analyses.trajectories import completeness, completeness_sample, individual_lines, trajectory_means
from thaldash.charts import MAX_ROWS, completeness_map, trajectory_chart
from thaldash.data.schema import STUDY_MONTHS
from thaldash.views.blocks import Col, Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import Param
from thaldash.views.wording import ASSUMED_MARK, SMALL_N_MARK, assumed_notes, basis_marks

PAGE = "Trajectories"
MEASURES: dict[str, str] = {"hb_g_l": "Hb (g/L)", "hbf_pct": "HbF (%)", "sf_ng_ml": "Serum ferritin (ng/mL)"}
GROUPINGS: dict[str, str] = {"tier": "Response tier", "genotype_group": "Genotype group", "genotype": "Genotype",
                             "thal_type": "TDT / NTDT", "splenectomy": "Splenectomy", "none": "No grouping"}
PATIENTS: dict[str, str] = {"all": "All analysed patients", "mar": "MaR genotype group",
                            "slr-nr": "SLR/NR genotype group"}
GROUP_OF: dict[str, str | None] = {"all": None, "mar": "MaR group", "slr-nr": "SLR/NR group"}
MONTHS: tuple[int, ...] = tuple(m for m in STUDY_MONTHS if m > 0)
MAP_PATIENTS = 150  # a patients × visits map taller than this is unreadable; larger cohorts get a sample
FIG_2: dict[str, object] = {"measure": "hb_g_l", "grouping": "genotype", "months": 6, "patients": "mar",
                            "lines": False, "log": False}
"""The page settings that draw the paper's Fig. 2 (Hb of the MaR-group patients by genotype, months 0–6)."""
NO_VISITS = "No analysed patient of this selection has visits; choose other patients or widen the filter."
PARAMS: tuple[Param, ...] = (
    Param("measure", "hb_g_l", tuple(MEASURES)),
    Param("grouping", "tier", lambda ctx, _: tuple(ctx.groupings(GROUPINGS))),
    Param("months", 24, MONTHS), Param("patients", "all", tuple(PATIENTS)), Param("lines", False), Param("log", False))
"""The page's own settings (``views.params``)."""


@dataclass(frozen=True, eq=False)
class TrajectoriesView:
    """Everything the Trajectories page shows for one measure, grouping, span and selection of patients.

    ``chart`` is a ``Stat`` with the reason when the selection has no visits; the other blocks are
    then None. ``complete`` says every expected value exists (the map can stay folded); ``caveat`` is the
    line to show when the groups are defined by the outcome (``analyses.groupings.grouping_caveat``).
    """

    chart: Figure | Stat
    lines: Table | None = None
    means: Table | None = None
    completeness_map: Figure | None = None
    completeness: Table | None = None
    complete: bool = False
    caveat: str = ""

    def page(self) -> PageView:
        blocks = (self.chart, self.lines, self.means, self.completeness_map, self.completeness)
        return PageView(PAGE, tuple(b for b in blocks if b is not None))


def trajectory_visits(ctx: ViewContext, *, patients: str = "all", months: int = 24) -> pd.DataFrame:
    """The filtered analysed patients' visits up to ``months`` with their tier, genotype group and groupings,
    restricted to a genotype group (``PATIENTS``) decided on the whole cohort."""
    if patients not in PATIENTS:
        raise ValueError(f"patients: {patients!r} is not one of {', '.join(PATIENTS)}")
    table = response_patients(ctx.graded(), ctx.filtered.patients, ctx.graded(ctx.cohort))
    # Tiers from the recorded months; the measures at the study months the view reads them as.
    return grouped_visits(ctx.scheduled().visits, table, genotype_group=GROUP_OF[patients], max_month=months)


def trajectories_view(ctx: ViewContext, *, measure: str = "hb_g_l", grouping: str = "tier", months: int = 24,
                      patients: str = "all", lines: bool = False, log: bool = False) -> TrajectoriesView:
    """The Trajectories page of ``ctx``; ``log`` applies to ferritin only (geometric means); ``grouping``
    one of ``ctx.groupings(GROUPINGS)`` (the centre too with several centres)."""
    for name, value, allowed in (("measure", measure, MEASURES), ("grouping", grouping, ctx.groupings(GROUPINGS)),
                                 ("months", months, MONTHS)):
        if value not in allowed:
            raise ValueError(f"{name}: {value!r} is not one of {', '.join(map(str, allowed))}")
    log = log and measure == "sf_ng_ml"
    by = None if grouping == "none" else grouping
    visits = trajectory_visits(ctx, patients=patients, months=months)
    key = f"trajectory_{measure}"
    if not len(visits):
        return TrajectoriesView(Stat(key, "Trajectory", reason=NO_VISITS))
    means = trajectory_means(visits, measure=measure, by=by, log=log)
    n_patients = visits["patient_id"].nunique()
    who = f"{n_patients:,} analysed patients" + ("" if patients == "all" else f" of the {GROUP_OF[patients]}")
    genotypes = (sorted(ctx.cohort.patients["genotype"].dropna().unique()) if by == "genotype"
                 else list(ctx.cohort.centres) if by == "centre" else None)
    # Bounded by rows too: patients seen monthly for years would otherwise exceed what a chart embeds.
    individual = individual_lines(visits, measure=measure, by=by, max_rows=MAX_ROWS) if lines else None
    figure = trajectory_chart(means, measure=measure, grouping=by, log_scale=log, individual=individual,
                              domain=genotypes, show_n=(means[by].nunique() if by else 1) <= 4, months=months,
                              presentation=ctx.presentation)
    interval = ("95% CI: exp(mean of ln values ± t(0.975, n − 1) · SE)" if log
                else "95% CI: mean ± t(0.975, n − 1) · SE")
    method = ("Log scale: the line is the geometric mean and the band its 95% CI (t on log values, "
              "back-transformed)." if log else "Line: the mean; band: its 95% CI (t distribution).")
    span = "24 months" if months == 24 else f"months 0–{months}"
    labels = ctx.groupings(GROUPINGS)
    title = f"{MEASURES[measure]} over {span}" + (f" by {labels[grouping].lower()}" if by else "")
    notes = means_notes(means, by)
    caveat = grouping_caveat(by)
    few = int(means["small_n"].sum())
    chart = Figure(key, title, figure, caption=(f"{caveat} " if caveat else "") + f"{who}, months 0–{months}. "
                   f"{method} n per point in the tooltip and, for up to 4 groups, along the foot."
                   + (f" {few} point(s) rest on fewer than 5 patients ({SMALL_N_MARK} in the table)." if few else ""),
                   notes=notes)
    drawn = None
    if individual is not None:
        rows = lines_table(individual.rows, measure=measure, by=by)
        drawn = Table("trajectory_patients", "Patients drawn as lines", rows, {
            "patient_id": Col("Patient"), **({by: Col(labels[grouping])} if by else {}),
            **{c: Col(f"{c[1:]} M", "%.1f") for c in rows.columns if c[1:].isdigit()}},
            caption=f"Thin lines: {individual.note}.", patient_column="patient_id", what="patients drawn")
    estimate = means["estimate"].iloc[0].capitalize() if len(means) else "Mean"
    labelled = _labelled(ctx, means, measure=measure, by=by, log=log,
                         subgroup=patients != "all" and by not in ("genotype", "genotype_group"))
    shown = labelled.assign(flag=[SMALL_N_MARK if s else "" for s in labelled["small_n"]],
                            basis=basis_marks(labelled["constraint"]))
    assumed = assumed_notes(labelled)
    means_table = Table(f"trajectory_{measure}_means", f"{title}: {estimate.lower()} per month", shown, {
        **({by: Col(labels[grouping])} if by else {}), "month": Col("Month"), "n": Col("n", count=True),
        "flag": Col("Few", width="small"), "mean": Col(estimate, "%.1f"), "ci_low": Col("95% CI low", "%.1f"),
        "ci_high": Col("95% CI high", "%.1f"), "reason": Col("Note"), "estimate": Col("Estimate"),
        **({"basis": Col("Basis")} if ctx.bundled else {})},
        caption=f"{who}; {interval}; groups with one value or no spread get no interval (Note); {SMALL_N_MARK}: an "
                "interval from so few values is wide and fragile."
                + (f" Basis: whether the paper publishes the mean, fixes it by printed numbers (constrained) or leaves "
                   f"it to the reconstruction ({ASSUMED_MARK}: e.g. months 1, 3 and 18, which the paper does not "
                   "print)." if ctx.bundled else ""), notes=notes, footer_notes=assumed)
    expected = [m for m in STUDY_MONTHS if m <= months]
    summary = completeness(visits, expected_months=expected, measures=(measure,), with_detail=False).summary
    complete = bool((summary["n_value"] == summary["n_expected"]).all())
    grid = completeness_sample(visits, expected_months=expected, measures=(measure,),
                               max_patients=MAP_PATIENTS if summary["n_expected"].max() <= MAP_PATIENTS else 100)
    counted = (f"Every patient has a value at every expected month ({summary['n_expected'].sum():,} values)."
               if complete else f"{int(summary['n_value'].sum()):,} of {int(summary['n_expected'].sum()):,} "
               "expected values exist.")
    grid_figure = Figure(f"completeness_map_{measure}", f"Which {MEASURES[measure]} values exist",
                         completeness_map(grid.rows, status=measure, presentation=ctx.presentation),
                         caption=(f"The map shows {grid.note}; the table below counts every patient. " if grid.capped
                                  else "") + counted, notes=_completeness_notes(summary))
    table = Table(f"completeness_{measure}", f"Which {MEASURES[measure]} values exist, by month", summary, {
        "month": Col("Month"), "n_expected": Col("Patients", count=True), "n_visit": Col("With a visit", count=True),
        "n_value": Col("With a value", count=True), "pct_visit": Col("% visit", "%.1f", from_counts=True),
        "pct_value": Col("% value", "%.1f", from_counts=True)},
        caption=f"{who}, each expected at every study month up to {months}. {counted}",
        notes=_completeness_notes(summary))
    chart = replace(chart, footer_notes=assumed)
    return TrajectoriesView(chart, drawn, means_table, grid_figure, table, complete, caveat)


def _labelled(ctx: ViewContext, means: pd.DataFrame, *, measure: str, by: str | None, log: bool,
              subgroup: bool) -> pd.DataFrame:
    """``means`` with ``constraint``/``constraint_note`` (``ctx.labelled``); a geometric mean is assumed, since the
    paper prints arithmetic means only."""
    labelled = ctx.labelled(means, "trajectory", subgroup=subgroup, measure=measure, grouping=by or "",
                            subset="analysed")
    if log and ctx.bundled:
        return labelled.assign(constraint="assumed",
                               constraint_note="a geometric mean: the paper prints arithmetic means only")
    return labelled


def means_notes(means: pd.DataFrame, by: str | None) -> str:
    """Per group, the first and the last month: estimate, 95% CI (or why none) and n."""
    lines = []
    for group, rows in (means.groupby(by, sort=False, observed=True) if by else [("All", means)]):
        ends = [rows.iloc[0]] + ([rows.iloc[-1]] if len(rows) > 1 else [])
        parts = []
        for row in ends:
            ci = (f"95% CI {row['ci_low']:.1f}–{row['ci_high']:.1f}" if row["computed"]
                  else str(row["reason"]).removeprefix("not computed: ") or "no interval")
            parts.append(f"month {int(row['month'])}: {row['estimate']} {row['mean']:.1f} ({ci}; n = {int(row['n'])})")
        lines.append(f"{group}: " + " → ".join(parts))
    return "\n".join(lines)


def _completeness_notes(summary: pd.DataFrame) -> str:
    return "\n".join(f"Month {int(r.month)}: {int(r.n_value)} of {int(r.n_expected)} patients with a value "
                     f"({r.pct_value:.1f} %), {int(r.n_visit)} with a visit" for r in summary.itertuples())
