"""The Transfusion and iron page: units before vs on treatment, reductions, the transfusion record, ferritin
and chelation stopped for low ferritin (Table 8)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thaldash.analyses.chelation import chelation_stops, stop_months
from thaldash.analyses.iron import ferritin_course, reduction_bins, transfusion_timeline_sample, units_before_after
from thaldash.analyses.patient import rows_of
from thaldash.analyses.patient_published import published_table_8
from thaldash.analyses.trajectories import cap_patients
from thaldash.charts import (MAX_ROWS, before_after_units, ferritin_with_stops, reduction_histogram,
                             transfusion_timeline)
from thaldash.views.blocks import Col, Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import Param
from thaldash.views.trajectories import means_notes

PAGE = "Transfusion and iron"
FERRITIN: dict[str, str] = {"mean": "Mean of all patients", "stops": "Patients whose chelation was stopped"}
# Per-patient marks beyond these are unreadable (and too many rows to embed): a random sample is drawn.
SLOPE_PATIENTS, GRID_PATIENTS, STOP_PATIENTS = 400, 60, 200
NOTE_LINES = 20  # speaker notes list this many stops; the table lists them all
NO_TDT = "No TDT patient matches the filter, so there are no transfusions to show."
NO_STOPS = "No patient of the filter had chelation stopped (none has a chelation_stop_month in the file)."
_TABLE_8 = {"patient_id": Col("Patient"), "genotype": Col("Genotype"), "sex": Col("Sex"), "age_years": Col("Age", "%.0f"),
            "chelation_stop_month": Col("Stopped at month", "%.0f"), "sf_at_stop": Col("SF before stopping", "%.0f"),
            "sf_24m": Col("SF at 24 M", "%.0f")}


def periods(window: int) -> dict[str, str]:
    """The on-treatment periods a page can show: the grading window (months 0–W) and the 24 months."""
    return {"window": f"Months 0–{window} (the grading window)", "24m": "Months 0–24"}


@dataclass(frozen=True, eq=False)
class IronView:
    """Everything the Transfusion and iron page shows for one period and ferritin view.

    Without TDT patients ``slope`` is a ``Stat`` saying so and the other transfusion blocks are None;
    ``stops`` is None when no patient had chelation stopped (the ferritin caption says so), and
    ``table_8`` is None unless the paper's numbers apply (``ViewContext.paper_applies``).
    """

    slope: Figure | Stat
    histogram: Figure | None
    units: Table | None
    timeline: Figure | None
    ferritin: Figure
    stops: Table | None
    table_8: Table | None

    def page(self) -> PageView:
        blocks = (self.slope, self.histogram, self.units, self.timeline, self.ferritin, self.stops, self.table_8)
        return PageView(PAGE, tuple(b for b in blocks if b is not None))


def iron_view(ctx: ViewContext, *, period: str = "window", ferritin: str = "mean", log: bool = False) -> IronView:
    """The Transfusion and iron page of ``ctx``: ``period`` one of ``periods``, ``ferritin`` one of ``FERRITIN``."""
    if period not in ("window", "24m"):
        raise ValueError(f"period: {period!r} is not one of window, 24m")
    if ferritin not in FERRITIN:
        raise ValueError(f"ferritin: {ferritin!r} is not one of {', '.join(FERRITIN)}")
    rules, window = ctx.rules, ctx.rules.window_months
    units = units_before_after(ctx.filtered, window=window, graded=ctx.graded())
    histogram = table = timeline = None
    if not len(units):
        slope: Figure | Stat = Stat(f"units_{period}", "Transfusions", reason=NO_TDT)
    else:
        suffix = "window" if period == "window" else "24m"
        months = window if period == "window" else 24
        sample = cap_patients(units, max_patients=SLOPE_PATIENTS)
        who = (f"{len(units):,} analysed TDT patients of the filter; on-treatment totals need every visit of the period "
               "recorded (otherwise the patient is shown before only).")
        slope = Figure(f"units_{period}", "Transfusion burden before and on treatment",
                       before_after_units(sample.rows, period=period, presentation=ctx.presentation),
                       caption=f"{who} Grading window: {window} months." + (
                           f" Lines: {sample.note}." if sample.capped else ""),
                       notes=_burden_notes(units, suffix, months))
        histogram = Figure("reduction_histogram", "Transfusion reduction", reduction_histogram(
            reduction_bins(units, column="reduction_pct_window"), mir_pct=rules.mir_reduction_pct,
            slr_pct=rules.slr_reduction_pct, window=window, presentation=ctx.presentation),
            caption=f"Reduction over the grading window; thresholds of the grading ({ctx.scenario}): MiR ≥ "
                    f"{rules.mir_reduction_pct:g} %, SLR ≥ {rules.slr_reduction_pct:g} %. Patients untransfused in the "
                    "window's last months are MaR whatever their reduction.",
            notes=_reduction_notes(units, rules.mir_reduction_pct, rules.slr_reduction_pct))
        shown = {"patient_id": Col("Patient"), "genotype": Col("Genotype"), "tier": Col("Tier"),
                 "pre_rbc_units_24m": Col("Units, 24 M before", "%.1f"),
                 "pre_units_per_month": Col("Per month before", "%.2f"),
                 f"units_{suffix}": Col("Units on treatment", "%.1f"),
                 f"units_per_month_{suffix}": Col("Per month on treatment", "%.2f"),
                 f"reduction_pct_{suffix}": Col("Reduction %", "%.1f"),
                 f"change_per_month_{suffix}": Col("Change per month", "%+.2f"), f"problem_{suffix}": Col("Why no total")}
        table = Table("units_before_after", "Transfusions before and on treatment, per patient", units,
                      {c: col for c, col in shown.items() if c in units}, caption=f"{who} Months 1–{months}.",
                      notes=_burden_notes(units, suffix, months), patient_column="patient_id",
                      long_list=True, what="TDT patients")
        grid = transfusion_timeline_sample(ctx.filtered, max_patients=GRID_PATIENTS)
        # Taller rows than the builder's default, at which Vega drops every other patient's label.
        timeline = Figure("transfusion_timeline", "Transfusions at each visit", transfusion_timeline(
            grid.rows, row_height=22 if ctx.presentation else 16, presentation=ctx.presentation),
            caption=(f"The grid shows {grid.note}. " if grid.capped else "") + "Numbers: units since the previous "
                    "visit; colour: units per month over that interval.",
            notes=f"{grid.n_shown} of {grid.n_patients} TDT patients shown")
    stops = chelation_stops(ctx.filtered)
    sampled = ""
    if ferritin == "stops" and len(stops):
        # Sampled by their visits, not by the stops: a patient seen monthly brings many rows.
        shown = cap_patients(rows_of(ctx.filtered.analysed, stops["patient_id"], ["patient_id", "month", "sf_ng_ml"]),
                             max_patients=STOP_PATIENTS, max_rows=MAX_ROWS)
        course = shown.rows
        marks = rows_of(stops, course["patient_id"])
        notes = _stops_notes(marks)
        if shown.capped:
            sampled = (f"Showing a random {shown.n_shown:,} of {shown.n_patients:,} analysed patients whose chelation "
                       "was stopped (fixed seed); the table below lists them all.")
    else:
        course = ferritin_course(ctx.filtered.analysed, log=log)
        marks, notes = stop_months(stops), means_notes(course, None)
    method = ("Log scale: the line is the geometric mean; its 95% CI is computed on log values and back-transformed."
              if log else "")
    figure = Figure(f"ferritin_{ferritin}", "Serum ferritin and chelation stopped for low ferritin",
                    ferritin_with_stops(course, marks, log_scale=log, presentation=ctx.presentation),
                    caption=" ".join(t for t in (f"Analysed patients of the filter (n = {ctx.n}).", sampled, method,
                                                 "" if len(stops) else NO_STOPS) if t), notes=notes)
    stop_table = None if not len(stops) else Table("chelation_stops", "Chelation stopped for low ferritin", stops, {
        "patient_id": Col("Patient"), "sex": Col("Sex"), "age_years": Col("Age", "%.0f"), "genotype": Col("Genotype"),
        "thal_type": Col("Type"), "chelation_stop_month": Col("Stopped at month", "%.0f"),
        "sf_month_at_stop": Col("SF measured at month", "%.0f"), "sf_at_stop": Col("SF before stopping", "%.0f"),
        "sf_24m": Col("SF at 24 M", "%.0f"), "sf_change": Col("Change", "%+.0f"), "problem": Col("Note")},
        caption=f"{len(stops):,} patients, in the layout of Table 8; SF before stopping: the last ferritin recorded at "
                "or before the stop month.", notes=_stops_notes(stops), patient_column="patient_id",
                long_list=True, what="patients")
    table_8 = None
    if ctx.paper_applies(graded=False):
        table_8 = Table("table_8_published", "Table 8 as published", published_table_8(), _TABLE_8,
                        caption="Yang et al. 2024, Table 8, beside the computed table above.")
    return IronView(slope, histogram, table, timeline, figure, stop_table, table_8)


def _burden_notes(units: pd.DataFrame, suffix: str, months: int) -> str:
    known = units[units[f"units_per_month_{suffix}"].notna()]
    lines = [f"{len(units):,} TDT patients; {len(known):,} with a complete total over months 1–{months}"]
    if len(known):
        lines.append(f"Those {len(known)}: mean units per month {known['pre_units_per_month'].mean():.2f} before, "
                     f"{known[f'units_per_month_{suffix}'].mean():.2f} on treatment")
    return "\n".join(lines)


def _reduction_notes(units: pd.DataFrame, mir: float, slr: float) -> str:
    reduction = units["reduction_pct_window"]
    known = reduction.dropna()
    return (f"{len(known):,} of {len(units):,} TDT patients with a reduction over the grading window: "
            f"{int((known >= mir).sum())} ≥ {mir:g} %, {int(((known >= slr) & (known < mir)).sum())} from {slr:g} "
            f"to {mir:g} %, {int((known < slr).sum())} below {slr:g} %")


def _stops_notes(stops: pd.DataFrame) -> str:
    sf = lambda v: "not recorded" if pd.isna(v) else f"{v:.0f} ng/mL"
    lines = [f"{r.patient_id}: chelation stopped at month {r.chelation_stop_month:.0f}; SF {sf(r.sf_at_stop)} "
             f"before, {sf(r.sf_24m)} at 24 M" for r in stops.head(NOTE_LINES).itertuples()]
    if len(stops) > NOTE_LINES:
        lines.append(f"… and {len(stops) - NOTE_LINES:,} more patients (all in the table)")
    return "\n".join(lines)


PARAMS: tuple[Param, ...] = (
    Param("period", "window", lambda ctx, _: tuple(periods(ctx.rules.window_months))),
    Param("ferritin", "mean", tuple(FERRITIN)), Param("log", False))
"""The page's own settings (``views.params``)."""
