"""Genotype look-up: what thalidomide did for patients with a given genotype, allele or β class, and the claim's test."""

from __future__ import annotations

import streamlit as st

from thaldash.analyses.genotype import QUERY_KINDS
from thaldash.data.filters import BETA_CLASSES
from thaldash.ui import page_frame, plain
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show, show_stats
from thaldash.views.genotype_lookup import MEASURES, lookup_choices, lookup_view

frame = page_frame("Genotype look-up", icon="🧬")
offered = lookup_choices(frame.context())

kind = frame.param("by")
st.radio("Look up", tuple(QUERY_KINDS), key=frame.key("by"), format_func=QUERY_KINDS.get, horizontal=True)
if kind == "genotype":
    asked = {"lookup": frame.param("lookup")}
    st.text_input("Genotype: two alleles with a slash, either order, any usual spelling", key=frame.key("lookup"),
                  help="In this cohort: " + ", ".join(offered.genotypes) + ". βCD41-42/βIVS-2-654 and "
                       "IVS-II-654/CD41-42 are the same genotype.")
elif kind == "allele":
    asked = {"carrier": frame.param("carrier")}
    st.selectbox("Carries the allele (on either chromosome)", offered.alleles, key=frame.key("carrier"))
else:
    asked = {"bclass": frame.param("bclass")}
    st.selectbox("β0/β+ class", BETA_CLASSES, key=frame.key("bclass"))
measure = frame.param("measure")
view = cached_view(lookup_view, frame.context(), by=kind, measure=measure, **asked)
if view.problem:
    st.warning(plain(view.problem))
    st.stop()

st.subheader(plain(view.heading))
if view.tdt:
    show_stats(view.tdt)
for pair in (view.ntdt[:2], view.ntdt[2:]):
    if pair:
        show_stats(pair)
st.caption(plain(view.absent))
show(frame, view.endpoints)
show(frame, view.distributions)
with st.expander("Partially pooled estimate (a model)"):
    show(frame, view.pooled)

st.subheader("Course beside the rest of the cohort")
st.radio("Measure", tuple(MEASURES), key=frame.key("measure"), horizontal=True, format_func=MEASURES.get)
for figure in view.courses:
    show(frame, figure)

st.subheader("The matching patients")
show(frame, view.patients)

st.subheader("What the paper says for these genotypes")
show(frame, view.beside)

st.subheader(view.claim.title)
for sentence in view.claim_sentences:
    st.markdown("- " + plain(sentence))
show(frame, view.claim)
frame.footer_caption()
