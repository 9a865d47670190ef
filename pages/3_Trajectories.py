"""Trajectories: Hb, HbF and ferritin over 24 months, mean with 95% CI by group, and missing data."""

from __future__ import annotations

import altair as alt
import streamlit as st

from thaldash.charts import completeness_map, trajectory_chart
from thaldash.analyses.patient import lines_table
from thaldash.analyses.response import grouped_visits, response_patients
from thaldash.data.schema import STUDY_MONTHS
from thaldash.analyses.trajectories import cap_patients, completeness, individual_lines, trajectory_means
from thaldash.ui import cache_on_cohort, page_frame
from thaldash.ui.caching import graded
from thaldash.ui.patient_link import patient_table

frame = page_frame("Trajectories", icon="📈")
MEASURES = {"hb_g_l": "Hb (g/L)", "hbf_pct": "HbF (%)", "sf_ng_ml": "Serum ferritin (ng/mL)"}
GROUPINGS = {"tier": "Response tier", "genotype_group": "Genotype group", "genotype": "Genotype",
             "thal_type": "TDT / NTDT", "splenectomy": "Splenectomy", "none": "No grouping"}
PATIENTS = {"all": "All analysed patients", "mar": "MaR genotype group", "slr-nr": "SLR/NR genotype group"}
GROUP_OF = {"all": None, "mar": "MaR group", "slr-nr": "SLR/NR group"}
MONTHS = tuple(m for m in STUDY_MONTHS if m > 0)
MAP_PATIENTS = 150  # a patients × visits map taller than this is unreadable; larger cohorts get a sample
FIG_2 = {"measure": "hb_g_l", "grouping": "genotype", "months": 6, "patients": "mar", "lines": False, "log": False}


def show_fig_2():
    for name, value in FIG_2.items():
        st.session_state[frame.key(name)] = value


@cache_on_cohort
def _visits(filtered, cohort, rules, patients, months):
    table = response_patients(graded(filtered, rules), filtered.patients, graded(cohort, rules))
    return grouped_visits(filtered.visits, table, genotype_group=GROUP_OF[patients], max_month=months)


@cache_on_cohort(max_entries=64)
def _trajectory(filtered, cohort, rules, patients, months, measure, by, log, lines, presentation):
    """Means, the patients drawn as lines (or None) and the chart, cached together (the chart is the costly part)."""
    visits = _visits(filtered, cohort, rules, patients, months)
    means = trajectory_means(visits, measure=measure, by=by, log=log)
    genotypes = sorted(cohort.patients["genotype"].dropna().unique()) if by == "genotype" else None
    individual = individual_lines(visits, measure=measure, by=by) if lines else None
    figure = trajectory_chart(means, measure=measure, grouping=by, log_scale=log, individual=individual,
                              domain=genotypes, show_n=(means[by].nunique() if by else 1) <= 4,
                              presentation=presentation)
    if months < 24:  # the builder always spans months 0–24; Fig. 2 (0–6 M) would fill a quarter of it
        for layer in figure.layer:
            layer.encoding.x.scale = alt.Scale(domain=[0, months], nice=False, padding=14)
        figure.title.text = figure.title.text.replace("over 24 months", f"over months 0–{months}")
    drawn = None if individual is None else (individual.note, lines_table(individual.rows, measure=measure, by=by))
    return means, drawn, figure


@cache_on_cohort
def _completeness(filtered, cohort, rules, patients, months, measure, presentation):
    """The per-month counts, the rows of the map (a sample of patients on a large cohort) and the map."""
    expected = [m for m in STUDY_MONTHS if m <= months]
    found = completeness(_visits(filtered, cohort, rules, patients, months), expected_months=expected,
                         measures=(measure,))
    grid = cap_patients(found.detail, max_patients=MAP_PATIENTS if
                        found.summary["n_expected"].max() <= MAP_PATIENTS else 100)
    return found.summary, grid, completeness_map(grid.rows, status=measure, presentation=presentation)


