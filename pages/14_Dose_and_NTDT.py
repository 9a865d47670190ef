"""Dose and NTDT: response by thalidomide dose with its confounding by age, and the Hb-based endpoint of NTDT."""

from __future__ import annotations

import streamlit as st

from thaldash.grading.rules import FIELDS_BY_NAME
from thaldash.ui import page_frame, plain
from thaldash.ui.clinical import PCT_COLUMNS, dose, result_sentence

frame = page_frame("Dose and NTDT", icon="💊")
NUM = st.column_config.NumberColumn
result = dose(frame.filtered, frame.rules)

st.subheader("Response by thalidomide dose")
(st.warning if result["confounded"] else st.info)(plain(result["statement"]))
frame.table(result["ages"], "dose_ages", column_config={
    "dose_mg_day": NUM("Dose (mg/day)", format="%g"), "n": "Patients", "n_age": "With an age",
    "age_min": NUM("Youngest", format="%.0f"), "age_max": NUM("Oldest", format="%.0f"),
    "age_median": NUM("Median age", format="%.1f"), "n_under_14": "Under 14"}, counts=("n", "n_age", "n_under_14"))
tiers = result["tiers"]
frame.table(tiers[tiers["tier"].isin(("MaR", "ORR"))], "dose_tiers", column_config={
    "dose_mg_day": "Dose", "tier": "Tier", "n": "n", "total": "Of evaluable", "n_patients": None,
    "computed": None, **PCT_COLUMNS}, counts=("n", "total", "n_patients"), derived=("pct", "ci_low", "ci_high"))
st.caption("MaR and the overall response rate (MaR + MiR + SLR) per dose under the grading rules in the sidebar; "
           "the full tier counts are in the CSV.")
frame.table(result["endpoints"], "dose_endpoints", column_config={
    "dose_mg_day": "Dose", "thal_type": "Type", "endpoint": "Endpoint", "k": "k", "n": "n", **PCT_COLUMNS,
    "confounding": None}, counts=("k", "n"), derived=("pct", "ci_low", "ci_high"))
st.markdown(plain(result_sentence(result["test"].iloc[0])) + " " + plain(result["test"]["table"].iloc[0]))
frame.table(result["test"], "dose_test", column_config={
    "comparison": "Comparison", "test": "Test", "table": "Counts", "n": "n",
    "odds_ratio": NUM("OR", format="%.2f"), "ci_low": NUM("OR low", format="%.2f"),
    "ci_high": NUM("OR high", format="%.2f"), "p": NUM("P", format="%.3f"), "confounding": None,
    "basis": "Basis", "reason": "Note"}, counts=("n",), fractions=("table",))

st.subheader("NTDT: an Hb-based endpoint")
field = FIELDS_BY_NAME["ntdt_endpoint"]
graded_by = dict(zip(field.choices, field.choice_labels))[frame.rules.ntdt_endpoint]
st.markdown(plain(f"NTDT patients were never transfused, so being transfusion-free says nothing about the drug. "
                  f"Their Hb rise instead, at the window's end (month {frame.rules.window_months}) and as the smallest "
                  "rise at every later visit to month 24 (sustained):"))
frame.table(result["ntdt"], "ntdt_endpoint", column_config={
    "thal_type": None, "endpoint": "Endpoint", "k": "k", "n": "NTDT patients", **PCT_COLUMNS}, counts=("k", "n"),
    derived=("pct", "ci_low", "ci_high"))
st.caption(plain(f"In the tiers, NTDT are now graded by: {graded_by}. Change it on the What-if page (NTDT endpoint); "
                 "the paper as applied counts every NTDT patient as MaR."))
frame.footer_caption()
