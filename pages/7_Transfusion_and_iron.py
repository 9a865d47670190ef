"""Transfusion and iron: units before vs on treatment, reductions, the transfusion record, ferritin and chelation."""

from __future__ import annotations

import altair as alt
import streamlit as st

from thaldash.charts import before_after_units, ferritin_with_stops, reduction_histogram, transfusion_timeline
from thaldash.analyses.iron import (chelation_stops, ferritin_course, reduction_bins, transfusion_timeline_sample,
                           units_before_after)
from thaldash.analyses.patient import published_table_8, rows_of
from thaldash.analyses.trajectories import cap_patients
from thaldash.ui import cache_on_cohort, page_frame, plain
from thaldash.ui.caching import graded
from thaldash.ui.patient_link import patient_table

frame = page_frame("Transfusion and iron", icon="🩸")
PERIODS = {"window": f"Months 0–{frame.rules.window_months} (the grading window)", "24m": "Months 0–24"}
FERRITIN = {"mean": "Mean of all patients", "stops": "Patients whose chelation was stopped"}
SLOPE_PATIENTS, GRID_PATIENTS = 400, 60  # per-patient marks beyond these are unreadable: a random sample is drawn


# Charts are cached with their data: building one costs more than the analysis behind it.
@cache_on_cohort
def _units(filtered, rules, period, presentation):
    """Per-patient units, the slope chart (a sample on a large cohort) and the reduction histogram."""
    units = units_before_after(filtered, window=rules.window_months, graded=graded(filtered, rules))
    if not len(units):
        return units, "", None, None
    sample = cap_patients(units, max_patients=SLOPE_PATIENTS)
    bins = reduction_bins(units, column="reduction_pct_window")
    return units, sample.note if sample.capped else "", \
        before_after_units(sample.rows, period=period, presentation=presentation), \
        reduction_histogram(bins, mir_pct=rules.mir_reduction_pct, slr_pct=rules.slr_reduction_pct,
                            window=rules.window_months, presentation=presentation)


@cache_on_cohort
def _grid(filtered, presentation):
    grid = transfusion_timeline_sample(filtered, max_patients=GRID_PATIENTS)
    # Taller rows than the builder's 12 px, at which Vega drops every other patient's label.
    return grid.note if grid.capped else "", transfusion_timeline(grid.rows, presentation=presentation).properties(
        height=alt.Step(22 if presentation else 16))


@cache_on_cohort
def _ferritin(filtered, view, log, presentation):
    stops = chelation_stops(filtered)
    data = (rows_of(filtered.analysed, stops["patient_id"], ["patient_id", "month", "sf_ng_ml"])
            if view == "stops" and len(stops) else ferritin_course(filtered.analysed, log=log))
    return stops, ferritin_with_stops(data, stops, log_scale=log, presentation=presentation)


st.caption(f"Analysed TDT patients of the filter; on-treatment totals need every visit of the period recorded "
           f"(otherwise the patient is shown without one). Grading window: {frame.rules.window_months} months.")
period = frame.param("period", "window", tuple(PERIODS))
st.radio("On-treatment period", tuple(PERIODS), key=frame.key("period"), format_func=PERIODS.get, horizontal=True)
units, note, slope, histogram = _units(frame.filtered, frame.rules, period, frame.presentation)
if not len(units):
    st.info("No TDT patient matches the filter, so there are no transfusions to show.")
else:
    frame.chart(slope, f"units_{period}")
    if note:
        st.caption(f"Lines: {note}.")
    frame.chart(histogram, "reduction_histogram")
    st.caption(f"Reduction over the grading window; thresholds of the grading ({plain(frame.scenario)}): MiR ≥ "
               f"{frame.rules.mir_reduction_pct:g} %, SLR ≥ {frame.rules.slr_reduction_pct:g} %. Patients untransfused "
               "in the window's last months are MaR whatever their reduction.")
    suffix = "window" if period == "window" else "24m"
    patient_table(frame, units, "units_before_after", what="TDT patients", column_config={
        "patient_id": "Patient", "genotype": "Genotype", "tier": "Tier", "window_months": None,
        "pre_rbc_units_24m": st.column_config.NumberColumn("Units, 24 M before", format="%.1f"),
        "pre_units_per_month": st.column_config.NumberColumn("Per month before", format="%.2f"),
        **{c: None for c in units.columns if c.endswith("_window" if suffix == "24m" else "_24m")},
        f"units_{suffix}": st.column_config.NumberColumn("Units on treatment", format="%.1f"),
        f"units_per_month_{suffix}": st.column_config.NumberColumn("Per month on treatment", format="%.2f"),
        f"reduction_pct_{suffix}": st.column_config.NumberColumn("Reduction %", format="%.1f"),
        f"change_per_month_{suffix}": st.column_config.NumberColumn("Change per month", format="%+.2f"),
        f"problem_{suffix}": "Why no total"})

    st.subheader("Transfusions at each visit")
    note, grid = _grid(frame.filtered, frame.presentation)
    if note:
        st.caption(f"The grid shows {note}.")
    frame.chart(grid, "transfusion_timeline")

st.subheader("Serum ferritin and chelation stopped for low ferritin (Table 8)")
view = frame.param("ferritin", "mean", tuple(FERRITIN))
log = frame.param("log", False)
row = st.container(horizontal=True)
row.radio("Show", tuple(FERRITIN), key=frame.key("ferritin"), format_func=FERRITIN.get, horizontal=True)
row.toggle("Log scale (geometric mean)", key=frame.key("log"))
stops, figure = _ferritin(frame.filtered, view, log, frame.presentation)
frame.chart(figure, f"ferritin_{view}")
if log:
    st.caption("Log scale: the line is the geometric mean; its 95% CI is computed on log values and back-transformed.")
if not len(stops):
    st.caption("No patient of the filter had chelation stopped (the file's chelation_stop_month is empty).")
else:
    patient_table(frame, stops, "chelation_stops", what="patients", column_config={
        "patient_id": "Patient", "sex": "Sex", "age_years": st.column_config.NumberColumn("Age", format="%.0f"),
        "genotype": "Genotype", "thal_type": "Type",
        "chelation_stop_month": st.column_config.NumberColumn("Stopped at month", format="%.0f"),
        "sf_month_at_stop": st.column_config.NumberColumn("SF measured at month", format="%.0f"),
        "sf_at_stop": st.column_config.NumberColumn("SF before stopping", format="%.0f"),
        "sf_24m": st.column_config.NumberColumn("SF at 24 M", format="%.0f"),
        "sf_change": st.column_config.NumberColumn("Change", format="%+.0f"), "problem": "Note"})
if frame.source.kind == "bundled" and frame.filter.is_default:
    st.markdown("**Table 8 as published** (Yang et al. 2024), beside the computed table above:")
    frame.table(published_table_8(), "table_8_published", column_config={
        "patient_id": "Patient", "genotype": "Genotype", "sex": "Sex", "age_years": st.column_config.NumberColumn("Age", format="%.0f"),
        "chelation_stop_month": st.column_config.NumberColumn("Stopped at month", format="%.0f"),
        "sf_at_stop": st.column_config.NumberColumn("SF before stopping", format="%.0f"),
        "sf_24m": st.column_config.NumberColumn("SF at 24 M", format="%.0f")})
frame.footer_caption()
