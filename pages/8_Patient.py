"""Patient: one patient's course, tier with the rule that gave it, and where each value comes from."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from thaldash.charts import patient_timeline
from thaldash.grading.summary import genotype_groups
from thaldash.analyses.patient import patient_labels, patient_profile, patient_rows
from thaldash.ui import cache_on_cohort, not_computed, page_frame, plain, stat
from thaldash.ui.caching import graded
from thaldash.ui.patient_link import PATIENT_PARAM

frame = page_frame("Patient", icon="🧑", require_patients=False)
PICKER_LIMIT = 5_000  # a selectbox of more options is slow to draw; larger cohorts type the id


@cache_on_cohort
def _groups(cohort, rules):
    return genotype_groups(graded(cohort, rules))


@cache_on_cohort
def _labels(cohort):
    return patient_labels(cohort.patients)


@cache_on_cohort(max_entries=64)
def _profile(cohort, rules, pid, presentation):
    """The profile and its chart, once per patient and view (building the chart costs more than grading)."""
    profile = patient_profile(cohort, pid, graded(cohort, rules), _groups(cohort, rules))
    tier = {} if profile.grading is None else {"tier": profile.grading["tier"]}
    return profile, patient_timeline(profile.rows.assign(**tier), presentation=presentation)


everyone = frame.cohort.patients["patient_id"]
shown = frame.filtered.patients["patient_id"]
default = str(shown.iloc[0] if len(shown) else everyone.iloc[0])
# "" (no patient asked for) shows the filter's first patient; any choice, that one included, goes in the URL.
pid = frame.param(PATIENT_PARAM, "") or default
if not len(patient_rows(frame.cohort.patients, pid, is_sorted=True)):
    st.warning(f"There is no patient {plain(pid)} in this cohort; showing {plain(default)} instead.")
    pid = default
st.session_state[frame.key(PATIENT_PARAM)] = pid
if len(everyone) <= PICKER_LIMIT:
    labels = _labels(frame.cohort)
    options = list(dict.fromkeys([*shown.astype("str"), pid]))
    st.selectbox("Patient (type to search)", options, key=frame.key(PATIENT_PARAM), format_func=labels.get,
                 help="Patients of the sidebar filter; a link may open any patient of the cohort.")
else:
    st.text_input("Patient id", key=frame.key(PATIENT_PARAM), help=f"{len(everyone):,} patients: type an id.")
if not len(patient_rows(frame.filtered.patients, pid, is_sorted=True)):  # a binary search, not isin
    st.info(f"Patient {plain(pid)} is outside the sidebar filter; shown because it was asked for.")

profile, timeline = _profile(frame.cohort, frame.rules, pid, frame.presentation)
g = profile.grading
left, middle, right, last = st.columns(4)
with left:
    if g is None:
        not_computed("Tier", "the patient withdrew; withdrawn patients are not graded (the analysed population)")
    else:
        stat("Tier", str(g["tier"]), n=None, detail=f"decided by: {g['deciding_criterion']}")
with middle:
    stat("Genotype group", profile.genotype_group.removesuffix(" group") or "–", n=None,
         detail="decided on the whole cohort")
with right:
    if g is not None and pd.notna(g["reduction_pct"]):
        stat("Transfusion reduction", f"{g['reduction_pct']:.1f} %", n=None,
             detail=f"months 1–{frame.rules.window_months} vs the 24 months before")
    else:
        not_computed("Transfusion reduction", "no reduction: " + ("not graded" if g is None else
                     "no transfusions before enrolment or records missing"))
with last:
    if g is not None and pd.notna(g["hb_rise"]):
        stat("Hb rise", f"{g['hb_rise']:+.1f} g/L", n=None, detail=f"month {frame.rules.window_months} vs month 0")
    else:
        not_computed("Hb rise", "a baseline or window-end Hb is missing" if g is not None else "not graded")
if g is not None:
    st.markdown(f"**Rule trace ({plain(frame.scenario)}):** {plain(g['rule_trace'])}")

frame.chart(timeline, f"patient_{pid}", stretch=False)

st.subheader("Visits")
has_provenance = any(c.endswith("_provenance") for c in [*profile.rows.columns, *frame.cohort.patients.columns])
st.caption("Every study month; \"no visit\" where the file has none. " + (
    "Source of each value: published (printed for this patient), derived (solved from published aggregates) "
    "or assumed (not constrained by any published number)." if has_provenance else
    "The file records no provenance for its values."))
number = lambda label, fmt="%.1f": st.column_config.NumberColumn(label, format=fmt)
source = "Source" if has_provenance else None
frame.table(profile.visits, f"patient_{pid}_visits", height="content", column_config={
    "month": st.column_config.NumberColumn("Month", format="%d"), "visit": "Visit",
    "hb_g_l": number("Hb (g/L)"), "hb_g_l_provenance": source, "hbf_pct": number("HbF (%)"),
    "hbf_pct_provenance": source, "sf_ng_ml": number("SF (ng/mL)", "%.0f"), "sf_ng_ml_provenance": source,
    "rbc_units": number("RBC units", "%.2f"), "rbc_units_provenance": source})

st.subheader("Patient facts")
frame.table(profile.attributes, f"patient_{pid}_facts", height="content", column_config={
    "attribute": None, "label": "Fact", "value": "Value", "provenance": "Source" if has_provenance else None})

if len(profile.published):
    st.subheader("What the paper prints about this patient")
    st.caption("Each printed number beside the value computed from this file under the selected grading; "
               "\"match\" when it prints the same at the paper's precision.")
    frame.table(profile.published, f"patient_{pid}_published", height="content", column_config={
        "source": "Printed in", "location": "Row and column", "field": None, "printed": "Published",
        "computed": "Computed", "status": "Status"})
frame.footer_caption()
