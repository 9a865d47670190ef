"""Safety: adverse events as patients of the enrolled with exact intervals, and why patients withdrew."""

from __future__ import annotations

import streamlit as st

from thaldash.published.paper import is_bundled
from thaldash.ui import page_frame, plain
from thaldash.ui.adverse_source import current_adverse_events, describe
from thaldash.ui.clinical import PCT_COLUMNS, safety

frame = page_frame("Safety", icon="🛡️")
events = current_adverse_events(frame.cohort)
result = safety(frame.enrolled, events, frame.presentation)
table = result["table"]
paper = (table["status"] == "reported").any()

if paper:
    st.markdown("The paper's adverse events, **as printed**: patients of the 52 enrolled (withdrawals included), "
                "with Clopper–Pearson exact 95% intervals. The bundled cohort holds no adverse events of its own "
                "(the paper prints counts, not patients), so these numbers do not depend on the reconstruction, "
                "and the sidebar filter does not apply to them.")
else:
    st.markdown(plain(describe(events)) + " Patients with an event, of the enrolled patients shown "
                f"(n = {len(frame.enrolled.patients)}, withdrawals included), with Clopper–Pearson exact 95% intervals.")
if events is not None and not events.ok:
    st.error("The adverse-events table given cannot be used; the Data page lists its problems.")
st.caption("**Not reported** (the paper names the risk but gives no number) is not **zero**; **none recorded** "
           "means a table was given and lists no such event.")
frame.chart(result["chart"], "adverse_events")
frame.table(table, "adverse_events", column_config={
    "event": "Event", "status": "Status", "n": st.column_config.NumberColumn("Patients", format="%d"),
    "total": "Of", **PCT_COLUMNS, "n_withdrawn": st.column_config.NumberColumn("Withdrew for it", format="%d"),
    "n_grade_3_plus": st.column_config.NumberColumn("Grade ≥ 3", format="%d"),
    "source": st.column_config.TextColumn("Where", width="large")}, counts=("n", "total", "n_withdrawn", "n_grade_3_plus"),
    derived=("pct", "ci_low", "ci_high"))

if result["readings"] is not None:
    st.subheader("Rash: one list or two?")
    st.caption("The Results list \"rash in 4 cases\" (2 withdrew for a severe rash) and, in the same sentence, "
               "\"skin rash in 4 cases\". Whether these are the same patients is not said (data/contradictions.csv, "
               "C9), so a rash of either kind affected 4 to 8 of the 52:")
    frame.table(result["readings"], "rash_readings", column_config={
        "reading": "Reading", "n": "Patients", "total": "Of", **PCT_COLUMNS}, counts=("n", "total"), derived=("pct", "ci_low", "ci_high"))

st.subheader("Why patients withdrew")
withdrew = result["withdrawals"]
if withdrew.empty:
    st.caption("No patient shown withdrew.")
else:
    frame.table(withdrew, "withdrawals", column_config={
        "reason_withdrawn": "Reason", "n": "Patients", "total": "Of enrolled", **PCT_COLUMNS,
        "month_min": st.column_config.NumberColumn("From month", format="%.0f"),
        "month_max": st.column_config.NumberColumn("To month", format="%.0f")}, counts=("n", "total"), derived=("pct", "ci_low", "ci_high"))
    if is_bundled(frame.cohort):
        st.caption("Results: two withdrew for a severe rash within two months, one for a menstrual disorder after "
                   "five months, one for haematopoietic stem cell transplantation.")
if not frame.presentation:
    st.caption("A cohort's own adverse-events table can be given on the Data page (upload), with "
               "THALDASH_ADVERSE_EVENTS, or with --adverse-events after 'streamlit run app.py --'.")
frame.footer_caption()
