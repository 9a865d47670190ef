"""Patient: one patient's course, tier with the rule that gave it, and where each value comes from."""

from __future__ import annotations

import streamlit as st

from thaldash.ui import page_frame, plain
from thaldash.ui.caching import cached_view, patient_labels
from thaldash.ui.patient_link import PATIENT_PARAM
from thaldash.ui.render import show, show_stats
from thaldash.views.patient import chosen_patient, patient_view

frame = page_frame("Patient", icon="🧑", require_patients=False)
PICKER_LIMIT = 5_000  # a selectbox of more options is slow to draw; larger cohorts type the id

# "" (no patient asked for) shows the filter's first patient; any choice, that one included, goes in the URL.
pid, warning = chosen_patient(frame.cohort, frame.filtered, frame.param(PATIENT_PARAM))
if warning:
    st.warning(plain(warning))
st.session_state[frame.key(PATIENT_PARAM)] = pid
everyone = frame.cohort.patients["patient_id"]
if len(everyone) <= PICKER_LIMIT:
    options = list(dict.fromkeys([*frame.filtered.patients["patient_id"].astype("str"), pid]))
    st.selectbox("Patient (type to search)", options, key=frame.key(PATIENT_PARAM),
                 format_func=patient_labels(frame.cohort).get,
                 help="Patients of the sidebar filter; a link may open any patient of the cohort.")
else:
    st.text_input("Patient id", key=frame.key(PATIENT_PARAM), help=f"{len(everyone):,} patients: type an id.")
view = cached_view(patient_view, frame.context(), patient=pid)
if view.note:
    st.info(plain(view.note))

show_stats(view.headlines)
if view.rule_trace:
    st.markdown(f"**Rule trace ({plain(frame.scenario)}):** {plain(view.rule_trace)}")
show(frame, view.timeline)

st.subheader("Visits")
show(frame, view.visits)
st.subheader("Patient facts")
show(frame, view.facts)
if view.published is not None:
    st.subheader("What the paper prints about this patient")
    show(frame, view.published)
frame.footer_caption()
