"""Dose and NTDT: response by thalidomide dose with its confounding by age, and the Hb-based endpoint of NTDT."""

from __future__ import annotations

import streamlit as st

from thaldash.ui import page_frame, plain
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show
from thaldash.views.dose import dose_view

frame = page_frame("Dose and NTDT", icon="💊")
view = cached_view(dose_view, frame.context())

st.subheader("Response by thalidomide dose")
(st.warning if view.confounded else st.info)(plain(view.statement))
show(frame, view.ages, caption=False)
show(frame, view.tiers, caption=False)
st.caption(f"MaR and the overall response rate (MaR + MiR + SLR) per dose under {plain(frame.scenario)}; the full "
           "tier counts are in the CSV.")
show(frame, view.endpoints, caption=False)
st.markdown(plain(view.test_sentence))
show(frame, view.test, caption=False)

st.subheader("NTDT: an Hb-based endpoint")
st.markdown(plain(view.ntdt_intro))
show(frame, view.ntdt, caption=False)
st.caption(plain(view.ntdt_note))
frame.footer_caption()
