"""Transfusion and iron: units before vs on treatment, reductions, the transfusion record, ferritin and chelation."""

from __future__ import annotations

import streamlit as st

from thaldash.ui import page_frame
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show
from thaldash.views.iron import FERRITIN, iron_view, periods

frame = page_frame("Transfusion and iron", icon="🩸")
PERIODS = periods(frame.rules.window_months)
period = frame.param("period")
ferritin = frame.param("ferritin")
log = frame.param("log")
view = cached_view(iron_view, frame.context(), period=period, ferritin=ferritin, log=log)

if view.units is None:
    st.info(view.slope.reason)
else:
    st.radio("On-treatment period", tuple(PERIODS), key=frame.key("period"), format_func=PERIODS.get, horizontal=True)
    show(frame, view.slope)
    show(frame, view.histogram)
    show(frame, view.units)
    st.subheader("Transfusions at each visit")
    show(frame, view.timeline)

st.subheader("Serum ferritin and chelation stopped for low ferritin (Table 8)")
row = st.container(horizontal=True)
row.radio("Show", tuple(FERRITIN), key=frame.key("ferritin"), format_func=FERRITIN.get, horizontal=True)
row.toggle("Log scale (geometric mean)", key=frame.key("log"))
show(frame, view.ferritin)
if view.stops is not None:
    show(frame, view.stops)
if view.table_8 is not None:
    st.markdown(f"**{view.table_8.title}** (Yang et al. 2024), beside the computed table above:")
    show(frame, view.table_8, caption=False)
frame.footer_caption()
