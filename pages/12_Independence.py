"""Independence: when TDT patients became transfusion independent, whether it lasted, and who became so."""

from __future__ import annotations

import streamlit as st

from thaldash.ui import page_frame, plain
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show
from thaldash.views.independence import GROUPINGS, independence_view

frame = page_frame("Independence", icon="⏱️")

by = frame.param("by")
chosen = frame.param("set")
left, right = st.columns([1, 2])
left.radio("Compare", tuple(GROUPINGS), key=frame.key("by"), format_func=GROUPINGS.get)
if by == "genotype_set":
    right.multiselect("Chosen genotypes (against all other TDT genotypes)", frame.choices("set"),
                      key=frame.key("set"), placeholder="Pick one or more genotypes")
view = cached_view(independence_view, frame.context(), by=by, genotypes=tuple(chosen))

st.subheader("Time to transfusion independence")
show(frame, view.incidence_chart)
show(frame, view.incidence, caption=False)

st.subheader("Did it last?")
show(frame, view.durability)

st.subheader("Who becomes independent: a model with honest uncertainty")
st.markdown(plain(view.model_sentence))
show(frame, view.forest)
show(frame, view.model, caption=False)
show(frame, view.roc)
show(frame, view.aucs, caption=False)
frame.footer_caption()
