"""Overview: who is in the cohort — study flow, demographics, and Table 1 by genotype."""

from __future__ import annotations

import streamlit as st

from thaldash.ui import page_frame
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show, show_stats
from thaldash.views.overview import POPULATIONS, overview_view

frame = page_frame("Overview", icon="👥")
population = frame.param("population")
view = cached_view(overview_view, frame.context(), population=population)

st.subheader("Study flow")
show_stats(view.flow)
if view.withdrawals is not None:
    show(frame, view.withdrawals)

st.subheader("Demographics")
st.radio("Count", tuple(POPULATIONS), key=frame.key("population"), format_func=POPULATIONS.get, horizontal=True)
show(frame, view.demographics)

st.subheader("Table 1 — genotype combinations and transfusion independence")
show(frame, view.table_1)
frame.footer_caption()
