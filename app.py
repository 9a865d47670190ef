"""Home: what the cohort is, and its key numbers under the selected grading and filters."""

from __future__ import annotations

import streamlit as st

from thaldash.grading_summary import tier_summary
from thaldash.ui import not_computed, page_frame, stat
from thaldash.ui.widgets import page_link

frame = page_frame("Thalidomide in β-thalassaemia", icon="🩸")

if frame.source.kind == "bundled":
    st.markdown(
        "Forty-eight patients with β-thalassaemia (34 transfusion-dependent, 14 not; 52 enrolled, 4 withdrew) "
        "took thalidomide for 24 months (Yang et al., *BMC Medical Genomics* 2024;17:191). The paper "
        "publishes aggregates and a few individual patients only, so the bundled cohort is a **reconstruction**: "
        "patients rebuilt to match the published tables, each value labelled as published, derived from "
        "published aggregates, or assumed. It is not the investigators' patient-level data.")
else:
    st.markdown("This is your own cohort file, not the bundled reconstruction of the paper's cohort.")
page_link("Reproduction", "Reproduction — which of the paper's numbers this cohort reproduces")
page_link("Data", "Data — the contract, the file's checks, where each value comes from, upload")

st.subheader("Key numbers")
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
             detail=f"{int(orr['n'])} patients · 95% CI {orr['ci_low']:.1f}–{orr['ci_high']:.1f} % "
                    f"({orr['ci_method'].removesuffix(' 95%')})")
with right:
    if mar["reason"]:
        not_computed("Major response", mar["reason"])
    else:
        stat("Major response (MaR)", f"{mar['pct']:.1f} %", n=int(mar["total"]),
             detail=f"{int(mar['n'])} patients · 95% CI {mar['ci_low']:.1f}–{mar['ci_high']:.1f} %")
frame.footer_caption()
