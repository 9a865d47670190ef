"""Home: what the cohort is, its key numbers under the selected grading and filters, and where to look."""

from __future__ import annotations

import streamlit as st

from thaldash.grading.summary import tier_table
from thaldash.ui import not_computed, page_frame, stat
from thaldash.ui.caching import reproduction_counts
from thaldash.ui.navigation import guide

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


st.subheader("Key numbers")
summary = tier_table(frame.graded).set_index("tier")
orr, mar = summary.loc["ORR"], summary.loc["MaR"]
cols = st.columns(4)
with cols[0]:
    stat("Analysed patients", f"{len(frame.graded)}", n=None,
         detail=f"{int(summary.loc['not evaluable', 'n'])} not evaluable")
with cols[1]:
    if orr["reason"]:
        not_computed("Overall response rate", orr["reason"])
    else:
        stat("Overall response rate (MaR + MiR + SLR)", f"{orr['pct']:.1f} %", n=int(orr["total"]),
             detail=f"{int(orr['n'])} patients · 95% CI {orr['ci_low']:.1f}–{orr['ci_high']:.1f} % "
                    f"({orr['ci_method'].removesuffix(' 95%')})")
with cols[2]:
    if mar["reason"]:
        not_computed("Major response", mar["reason"])
    else:
        stat("Major response (MaR)", f"{mar['pct']:.1f} %", n=int(mar["total"]),
             detail=f"{int(mar['n'])} patients · 95% CI {mar['ci_low']:.1f}–{mar['ci_high']:.1f} %")
with cols[3]:
    if frame.source.kind == "bundled":  # the paper's numbers describe the paper's cohort, not another file
        counts = reproduction_counts(frame.cohort)
        stat("Published numbers reproduced", f"{counts['match']} of {counts['total']}", n=None,
             detail=f"{counts['documented contradiction']} documented contradictions in the paper; whole file, "
                    "the paper's rules")
    else:
        patients = frame.cohort.patients
        stat("Patients in the file", f"{len(patients)}", n=None,
             detail=f"{int(patients['withdrawn'].sum())} withdrawn; the Reproduction page sets this cohort "
                    "beside the published study")

st.subheader("Where to look")
guide()
frame.footer_caption()
