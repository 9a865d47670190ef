"""Trajectories: Hb, HbF and ferritin over 24 months, mean with 95% CI by group, and missing data."""

from __future__ import annotations

import streamlit as st

from thaldash.ui import page_frame
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show
from thaldash.views.trajectories import FIG_2, GROUPINGS, MEASURES, MONTHS, PATIENTS, trajectories_view

frame = page_frame("Trajectories", icon="📈")


def show_fig_2():
    for name, value in FIG_2.items():
        st.session_state[frame.key(name)] = value


measure = frame.param("measure")
groupings = frame.context().groupings(GROUPINGS)  # the centre too, with several centres
grouping = frame.param("grouping")
months = frame.param("months")
patients = frame.param("patients")
lines, log = frame.param("lines"), frame.param("log")
cols = st.columns([3, 3, 3, 4])
cols[0].selectbox("Measure", tuple(MEASURES), key=frame.key("measure"), format_func=MEASURES.get)
cols[1].selectbox("Group by", tuple(groupings), key=frame.key("grouping"), format_func=groupings.get)
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
view = cached_view(trajectories_view, frame.context(), measure=measure, grouping=grouping, months=months,
                   patients=patients, lines=lines, log=log)
if view.means is None:
    st.info(view.chart.reason)
    st.stop()
if view.caveat:
    st.info(view.caveat)
show(frame, view.chart)
if view.lines is not None:
    show(frame, view.lines)
show(frame, view.means, height="auto")  # a scrolling box: up to 70 rows (10 genotypes × 7 months)

st.subheader("Which values exist")
with st.expander("Patients × visits map", expanded=not view.complete):
    show(frame, view.completeness_map)
show(frame, view.completeness)
frame.footer_caption()
