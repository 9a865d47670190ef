"""Home: what the cohort is, its key numbers under the selected grading and filters, and where to look."""

from __future__ import annotations

import streamlit as st

from thaldash.ui import page_frame
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show, show_stats
from thaldash.ui.navigation import guide
from thaldash.views.home import home_view

frame = page_frame("Thalidomide in β-thalassaemia", icon="🩸")
view = cached_view(home_view, frame.context())

st.markdown(view.intro)  # written in thaldash.views.home; no data in it
st.subheader("Key numbers")
show_stats(view.headlines)
st.markdown("**Transfusion-dependent (TDT)**")
show_stats(view.tdt)
st.markdown("**Not transfusion-dependent (NTDT), and everyone pooled**")
show_stats(view.others)
rates = st.expander("Every rate: TDT, NTDT and pooled, per protocol and intention to treat",
                    key="thaldash.home.every_rate", on_change="rerun")
if rates.open:  # drawn once opened: the first paint does not wait for a table that starts folded away
    with rates:
        show(frame, view.rates)

st.subheader("Where to look")
guide()
frame.footer_caption()
