"""Safety: adverse events as patients of the enrolled with exact intervals, and why patients withdrew."""

from __future__ import annotations

import streamlit as st

from thaldash.ui import page_frame, plain
from thaldash.ui.adverse_source import current_adverse_events, describe
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show
from thaldash.views.safety import PAPER_INTRO, STATUS_NOTE, safety_view

frame = page_frame("Safety", icon="🛡️")
events = current_adverse_events(frame.cohort)
view = cached_view(safety_view, frame.context(), events=events)

if view.paper:
    st.markdown(PAPER_INTRO)  # written in thaldash.views.safety; no data in it
else:
    st.markdown(plain(describe(events)) + " Patients with an event, of the enrolled patients shown (withdrawals "
                "included), with Clopper–Pearson exact 95% intervals.")
if view.unusable:
    st.error("The adverse-events table given cannot be used; the Data page lists its problems.")
st.caption(STATUS_NOTE)
show(frame, view.chart)
show(frame, view.table, caption=False)

if view.readings is not None:
    st.subheader(view.readings.title)
    show(frame, view.readings)

st.subheader("Why patients withdrew")
if view.withdrawals is None:
    st.caption("No patient shown withdrew.")
else:
    show(frame, view.withdrawals)
if not frame.presentation:
    st.caption("A cohort's own adverse-events table can be given on the Data page (upload), with "
               "THALDASH_ADVERSE_EVENTS, or with --adverse-events after 'streamlit run app.py --'.")
frame.footer_caption()
