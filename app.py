"""Home: what the cohort is, and its key numbers under the selected grading and filters."""

from __future__ import annotations

import streamlit as st

from thaldash.grading_summary import tier_summary
from thaldash.ui import not_computed, page_frame, stat
from thaldash.ui.widgets import page_link

frame = page_frame("Thalidomide in β-thalassaemia", icon=":material/bloodtype:")

if frame.source.kind == "bundled":
    st.markdown(
        "Forty-eight patients with β-thalassaemia (34 transfusion-dependent, 14 not; 52 enrolled, 4 withdrew) "
        "took thalidomide for 24 months (Yang et al., *BMC Medical Genomics* 2024;17:191). The paper "
        "publishes aggregates and a few individual patients only, so the bundled cohort is a **reconstruction**: "
        "patients rebuilt to match the published tables, each value labelled as published, derived from "
        "published aggregates, or assumed. Check which numbers it reproduces on the Reproduction page and "
        "where each value comes from on the Data page.")
else:
    st.markdown("You are looking at your own cohort file; the Data page shows its checks and provenance.")
cols = st.columns(2)
with cols[0]:
    page_link("Reproduction", "Reproduction: the paper's numbers, recomputed")
with cols[1]:
    page_link("Data", "Data: contract, checks, provenance, upload")

st.subheader("Key numbers")
st.caption(f"{frame.filter.describe()} · grading: {frame.scenario}")
summary = tier_summary(frame.graded).set_index("tier")
orr, mar = summary.loc["ORR"], summary.loc["MaR"]
left, middle, right = st.columns(3)
with left:
    stat("Analysed patients", f"{len(frame.graded)}", n=None,
         detail=f"{int(summary.loc['not evaluable', 'n'])} not evaluable")
with middle:
    if orr["reason"]:
        not_computed("Overall response rate", orr["reason"])
    else:
        stat("Overall response rate (MaR + MiR + SLR)", f"{orr['pct']:.1f} %", n=int(orr["total"]),
             detail=f"95% CI {orr['ci_low']:.1f}–{orr['ci_high']:.1f} % ({orr['ci_method']})")
with right:
    if mar["reason"]:
        not_computed("Major response", mar["reason"])
    else:
        stat("Major response (MaR)", f"{mar['pct']:.1f} %", n=int(mar["total"]),
             detail=f"{int(mar['n'])} patients · 95% CI {mar['ci_low']:.1f}–{mar['ci_high']:.1f} %")
st.caption(frame.footer)