measure = frame.param("measure", "hb_g_l", tuple(MEASURES))
grouping = frame.param("grouping", "tier", tuple(GROUPINGS))
months = frame.param("months", 24, MONTHS)
patients = frame.param("patients", "all", tuple(PATIENTS))
lines, log = frame.param("lines", False), frame.param("log", False)
cols = st.columns([3, 3, 3, 4])
cols[0].selectbox("Measure", tuple(MEASURES), key=frame.key("measure"), format_func=MEASURES.get)
cols[1].selectbox("Group by", tuple(GROUPINGS), key=frame.key("grouping"), format_func=GROUPINGS.get)
cols[2].selectbox("Patients", tuple(PATIENTS), key=frame.key("patients"), format_func=PATIENTS.get,
                  help="Genotype groups are decided on the whole cohort under the selected grading.")
cols[3].select_slider("Months 0 to", MONTHS, key=frame.key("months"))
if not frame.presentation:
    row = st.container(horizontal=True)
    row.toggle("Individual patient lines", key=frame.key("lines"), help="Thin lines behind the means; hover for the patient.")
    if measure == "sf_ng_ml":
        row.toggle("Log scale (geometric mean)", key=frame.key("log"))
    row.button("Fig. 2 of the paper", on_click=show_fig_2, help="Hb of the MaR-group patients by genotype, months 0–6 "
               "(the data of Table 2); the link then reproduces it.")
log = log and measure == "sf_ng_ml"
by = None if grouping == "none" else grouping
visits = _visits(frame.filtered, frame.cohort, frame.rules, patients, months)
if not len(visits):
    st.info("No analysed patient of this selection has visits; choose other patients or widen the filter.")
    st.stop()
means, drawn, figure = _trajectory(frame.filtered, frame.cohort, frame.rules, patients, months, measure, by, log,
                                   lines, frame.presentation)
frame.chart(figure, f"trajectory_{measure}")
if log:
    st.caption("Log scale: the line is the geometric mean and the band its 95% CI (t on log values, back-transformed).")
if drawn is not None:
    note, drawn = drawn
    st.caption(f"Thin lines: {note}.")
    patient_table(frame, drawn, "trajectory_patients", what="patients drawn", column_config={
        "patient_id": "Patient", **({by: GROUPINGS[grouping]} if by else {}),
        **{c: st.column_config.NumberColumn(f"{c[1:]} M", format="%.1f") for c in drawn.columns if c[1:].isdigit()}})
frame.table(means, f"trajectory_{measure}_means", column_config={
    **({by: GROUPINGS[grouping]} if by else {}), "month": "Month", "n": "n",
    "mean": st.column_config.NumberColumn(means["estimate"].iloc[0].capitalize() if len(means) else "Mean", format="%.1f"),
    "ci_low": st.column_config.NumberColumn("95% CI low", format="%.1f"),
    "ci_high": st.column_config.NumberColumn("95% CI high", format="%.1f"), "reason": "Note",
    "n_rows": None, "n_excluded": None, "sd": None, "se": None, "estimate": None, "computed": None})
st.caption(("95% CI: exp(mean of ln values ± t(0.975, n − 1) · SE)" if log else "95% CI: mean ± t(0.975, n − 1) · SE")
           + "; groups with one value or no spread get no interval (Note).")

st.subheader("Which values exist")
summary, grid, grid_map = _completeness(frame.filtered, frame.cohort, frame.rules, patients, months, measure,
                                        frame.presentation)
complete = bool((summary["n_value"] == summary["n_expected"]).all())
if complete:
    st.caption(f"Every patient has a value at every expected month ({summary['n_expected'].sum():,} values).")
with st.expander("Patients × visits map", expanded=not complete):
    if grid.capped:
        st.caption(f"The map shows {grid.note}; the table below counts every patient.")
    frame.chart(grid_map, f"completeness_{measure}")
frame.table(summary, f"completeness_{measure}", column_config={
    "measure": None, "month": "Month", "n_expected": "Patients", "n_visit": "With a visit", "n_value": "With a value",
    "pct_visit": st.column_config.NumberColumn("% visit", format="%.1f"),
    "pct_value": st.column_config.NumberColumn("% value", format="%.1f")})
frame.footer_caption()
