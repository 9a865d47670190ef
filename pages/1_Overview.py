"""Overview: who is in the cohort — study flow, demographics, and Table 1 by genotype."""

from __future__ import annotations

import streamlit as st

from thaldash.analyses.overview import demographics, study_flow
from thaldash.ui import cache_on_cohort, page_frame, stat
from thaldash.ui.caching import genotype_table

frame = page_frame("Overview", icon="👥")
LABELS = {"sex": "Sex", "age_years": "Age (years)", "age_band": "Age band (years)",
          "splenectomy": "Splenectomy", "thal_type": "Type"}

study_flow, demographics = cache_on_cohort(study_flow), cache_on_cohort(demographics)

st.subheader("Study flow")
flow = study_flow(frame.enrolled)
totals = flow[flow["level"] == "total"].set_index("stage")["n"]
enrolled, withdrawn, analysed = st.columns(3)
with enrolled:
    stat("Enrolled", f"{totals['enrolled']}", n=None)
with withdrawn:
    stat("Withdrew", f"{totals['withdrawn']}", n=None, detail="reasons below")
with analysed:
    stat("Analysed", f"{totals['analysed']}", n=None, detail="the efficacy population")
reasons = flow[flow["level"] == "reason"][["reason", "n", "month_min", "month_max"]]
if len(reasons):
    frame.table(reasons, "withdrawals", column_config={
        "reason": "Reason for withdrawal", "n": "Patients",
        "month_min": st.column_config.NumberColumn("Earliest month", format="%.0f"),
        "month_max": st.column_config.NumberColumn("Latest month", format="%.0f")})

st.subheader("Demographics")
POPULATIONS = {"enrolled": "Enrolled, withdrawn included (as the paper)", "analysed": "Analysed only"}
population = frame.param("population", "enrolled", tuple(POPULATIONS))
st.radio("Count", tuple(POPULATIONS), key=frame.key("population"), format_func=POPULATIONS.get, horizontal=True)
st.caption("Patients who match the filters; the paper's \"General conditions\" counts all 52 enrolled. "
           "% of the number in the \"of\" column.")
demo = demographics(frame.enrolled, population)
frame.table(demo.assign(characteristic=demo["characteristic"].map(LABELS)), "demographics", column_config={
    "characteristic": "Characteristic", "category": "Category", "n": "n", "total": "of",
    "pct": st.column_config.NumberColumn("%", format="%.1f"),
    "value": st.column_config.NumberColumn("Years", format="%.0f"), "population": None}, height="content")

st.subheader("Table 1 — genotype combinations and transfusion independence")
st.caption("Analysed patients. TDT patients are counted by the month from which they needed no more "
           "transfusion. The genotype group is decided on the whole cohort under the selected grading, so a "
           "filter never moves a combination between groups.")
COUNTS = {"n_ntdt": "NTDT", "n_tdt": "TDT", "n_tdt_ti_1m": "TDT free M1", "n_tdt_ti_3m": "TDT free M3",
          "n_tdt_ti_later": "free later", "n_tdt_not_ti": "transfused*", "n_total": "Total"}
frame.table(genotype_table(frame.filtered, frame.cohort, frame.rules), "table_1", height="content", column_config={
    "genotype": "Genotype", "beta_class": "Class", "tiers_present": st.column_config.TextColumn("Tiers", width=80), "group": st.column_config.TextColumn("Genotype group", width=110),
    **{c: st.column_config.NumberColumn(label, width="small") for c, label in COUNTS.items()}})
st.caption("TDT free M1 / M3: transfusion-independent from month 1 / month 3 (the paper's two \"detachment from "
           "transfusion\" columns). \\* Still transfused at the last visit, or not evaluable (missing records).")
frame.footer_caption()
