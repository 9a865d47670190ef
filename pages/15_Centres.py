"""Centres: patients, withdrawals, visit completeness and response per centre, and whether response differs."""

from __future__ import annotations

import streamlit as st

from thaldash.ui import page_frame
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show, show_stats
from thaldash.views.centres import ONE_CENTRE, centres_view

frame = page_frame("Centres", icon="🏥")
view = cached_view(centres_view, frame.context())

if not view.several:
    st.info(ONE_CENTRE)
show_stats(view.headlines)
st.subheader("Patients and visits")
show(frame, view.patients)
st.subheader("Response")
show(frame, view.response_chart, caption=False)
show(frame, view.response)
show(frame, view.heterogeneity)
frame.footer_caption()
